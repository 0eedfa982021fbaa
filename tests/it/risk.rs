//! High-risk domestic violence, on both databases: the legal time limits in force (configured
//! stricter than the law) on the clocks a case's instruments start; the structured risk
//! assessment of a case through the API and its page (bad input refused with nothing written,
//! repeated with its history, judgement, escalation, the county's checklist and weights, what
//! staff who do not own the case see, the audit).

use crate::support::{
    self, Api, all_backends, both_backends, fields, page_of, serve, with_small_demo,
};
use chrono::{Duration, Utc};
use jinguo_domain::account::Role;
use jinguo_domain::linkage::DeadlineKind;
use jinguo_storage::Backend;
use serde_json::{Value, json};

fn case_input() -> jinguo_domain::linkage::CaseInput {
    serde_json::from_value(json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡"}))
    .unwrap()
}

async fn stricter_limits_start_shorter_clocks(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    s.limits.order_urgent_decision_hours = 12;
    s.limits.warning_followup_days = 60;
    let staff = support::county_staff();
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let case = s
        .register_case(&staff, &village, &case_input())
        .await
        .unwrap();
    let filed = Utc::now() - Duration::hours(1);
    for body in [
        json!({"instrument": "protection_order", "started_at": filed.to_rfc3339(),
            "urgent": true, "party": "federation"}),
        json!({"instrument": "warning_letter", "started_at": filed.to_rfc3339()}),
    ] {
        s.add_instrument(&staff, case, &serde_json::from_value(body).unwrap())
            .await
            .unwrap();
    }
    let (_, records) = s.case(&staff, case).await.unwrap();
    let took = |k: DeadlineKind| {
        let c = records.clocks.iter().find(|c| c.kind == k).unwrap();
        ((c.due_at - filed).num_milliseconds() + 500) / 1000
    };
    assert_eq!(took(DeadlineKind::OrderDecision), 12 * 3600);
    assert_eq!(took(DeadlineKind::WarningFollowup), 60 * 86_400);

    // The decision opens the reconsideration window (5 days, art. 31): a stored clock, stopped
    // when reconsideration is asked; the order stays in force.
    let order = records
        .instruments
        .iter()
        .find(|i| i.kind == jinguo_domain::linkage::InstrumentKind::ProtectionOrder)
        .unwrap()
        .id;
    let today = jinguo_services::clock::today();
    let event = |body: serde_json::Value| {
        serde_json::from_value::<jinguo_domain::linkage::EventInput>(body).unwrap()
    };
    s.add_event(
        &staff,
        order,
        1,
        &event(json!({"event": "granted", "on": today.to_string(),
            "valid_until": (today + Duration::days(90)).to_string()})),
    )
    .await
    .unwrap();
    let (_, records) = s.case(&staff, case).await.unwrap();
    let window = records
        .clocks
        .iter()
        .find(|c| c.kind == DeadlineKind::OrderReconsideration)
        .unwrap();
    assert_eq!(
        window.due_at,
        jinguo_services::clock::day_start(today + Duration::days(6))
    );
    assert!(!window.done);
    s.add_event(
        &staff,
        order,
        2,
        &event(json!({"event": "reconsidered", "on": today.to_string(),
            "note": "被申请人申请复议"})),
    )
    .await
    .unwrap();
    let (_, records) = s.case(&staff, case).await.unwrap();
    let window = records
        .clocks
        .iter()
        .find(|c| c.kind == DeadlineKind::OrderReconsideration)
        .unwrap();
    assert!(window.done);
    let status = &records
        .instruments
        .iter()
        .find(|i| i.id == order)
        .unwrap()
        .status;
    assert_eq!(status, "in_force");
}
both_backends!(limits_in_force, super::stricter_limits_start_shorter_clocks);

/// The first `n` questions of the default checklist answered "yes".
fn yes(n: usize) -> Value {
    let mut m = serde_json::Map::new();
    for (k, _, _) in jinguo_domain::assessment::CHECKLIST.iter().take(n) {
        m.insert((*k).to_string(), json!("yes"));
    }
    Value::Object(m)
}

/// `n` questions answered "yes", none of them a danger to life.
fn yes_but_lethal(n: usize) -> Value {
    let lethal = ["threat_to_kill", "strangling", "weapon"];
    let mut m = serde_json::Map::new();
    for (k, _, _) in jinguo_domain::assessment::CHECKLIST
        .iter()
        .filter(|q| !lethal.contains(&q.0))
        .take(n)
    {
        m.insert((*k).to_string(), json!("yes"));
    }
    Value::Object(m)
}

async fn count_of(s: &jinguo_services::Services, action: &str) -> usize {
    let q = jinguo_services::audit::AuditQuery {
        action: Some(action.into()),
        limit: 100,
        ..Default::default()
    };
    jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
        .await
        .unwrap()
        .len()
}

async fn a_case_is_assessed_over_time(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "r-staff", Role::Staff, "530181").await;
    support::account(&s, "r-other", Role::Staff, "530181").await;
    support::account(&s, "r-town", Role::Staff, "530181001").await;
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let staff = support::session(&s, "r-staff", false).await;
    let other = support::session(&s, "r-other", false).await;
    let town = support::session(&s, "r-town", false).await;
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let (st, c) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/places/{village}/cases"),
            Some(json!({"victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
                "severity": "serious", "risk_factors": ["substance"], "source": "hotline",
                "received_on": jinguo_services::clock::today().to_string(), "narrative": "多次殴打"})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let case = c["id"].as_str().unwrap().to_string();
    let case_path = format!("/api/v1/cases/{case}");
    let assessments = format!("{case_path}/assessments");
    let risk = |v: &Value| v["case"]["risk"].as_str().unwrap_or_default().to_string();
    let (_, whole) = api.send(&staff, "GET", &case_path, None).await;
    assert_eq!(risk(&whole), "medium", "the short assessment at intake");

    // The checklist in force: the default two dozen questions, read from a place within.
    let (st, list) = api
        .send(
            &town,
            "GET",
            &format!("/api/v1/places/{village}/risk-questions"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{list}");
    assert_eq!(list.as_array().unwrap().len(), 24);

    // Bad input: named on its field, nothing written.
    let mut unknown = yes(2);
    unknown["no_such_question"] = json!("yes");
    unknown["afraid"] = json!("perhaps");
    for (body, want) in [
        (
            json!({"answers": unknown}),
            vec![
                ("answers.afraid".to_string(), "invalid".to_string()),
                (
                    "answers.no_such_question".to_string(),
                    "assessment.unknown_question".to_string(),
                ),
            ],
        ),
        (
            json!({"answers": yes(15), "judgement": "medium"}),
            vec![(
                "reason".to_string(),
                "assessment.lower_needs_reason".to_string(),
            )],
        ),
        (
            json!({"answers": {}}),
            vec![("answers".to_string(), "required".to_string())],
        ),
        (
            json!({"answers": yes(1), "incidents": -1, "judgement": "extreme"}),
            vec![
                ("incidents".to_string(), "out_of_range".to_string()),
                ("judgement".to_string(), "invalid".to_string()),
            ],
        ),
    ] {
        let (st, p) = api.send(&staff, "POST", &assessments, Some(body)).await;
        assert_eq!((st, fields(&p)), (422, want), "{p}");
    }
    let (st, zh) = api
        .send_in(
            "zh-CN",
            &staff,
            "POST",
            &assessments,
            Some(json!({"answers": yes(15), "judgement": "low"})),
        )
        .await;
    assert_eq!(st, 422);
    assert!(zh.to_string().contains("须说明理由"), "{zh}");
    let (st, none) = api.send(&staff, "GET", &assessments, None).await;
    assert_eq!(st, 200, "{none}");
    assert!(none["assessments"].as_array().unwrap().is_empty());
    let (_, whole) = api.send(&staff, "GET", &case_path, None).await;
    assert_eq!(risk(&whole), "medium", "nothing written");
    assert_eq!(count_of(&s, "case.assess").await, 0);

    // Assessed with the victim: fifteen "yes" make it high; a judgement lowers it with a reason;
    // later, few "yes" but three incidents in a year: high by escalation; a judgement raises.
    let reason = "施暴人已被刑事拘留";
    for (body, result) in [
        (json!({"answers": yes(15), "with_victim": true}), "high"),
        (
            json!({"answers": yes(15), "with_victim": true, "judgement": "medium",
                "reason": reason}),
            "medium",
        ),
        (json!({"answers": yes(2), "incidents": 3}), "high"),
        (json!({"answers": yes(1), "judgement": "high"}), "high"),
    ] {
        let (st, a) = api.send(&staff, "POST", &assessments, Some(body)).await;
        assert_eq!((st, a["result"].as_str()), (201, Some(result)), "{a}");
        let (_, whole) = api.send(&staff, "GET", &case_path, None).await;
        assert_eq!(risk(&whole), result);
    }
    // A new assessment below the case's present risk (a partial checklist) is refused without
    // a reason, by any assessor: the case stays high.
    for who in [&staff, &other] {
        let (st, p) = api
            .send(who, "POST", &assessments, Some(json!({"answers": yes(1)})))
            .await;
        assert_eq!(
            (st, fields(&p)),
            (
                422,
                vec![(
                    "reason".to_string(),
                    "assessment.lowers_case_needs_reason".to_string()
                )]
            ),
            "{p}"
        );
    }
    let (_, whole) = api.send(&staff, "GET", &case_path, None).await;
    assert_eq!(risk(&whole), "high", "nothing lowered");
    let (_, history) = api.send(&staff, "GET", &assessments, None).await;
    let list = history["assessments"].as_array().unwrap();
    let bases: Vec<&str> = list.iter().map(|a| a["basis"].as_str().unwrap()).collect();
    assert_eq!(bases, ["judgement", "escalation", "judgement", "score"]);
    assert_eq!(list[3]["score"], json!(15));
    assert_eq!(list[2]["reason"], json!(reason));
    assert_eq!(list[3]["answers"].as_array().unwrap().len(), 15);
    // Staff who do not own the case see the results, not the answers nor the reason.
    let (st, masked) = api.send(&other, "GET", &assessments, None).await;
    assert_eq!(st, 200);
    let m = masked["assessments"].as_array().unwrap();
    assert_eq!(m.len(), 4);
    assert!(
        m.iter()
            .all(|a| a["answers"].as_array().unwrap().is_empty())
    );
    assert!(!masked.to_string().contains(reason));
    assert_eq!(count_of(&s, "case.assess").await, 4);
    assert!(count_of(&s, "case.assessments").await >= 3);

    // The county edits its checklist: a question weighs more, one is added. A township may not.
    let mut questions: Vec<Value> = list_of(&api, &staff).await;
    for q in questions.iter_mut() {
        if q["key"] == "threat_to_kill" {
            q["weight"] = json!(10);
        }
    }
    questions.push(json!({"key": "dowry", "zh": "是否因彩礼发生冲突？",
        "en": "Is there conflict over the bride price?", "weight": 2}));
    let (st, p) = api
        .send(
            &town,
            "PUT",
            "/api/v1/places/530181001/risk-questions",
            Some(json!({"questions": questions})),
        )
        .await;
    assert_eq!(st, 403, "{p}");
    let mut twice = questions.clone();
    twice[1]["key"] = twice[0]["key"].clone();
    twice[2]["weight"] = json!(11);
    let (st, p) = api
        .send(
            &staff,
            "PUT",
            "/api/v1/places/530181/risk-questions",
            Some(json!({"questions": twice})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![
                (
                    "questions[1].key".into(),
                    "assessment.duplicate_question".into()
                ),
                ("questions[2].weight".into(), "out_of_range".into()),
            ]
        )
    );
    assert_eq!(list_of(&api, &staff).await.len(), 24, "nothing written");
    let (st, set) = api
        .send(
            &staff,
            "PUT",
            "/api/v1/places/530181/risk-questions",
            Some(json!({"questions": questions})),
        )
        .await;
    assert_eq!((st, set.as_array().map(Vec::len)), (200, Some(25)), "{set}");
    let (st, a) = api
        .send(
            &staff,
            "POST",
            &assessments,
            Some(
                json!({"answers": {"threat_to_kill": "yes", "dowry": "yes", "injury": "yes",
                "afraid": "yes"}}),
            ),
        )
        .await;
    assert_eq!((st, a["result"].as_str()), (201, Some("high")), "{a}");
    let (_, history) = api.send(&staff, "GET", &assessments, None).await;
    assert_eq!(history["assessments"][0]["score"], json!(14));
    assert_eq!(
        history["assessments"][1]["score"],
        json!(1),
        "an older assessment keeps its weights"
    );
    assert_eq!(count_of(&s, "assessment.checklist").await, 1);

    // The case's page: the history and the form, in both languages; a form refused names its
    // field and writes nothing.
    let page = |lang: &'static str| {
        let (api, staff, case) = (&api, &staff, &case);
        async move {
            api.http
                .get(format!("{}/cases/{case}?lang={lang}", api.base))
                .header("cookie", &staff.cookie)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    let zh_page = page("zh").await;
    assert!(zh_page.contains("id=\"assessment-form\""), "{zh_page}");
    assert!(zh_page.contains("是否因彩礼发生冲突？") && zh_page.contains("保存评估"));
    let en_page = page("en").await;
    assert!(en_page.contains("Is there conflict over the bride price?"));
    assert!(en_page.contains("Risk assessment"));
    let key = support::form_value(
        &zh_page[zh_page.find("assessment-form").unwrap()..],
        "request_key",
    );
    let post = |fields: Vec<(&'static str, String)>| {
        let (api, staff, case) = (&api, &staff, &case);
        async move {
            api.http
                .post(format!("{}/cases/{case}/assessments", api.base))
                .header("cookie", &staff.cookie)
                .form(&fields)
                .send()
                .await
                .unwrap()
        }
    };
    let r = post(vec![
        ("csrf", staff.csrf.clone()),
        ("request_key", key.clone()),
        ("answer.injury", "yes".into()),
        ("incidents", "4".into()),
        ("judgement", "low".into()),
    ])
    .await;
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("须说明理由"));
    assert_eq!(count_of(&s, "case.assess").await, 5);
    let r = post(vec![
        ("csrf", staff.csrf.clone()),
        ("request_key", key),
        ("answer.injury", "yes".into()),
        ("answer.afraid", "no".into()),
        ("incidents", "4".into()),
        ("with_victim", "1".into()),
        ("judgement", "low".into()),
        ("reason", "已离开施暴人，住进庇护所".into()),
    ])
    .await;
    // Redirected to the case's page, which the client follows.
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.text().await.unwrap().contains("已离开施暴人"));
    assert_eq!(count_of(&s, "case.assess").await, 6);
    let (_, whole) = api.send(&staff, "GET", &case_path, None).await;
    assert_eq!(risk(&whole), "low");
}
all_backends!(assessed_over_time, super::a_case_is_assessed_over_time);

async fn list_of(api: &Api, who: &support::Session) -> Vec<Value> {
    let (st, list) = api
        .send(who, "GET", "/api/v1/places/530181/risk-questions", None)
        .await;
    assert_eq!(st, 200, "{list}");
    list.as_array().unwrap().clone()
}

fn clock_of(case: &Value, kind: &str) -> Value {
    case["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == kind)
        .cloned()
        .unwrap_or(Value::Null)
}

fn due_in_hours(clock: &Value) -> i64 {
    let due = chrono::DateTime::parse_from_rfc3339(clock["due_at"].as_str().unwrap()).unwrap();
    (due.with_timezone(&Utc) - Utc::now())
        .num_minutes()
        .div_euclid(60)
        + 1
}

async fn high_risk_cases_are_heard_at_a_conference(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    support::account(&s, "c-staff", Role::Staff, "530181").await;
    support::account(&s, "c-police", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "police", "c-police", "liaison")
        .await
        .unwrap();
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let staff = support::session(&s, "c-staff", false).await;
    let police = support::session(&s, "c-police", false).await;
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let today = jinguo_services::clock::today();
    let narrative = "丈夫酒后持刀威胁";
    let register = |factors: Value| {
        let (api, staff, village) = (&api, &staff, &village);
        async move {
            let (st, c) = api
                .send(
                    staff,
                    "POST",
                    &format!("/api/v1/places/{village}/cases"),
                    Some(json!({"victim_name": "杨秀兰", "relationship": "丈夫",
                        "violence": ["physical"], "severity": "serious", "risk_factors": factors,
                        "source": "hotline", "received_on": today.to_string(),
                        "narrative": narrative, "consent_to_share": true})),
                )
                .await;
            assert_eq!(st, 201, "{c}");
            c["id"].as_str().unwrap().to_string()
        }
    };
    // High at intake with a threat to kill: heard within 72 hours. Medium at intake, high after
    // its assessment: within 14 days.
    let urgent = register(json!(["threat_to_kill"])).await;
    let later = register(json!(["substance"])).await;
    let (_, u) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{urgent}"), None)
        .await;
    assert_eq!(due_in_hours(&clock_of(&u, "conference_hearing")), 72, "{u}");
    let (_, l) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{later}"), None)
        .await;
    assert_eq!(clock_of(&l, "conference_hearing"), Value::Null);
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/cases/{later}/assessments"),
            Some(json!({"answers": yes_but_lethal(14), "with_victim": true})),
        )
        .await;
    assert_eq!(st, 201);
    let (_, l) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{later}"), None)
        .await;
    assert_eq!(due_in_hours(&clock_of(&l, "conference_hearing")), 14 * 24);

    // Bad input names its fields; a conference dated in the past takes no new case.
    let conferences = "/api/v1/places/530181/conferences";
    let (st, p) = api
        .send(
            &staff,
            "POST",
            conferences,
            Some(json!({"invited": ["army"]})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![
                ("conference_on".into(), "required".into()),
                ("invited".into(), "referral.unknown_department".into())
            ]
        )
    );
    let plan = |on: chrono::NaiveDate| {
        let (api, staff) = (&api, &staff);
        async move {
            let (st, c) = api
                .send(
                    staff,
                    "POST",
                    conferences,
                    Some(json!({"conference_on": on.to_string(),
                        "invited": ["police", "court", "civil_affairs"]})),
                )
                .await;
            assert_eq!(st, 201, "{c}");
            c["id"].as_str().unwrap().to_string()
        }
    };
    let past = plan(today - Duration::days(1)).await;
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/conferences/{past}/cases"),
            Some(json!({"case": urgent})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("conference_on".into(), "conference.past".into())]
        )
    );
    let conf = plan(today).await;
    let conf_path = format!("/api/v1/conferences/{conf}");
    let (st, agenda) = api.send(&staff, "GET", &conf_path, None).await;
    assert_eq!(st, 200, "{agenda}");
    let awaiting: Vec<&str> = agenda["awaiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let at = |id: &str| awaiting.iter().position(|a| *a == id).unwrap();
    assert!(at(&urgent) < at(&later), "by their clocks: {awaiting:?}");
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &format!("{conf_path}/cases"),
            Some(json!({"case": urgent})),
        )
        .await;
    assert_eq!(st, 204);
    let (_, u) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{urgent}"), None)
        .await;
    assert_eq!(clock_of(&u, "conference_hearing")["done"], json!(true));

    // The safety plan: an action needs a department and a deadline, and a case heard here.
    let actions = format!("{conf_path}/actions");
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &actions,
            Some(json!({"case": urgent, "action": "上门核查"})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![
                ("department".into(), "required".into()),
                ("due_on".into(), "required".into())
            ]
        )
    );
    let due_on = (today + Duration::days(7)).to_string();
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &actions,
            Some(
                json!({"case": later, "department": "police", "action": "上门核查",
                "due_on": due_on}),
            ),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("case".into(), "conference.not_heard".into())])
    );
    let action_text = "上门核查并送达告诫书";
    let (st, a) = api
        .send(
            &staff,
            "POST",
            &actions,
            Some(
                json!({"case": urgent, "department": "police", "action": action_text,
                "due_on": due_on}),
            ),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let action = a["id"].as_str().unwrap().to_string();
    // The police see their action, nothing of the victim.
    let (st, mine) = api.send(&police, "GET", "/api/v1/actions", None).await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(mine[0]["action"], json!(action_text));
    assert!(!mine.to_string().contains("杨") && !mine.to_string().contains(narrative));
    // Its clock escalates to the police when the day has passed.
    let unread = |who: &'static str| {
        let (api, s) = (&api, if who == "police" { &police } else { &staff });
        async move {
            let (_, v) = api.send(s, "GET", "/api/v1/notifications", None).await;
            v["unread"].as_i64().unwrap()
        }
    };
    let before = unread("police").await;
    let round = s
        .escalate(jinguo_services::clock::day_start(today + Duration::days(8)) + Duration::hours(1))
        .await
        .unwrap();
    assert!(round.escalated >= 1, "{round:?}");
    assert!(unread("police").await > before);

    // Held with the departments present; the minutes carry no narrative.
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &format!("{conf_path}/held"),
            Some(json!({"present": ["police", "army"], "expected_version": 1})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("present".into(), "referral.unknown_department".into())]
        )
    );
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &format!("{conf_path}/held"),
            Some(json!({"present": ["police"], "expected_version": 1})),
        )
        .await;
    assert_eq!(st, 204);
    let r = api
        .http
        .get(format!("{}{conf_path}/minutes.docx", api.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = jinguo_interchange::docx::text_of(&r.bytes().await.unwrap()).unwrap();
    assert!(
        text.contains(action_text) && text.contains("杨*兰"),
        "{text}"
    );
    assert!(
        !text.contains(narrative) && !text.contains("杨秀兰"),
        "{text}"
    );
    let r = api
        .http
        .get(format!("{}/conferences/{conf}/minutes.pdf", api.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let pdf = crate::support::pdf_text(&r.bytes().await.unwrap());
    let flat: String = pdf.split_whitespace().collect();
    assert!(
        flat.contains("会商会议纪要") && flat.contains("杨*兰"),
        "{pdf}"
    );
    assert!(!flat.contains("杨秀兰"), "{pdf}");

    // The next conference reviews the open action; the police mark it done, once.
    let next = plan(today + Duration::days(1)).await;
    let (_, agenda) = api
        .send(&staff, "GET", &format!("/api/v1/conferences/{next}"), None)
        .await;
    assert_eq!(agenda["open_before"][0]["id"], json!(action));
    let done = format!("/api/v1/actions/{action}/done");
    let (st, _) = api.send(&police, "POST", &done, None).await;
    assert_eq!(st, 204);
    let (st, p) = api.send(&police, "POST", &done, None).await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("action".into(), "referral.already".into())])
    );
    let (_, agenda) = api
        .send(&staff, "GET", &format!("/api/v1/conferences/{next}"), None)
        .await;
    assert!(agenda["open_before"].as_array().unwrap().is_empty());
    assert_eq!(count_of(&s, "conference.plan").await, 3);
    assert_eq!(count_of(&s, "conference.action_done").await, 1);
}
both_backends!(
    heard_at_a_conference,
    super::high_risk_cases_are_heard_at_a_conference
);

/// On the demo with the county's departments: accounts of the county's staff (`staff`) and of
/// departments' liaison officers (`officers`: account, department).
async fn accounts(s: &jinguo_services::Services, staff: &[&str], officers: &[(&str, &str)]) {
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    for name in staff {
        support::account(s, name, Role::Staff, "530181").await;
    }
    for (name, department) in officers {
        support::account(s, name, Role::Liaison, "530181").await;
        s.set_liaison(&operator, "530181", department, name, "liaison")
            .await
            .unwrap();
    }
}

/// The server of `s`, and a client of its API.
async fn serve_api(s: &jinguo_services::Services) -> (support::Server, Api) {
    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    (srv, api)
}

/// A form posted as `who` (redirects followed): (status, body).
async fn post_form(
    api: &Api,
    who: &support::Session,
    path: &str,
    mut fields: Vec<(&'static str, String)>,
) -> (u16, String) {
    fields.push(("csrf", who.csrf.clone()));
    let r = api
        .http
        .post(format!("{}{path}", api.base))
        .header("cookie", &who.cookie)
        .form(&fields)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The conference pages: the county's staff see the cases waiting with their deadlines, plan a
/// conference, hear a case, add actions (refused without department or deadline, the field
/// named), record it held and take its minutes; the police's officer sees only her
/// department's actions, nothing of the victim, and marks one done once confirmed.
async fn conferences_are_run_from_their_pages(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    accounts(
        &s,
        &["p-staff"],
        &[("p-police", "police"), ("p-court", "court")],
    )
    .await;
    let (_srv, api) = serve_api(&s).await;
    let staff = support::session(&s, "p-staff", false).await;
    let police = support::session(&s, "p-police", false).await;
    let court = support::session(&s, "p-court", false).await;
    let village = crate::storage::first_group(&s).await[..12].to_string();
    let today = jinguo_services::clock::today();
    let narrative = "丈夫多次扬言杀妻";
    let (st, c) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/places/{village}/cases"),
            Some(json!({"victim_name": "李桂英", "relationship": "丈夫",
                "violence": ["physical"], "severity": "serious", "risk_factors": ["threat_to_kill"],
                "source": "hotline", "received_on": today.to_string(),
                "narrative": narrative, "consent_to_share": true})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let case = c["id"].as_str().unwrap().to_string();

    // The list: the case waits with its deadline, in both languages.
    let (st, html) = page_of(&api, &staff, "/conferences").await;
    assert_eq!(st, 200);
    assert!(html.contains("待会商的高危个案"), "{html}");
    assert!(html.contains(&format!("href=\"/cases/{case}\"")), "{html}");
    let (_, en) = page_of(&api, &staff, "/places/530181/conferences?lang=en").await;
    assert!(en.contains("High-risk cases waiting to be heard") && en.contains("to be heard by"));
    // Planned without a date: refused on the date, nothing written.
    let key = support::form_value(&html, "request_key");
    let (st, html) = post_form(
        &api,
        &staff,
        "/places/530181/conferences",
        vec![("request_key", key.clone()), ("invited.police", "1".into())],
    )
    .await;
    assert_eq!(st, 422);
    assert!(html.contains("href=\"#f-conference_on\""), "{html}");
    assert_eq!(count_of(&s, "conference.plan").await, 0);
    let (st, html) = post_form(
        &api,
        &staff,
        "/places/530181/conferences",
        vec![
            ("request_key", key),
            ("conference_on", today.to_string()),
            ("invited.police", "1".into()),
            ("invited.court", "1".into()),
        ],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    let conf = s
        .conferences(&support::county_staff(), "530181")
        .await
        .unwrap()[0]
        .id;
    assert!(html.contains("id=\"held-form\"") && html.contains("id=\"conference-waiting\""));
    // The case is heard from the agenda: its clock stops, it leaves the waiting list.
    let (st, html) = post_form(
        &api,
        &staff,
        &format!("/conferences/{conf}/cases"),
        vec![("case", case.clone())],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    assert!(
        html.contains("id=\"no-waiting\"") && html.contains("李*英"),
        "{html}"
    );
    assert!(!html.contains("李桂英") && !html.contains(narrative));
    // An action without department or deadline names both fields; then one for each.
    let actions = format!("/conferences/{conf}/actions");
    let (st, html) = post_form(
        &api,
        &staff,
        &actions,
        vec![("case", case.clone()), ("action", "上门核查".into())],
    )
    .await;
    assert_eq!(st, 422);
    assert!(
        html.contains("href=\"#f-department\"") && html.contains("href=\"#f-due_on\""),
        "{html}"
    );
    let due = (today + Duration::days(5)).to_string();
    for (dep, text) in [("police", "送达告诫书并回访"), ("court", "审查保护令申请")]
    {
        let (st, html) = post_form(
            &api,
            &staff,
            &actions,
            vec![
                ("case", case.clone()),
                ("department", dep.into()),
                ("action", text.into()),
                ("due_on", due.clone()),
            ],
        )
        .await;
        assert_eq!(st, 200, "{html}");
        assert!(html.contains(text));
    }
    // Held with those present; the minutes download from the page.
    let (st, html) = post_form(
        &api,
        &staff,
        &format!("/conferences/{conf}/held"),
        vec![("present.police", "1".into()), ("version", "1".into())],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("id=\"conference-present\"") && !html.contains("id=\"held-form\""));
    let r = api
        .http
        .get(format!("{}/conferences/{conf}/minutes.docx", api.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let text = jinguo_interchange::docx::text_of(&r.bytes().await.unwrap()).unwrap();
    assert!(text.contains("送达告诫书并回访") && !text.contains(narrative));

    // The police's page: their action only, nothing of the victim.
    let (st, mine) = page_of(&api, &police, "/actions").await;
    assert_eq!(st, 200);
    assert!(mine.contains("送达告诫书并回访"), "{mine}");
    assert!(
        !mine.contains("审查保护令申请"),
        "another department's action: {mine}"
    );
    assert!(!mine.contains("李") && !mine.contains(narrative));
    // The court's officer cannot open the conference, nor its minutes.
    assert_eq!(
        page_of(&api, &court, &format!("/conferences/{conf}"))
            .await
            .0,
        404
    );
    let police_action = s
        .conference(&support::county_staff(), conf)
        .await
        .unwrap()
        .actions
        .into_iter()
        .find(|a| a.department == "police")
        .unwrap()
        .id;
    // Nor mark the police's action done.
    let done = format!("/actions/{police_action}/done");
    let (st, _) = post_form(&api, &court, &done, vec![("confirmed", "1".into())]).await;
    assert_eq!(st, 404);
    // Marking done asks first, then stops it.
    let (st, html) = post_form(&api, &police, &done, vec![]).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"confirm-form\""), "{html}");
    assert_eq!(count_of(&s, "conference.action_done").await, 0);
    let (st, html) = post_form(&api, &police, &done, vec![("confirmed", "1".into())]).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("已完成"), "{html}");
    assert_eq!(count_of(&s, "conference.action_done").await, 1);
}
both_backends!(
    conference_pages,
    super::conferences_are_run_from_their_pages
);

/// A department that acknowledged a referral records what it did within its own limit (set per
/// department, 7 days at first): a stored clock, escalated to its officers when it passes,
/// stopped by the action recorded from the referral's page.
async fn acknowledged_referrals_are_timed_until_acted_on(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    accounts(&s, &["t-staff"], &[("t-police", "police")]).await;
    let (_srv, api) = serve_api(&s).await;
    let staff = support::session(&s, "t-staff", false).await;
    let police = support::session(&s, "t-police", false).await;
    // The limit is the department's: 7 days at first; out of range is refused on its field.
    let (_, deps) = api
        .send(&staff, "GET", "/api/v1/places/530181/departments", None)
        .await;
    let dep = deps
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["key"] == "police")
        .unwrap()
        .clone();
    assert_eq!(dep["action_days"], json!(7));
    let put = |days: i64| {
        let (api, staff, dep) = (&api, &staff, &dep);
        async move {
            api.send(
                staff,
                "PUT",
                "/api/v1/places/530181/departments/police",
                Some(
                    json!({"name": dep["name"], "in_linkage": true, "ack_hours": 24,
                    "urgent_ack_hours": 2, "action_days": days,
                    "expected_version": dep["version"]}),
                ),
            )
            .await
        }
    };
    let (st, p) = put(0).await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("action_days".into(), "out_of_range".into())])
    );
    let (st, d) = put(3).await;
    assert_eq!((st, d["action_days"].clone()), (200, json!(3)), "{d}");

    let village = crate::storage::first_group(&s).await[..12].to_string();
    let case = s
        .register_case(&support::county_staff(), &village, &case_input())
        .await
        .unwrap();
    let (st, r) = api
        .send(
            &staff,
            "POST",
            &format!("/api/v1/cases/{case}/referrals"),
            Some(json!({"department": "police", "requests": ["protection"],
                "basis": "consent"})),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let referral = r["id"].as_str().unwrap().to_string();
    let (st, _) = api
        .send(
            &police,
            "POST",
            &format!("/api/v1/referrals/{referral}/acknowledge"),
            Some(json!({"expected_version": 1})),
        )
        .await;
    assert_eq!(st, 200);
    // Acknowledged: what the police do is due in 3 days.
    let (_, detail) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{referral}"),
            None,
        )
        .await;
    let due =
        chrono::DateTime::parse_from_rfc3339(detail["referral"]["action_due_at"].as_str().unwrap())
            .unwrap()
            .with_timezone(&Utc);
    assert_eq!((due - Utc::now()).num_hours(), 3 * 24 - 1, "{detail}");
    let (_, page) = page_of(&api, &police, &format!("/referrals/{referral}")).await;
    assert!(page.contains("id=\"action-due\""), "{page}");
    // Nothing recorded in time: the clock escalates to the police's officer.
    let unread = || {
        let (api, police) = (&api, &police);
        async move {
            let (_, v) = api.send(police, "GET", "/api/v1/notifications", None).await;
            v["unread"].as_i64().unwrap()
        }
    };
    let before = unread().await;
    let round = s.escalate(due + Duration::minutes(1)).await.unwrap();
    assert!(round.escalated >= 1, "{round:?}");
    assert!(unread().await > before);
    let (_, c) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    let clock = clock_of(&c, "referral_action");
    assert_eq!(
        (clock["level"].clone(), clock["done"].clone()),
        (json!(1), json!(false)),
        "{c}"
    );
    // The action recorded from the page: the clock stops, and escalates no more.
    let (st, html) = post_form(
        &api,
        &police,
        &format!("/referrals/{referral}/actions"),
        vec![("action", "已上门核查".into()), ("version", "2".into())],
    )
    .await;
    assert_eq!(st, 200, "{html}");
    assert!(!html.contains("id=\"action-due\""), "{html}");
    let (_, c) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(clock_of(&c, "referral_action")["done"], json!(true), "{c}");
    let later = s.escalate(due + Duration::days(2)).await.unwrap();
    assert_eq!(later.escalated, 0, "{later:?}");
}
both_backends!(
    referral_action_timed,
    super::acknowledged_referrals_are_timed_until_acted_on
);

/// A case's address marked confidential (a shelter) by its owner: nobody else sees it — other
/// staff of the county, a department a referral shared it with — in the API
/// or the pages; no referral may share it (the field named, nothing written); only the owner
/// marks it; audited.
async fn a_confidential_address_is_seen_by_its_owner_only(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    accounts(&s, &["a-owner", "a-other"], &[("a-police", "police")]).await;
    let (_srv, api) = serve_api(&s).await;
    let owner = support::session(&s, "a-owner", false).await;
    let other = support::session(&s, "a-other", false).await;
    let police = support::session(&s, "a-police", false).await;
    let village = crate::storage::first_group(&s).await[..12].to_string();
    let address = "连然街道金方路18号3栋2单元501室";
    let (st, c) = api
        .send(
            &owner,
            "POST",
            &format!("/api/v1/places/{village}/cases"),
            Some(json!({"victim_name": "王丽华", "relationship": "丈夫",
                "violence": ["physical"], "severity": "minor", "source": "walk_in",
                "received_on": jinguo_services::clock::today().to_string(),
                "narrative": "推搡", "consent_to_share": true, "victim_address": address})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let case = c["id"].as_str().unwrap().to_string();
    let case_path = format!("/api/v1/cases/{case}");
    // Before: the owner reads it, other staff masked, a referral may share it.
    let (_, v) = api.send(&owner, "GET", &case_path, None).await;
    assert_eq!(v["case"]["victim_address"], json!(address), "{v}");
    let (_, v) = api.send(&other, "GET", &case_path, None).await;
    let masked = v["case"]["victim_address"].as_str().unwrap().to_string();
    assert!(!masked.is_empty() && !masked.contains("501"), "{masked}");
    let (st, r) = api
        .send(
            &owner,
            "POST",
            &format!("{case_path}/referrals"),
            Some(json!({"department": "police", "requests": ["protection"],
                "shared": ["victim", "address"], "basis": "consent"})),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    let referral = r["id"].as_str().unwrap().to_string();
    let (_, seen) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{referral}"),
            None,
        )
        .await;
    assert_eq!(seen["case"]["victim_address"], json!(address), "{seen}");

    // Only the owner marks it confidential.
    let mark = format!("{case_path}/address-confidential");
    let (st, _) = api
        .send(&other, "POST", &mark, Some(json!({"confidential": true})))
        .await;
    assert_eq!(st, 403);
    let (st, _) = api
        .send(&police, "POST", &mark, Some(json!({"confidential": true})))
        .await;
    assert_eq!(st, 404);
    assert_eq!(count_of(&s, "case.address_confidential").await, 0);
    let (st, _) = api
        .send(&owner, "POST", &mark, Some(json!({"confidential": true})))
        .await;
    assert_eq!(st, 204);
    assert_eq!(count_of(&s, "case.address_confidential").await, 1);

    // After: the owner still reads it; the other staff, the police (whose referral shared it)
    // read nothing of it, in the API or the pages.
    let (_, v) = api.send(&owner, "GET", &case_path, None).await;
    assert_eq!(
        (
            v["case"]["victim_address"].clone(),
            v["case"]["address_confidential"].clone()
        ),
        (json!(address), json!(true))
    );
    let (_, v) = api.send(&other, "GET", &case_path, None).await;
    assert_eq!(v["case"]["victim_address"], json!(""), "{v}");
    let (_, seen) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{referral}"),
            None,
        )
        .await;
    assert_eq!(seen["case"]["victim_address"], json!(""), "{seen}");
    let (_, html) = page_of(&api, &owner, &format!("/cases/{case}")).await;
    assert!(html.contains(address) && html.contains("id=\"address-confidential\""));
    for (who, path) in [
        (&other, format!("/cases/{case}")),
        (&police, format!("/referrals/{referral}")),
    ] {
        let (st, html) = page_of(&api, who, &path).await;
        assert_eq!(st, 200);
        assert!(
            !html.contains("金方路") && !html.contains(&masked),
            "{html}"
        );
    }
    // No referral may share it now: refused on its field, nothing written.
    let referrals = s
        .case(&support::county_staff(), case.parse().unwrap())
        .await
        .unwrap()
        .1
        .referrals
        .len();
    let (st, p) = api
        .send(
            &owner,
            "POST",
            &format!("{case_path}/referrals"),
            Some(json!({"department": "court", "requests": ["protection"],
                "shared": ["address"], "basis": "consent"})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("shared".into(), "case.address_confidential".into())]
        )
    );
    assert_eq!(
        s.case(&support::county_staff(), case.parse().unwrap())
            .await
            .unwrap()
            .1
            .referrals
            .len(),
        referrals
    );
    // From the page as well, in Chinese.
    let (st, html) = post_form(
        &api,
        &owner,
        &format!("/cases/{case}/referrals"),
        vec![
            ("department", "court".into()),
            ("request.protection", "1".into()),
            ("shared.address", "1".into()),
            ("basis", "consent".into()),
        ],
    )
    .await;
    assert_eq!(st, 422);
    assert!(html.contains("住址已设为保密"), "{html}");
    // Its sealed value is no plain text in the database.
    let sql = "SELECT count(*) FROM dv_case WHERE victim_address LIKE '%金方路%'";
    let (n,): (i64,) = match &s.db {
        jinguo_storage::Db::Sqlite(d) => sqlx::query_as(sql).fetch_one(&d.read).await.unwrap(),
        jinguo_storage::Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
    };
    assert_eq!(n, 0);
}
both_backends!(
    address_confidential,
    super::a_confidential_address_is_seen_by_its_owner_only
);

/// The county's checklist edited from its page: texts and weights changed, a question removed
/// and one added; an unknown question and a weight out of range refused on their fields with
/// nothing written; staff of a township cannot edit it.
async fn the_checklist_is_edited_from_its_page(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "k-staff", Role::Staff, "530181").await;
    support::account(&s, "k-town", Role::Staff, "530181001").await;
    let (_srv, api) = serve_api(&s).await;
    let staff = support::session(&s, "k-staff", false).await;
    let town = support::session(&s, "k-town", false).await;
    let path = "/places/530181/risk-questions";
    let (st, html) = page_of(&api, &staff, path).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"checklist-form\"") && html.contains("风险评估问题清单"));
    let (_, en) = page_of(&api, &staff, &format!("{path}?lang=en")).await;
    assert!(en.contains("Risk assessment checklist"));
    // A township's staff: not hers to open (the county lies outside her place).
    assert_eq!(page_of(&api, &town, path).await.0, 404);
    let before = list_of(&api, &staff).await;
    // The form as the page sends it: every question of the list in force.
    let mut form: Vec<(String, String)> = Vec::new();
    for (i, q) in before.iter().enumerate() {
        form.push((format!("existing.{i}"), "1".into()));
        form.push((format!("key.{i}"), q["key"].as_str().unwrap().into()));
        form.push((format!("zh.{i}"), q["zh"].as_str().unwrap().into()));
        form.push((format!("en.{i}"), q["en"].as_str().unwrap().into()));
        form.push((format!("weight.{i}"), q["weight"].to_string()));
    }
    let send = |extra: Vec<(String, String)>| {
        let (api, staff, form) = (&api, &staff, &form);
        async move {
            let mut all = form.clone();
            for (k, v) in extra {
                all.retain(|(x, _)| *x != k);
                all.push((k, v));
            }
            all.push(("csrf".into(), staff.csrf.clone()));
            let r = api
                .http
                .post(format!("{}{path}", api.base))
                .header("cookie", &staff.cookie)
                .form(&all)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let n = before.len();
    let (st, html) = send(vec![
        ("key.1".into(), "no_such_question".into()),
        ("weight.2".into(), "11".into()),
    ])
    .await;
    assert_eq!(st, 422, "{html}");
    assert!(
        html.contains("href=\"#f-questions[1].key\"")
            && html.contains("href=\"#f-questions[2].weight\""),
        "{html}"
    );
    assert_eq!(list_of(&api, &staff).await, before, "nothing written");
    assert_eq!(count_of(&s, "assessment.checklist").await, 0);
    let (st, html) = send(vec![
        ("weight.0".into(), "5".into()),
        ("remove.3".into(), "1".into()),
        (format!("key.{n}"), "pets_harmed".into()),
        (format!("zh.{n}"), "施暴人是否伤害过宠物？".into()),
        (format!("en.{n}"), "Has the abuser harmed pets?".into()),
        (format!("weight.{n}"), "2".into()),
        (format!("key.{}", n + 1), String::new()),
    ])
    .await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("id=\"saved\""), "{html}");
    let after = list_of(&api, &staff).await;
    assert_eq!(after.len(), n, "one removed, one added");
    assert_eq!(after[0]["weight"], json!(5));
    assert!(!after.iter().any(|q| q["key"] == before[3]["key"]));
    assert_eq!(after[n - 1]["key"], json!("pets_harmed"));
    assert_eq!(count_of(&s, "assessment.checklist").await, 1);
}
both_backends!(checklist_page, super::the_checklist_is_edited_from_its_page);

/// A high-risk case from before the hearing clock existed gets one when the server starts,
/// once: 14 days (72 hours with a danger to life) from then; a case heard already gets none.
async fn old_high_risk_cases_get_their_hearing_clock_once(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let village = crate::storage::first_group(&s).await[..12].to_string();
    let register = |factors: Value| {
        let (s, staff, village) = (&s, &staff, &village);
        async move {
            let mut input = case_input();
            input.risk_factors = serde_json::from_value(factors).unwrap();
            s.register_case(staff, village, &input).await.unwrap()
        }
    };
    let plain = register(json!(["substance", "separation", "escalating"])).await;
    let lethal = register(json!(["threat_to_kill"])).await;
    let low = register(json!([])).await;
    // As a database from before: no hearing clock at all.
    support::exec(
        &s.db,
        "DELETE FROM deadline WHERE kind = 'conference_hearing'",
    )
    .await
    .unwrap();
    let clock = |case: uuid::Uuid| {
        let (s, staff) = (&s, &staff);
        async move {
            s.case(staff, case)
                .await
                .unwrap()
                .1
                .clocks
                .into_iter()
                .filter(|c| c.kind == DeadlineKind::ConferenceHearing)
                .collect::<Vec<_>>()
        }
    };
    assert!(clock(plain).await.is_empty());
    let before = Utc::now();
    assert_eq!(s.backfill_hearing_clocks().await.unwrap(), 2);
    let c = clock(plain).await;
    assert_eq!(c.len(), 1);
    let hours = |d: chrono::DateTime<Utc>| ((d - before).num_seconds() + 1800) / 3600;
    assert_eq!(hours(c[0].due_at), 14 * 24);
    assert_eq!(hours(clock(lethal).await[0].due_at), 72);
    assert!(clock(low).await.is_empty());
    // Once: again, nothing.
    assert_eq!(s.backfill_hearing_clocks().await.unwrap(), 0);
    assert_eq!(clock(plain).await.len(), 1);
    assert_eq!(count_of(&s, "conference.hearing_backfill").await, 2);
}
both_backends!(
    hearing_backfill,
    super::old_high_risk_cases_get_their_hearing_clock_once
);

/// A family mediator who finds violence that may become a crime reports it to the police from
/// her dispute's page (confirmed first): a case is opened and referred to the police on the
/// legal duty of art. 25, its clock running, the police told; once per dispute; only the
/// dispute's mediator; bad input named; audited.
async fn a_mediator_reports_a_crime_to_the_police(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = jinguo_services::Caller::operator();
    accounts(&s, &["r-staff"], &[("r-police", "police")]).await;
    let staff_caller = support::county_staff();
    let village = crate::storage::first_group(&s).await[..12].to_string();
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "domestic_violence", "source": "hotline", "risk": "medium",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"name": "赵春梅", "relationship": "妻子"}, {"name": "钱大勇", "relationship": "丈夫"}],
        "narrative": "夫妻矛盾", "consent": true}))
    .unwrap();
    let dispute = s
        .register_dispute(&staff_caller, &village, &intake, false)
        .await
        .unwrap()
        .id;
    // Accepted and assigned to a mediator of the village, who has an account.
    support::account(&s, "r-mediator", Role::Mediator, &village[..9]).await;
    let mediator = s
        .add_member(
            &staff_caller,
            &village,
            &jinguo_domain::member::MemberInput {
                name: "调解员乙".into(),
                role: "mediator".into(),
                started_on: "2026-01-01".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    s.link_member(&operator, "r-mediator", mediator)
        .await
        .unwrap();
    let step = |step: &str, version: i64, mediator_id: Option<uuid::Uuid>| {
        serde_json::from_value::<jinguo_services::mediation::StepInput>(json!({
            "step": step, "expected_version": version, "mediator_id": mediator_id}))
        .unwrap()
    };
    s.dispute_step(&staff_caller, dispute, &step("accept", 1, None))
        .await
        .unwrap();
    s.dispute_step(&staff_caller, dispute, &step("assign", 2, Some(mediator)))
        .await
        .unwrap();
    let (_srv, api) = serve_api(&s).await;
    let staff = support::session(&s, "r-staff", false).await;
    let police = support::session(&s, "r-police", false).await;
    let mine = support::session(&s, "r-mediator", false).await;
    let report = format!("/api/v1/disputes/{dispute}/crime-report");
    // The page asks the question of a dispute of domestic violence.
    let (st, html) = page_of(&api, &mine, &format!("/disputes/{dispute}")).await;
    assert_eq!(st, 200);
    assert!(
        html.contains("id=\"crime-report-form\"") && html.contains("本纠纷涉及家庭暴力"),
        "{html}"
    );
    // Staff are not the mediator; bad input is named; nothing written.
    let good = json!({"victim_party": 1, "violence": ["physical"], "note": "妻子称丈夫多次殴打并扬言报复"});
    let (st, _) = api.send(&staff, "POST", &report, Some(good.clone())).await;
    assert_eq!(st, 403);
    let (st, p) = api
        .send(
            &mine,
            "POST",
            &report,
            Some(json!({"victim_party": 9, "violence": ["army"]})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![
                ("victim_party".into(), "invalid".into()),
                ("violence".into(), "invalid".into()),
                ("note".into(), "required".into())
            ]
        )
    );
    assert_eq!(count_of(&s, "dispute.crime_report").await, 0);
    // From the page: confirmed first, then the case and its referral to the police.
    let path = format!("/disputes/{dispute}/crime-report");
    let fields_sent = vec![
        ("victim_party", "1".to_string()),
        ("violence.physical", "1".into()),
        ("note", "妻子称丈夫多次殴打并扬言报复".into()),
    ];
    let (st, html) = post_form(&api, &mine, &path, fields_sent.clone()).await;
    assert_eq!(st, 200);
    assert!(html.contains("id=\"confirm-form\""), "{html}");
    assert_eq!(count_of(&s, "dispute.crime_report").await, 0);
    let mut confirmed = fields_sent.clone();
    confirmed.push(("confirmed", "1".into()));
    let (st, html) = post_form(&api, &mine, &path, confirmed.clone()).await;
    assert_eq!(st, 200, "{html}");
    assert!(html.contains("id=\"reported\""), "{html}");
    assert_eq!(count_of(&s, "dispute.crime_report").await, 1);
    // The police have it, on the legal duty, with its clock; they were told.
    let (_, list) = api.send(&police, "GET", "/api/v1/referrals", None).await;
    let r = list.as_array().unwrap()[0].clone();
    assert_eq!(
        (r["basis"].clone(), r["status"].clone()),
        (json!("law"), json!("sent")),
        "{r}"
    );
    assert!(r["basis_note"].as_str().unwrap().contains("人民调解法"));
    let (_, detail) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{}", r["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(detail["case"]["victim_name"], json!("赵春梅"), "{detail}");
    let (_, inbox) = api
        .send(&police, "GET", "/api/v1/notifications", None)
        .await;
    assert!(inbox["unread"].as_i64().unwrap() >= 1);
    let case = r["case_id"].as_str().unwrap();
    let (_, c) = api
        .send(&staff, "GET", &format!("/api/v1/cases/{case}"), None)
        .await;
    assert_eq!(clock_of(&c, "referral_ack")["done"], json!(false), "{c}");
    // Once per dispute.
    let (st, p) = api.send(&mine, "POST", &report, Some(good)).await;
    assert_eq!(
        (st, fields(&p)),
        (422, vec![("dispute".into(), "dispute.reported".into())])
    );
}
both_backends!(
    mediator_crime_report,
    super::a_mediator_reports_a_crime_to_the_police
);
