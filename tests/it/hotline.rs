//! The 12338 hotline log on both databases: calls recorded with the caller sealed and shown
//! masked, calls outside the service hours marked, referrals linked (a public-opinion item made
//! at once), a promised call-back kept as a clock the worker climbs until it is made, the
//! figures per month, who sees what, the page and the API in both languages.

use crate::support::{self, all_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::hotline::{Action, CallInput};
use jinguo_services::{ServiceError, Services};
use jinguo_storage::Backend;
use serde_json::{Value, json};
use uuid::Uuid;

fn call(at: &str, kind: &str, action: &str) -> CallInput {
    CallInput {
        called_at: at.into(),
        caller_name: "张小芳".into(),
        caller_phone: "13812345678".into(),
        place: "530181001".into(),
        kind: kind.into(),
        summary: "来电反映丈夫张建国酗酒后多次打骂，可回拨13812345678。".into(),
        action: action.into(),
        ..CallInput::default()
    }
}

fn fields(e: &ServiceError) -> Vec<(String, String)> {
    match e {
        ServiceError::Invalid(v) => {
            v.0.iter()
                .map(|f| (f.field.clone(), f.code.to_string()))
                .collect()
        }
        e => panic!("not a refusal: {e:?}"),
    }
}

async fn told(s: &Services, name: &str, kind: &str) -> bool {
    let id = jinguo_storage::account::by_username(&s.db, name)
        .await
        .unwrap()
        .unwrap()
        .id;
    jinguo_storage::linkage::inbox(&s.db, id, 100)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == kind)
}

async fn the_log(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    assert_eq!(towns[0].code, "530181001");
    support::account(&s, "h-staff", Role::Staff, "530181001").await;
    support::account(&s, "h-other", Role::Staff, &towns[1].code).await;
    support::account(&s, "h-rep", Role::Representative, "530181001").await;
    let staff = support::caller_of(&s, "h-staff", support::PASSWORD).await;
    let other = support::caller_of(&s, "h-other", support::PASSWORD).await;
    let rep = support::caller_of(&s, "h-rep", support::PASSWORD).await;

    // Bad input, each field named.
    let mut bad = call("2026-03-02T09:00", "violence", "case");
    bad.caller_phone = "12345".into();
    bad.callback_on = "2026-03-01".into();
    let e = s.record_call(&staff, &bad).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("caller_phone".into(), "phone.format".into()),
            ("linked_id".into(), "required".into()),
            ("callback_on".into(), "hotline.callback_before_call".into())
        ]
    );
    let mut bad = call("2026-03-02T09:00", "violence", "dispute");
    bad.linked_id = Some(Uuid::now_v7());
    let e = s.record_call(&staff, &bad).await.unwrap_err();
    assert_eq!(fields(&e), vec![("linked_id".into(), "not_found".into())]);
    let mut bad = call("2026-03-02T09:00", "violence", "advice");
    bad.place = towns[1].code.clone();
    let e = s.record_call(&staff, &bad).await.unwrap_err();
    assert_eq!(fields(&e), vec![("place".into(), "not_found".into())]);
    assert!(matches!(
        s.record_call(&rep, &call("2026-03-02T09:00", "other", "advice"))
            .await,
        Err(ServiceError::Forbidden)
    ));

    // A Monday morning call with a call-back promised; a Saturday call reported as opinion.
    let mut first = call("2026-03-02T09:00", "violence", "advice");
    first.callback_on = "2026-03-03".into();
    let with_callback = s.record_call(&staff, &first).await.unwrap();
    let opinion = s
        .record_call(&staff, &call("2026-03-07T10:00", "complaint", "opinion"))
        .await
        .unwrap();
    let mut consult = call("2026-03-09 20:15", "consultation", "advice");
    consult.caller_name.clear();
    consult.caller_phone.clear();
    s.record_call(&staff, &consult).await.unwrap();

    let log = s.hotline_log(&staff, Some("2026-03")).await.unwrap();
    assert_eq!(log.calls.len(), 3);
    let c = log.calls.iter().find(|c| c.id == with_callback).unwrap();
    assert_eq!(
        (c.caller_name.as_str(), c.caller_phone.as_str()),
        ("张*芳", "138****5678")
    );
    // The summary names people and numbers too: shown masked, like the caller.
    assert!(
        !c.summary.contains("张建国")
            && !c.summary.contains("13812345678")
            && c.summary.contains("酗酒"),
        "{}",
        c.summary
    );
    assert!(!c.off_hours);
    let o = log.calls.iter().find(|c| c.id == opinion).unwrap();
    assert!(o.off_hours);
    assert_eq!(o.action, Action::Opinion);
    let topic = o.linked_id.unwrap();
    assert!(
        jinguo_storage::opinion::topic(&s.db, &jinguo_storage::Reader::system(), topic)
            .await
            .unwrap()
            .is_some()
    );
    let march = &log.months[2];
    assert_eq!(march.month, "2026-03");
    assert_eq!(
        (
            march.total,
            march.off_hours,
            march.callbacks,
            march.called_back
        ),
        (3, 2, 1, 0)
    );
    assert_eq!(march.by_kind, vec![1, 1, 0, 1, 0]);
    // Another township sees none of them.
    assert!(
        s.hotline_log(&other, Some("2026-03"))
            .await
            .unwrap()
            .calls
            .is_empty()
    );
    let e = s.hotline_log(&staff, Some("2026-13")).await.unwrap_err();
    assert_eq!(fields(&e), vec![("month".into(), "invalid".into())]);

    // The call-back's clock: past, the worker tells the one who recorded the call.
    let r = s.escalate(jinguo_services::clock::now()).await.unwrap();
    assert_eq!(r.escalated, 1);
    assert!(told(&s, "h-staff", "deadline.overdue").await);
    assert!(matches!(
        s.call_back(&other, with_callback).await,
        Err(ServiceError::NotFound)
    ));
    s.call_back(&staff, with_callback).await.unwrap();
    let e = s.call_back(&staff, with_callback).await.unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("callback_on".into(), "hotline.no_callback".into())]
    );
    let clocks = jinguo_storage::linkage::deadlines_of_subject(&s.db, with_callback)
        .await
        .unwrap();
    assert!(clocks.iter().all(|d| d.done_ms.is_some()));

    // A call referred to a supervision task she can read.
    let task = s
        .issue_task(
            &support::county_staff(),
            "530181",
            &jinguo_domain::supervision::TaskInput {
                title: "来电督办".into(),
                source: "instruction".into(),
                lead_place: "530181001".into(),
                owner_name: "王主任".into(),
                issued_on: jinguo_services::clock::today().to_string(),
                deadline: (jinguo_services::clock::today() + chrono::Duration::days(5)).to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let mut referred = call("2026-03-10T10:00", "dispute", "supervision");
    referred.linked_id = Some(task);
    s.record_call(&staff, &referred).await.unwrap();
    let mut refused = referred.clone();
    refused.place = towns[1].code.clone();
    let e = s.record_call(&other, &refused).await.unwrap_err();
    assert_eq!(fields(&e), vec![("linked_id".into(), "not_found".into())]);

    // The page and the API.
    let srv = support::serve(s.clone()).await;
    let sess = support::session(&s, "h-staff", false).await;
    let client = reqwest::Client::new();
    for (lang, word) in [("zh", "12338 来电登记"), ("en", "12338 hotline log")] {
        let html = client
            .get(format!("{}/hotline?month=2026-03&lang={lang}", srv.base))
            .header("cookie", &sess.cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains(word), "{lang}");
        assert!(html.contains("张*芳") && !html.contains("张小芳") && !html.contains("张建国"));
    }
    for (lang, word) in [("zh-CN", "来电号码"), ("en", "Caller's number")] {
        let r = client
            .post(format!("{}/api/v1/hotline", srv.base))
            .header("cookie", &sess.cookie)
            .header("x-csrf-token", &sess.csrf)
            .header("accept-language", lang)
            .json(
                &json!({"called_at": "2026-03-02T09:00", "caller_phone": "555",
                "place": "530181001", "kind": "other", "summary": "咨询", "handling": "advice"}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let p: Value = r.json().await.unwrap();
        assert_eq!(
            support::fields(&p),
            vec![("caller_phone".into(), "phone.format".into())]
        );
        assert!(p.to_string().contains(word), "{p}");
    }
    let l: Value = client
        .get(format!("{}/api/v1/hotline?month=2026-03", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(l["calls"].as_array().unwrap().len(), 4, "{l}");
    assert_eq!(l["months"][2]["violence"], 1);
}
all_backends!(calls_logged_masked_referred_and_called_back, super::the_log);

/// A referral shows where it went only to a reader of that record: staff of the township where a
/// call was taken see that it was referred to a dispute of another township, not the dispute.
async fn referrals_within_reach(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    let far_village = jinguo_storage::place::children(&s.db, &towns[1].code)
        .await
        .unwrap()[0]
        .code
        .clone();
    support::account(&s, "r-county", Role::Staff, "530181").await;
    support::account(&s, "r-town", Role::Staff, "530181001").await;
    let county = support::caller_of(&s, "r-county", support::PASSWORD).await;
    let town = support::caller_of(&s, "r-town", support::PASSWORD).await;
    let intake: jinguo_domain::mediation::IntakeInput = serde_json::from_value(json!({
        "kind": "marriage", "source": "hotline", "risk": "low",
        "received_on": jinguo_services::clock::today().to_string(),
        "parties": [{"name": "甲", "relationship": "妻子"}, {"name": "乙", "relationship": "丈夫"}],
        "narrative": "夫妻因家务分担争吵", "consent": true}))
    .unwrap();
    let dispute = s
        .register_dispute(&county, &far_village, &intake, false)
        .await
        .unwrap()
        .id;
    // The township's staff cannot name it herself.
    let now = jinguo_services::clock::now()
        .with_timezone(&jinguo_services::clock::CHINA)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let mut referred = call(&now, "dispute", "dispute");
    referred.linked_id = Some(dispute);
    let e = s.record_call(&town, &referred).await.unwrap_err();
    assert_eq!(fields(&e), vec![("linked_id".into(), "not_found".into())]);
    // The county's staff can, at the township.
    let id = s.record_call(&county, &referred).await.unwrap();
    let log = s.hotline_log(&county, None).await.unwrap();
    let seen = log.calls.iter().find(|c| c.id == id).unwrap();
    assert!(seen.referred);
    assert_eq!(seen.linked_id, Some(dispute));
    let log = s.hotline_log(&town, None).await.unwrap();
    let seen = log.calls.iter().find(|c| c.id == id).unwrap();
    assert!(seen.referred);
    assert_eq!(seen.action, Action::Dispute);
    assert_eq!(seen.linked_id, None);
    // Nor on her page or through the API.
    let srv = support::serve(s.clone()).await;
    let sess = support::session(&s, "r-town", false).await;
    let http = reqwest::Client::new();
    let html = http
        .get(format!("{}/hotline", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains(&dispute.to_string()), "{html}");
    assert!(
        html.contains("已转办（所转记录不在您的权限范围内）"),
        "{html}"
    );
    let v: Value = http
        .get(format!("{}/api/v1/hotline", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let line = v["calls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.to_string())
        .unwrap();
    assert_eq!(line["referred"], true);
    assert_eq!(line["linked_id"], Value::Null);
    let sess = support::session(&s, "r-county", false).await;
    let html = http
        .get(format!("{}/hotline", srv.base))
        .header("cookie", &sess.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/disputes/{dispute}")), "{html}");
}
all_backends!(referrals_shown_within_reach, super::referrals_within_reach);
