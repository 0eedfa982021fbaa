//! `kill -9` of the server while many visits and disputes are being written at once: after a
//! restart every acknowledged write is there, `jinguo check` passes, and the submissions that got
//! no answer can be sent again without doubles.

use crate::support::{self, both_backends};
use jinguo_domain::account::Role;
use jinguo_domain::screening::CampaignInput;
use jinguo_storage::{Backend, Db};
use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use uuid::Uuid;

/// `jinguo serve` in its own process, on a free loopback port.
fn start_server(data_dir: &std::path::Path, url: &str) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let child = crate::cli::jinguo()
        .env("JINGUO_DATABASE_URL", url)
        .arg("--data-dir")
        .arg(data_dir)
        .args(["serve", "--listen", &addr])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    (child, format!("http://{addr}"))
}

async fn wait_ready(base: &str) {
    for _ in 0..300 {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the server at {base} did not come up");
}

/// (household, visit id, dispute id) of every visit stored.
async fn stored_visits(db: &Db, campaign: Uuid) -> Vec<(Uuid, Uuid, Option<Uuid>)> {
    const SQL: &str = "SELECT v.household_id, v.id, d.id FROM visit v \
        LEFT JOIN dispute d ON d.visit_id = v.id WHERE v.campaign_id = $1";
    match db {
        Db::Sqlite(x) => sqlx::query_as(SQL)
            .bind(campaign)
            .fetch_all(&x.read)
            .await
            .unwrap(),
        Db::Postgres(x) => sqlx::query_as(SQL)
            .bind(campaign)
            .fetch_all(x)
            .await
            .unwrap(),
    }
}

#[derive(Clone, Copy, Debug)]
struct Acked {
    visit: Uuid,
    dispute: Option<Uuid>,
}

/// Sends the visit of household number `i`; `Some` when the server answered it was recorded.
async fn send_visit(
    c: &reqwest::Client,
    base: &str,
    session: &(String, String),
    campaign: Uuid,
    household: Uuid,
    i: usize,
) -> Option<(reqwest::StatusCode, Acked)> {
    let today = jinguo_services::clock::today();
    let risk = if i % 7 == 3 { "medium" } else { "none" };
    let r = c
        .post(format!(
            "{base}/api/v1/campaigns/{campaign}/households/{household}/visits"
        ))
        .header("cookie", &session.0)
        .header("x-csrf-token", &session.1)
        .json(&serde_json::json!({
            "visited_on": today.to_string(), "findings": ["marital_conflict"], "risk": risk,
            "note": "邻居反映夜间争吵", "followup": risk == "medium",
            "request_key": format!("crash-{i:012}"),
        }))
        .send()
        .await
        .ok()?;
    let status = r.status();
    let body: serde_json::Value = r.json().await.ok()?;
    if !status.is_success() {
        eprintln!("visit {i}: {status} {body}");
    }
    let visit = body["id"].as_str()?.parse().ok()?;
    let dispute = body["dispute"].as_str().and_then(|d| d.parse().ok());
    Some((status, Acked { visit, dispute }))
}

async fn killed_while_writing_visits(b: Backend) {
    let t = support::fresh(b).await;
    let data = tempfile::tempdir().unwrap();
    let keys = jinguo_services::Keyring::load_or_create(&data.path().join("keys.toml")).unwrap();
    let s = jinguo_services::Services::new(
        t.db.clone(),
        Arc::new(jinguo_services::sealed::KeyStore::fixed(keys)),
    );
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    let today = jinguo_services::clock::today();
    let staff = support::county_staff();
    let campaign = s
        .create_campaign(
            &staff,
            &CampaignInput {
                name: "冬季排查".into(),
                place: "530181".into(),
                starts_on: (today - chrono::Duration::days(3)).to_string(),
                ends_on: (today + chrono::Duration::days(30)).to_string(),
                checklist: vec!["marital_conflict".into()],
            },
        )
        .await
        .unwrap()
        .id;
    support::account(&s, "anning", Role::Staff, "530181").await;
    let households: Vec<Uuid> = {
        const SQL: &str = "SELECT id FROM household ORDER BY id LIMIT 400";
        let rows: Vec<(Uuid,)> = match &t.db {
            Db::Sqlite(x) => sqlx::query_as(SQL).fetch_all(&x.read).await.unwrap(),
            Db::Postgres(x) => sqlx::query_as(SQL).fetch_all(x).await.unwrap(),
        };
        rows.into_iter().map(|r| r.0).collect()
    };
    assert_eq!(households.len(), 400);

    let (mut server, base) = start_server(data.path(), &t.url);
    wait_ready(&base).await;
    let session = support::login(&base, "anning", support::PASSWORD).await;
    let acked: Arc<Mutex<BTreeMap<usize, Acked>>> = Arc::default();
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    // Eight writers at once, each with its share of the households.
    let mut writers = Vec::new();
    for w in 0..8 {
        let (c, base, session, acked, households) = (
            client.clone(),
            base.clone(),
            session.clone(),
            acked.clone(),
            households.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in (w..households.len()).step_by(8) {
                match send_visit(&c, &base, &session, campaign, households[i], i).await {
                    Some((status, a)) if status == reqwest::StatusCode::CREATED => {
                        acked.lock().unwrap().insert(i, a);
                    }
                    _ => return,
                }
            }
        }));
    }
    // Kill the server once a good part of the writes are acknowledged, while the rest are in flight.
    for _ in 0..2_000 {
        if acked.lock().unwrap().len() >= 120 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill().unwrap();
    let _ = server.wait();
    for w in writers {
        w.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    eprintln!(
        "{} visits acknowledged before the kill, {} with a dispute",
        acked.len(),
        acked.values().filter(|a| a.dispute.is_some()).count()
    );
    assert!(
        acked.len() >= 120 && acked.len() < households.len(),
        "the kill came too late to test anything: {} acknowledged",
        acked.len()
    );

    // Every acknowledged write is there, with its dispute, after the crash.
    let (mut server, base) = start_server(data.path(), &t.url);
    wait_ready(&base).await;
    let stored: BTreeMap<Uuid, (Uuid, Option<Uuid>)> = stored_visits(&t.db, campaign)
        .await
        .into_iter()
        .map(|(h, v, d)| (h, (v, d)))
        .collect();
    for (i, a) in &acked {
        assert_eq!(
            stored.get(&households[*i]),
            Some(&(a.visit, a.dispute)),
            "acknowledged visit {i} lost or changed"
        );
    }
    // A medium risk always came with its dispute: nothing half-written.
    for (i, h) in households.iter().enumerate() {
        if let Some((_, d)) = stored.get(h) {
            assert_eq!(d.is_some(), i % 7 == 3, "visit {i} without its dispute");
        }
    }
    crate::cli::assert_check_passes(data.path(), Some(&t.url));

    // Every submission sent again (as a phone does when it got no answer): no doubles, and the
    // ones acknowledged before answer with what was recorded.
    let session = support::login(&base, "anning", support::PASSWORD).await;
    let mut recorded_again = BTreeSet::new();
    for (i, h) in households.iter().enumerate() {
        let (status, a) = send_visit(&client, &base, &session, campaign, *h, i)
            .await
            .unwrap_or_else(|| panic!("visit {i} refused after the restart"));
        if let Some(before) = acked.get(&i) {
            assert_eq!(status, reqwest::StatusCode::OK);
            assert_eq!((a.visit, a.dispute), (before.visit, before.dispute));
        } else if status == reqwest::StatusCode::CREATED {
            recorded_again.insert(i);
        }
    }
    server.kill().unwrap();
    let _ = server.wait();
    let stored = stored_visits(&t.db, campaign).await;
    assert_eq!(stored.len(), households.len());
    let distinct: BTreeSet<Uuid> = stored.iter().map(|v| v.0).collect();
    assert_eq!(distinct.len(), households.len());
    assert_eq!(
        stored.iter().filter(|v| v.2.is_some()).count(),
        (0..households.len()).filter(|i| i % 7 == 3).count()
    );
    eprintln!(
        "{} recorded after the restart; {} had been written before the kill without an answer",
        recorded_again.len(),
        households.len() - acked.len() - recorded_again.len()
    );
}
both_backends!(visits_and_disputes, super::killed_while_writing_visits);
