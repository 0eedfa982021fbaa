//! Limits set by configuration: the time an import's request may take, and the latest date
//! accepted (years ahead of today).

use crate::support::{self, Api, both_backends};
use chrono::{Days, Months};
use jinguo_domain::account::Role;
use jinguo_storage::Backend;
use serde_json::json;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends the headers of a POST announcing a body (of `content_type`) of `length` bytes and the
/// first `part` of it, then waits up to `wait` for the answer; the answer so far (empty when none
/// came).
async fn half_sent_post(
    addr: &str,
    path: &str,
    session: &support::Session,
    (content_type, length): (&str, usize),
    part: &str,
    wait: Duration,
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nX-CSRF-Token: {}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n{part}",
        session.cookie, session.csrf
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

/// The uploads of imports have their own time limit (`import_timeout_seconds`), and only they:
/// with one second, an upload that stalls is answered 408 within moments, while another request
/// that stalls as long is still waited for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_upload_has_its_own_time_limit() {
    let (_t, mut s) = support::with_small_demo(Backend::Sqlite).await;
    support::account(&s, "t-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "t-staff", false).await;
    s.imports.timeout = Duration::from_secs(1);
    let srv = support::serve(s.clone()).await;
    let addr = srv.base.trim_start_matches("http://").to_string();
    let started = Instant::now();
    let answer = half_sent_post(
        &addr,
        "/api/v1/imports/households?commit=true",
        &staff,
        ("text/csv", 100_000),
        "户编号,村民小组代码,住址,姓名,身份证号\n",
        Duration::from_secs(20),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "answered after {:?}",
        started.elapsed()
    );
    // Any other request keeps the general limit: no answer after three seconds.
    let answer = half_sent_post(
        &addr,
        "/api/v1/campaigns",
        &staff,
        ("application/json", 100_000),
        "{\"name\": ",
        Duration::from_secs(3),
    )
    .await;
    assert_eq!(answer, "", "a request other than an import was cut");
}

/// A date past the horizon (`date_horizon_years` ahead of today, 10 by default) is refused,
/// naming the field and both bounds in Chinese and English, and nothing is written; the horizon
/// itself is accepted, and a longer horizon accepts what the shorter refused.
async fn dates_past_the_horizon_are_refused(b: Backend) {
    let (_t, s) = support::with_small_demo(b).await;
    support::account(&s, "h-staff", Role::Staff, "530181").await;
    let staff = support::session(&s, "h-staff", false).await;
    let (group, _) = support::first_household(&s).await;
    let township = group[..9].to_string();
    let srv = support::serve(s.clone()).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let today = jinguo_services::clock::today();
    let latest = today.checked_add_months(Months::new(10 * 12)).unwrap();
    let beyond = latest + Days::new(1);
    let campaign = |ends: chrono::NaiveDate| {
        json!({"name": "远期排查", "place": township, "starts_on": today.to_string(),
               "ends_on": ends.to_string(), "checklist": ["marital_conflict"]})
    };
    let count = || async {
        jinguo_storage::screening::campaigns(&s.db)
            .await
            .unwrap()
            .len()
    };
    let before = count().await;
    let (st, p) = api
        .send(&staff, "POST", "/api/v1/campaigns", Some(campaign(beyond)))
        .await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(
        support::fields(&p),
        vec![("ends_on".to_string(), "date.range".to_string())],
        "{p}"
    );
    assert_eq!(
        p["errors"][0]["message"].as_str().unwrap(),
        format!("End date: must be between 1900-01-01 and {latest}")
    );
    let (_, zh) = api
        .send_in(
            "zh-CN",
            &staff,
            "POST",
            "/api/v1/campaigns",
            Some(campaign(beyond)),
        )
        .await;
    assert_eq!(
        zh["errors"][0]["message"].as_str().unwrap(),
        format!("结束日期：应在 1900-01-01 至 {latest} 之间")
    );
    assert_eq!(count().await, before, "a refused campaign was written");
    let (st, p) = api
        .send(&staff, "POST", "/api/v1/campaigns", Some(campaign(latest)))
        .await;
    assert_eq!(st, 201, "{p}");
    // Set from the configuration at start.
    jinguo_domain::screening::set_horizon_years(20);
    let (st, p) = api
        .send(&staff, "POST", "/api/v1/campaigns", Some(campaign(beyond)))
        .await;
    assert_eq!(st, 201, "{p}");
    assert_eq!(count().await, before + 2);
    jinguo_domain::screening::set_horizon_years(jinguo_domain::screening::DEFAULT_HORIZON_YEARS);
}
both_backends!(horizon, super::dates_past_the_horizon_are_refused);
