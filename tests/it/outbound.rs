//! Messages to group robots and the SMS gateway, and anchors, reach public addresses only:
//! loopback (unless the setting allows it), private, link-local and metadata addresses are
//! refused when a robot's address is set and at every delivery, before anything is sent.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_services::ServiceError;
use jinguo_services::linkage::DepartmentInput;
use jinguo_storage::Backend;
use jinguo_storage::linkage::{self as store, OutboxRow};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A robot on a loopback port counting what it is sent; its address.
async fn robot() -> (std::net::SocketAddr, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = axum::Router::new().fallback(axum::routing::post(move || {
        let counted = counted.clone();
        async move {
            counted.fetch_add(1, Ordering::SeqCst);
            "{\"errcode\":0}"
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (addr, hits)
}

async fn queue(s: &jinguo_services::Services, channel: &str, target: &str) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    let now = jinguo_services::clock::now().timestamp_millis();
    let row = OutboxRow {
        id,
        channel: channel.into(),
        target: target.into(),
        body: "{\"msgtype\":\"text\",\"text\":{\"content\":\"x\"}}".into(),
        status: "pending".into(),
        attempts: 0,
        next_ms: now - 1000,
        last_error: String::new(),
        created_ms: now,
        delivered_ms: None,
    };
    let r: Result<(), jinguo_storage::StorageError> =
        async { jinguo_storage::db_tx!(&s.db, tx => store::insert_outbox(tx, &row).await) }.await;
    r.unwrap();
    id
}

async fn outcome(s: &jinguo_services::Services, id: uuid::Uuid) -> (String, String) {
    let rows = store::outbox(&s.db, 500).await.unwrap();
    let r = rows.into_iter().find(|r| r.id == id).unwrap();
    (r.status, r.last_error)
}

async fn deliveries_reach_no_inside(b: Backend) {
    let (_t, mut s) = with_small_demo(b).await;
    let (addr, hits) = robot().await;
    let port = addr.port();
    s.linkage.delivery_loopback = false;

    // At delivery: a robot or gateway on loopback (by number, by name, in IPv6 or in another
    // notation), a private or a metadata address: refused, nothing sent, tried again later.
    let targets = [
        format!("http://127.0.0.1:{port}/robot/send?access_token=t"),
        format!("http://localhost:{port}/robot/send"),
        format!("http://[::1]:{port}/robot/send"),
        format!("http://[::ffff:127.0.0.1]:{port}/robot/send"),
        format!("http://2130706433:{port}/robot/send"),
        "http://169.254.169.254/latest/meta-data".to_string(),
        "http://10.0.0.1/robot".to_string(),
        "http://192.168.1.1/robot".to_string(),
        "file:///etc/passwd".to_string(),
    ];
    let mut ids = Vec::new();
    for t in &targets {
        ids.push(queue(&s, "webhook", t).await);
    }
    s.linkage.sms_gateway = Some(format!("http://127.0.0.1:{port}/sms"));
    let sms = queue(&s, "sms", "13800000000").await;
    let r = s.deliver(jinguo_services::clock::now()).await.unwrap();
    assert_eq!(
        (r.delivered, r.retried),
        (0, targets.len() as u64 + 1),
        "{r:?}"
    );
    for (t, id) in targets.iter().zip(&ids) {
        let (status, error) = outcome(&s, *id).await;
        assert_eq!(status, "pending", "{t}");
        assert!(
            error.contains("refused") || error.contains("web address"),
            "{t}: {error}"
        );
        // The robot's secret is not written in the error.
        assert!(!error.contains("access_token"), "{error}");
    }
    assert!(outcome(&s, sms).await.1.contains("refused"));
    assert_eq!(hits.load(Ordering::SeqCst), 0);

    // With the setting the tests use, the same robot and gateway on loopback are reached.
    s.linkage.delivery_loopback = true;
    let ok = queue(&s, "webhook", &targets[0]).await;
    let ok_sms = queue(&s, "sms", "13800000001").await;
    let later = jinguo_services::clock::now();
    s.deliver(later).await.unwrap();
    assert_eq!(outcome(&s, ok).await.0, "delivered");
    assert_eq!(outcome(&s, ok_sms).await.0, "delivered");
    assert_eq!(hits.load(Ordering::SeqCst), 2);

    // At configuration: a department's robot on loopback (setting off), on a private or a
    // metadata address (always) is refused, the field named, nothing changed.
    let operator = jinguo_services::Caller::operator();
    s.ensure_departments(&operator, "530181").await.unwrap();
    let staff = support::county_staff();
    let d = store::department_by_key(&s.db, "530181", "police")
        .await
        .unwrap()
        .unwrap();
    let set = |url: &str| DepartmentInput {
        name: d.name.clone(),
        in_linkage: d.in_linkage,
        ack_hours: d.ack_hours,
        urgent_ack_hours: d.urgent_ack_hours,
        action_days: Some(d.action_days),
        duty_phone: d.duty_phone.clone(),
        webhook_url: url.into(),
        expected_version: d.version,
    };
    s.linkage.delivery_loopback = false;
    for url in [
        targets[0].as_str(),
        "http://169.254.169.254/latest",
        "http://10.0.0.1/robot",
        "http://[fd00::1]/robot",
    ] {
        let e = s
            .update_department(&staff, "530181", "police", &set(url))
            .await
            .unwrap_err();
        assert!(
            matches!(&e, ServiceError::Invalid(v) if v.0[0].field == "webhook_url"),
            "{url}: {e:?}"
        );
    }
    let after = store::department_by_key(&s.db, "530181", "police")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(after.webhook_url, d.webhook_url);
    s.linkage.delivery_loopback = true;
    s.update_department(&staff, "530181", "police", &set(&targets[0]))
        .await
        .unwrap();
    let e = s
        .update_department(&staff, "530181", "police", &set("http://169.254.169.254/x"))
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(_)), "{e:?}");
}
both_backends!(
    deliveries_reach_nothing_inside,
    super::deliveries_reach_no_inside
);
