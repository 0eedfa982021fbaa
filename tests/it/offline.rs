//! Offline visits: a women's representative in headless Chromium at 360 px loads her pages, the
//! server stops, she records two visits (kept encrypted on the device), cannot log out while they
//! wait, the server starts again on the same port, and both visits arrive exactly once. Her
//! logging out then clears the device. The offline package's compressed size is measured too.

use crate::browser::{browser, click_first, log_in, no_sideways_scroll, text};
use crate::support::{self, both_backends, with_small_demo};
use fantoccini::{Client, Locator};
use jinguo_domain::account::Role;
use jinguo_services::{Caller, Services};
use jinguo_storage::Backend;
use std::net::SocketAddr;
use std::time::Duration;
use uuid::Uuid;

const PASSPHRASE: &str = "wo-de-kouling-2026";

/// A server on a given address (so that it can be started again on the same port).
struct Running(tokio::task::JoinHandle<()>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn start(s: &Services, addr: SocketAddr) -> Running {
    // The port was just released: try for a moment.
    let mut tries = 0;
    let listener = loop {
        match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => break l,
            Err(_) if tries < 100 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => panic!("cannot listen on {addr} again: {e}"),
        }
    };
    let s = s.clone();
    Running(tokio::spawn(async move {
        let _ = jinguo::serve(s, listener).await;
    }))
}

/// Stops the server: its task and every connection it held end.
async fn stop(mut r: Running, base: &str) {
    r.0.abort();
    let _ = (&mut r.0).await;
    let refused = reqwest::Client::new()
        .get(format!("{base}/healthz"))
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    assert!(refused.is_err(), "the server still answers");
}

/// Waits until the script returns `true`.
async fn until(c: &Client, what: &str, script: &str) {
    for _ in 0..400 {
        if c.execute(script, vec![]).await.ok() == Some(serde_json::Value::Bool(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let msg = c
        .execute(
            "var m = document.getElementById('offline-msg'); return m ? m.textContent : '';",
            vec![],
        )
        .await
        .ok();
    panic!("waited in vain for {what} (message: {msg:?})");
}

async fn waiting(c: &Client, n: usize) {
    until(
        c,
        &format!("{n} items waiting"),
        &format!("return document.getElementById('offline-count').textContent === '{n}';"),
    )
    .await;
}

async fn unlock(c: &Client, passphrase: &str) {
    until(
        c,
        "the passphrase field",
        "return document.getElementById('offline-unlock').hidden === false;",
    )
    .await;
    let field = c
        .wait()
        .for_element(Locator::Css("#offline-pass"))
        .await
        .unwrap();
    field.clear().await.unwrap();
    field.send_keys(passphrase).await.unwrap();
    press(c, "#offline-unlock-btn").await;
}

async fn unlocked(c: &Client) {
    until(
        c,
        "the queue to be unlocked",
        "return document.getElementById('offline-unlock').hidden === true;",
    )
    .await;
}

/// Fills the visit form of `campaign` and presses its button.
async fn record(c: &Client, campaign: Uuid, risk: &str, note: &str) {
    let form = format!("form[data-offline*='{campaign}']");
    c.wait()
        .for_element(Locator::Css(&format!(
            "{form} input[name=risk][value={risk}]"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} textarea[name=note]")))
        .await
        .unwrap()
        .send_keys(note)
        .await
        .unwrap();
    c.find(Locator::Css(&format!("{form} button[type=submit]")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The visits of `campaign` stored for a household.
async fn visits(s: &Services, household: Uuid, campaign: Uuid) -> usize {
    jinguo_storage::screening::history(&s.db, jinguo_services::demo::ANNING, household)
        .await
        .unwrap()
        .iter()
        .filter(|v| v.campaign_id == campaign)
        .count()
}

/// The demo, a campaign of today, and the representative `rep` of the first group linked to her
/// member record: (services, campaign, her households, an address for the server).
async fn her_households(b: Backend) -> (support::TestDb, Services, Uuid, Vec<Uuid>, SocketAddr) {
    let (t, s) = with_small_demo(b).await;
    let campaign = support::campaign_today(&s, &Caller::operator(), "本月入户走访").await;
    let group = crate::storage::first_group(&s).await;
    let member = s
        .coverage_members(&support::county_staff(), &group)
        .await
        .unwrap()[0]
        .id;
    support::account(&s, "rep", Role::Representative, &group).await;
    s.link_member(&Caller::operator(), "rep", member)
        .await
        .unwrap();
    let rep = support::caller_of(&s, "rep", support::PASSWORD).await;
    let hers = s
        .campaign_households(&rep, campaign, None, true, 1)
        .await
        .unwrap()
        .households
        .iter()
        .map(|h| h.id)
        .collect();
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    (t, s, campaign, hers, addr)
}

/// Waits until the service worker keeps her home page, her list and the household page, then
/// measures what it keeps: (gzip-compressed bytes, entries), compressed in the browser.
async fn package(c: &Client, base: &str) -> (u64, u64) {
    for p in ["", "api/v1/worklist", "offline/household"] {
        until(
            c,
            "her home page, her list and the household page kept on the device",
            &format!("return caches.match('{base}/{p}').then(function (r) {{ return !!r; }});"),
        )
        .await;
    }
    let size = c
        .execute(
            "return caches.keys().then(function (ks) { return Promise.all(ks.map(function (k) { \
               return caches.open(k).then(function (cache) { return cache.keys().then(function (rs) { \
                 return Promise.all(rs.map(function (r) { return cache.match(r).then(function (res) { \
                   return new Response(res.body.pipeThrough(new CompressionStream('gzip'))).arrayBuffer(); \
                 }).then(function (b) { return b.byteLength; }); })); }); }); })); \
             }).then(function (all) { var n = 0, m = 0; all.forEach(function (l) { l.forEach(function (x) { n += x; m += 1; }); }); return [n, m]; });",
            vec![],
        )
        .await
        .unwrap();
    (size[0].as_u64().unwrap(), size[1].as_u64().unwrap())
}

/// The server on `addr`, and a browser in which `rep` is logged in, her pages under the service
/// worker's control.
async fn logged_in(s: &Services, addr: SocketAddr) -> (Running, Client) {
    let server = start(s, addr).await;
    let c = browser().await;
    log_in(&c, &format!("http://{addr}"), "rep").await;
    until(
        &c,
        "the service worker",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
    (server, c)
}

/// Clicks an element of the page as it is (no new page expected).
async fn press(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// She presses "log out" and is told that records still wait; she stays logged in.
async fn logout_refused(c: &Client) {
    press(c, "#logout").await;
    until(
        c,
        "the refusal to log out",
        "return document.getElementById('offline-msg').textContent.indexOf('暂不能退出') >= 0;",
    )
    .await;
    assert_eq!(text(c, "#user-name").await, "rep");
}

async fn walk(b: Backend) {
    let (_t, s, campaign, hers, addr) = her_households(b).await;
    let staff = support::county_staff();
    assert!(hers.len() >= 2, "she answers for {} households", hers.len());
    let (a, b2) = (hers[0], hers[1]);
    let base = format!("http://{addr}");
    let server = start(&s, addr).await;
    let c = browser().await;

    // Online: she logs in; the status bar is there, the service worker takes the page.
    log_in(&c, &base, "rep").await;
    assert_eq!(text(&c, "#offline-count").await, "0");
    assert_eq!(text(&c, "#offline-last").await, "从未");
    // The web app manifest names the app's icon, which is served.
    let icon = c
        .execute(
            "return fetch('/manifest.webmanifest').then(function (r) { return r.json(); }).then(function (m) { \
               return fetch(m.icons[0].src).then(function (r) { return [m.icons[0].src, r.status, r.headers.get('content-type')]; }); });",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        icon,
        serde_json::json!(["/static/icon.svg", 200, "image/svg+xml"])
    );
    no_sideways_scroll(&c).await;
    until(
        &c,
        "the service worker",
        "return !!navigator.serviceWorker.controller;",
    )
    .await;
    // She chooses her passphrase (a short one is refused, naming the field).
    unlock(&c, "kurz").await;
    assert!(text(&c, "#offline-msg").await.contains("离线口令"));
    unlock(&c, PASSPHRASE).await;
    unlocked(&c).await;
    // Her pages are loaded; what is kept for her households is one list and one page.
    for h in [a, b2] {
        c.goto(&format!("{base}/households/{h}")).await.unwrap();
        let _ = text(&c, "h1").await;
    }
    c.goto(&format!("{base}/")).await.unwrap();
    let (bytes, entries) = package(&c, &base).await;
    println!("offline package: {entries} entries, {bytes} bytes gzip-compressed");
    assert_eq!(
        entries, 8,
        "the shell, her home page, her list and the household page"
    );
    assert!(bytes < 100_000, "offline package of {bytes} bytes");
    // A household's own page is not kept: it opens from the list.
    let kept = c
        .execute(
            &format!(
                "return caches.match('{base}/households/{a}').then(function (r) {{ return !!r; }});"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, serde_json::Value::Bool(false));

    // The server stops. Her pages still open, from the device.
    stop(server, &base).await;
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(text(&c, "#offline-count").await, "0", "her home page, kept");
    c.goto(&format!("{base}/households/{a}")).await.unwrap();
    let code = s.household_view(&staff, a).await.unwrap().household.code;
    until(
        &c,
        "the household shown from the kept list",
        &format!("return document.getElementById('oh-code').textContent === '{code}';"),
    )
    .await;
    assert!(text(&c, "h1").await.starts_with("户档案"));
    // A new page forgets the key: she types her passphrase again (a wrong one is refused).
    unlock(&c, "not-my-passphrase").await;
    until(
        &c,
        "the wrong passphrase refused",
        "return document.getElementById('offline-msg').textContent.indexOf('不正确') >= 0;",
    )
    .await;
    unlock(&c, PASSPHRASE).await;
    unlocked(&c).await;
    record(&c, campaign, "low", "邻里反映夫妻常争吵").await;
    waiting(&c, 1).await;
    // The second household: she records first, then unlocks; the visit waits for the key.
    c.goto(&format!("{base}/households/{b2}")).await.unwrap();
    waiting(&c, 1).await;
    record(&c, campaign, "none", "家庭和睦").await;
    until(
        &c,
        "the passphrase asked for",
        "return document.getElementById('offline-msg').textContent.indexOf('离线口令') >= 0;",
    )
    .await;
    unlock(&c, PASSPHRASE).await;
    waiting(&c, 2).await;
    no_sideways_scroll(&c).await;
    // What waits is encrypted: neither note is readable in IndexedDB.
    let stored = c
        .execute(
            "return new Promise(function (ok) { var r = indexedDB.open('jinguo-offline'); r.onsuccess = function () { \
               var q = r.result.transaction('queue').objectStore('queue').getAll(); \
               q.onsuccess = function () { r.result.close(); ok(q.result.map(function (i) { \
                 return [i.state, i.ct instanceof ArrayBuffer, new TextDecoder().decode(i.ct)]; })); }; }; });",
            vec![],
        )
        .await
        .unwrap();
    let stored = stored.as_array().unwrap();
    assert_eq!(stored.len(), 2);
    for i in stored {
        assert_eq!(i[0], "waiting");
        assert_eq!(i[1], true);
        let clear = i[2].as_str().unwrap();
        assert!(
            !clear.contains("争吵") && !clear.contains("和睦") && !clear.contains("visited_on")
        );
    }

    // Logging out is refused while they wait.
    logout_refused(&c).await;
    assert_eq!(
        (
            visits(&s, a, campaign).await,
            visits(&s, b2, campaign).await
        ),
        (0, 0)
    );

    // The server starts again on the same port. The service worker's Background Sync (where the
    // browser has it) wakes the page, which sends what waits, once; the bar says when.
    let server = start(&s, addr).await;
    let last = text(&c, "#offline-last").await;
    c.execute(
        "navigator.serviceWorker.dispatchEvent(new MessageEvent('message', { data: 'jinguo-send' }));",
        vec![],
    )
    .await
    .unwrap();
    waiting(&c, 0).await;
    assert_ne!(text(&c, "#offline-last").await, last);
    // Pressed, and with a timer and the online event in the page: nothing is sent twice.
    c.execute("window.dispatchEvent(new Event('online'));", vec![])
        .await
        .unwrap();
    press(&c, "#offline-sync").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        (
            visits(&s, a, campaign).await,
            visits(&s, b2, campaign).await
        ),
        (1, 1)
    );
    let history = s.household_screening(&staff, a).await.unwrap().history;
    let v = history.iter().find(|v| v.campaign_id == campaign).unwrap();
    assert_eq!(v.note.as_deref(), Some("邻里反映夫妻常争吵"));
    assert_eq!(v.recorded_by, "rep");

    // Now she may log out, and the device is cleared.
    click_first(&c, "#logout").await;
    assert_eq!(text(&c, "h1").await, "登录");
    until(
        &c,
        "the device cleared",
        "return Promise.all([indexedDB.databases(), caches.keys(), navigator.serviceWorker.getRegistrations()]).then(function (r) { \
           return !r[0].some(function (d) { return d.name === 'jinguo-offline'; }) && r[1].length === 0 && r[2].length === 0; });",
    )
    .await;
    c.close().await.unwrap();
    drop(server);
}
both_backends!(visits_recorded_offline_arrive_once, super::walk);

/// A visit the server refuses when it finally arrives (the household was visited meanwhile by
/// someone else) is kept and shown, never sent again by itself nor dropped.
async fn refused(b: Backend) {
    let (_t, s, campaign, hers, addr) = her_households(b).await;
    let rep = support::caller_of(&s, "rep", support::PASSWORD).await;
    let h = hers[0];
    let base = format!("http://{addr}");
    let (server, c) = logged_in(&s, addr).await;
    c.goto(&format!("{base}/households/{h}")).await.unwrap();
    unlock(&c, PASSPHRASE).await;
    unlocked(&c).await;
    stop(server, &base).await;
    record(&c, campaign, "none", "first").await;
    waiting(&c, 1).await;
    // Meanwhile the household is visited through the API by the same representative elsewhere.
    let today = jinguo_services::clock::today();
    s.record_visit(
        &rep,
        campaign,
        h,
        &jinguo_domain::screening::VisitInput {
            visited_on: today.to_string(),
            risk: "low".into(),
            request_key: "elsewhere-000000001".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let server = start(&s, addr).await;
    press(&c, "#offline-sync").await;
    let conflict = text(&c, "#offline-conflicts li").await;
    assert!(conflict.contains("未被接受"), "{conflict}");
    assert_eq!(text(&c, "#offline-count").await, "1");
    // Still one visit: the one recorded elsewhere, not overwritten.
    assert_eq!(visits(&s, h, campaign).await, 1);
    press(&c, "#offline-sync").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(text(&c, "#offline-count").await, "1");
    // Logging out is refused while the refused record is there; she removes it, then may.
    logout_refused(&c).await;
    c.execute("window.confirm = function () { return true; };", vec![])
        .await
        .unwrap();
    press(&c, "#offline-conflicts li button").await;
    waiting(&c, 0).await;
    click_first(&c, "#logout").await;
    assert_eq!(text(&c, "h1").await, "登录");
    c.close().await.unwrap();
    drop(server);
}
both_backends!(a_refused_visit_is_shown_and_kept, super::refused);

/// A representative at the configured most (100 households, taken over from her colleagues as
/// `jinguo demo --representative-households 100` does): what her phone keeps stays under 100 KB
/// compressed; with no connection every one of her households opens from the kept list, masked,
/// with its visit form; a household that is not hers does not open.
async fn hundred(b: Backend) {
    let t = support::fresh(b).await;
    let s = support::services(&t.db);
    // Five groups of about 120 households, so that one group holds 100 of hers.
    let shape = jinguo_services::demo::Shape {
        groups: 5,
        ..support::SMALL
    };
    s.ensure_demo_shaped(7, shape).await.unwrap();
    let campaign = support::campaign_today(&s, &Caller::operator(), "本月入户走访").await;
    let group = crate::storage::first_group(&s).await;
    let staff = support::county_staff();
    let member = s.coverage_members(&staff, &group).await.unwrap()[0].id;
    support::account(&s, "rep", Role::Representative, &group).await;
    s.link_member(&Caller::operator(), "rep", member)
        .await
        .unwrap();
    // More than the group holds is refused, naming the field, and changes nothing.
    match s.demo_hand_households(&group, member, 100_000).await {
        Err(jinguo_services::ServiceError::Invalid(e)) => assert_eq!(e.0[0].field, "households"),
        other => panic!("handing 100,000 households: {other:?}"),
    }
    let rep = support::caller_of(&s, "rep", support::PASSWORD).await;
    let before = s.worklist(&rep, &Default::default(), None).await.unwrap();
    assert!(before.total < 100, "she answers for {}", before.total);
    assert_eq!(
        s.demo_hand_households(&group, member, 100).await.unwrap(),
        100
    );
    let w = s.worklist(&rep, &Default::default(), None).await.unwrap();
    assert_eq!(w.total, 100);
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let base = format!("http://{addr}");
    let (server, c) = logged_in(&s, addr).await;
    c.goto(&format!("{base}/")).await.unwrap();
    assert_eq!(
        c.find_all(Locator::Css("#worklist-items li.work"))
            .await
            .unwrap()
            .len(),
        100
    );
    let (bytes, entries) = package(&c, &base).await;
    println!(
        "offline package of a representative with 100 households: {entries} entries, {bytes} bytes gzip-compressed"
    );
    assert_eq!(entries, 8);
    assert!(bytes < 100_000, "offline package of {bytes} bytes");

    // No connection: her households open from the list, the last one of it too.
    stop(server, &base).await;
    for item in [&w.items[0], &w.items[99]] {
        c.goto(&format!("{base}/households/{}", item.id))
            .await
            .unwrap();
        until(
            &c,
            "the household shown from the kept list",
            &format!(
                "return document.getElementById('oh-code').textContent === '{}';",
                item.code
            ),
        )
        .await;
        assert!(text(&c, "h1").await.starts_with("户档案"));
        assert_eq!(text(&c, "#oh-head").await, item.head);
        assert!(item.head.contains('*'), "the head's name is masked");
        assert_eq!(text(&c, "#oh-address").await, item.address);
        // The visit of the open campaign waits: its form is there, with a key of its own.
        let form = format!(
            "form[data-offline*='{campaign}'][data-offline*='{}']",
            item.id
        );
        let key = c
            .find(Locator::Css(&format!("{form} input[name=request_key]")))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(key.len(), 32, "request key {key:?}");
        no_sideways_scroll(&c).await;
        if let Ok(dir) = std::env::var("JINGUO_SCREENSHOTS") {
            let png = c.screenshot().await.unwrap();
            std::fs::write(format!("{dir}/offline-household-{}.png", item.code), png).unwrap();
        }
    }
    // A household of her group that is not hers is not in the list: the page says so and shows
    // nothing.
    let other = s
        .group_households(&staff, &group, 3)
        .await
        .unwrap()
        .lines
        .iter()
        .map(|l| l.id)
        .find(|id| w.items.iter().all(|i| i.id != *id))
        .expect("a household of the group that is not hers");
    c.goto(&format!("{base}/households/{other}")).await.unwrap();
    until(
        &c,
        "the household refused",
        "return document.getElementById('offline-missing').hidden === false;",
    )
    .await;
    assert_eq!(text(&c, "#oh-code").await, "");
    c.close().await.unwrap();
}
both_backends!(a_hundred_households_fit_the_offline_package, super::hundred);
