//! High-risk domestic violence, on both databases: the legal time limits in force (configured
//! stricter than the law) on the clocks a case's instruments start; the structured risk
//! assessment of a case through the API and its page (bad input refused with nothing written,
//! repeated with its history, judgement, escalation, the county's checklist and weights, what
//! staff who do not own the case see, the audit).

use crate::support::{self, Api, both_backends, fields, serve, with_small_demo};
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
both_backends!(assessed_over_time, super::a_case_is_assessed_over_time);

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
