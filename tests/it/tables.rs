//! Statistical tables for the level above, on both databases: a county's staff define tables
//! (an unknown figure refused naming `columns`), count them over a period by subdistrict,
//! sign them off and send them; a table changed after the sign-off needs a new one; the city's
//! federation sees the tables its counties sent and their sum, suppressed so that no small count
//! can be worked out; another county's staff, a township's, a village's, a representative and
//! the city for a county's sign-off are refused. Over HTTP: the pages, the API and the workbook.

use crate::access::query;
use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::period::Period;
use jinguo_domain::report::TableInput;
use jinguo_domain::suppress::{Shown, Suppressed};
use jinguo_services::{ServiceError, Services};
use jinguo_storage::{Backend, StorageError, db_tx};

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

fn table(name: &str, columns: &str) -> TableInput {
    TableInput {
        name: name.into(),
        columns: columns.into(),
    }
}

/// No count from 1 to 4 is shown, and no hidden cell can be worked out from the totals.
fn safe(t: &Suppressed) {
    let (rows, cols) = (t.cells.len(), t.column_totals.len());
    let mut flat = Vec::new();
    for (i, row) in t.cells.iter().enumerate() {
        flat.extend(row.iter().copied());
        flat.push(t.row_totals[i]);
    }
    flat.extend(t.column_totals.iter().copied());
    flat.push(t.total);
    for c in &flat {
        if let Shown::Count(n) = c {
            assert!(*n == 0 || *n >= 5, "{n} shown");
        }
    }
    let shown: Vec<Option<i64>> = flat.iter().map(|c| c.count()).collect();
    let small: Vec<bool> = flat.iter().map(|c| *c == Shown::Small).collect();
    let bounds = jinguo_domain::suppress::bounds(rows, cols, &shown, &small, 5);
    for (i, (lo, hi)) in bounds.iter().enumerate() {
        if shown[i].is_none() {
            assert_ne!(Some(*lo), *hi, "cell {i} recovered from the totals");
        }
    }
}

/// A second county of the city (西山区) with one subdistrict, for its own staff.
async fn second_county(s: &Services) {
    use jinguo_domain::place::PlaceCode;
    let rows = vec![
        jinguo_services::places::new_place(&PlaceCode::parse("530112").unwrap(), "西山区"),
        jinguo_services::places::new_place(&PlaceCode::parse("530112001").unwrap(), "金碧街道"),
    ];
    let r: Result<u64, StorageError> =
        async { db_tx!(&s.db, tx => jinguo_storage::place::upsert(tx, &rows).await) }.await;
    r.unwrap();
}

async fn the_tables(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    second_county(&s).await;
    support::account(&s, "t-county", Role::Staff, "530181").await;
    let staff = support::caller_of(&s, "t-county", support::PASSWORD).await;
    let y2021 = Period::year(2021).unwrap();

    // Defining: an unknown figure and an empty name are refused, naming their fields.
    let e = s
        .save_stat_table(&staff, "530181", None, &table("", "screened,divorces"))
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![
            ("name".into(), "required".into()),
            ("columns".into(), "report.unknown_figure".into())
        ]
    );
    assert!(s.stat_tables(&staff, "530181").await.unwrap().is_empty());
    // Nothing to sign off yet.
    let e = s
        .sign_stat_tables(&staff, "530181", y2021)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("tables".into(), "report.no_tables".into())]
    );
    let id = s
        .save_stat_table(
            &staff,
            "530181",
            None,
            &table("排查与调解", "screened, medium_risks, disputes, agreed"),
        )
        .await
        .unwrap();
    let defs = s.stat_tables(&staff, "530181").await.unwrap();
    assert_eq!(defs.len(), 1);
    assert_eq!(defs[0].columns.len(), 4);

    // Counted by subdistrict: the rows add up to the county's figures of the annual report.
    let v = s.county_tables(&staff, "530181", y2021).await.unwrap();
    assert!(v.sign_off.is_none());
    let counted = &v.counted[0];
    assert_eq!(counted.rows.len(), 9);
    assert_eq!(counted.sums(), vec![240, 3, 3, counted.sums()[3]]);
    let shown = counted.shown(v.threshold);
    safe(&shown);
    assert_eq!(shown.column_totals[0], Shown::Count(240));
    assert_ne!(shown.column_totals[2], Shown::Count(3));

    // Sending before the sign-off is refused; signed, it names the person and the time.
    let e = s
        .send_stat_tables(&staff, "530181", y2021)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("tables".into(), "report.not_signed".into())]
    );
    s.sign_stat_tables(&staff, "530181", y2021).await.unwrap();
    let v = s.county_tables(&staff, "530181", y2021).await.unwrap();
    let so = v.sign_off.clone().unwrap();
    assert_eq!(so.signed_by, "t-county");
    assert!(so.signed_ms > 0 && !so.stale && so.sent_ms.is_none());

    // A table changed after the sign-off: sending needs a new one.
    s.save_stat_table(
        &staff,
        "530181",
        Some((id, 1)),
        &table("排查与调解", "screened,disputes,agreed"),
    )
    .await
    .unwrap();
    // Changed by someone else meanwhile: refused.
    assert!(matches!(
        s.save_stat_table(&staff, "530181", Some((id, 1)), &table("x", "screened"))
            .await,
        Err(ServiceError::Conflict)
    ));
    assert!(
        s.county_tables(&staff, "530181", y2021)
            .await
            .unwrap()
            .sign_off
            .unwrap()
            .stale
    );
    let e = s
        .send_stat_tables(&staff, "530181", y2021)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("tables".into(), "report.sign_again".into())]
    );
    s.sign_stat_tables(&staff, "530181", y2021).await.unwrap();
    // Not sent yet: the city sees nothing of it.
    support::account(&s, "t-city", Role::Staff, "5301").await;
    let city = support::caller_of(&s, "t-city", support::PASSWORD).await;
    assert!(
        s.received_tables(&city, "5301", y2021)
            .await
            .unwrap()
            .tables
            .is_empty()
    );
    s.send_stat_tables(&staff, "530181", y2021).await.unwrap();
    let e = s
        .send_stat_tables(&staff, "530181", y2021)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("period".into(), "report.already_sent".into())]
    );
    let e = s
        .sign_stat_tables(&staff, "530181", y2021)
        .await
        .unwrap_err();
    assert_eq!(
        fields(&e),
        vec![("period".into(), "report.already_sent".into())]
    );

    // The other county sends the same table.
    support::account(&s, "t-other", Role::Staff, "530112").await;
    let other = support::caller_of(&s, "t-other", support::PASSWORD).await;
    s.save_stat_table(
        &other,
        "530112",
        None,
        &table("排查与调解", "screened,disputes,agreed"),
    )
    .await
    .unwrap();
    s.sign_stat_tables(&other, "530112", y2021).await.unwrap();
    s.send_stat_tables(&other, "530112", y2021).await.unwrap();

    // The city: a row per county and their sum, suppressed.
    let r = s.received_tables(&city, "5301", y2021).await.unwrap();
    assert_eq!(r.tables.len(), 1);
    let t = &r.tables[0];
    let codes: Vec<&str> = t.counties.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["530112", "530181"]);
    assert_eq!(t.counties[1].signed_by, "t-county");
    assert_eq!(t.shown.column_totals[0], Shown::Count(240));
    safe(&t.shown);
    // The province above sees them too.
    support::account(&s, "t-province", Role::Staff, "53").await;
    let province = support::caller_of(&s, "t-province", support::PASSWORD).await;
    assert_eq!(
        s.received_tables(&province, "53", y2021)
            .await
            .unwrap()
            .tables[0]
            .counties
            .len(),
        2
    );
    // Another period: nothing.
    assert!(
        s.received_tables(&city, "5301", Period::year(2020).unwrap())
            .await
            .unwrap()
            .tables
            .is_empty()
    );

    // Refused: another county's staff, the city for the county's own sign-off, a township's
    // and a village's staff (naming the place); a representative (forbidden).
    let outside = vec![("place".to_string(), "report.outside".to_string())];
    for who in [&other, &city] {
        assert_eq!(
            fields(&s.stat_tables(who, "530181").await.unwrap_err()),
            outside
        );
        assert_eq!(
            fields(
                &s.save_stat_table(who, "530181", None, &table("x", "screened"))
                    .await
                    .unwrap_err()
            ),
            outside
        );
        assert_eq!(
            fields(&s.county_tables(who, "530181", y2021).await.unwrap_err()),
            outside
        );
        assert_eq!(
            fields(&s.delete_stat_table(who, "530181", id).await.unwrap_err()),
            outside
        );
    }
    let towns = jinguo_storage::place::children(&s.db, "530181")
        .await
        .unwrap();
    let villages = jinguo_storage::place::children(&s.db, &towns[0].code)
        .await
        .unwrap();
    support::account(&s, "t-town", Role::Staff, &towns[0].code).await;
    support::account(&s, "t-village", Role::Staff, &villages[0].code).await;
    support::account(&s, "t-rep", Role::Representative, &villages[0].code).await;
    for name in ["t-town", "t-village"] {
        let c = support::caller_of(&s, name, support::PASSWORD).await;
        assert_eq!(
            fields(&s.sign_stat_tables(&c, "530181", y2021).await.unwrap_err()),
            outside
        );
        assert_eq!(
            fields(&s.received_tables(&c, "5301", y2021).await.unwrap_err()),
            outside
        );
        // Her own place is no county.
        let own = if name == "t-town" {
            &towns[0].code
        } else {
            &villages[0].code
        };
        assert_eq!(
            fields(&s.stat_tables(&c, own).await.unwrap_err()),
            vec![("place".into(), "report.not_county".into())]
        );
    }
    let rep = support::caller_of(&s, "t-rep", support::PASSWORD).await;
    assert!(matches!(
        s.stat_tables(&rep, "530181").await,
        Err(ServiceError::Forbidden)
    ));
    // A county reads no county's returns; the city not the province's.
    assert_eq!(
        fields(
            &s.received_tables(&staff, "530181", y2021)
                .await
                .unwrap_err()
        ),
        vec![("place".into(), "report.not_above".into())]
    );
    assert_eq!(
        fields(&s.received_tables(&city, "53", y2021).await.unwrap_err()),
        outside
    );
    assert_eq!(
        fields(&s.received_tables(&other, "5301", y2021).await.unwrap_err()),
        outside
    );

    // Every step is on the audit log.
    let actions: Vec<(String,)> = query(
        &s.db,
        "SELECT action FROM audit WHERE action LIKE 'stat_%' ORDER BY action",
    )
    .await;
    let count = |a: &str| actions.iter().filter(|x| x.0 == a).count();
    assert_eq!(count("stat_table.save"), 3);
    assert_eq!(count("stat_return.sign"), 3);
    assert_eq!(count("stat_return.send"), 2);
    assert!(count("stat_return.read") >= 3);

    // The public figures: a complete year, counts of people never below the threshold.
    let f = s.public_figures("530181", Some(2021)).await.unwrap();
    let line = |k: jinguo_domain::report::Figure| {
        f.lines
            .iter()
            .find(|l| l.0 == k)
            .map(|l| (l.1, l.2))
            .unwrap()
    };
    use jinguo_domain::report::Figure as F;
    assert_eq!(line(F::Screened), (Shown::Count(240), Shown::Count(0)));
    assert_eq!(line(F::Disputes).0, Shown::Small);
    assert_eq!(line(F::MediumRisks).0, Shown::Small);
    for (k, this, prev) in &f.lines {
        for c in [this, prev] {
            if let Shown::Count(n) = c
                && (k.counts_people() || k.sensitive())
            {
                assert!(*n == 0 || *n >= 5, "{k:?} {n}");
            }
        }
    }
    let this_year = chrono::Datelike::year(&jinguo_services::clock::today());
    assert_eq!(
        fields(
            &s.public_figures("530181", Some(this_year))
                .await
                .unwrap_err()
        ),
        vec![("year".into(), "report.year_open".into())]
    );
    assert_eq!(
        fields(&s.public_figures("530181", Some(1999)).await.unwrap_err()),
        vec![("year".into(), "invalid".into())]
    );
    for code in ["530181001", "539999", "53", "x"] {
        assert!(matches!(
            s.public_figures(code, Some(2021)).await,
            Err(ServiceError::NotFound)
        ));
    }
    let counties = s.public_counties().await.unwrap();
    assert_eq!(counties.len(), 1);
    assert_eq!(counties[0].code, "530181");
    // A table named with what a sheet's name cannot hold still gives its workbook.
    s.save_stat_table(
        &other,
        "530112",
        None,
        &table("2021/2022: [对比]*?", "screened"),
    )
    .await
    .unwrap();
    let book = s
        .tables_workbook(&other, "530112", y2021, jinguo_domain::Lang::Zh)
        .await
        .unwrap();
    assert!(book.starts_with(b"PK"));
}
both_backends!(statistical_tables, super::the_tables);

/// The pages, the API and the workbook; bad input named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tables_over_http() {
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    support::account(&s, "h-county", Role::Staff, "530181").await;
    support::account(&s, "h-city", Role::Staff, "5301").await;
    let who = support::session(&s, "h-county", false).await;
    let city = support::session(&s, "h-city", false).await;
    let server = support::serve(s.clone()).await;
    let api = support::Api {
        base: server.base.clone(),
        http: reqwest::Client::new(),
    };
    let body = serde_json::json!({"name": "排查", "columns": "screened,cases,divorces"});
    let (status, problem) = api
        .send(&who, "POST", "/api/v1/places/530181/tables", Some(body))
        .await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(
        support::fields(&problem),
        vec![("columns".to_string(), "report.unknown_figure".to_string())]
    );
    let body = serde_json::json!({"name": "排查", "columns": "screened,disputes"});
    let (status, created) = api
        .send(&who, "POST", "/api/v1/places/530181/tables", Some(body))
        .await;
    assert_eq!(status, 201, "{created}");
    let (status, list) = api
        .send(&who, "GET", "/api/v1/places/530181/tables", None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        list[0]["columns"],
        serde_json::json!(["screened", "disputes"])
    );
    for (url, field, code) in [
        (
            "/api/v1/places/530181/tables/return?period=2999",
            "period",
            "period.future",
        ),
        (
            "/api/v1/places/530181/tables/return?from=2021-03-31&to=2021-03-01",
            "to",
            "period.reversed",
        ),
        (
            "/api/v1/places/530181/tables/return?from=2001-01-01&to=2021-01-01",
            "to",
            "period.too_long",
        ),
    ] {
        let (status, body) = api.send(&who, "GET", url, None).await;
        assert_eq!(status, 422, "{url}: {body}");
        assert_eq!(
            support::fields(&body),
            vec![(field.to_string(), code.to_string())],
            "{url}"
        );
    }
    let (status, r) = api
        .send(
            &who,
            "GET",
            "/api/v1/places/530181/tables/return?period=2021",
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["tables"][0]["total"][0], "240");
    assert_eq!(r["needs_sign_off"], true);
    let (status, _) = api
        .send(
            &who,
            "POST",
            "/api/v1/places/530181/tables/return/sign?period=2021",
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, _) = api
        .send(
            &who,
            "POST",
            "/api/v1/places/530181/tables/return/send?period=2021",
            None,
        )
        .await;
    assert_eq!(status, 204);
    let (status, r) = api
        .send(
            &city,
            "GET",
            "/api/v1/places/5301/tables/received?period=2021",
            None,
        )
        .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["tables"][0]["counties"][0]["code"], "530181");
    assert_eq!(r["tables"][0]["sum"][0], "240");
    // The city's staff cannot act for the county.
    let (status, body) = api
        .send(
            &city,
            "POST",
            "/api/v1/places/530181/tables/return/sign?period=2022",
            None,
        )
        .await;
    assert_eq!(status, 422, "{body}");

    // The pages and the workbook.
    let http = reqwest::Client::new();
    let get = |url: String, cookie: String| {
        let http = http.clone();
        async move {
            let r = http.get(url).header("cookie", cookie).send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap())
        }
    };
    let (status, html) = get(
        format!("{}/places/530181/tables?period=2021", server.base),
        who.cookie.clone(),
    )
    .await;
    assert_eq!(status, 200);
    let html = String::from_utf8_lossy(&html);
    assert!(html.contains("排查") && html.contains("h-county"), "{html}");
    assert!(html.contains("id=\"tables-xlsx\""));
    let (status, html) = get(
        format!("{}/places/5301/tables/received?period=2021", server.base),
        city.cookie.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&html).contains("240"));
    let (status, book) = get(
        format!(
            "{}/api/v1/places/530181/tables/return/export?period=2021",
            server.base
        ),
        who.cookie.clone(),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(&book[..2], b"PK");
    // The public figures, without an account.
    let anon = reqwest::Client::new();
    let html = anon
        .get(format!("{}/figures", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("href=\"/figures/530181\""), "{html}");
    let r = anon
        .get(format!("{}/figures/530181?year=2021", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("240") && html.contains("&lt;5"), "{html}");
    let r = anon
        .get(format!(
            "{}/api/v1/public/figures/530181?year=2021",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let body: serde_json::Value = r.json().await.unwrap();
    let disputes = body["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["figure"] == "disputes")
        .unwrap();
    assert_eq!(disputes["this_year"], "<5");
    let r = anon
        .get(format!(
            "{}/api/v1/public/figures/530181?year=2999",
            server.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    // A form naming an unknown figure is shown again with the field named.
    let r = http
        .post(format!("{}/places/530181/tables", server.base))
        .header("cookie", &who.cookie)
        .form(&[
            ("csrf", who.csrf.as_str()),
            ("name", "新表"),
            ("columns", "divorces"),
            ("period", "2021"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("href=\"#f-columns\""));
}

/// The public figures without an account are rate-limited by the connection's address: past
/// the bucket 429 with `Retry-After` (a problem document on the API, a page in the caller's
/// language), a header naming another address changes nothing, another client is unaffected;
/// behind a trusted proxy the address it forwards is the client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_figures_are_rate_limited() {
    let (_t, mut s) = with_small_demo(Backend::Sqlite).await;
    s.public_rate = jinguo_services::public_figures::PublicRate {
        per_minute: 1,
        burst: 3,
        trusted_proxies: vec!["127.0.0.3".parse().unwrap()],
    };
    let server = support::serve(s.clone()).await;
    let from = |a: &str| {
        reqwest::Client::builder()
            .local_address(a.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (one, two, proxy) = (from("127.0.0.1"), from("127.0.0.2"), from("127.0.0.3"));
    let base = &server.base;
    // A GET from a client, with the `X-Forwarded-For` it says when it says one.
    let ask = |c: &reqwest::Client, url: &str, forwarded: Option<&str>| {
        let mut r = c.get(url);
        if let Some(f) = forwarded {
            r = r.header("x-forwarded-for", f);
        }
        r.send()
    };
    let api = format!("{base}/api/v1/public/figures/530181?year=2021");
    for path in ["/figures", "/figures/530181?year=2021"] {
        let r = ask(&one, &format!("{base}{path}"), None).await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
    }
    assert_eq!(ask(&one, &api, None).await.unwrap().status(), 200);
    // The bucket is empty: the API answers a problem document.
    let r = one
        .get(&api)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let wait: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/problem+json")
    );
    let problem: serde_json::Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "rate_limited", "{problem}");
    assert!(
        problem.to_string().contains("Too many requests"),
        "{problem}"
    );
    // The page, in Chinese by default and in English when asked.
    let r = ask(&one, &format!("{base}/figures"), None).await.unwrap();
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("请求次数已达上限"));
    let r = one
        .get(format!("{base}/figures/530181?lang=en"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The limit of requests has been reached")
    );
    // A header a client sets is not trusted from an address that is no proxy.
    let r = ask(&one, &api, Some("198.51.100.9")).await.unwrap();
    assert_eq!(r.status(), 429);
    // Another client is not touched.
    for _ in 0..3 {
        assert_eq!(ask(&two, &api, None).await.unwrap().status(), 200);
    }
    // Behind the trusted proxy each forwarded client has its own bucket: the last address of
    // `X-Forwarded-For` (the one the proxy appended), not what the client put before it.
    for _ in 0..3 {
        let r = ask(&proxy, &api, Some("127.0.0.2, 198.51.100.1")).await;
        assert_eq!(r.unwrap().status(), 200);
    }
    let r = ask(&proxy, &api, Some("203.0.113.5, 198.51.100.1")).await;
    assert_eq!(r.unwrap().status(), 429);
    let r = ask(&proxy, &api, Some("198.51.100.2")).await;
    assert_eq!(r.unwrap().status(), 200);
}
