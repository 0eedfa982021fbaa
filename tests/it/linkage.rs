//! The anti-domestic-violence linkage through the API, on both databases: a case, referrals
//! refused for want of a department, a consent or a future deadline, a department that sees only
//! what was shared with it, acknowledgement (and a department that was not referred), the
//! escalation of a passed deadline along the chain with a controlled clock (neither lost nor
//! repeated across a restart), instruments with their clocks, the inbox, the board, and the
//! delivery of messages to a real local receiver that is down, then up, then slow.

use crate::support::{self, Api, all_backends, fields, serve, with_small_demo};
use chrono::{Duration, Utc};
use jinguo_domain::account::Role;
use jinguo_services::Caller;
use jinguo_services::audit::AuditQuery;
use jinguo_storage::Backend;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// A group robot on loopback: keeps what it is sent; waits `delay` before answering.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

async fn receiver_on(listener: tokio::net::TcpListener, delay: std::time::Duration) -> Receiver {
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let kept = got.clone();
    let url = format!(
        "http://{}/robot/send?access_token=secret",
        listener.local_addr().unwrap()
    );
    let app = axum::Router::new().route(
        "/robot/send",
        axum::routing::post(move |body: String| {
            let kept = kept.clone();
            async move {
                tokio::time::sleep(delay).await;
                kept.lock().unwrap().push(body);
                "{\"errcode\":0}"
            }
        }),
    );
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Receiver { url, got, task }
}

/// Binds an address again once the server that had it has gone (an aborted task closes its
/// socket a moment later).
async fn bind_again(addr: std::net::SocketAddr) -> tokio::net::TcpListener {
    for _ in 0..100 {
        if let Ok(l) = tokio::net::TcpListener::bind(addr).await {
            return l;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("{addr} stays taken");
}

async fn unread(api: &Api, who: &support::Session) -> i64 {
    let (_, v) = api.send(who, "GET", "/api/v1/notifications", None).await;
    v["unread"].as_i64().unwrap()
}

async fn audited(s: &jinguo_services::Services, action: &str) -> usize {
    let q = AuditQuery {
        action: Some(action.into()),
        limit: 50,
        ..Default::default()
    };
    jinguo_storage::audit::search(&s.db, &jinguo_storage::Scope::operator(), &q)
        .await
        .unwrap()
        .len()
}

async fn linkage_end_to_end(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let operator = Caller::operator();
    assert_eq!(s.ensure_departments(&operator, "530181").await.unwrap(), 19);
    assert_eq!(s.ensure_departments(&operator, "530181").await.unwrap(), 0);
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    support::account(&s, "l-staff", Role::Staff, "530181").await;
    support::account(&s, "l-other", Role::Staff, "530181").await;
    support::account(&s, "l-police", Role::Liaison, "530181").await;
    support::account(&s, "l-chief", Role::Liaison, "530181").await;
    support::account(&s, "l-court", Role::Liaison, "530181").await;
    support::account(&s, "l-plain", Role::Staff, &village).await;
    for (user, dept, position) in [
        ("l-police", "police", "liaison"),
        ("l-chief", "police", "head"),
        ("l-court", "court", "liaison"),
    ] {
        s.set_liaison(&operator, "530181", dept, user, position)
            .await
            .unwrap();
    }
    // Only an account holding the liaison role can act for a department.
    let e = s
        .set_liaison(&operator, "530181", "police", "l-plain", "liaison")
        .await
        .unwrap_err();
    assert!(e.to_string().contains("liaison.no_role"), "{e}");

    let srv = serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let staff = support::session(&s, "l-staff", false).await;
    let other = support::session(&s, "l-other", false).await;
    let police = support::session(&s, "l-police", false).await;
    let court = support::session(&s, "l-court", false).await;

    // The police's group robot is down for now: nothing listens on its port.
    let parked = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let robot_addr = parked.local_addr().unwrap();
    drop(parked);
    let robot_url = format!("http://{robot_addr}/robot/send?access_token=secret");
    let (st, deps) = api
        .send(&staff, "GET", "/api/v1/places/530181/departments", None)
        .await;
    assert_eq!(st, 200, "{deps}");
    let police_dep = deps
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["department"] == "police" || d["key"] == "police")
        .unwrap()
        .clone();
    assert_eq!(
        deps.as_array()
            .unwrap()
            .iter()
            .filter(|d| d["in_linkage"] == json!(true))
            .count(),
        8
    );
    let (st, d) = api
        .send(
            &staff,
            "PUT",
            "/api/v1/places/530181/departments/police",
            Some(
                json!({"name": "市公安局", "in_linkage": true, "ack_hours": 0,
                "urgent_ack_hours": 2, "webhook_url": "ftp://x", "expected_version": 1}),
            ),
        )
        .await;
    assert_eq!(st, 422, "{d}");
    let f = fields(&d);
    assert!(
        f.contains(&("ack_hours".into(), "out_of_range".into())),
        "{f:?}"
    );
    assert!(
        f.contains(&("webhook_url".into(), "department.url".into())),
        "{f:?}"
    );
    let (st, d) = api
        .send(
            &staff,
            "PUT",
            "/api/v1/places/530181/departments/police",
            Some(
                json!({"name": "市公安局", "in_linkage": true, "ack_hours": 24,
                "urgent_ack_hours": 2, "duty_phone": "13800138000", "webhook_url": robot_url,
                "expected_version": police_dep["version"]}),
            ),
        )
        .await;
    assert_eq!(st, 200, "{d}");
    assert_eq!(d["webhook_set"], json!(true));
    assert!(
        !d.to_string().contains("secret"),
        "the robot's secret is not shown: {d}"
    );

    // A case: bad input names every field and writes nothing.
    let cases = format!("/api/v1/places/{village}/cases");
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &cases,
            Some(json!({"violence": ["kicking"], "children": -2})),
        )
        .await;
    assert_eq!(st, 422, "{p}");
    let f = fields(&p);
    for want in [
        "victim_name",
        "abuser_relationship",
        "violence",
        "severity",
        "children",
        "source",
        "received_on",
        "narrative",
    ] {
        assert!(f.iter().any(|(x, _)| x == want), "{want} in {f:?}");
    }
    let victim = "杨秀兰";
    let narrative = "丈夫酒后多次殴打，扬言要杀了她";
    let today = jinguo_services::clock::today();
    let (st, c) = api
        .send(
            &staff,
            "POST",
            &cases,
            Some(json!({"victim_name": victim, "victim_phone": "13912345678",
                "abuser_name": "李强", "relationship": "丈夫", "violence": ["physical", "psychological"],
                "severity": "serious", "risk_factors": ["threat_to_kill", "substance"], "children": 2,
                "source": "hotline", "received_on": today.to_string(), "narrative": narrative,
                "consent_to_share": false})),
        )
        .await;
    assert_eq!(st, 201, "{c}");
    let case_id = c["id"].as_str().unwrap().to_string();
    let case_path = format!("/api/v1/cases/{case_id}");
    let (st, whole) = api.send(&staff, "GET", &case_path, None).await;
    assert_eq!(st, 200, "{whole}");
    assert_eq!(
        whole["case"]["risk"], "high",
        "a threat to kill makes the risk high"
    );
    assert_eq!(
        whole["case"]["victim_name"], victim,
        "the owner sees it whole"
    );
    // Other staff of the place see it masked.
    let (st, masked) = api.send(&other, "GET", &case_path, None).await;
    assert_eq!(st, 200, "{masked}");
    assert!(!masked.to_string().contains(victim) && !masked.to_string().contains(narrative));

    // Referrals refused: an unknown department, consent not given, a deadline in the past,
    // an override by staff who may not (a village's staff).
    let refer = format!("{case_path}/referrals");
    let base = json!({"department": "police", "requests": ["protection", "investigation"],
        "shared": ["victim", "contact"], "basis": "law",
        "basis_note": "《反家庭暴力法》第十五条", "note": "请尽快出警核查"});
    for (change, field, code) in [
        (
            json!({"department": "army"}),
            "department",
            "referral.unknown_department",
        ),
        (json!({"basis": "consent"}), "basis", "referral.no_consent"),
        (
            json!({"due_at": (Utc::now() - Duration::hours(1)).to_rfc3339()}),
            "due_at",
            "referral.due_past",
        ),
        (json!({"basis_note": ""}), "basis_note", "required"),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let (st, p) = api.send(&staff, "POST", &refer, Some(body)).await;
        assert_eq!(
            (st, fields(&p)),
            (422, vec![(field.to_string(), code.to_string())]),
            "{p}"
        );
    }
    let plain = support::session(&s, "l-plain", false).await;
    let mut over = base.clone();
    over["basis"] = json!("override");
    over["basis_note"] = json!("情况紧急");
    let (st, p) = api.send(&plain, "POST", &refer, Some(over)).await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("basis".into(), "referral.override_forbidden".into())]
        ),
        "{p}"
    );

    let sent = Utc::now();
    let (st, r) = api.send(&staff, "POST", &refer, Some(base.clone())).await;
    assert_eq!(st, 201, "{r}");
    let referral = r["id"].as_str().unwrap().to_string();
    let due = chrono::DateTime::parse_from_rfc3339(r["due_at"].as_str().unwrap()).unwrap();
    let hours = (due.with_timezone(&Utc) - sent).num_minutes();
    assert!(
        (24 * 60 - 1..=24 * 60).contains(&hours),
        "24 hours to acknowledge: {hours}"
    );
    // And one to the court, with an override by county staff, that nobody will acknowledge.
    let mut to_court = base.clone();
    to_court["department"] = json!("court");
    to_court["basis"] = json!("override");
    to_court["basis_note"] = json!("受害人处于危险中，先行共享");
    to_court["shared"] = json!(["narrative"]);
    let (st, r2) = api.send(&staff, "POST", &refer, Some(to_court)).await;
    assert_eq!(st, 201, "{r2}");
    let court_referral = r2["id"].as_str().unwrap().to_string();

    // The police see their referral and only what it shares.
    let (st, mine) = api.send(&police, "GET", "/api/v1/referrals", None).await;
    assert_eq!(st, 200, "{mine}");
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    let (st, seen) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{referral}"),
            None,
        )
        .await;
    assert_eq!(st, 200, "{seen}");
    assert_eq!(seen["case"]["victim_name"], victim);
    assert_eq!(seen["case"]["victim_phone"], "13912345678");
    assert_eq!(seen["case"]["narrative"], "", "not shared: {seen}");
    assert_eq!(seen["case"]["abuser_name"], "", "not shared: {seen}");
    assert_eq!(seen["case"]["children"], Value::Null, "not shared: {seen}");
    assert_eq!(seen["referral"]["note"], "请尽快出警核查");
    // … and not the court's referral, nor the case beyond theirs.
    let (st, p) = api
        .send(
            &police,
            "GET",
            &format!("/api/v1/referrals/{court_referral}"),
            None,
        )
        .await;
    // Another department's referral is not theirs: not found, as if it did not exist.
    assert_eq!((st, fields(&p)), (404, vec![]));
    let (st, pc) = api.send(&police, "GET", &case_path, None).await;
    assert_eq!(st, 200, "{pc}");
    assert_eq!(pc["referrals"].as_array().unwrap().len(), 1, "{pc}");
    assert!(pc["steps"].as_array().unwrap().is_empty(), "{pc}");
    // The court may not acknowledge the police's referral.
    let ack = format!("/api/v1/referrals/{referral}/acknowledge");
    let (st, p) = api
        .send(&court, "POST", &ack, Some(json!({"expected_version": 1})))
        .await;
    assert_eq!((st, fields(&p)), (404, vec![]), "{p}");
    // The police's inbox names the department and the time, no person.
    let (st, inbox) = api
        .send(&police, "GET", "/api/v1/notifications", None)
        .await;
    assert_eq!(st, 200, "{inbox}");
    assert_eq!(inbox["unread"], json!(1), "{inbox}");
    let text = inbox["notifications"][0]["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        text.contains("市公安局") && !text.contains(victim),
        "{text}"
    );

    // Acknowledged: the clock stops; the same version again is a conflict.
    let (st, a) = api
        .send(&police, "POST", &ack, Some(json!({"expected_version": 1})))
        .await;
    assert_eq!(
        (st, a["status"].clone()),
        (200, json!("acknowledged")),
        "{a}"
    );
    let (st, _) = api
        .send(&police, "POST", &ack, Some(json!({"expected_version": 1})))
        .await;
    assert!(st == 409 || st == 422, "{st}");
    let (st, a) = api
        .send(
            &police,
            "POST",
            &format!("/api/v1/referrals/{referral}/actions"),
            Some(json!({"expected_version": 2, "action": "已出警，出具告诫书", "done": true})),
        )
        .await;
    assert_eq!((st, a["status"].clone()), (200, json!("done")), "{a}");
    let (_, after) = api.send(&staff, "GET", &case_path, None).await;
    let kinds: Vec<&str> = after["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        vec!["register", "refer", "refer", "acknowledge", "done"],
        "{after}"
    );

    // The court's referral passes its deadline: the escalation climbs the chain once per level,
    // across a restart, and then stops.
    let due_at = chrono::DateTime::parse_from_rfc3339(r2["due_at"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        s.escalate(due_at - Duration::minutes(1))
            .await
            .unwrap()
            .escalated,
        0
    );
    let first = s.escalate(due_at + Duration::minutes(1)).await.unwrap();
    assert_eq!(first.escalated, 1, "{first:?}");
    assert_eq!(
        s.escalate(due_at + Duration::minutes(2))
            .await
            .unwrap()
            .escalated,
        0
    );
    let restarted = support::services(&s.db);
    let restarted = jinguo_services::Services {
        keys: s.keys.clone(),
        ..restarted
    };
    assert_eq!(
        restarted
            .escalate(due_at + Duration::minutes(2))
            .await
            .unwrap()
            .escalated,
        0
    );
    // The court's liaison and the case's owner were told; level 2 (the court has no head) and
    // level 3 (the county's chair: staff over the whole county) follow, four hours apart.
    assert_eq!(
        unread(&api, &court).await,
        2,
        "the new referral, then the escalation"
    );
    let second = restarted
        .escalate(due_at + Duration::hours(4) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(second.escalated, 1);
    let staff_before = unread(&api, &staff).await;
    let third = restarted
        .escalate(due_at + Duration::hours(8) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(third.escalated, 1);
    assert!(
        unread(&api, &staff).await > staff_before,
        "the chair is told at the top"
    );
    // The case is heard at a conference, which stops its own clock (tests/it/risk.rs): what is
    // left is the referral's chain.
    let county = support::county_staff();
    let conference = s
        .plan_conference(
            &county,
            "530181",
            &serde_json::from_value(
                json!({"conference_on": today.to_string(), "invited": ["police"]}),
            )
            .unwrap(),
        )
        .await
        .unwrap();
    s.hear_case(&county, conference, case_id.parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        restarted
            .escalate(due_at + Duration::days(30))
            .await
            .unwrap()
            .escalated,
        0,
        "the chain ends"
    );
    let (_, clocks) = api.send(&staff, "GET", &case_path, None).await;
    let court_clock = clocks["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["done"] == json!(false))
        .unwrap()
        .clone();
    // The escalation ran on the test's clock; the page compares with the real one.
    assert_eq!(
        (court_clock["level"].clone(), court_clock["overdue"].clone()),
        (json!(3), json!(false))
    );

    // Instruments: an urgent protection order must be decided within 24 hours; an order runs six
    // months at most; the decision stops its clock and starts the expiry's.
    let instruments = format!("{case_path}/instruments");
    let filed = Utc::now() - Duration::hours(1);
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &instruments,
            Some(json!({"instrument": "protection_order",
            "started_at": filed.to_rfc3339(), "urgent": true, "party": "hospital"})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("party".into(), "instrument.may_not_apply".into())]
        ),
        "{p}"
    );
    let (st, o) = api
        .send(
            &staff,
            "POST",
            &instruments,
            Some(json!({"instrument": "protection_order",
            "started_at": filed.to_rfc3339(), "urgent": true, "party": "federation"})),
        )
        .await;
    assert_eq!(st, 201, "{o}");
    let order = o["id"].as_str().unwrap().to_string();
    let (_, d) = api.send(&staff, "GET", &case_path, None).await;
    let decision = d["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "order_decision")
        .unwrap()
        .clone();
    let decision_due =
        chrono::DateTime::parse_from_rfc3339(decision["due_at"].as_str().unwrap()).unwrap();
    let took = (decision_due.with_timezone(&Utc) - filed).num_seconds();
    assert!((24 * 3600 - 1..=24 * 3600).contains(&took), "{took}");
    let events = format!("/api/v1/instruments/{order}/events");
    let too_long = (today + Duration::days(200)).to_string();
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &events,
            Some(json!({"expected_version": 1, "event": "granted",
            "on": today.to_string(), "valid_until": too_long})),
        )
        .await;
    assert_eq!(
        (st, fields(&p)),
        (
            422,
            vec![("valid_until".into(), "instrument.six_months".into())]
        ),
        "{p}"
    );
    let until = (today + Duration::days(150)).to_string();
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &events,
            Some(json!({"expected_version": 1, "event": "granted",
            "on": today.to_string(), "valid_until": until})),
        )
        .await;
    assert_eq!(st, 204, "{p}");
    let (_, d) = api.send(&staff, "GET", &case_path, None).await;
    let by_kind = |k: &str| {
        d["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(by_kind("order_decision")["done"], json!(true));
    assert_eq!(by_kind("order_expiry")["done"], json!(false));
    assert_eq!(d["instruments"][0]["status"], "in_force");
    // A mandatory report's reporter is kept from everyone but the case's owner.
    let (st, _) = api
        .send(
            &staff,
            "POST",
            &instruments,
            Some(json!({"instrument": "mandatory_report",
            "started_at": Utc::now().to_rfc3339(), "urgent": true, "party": "school",
            "reporter": "某小学班主任王老师"})),
        )
        .await;
    assert_eq!(st, 201);
    let (_, mine) = api.send(&staff, "GET", &case_path, None).await;
    assert!(mine.to_string().contains("某小学班主任王老师"));
    let (_, theirs) = api.send(&other, "GET", &case_path, None).await;
    assert!(!theirs.to_string().contains("王老师"), "{theirs}");

    // The board: the court's referral waits, overdue; the police acknowledged in under an hour.
    let (st, board) = api
        .send(&staff, "GET", "/api/v1/places/530181/linkage", None)
        .await;
    assert_eq!(st, 200, "{board}");
    let line = |k: &str| {
        board
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["department"] == k)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (
            line("court")["open"].clone(),
            line("court")["waiting"].as_array().unwrap().len()
        ),
        (json!(1), 1)
    );
    assert_eq!(line("police")["months"][0]["acknowledged"], json!(1));
    assert!(
        line("police")["months"][0]["average_minutes"]
            .as_f64()
            .unwrap()
            < 60.0
    );
    let r = api
        .http
        .get(format!("{}/api/v1/places/530181/linkage/export", api.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));

    // Delivery: the robot is down; the message waits and is tried again later, no one blocked.
    let mut worker = s.clone();
    worker.linkage.delivery_timeout = std::time::Duration::from_millis(700);
    let now = Utc::now();
    let round = worker.deliver(now).await.unwrap();
    assert_eq!(
        (round.delivered, round.retried),
        (1, 1),
        "the SMS (log channel) went, the robot did not: {round:?}"
    );
    let (st, ob) = api.send(&staff, "GET", "/api/v1/outbox", None).await;
    assert_eq!(st, 200, "{ob}");
    let pending = ob
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["channel"] == "webhook")
        .unwrap()
        .clone();
    assert_eq!(
        (pending["status"].clone(), pending["attempts"].clone()),
        (json!("pending"), json!(1))
    );
    assert!(
        !ob.to_string().contains("secret") && !ob.to_string().contains("13800138000"),
        "{ob}"
    );
    // Not before its time.
    assert_eq!(
        worker.deliver(now + Duration::seconds(5)).await.unwrap(),
        Default::default()
    );
    // The robot is up again: delivered once, with no one's name in it.
    let robot = receiver_on(bind_again(robot_addr).await, std::time::Duration::ZERO).await;
    let round = worker.deliver(now + Duration::seconds(31)).await.unwrap();
    assert_eq!(round.delivered, 1, "{round:?}");
    assert_eq!(
        worker
            .deliver(now + Duration::hours(2))
            .await
            .unwrap()
            .delivered,
        0
    );
    let got = robot.got.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let body: Value = serde_json::from_str(&got[0]).unwrap();
    let content = body["text"]["content"].as_str().unwrap();
    assert!(
        content.starts_with("【巾帼】") && content.contains("市公安局"),
        "{content}"
    );
    assert!(
        !content.contains(victim) && !got[0].contains(narrative),
        "{content}"
    );
    robot.task.abort();
    assert_eq!(robot.url, robot_url);

    // A slow robot: the user's referral answers at once; the delivery gives up after its timeout
    // and the message is tried again later.
    let slow = receiver_on(
        bind_again(robot_addr).await,
        std::time::Duration::from_secs(5),
    )
    .await;
    let mut again = base.clone();
    again["requests"] = json!(["medical"]);
    let started = std::time::Instant::now();
    let (st, _) = api.send(&staff, "POST", &refer, Some(again)).await;
    assert_eq!(st, 201);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(3),
        "the user does not wait for the robot"
    );
    let started = std::time::Instant::now();
    let round = worker.deliver(Utc::now()).await.unwrap();
    assert!(round.retried >= 1, "{round:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(4));
    slow.task.abort();

    // Evidence: a disguised file, one too large and one of another kind are refused with the
    // reason; a picture is kept sealed and only the case's owner downloads it.
    let upload = |who: &support::Session, name: &str, bytes: Vec<u8>| {
        let r = api
            .http
            .post(format!("{}{case_path}/evidence?name={name}", api.base))
            .header("cookie", &who.cookie)
            .header("x-csrf-token", &who.csrf)
            .header("accept-language", "en")
            .body(bytes)
            .send();
        async move {
            let r = r.await.unwrap();
            let st = r.status().as_u16();
            (st, r.json::<Value>().await.unwrap_or_default())
        }
    };
    let png: Vec<u8> = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 7, 7, 7].to_vec();
    for (name, bytes, code) in [
        ("scan.pdf", png.clone(), "evidence.disguised"),
        ("run.exe", b"MZ\x90\x00".to_vec(), "evidence.type"),
        (
            "big.jpg",
            vec![0xFF; jinguo_domain::linkage::EVIDENCE_MAX_BYTES + 1],
            "evidence.too_large",
        ),
    ] {
        let (st, p) = upload(&staff, name, bytes).await;
        assert_eq!(
            (st, fields(&p)),
            (422, vec![("file".into(), code.into())]),
            "{name}: {p}"
        );
    }
    let (st, e) = upload(&staff, "injury.png", png.clone()).await;
    assert_eq!(st, 201, "{e}");
    let file = format!("{case_path}/evidence/{}", e["id"].as_str().unwrap());
    let fetch = |who: &support::Session| {
        let r = api
            .http
            .get(format!("{}{file}", api.base))
            .header("cookie", &who.cookie)
            .send();
        async move {
            let r = r.await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        }
    };
    assert_eq!(fetch(&staff).await, (200, png.clone()));
    assert_eq!(fetch(&other).await.0, 403);
    assert_eq!(fetch(&police).await.0, 404);
    let (_, listed) = api.send(&other, "GET", &case_path, None).await;
    assert_eq!(listed["evidence"].as_array().unwrap().len(), 1);
    assert!(
        !listed["evidence"].to_string().contains("injury"),
        "{listed}"
    );

    // Closing the case stops its clocks; everything is on the audit log.
    let (_, now_case) = api.send(&staff, "GET", &case_path, None).await;
    let (st, p) = api
        .send(
            &staff,
            "POST",
            &format!("{case_path}/close"),
            Some(json!({"expected_version": now_case["case"]["version"]})),
        )
        .await;
    assert_eq!(st, 204, "{p}");
    let (_, closed) = api.send(&staff, "GET", &case_path, None).await;
    assert!(
        closed["clocks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["done"] == json!(true)),
        "{closed}"
    );
    for action in [
        "case.register",
        "case.read",
        "case.read_masked",
        "case.read_shared",
        "referral.send",
        "referral.progress",
        "instrument.add",
        "instrument.event",
        "deadline.escalate",
        "department.update",
        "department.liaison",
        "case.close",
        "evidence.add",
        "evidence.read",
    ] {
        assert!(audited(&s, action).await > 0, "{action} not audited");
    }
}
all_backends!(end_to_end, super::linkage_end_to_end);

/// The server's own worker delivers a message as soon as it is committed, with no round run by
/// hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_worker_delivers_at_once() {
    let (_t, mut s) = with_small_demo(Backend::Sqlite).await;
    s.linkage.worker = true;
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let robot = receiver_on(
        tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        std::time::Duration::ZERO,
    )
    .await;
    support::account(&s, "w-staff", Role::Staff, "530181").await;
    let staff_caller = support::caller_of(&s, "w-staff", support::PASSWORD).await;
    let input = jinguo_services::linkage::DepartmentInput {
        name: "市公安局".into(),
        in_linkage: true,
        ack_hours: 24,
        urgent_ack_hours: 2,
        webhook_url: robot.url.clone(),
        expected_version: 1,
        ..Default::default()
    };
    s.update_department(&staff_caller, "530181", "police", &input)
        .await
        .unwrap();
    let _srv = serve(s.clone()).await;
    let case = jinguo_domain::linkage::CaseInput {
        victim_name: "某女".into(),
        relationship: "丈夫".into(),
        violence: vec!["physical".into()],
        severity: "minor".into(),
        source: "walk_in".into(),
        received_on: jinguo_services::clock::today().to_string(),
        narrative: "推搡".into(),
        consent_to_share: true,
        ..Default::default()
    };
    let id = s
        .register_case(&staff_caller, "530181", &case)
        .await
        .unwrap();
    let r = jinguo_domain::linkage::ReferralInput {
        department: "police".into(),
        requests: vec!["protection".into()],
        basis: "consent".into(),
        ..Default::default()
    };
    s.refer(&staff_caller, id, &r).await.unwrap();
    for _ in 0..100 {
        if !robot.got.lock().unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(robot.got.lock().unwrap().len(), 1);
}

/// The pages, in Chinese and English: county staff register a case from its form (a refused
/// form keeps what was typed and names the fields), refer it to the police from the case's page;
/// the police's liaison finds it among her referrals, sees only what is shared, and acknowledges
/// it; the staff's inbox tells her; the board shows the department.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_both_languages() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    support::account(&s, "p-staff", Role::Staff, "530181").await;
    support::account(&s, "p-police", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "police", "p-police", "liaison")
        .await
        .unwrap();
    let srv = serve(s.clone()).await;
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (staff, _) = support::login(&srv.base, "p-staff", support::PASSWORD).await;
    let (police, _) = support::login(&srv.base, "p-police", support::PASSWORD).await;
    let text = |cookie: &str, path: String, lang: &'static str| {
        let r = c
            .get(format!("{}{path}", srv.base))
            .header("cookie", cookie.to_string())
            .header("accept-language", lang)
            .send();
        async move { r.await.unwrap().text().await.unwrap() }
    };
    let post = |cookie: &str, path: String, form: Vec<(&str, String)>| {
        c.post(format!("{}{path}", srv.base))
            .header("cookie", cookie.to_string())
            .header("accept-language", "zh-CN")
            .form(&form)
            .send()
    };
    let html = text(&staff, "/places/530181/cases".into(), "zh-CN").await;
    assert!(
        html.contains("登记家暴个案") && html.contains("扬言杀害受害人或其家人"),
        "{html}"
    );
    let csrf = support::form_value(&html, "csrf");
    let today = jinguo_services::clock::today().to_string();
    let mut form = vec![
        ("csrf", csrf.clone()),
        ("victim_name", "赵桂芳".to_string()),
        ("relationship", "丈夫".to_string()),
        ("violence.physical", "1".to_string()),
        ("factor.strangling", "1".to_string()),
        ("source", "hotline".to_string()),
        ("received_on", today.clone()),
        ("narrative", "昨晚被掐脖子".to_string()),
        ("consent_to_share", "1".to_string()),
    ];
    let r = post(&staff, "/places/530181/cases".into(), form.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("伤害程度：必填"), "{html}");
    assert!(
        html.contains("昨晚被掐脖子") && html.contains("value=\"1\" checked"),
        "kept"
    );
    form.push(("severity", "severe".to_string()));
    let r = post(&staff, "/places/530181/cases".into(), form)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let case = r.headers()["location"].to_str().unwrap().to_string();
    let html = text(&staff, case.clone(), "zh-CN").await;
    assert!(
        html.contains("赵桂芳") && html.contains("高"),
        "the owner sees it whole: {html}"
    );
    // Refer to the police from the page: a missing request is refused with its name.
    let mut refer = vec![
        ("csrf", csrf.clone()),
        ("department", "police".to_string()),
        ("shared.victim", "1".to_string()),
        ("basis", "consent".to_string()),
    ];
    let r = post(&staff, format!("{case}/referrals"), refer.clone())
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 422);
    assert!(r.text().await.unwrap().contains("请求事项：必填"));
    refer.push(("request.protection", "1".to_string()));
    let r = post(&staff, format!("{case}/referrals"), refer)
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = text(&staff, case.clone(), "en").await;
    assert!(
        html.contains("awaiting acknowledgement") && html.contains("h") && html.contains("left"),
        "{html}"
    );

    // The county's overview counts the running clocks: the referral's, and the high-risk case's
    // hearing at a conference (strangling makes it high).
    let html = text(&staff, "/places/530181".into(), "zh-CN").await;
    let counts = html.split("id=\"clock-counts\"").nth(1).unwrap_or_default();
    assert!(counts.contains("待办时限 2"), "{html}");

    // The police's liaison: her referrals, then the referral with only the victim's name.
    let html = text(&police, "/referrals".into(), "zh-CN").await;
    let link = html
        .split("href=\"/referrals/")
        .nth(1)
        .and_then(|h| h.split('"').next())
        .unwrap()
        .to_string();
    let html = text(&police, format!("/referrals/{link}"), "zh-CN").await;
    assert!(
        html.contains("赵桂芳") && !html.contains("昨晚被掐脖子"),
        "{html}"
    );
    let pcsrf = support::form_value(&html, "csrf");
    let r = post(
        &police,
        format!("/referrals/{link}/acknowledge"),
        vec![("csrf", pcsrf.clone()), ("version", "1".into())],
    )
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    let html = text(&police, format!("/referrals/{link}"), "en").await;
    assert!(
        html.contains("acknowledged") && html.contains("id=\"action-form\""),
        "{html}"
    );
    // The case may not be opened beyond the referral by the police: its page shows no history.
    let html = text(&police, case.clone(), "zh-CN").await;
    assert!(
        !html.contains("id=\"case-steps\"") && !html.contains("昨晚被掐脖子"),
        "{html}"
    );

    // The staff's inbox: the acknowledgement; opening it marks it read and leads to the case.
    let html = text(&staff, "/inbox".into(), "zh-CN").await;
    assert!(
        html.contains("市公安局 已签收转介") && html.contains("未读：1"),
        "{html}"
    );
    let id = html
        .split("action=\"/inbox/")
        .nth(1)
        .and_then(|h| h.split('/').next())
        .unwrap()
        .to_string();
    let r = post(
        &staff,
        format!("/inbox/{id}/open"),
        vec![("csrf", csrf.clone()), ("link", case.clone())],
    )
    .await
    .unwrap();
    assert_eq!(r.headers()["location"].to_str().unwrap(), case);
    let html = text(&staff, "/inbox".into(), "en").await;
    assert!(
        html.contains("Unread: 0") || html.contains("Unread:0"),
        "{html}"
    );

    // The outside messages and their delivery.
    let html = text(&staff, "/outbox".into(), "zh-CN").await;
    assert!(
        html.contains("外发消息") && html.contains("id=\"outbox\"")
            || html.contains("暂无外发消息"),
        "{html}"
    );
    // The board and the departments, in both languages.
    let html = text(&staff, "/places/530181/linkage".into(), "zh-CN").await;
    assert!(
        html.contains("联动督办看板") && html.contains("市公安局"),
        "{html}"
    );
    let html = text(&staff, "/places/530181/departments".into(), "en").await;
    assert!(
        html.contains("Departments of the linkage") && html.contains("p-police"),
        "{html}"
    );
}

/// The demo's accounts: the police's liaison finds a referral waiting for her, sees the victim's
/// name it shares and not the narrative; 连然街道's federation owns the cases and sees them whole,
/// with the protection order in force and the warning letter's follow-up due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_has_the_linkage() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let accounts = s.ensure_demo_accounts().await.unwrap();
    assert!(
        accounts
            .iter()
            .any(|a| a.username == "jingcha" && a.role == Role::Liaison)
    );
    let police = support::caller_of(&s, "jingcha", jinguo_services::demo::DEMO_PASSWORD).await;
    let waiting = s.my_referrals(&police).await.unwrap();
    assert_eq!(waiting.len(), 1);
    let (_, shared) = s.referral(&police, waiting[0].id).await.unwrap();
    assert_eq!(shared.victim_name, "王某");
    assert!(shared.narrative.is_empty());
    let federation = support::caller_of(&s, "lianran", jinguo_services::demo::DEMO_PASSWORD).await;
    let cases = s.cases(&federation, "530181001", true).await.unwrap();
    assert_eq!(cases.len(), 2);
    let (second, records) = s
        .case(
            &federation,
            cases.iter().find(|c| c.victim_name == "李某").unwrap().id,
        )
        .await
        .unwrap();
    assert!(second.narrative.contains("保护令"));
    assert_eq!(records.instruments.len(), 2);
    assert!(
        records
            .clocks
            .iter()
            .any(|c| c.kind == jinguo_domain::linkage::DeadlineKind::WarningFollowup && !c.done)
    );
    // Anning's mechanism: 19 departments, 8 of them in the 24-hour linkage.
    let departments = s.departments(&federation, "530181").await.unwrap();
    assert_eq!(
        (
            departments.len(),
            departments.iter().filter(|d| d.in_linkage).count()
        ),
        (19, 8)
    );
}

/// A chain configured otherwise: the department's head first, then the chair; the liaison
/// officer is told of the referral when it is made, and of nothing more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_chain() {
    use jinguo_domain::linkage::Rung;
    let (_t, mut s) = with_small_demo(Backend::Sqlite).await;
    s.linkage.chain = vec![Rung::Head, Rung::Chair];
    let operator = Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    support::account(&s, "c-staff", Role::Staff, "530181").await;
    support::account(&s, "c-liaison", Role::Liaison, "530181").await;
    support::account(&s, "c-head", Role::Liaison, "530181").await;
    s.set_liaison(&operator, "530181", "health", "c-liaison", "liaison")
        .await
        .unwrap();
    s.set_liaison(&operator, "530181", "health", "c-head", "head")
        .await
        .unwrap();
    let staff = support::caller_of(&s, "c-staff", support::PASSWORD).await;
    let liaison = support::caller_of(&s, "c-liaison", support::PASSWORD).await;
    let head = support::caller_of(&s, "c-head", support::PASSWORD).await;
    let case: jinguo_domain::linkage::CaseInput = serde_json::from_value(json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "serious", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "受伤就医"}))
    .unwrap();
    let id = s.register_case(&staff, "530181", &case).await.unwrap();
    let r = s
        .refer(
            &staff,
            id,
            &serde_json::from_value(json!({"department": "health", "requests": ["medical"],
                "basis": "consent", "urgent": true}))
            .unwrap(),
        )
        .await
        .unwrap();
    // An urgent referral: the department's urgent limit (2 hours).
    assert_eq!((r.due_at - r.sent_at).num_hours(), 2);
    let unread = |c: &Caller| {
        let (s, c) = (s.clone(), c.clone());
        async move { s.inbox(&c, jinguo_domain::Lang::En).await.unwrap().1 }
    };
    assert_eq!((unread(&liaison).await, unread(&head).await), (1, 0));
    let first = s.escalate(r.due_at + Duration::minutes(1)).await.unwrap();
    assert_eq!(first.escalated, 1);
    assert_eq!((unread(&liaison).await, unread(&head).await), (1, 1));
    let second = s
        .escalate(r.due_at + Duration::hours(4) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(second.escalated, 1);
    assert!(unread(&staff).await >= 1, "the chair is told");
    assert_eq!(
        s.escalate(r.due_at + Duration::days(3))
            .await
            .unwrap()
            .escalated,
        0,
        "two rungs, two levels"
    );
}
