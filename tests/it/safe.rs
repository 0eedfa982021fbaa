//! Safe buttons and precise errors: steps that end something ask for confirmation (and a reason
//! where the rules want one), no such step is preselected, one submission records once however
//! often it is sent, errors name the field the user sees, the second factor's set-up shows a QR
//! code and keeps its secret, and the audit search takes the names people know and exports what
//! it finds. On both databases; a browser test confirms a step and double-taps a form.

use crate::support::{self, Api, both_backends, serve, with_small_demo};
use jinguo_domain::Lang;
use jinguo_domain::account::Role;
use jinguo_storage::Backend;
use serde_json::json;

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A serving member of the first group: (group code, member id).
async fn serving_member(s: &jinguo_services::Services) -> (String, uuid::Uuid) {
    let group = crate::storage::first_group(s).await;
    let m = s
        .coverage_members(&support::county_staff(), &group)
        .await
        .unwrap()
        .into_iter()
        .next()
        .expect("a member in the first group");
    (group, m.id)
}

async fn still_serving(s: &jinguo_services::Services, group: &str, id: uuid::Uuid) -> bool {
    s.coverage_members(&support::county_staff(), group)
        .await
        .unwrap()
        .iter()
        .any(|m| m.id == id)
}

both_backends!(
    leaving_asks_for_confirmation_and_a_reason,
    super::leaving_asks_for_confirmation_and_a_reason_on
);

/// 离任 from the coverage page: the first post answers with the confirmation page (nothing
/// changes); confirmed without a reason it is refused on the reason; with one it is done, and
/// the reason is on the audit log. The API wants the reason too.
async fn leaving_asks_for_confirmation_and_a_reason_on(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    let (group, member) = serving_member(&s).await;
    let srv = serve(s.clone()).await;
    let staff = support::session(&s, "anning", false).await;
    let c = client();
    let post = |fields: Vec<(&'static str, String)>| {
        c.post(format!("{}/members/{member}/leave", srv.base))
            .header("cookie", &staff.cookie)
            .header("referer", format!("{}/places/{group}/coverage", srv.base))
            .form(&fields)
            .send()
    };
    let base = vec![("csrf", staff.csrf.clone()), ("back", group.clone())];
    let r = post(base.clone()).await.unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"confirm-form\""), "{html}");
    assert!(html.contains("name=\"confirmed\" value=\"1\""), "{html}");
    assert!(
        html.contains("id=\"f-reason\""),
        "the reason is asked: {html}"
    );
    assert!(
        html.contains(&format!("href=\"/places/{group}/coverage\"")),
        "the way back: {html}"
    );
    assert!(still_serving(&s, &group, member).await, "nothing changed");

    // Confirmed without a reason: refused on the reason, in Chinese.
    let mut confirmed = base.clone();
    confirmed.push(("confirmed", "1".into()));
    let r = post(confirmed.clone()).await.unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("理由：必填"));
    assert!(still_serving(&s, &group, member).await);

    // With a reason (one a spreadsheet would take for a formula): done.
    confirmed.push(("reason", "=HYPERLINK(\"x\") 调任".into()));
    let r = post(confirmed).await.unwrap();
    assert_eq!(r.status(), 303);
    assert!(!still_serving(&s, &group, member).await);
    let (seen,): (i64,) = sqlx_count(
        &s,
        "SELECT count(*) FROM audit WHERE action = 'member.leave'",
    )
    .await;
    assert_eq!(seen, 1);

    // The API: a reason or nothing happens, named on its field.
    let (_, other) = serving_member(&s).await;
    let api = Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let path = format!("/api/v1/members/{other}/leave");
    let (st, p) = api.send_in("zh-CN", &staff, "POST", &path, None).await;
    assert_eq!(st, 422, "{p}");
    assert_eq!(
        support::fields(&p),
        vec![("reason".into(), "required".into())]
    );
    let (st, p) = api
        .send(&staff, "POST", &path, Some(json!({"reason": "调任"})))
        .await;
    assert_eq!(st, 200, "{p}");
}

async fn sqlx_count(s: &jinguo_services::Services, sql: &'static str) -> (i64,) {
    match &s.db {
        jinguo_storage::Db::Sqlite(d) => sqlx::query_as(sql).fetch_one(&d.read).await.unwrap(),
        jinguo_storage::Db::Postgres(p) => sqlx::query_as(sql).fetch_one(p).await.unwrap(),
    }
}

both_backends!(
    one_submission_records_once,
    super::one_submission_records_once_on
);

/// The same form sent twice at once (a double tap) and again later records one campaign and
/// answers each time as the first; a refused submission frees its key for the corrected form.
/// The API does the same with `Idempotency-Key`.
async fn one_submission_records_once_on(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    let srv = serve(s.clone()).await;
    let staff = support::session(&s, "anning", false).await;
    let c = client();
    let count = || async { s.campaigns(&support::county_staff()).await.unwrap().len() };
    let before = count().await;
    let page = c
        .get(format!("{}/campaigns", srv.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let key = support::form_value(&page, "request_key");
    assert_eq!(key.len(), 32, "a key per rendered form: {key}");
    let today = jinguo_services::clock::today().to_string();
    let form = |name: &str| {
        vec![
            ("csrf", staff.csrf.clone()),
            ("request_key", key.clone()),
            ("name", name.to_string()),
            ("place", "530181".to_string()),
            ("starts_on", today.clone()),
            ("ends_on", today.clone()),
            ("item.marital_conflict", "1".to_string()),
        ]
    };
    let send = |fields: Vec<(&'static str, String)>| {
        c.post(format!("{}/campaigns", srv.base))
            .header("cookie", &staff.cookie)
            .form(&fields)
            .send()
    };
    // Refused first (no name): nothing recorded, the key stays free, what was typed is kept.
    let r = send(form("")).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("排查名称：必填"), "{html}");
    assert!(html.contains("href=\"#f-campaign_name\""), "{html}");
    assert!(html.contains(&format!("value=\"{today}\"")), "kept: {html}");
    assert_eq!(count().await, before);
    // Then a double tap.
    let (a, b2) = tokio::join!(send(form("双击排查")), send(form("双击排查")));
    let (a, b2) = (a.unwrap(), b2.unwrap());
    assert_eq!((a.status().as_u16(), b2.status().as_u16()), (303, 303));
    assert_eq!(a.headers()["location"], b2.headers()["location"]);
    let again = send(form("双击排查")).await.unwrap();
    assert_eq!(again.headers()["location"], a.headers()["location"]);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(count().await, before + 1);

    // The API.
    let body = json!({"name": "接口排查", "place": "530181", "starts_on": today,
        "ends_on": today, "checklist": ["marital_conflict"]});
    let call = || {
        reqwest::Client::new()
            .post(format!("{}/api/v1/campaigns", srv.base))
            .header("cookie", &staff.cookie)
            .header("x-csrf-token", &staff.csrf)
            .header("idempotency-key", "0190aaaa-bbbb-7ccc-8ddd-eeeeffff0001")
            .json(&body)
            .send()
    };
    let (x, y) = tokio::join!(call(), call());
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!((x.status().as_u16(), y.status().as_u16()), (201, 201));
    let (x, y): (serde_json::Value, serde_json::Value) =
        (x.json().await.unwrap(), y.json().await.unwrap());
    assert_eq!(x["id"], y["id"], "the same answer");
    assert_eq!(count().await, before + 2);
    // A key that is no key is refused on its field.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/campaigns", srv.base))
        .header("cookie", &staff.cookie)
        .header("x-csrf-token", &staff.csrf)
        .header("idempotency-key", "x")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: serde_json::Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "request_key", "{p}");
    assert_eq!(count().await, before + 2);
}

both_backends!(
    second_factor_set_up_keeps_its_secret,
    super::second_factor_set_up_keeps_its_secret_on
);

/// The set-up shows a QR code made on the server; a wrong code is named as the verification
/// code (not a division code) and the same secret is shown again; the right one enrols.
async fn second_factor_set_up_keeps_its_secret_on(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "sysadmin", Role::SystemAdmin, "530181").await;
    let srv = serve(s.clone()).await;
    let admin = support::session(&s, "sysadmin", false).await;
    let c = client();
    let page = c
        .get(format!("{}/login/totp", srv.base))
        .header("cookie", &admin.cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("id=\"totp-qr\"><svg"), "{page}");
    assert!(!page.contains("<?xml"));
    let key = between(&page, "<code id=\"totp-key\" class=\"wrap\">", "</code>");
    assert!(key.len() >= 16, "{key}");
    let r = c
        .post(format!("{}/login/totp", srv.base))
        .header("cookie", &admin.cookie)
        .form(&[("csrf", admin.csrf.as_str()), ("totp_code", "000000")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("验证码："), "{html}");
    assert!(!html.contains("区划代码"), "{html}");
    assert!(html.contains("href=\"#f-totp_code\""), "{html}");
    assert_eq!(
        between(&html, "<code id=\"totp-key\" class=\"wrap\">", "</code>"),
        key,
        "the same secret"
    );
    assert!(html.contains("<svg"));
    let secret = jinguo_crypto::totp::from_base32(&key).unwrap();
    let code = jinguo_crypto::totp::code_at(&secret, chrono::Utc::now().timestamp() as u64);
    let r = c
        .post(format!("{}/login/totp", srv.base))
        .header("cookie", &admin.cookie)
        .form(&[("csrf", admin.csrf.as_str()), ("totp_code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}

fn between(html: &str, start: &str, end: &str) -> String {
    let from = html
        .find(start)
        .unwrap_or_else(|| panic!("{start} not in {html}"))
        + start.len();
    html[from..][..html[from..].find(end).unwrap()].to_string()
}

both_backends!(audit_search_by_name, super::audit_search_by_name_on);

/// The audit administrator finds a member's leaving by its Chinese name, within a place and a
/// date range; an unknown name finds nothing and says so; a bad date is named; the results
/// export as CSV (formula-safe) and XLSX, each export on the log.
async fn audit_search_by_name_on(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    support::account(&s, "auditor", Role::AuditAdmin, "530181").await;
    let (group, member) = serving_member(&s).await;
    s.member_leave(&support::county_staff(), member, "=1+1 调任")
        .await
        .unwrap();
    let srv = serve(s.clone()).await;
    let auditor = support::session(&s, "auditor", true).await;
    let c = client();
    let get = |q: String| {
        c.get(format!("{}/audit?{q}", srv.base))
            .header("cookie", &auditor.cookie)
            .send()
    };
    let today = jinguo_services::clock::today();
    let found = get(format!(
        "action={}&place={group}&from={today}&to={today}",
        urlencode("离任")
    ))
    .await
    .unwrap();
    assert_eq!(found.status(), 200);
    let html = found.text().await.unwrap();
    assert!(html.contains(">离任</td>"), "{html}");
    assert!(!html.contains("id=\"audit-none\""));
    assert!(html.contains("id=\"audit-csv\""));
    // By its English name too; nothing on a day before.
    let html = get(format!("action={}", urlencode("left her post")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(">离任</td>"), "{html}");
    let yesterday = today.pred_opt().unwrap();
    let html = get(format!("action=member.leave&to={yesterday}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"audit-none\""), "{html}");
    assert!(html.contains("没有符合条件的记录"), "{html}");
    let html = get(format!("action={}", urlencode("没有这种操作")))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"audit-none\""), "{html}");
    // A bad date and a place outside her reach are named.
    let r = get("from=2026-13-01&place=110101".into()).await.unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("开始日期："), "{html}");
    assert!(html.contains("区划：不存在"), "{html}");
    // Exports.
    let before = sqlx_count(
        &s,
        "SELECT count(*) FROM audit WHERE action = 'audit.export'",
    )
    .await;
    let csv = c
        .get(format!(
            "{}/audit/export?action=member.leave&format=csv",
            srv.base
        ))
        .header("cookie", &auditor.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = csv.text().await.unwrap();
    assert!(text.contains("操作"), "{text}");
    assert!(text.contains("'=1+1 调任"), "formula-safe: {text}");
    assert!(!text.contains(",=1+1"), "{text}");
    let xlsx = c
        .get(format!(
            "{}/audit/export?action=member.leave&format=xlsx",
            srv.base
        ))
        .header("cookie", &auditor.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let after = sqlx_count(
        &s,
        "SELECT count(*) FROM audit WHERE action = 'audit.export'",
    )
    .await;
    assert_eq!(after.0, before.0 + 2);
    // Staff may not.
    support::account(&s, "anning", Role::Staff, "530181").await;
    let staff = support::session(&s, "anning", false).await;
    let r = c
        .get(format!("{}/audit/export?format=csv", srv.base))
        .header("cookie", &staff.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Every action the services put on the log has a name in both languages for the search.
#[test]
fn every_logged_action_has_a_name() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/services/src");
    let mut missing = Vec::new();
    let mut seen = 0;
    let mut files = Vec::new();
    let mut dirs = vec![std::path::PathBuf::from(dir)];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(d).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 20, "the services' sources: {files:?}");
    for path in files {
        let text = std::fs::read_to_string(path).unwrap();
        for part in text.split("Record::new(\"").skip(1) {
            let code = part.split('"').next().unwrap();
            seen += 1;
            if !jinguo_domain::audit::ACTIONS.iter().any(|a| a.0 == code) {
                missing.push(code.to_string());
            }
        }
    }
    assert!(seen > 50, "{seen}");
    assert!(missing.is_empty(), "actions without a name: {missing:?}");
}

/// Errors name the field as the form labels it: where a session was held is its venue, not a
/// division; a campaign's name is not a person's name.
#[test]
fn errors_name_the_field_shown() {
    let input = jinguo_domain::mediation::SessionInput {
        held_on: "2021-05-01".into(),
        place: String::new(),
        attendees: "双方".into(),
        record: "记录".into(),
    };
    let today = chrono::NaiveDate::from_ymd_opt(2021, 6, 1).unwrap();
    let e = input
        .validate(chrono::NaiveDate::from_ymd_opt(2021, 4, 1).unwrap(), today)
        .unwrap_err();
    assert_eq!(e.0[0].field, "venue");
    assert_eq!(e.0[0].message(Lang::Zh), "地点：必填");
    let e = jinguo_domain::screening::CampaignInput::default()
        .validate()
        .unwrap_err();
    assert!(
        e.0.iter().any(|f| f.message(Lang::Zh) == "排查名称：必填"),
        "{e:?}"
    );
}

/// On a phone (360 px): 离任 leads to the confirmation page, which fits the screen and wants a
/// reason; confirmed, she has left. The campaign form sent twice at once from the page records
/// one campaign.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_confirms_leaving_and_a_double_tap_records_once() {
    use crate::browser::{browser, click_first, log_in, no_sideways_scroll, text};
    use fantoccini::Locator;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "anning", Role::Staff, "530181").await;
    let (group, member) = serving_member(&s).await;
    let srv = serve(s.clone()).await;
    let c = browser().await;
    log_in(&c, &srv.base, "anning").await;
    c.goto(&format!("{}/places/{group}/coverage", srv.base))
        .await
        .unwrap();
    click_first(
        &c,
        &format!("form[action=\"/members/{member}/leave\"] button"),
    )
    .await;
    assert!(text(&c, "#confirm-what").await.contains("离任"));
    no_sideways_scroll(&c).await;
    assert!(
        still_serving(&s, &group, member).await,
        "not before confirming"
    );
    c.find(Locator::Css("#f-reason"))
        .await
        .unwrap()
        .send_keys("调任到街道")
        .await
        .unwrap();
    click_first(&c, "#confirm-yes").await;
    assert!(!still_serving(&s, &group, member).await);
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("/coverage")
    );

    // A double tap: the form's own data sent twice at once, as a phone may.
    c.goto(&format!("{}/campaigns", srv.base)).await.unwrap();
    let today = jinguo_services::clock::today().to_string();
    let statuses = c
        .execute(
            r#"const f = document.getElementById('campaign-form');
               f.elements['name'].value = '双击排查';
               f.elements['place'].value = '530181';
               f.elements['starts_on'].value = arguments[0];
               f.elements['ends_on'].value = arguments[0];
               f.querySelector('input[type=checkbox]').checked = true;
               const send = () => fetch('/campaigns', {method: 'POST', redirect: 'manual',
                   body: new URLSearchParams(new FormData(f))}).then(r => r.type);
               return Promise.all([send(), send()]);"#,
            vec![json!(today)],
        )
        .await
        .unwrap();
    assert_eq!(statuses, json!(["opaqueredirect", "opaqueredirect"]));
    let named = s
        .campaigns(&support::county_staff())
        .await
        .unwrap()
        .into_iter()
        .filter(|x| x.name == "双击排查")
        .count();
    assert_eq!(named, 1);
    c.close().await.unwrap();
}
