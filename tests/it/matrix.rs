//! The authorization matrix: every API endpoint × every kind of caller × inside and outside her
//! scope, with the answer each must get, on both databases. An endpoint in the OpenAPI document
//! without a row here fails the test.

use crate::support::{self, both_backends, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_storage::Backend;
use serde_json::{Value, json};
use std::collections::BTreeSet;

/// Callers, in the order of the expectation arrays.
const WHO: [&str; 6] = [
    "anonymous",
    "staff",
    "representative",
    "system_admin",
    "security_admin",
    "audit_admin",
];

struct Case {
    method: &'static str,
    /// The path as the OpenAPI document spells it.
    template: &'static str,
    url: String,
    body: Option<Value>,
    expect: [u16; 6],
}

async fn walk(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    // Inside: the first resident group of 连然街道 and its first household. Outside: another subdistrict.
    let group_in = crate::storage::first_group(&s).await;
    let (group_out, town_out) = crate::storage::far_group(&s).await;
    let h_in = s
        .group_households(&staff, &group_in, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    let h_out = s
        .group_households(&staff, &group_out, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    let p_in = s.household_view(&staff, h_in).await.unwrap().persons[0].id;
    // The representative answers for `h_in`; another representative of her group leaves, a third
    // is linked to an account by the system administrator.
    let county = jinguo_services::demo::ANNING;
    let hers = jinguo_storage::screening::household_members(&s.db, county, h_in)
        .await
        .unwrap()[0];
    let others: Vec<uuid::Uuid> = s
        .coverage_members(&staff, &group_in)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.id)
        .filter(|m| *m != hers)
        .collect();
    let today = jinguo_services::clock::today();
    let open = support::campaign_today(&s, &jinguo_services::Caller::operator(), "本月排查").await;
    let closed = s
        .campaigns(&staff)
        .await
        .unwrap()
        .into_iter()
        .find(|c| !c.open)
        .unwrap()
        .id;
    let visit = json!({"visited_on": today.to_string(), "risk": "none", "request_key": "matrix-visit-000001"});
    let p_out = s.household_view(&staff, h_out).await.unwrap().persons[0].id;
    let id_of = |h| {
        let (s, staff) = (s.clone(), staff.clone());
        async move {
            s.household_reveal(&staff, h, "权限矩阵测试")
                .await
                .unwrap()
                .persons[0]
                .id_number
                .clone()
        }
    };
    let (id_in, id_out) = (id_of(h_in).await, id_of(h_out).await);

    support::account(&s, "m-staff", Role::Staff, "530181001").await;
    support::may_export(&s, "m-staff", "530181001").await;
    support::account(&s, "m-rep", Role::Representative, &group_in).await;
    support::account(&s, "m-sys", Role::SystemAdmin, "530181").await;
    support::account(&s, "m-sec", Role::SecurityAdmin, "530181").await;
    support::account(&s, "m-aud", Role::AuditAdmin, "530181").await;
    support::account(&s, "m-target", Role::Representative, &group_in).await;
    s.link_member(&jinguo_services::Caller::operator(), "m-rep", hers)
        .await
        .unwrap();
    let sessions = [
        None,
        Some(support::session(&s, "m-staff", false).await),
        Some(support::session(&s, "m-rep", false).await),
        Some(support::session(&s, "m-sys", true).await),
        Some(support::session(&s, "m-sec", true).await),
        Some(support::session(&s, "m-aud", true).await),
    ];
    let srv = serve(s.clone()).await;

    let person = support::new_person(-1);
    let reveal = json!({"reason": "核实身份信息"});
    let member_in = others[0];
    let member_out = s.coverage_members(&staff, &group_out).await.unwrap()[0].id;
    let far_household_code = s
        .group_households(&staff, &group_out, 1)
        .await
        .unwrap()
        .lines[0]
        .code
        .clone();
    let consent = json!({"purpose": "sensitive_data", "basis": "legal_obligation"});
    // A dispute inside (a village of 连然街道) and one outside.
    let intake = json!({"kind": "marriage", "source": "walk_in", "risk": "low",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true});
    let intake_input: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "marriage", "source": "walk_in", "risk": "low",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true}))
    .unwrap();
    let (village_in, village_out) = (group_in[..12].to_string(), group_out[..12].to_string());
    let dispute_in = s
        .register_dispute(&staff, &village_in, &intake_input, false)
        .await
        .unwrap()
        .id;
    let dispute_out = s
        .register_dispute(&staff, &village_out, &intake_input, false)
        .await
        .unwrap()
        .id;
    // The linkage: a case inside with a referral and an instrument, a case outside.
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let case_input: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡"}))
    .unwrap();
    let new_case = json!({"victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡"});
    let case_in = s
        .register_case(&staff, &village_in, &case_input)
        .await
        .unwrap();
    let case_out = s
        .register_case(&staff, &village_out, &case_input)
        .await
        .unwrap();
    // Typical cases: one proposed inside, one outside, one published for everyone.
    let typical_input = |case: uuid::Uuid| jinguo_domain::typical::ProposalInput {
        kind: "violence".into(),
        year: "2021".into(),
        title: "丈夫殴打妻子案".into(),
        source: "case".into(),
        source_id: Some(case),
        text: "某女遭丈夫推搡，妇联介入。".into(),
    };
    let typical_in = s
        .propose_typical(&staff, &village_in, &typical_input(case_in))
        .await
        .unwrap();
    let typical_out = s
        .propose_typical(&staff, &village_out, &typical_input(case_out))
        .await
        .unwrap();
    let typical_pub = s
        .propose_typical(&staff, &village_out, &typical_input(case_out))
        .await
        .unwrap();
    support::account(&s, "m-typ", Role::Staff, "530181").await;
    let typ = support::caller_of(&s, "m-typ", support::PASSWORD).await;
    s.review_typical(
        &typ,
        typical_pub,
        1,
        &jinguo_domain::typical::ReviewInput {
            title: "丈夫殴打妻子案".into(),
            text: "某女遭丈夫推搡，妇联介入。".into(),
            recognisable: false,
        },
    )
    .await
    .unwrap();
    s.publish_typical(&typ, typical_pub, 2, true).await.unwrap();
    let typical_body = |case: uuid::Uuid| {
        json!({"kind": "violence", "year": "2021", "title": "案例", "source": "case",
            "source_id": case, "case_text": "某女遭丈夫推搡。"})
    };
    let typical_review =
        json!({"expected_version": 1, "title": "案例", "case_text": "某女遭丈夫推搡。"});
    // Most-beautiful families: a nomination inside (entered by the county's staff) and outside.
    let year = chrono::Datelike::year(&today).to_string();
    let nomination = |place: &str| jinguo_domain::family::NominationInput {
        place: place.into(),
        family_name: "张建国家庭".into(),
        nominated_by: "family".into(),
        nominator: String::new(),
        deeds: "孝老爱亲".into(),
        year: year.clone(),
    };
    let fam_in = s
        .nominate_family(&staff, &nomination(&village_in))
        .await
        .unwrap();
    let fam_out = s
        .nominate_family(&staff, &nomination(&village_out))
        .await
        .unwrap();
    // Volunteers and training sessions inside and outside.
    let volunteer_input = |place: &str| jinguo_domain::volunteer::VolunteerInput {
        place: place.into(),
        name: "王秀英".into(),
        phone: String::new(),
        skills: vec!["legal".into()],
    };
    let vol_in = s
        .add_volunteer(&staff, &volunteer_input("530181001"))
        .await
        .unwrap();
    let vol_out = s
        .add_volunteer(&staff, &volunteer_input(&town_out))
        .await
        .unwrap();
    let training_input = |place: &str| jinguo_domain::training::TrainingInput {
        place: place.into(),
        kind: "legal_education".into(),
        mode: "in_person".into(),
        held_on: today.to_string(),
        venue: "妇女之家".into(),
        topic: "反家庭暴力法宣讲".into(),
        trainer: "李律师".into(),
        hours: "2".into(),
        counted: "20".into(),
        ..Default::default()
    };
    let train_in = s
        .record_training(&staff, &training_input("530181001"))
        .await
        .unwrap();
    let train_out = s
        .record_training(&staff, &training_input(&town_out))
        .await
        .unwrap();
    // A "1+N+1+1" chain of the county whose first step is 连然街道's, a dispute inside and one
    // outside attached to it.
    let chain_id = s
        .define_chain(
            &staff,
            &jinguo_domain::chain::ChainInput {
                place: "530181".into(),
                name: "“1+N+1+1”".into(),
                steps: vec![jinguo_domain::chain::StepInput {
                    role: "lead".into(),
                    name: "受理".into(),
                    unit: "530181001".into(),
                    days: "5".into(),
                }],
            },
        )
        .await
        .unwrap();
    let run_in = s
        .attach_to_chain(&staff, chain_id, "dispute", Some(dispute_in))
        .await
        .unwrap();
    let run_out = s
        .attach_to_chain(&staff, chain_id, "dispute", Some(dispute_out))
        .await
        .unwrap();
    let chain_body = json!({"name": "“1+N+1+1”", "steps": [
        {"role": "lead", "name": "受理", "unit": "530181001", "days": 5}]});
    let vol_body = json!({"name": "李红", "skills": ["care"]});
    let train_body = json!({"kind": "training", "mode": "online", "held_on": today.to_string(),
        "venue": "线上", "topic": "家事调解实务", "trainer": "王法官", "hours": "2", "counted": "10"});
    let fam_body = json!({"family_name": "李四家庭", "nominated_by": "family",
        "deeds": "邻里互助", "year": year});
    let fam_event = json!({"held_on": today.to_string(), "kind": "lecture",
        "title": "家庭教育讲座", "participants": "20"});
    let referral_body =
        json!({"department": "police", "requests": ["protection"], "basis": "consent"});
    let referral_in = s
        .refer(
            &staff,
            case_in,
            &serde_json::from_value(referral_body.clone()).unwrap(),
        )
        .await
        .unwrap()
        .id;
    let letter =
        json!({"instrument": "warning_letter", "started_at": chrono::Utc::now().to_rfc3339()});
    let instrument_in = s
        .add_instrument(
            &staff,
            case_in,
            &serde_json::from_value(letter.clone()).unwrap(),
        )
        .await
        .unwrap();
    // A conference of the county, planned by its staff.
    let conference = s
        .plan_conference(
            &staff,
            "530181",
            &serde_json::from_value(
                json!({"conference_on": jinguo_services::clock::today().to_string(),
                "invited": ["police", "court"]}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    let new_conference = json!({"conference_on": jinguo_services::clock::today().to_string(),
        "invited": ["police"]});
    // Care: the registries, and an entry of the representative's household inside.
    s.ensure_registries(&operator, "530181").await.unwrap();
    let entry_body = json!({"person_id": p_in, "registry": "mothers_in_difficulty",
        "criteria": "低保户", "surveyed_by": "妇女代表",
        "next_review_on": jinguo_services::clock::today().to_string()});
    let entry_in = s
        .propose_entry(
            &staff,
            &village_in,
            &serde_json::from_value(entry_body.clone()).unwrap(),
        )
        .await
        .unwrap();
    let mut other_entry = entry_body.clone();
    other_entry["registry"] = json!("sanitation_workers");
    // Public opinion: a topic inside (a village of 连然街道), one outside, a webhook source.
    let report = |place: &str| jinguo_services::opinion::Incoming {
        title: format!("{place} 村民反映"),
        body: format!("{place} 的群众来电反映情况。"),
        place: Some(place.to_string()),
        ..Default::default()
    };
    let topic_of = |r| match r {
        jinguo_services::opinion::Ingested::New { topic, .. } => topic,
        jinguo_services::opinion::Ingested::Duplicate => panic!("duplicate"),
    };
    let topic_in = topic_of(
        s.report_item(&staff, false, &report(&village_in))
            .await
            .unwrap(),
    );
    let topic_out = topic_of(
        s.report_item(&staff, false, &report(&village_out))
            .await
            .unwrap(),
    );
    let (webhook_source, _) = s
        .add_source(
            &staff,
            "530181",
            &jinguo_services::opinion::SourceInput {
                kind: "webhook".into(),
                name: "监测".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Review meetings: one of 连然街道 with a follow-up task, one of another subdistrict.
    let held = today.to_string();
    let meeting = |task: &str| jinguo_services::meetings::MeetingInput {
        met_on: held.clone(),
        attendees: "主席、舆情信息员".into(),
        conclusions: "持续关注。".into(),
        topics: Vec::new(),
        tasks: vec![jinguo_services::meetings::TaskInput {
            task: task.into(),
            owner: String::new(),
            due_by: held.clone(),
        }],
    };
    let meeting_in = s
        .add_meeting(&staff, "530181001", &meeting("回访"))
        .await
        .unwrap();
    let meeting_out = s
        .add_meeting(&staff, &town_out, &meeting("回访"))
        .await
        .unwrap();
    let task_of = |m: uuid::Uuid| {
        let s = s.clone();
        let staff = staff.clone();
        async move {
            s.meeting(&staff, m, jinguo_domain::Lang::Zh)
                .await
                .unwrap()
                .tasks[0]
                .id
        }
    };
    let task_in = task_of(meeting_in).await;
    let task_out = task_of(meeting_out).await;
    // Supervision: a task sent to her township (inside), one sent to another (outside).
    let sup_task_of = |unit: &str| jinguo_domain::supervision::TaskInput {
        title: "会议部署督办".into(),
        source: "meeting".into(),
        lead_place: unit.into(),
        owner_name: "王主任".into(),
        issued_on: today.to_string(),
        deadline: (today + chrono::Duration::days(10)).to_string(),
        ..Default::default()
    };
    let sup_task_in = s
        .issue_task(&staff, "530181", &sup_task_of("530181001"))
        .await
        .unwrap();
    let sup_task_out = s
        .issue_task(&staff, "530181", &sup_task_of(&town_out))
        .await
        .unwrap();
    let issue_body = |place: &str| {
        json!({"place": place, "title": "督办", "source": "meeting", "lead_place": village_in,
            "owner_name": "王主任", "issued_on": today.to_string(),
            "deadline": (today + chrono::Duration::days(10)).to_string()})
    };
    // The hotline: a call with a call-back at her township (inside), one at another (outside).
    let call_at = |place: &str| jinguo_domain::hotline::CallInput {
        called_at: "2026-03-02T09:00".into(),
        place: place.into(),
        kind: "consultation".into(),
        summary: "咨询离婚财产分割".into(),
        action: "advice".into(),
        callback_on: "2026-03-03".into(),
        ..Default::default()
    };
    let call_in = s.record_call(&staff, &call_at("530181001")).await.unwrap();
    let call_out = s.record_call(&staff, &call_at(&town_out)).await.unwrap();
    let call_body = |place: &str| {
        json!({"called_at": "2026-03-02T09:00", "place": place, "kind": "other",
            "summary": "咨询", "handling": "advice"})
    };
    let mut n = 0;
    let mut unique = || {
        n += 1;
        format!("m-new-{n}")
    };
    let cases = vec![
        Case {
            method: "POST",
            template: "/api/v1/session",
            url: "/api/v1/session".into(),
            body: Some(json!({"username": "m-nobody", "password": "Wrong-password-1"})),
            expect: [401; 6],
        },
        Case {
            method: "GET",
            template: "/api/v1/home",
            url: "/api/v1/home".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}",
            url: format!("/api/v1/places/{group_in}"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}",
            url: format!("/api/v1/places/{town_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/households",
            url: format!("/api/v1/places/{group_in}/households"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/households",
            url: format!("/api/v1/places/{group_out}/households"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/households/{id}",
            url: format!("/api/v1/households/{h_in}"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/households/{id}",
            url: format!("/api/v1/households/{h_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        // A stale version: inside it is a conflict (nothing written), outside it does not exist.
        Case {
            method: "POST",
            template: "/api/v1/households/{id}/persons",
            url: format!("/api/v1/households/{h_in}/persons"),
            body: Some(person.clone()),
            expect: [401, 409, 409, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/{id}/persons",
            url: format!("/api/v1/households/{h_out}/persons"),
            body: Some(person.clone()),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/{id}/reveal",
            url: format!("/api/v1/households/{h_in}/reveal"),
            body: Some(reveal.clone()),
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/{id}/reveal",
            url: format!("/api/v1/households/{h_out}/reveal"),
            body: Some(reveal.clone()),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/search",
            url: "/api/v1/households/search".into(),
            body: Some(json!({"id_number": id_in})),
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/search",
            url: "/api/v1/households/search".into(),
            body: Some(json!({"id_number": id_out})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/households/search",
            url: "/api/v1/households/search".into(),
            body: Some(json!({"id_number": "530181199001011234"})),
            expect: [401, 422, 422, 422, 422, 422],
        },
        Case {
            method: "POST",
            template: "/api/v1/persons/search",
            url: "/api/v1/persons/search".into(),
            body: Some(json!({"name": "王芳"})),
            expect: [401, 200, 200, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/persons/search",
            url: "/api/v1/persons/search".into(),
            body: Some(json!({"given_name": "芳"})),
            expect: [401, 422, 422, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/audit",
            url: "/api/v1/audit?limit=5".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 200],
        },
        Case {
            method: "POST",
            template: "/api/v1/tokens",
            url: "/api/v1/tokens".into(),
            body: Some(json!({"name": "m", "place": group_in, "days": 1})),
            expect: [401, 201, 201, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/tokens",
            url: "/api/v1/tokens".into(),
            body: Some(json!({"name": "m", "place": town_out, "days": 1})),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/break-glass",
            url: "/api/v1/break-glass".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "GET",
            template: "/api/v1/refusals",
            url: "/api/v1/refusals".into(),
            body: None,
            expect: [401, 403, 403, 403, 200, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/tokens",
            url: "/api/v1/tokens".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/tokens/{id}",
            url: format!("/api/v1/tokens/{}", "0".repeat(64)),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/break-glass/{id}",
            url: format!("/api/v1/break-glass/{}", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/break-glass/{id}/decision",
            url: format!("/api/v1/break-glass/{}/decision", uuid::Uuid::now_v7()),
            body: Some(json!({"approve": true})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/break-glass/{id}/review",
            url: format!("/api/v1/break-glass/{}/review", uuid::Uuid::now_v7()),
            body: Some(json!({"justified": true, "note": "确有必要"})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/accounts/{username}/grants/{id}",
            url: format!("/api/v1/accounts/m-target/grants/{}", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 403, 403, 403, 404, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/accounts",
            url: "/api/v1/accounts".into(),
            body: None,
            expect: [401, 403, 403, 200, 200, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/accounts",
            url: "/api/v1/accounts".into(),
            body: Some(
                json!({"username": unique(), "display_name": "新账号", "password": support::PASSWORD, "place": "530181001"}),
            ),
            expect: [401, 403, 403, 201, 403, 403],
        },
        // The system administrator gives no role: the security administrator does.
        Case {
            method: "POST",
            template: "/api/v1/accounts",
            url: "/api/v1/accounts".into(),
            body: Some(
                json!({"username": unique(), "display_name": "新账号", "password": support::PASSWORD, "role": "staff", "place": "530181001"}),
            ),
            expect: [401, 403, 403, 422, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/accounts",
            url: "/api/v1/accounts".into(),
            body: Some(
                json!({"username": unique(), "display_name": "新账号", "password": support::PASSWORD, "place": "5301"}),
            ),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/grants",
            url: "/api/v1/grants".into(),
            body: Some(
                json!({"username": "m-target", "role": "representative", "place": group_in}),
            ),
            expect: [401, 403, 403, 403, 204, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/grants",
            url: "/api/v1/grants".into(),
            body: Some(json!({"username": "m-target", "role": "representative", "place": "5301"})),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/persons/{id}/consents",
            url: format!("/api/v1/persons/{p_in}/consents"),
            body: Some(consent.clone()),
            expect: [401, 201, 201, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/persons/{id}/consents",
            url: format!("/api/v1/persons/{p_out}/consents"),
            body: Some(consent.clone()),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/persons/{id}/consents/{purpose}",
            url: format!("/api/v1/persons/{p_in}/consents/sensitive_data"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/persons/{id}/consents/{purpose}",
            url: format!("/api/v1/persons/{p_out}/consents/sensitive_data"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/persons/{id}/consents/{purpose}",
            url: format!("/api/v1/persons/{p_in}/consents/publish"),
            body: None,
            expect: [401, 204, 204, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/persons/{id}/consents/{purpose}",
            url: format!("/api/v1/persons/{p_out}/consents/publish"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/coverage",
            url: format!("/api/v1/places/{group_in}/coverage"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/coverage",
            url: format!("/api/v1/places/{town_out}/coverage"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        // The first to succeed ends her term; after that it is a conflict.
        Case {
            method: "POST",
            template: "/api/v1/members/{id}/leave",
            url: format!("/api/v1/members/{member_in}/leave"),
            body: Some(json!({"reason": "调任"})),
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/members/{id}/leave",
            url: format!("/api/v1/members/{member_out}/leave"),
            body: Some(json!({"reason": "调任"})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns",
            url: "/api/v1/campaigns".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "POST",
            template: "/api/v1/campaigns",
            url: "/api/v1/campaigns".into(),
            body: Some(
                json!({"name": "街道排查", "place": "530181001", "starts_on": "2026-01-01",
                "ends_on": "2026-12-31", "checklist": ["marital_conflict"]}),
            ),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/campaigns",
            url: "/api/v1/campaigns".into(),
            body: Some(
                json!({"name": "越权排查", "place": town_out, "starts_on": "2026-01-01",
                "ends_on": "2026-12-31", "checklist": ["marital_conflict"]}),
            ),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/progress",
            url: format!("/api/v1/campaigns/{closed}/progress"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/progress",
            url: format!("/api/v1/campaigns/{closed}/progress?place={town_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/households",
            url: format!("/api/v1/campaigns/{open}/households?place={group_in}&open=true"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/households",
            url: format!("/api/v1/campaigns/{open}/households?place={group_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        // The staff member records it; the same submission again is the same visit (200).
        Case {
            method: "POST",
            template: "/api/v1/campaigns/{id}/households/{household}/visits",
            url: format!("/api/v1/campaigns/{open}/households/{h_in}/visits"),
            body: Some(visit.clone()),
            expect: [401, 201, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/campaigns/{id}/households/{household}/visits",
            url: format!("/api/v1/campaigns/{open}/households/{h_out}/visits"),
            body: Some(visit.clone()),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/households/{id}/visits",
            url: format!("/api/v1/households/{h_in}/visits"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/households/{id}/visits",
            url: format!("/api/v1/households/{h_out}/visits"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "PUT",
            template: "/api/v1/accounts/{username}/member",
            url: "/api/v1/accounts/m-target/member".into(),
            body: Some(json!({"member_id": others[1]})),
            expect: [401, 404, 404, 204, 404, 404],
        },
        Case {
            method: "PUT",
            template: "/api/v1/accounts/{username}/member",
            url: "/api/v1/accounts/m-target/member".into(),
            body: Some(json!({"member_id": member_out})),
            expect: [401, 404, 404, 422, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/members/{id}/assignments",
            url: format!("/api/v1/members/{}/assignments", others[1]),
            body: Some(json!({"units": [far_household_code]})),
            expect: [401, 422, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/members/{id}/assignments",
            url: format!("/api/v1/members/{member_out}/assignments"),
            body: Some(json!({"units": [far_household_code]})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/members/{id}/handover",
            url: format!("/api/v1/members/{member_out}/handover"),
            body: Some(json!({"successor": others[1]})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/balance",
            url: format!("/api/v1/places/{group_in}/balance"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/balance",
            url: format!("/api/v1/places/{group_out}/balance"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/coverage/export",
            url: format!("/api/v1/places/{group_in}/coverage/export"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/coverage/export",
            url: format!("/api/v1/places/{town_out}/coverage/export"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/progress/export",
            url: format!("/api/v1/campaigns/{closed}/progress/export"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/campaigns/{id}/progress/export",
            url: format!("/api/v1/campaigns/{closed}/progress/export?place={town_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/federation",
            url: format!("/api/v1/places/{group_in}/federation"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/federation",
            url: format!("/api/v1/places/{town_out}/federation"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/federation",
            url: "/api/v1/places/530181001/federation".into(),
            body: Some(json!({"name": "连然街道妇联"})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/members",
            url: format!("/api/v1/places/{group_in}/members"),
            body: Some(
                json!({"name": "李梅", "role": "representative", "started_on": "2026-01-01"}),
            ),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/members",
            url: format!("/api/v1/places/{group_out}/members"),
            body: Some(
                json!({"name": "李梅", "role": "representative", "started_on": "2026-01-01"}),
            ),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/imports/members",
            url: "/api/v1/imports/members".into(),
            body: Some(json!({"not": "a sheet"})),
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/members/export",
            url: format!("/api/v1/places/{group_in}/members/export"),
            body: Some(json!({"reason": "核对成员名册"})),
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/members/export",
            url: format!("/api/v1/places/{group_out}/members/export"),
            body: Some(json!({"reason": "核对成员名册"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        // A preview of a sheet (this body is no sheet: its problems are listed, nothing written).
        Case {
            method: "POST",
            template: "/api/v1/imports/households",
            url: "/api/v1/imports/households".into(),
            body: Some(json!({"not": "a sheet"})),
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/households/export",
            url: format!("/api/v1/places/{group_in}/households/export"),
            body: Some(json!({"reason": "核对名册"})),
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/households/export",
            url: format!("/api/v1/places/{group_out}/households/export"),
            body: Some(json!({"reason": "核对名册"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/disputes",
            url: format!("/api/v1/places/{village_in}/disputes"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/disputes",
            url: format!("/api/v1/places/{village_out}/disputes"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/disputes",
            url: format!("/api/v1/places/{village_in}/disputes"),
            body: Some(intake.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/disputes",
            url: format!("/api/v1/places/{village_out}/disputes"),
            body: Some(intake.clone()),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/disputes/figures",
            url: format!("/api/v1/places/{village_in}/disputes/figures"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/disputes/export",
            url: format!("/api/v1/places/{village_in}/disputes/export"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/mediators",
            url: format!("/api/v1/places/{village_in}/mediators"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        // Only a serving family mediator has a profile (this member is a representative).
        Case {
            method: "PUT",
            template: "/api/v1/members/{id}/mediator",
            url: format!("/api/v1/members/{member_in}/mediator"),
            body: Some(json!({"kind": "lawyer", "woman": true})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        // Only a family mediator has a list of her own.
        Case {
            method: "GET",
            template: "/api/v1/disputes",
            url: "/api/v1/disputes".into(),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/disputes/{id}",
            url: format!("/api/v1/disputes/{dispute_in}"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/disputes/{id}",
            url: format!("/api/v1/disputes/{dispute_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/steps",
            url: format!("/api/v1/disputes/{dispute_in}/steps"),
            body: Some(
                json!({"step": "escalate", "expected_version": 1, "note": "疑似违法，已报公安"}),
            ),
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/steps",
            url: format!("/api/v1/disputes/{dispute_out}/steps"),
            body: Some(json!({"step": "accept", "expected_version": 1})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        // Sessions and agreements are the assigned mediator's; staff are refused.
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/sessions",
            url: format!("/api/v1/disputes/{dispute_in}/sessions"),
            body: Some(
                json!({"expected_version": 2, "conference_on": jinguo_services::clock::today().to_string(),
                "place": "调解室", "attendees": "甲、乙", "record": "记录"}),
            ),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/agreement",
            url: format!("/api/v1/disputes/{dispute_in}/agreement"),
            body: Some(json!({"expected_version": 2})),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/confirmation",
            url: format!("/api/v1/disputes/{dispute_in}/confirmation"),
            body: None,
            expect: [401, 422, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/disputes/{id}/agreement.docx",
            url: format!("/api/v1/disputes/{dispute_in}/agreement.docx"),
            body: None,
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/terms/{seq}/performed",
            url: format!("/api/v1/disputes/{dispute_in}/terms/1/performed"),
            body: Some(json!({})),
            expect: [401, 422, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/departments",
            url: "/api/v1/places/530181/departments".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        // Only staff of the county federation change a department.
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/departments/{key}",
            url: "/api/v1/places/530181/departments/police".into(),
            body: Some(
                json!({"name": "市公安局", "ack_hours": 24, "urgent_ack_hours": 2, "expected_version": 1}),
            ),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/departments/{key}/officers",
            url: "/api/v1/places/530181/departments/police/officers".into(),
            body: Some(json!({"username": "m-sys", "position": "liaison"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/cases",
            url: format!("/api/v1/places/{village_in}/cases"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/cases",
            url: format!("/api/v1/places/{village_out}/cases"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/cases",
            url: format!("/api/v1/places/{village_in}/cases"),
            body: Some(new_case.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/cases",
            url: format!("/api/v1/places/{village_out}/cases"),
            body: Some(new_case.clone()),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}",
            url: format!("/api/v1/cases/{case_in}"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}",
            url: format!("/api/v1/cases/{case_out}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/close",
            url: format!("/api/v1/cases/{case_out}/close"),
            body: Some(json!({"expected_version": 1})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}/consents",
            url: format!("/api/v1/cases/{case_in}/consents"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/consents",
            url: format!("/api/v1/cases/{case_out}/consents"),
            body: Some(json!({"department": "police"})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/cases/{id}/consents/{consent}",
            url: format!("/api/v1/cases/{case_in}/consents/{}", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/referrals",
            url: format!("/api/v1/cases/{case_in}/referrals"),
            body: Some(referral_body.clone()),
            expect: [401, 201, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/instruments",
            url: format!("/api/v1/cases/{case_in}/instruments"),
            body: Some(letter.clone()),
            expect: [401, 201, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/risk-questions",
            url: format!("/api/v1/places/{village_in}/risk-questions"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/risk-questions",
            url: format!("/api/v1/places/{village_out}/risk-questions"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/risk-questions",
            url: "/api/v1/places/530181001/risk-questions".into(),
            body: Some(json!({"questions": [
                {"key": "injury", "zh": "是否受伤？", "en": "Is she injured?", "weight": 1}]})),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/risk-questions",
            url: format!("/api/v1/places/{village_out}/risk-questions"),
            body: Some(json!({"questions": [
                {"key": "injury", "zh": "是否受伤？", "en": "Is she injured?", "weight": 1}]})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/conferences",
            url: "/api/v1/places/530181/conferences".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/conferences",
            url: "/api/v1/places/530181001/conferences".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/conferences",
            url: "/api/v1/places/530181001/conferences".into(),
            body: Some(new_conference.clone()),
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/conferences",
            url: "/api/v1/places/530181/conferences".into(),
            body: Some(new_conference.clone()),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/conferences/{id}",
            url: format!("/api/v1/conferences/{conference}"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/conferences/{id}/held",
            url: format!("/api/v1/conferences/{conference}/held"),
            body: Some(json!({"present": ["police"], "expected_version": 1})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/conferences/{id}/cases",
            url: format!("/api/v1/conferences/{conference}/cases"),
            body: Some(json!({"case": case_in})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/conferences/{id}/actions",
            url: format!("/api/v1/conferences/{conference}/actions"),
            body: Some(
                json!({"case": case_in, "department": "police", "action": "走访",
                "due_on": jinguo_services::clock::today().to_string()}),
            ),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/conferences/{id}/minutes.docx",
            url: format!("/api/v1/conferences/{conference}/minutes.docx"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/actions/{id}/done",
            url: format!("/api/v1/actions/{}/done", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/actions",
            url: "/api/v1/actions".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 403],
        },
        // The county's figures: staff over the whole county.
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/conference-figures",
            url: "/api/v1/places/530181/conference-figures".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/conference-figures",
            url: "/api/v1/places/530181001/conference-figures".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 403],
        },
        // A case's address made confidential: its owner only (the staff here did not register it).
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/address-confidential",
            url: format!("/api/v1/cases/{case_in}/address-confidential"),
            body: Some(json!({"confidential": true})),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/address-confidential",
            url: format!("/api/v1/cases/{case_out}/address-confidential"),
            body: Some(json!({"confidential": true})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        // A dispute reported to the police: its assigned mediator only.
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/crime-report",
            url: format!("/api/v1/disputes/{dispute_in}/crime-report"),
            body: Some(json!({"victim_party": 1, "violence": ["physical"], "note": "殴打"})),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/disputes/{id}/crime-report",
            url: format!("/api/v1/disputes/{dispute_out}/crime-report"),
            body: Some(json!({"victim_party": 1, "violence": ["physical"], "note": "殴打"})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}/assessments",
            url: format!("/api/v1/cases/{case_in}/assessments"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}/assessments",
            url: format!("/api/v1/cases/{case_out}/assessments"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/assessments",
            url: format!("/api/v1/cases/{case_in}/assessments"),
            body: Some(json!({"answers": {"injury": "yes"}, "with_victim": true})),
            expect: [401, 201, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/instruments/{id}/events",
            url: format!("/api/v1/instruments/{instrument_in}/events"),
            body: Some(json!({"expected_version": 1, "event": "followup",
                "on": jinguo_services::clock::today().to_string()})),
            expect: [401, 204, 404, 404, 404, 404],
        },
        // Only a department's officers have referrals of their own.
        Case {
            method: "GET",
            template: "/api/v1/referrals",
            url: "/api/v1/referrals".into(),
            body: None,
            expect: [401, 403, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/referrals/{id}",
            url: format!("/api/v1/referrals/{referral_in}"),
            body: None,
            expect: [401, 200, 404, 404, 404, 404],
        },
        // Staff see the referral but do not acknowledge for the department: their role may not.
        Case {
            method: "POST",
            template: "/api/v1/referrals/{id}/acknowledge",
            url: format!("/api/v1/referrals/{referral_in}/acknowledge"),
            body: Some(json!({"expected_version": 1})),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/referrals/{id}/actions",
            url: format!("/api/v1/referrals/{referral_in}/actions"),
            body: Some(json!({"expected_version": 1, "action": "已处置"})),
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/notifications",
            url: "/api/v1/notifications".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "POST",
            template: "/api/v1/notifications/{id}/read",
            url: format!("/api/v1/notifications/{}/read", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/linkage",
            url: format!("/api/v1/places/{village_in}/linkage"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/figures",
            url: format!("/api/v1/places/{village_in}/figures?period=2021"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        // Statistical tables: the county's own staff only (a subdistrict's is refused naming
        // the place); what counties sent, the staff of a city or province.
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/tables",
            url: "/api/v1/places/530181/tables".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/tables",
            url: "/api/v1/places/530181/tables".into(),
            body: Some(json!({"name": "排查", "columns": "screened"})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/tables/{id}",
            url: format!("/api/v1/places/530181/tables/{}", uuid::Uuid::now_v7()),
            body: Some(json!({"name": "排查", "columns": "screened", "expected_version": 1})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "DELETE",
            template: "/api/v1/places/{code}/tables/{id}",
            url: format!("/api/v1/places/530181/tables/{}", uuid::Uuid::now_v7()),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/tables/return",
            url: "/api/v1/places/530181/tables/return?period=2021".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/tables/return/sign",
            url: "/api/v1/places/530181/tables/return/sign?period=2021".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/tables/return/send",
            url: "/api/v1/places/530181/tables/return/send?period=2021".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/tables/return/export",
            url: "/api/v1/places/530181/tables/return/export?period=2021".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/tables/received",
            url: "/api/v1/places/5301/tables/received?period=2021".into(),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        // A county's published figures: anyone, no account.
        Case {
            method: "GET",
            template: "/api/v1/public/figures/{code}",
            url: "/api/v1/public/figures/530181?year=2021".into(),
            body: None,
            expect: [200, 200, 200, 200, 200, 200],
        },
        // A report of a place outside her places is refused naming the place.
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/report",
            url: format!("/api/v1/places/{village_out}/report?year=2021"),
            body: None,
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/linkage/export",
            url: format!("/api/v1/places/{village_out}/linkage/export"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/cases/{id}/evidence",
            url: format!("/api/v1/cases/{case_out}/evidence?name=x.png"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/cases/{id}/evidence/{evidence}",
            url: format!("/api/v1/cases/{case_in}/evidence/{case_out}"),
            body: None,
            expect: [401, 403, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/outbox",
            url: "/api/v1/outbox".into(),
            body: None,
            expect: [401, 200, 403, 200, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/registries",
            url: "/api/v1/places/530181/registries".into(),
            body: None,
            expect: [401, 200, 200, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/registries",
            url: format!("/api/v1/places/{village_in}/registries"),
            body: Some(
                json!({"name_zh": "农村妇女", "name_en": "Rural women", "review_months": 12}),
            ),
            // The township's staff do not manage the county's registries.
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/registry-entries",
            url: format!("/api/v1/places/{village_in}/registry-entries?review_due=true"),
            body: None,
            expect: [401, 200, 200, 403, 403, 403],
        },
        // The representative proposes after staff did: the same person, the same registry.
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/registry-entries",
            url: format!("/api/v1/places/{village_in}/registry-entries"),
            body: Some(other_entry.clone()),
            expect: [401, 201, 422, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/registry-entries/{id}",
            url: format!("/api/v1/registry-entries/{entry_in}"),
            body: None,
            expect: [401, 200, 200, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/registry-entries/{id}/steps",
            url: format!("/api/v1/registry-entries/{entry_in}/steps"),
            body: Some(json!({"step": "verify", "expected_version": 1})),
            expect: [401, 200, 404, 404, 404, 404],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/care-services",
            url: format!("/api/v1/places/{village_in}/care-services"),
            body: Some(
                json!({"kind": "health_check", "registry": "mothers_in_difficulty",
                "on": jinguo_services::clock::today().to_string(), "persons": [p_in]}),
            ),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/care-services/import",
            url: format!("/api/v1/places/{village_in}/care-services/import"),
            body: Some(json!({"not": "a sheet"})),
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/care/services-sheet",
            url: "/api/v1/care/services-sheet".into(),
            body: None,
            expect: [401, 200, 200, 200, 200, 200],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/care/figures",
            url: format!("/api/v1/places/{village_in}/care/figures"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/wishes",
            url: format!("/api/v1/places/{village_in}/wishes"),
            body: None,
            expect: [401, 200, 200, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/wishes",
            url: format!("/api/v1/places/{village_in}/wishes"),
            body: Some(json!({"wish": "一个书包"})),
            expect: [401, 422, 422, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/wishes/{id}/steps",
            url: format!("/api/v1/wishes/{}/steps", uuid::Uuid::now_v7()),
            body: Some(json!({"step": "approve", "expected_version": 1})),
            expect: [401, 404, 404, 404, 404, 404],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/events",
            url: format!("/api/v1/places/{village_in}/events"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/events",
            url: format!("/api/v1/places/{village_out}/events"),
            body: Some(
                json!({"kind": "legal", "name": "普法讲座", "place": "村委会",
                "organiser": "村妇联", "anonymous": 20,
                "on": jinguo_services::clock::today().to_string()}),
            ),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/care/export",
            url: format!("/api/v1/places/{village_in}/care/export"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        // The public list of wishes and a donor's claim need no account.
        Case {
            method: "GET",
            template: "/api/v1/public/wishes",
            url: "/api/v1/public/wishes".into(),
            body: None,
            expect: [200; 6],
        },
        Case {
            method: "POST",
            template: "/api/v1/public/wishes/{id}/claim",
            url: format!("/api/v1/public/wishes/{}/claim", uuid::Uuid::now_v7()),
            body: Some(json!({"donor": "张女士", "phone": "13900139000"})),
            expect: [404; 6],
        },
        // Emergency access changes what the caller sees, so it comes after the scope checks.
        Case {
            method: "POST",
            template: "/api/v1/break-glass",
            url: "/api/v1/break-glass".into(),
            body: Some(
                json!({"target": far_household_code, "reason": "受害人来电求助，需立即核实住址", "minutes": 5}),
            ),
            expect: [401, 201, 403, 403, 403, 403],
        },
        // Only a women's representative has a worklist: her own households.
        Case {
            method: "GET",
            template: "/api/v1/worklist",
            url: "/api/v1/worklist".into(),
            body: None,
            expect: [401, 403, 200, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/worklist",
            url: format!("/api/v1/worklist?campaign={closed}&sort=address"),
            body: None,
            expect: [401, 403, 200, 403, 403, 403],
        },
        // Public opinion: chairs (staff) and opinion officers of their places; a representative
        // reports about her group but reads nothing; administrators have no part in it.
        Case {
            method: "GET",
            template: "/api/v1/opinion/desk",
            url: "/api/v1/opinion/desk".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/topics",
            url: "/api/v1/opinion/topics?stage=found".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/topics",
            url: "/api/v1/opinion/topics?place=530181".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/topics/{id}",
            url: format!("/api/v1/opinion/topics/{topic_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/topics/{id}",
            url: format!("/api/v1/opinion/topics/{topic_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // A stale version: inside a conflict, outside not found.
        Case {
            method: "POST",
            template: "/api/v1/opinion/topics/{id}/steps",
            url: format!("/api/v1/opinion/topics/{topic_in}/steps"),
            body: Some(
                json!({"step": "judge", "expected_version": 99, "category": "other", "grade": "3"}),
            ),
            expect: [401, 409, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/opinion/topics/{id}/steps",
            url: format!("/api/v1/opinion/topics/{topic_out}/steps"),
            body: Some(
                json!({"step": "judge", "expected_version": 1, "category": "other", "grade": "3"}),
            ),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/opinion/items",
            url: "/api/v1/opinion/items".into(),
            body: Some(json!({"title": "群众反映", "place": group_in})),
            expect: [401, 201, 201, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/opinion/items",
            url: "/api/v1/opinion/items".into(),
            body: Some(json!({"title": "群众反映", "place": group_out})),
            expect: [401, 422, 422, 403, 403, 403],
        },
        // The webhook has no account: only the signature opens it.
        Case {
            method: "POST",
            template: "/api/v1/opinion/webhook/{source}",
            url: format!("/api/v1/opinion/webhook/{webhook_source}"),
            body: Some(json!({"title": "x"})),
            expect: [401; 6],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-sources",
            url: "/api/v1/places/530181001/opinion-sources".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-sources",
            url: "/api/v1/places/530181/opinion-sources".into(),
            body: Some(json!({"kind": "webhook", "name": "监测"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-rules",
            url: "/api/v1/places/530181/opinion-rules".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-rules",
            url: "/api/v1/places/530181/opinion-rules".into(),
            body: Some(
                json!({"name": "家暴", "event_words": "殴打", "category": "domestic_violence"}),
            ),
            expect: [401, 404, 403, 403, 403, 403],
        },
        // A county's categories: only its federation staff keep them.
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-categories",
            url: "/api/v1/places/530181/opinion-categories".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-categories",
            url: "/api/v1/places/530181/opinion-categories".into(),
            body: Some(json!({"name_zh": "网络暴力", "name_en": "online abuse"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/opinion-categories/{key}",
            url: "/api/v1/places/530181/opinion-categories/other".into(),
            body: Some(json!({"name_zh": "其他事项", "name_en": "other matters"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-categories/{key}/retire",
            url: "/api/v1/places/530181/opinion-categories/other/retire".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/meetings",
            url: "/api/v1/opinion/meetings".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-meetings",
            url: "/api/v1/places/530181001/opinion-meetings".into(),
            body: Some(json!({"met_on": held, "attendees": "主席", "conclusions": "关注"})),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/opinion-meetings",
            url: format!("/api/v1/places/{town_out}/opinion-meetings"),
            body: Some(json!({"met_on": held, "attendees": "主席", "conclusions": "关注"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/meetings/{id}",
            url: format!("/api/v1/opinion/meetings/{meeting_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/opinion/meetings/{id}",
            url: format!("/api/v1/opinion/meetings/{meeting_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/opinion/meetings/{id}/tasks/{task}/done",
            url: format!("/api/v1/opinion/meetings/{meeting_out}/tasks/{task_out}/done"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/opinion/meetings/{id}/tasks/{task}/done",
            url: format!("/api/v1/opinion/meetings/{meeting_in}/tasks/{task_in}/done"),
            body: None,
            expect: [401, 204, 403, 403, 403, 403],
        },
        // Supervision: federation staff issue from their places and act for the federations
        // tasks are sent to; departments' liaisons for theirs; nobody else.
        Case {
            method: "GET",
            template: "/api/v1/supervision",
            url: "/api/v1/supervision".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/supervision",
            url: "/api/v1/supervision".into(),
            body: Some(issue_body("530181001")),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/supervision",
            url: "/api/v1/supervision".into(),
            body: Some(issue_body("530181")),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/supervision/{id}",
            url: format!("/api/v1/supervision/{sup_task_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/supervision/{id}",
            url: format!("/api/v1/supervision/{sup_task_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // A stale version: inside a conflict, outside not found.
        Case {
            method: "POST",
            template: "/api/v1/supervision/{id}/steps",
            url: format!("/api/v1/supervision/{sup_task_in}/steps"),
            body: Some(json!({"step": "sign", "expected_version": 99})),
            expect: [401, 409, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/supervision/{id}/steps",
            url: format!("/api/v1/supervision/{sup_task_out}/steps"),
            body: Some(json!({"step": "sign", "expected_version": 1})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        // Typical cases: federation staff; publication the county's; the public ones for anyone.
        Case {
            method: "GET",
            template: "/api/v1/typical-cases",
            url: "/api/v1/typical-cases?kind=violence&year=2021".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/typical-cases",
            url: format!("/api/v1/places/{village_in}/typical-cases"),
            body: Some(typical_body(case_in)),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/typical-cases",
            url: format!("/api/v1/places/{village_out}/typical-cases"),
            body: Some(typical_body(case_out)),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/typical-cases/{id}",
            url: format!("/api/v1/typical-cases/{typical_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/typical-cases/{id}",
            url: format!("/api/v1/typical-cases/{typical_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/typical-cases/{id}",
            url: format!("/api/v1/typical-cases/{typical_pub}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/typical-cases/{id}/review",
            url: format!("/api/v1/typical-cases/{typical_out}/review"),
            body: Some(typical_review.clone()),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/typical-cases/{id}/review",
            url: format!("/api/v1/typical-cases/{typical_in}/review"),
            body: Some(typical_review.clone()),
            expect: [401, 204, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/typical-cases/{id}/publish",
            url: format!("/api/v1/typical-cases/{typical_in}/publish"),
            body: Some(json!({"expected_version": 2, "public": true})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/typical-cases/{id}/publish",
            url: format!("/api/v1/typical-cases/{typical_out}/publish"),
            body: Some(json!({"expected_version": 1, "public": true})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/typical-cases/{id}/withdraw",
            url: format!("/api/v1/typical-cases/{typical_pub}/withdraw"),
            body: Some(json!({"expected_version": 3})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/public/typical-cases",
            url: "/api/v1/public/typical-cases?kind=violence".into(),
            body: None,
            expect: [200; 6],
        },
        Case {
            method: "GET",
            template: "/api/v1/public/typical-cases/{id}",
            url: format!("/api/v1/public/typical-cases/{typical_pub}"),
            body: None,
            expect: [200; 6],
        },
        Case {
            method: "GET",
            template: "/api/v1/public/typical-cases/{id}",
            url: format!("/api/v1/public/typical-cases/{typical_out}"),
            body: None,
            expect: [404; 6],
        },
        // Most-beautiful families: federation staff of the place; the public page for anyone.
        Case {
            method: "GET",
            template: "/api/v1/family-awards",
            url: "/api/v1/family-awards".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/family-awards",
            url: format!("/api/v1/places/{village_in}/family-awards"),
            body: Some(fam_body.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/family-awards",
            url: format!("/api/v1/places/{village_out}/family-awards"),
            body: Some(fam_body.clone()),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/family-awards/{id}",
            url: format!("/api/v1/family-awards/{fam_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/family-awards/{id}",
            url: format!("/api/v1/family-awards/{fam_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/family-awards/{id}/steps",
            url: format!("/api/v1/family-awards/{fam_out}/steps"),
            body: Some(json!({"step": "village_pass", "expected_version": 1})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/family-awards/{id}/steps",
            url: format!("/api/v1/family-awards/{fam_in}/steps"),
            body: Some(json!({"step": "village_pass", "expected_version": 1})),
            expect: [401, 204, 403, 403, 403, 403],
        },
        // Not on public notice: nobody votes for it.
        Case {
            method: "POST",
            template: "/api/v1/families/{id}/vote",
            url: format!("/api/v1/families/{fam_in}/vote"),
            body: None,
            expect: [401, 404, 404, 404, 404, 404],
        },
        // Online voting is the county's: the subdistrict's staff has no say.
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/family-voting",
            url: "/api/v1/places/530181/family-voting".into(),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "PUT",
            template: "/api/v1/places/{code}/family-voting",
            url: "/api/v1/places/530181/family-voting".into(),
            body: Some(json!({"voting": true, "vote_weight": 30})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/family-events",
            url: "/api/v1/family-events".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/family-events",
            url: "/api/v1/places/530181001/family-events".into(),
            body: Some(fam_event.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/family-events",
            url: format!("/api/v1/places/{town_out}/family-events"),
            body: Some(fam_event.clone()),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/public/families",
            url: "/api/v1/public/families".into(),
            body: None,
            expect: [200; 6],
        },
        Case {
            method: "GET",
            template: "/api/v1/public/families/{id}",
            url: format!("/api/v1/public/families/{fam_out}"),
            body: None,
            expect: [404; 6],
        },
        Case {
            method: "POST",
            template: "/api/v1/public/families/{id}/objections",
            url: format!("/api/v1/public/families/{fam_in}/objections"),
            body: Some(json!({"text": "情况不实"})),
            expect: [404; 6],
        },
        // The "1+N+1+1" chains: defined at a county by its staff; a record of the caller's
        // reach attached; a step done by its unit's person.
        Case {
            method: "GET",
            template: "/api/v1/chains",
            url: "/api/v1/chains".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/chains",
            url: "/api/v1/places/530181/chains".into(),
            body: Some(chain_body.clone()),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/chains/{id}/runs",
            url: format!("/api/v1/chains/{chain_id}/runs"),
            body: Some(json!({"subject": "case", "subject_id": case_in})),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/chains/{id}/runs",
            url: format!("/api/v1/chains/{chain_id}/runs"),
            body: Some(json!({"subject": "case", "subject_id": case_out})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/chain-runs/{id}",
            url: format!("/api/v1/chain-runs/{run_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/chain-runs/{id}",
            url: format!("/api/v1/chain-runs/{run_out}"),
            body: None,
            // Its first step is her township's: the unit of a step reads the record attached.
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/chain-runs/{id}/steps",
            url: format!("/api/v1/chain-runs/{run_out}/steps"),
            body: Some(json!({"seq": 1})),
            expect: [401, 204, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/chain-runs/{id}/steps",
            url: format!("/api/v1/chain-runs/{run_in}/steps"),
            body: Some(json!({"seq": 1})),
            expect: [401, 204, 403, 403, 403, 403],
        },
        // Volunteers and training: federation staff of the place.
        Case {
            method: "GET",
            template: "/api/v1/volunteers",
            url: "/api/v1/volunteers".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/volunteers",
            url: "/api/v1/places/530181001/volunteers".into(),
            body: Some(vol_body.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/volunteers",
            url: format!("/api/v1/places/{town_out}/volunteers"),
            body: Some(vol_body.clone()),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/volunteers/{id}",
            url: format!("/api/v1/volunteers/{vol_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/volunteers/{id}",
            url: format!("/api/v1/volunteers/{vol_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // A service on a record nobody can read: refused on the field inside, not found outside.
        Case {
            method: "POST",
            template: "/api/v1/volunteers/{id}/services",
            url: format!("/api/v1/volunteers/{vol_in}/services"),
            body: Some(json!({"service_for": "training", "subject_id": train_out,
                "served_on": today.to_string(), "hours": "1"})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/volunteers/{id}/services",
            url: format!("/api/v1/volunteers/{vol_out}/services"),
            body: Some(json!({"service_for": "training", "subject_id": train_out,
                "served_on": today.to_string(), "hours": "1"})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/trainings",
            url: "/api/v1/trainings".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/trainings",
            url: "/api/v1/places/530181001/trainings".into(),
            body: Some(train_body.clone()),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/places/{code}/trainings",
            url: format!("/api/v1/places/{town_out}/trainings"),
            body: Some(train_body.clone()),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/trainings/{id}",
            url: format!("/api/v1/trainings/{train_in}"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/trainings/{id}",
            url: format!("/api/v1/trainings/{train_out}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // No file name: refused on the file inside; not found outside.
        Case {
            method: "POST",
            template: "/api/v1/trainings/{id}/materials",
            url: format!("/api/v1/trainings/{train_in}/materials"),
            body: Some(json!({})),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/trainings/{id}/materials",
            url: format!("/api/v1/trainings/{train_out}/materials?name=a.pdf"),
            body: Some(json!({})),
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/trainings/{id}/materials/{material}",
            url: format!("/api/v1/trainings/{train_in}/materials/{train_in}"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/members/{id}/trainings",
            url: format!("/api/v1/members/{member_in}/trainings"),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/members/{id}/trainings",
            url: format!("/api/v1/members/{member_out}/trainings"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // The hotline log: federation staff of the place.
        Case {
            method: "GET",
            template: "/api/v1/hotline",
            url: "/api/v1/hotline?month=2026-03".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/hotline",
            url: "/api/v1/hotline".into(),
            body: Some(call_body("530181001")),
            expect: [401, 201, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/hotline",
            url: "/api/v1/hotline".into(),
            body: Some(call_body("530181")),
            expect: [401, 422, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/hotline/{id}/callback",
            url: format!("/api/v1/hotline/{call_in}/callback"),
            body: None,
            expect: [401, 204, 403, 403, 403, 403],
        },
        Case {
            method: "POST",
            template: "/api/v1/hotline/{id}/callback",
            url: format!("/api/v1/hotline/{call_out}/callback"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-figures",
            url: "/api/v1/places/530181001/opinion-figures".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-figures",
            url: format!("/api/v1/places/{town_out}/opinion-figures?month=2026-01"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-figures/export",
            url: "/api/v1/places/530181001/opinion-figures/export".into(),
            body: None,
            expect: [401, 200, 403, 403, 403, 403],
        },
        Case {
            method: "GET",
            template: "/api/v1/places/{code}/opinion-figures/export",
            url: format!("/api/v1/places/{town_out}/opinion-figures/export"),
            body: None,
            expect: [401, 404, 403, 403, 403, 403],
        },
        // Logging out ends the session, so it comes last.
        Case {
            method: "DELETE",
            template: "/api/v1/session",
            url: "/api/v1/session".into(),
            body: None,
            expect: [401, 204, 204, 204, 204, 204],
        },
    ];

    // Every endpoint of the OpenAPI document has a row.
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", srv.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let covered: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_string(), c.template.to_string()))
        .collect();
    let missing: Vec<_> = documented.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "endpoints without a row in the authorization matrix: {missing:?}"
    );

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut wrong = Vec::new();
    for case in &cases {
        for (i, who) in WHO.iter().enumerate() {
            let url = format!("{}{}", srv.base, case.url);
            let mut rq = match case.method {
                "GET" => client.get(&url),
                "POST" => client.post(&url),
                "DELETE" => client.delete(&url),
                "PUT" => client.put(&url),
                m => panic!("method {m}"),
            };
            if let Some(sess) = &sessions[i] {
                rq = rq
                    .header("cookie", &sess.cookie)
                    .header("x-csrf-token", &sess.csrf);
            }
            if let Some(b) = &case.body {
                let mut b = b.clone();
                if case.template == "/api/v1/accounts" && case.method == "POST" {
                    b["username"] = json!(format!("{}-{i}", b["username"].as_str().unwrap()));
                }
                rq = rq.json(&b);
            }
            let response = rq.send().await.unwrap();
            let status = response.status().as_u16();
            if status != case.expect[i] {
                let body = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{} {} as {who}: {status}, expected {}: {body}",
                    case.method, case.url, case.expect[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "authorization matrix:\n{}",
        wrong.join("\n")
    );

    // A write without the CSRF header is refused even with a valid session.
    let sess = support::session(&s, "m-staff", false).await;
    let r = client
        .post(format!("{}/api/v1/households/{h_in}/reveal", srv.base))
        .header("cookie", &sess.cookie)
        .json(&reveal)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}
both_backends!(authorization_matrix, super::walk);
