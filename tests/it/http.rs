//! HTTP against a real server on 127.0.0.1:0: pages, API, problem+json, OpenAPI, health, metrics.

use crate::support::{self, both_backends, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_storage::Backend;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A client logged in as county staff of Anning: the session cookie and the CSRF header on every request.
async fn staff_client(s: &jinguo_services::Services, base: &str) -> reqwest::Client {
    staff_session(s, base).await.0
}

async fn staff_session(s: &jinguo_services::Services, base: &str) -> (reqwest::Client, String) {
    support::account(s, "anning", Role::Staff, "530181").await;
    let (cookie, csrf) = support::login(base, "anning", support::PASSWORD).await;
    let session = cookie.clone();
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("cookie", cookie.parse().unwrap());
    h.insert("x-csrf-token", csrf.parse().unwrap());
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap();
    (client, session)
}

async fn api_round_trip(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let group = crate::storage::first_group(&s).await;
    let srv = serve(s.clone()).await;
    // Without a session: 401 problem+json.
    let r = client()
        .get(format!("{}/api/v1/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let c = staff_client(&s, &srv.base).await;

    let home: Value = c
        .get(format!("{}/api/v1/home", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(home["place"], "530181");

    let r = c
        .get(format!("{}/api/v1/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let place: Value = r.json().await.unwrap();
    assert_eq!(place["name"], "安宁市");
    assert_eq!(place["figures"]["households"], 600);
    assert_eq!(place["children"].as_array().unwrap().len(), 9);
    assert_eq!(place["lineage"][0]["code"], "53");

    let page: Value = c
        .get(format!(
            "{}/api/v1/places/{group}/households?page=1",
            srv.base
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 30);
    let hid = page["households"][0]["id"].as_str().unwrap().to_string();
    let h: Value = c
        .get(format!("{}/api/v1/households/{hid}", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let version = h["version"].as_i64().unwrap();
    assert!(h["persons"][0]["name"].as_str().unwrap().contains('*'));

    // Bad input, in English: problem+json naming each field; nothing written.
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .header("accept-language", "en-US,en;q=0.9")
        .json(
            &json!({"name": "", "sex": "female", "birth_date": "1949-12-31",
            "id_number": "110105194912310021", "phone": "123", "relationship": "spouse",
            "expected_version": version}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "id_number", "phone"]);
    assert_eq!(
        p["errors"][1]["message"],
        "Resident ID number: has a wrong check character; please check it"
    );

    // The same in Chinese (the default).
    let p: Value = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .json(&json!({"name": "张小芳", "sex": "female", "birth_date": "1949-12-31",
            "id_number": "110105194912310021", "relationship": "spouse", "expected_version": version}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        p["errors"][0]["message"],
        "公民身份号码：校验码不正确，请核对"
    );
    let again: Value = c
        .get(format!("{}/api/v1/households/{hid}", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["version"], version, "a refused input changes nothing");

    // A good one is created; replaying it with the old version is a conflict.
    let body = json!({"name": "张小芳", "sex": "女", "birth_date": "1949-12-31",
        "id_number": "11010519491231002X", "phone": "13812345678", "relationship": "配偶", "expected_version": version});
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::CONFLICT || r.status() == StatusCode::UNPROCESSABLE_ENTITY);

    // Malformed bodies, unknown fields and unknown ids.
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = c
        .get(format!("{}/api/v1/households/not-a-uuid", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c
        .get(format!("{}/api/v1/places/530181'%20OR%201=1--", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = c
        .get(format!("{}/api/v1/nothing-here", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = c
        .get(format!(
            "{}/api/v1/places/{group}/households?page=99",
            srv.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}
both_backends!(api, super::api_round_trip);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_health_metrics_and_headers() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let srv = serve(s.clone()).await;
    let c = staff_client(&s, &srv.base).await;
    let doc: Value = c
        .get(format!("{}/api/openapi.json", srv.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/home",
        "/api/v1/places/{code}",
        "/api/v1/places/{code}/households",
        "/api/v1/households/{id}",
        "/api/v1/households/{id}/persons",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    // A kind's field lists the kind's keys, from its one declaration.
    use jinguo_domain::Kind;
    let schemas = &doc["components"]["schemas"];
    for (schema, field, keys) in [
        (
            "DisputeDto",
            "status",
            jinguo_domain::mediation::Status::keys(),
        ),
        ("WishDto", "status", jinguo_domain::care::WishStatus::keys()),
        (
            "ReferralDto",
            "basis",
            jinguo_domain::linkage::Basis::keys(),
        ),
        (
            "PersonDto",
            "relationship",
            jinguo_domain::person::Relationship::keys(),
        ),
    ] {
        assert_eq!(
            schemas[schema]["properties"][field]["enum"],
            serde_json::json!(keys),
            "{schema}.{field}"
        );
    }

    let r = c.get(format!("{}/healthz", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let _ = c
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    let m = c
        .get(format!("{}/metrics", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(m.contains("http_requests_total"), "{m}");
    assert!(
        m.contains("route=\"/places/{code}\""),
        "metrics use route templates: {m}"
    );

    let r = c
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    let h = r.headers();
    assert!(
        h["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["cache-control"], "no-store");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_in_both_languages_and_the_form() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    let srv = serve(s.clone()).await;
    // Not logged in: the login page.
    let r = client()
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=/places/530181");
    let (c, session) = staff_session(&s, &srv.base).await;

    let r = c.get(format!("{}/", srv.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/places/530181");

    let html = c
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"zh-CN\">"));
    assert!(html.contains("安宁市") && html.contains("户数") && html.contains("600"));
    assert!(html.contains("/places/530181001"));

    // Switching language sets a cookie and returns to the same page, now in English.
    let r = c
        .get(format!("{}/lang?to=en&back=/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/places/530181");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(cookie, "lang=en");
    let html = c
        .get(format!("{}/places/530181", srv.base))
        .header("cookie", format!("{session}; {cookie}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Households"));
    // An outside address is no place to go back to.
    let r = c
        .get(format!("{}/lang?to=en&back=//evil.example/", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/");

    // The group page lists households; the household page has the form.
    let html = c
        .get(format!("{}/places/{group}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hid = html
        .split("href=\"/households/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let html = c
        .get(format!("{}/households/{hid}", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("登记家庭成员"));
    let version = crate::support::form_value(&html, "expected_version");
    let csrf = crate::support::form_value(&html, "csrf");

    // A bad form comes back with the error naming the field, and the typed values kept.
    let form = [
        ("name", "李<b>梅</b>"),
        ("sex", "female"),
        ("birth_date", "1985-06-01"),
        ("id_number", "530181198506011234"),
        ("phone", ""),
        ("relationship", "spouse"),
        ("expected_version", version.as_str()),
        ("csrf", csrf.as_str()),
    ];
    let r = c
        .post(format!("{}/households/{hid}/persons", srv.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("公民身份号码："), "{html}");
    assert!(html.contains("value=\"530181198506011234\""));
    assert!(
        html.contains("李&#60;b&#62;梅&#60;/b&#62;") || html.contains("李&lt;b&gt;梅&lt;/b&gt;"),
        "input is escaped"
    );

    // A good form saves and redirects back.
    let id = jinguo_domain::resident_id::ResidentId::compose(
        110101,
        chrono::NaiveDate::from_ymd_opt(1985, 6, 1).unwrap(),
        124,
    );
    let form = [
        ("name", "李梅"),
        ("sex", "female"),
        ("birth_date", "1985-06-01"),
        ("id_number", id.as_str()),
        ("phone", "13987654321"),
        ("relationship", "spouse"),
        ("expected_version", version.as_str()),
        ("csrf", csrf.as_str()),
    ];
    // Without the form's token the post is refused.
    let forged: Vec<(&str, &str)> = form.iter().filter(|(k, _)| *k != "csrf").copied().collect();
    let r = c
        .post(format!("{}/households/{hid}/persons", srv.base))
        .form(&forged)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(format!("{}/households/{hid}/persons", srv.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = c
        .get(format!("{}/households/{hid}?added=1", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("李*") && html.contains("139****4321"));

    // A cross-site post is refused and writes nothing.
    let r = c
        .post(format!("{}/households/{hid}/persons", srv.base))
        .header("origin", "http://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c
        .post(format!("{}/households/{hid}/persons", srv.base))
        .header("sec-fetch-site", "cross-site")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);

    // Unknown pages are a localized 404.
    let r = c
        .get(format!(
            "{}/households/00000000-0000-0000-0000-000000000000",
            srv.base
        ))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("Not found"));
}

/// The emergency-access and consent forms, with their errors, through the pages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emergency_and_consent_forms() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    support::account(&s, "town", Role::Staff, "530181001").await;
    let srv = serve(s.clone()).await;
    let (cookie, _) = support::login(&srv.base, "town", support::PASSWORD).await;
    let mut h = reqwest::header::HeaderMap::new();
    h.insert("cookie", cookie.parse().unwrap());
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers(h)
        .build()
        .unwrap();
    let html = c
        .get(format!("{}/emergency", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::support::form_value(&html, "csrf");
    let staff = support::county_staff();
    let (far_group, _) = crate::storage::far_group(&s).await;
    let far = s
        .group_households(&staff, &far_group, 1)
        .await
        .unwrap()
        .lines[0]
        .clone();
    let r = c
        .get(format!("{}/households/{}", srv.base, far.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A place is no target, and a reason must say something: each refused field is named, and
    // what was typed stays in the form.
    let bad = [
        ("target", "530181002"),
        ("reason", "紧急"),
        ("minutes", "30"),
        ("csrf", csrf.as_str()),
    ];
    let r = c
        .post(format!("{}/emergency", srv.base))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("具体原因（至少10个字）"), "{html}");
    assert!(html.contains("value=\"530181002\""), "{html}");
    let good = [
        ("target", far.code.as_str()),
        ("reason", "受害人来电求助，需立即核实住址"),
        ("minutes", "30"),
        ("urgent", "1"),
        ("csrf", csrf.as_str()),
    ];
    let r = c
        .post(format!("{}/emergency", srv.base))
        .form(&good)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("紧急查看已生效"), "{html}");
    assert!(html.contains(&format!("/households/{}", far.id)), "{html}");
    let r = c
        .get(format!("{}/households/{}", srv.base, far.id))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // That household only: its subdistrict stays closed.
    let r = c
        .get(format!("{}/places/530181002", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    let person = s.household_view(&staff, hid).await.unwrap().persons[0]
        .id
        .to_string();
    let form = [
        ("person", person.as_str()),
        ("purpose", "share_departments"),
        ("basis", "consent"),
        ("guardian_name", ""),
        ("csrf", csrf.as_str()),
    ];
    let r = c
        .post(format!("{}/households/{hid}/consents", srv.base))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        s.has_consent(&staff, person.parse().unwrap(), "share_departments")
            .await
            .unwrap()
    );
    let html = c
        .get(format!("{}/households/{hid}?consented=1", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("已登记知情同意"));
}

/// Attacks get a clear refusal and change nothing: tampered cookies, SQL metacharacters,
/// oversized bodies and fields, forged tokens.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_are_refused() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let srv = serve(s.clone()).await;
    let c = client();
    let (cookie, csrf) = {
        support::account(&s, "anning", Role::Staff, "530181").await;
        support::login(&srv.base, "anning", support::PASSWORD).await
    };
    // A tampered session cookie is no session.
    let tampered = format!("{}x", cookie);
    let r = c
        .get(format!("{}/api/v1/home", srv.base))
        .header("cookie", &tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(format!("{}/places/530181", srv.base))
        .header("cookie", &tampered)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // SQL metacharacters in a login and in ids.
    let r = c
        .post(format!("{}/api/v1/session", srv.base))
        .json(&json!({"username": "anning' OR '1'='1' --", "password": "x' OR 1=1 --"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = c
        .get(format!(
            "{}/api/v1/households/1'%3B%20DROP%20TABLE%20household%3B--",
            srv.base
        ))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A forged bearer token.
    let r = c
        .get(format!("{}/api/v1/home", srv.base))
        .bearer_auth("jg_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // An oversized body is refused before anything reads it; an oversized field is named.
    let group = crate::storage::first_group(&s).await;
    let staff = support::county_staff();
    let hid = s.group_households(&staff, &group, 1).await.unwrap().lines[0].id;
    let huge = "芳".repeat(200_000);
    // The server answers before reading the whole body, so this connection is not used again.
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("connection", "close")
        .json(&json!({"name": huge, "sex": "female", "birth_date": "1990-01-01", "id_number": "x", "relationship": "other", "expected_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(
        (
            p["errors"][0]["field"].as_str(),
            p["errors"][0]["code"].as_str()
        ),
        (Some("body"), Some("too_long"))
    );
    let long = "芳".repeat(51);
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .header("accept-language", "en")
        .json(&json!({"name": long, "sex": "female", "birth_date": "1990-01-01", "id_number": "11010519491231002X", "relationship": "other", "expected_version": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "name");
    assert_eq!(p["errors"][0]["message"], "Name: is too long");
    // Nothing was written, and the log still verifies.
    let h = s.household_view(&staff, hid).await.unwrap();
    assert_eq!(h.household.version, 1);
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        jinguo_services::audit::Verification::Intact { .. }
    ));
}

/// Every page route has a row here: who may open it. A page added to the router without a row
/// fails this test.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_access_matrix() {
    // Routes as written in the router, also when a route spans several lines.
    let source = include_str!("../../crates/web/src/pages.rs")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let routes: std::collections::BTreeSet<&str> = source
        .split(".route(")
        .skip(1)
        .filter_map(|r| r.trim_start().strip_prefix('"')?.split('"').next())
        .collect();
    // (route, GET path, status for: anonymous, county staff, audit administrator with second factor)
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    let hid = s
        .group_households(&support::county_staff(), &group, 1)
        .await
        .unwrap()
        .lines[0]
        .id;
    let campaign = s.campaigns(&support::county_staff()).await.unwrap()[0].id;
    let dispute = s
        .disputes(&support::county_staff(), Some("530181"), false)
        .await
        .unwrap()[0]
        .id;
    let staff = support::county_staff();
    s.ensure_departments(&jinguo_services::Caller::operator(), "530181")
        .await
        .unwrap();
    let case_input: jinguo_domain::linkage::CaseInput = serde_json::from_value(serde_json::json!({
        "victim_name": "某女", "relationship": "丈夫", "violence": ["physical"],
        "severity": "minor", "source": "walk_in", "consent_to_share": true,
        "received_on": jinguo_services::clock::today().to_string(), "narrative": "推搡"}))
    .unwrap();
    let case = s
        .register_case(&staff, "530181", &case_input)
        .await
        .unwrap();
    let referral = s
        .refer(
            &staff,
            case,
            &serde_json::from_value(serde_json::json!({"department": "police",
                "requests": ["protection"], "basis": "consent"}))
            .unwrap(),
        )
        .await
        .unwrap()
        .id;
    s.ensure_registries(&jinguo_services::Caller::operator(), "530181")
        .await
        .unwrap();
    let person = s.household_view(&staff, hid).await.unwrap().persons[0].id;
    let entry = s
        .propose_entry(
            &staff,
            "530181",
            &serde_json::from_value(serde_json::json!({"person_id": person,
                "registry": "migrant_women", "criteria": "外出务工", "surveyed_by": "妇女代表",
                "next_review_on": jinguo_services::clock::today().to_string()}))
            .unwrap(),
        )
        .await
        .unwrap();
    let opinion_topic = match s
        .report_item(
            &staff,
            false,
            &jinguo_services::opinion::Incoming {
                title: "村民反映家暴".into(),
                place: Some("530181".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    {
        jinguo_services::opinion::Ingested::New { topic, .. } => topic,
        jinguo_services::opinion::Ingested::Duplicate => panic!("duplicate"),
    };
    let task = s
        .issue_task(
            &staff,
            "530181",
            &jinguo_domain::supervision::TaskInput {
                title: "会议部署督办".into(),
                source: "meeting".into(),
                lead_place: "530181001".into(),
                owner_name: "王主任".into(),
                issued_on: jinguo_services::clock::today().to_string(),
                deadline: (jinguo_services::clock::today() + chrono::Duration::days(9)).to_string(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let typical = s
        .propose_typical(
            &staff,
            "530181",
            &jinguo_domain::typical::ProposalInput {
                kind: "violence".into(),
                year: "2021".into(),
                title: "丈夫殴打妻子案".into(),
                source: "case".into(),
                source_id: Some(case),
                text: "某女遭丈夫推搡，妇联介入。".into(),
            },
        )
        .await
        .unwrap();
    let family = s
        .nominate_family(
            &staff,
            &jinguo_domain::family::NominationInput {
                place: "530181001001".into(),
                family_name: "张建国家庭".into(),
                nominated_by: "family".into(),
                deeds: "孝老爱亲".into(),
                year: "2021".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let chain = s
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
    let chain_run = s
        .attach_to_chain(&staff, chain, "case", Some(case))
        .await
        .unwrap();
    let volunteer = s
        .add_volunteer(
            &staff,
            &jinguo_domain::volunteer::VolunteerInput {
                place: "530181".into(),
                name: "王秀英".into(),
                skills: vec!["legal".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let training = s
        .record_training(
            &staff,
            &jinguo_domain::training::TrainingInput {
                place: "530181".into(),
                kind: "training".into(),
                mode: "online".into(),
                held_on: "2021-03-08".into(),
                venue: "线上".into(),
                topic: "家事调解实务".into(),
                trainer: "王法官".into(),
                hours: "2".into(),
                counted: "10".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let meeting = s
        .add_meeting(
            &staff,
            "530181",
            &jinguo_services::meetings::MeetingInput {
                met_on: jinguo_services::clock::today().to_string(),
                attendees: "主席".into(),
                conclusions: "持续关注".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let conference = s
        .plan_conference(
            &staff,
            "530181",
            &jinguo_domain::conference::ConferenceInput {
                conference_on: jinguo_services::clock::today().to_string(),
                invited: vec!["police".into()],
            },
        )
        .await
        .unwrap();
    let matrix: Vec<(&str, String, [u16; 3])> = vec![
        ("/care", "/care".into(), [303, 303, 403]),
        // Case conferences: the county's staff; a department's officers see their actions.
        ("/conferences", "/conferences".into(), [303, 303, 403]),
        (
            "/places/{code}/conferences",
            "/places/530181/conferences".into(),
            [303, 200, 403],
        ),
        (
            "/conferences/{id}",
            format!("/conferences/{conference}"),
            [303, 200, 404],
        ),
        (
            "/conferences/{id}/minutes.docx",
            format!("/conferences/{conference}/minutes.docx"),
            [303, 200, 404],
        ),
        (
            "/conferences/{id}/minutes.pdf",
            format!("/conferences/{conference}/minutes.pdf"),
            [303, 200, 404],
        ),
        (
            "/places/{code}/report",
            "/places/530181/report?year=2021".into(),
            [303, 200, 403],
        ),
        // The published figures: anyone.
        ("/figures", "/figures".into(), [200, 200, 200]),
        (
            "/figures/{code}",
            "/figures/530181?year=2021".into(),
            [200, 200, 200],
        ),
        (
            "/places/{code}/tables",
            "/places/530181/tables".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/tables/sign",
            "/places/530181/tables/sign".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/tables/send",
            "/places/530181/tables/send".into(),
            [405, 405, 405],
        ),
        // What the counties sent: a city's or province's staff (the county's is refused
        // naming the place).
        (
            "/places/{code}/tables/received",
            "/places/5301/tables/received".into(),
            [303, 422, 403],
        ),
        (
            "/places/{code}/report.docx",
            "/places/530181/report.docx?year=2021".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/report.pdf",
            "/places/530181/report.pdf?year=2021".into(),
            [303, 200, 403],
        ),
        (
            "/conferences/{id}/{step}",
            format!("/conferences/{conference}/held"),
            [405, 405, 405],
        ),
        ("/actions", "/actions".into(), [303, 403, 403]),
        (
            "/places/{code}/risk-questions",
            "/places/530181/risk-questions".into(),
            [303, 200, 403],
        ),
        (
            "/cases/{id}/address-confidential",
            format!("/cases/{case}/address-confidential"),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}/crime-report",
            format!("/disputes/{dispute}/crime-report"),
            [405, 405, 405],
        ),
        (
            "/actions/{id}/done",
            format!("/actions/{conference}/done"),
            [405, 405, 405],
        ),
        // Supervision and the hotline log: federation staff; the audit administrator none.
        ("/supervision", "/supervision".into(), [303, 200, 403]),
        (
            "/supervision/new",
            "/supervision/new".into(),
            [303, 200, 403],
        ),
        (
            "/supervision/{id}",
            format!("/supervision/{task}"),
            [303, 200, 403],
        ),
        (
            "/supervision/{id}/steps",
            format!("/supervision/{task}/steps"),
            [405, 405, 405],
        ),
        ("/hotline", "/hotline".into(), [303, 200, 403]),
        (
            "/hotline/{id}/callback",
            format!("/hotline/{task}/callback"),
            [405, 405, 405],
        ),
        // Typical cases: the library for federation staff; the public ones for anyone.
        ("/typical-cases", "/typical-cases".into(), [303, 200, 403]),
        (
            "/typical-cases/{id}",
            format!("/typical-cases/{typical}"),
            [303, 200, 403],
        ),
        (
            "/typical-cases/{id}/steps",
            format!("/typical-cases/{typical}/steps"),
            [405, 405, 405],
        ),
        ("/typical", "/typical".into(), [200, 200, 200]),
        (
            "/typical/{id}",
            format!("/typical/{typical}"),
            [404, 404, 404],
        ),
        // Most-beautiful families: the staff's pages; the public page for anyone.
        ("/family-awards", "/family-awards".into(), [303, 200, 403]),
        (
            "/family-awards/voting",
            "/family-awards/voting".into(),
            [405, 405, 405],
        ),
        (
            "/family-awards/{id}",
            format!("/family-awards/{family}"),
            [303, 200, 403],
        ),
        (
            "/family-awards/{id}/steps",
            format!("/family-awards/{family}/steps"),
            [405, 405, 405],
        ),
        ("/family-events", "/family-events".into(), [303, 200, 403]),
        ("/families", "/families".into(), [200, 200, 200]),
        (
            "/families/{id}",
            format!("/families/{family}"),
            [404, 404, 404],
        ),
        (
            "/families/{id}/objections",
            format!("/families/{family}/objections"),
            [405, 405, 405],
        ),
        (
            "/families/{id}/vote",
            format!("/families/{family}/vote"),
            [405, 405, 405],
        ),
        // The "1+N+1+1" chains: federation staff (and a step's department).
        ("/chains", "/chains".into(), [303, 200, 403]),
        ("/chains/{id}", format!("/chains/{chain}"), [303, 200, 403]),
        (
            "/chains/{id}/runs",
            format!("/chains/{chain}/runs"),
            [405, 405, 405],
        ),
        (
            "/chain-runs/{id}",
            format!("/chain-runs/{chain_run}"),
            [303, 200, 403],
        ),
        (
            "/chain-runs/{id}/steps",
            format!("/chain-runs/{chain_run}/steps"),
            [405, 405, 405],
        ),
        // Volunteers and training: federation staff.
        ("/volunteers", "/volunteers".into(), [303, 200, 403]),
        (
            "/volunteers/{id}",
            format!("/volunteers/{volunteer}"),
            [303, 200, 403],
        ),
        (
            "/volunteers/{id}/services",
            format!("/volunteers/{volunteer}/services"),
            [405, 405, 405],
        ),
        ("/trainings", "/trainings".into(), [303, 200, 403]),
        (
            "/trainings/{id}",
            format!("/trainings/{training}"),
            [303, 200, 403],
        ),
        (
            "/trainings/{id}/materials",
            format!("/trainings/{training}/materials"),
            [405, 405, 405],
        ),
        (
            "/trainings/{id}/materials/{material}",
            format!("/trainings/{training}/materials/{training}"),
            [303, 404, 403],
        ),
        (
            "/members/{id}/trainings",
            format!("/members/{training}/trainings"),
            [303, 404, 403],
        ),
        // The public page of micro-wishes needs no account.
        ("/wishes", "/wishes".into(), [200, 200, 200]),
        (
            "/wishes/{id}/claim",
            format!("/wishes/{entry}/claim"),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care/wishes",
            "/places/530181/care/wishes".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care/events",
            "/places/530181/care/events".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care/wishes/{id}/steps",
            format!("/places/530181/care/wishes/{entry}/steps"),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care",
            "/places/530181/care".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/care/entries",
            "/places/530181/care/entries".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care/registries",
            "/places/530181/care/registries".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/care/services",
            "/places/530181/care/services".into(),
            [405, 405, 405],
        ),
        (
            "/registry-entries/{id}",
            format!("/registry-entries/{entry}"),
            [303, 200, 404],
        ),
        (
            "/registry-entries/{id}/steps",
            format!("/registry-entries/{entry}/steps"),
            [405, 405, 405],
        ),
        ("/cases", "/cases".into(), [303, 303, 403]),
        (
            "/places/{code}/cases",
            "/places/530181/cases".into(),
            [303, 200, 403],
        ),
        ("/cases/{id}", format!("/cases/{case}"), [303, 200, 404]),
        (
            "/cases/{id}/referrals",
            format!("/cases/{case}/referrals"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/instruments",
            format!("/cases/{case}/instruments"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/instruments/{instrument}/events",
            format!("/cases/{case}/instruments/{case}/events"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/close",
            format!("/cases/{case}/close"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/assessments",
            format!("/cases/{case}/assessments"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/evidence",
            format!("/cases/{case}/evidence"),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/evidence/{evidence}",
            format!("/cases/{case}/evidence/{case}"),
            [303, 403, 404],
        ),
        // Only a department's officers have referrals of their own.
        ("/referrals", "/referrals".into(), [303, 403, 403]),
        (
            "/referrals/{id}",
            format!("/referrals/{referral}"),
            [303, 200, 404],
        ),
        (
            "/referrals/{id}/{step}",
            format!("/referrals/{referral}/acknowledge"),
            [405, 405, 405],
        ),
        ("/inbox", "/inbox".into(), [303, 200, 200]),
        // Public opinion: the county's staff (its chair) sees the desk and its topics; the
        // audit administrator has no part in it.
        ("/opinion", "/opinion".into(), [303, 200, 403]),
        ("/opinion/report", "/opinion/report".into(), [303, 200, 403]),
        (
            "/opinion/topics/{id}",
            format!("/opinion/topics/{opinion_topic}"),
            [303, 200, 403],
        ),
        (
            "/opinion/topics/{id}/steps",
            format!("/opinion/topics/{opinion_topic}/steps"),
            [405, 405, 405],
        ),
        (
            "/opinion/meetings",
            "/opinion/meetings".into(),
            [303, 200, 403],
        ),
        (
            "/opinion/meetings/{id}",
            format!("/opinion/meetings/{meeting}"),
            [303, 200, 403],
        ),
        (
            "/opinion/meetings/{id}/tasks/{task}/done",
            format!("/opinion/meetings/{meeting}/tasks/{meeting}/done"),
            [405, 405, 405],
        ),
        (
            "/opinion/figures",
            "/opinion/figures".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/opinion-categories",
            "/places/530181/opinion-categories".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/opinion-categories/{key}",
            "/places/530181/opinion-categories/other".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/opinion-categories/{key}/retire",
            "/places/530181/opinion-categories/other/retire".into(),
            [405, 405, 405],
        ),
        ("/outbox", "/outbox".into(), [303, 200, 403]),
        (
            "/inbox/{id}/open",
            format!("/inbox/{case}/open"),
            [405, 405, 405],
        ),
        (
            "/places/{code}/linkage",
            "/places/530181/linkage".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/departments",
            "/places/530181/departments".into(),
            [303, 200, 403],
        ),
        (
            "/places/{code}/departments/{key}",
            "/places/530181/departments/police".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/disputes",
            "/places/530181/disputes".into(),
            [303, 200, 403],
        ),
        ("/disputes", "/disputes".into(), [303, 303, 404]),
        (
            "/places/{code}/mediators",
            "/places/530181/mediators".into(),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}",
            format!("/disputes/{dispute}"),
            [303, 200, 404],
        ),
        (
            "/disputes/{id}/steps",
            format!("/disputes/{dispute}/steps"),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}/sessions",
            format!("/disputes/{dispute}/sessions"),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}/agreement",
            format!("/disputes/{dispute}/agreement"),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}/agreement.docx",
            format!("/disputes/{dispute}/agreement.docx"),
            [303, 403, 404],
        ),
        (
            "/disputes/{id}/agreement.pdf",
            format!("/disputes/{dispute}/agreement.pdf"),
            [303, 403, 404],
        ),
        (
            "/disputes/{id}/terms/{seq}/performed",
            format!("/disputes/{dispute}/terms/1/performed"),
            [405, 405, 405],
        ),
        (
            "/disputes/{id}/confirmation",
            format!("/disputes/{dispute}/confirmation"),
            [405, 405, 405],
        ),
        // Staff open their place; the audit administrator, with no place tree, her landing page.
        ("/", "/".into(), [303, 303, 200]),
        ("/places/{code}", "/places/530181".into(), [303, 200, 404]),
        (
            "/households/{id}",
            format!("/households/{hid}"),
            [303, 200, 404],
        ),
        (
            "/households/{id}/persons",
            format!("/households/{hid}/persons"),
            [405, 405, 405],
        ),
        (
            "/households/search",
            "/households/search".into(),
            [405, 405, 405],
        ),
        ("/persons/search", "/persons/search".into(), [303, 200, 403]),
        (
            "/households/{id}/reveal",
            format!("/households/{hid}/reveal"),
            [405, 405, 405],
        ),
        (
            "/households/{id}/consents",
            format!("/households/{hid}/consents"),
            [405, 405, 405],
        ),
        ("/login", "/login".into(), [200, 200, 200]),
        ("/logout", "/logout".into(), [405, 405, 405]),
        (
            "/account/password",
            "/account/password".into(),
            [303, 200, 200],
        ),
        ("/login/totp", "/login/totp".into(), [303, 200, 200]),
        ("/audit", "/audit".into(), [303, 403, 200]),
        (
            "/audit/export",
            "/audit/export?format=csv".into(),
            [303, 403, 200],
        ),
        (
            "/disputes/{id}/agreement/draft",
            format!("/disputes/{dispute}/agreement/draft"),
            [405, 405, 405],
        ),
        ("/admin", "/admin".into(), [303, 403, 403]),
        ("/admin/accounts", "/admin/accounts".into(), [405, 405, 405]),
        ("/admin/grants", "/admin/grants".into(), [405, 405, 405]),
        ("/emergency", "/emergency".into(), [303, 200, 403]),
        (
            "/emergency/{id}/decision",
            format!("/emergency/{}/decision", uuid::Uuid::now_v7()),
            [405, 405, 405],
        ),
        (
            "/emergency/{id}/review",
            format!("/emergency/{}/review", uuid::Uuid::now_v7()),
            [405, 405, 405],
        ),
        (
            "/emergency/{id}/end",
            format!("/emergency/{}/end", uuid::Uuid::now_v7()),
            [405, 405, 405],
        ),
        (
            "/admin/grants/revoke",
            "/admin/grants/revoke".into(),
            [405, 405, 405],
        ),
        ("/tokens", "/tokens".into(), [303, 200, 200]),
        (
            "/cases/{id}/consents",
            format!("/cases/{}/consents", uuid::Uuid::now_v7()),
            [405, 405, 405],
        ),
        (
            "/cases/{id}/consents/{consent}/withdraw",
            format!(
                "/cases/{}/consents/{}/withdraw",
                uuid::Uuid::now_v7(),
                uuid::Uuid::now_v7()
            ),
            [405, 405, 405],
        ),
        ("/exports", "/exports".into(), [405, 405, 405]),
        ("/tokens/revoke", "/tokens/revoke".into(), [405, 405, 405]),
        (
            "/places/{code}/coverage",
            "/places/530181/coverage".into(),
            [303, 200, 404],
        ),
        (
            "/members/{id}/leave",
            format!("/members/{hid}/leave"),
            [405, 405, 405],
        ),
        ("/campaigns", "/campaigns".into(), [303, 200, 200]),
        (
            "/campaigns/{id}",
            format!("/campaigns/{campaign}"),
            [303, 200, 404],
        ),
        (
            "/campaigns/{id}/households",
            format!("/campaigns/{campaign}/households"),
            [303, 200, 404],
        ),
        (
            "/households/{id}/visits",
            format!("/households/{hid}/visits"),
            [405, 405, 405],
        ),
        ("/imports", "/imports".into(), [303, 200, 403]),
        (
            "/imports/confirm",
            "/imports/confirm".into(),
            [405, 405, 405],
        ),
        (
            "/members/{id}/handover",
            format!("/members/{hid}/handover"),
            [405, 405, 405],
        ),
        (
            "/places/{code}/assign",
            "/places/530181/assign".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/balance",
            "/places/530181/balance".into(),
            [405, 405, 405],
        ),
        (
            "/places/{code}/federation",
            "/places/530181/federation".into(),
            [303, 200, 404],
        ),
        (
            "/places/{code}/members",
            "/places/530181/members".into(),
            [405, 405, 405],
        ),
        ("/admin/members", "/admin/members".into(), [405, 405, 405]),
        ("/lang", "/lang?to=en".into(), [303, 303, 303]),
        ("/static/app.css", "/static/app.css".into(), [200, 200, 200]),
        ("/static/app.js", "/static/app.js".into(), [200, 200, 200]),
        (
            "/static/offline.js",
            "/static/offline.js".into(),
            [200, 200, 200],
        ),
        ("/sw.js", "/sw.js".into(), [200, 200, 200]),
        (
            "/static/icon.svg",
            "/static/icon.svg".into(),
            [200, 200, 200],
        ),
        // The household page a representative's phone keeps for offline use: hers alone.
        (
            "/offline/household",
            "/offline/household".into(),
            [303, 404, 404],
        ),
        (
            "/manifest.webmanifest",
            "/manifest.webmanifest".into(),
            [200, 200, 200],
        ),
    ];
    let covered: std::collections::BTreeSet<&str> = matrix.iter().map(|m| m.0).collect();
    let missing: Vec<_> = routes.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "page routes without a row in the access matrix: {missing:?}"
    );

    support::account(&s, "anning", Role::Staff, "530181").await;
    support::account(&s, "auditor", Role::AuditAdmin, "530181").await;
    let srv = serve(s.clone()).await;
    let (staff, _) = support::login(&srv.base, "anning", support::PASSWORD).await;
    let auditor = support::session(&s, "auditor", true).await.cookie;
    let c = client();
    let mut wrong = Vec::new();
    for (route, path, expect) in &matrix {
        for (i, cookie) in [None, Some(&staff), Some(&auditor)].into_iter().enumerate() {
            let mut rq = c.get(format!("{}{path}", srv.base));
            if let Some(k) = cookie {
                rq = rq.header("cookie", k.as_str());
            }
            let status = rq.send().await.unwrap().status().as_u16();
            if status != expect[i] {
                wrong.push(format!("{route} as #{i}: {status}, expected {}", expect[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The system administrator links a representative's account to her member record on the
/// administration page; a bad id is named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_links_a_member() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = crate::storage::first_group(&s).await;
    let member = s
        .coverage_members(&support::county_staff(), &group)
        .await
        .unwrap()[0]
        .id;
    support::account(&s, "sys", Role::SystemAdmin, "530181").await;
    support::account(&s, "rep", Role::Representative, &group).await;
    let sess = support::session(&s, "sys", true).await;
    let srv = serve(s.clone()).await;
    let post = |member: String| {
        client()
            .post(format!("{}/admin/members", srv.base))
            .header("cookie", &sess.cookie)
            .header("accept-language", "en")
            .form(&[
                ("csrf", sess.csrf.as_str()),
                ("username", "rep"),
                ("member", member.as_str()),
            ])
            .send()
    };
    let bad = post("not-an-id".into()).await.unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().await.unwrap().contains("Member: is not valid"));
    let ok = post(member.to_string()).await.unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(ok.text().await.unwrap().contains("Linked."));
    let new = s
        .login("rep", support::PASSWORD, "127.0.0.1")
        .await
        .unwrap();
    let rep = s
        .caller_from_session(&new.token, "127.0.0.1")
        .await
        .unwrap();
    assert_eq!(rep.members, vec![member]);
}

/// A database that refuses writes (read-only, or a full disk): a write gets 503 with a clear,
/// localized message and changes nothing; reading goes on; once the database takes writes
/// again, the same write succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_refusing_writes_keeps_serving_reads() {
    let (t, s) = with_small_demo(Backend::Sqlite).await;
    let srv = serve(s.clone()).await;
    let c = staff_client(&s, &srv.base).await;
    let (_, hid) = support::first_household(&s).await;
    let view = s
        .household_view(&support::county_staff(), hid)
        .await
        .unwrap();
    let person = support::new_person(view.household.version);
    let jinguo_storage::Db::Sqlite(lite) = &t.db else {
        unreachable!()
    };
    let set = |on: bool| {
        sqlx::query(if on {
            "PRAGMA query_only = ON"
        } else {
            "PRAGMA query_only = OFF"
        })
        .execute(&lite.write)
    };
    set(true).await.unwrap();
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .header("accept-language", "en")
        .json(&person)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "unavailable");
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("nothing was written"),
        "{body}"
    );
    let r = c
        .get(format!("{}/api/v1/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    set(false).await.unwrap();
    let after = s
        .household_view(&support::county_staff(), hid)
        .await
        .unwrap();
    assert_eq!(
        after.persons.len(),
        view.persons.len(),
        "nothing half-written"
    );
    let r = c
        .post(format!("{}/api/v1/households/{hid}/persons", srv.base))
        .json(&person)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

/// Staff find a household from the place page by a resident's ID number: taken to the household;
/// a number that is not valid names the field; a valid number of nobody here is "not found"; each
/// search is audited, and the number is not in the audit log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_find_a_household_by_id_number() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let srv = serve(s.clone()).await;
    let c = staff_client(&s, &srv.base).await;
    let (_, hid) = support::first_household(&s).await;
    let id_number = s
        .household_reveal(&support::county_staff(), hid, "查找测试")
        .await
        .unwrap()
        .persons[0]
        .id_number
        .clone();
    let html = c
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("按身份证号查找户"));
    let csrf = crate::support::form_value(&html, "csrf");
    let find = |n: String| {
        let (c, base, csrf) = (c.clone(), srv.base.clone(), csrf.clone());
        async move {
            c.post(format!("{base}/households/search"))
                .form(&[("id_number", n.as_str()), ("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap()
        }
    };
    let r = find(id_number.clone()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"],
        format!("/households/{hid}").as_str()
    );
    let r = find("530181199001011234".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("公民身份号码"));
    let nobody = jinguo_domain::resident_id::ResidentId::compose(
        110101,
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(),
        8,
    );
    let r = find(nobody.as_str().to_string()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The API answers the same.
    let r = c
        .post(format!("{}/api/v1/households/search", srv.base))
        .json(&serde_json::json!({"id_number": id_number}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["id"], hid.to_string());
    let log = s
        .search_audit(
            &jinguo_services::Caller::operator(),
            &jinguo_services::audit::AuditQuery {
                action: Some("household.search".into()),
                limit: 10,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        log.len(),
        3,
        "found, not found, found (the refused number is not searched)"
    );
    let text = format!("{log:?}");
    assert!(!text.contains(&id_number) && !text.contains(nobody.as_str()));
}

/// A real full disk (a tmpfs of its own, filled to the last byte): every write answers 503 with a
/// message that nothing was written, or succeeds whole; reads go on; once space is freed the
/// refused submission goes through; the database is sound and the audit chain intact.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_writes_cleanly() {
    let root = std::env::var("JINGUO_TEST_FULL_DIR").expect(
        "JINGUO_TEST_FULL_DIR is not set: run the tests with scripts/test, which mounts a small tmpfs",
    );
    let dir = tempfile::tempdir_in(&root).unwrap();
    let url = format!("sqlite://{}", dir.path().join("jinguo.sqlite3").display());
    let db = jinguo_storage::Db::connect(&url).await.unwrap();
    db.migrate().await.unwrap();
    let s = support::services(&db);
    s.ensure_demo_shaped(7, support::SMALL).await.unwrap();
    let today = jinguo_services::clock::today();
    let campaign = support::campaign_today(&s, &support::county_staff(), "满盘测试").await;
    let srv = serve(s.clone()).await;
    let c = staff_client(&s, &srv.base).await;
    let jinguo_storage::Db::Sqlite(lite) = &db else {
        unreachable!()
    };
    let households: Vec<(uuid::Uuid,)> = sqlx::query_as("SELECT id FROM household LIMIT 200")
        .fetch_all(&lite.read)
        .await
        .unwrap();
    // The write-ahead log emptied, so that the next writes must take new space; then the disk
    // filled to the last byte.
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&lite.write)
        .await
        .unwrap();
    let filler = dir.path().join("filler");
    {
        use std::io::Write;
        let mut f = std::fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        let mut small = vec![0u8; 512];
        loop {
            if f.write_all(&chunk).is_err() {
                break;
            }
        }
        while f.write_all(&small).is_ok() {}
        small.truncate(1);
        while f.write_all(&small).is_ok() {}
        let _ = f.sync_all();
    }
    let note = "夜间争吵".repeat(250);
    let send = |i: usize| {
        let (c, base, note) = (c.clone(), srv.base.clone(), note.clone());
        let h = households[i].0;
        async move {
            c.post(format!(
                "{base}/api/v1/campaigns/{campaign}/households/{h}/visits"
            ))
            .header("accept-language", "en")
            .json(
                &json!({"visited_on": today.to_string(), "risk": "none", "note": note,
                "request_key": format!("full-disk-{i:08}")}),
            )
            .send()
            .await
            .unwrap()
        }
    };
    let mut recorded = 0;
    let mut refused = None;
    for i in 0..households.len() {
        let r = send(i).await;
        match r.status() {
            StatusCode::CREATED => recorded += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                let body: Value = r.json().await.unwrap();
                assert_eq!(body["code"], "unavailable", "{body}");
                assert!(
                    body["detail"]
                        .as_str()
                        .unwrap()
                        .contains("nothing was written"),
                    "{body}"
                );
                refused = Some(i);
                break;
            }
            other => panic!("visit {i}: {other} {}", r.text().await.unwrap()),
        }
    }
    let refused = refused.expect("the full disk never refused a write");
    eprintln!("{recorded} visits recorded before the disk was full");
    // Reads go on.
    let r = c
        .get(format!("{}/api/v1/places/530181", srv.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Space freed: the refused submission goes through, as new.
    std::fs::remove_file(&filler).unwrap();
    let r = send(refused).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let (visits,): (i64,) = sqlx::query_as("SELECT count(*) FROM visit WHERE campaign_id = $1")
        .bind(campaign)
        .fetch_one(&lite.read)
        .await
        .unwrap();
    assert_eq!(visits, recorded + 1, "nothing half-written");
    let (integrity, orphans) = jinguo_storage::maintenance::sqlite_checks(&db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((integrity.as_str(), orphans), ("ok", 0));
    assert!(matches!(
        s.verify_audit().await.unwrap(),
        jinguo_services::audit::Verification::Intact { .. }
    ));
}

/// Staff find persons by name from a page of their own: surname and given name give the person,
/// masked, with a link to her household; the surname alone gives more; nothing given names the
/// surname field and keeps what was typed; the search is audited without the name; English too.
async fn staff_find_persons_by_name(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let srv = serve(s.clone()).await;
    let c = staff_client(&s, &srv.base).await;
    let (_, hid) = support::first_household(&s).await;
    let view = s
        .household_reveal(&support::county_staff(), hid, "姓名查找测试")
        .await
        .unwrap();
    let name = view.persons[0].name.clone();
    let (surname, given) = jinguo_domain::person::split_name(&name);
    let place = c
        .get(format!("{}/places/530181", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(place.contains("href=\"/persons/search\""), "{place}");
    let form = c
        .get(format!("{}/persons/search", srv.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::support::form_value(&form, "csrf");
    let find = |surname: String, given: String| {
        let (c, base, csrf) = (c.clone(), srv.base.clone(), csrf.clone());
        async move {
            c.post(format!("{base}/persons/search"))
                .form(&[
                    ("surname", surname.as_str()),
                    ("given_name", given.as_str()),
                    ("csrf", csrf.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let r = find(surname.into(), given.into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("/households/{hid}")), "{html}");
    assert!(html.contains(&jinguo_domain::mask::name(&name)), "{html}");
    assert!(!html.contains(&name), "the name is shown masked");
    let rows = |h: &str| h.matches("<tr><td>").count();
    let r = find(surname.into(), String::new()).await;
    let more = r.text().await.unwrap();
    assert!(rows(&more) > rows(&html), "{more}");
    // Nobody of that name.
    let r = find(surname.into(), "无此人".into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("name-search-none"));
    // Nothing given: refused on the surname, the given name kept.
    let r = find(String::new(), "保留".into()).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("href=\"#f-surname\""), "{html}");
    assert!(html.contains("姓：必填"), "{html}");
    assert!(html.contains("value=\"保留\""), "{html}");
    // In English.
    let r = c
        .post(format!("{}/persons/search", srv.base))
        .header("accept-language", "en")
        .form(&[("surname", ""), ("given_name", ""), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(html.contains("Find a person by name"), "{html}");
    assert!(html.contains("Surname: "), "{html}");
    // Audited, without the name.
    let log = s
        .search_audit(
            &jinguo_services::Caller::operator(),
            &jinguo_services::audit::AuditQuery {
                action: Some("person.search".into()),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(log.len() >= 3, "{log:?}");
    assert!(log.iter().all(|e| !format!("{e:?}").contains(&name)));
}
both_backends!(
    staff_find_persons_by_name_on_a_page,
    super::staff_find_persons_by_name
);
