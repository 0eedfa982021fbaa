//! A women's representative's worklist on both databases: her households only, each of which she
//! can open; masked names and addresses; what is due; the two orders; a search that sees only
//! what the list shows and only her households; progress counted over the same households; the
//! visit notes on the household page; the JSON API and her home page over HTTP; and the home and
//! household pages on a phone in Chromium.

use crate::storage::first_group;
use crate::support::{self, all_backends, both_backends, serve, with_small_demo};
use jinguo_domain::account::Role;
use jinguo_domain::screening::VisitInput;
use jinguo_domain::worklist::{Due, Query, Sort};
use jinguo_services::{Caller, ServiceError, Services};
use jinguo_storage::Backend;

/// The group's first representative as an account linked to her member record: (caller, the
/// households she answers for, all households of the group).
async fn representative(s: &Services, group: &str, username: &str) -> (Caller, i64, i64) {
    let staff = support::county_staff();
    let reps = s.coverage_members(&staff, group).await.unwrap();
    support::account(s, username, Role::Representative, group).await;
    s.link_member(&Caller::operator(), username, reps[0].id)
        .await
        .unwrap();
    let rep = support::caller_of(s, username, support::PASSWORD).await;
    let all = s.group_households(&staff, group, 1).await.unwrap().total;
    (rep, reps[0].units, all)
}

/// A query string's value, percent-encoded.
fn encoded(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn query(sort: &str, search: &str) -> Query {
    Query {
        sort: sort.into(),
        search: search.into(),
    }
}

async fn worklist_of_her_households(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let group = first_group(&s).await;
    let (rep, mine, all) = representative(&s, &group, "wl-rep").await;
    assert!(mine > 0 && mine < all, "{mine} of {all}");

    // Her households, each of which she opens: the list and the household read share one reach.
    let w = s.worklist(&rep, &Query::default(), None).await.unwrap();
    assert_eq!((w.total, w.items.len()), (mine as usize, mine as usize));
    for item in &w.items {
        let v = s.household_view(&rep, item.id).await.unwrap();
        let head = s
            .household_reveal(&staff, item.id, "核对包保户信息")
            .await
            .unwrap();
        let name = &head
            .persons
            .iter()
            .find(|p| p.relationship == jinguo_domain::person::Relationship::Head)
            .unwrap()
            .name;
        assert_eq!(item.head, jinguo_domain::mask::name(name));
        assert!(item.head.contains('*'), "{}", item.head);
        assert_eq!(
            item.address,
            jinguo_domain::mask::building(&head.household.address)
        );
        assert_eq!(v.household.code, item.code);
    }
    // The campaign page counts the same households she lists and opens, not the whole group's.
    let c2021 = s
        .campaigns(&rep)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.name == jinguo_services::demo::CAMPAIGN_2021)
        .unwrap();
    let p = s.campaign_progress(&rep, c2021.id, None).await.unwrap();
    assert_eq!(p.tally.households, mine);
    let visited = w.items.iter().filter(|i| i.last_visit.is_some()).count() as i64;
    assert_eq!(p.tally.screened, visited);
    let group_place = s.place_view(&staff, &group).await.unwrap().place;
    let line = s.campaigns_at(&rep, &group_place, 3).await.unwrap();
    let risks = line.iter().find(|(c, _)| c.id == c2021.id).unwrap().1;
    assert_eq!(risks.iter().sum::<i64>(), visited);
    assert!(
        s.campaign_progress(&staff, c2021.id, Some(&group))
            .await
            .unwrap()
            .tally
            .households
            > mine
    );

    // A campaign open today: a visit is due everywhere, by its last day.
    let open = support::campaign_today(&s, &Caller::operator(), "本月排查").await;
    let today = jinguo_services::clock::today();
    let w = s.worklist(&rep, &Query::default(), None).await.unwrap();
    assert!(w.items.iter().all(|i| {
        i.due
            .iter()
            .any(|d| d.kind == Due::Visit && d.on == today && d.campaign == Some(open))
    }));
    // Visited with a follow-up asked for: the visit is done, the follow-up due a week on.
    let h = w.items.last().unwrap().id;
    let input = VisitInput {
        visited_on: today.to_string(),
        findings: vec!["marital_conflict".into()],
        risk: "medium".into(),
        note: "婆媳矛盾，约定下周再访".into(),
        followup: true,
        request_key: "wl-visit-0000000001".into(),
    };
    s.record_visit(&rep, open, h, &input).await.unwrap();
    let w = s.worklist(&rep, &query("due", ""), None).await.unwrap();
    let it = w.items.iter().find(|i| i.id == h).unwrap();
    assert_eq!(
        it.last_visit,
        Some((today, jinguo_domain::screening::Risk::Medium))
    );
    assert!(!it.due.iter().any(|d| d.kind == Due::Visit));
    assert!(
        it.due
            .iter()
            .any(|d| d.kind == Due::Followup && d.on == today + chrono::Duration::days(7))
    );
    // By what is due: the earliest first, so the household visited today comes last.
    let dues: Vec<_> = w.items.iter().map(|i| i.next_due()).collect();
    assert!(dues.windows(2).all(|d| d[0] <= d[1] || d[1].is_none()));
    assert_eq!(w.items.last().unwrap().id, h);
    // The campaign's own list: only the visit it asks for.
    let wc = s
        .worklist(&rep, &Query::default(), Some(open))
        .await
        .unwrap();
    assert_eq!(wc.items.len(), w.items.len());
    assert!(wc.items.iter().find(|i| i.id == h).unwrap().due.is_empty());
    // By address.
    let wa = s.worklist(&rep, &query("address", ""), None).await.unwrap();
    assert_eq!(wa.sort, Sort::Address);
    let addresses: Vec<_> = wa.items.iter().map(|i| i.address.clone()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(addresses, sorted);

    // Search: on what the list shows, within her households only.
    let target = &wa.items[0];
    let found = s
        .worklist(&rep, &query("", &target.head), None)
        .await
        .unwrap();
    assert!(found.items.iter().any(|i| i.id == target.id));
    assert!(found.items.iter().all(|i| i.head.contains(&target.head)
        || i.address.contains(&target.head)
        || i.code.contains(&target.head)));
    assert_eq!(found.total, mine as usize);
    let by_address = s
        .worklist(&rep, &query("", &target.address), None)
        .await
        .unwrap();
    assert!(by_address.items.iter().any(|i| i.id == target.id));
    // The name behind the mask finds nothing; neither does a household of a colleague's.
    let clear = s
        .household_reveal(&staff, target.id, "核对包保户信息")
        .await
        .unwrap()
        .persons
        .into_iter()
        .find(|p| p.relationship == jinguo_domain::person::Relationship::Head)
        .unwrap()
        .name;
    let hidden = s.worklist(&rep, &query("", &clear), None).await.unwrap();
    assert!(hidden.items.iter().all(|i| i.id != target.id));
    let theirs = s
        .group_households(&staff, &group, 1)
        .await
        .unwrap()
        .lines
        .into_iter()
        .find(|l| !w.items.iter().any(|i| i.id == l.id))
        .unwrap();
    let none = s
        .worklist(&rep, &query("", &theirs.code), None)
        .await
        .unwrap();
    assert!(none.items.is_empty());
    assert!(matches!(
        s.household_view(&rep, theirs.id).await,
        Err(ServiceError::NotFound)
    ));

    // Bad input names its field; other roles have no worklist; an unlinked one is empty.
    match s
        .worklist(&rep, &query("name", &"王".repeat(51)), None)
        .await
    {
        Err(ServiceError::Invalid(e)) => {
            let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(fields, vec!["sort", "q"]);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        s.worklist(&staff, &Query::default(), None).await,
        Err(ServiceError::Forbidden)
    ));
    let group_path = group_place.path.clone();
    let unlinked = support::caller(Role::Representative, &group_path);
    assert!(
        s.worklist(&unlinked, &Query::default(), None)
            .await
            .unwrap()
            .items
            .is_empty()
    );

    // The note typed at the visit is shown again to her and to the staff managing the place;
    // the read is audited.
    for who in [&rep, &staff] {
        let hist = s.household_screening(who, h).await.unwrap();
        assert_eq!(
            hist.history[0].note.as_deref(),
            Some("婆媳矛盾，约定下周再访")
        );
        assert!(!hist.notes_withheld);
    }
    let log = s
        .search_audit(
            &Caller::operator(),
            &jinguo_services::audit::AuditQuery {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "worklist.read" && e.actor == "wl-rep")
    );
    assert!(log.iter().any(|e| e.action == "visit.read"
        && e.target == format!("household:{h}")
        && e.detail.contains("notes=1")));
}
all_backends!(service, super::worklist_of_her_households);

/// The JSON API and her home page over HTTP: her households, every one of which opens; other
/// roles refused as problem documents; a refused search names its field in both languages.
async fn worklist_over_http(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let group = first_group(&s).await;
    let (her, mine, _) = representative(&s, &group, "wl-http").await;
    // A visit of hers in a campaign of today, beside those of 2021.
    let campaign = support::campaign_today(&s, &Caller::operator(), "本月入户走访").await;
    let first = s
        .worklist(&her, &Query::default(), None)
        .await
        .unwrap()
        .items[0]
        .id;
    s.record_visit(
        &her,
        campaign,
        first,
        &VisitInput {
            visited_on: jinguo_services::clock::today().to_string(),
            risk: "low".into(),
            request_key: "wl-http-visit-0001".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    support::account(&s, "wl-staff", Role::Staff, "530181").await;
    let rep = support::session(&s, "wl-http", false).await;
    let staff = support::session(&s, "wl-staff", false).await;
    let srv = serve(s.clone()).await;
    let api = support::Api {
        base: srv.base.clone(),
        http: reqwest::Client::new(),
    };
    let (status, body) = api.send(&rep, "GET", "/api/v1/worklist", None).await;
    assert_eq!(status, 200, "{body}");
    let list = body["households"].as_array().unwrap();
    assert_eq!(list.len() as i64, mine);
    assert_eq!(body["sort"], "due");
    assert!(list[0]["head"].as_str().unwrap().contains('*'));
    let (status, body) = api
        .send(&rep, "GET", "/api/v1/worklist?sort=address", None)
        .await;
    assert_eq!((status, body["sort"].as_str()), (200, Some("address")));
    let (status, body) = api.send(&staff, "GET", "/api/v1/worklist", None).await;
    assert_eq!(status, 403, "{body}");
    let q = "王".repeat(51);
    for (lang, label) in [("zh-CN", "搜索"), ("en", "Search")] {
        let r = api
            .http
            .get(format!("{}/api/v1/worklist?q={}", srv.base, encoded(&q)))
            .header("cookie", &rep.cookie)
            .header("accept-language", lang)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json"
        );
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(support::fields(&p), vec![("q".into(), "too_long".into())]);
        assert!(p.to_string().contains(label), "{p}");
    }
    let (status, _) = api
        .send(&rep, "GET", "/api/v1/worklist?campaign=nope", None)
        .await;
    assert_eq!(status, 404);

    // Her home page is her worklist; every household on it opens.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::limited(3))
        .build()
        .unwrap();
    let home = http
        .get(format!("{}/", srv.base))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(home.url().path(), format!("/places/{group}"));
    let html = home.text().await.unwrap();
    assert!(html.contains("id=\"worklist\""));
    // Its screening lines, counted from what the worklist read, are those the campaign's
    // progress counts over her households.
    let place = s.place_view(&her, &group).await.unwrap().place;
    let lines = s.campaigns_at(&her, &place, 3).await.unwrap();
    assert!(
        lines.iter().any(|(c, r)| c.id == campaign && r[1] == 1),
        "{lines:?}"
    );
    for (c, risks) in &lines {
        let screened: i64 = risks.iter().sum();
        let line = &html[html.find(&c.name).unwrap()..];
        let shown = format!(
            "<dd class=\"dash-screened\">{screened} / {mine} ({:.1}%)</dd>",
            100.0 * screened as f64 / mine as f64
        );
        assert!(line.contains(&shown), "{} {shown}", c.name);
        let low = format!("<dt>低风险（蓝）</dt><dd>{}</dd>", risks[1]);
        assert!(line.contains(&low), "{} {low}", c.name);
    }
    let links: Vec<&str> = html
        .split("href=\"/households/")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(links.len() as i64, mine);
    for id in links {
        let r = http
            .get(format!("{}/households/{id}", srv.base))
            .header("cookie", &rep.cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "household {id}");
    }
    // A refused search keeps what was typed and names the field on the page.
    let r = http
        .get(format!("{}/places/{group}?q={}", srv.base, encoded(&q)))
        .header("cookie", &rep.cookie)
        .send()
        .await
        .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("href=\"#f-w-q\""),
        "no error for the search field"
    );
    assert!(html.contains(&format!("value=\"{q}\"")));
}
both_backends!(http, super::worklist_over_http);

/// On a phone (360 px): her home page with the worklist and a household page fit the screen,
/// the ID number's label stays on one line, and the visit's note is there again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_a_phone() {
    use crate::browser::{click_first, log_in, no_sideways_scroll, phone, text};
    use fantoccini::Locator;
    let (_t, s) = with_small_demo(Backend::Sqlite).await;
    let group = first_group(&s).await;
    let (rep, _, _) = representative(&s, &group, "wl-phone").await;
    let open = support::campaign_today(&s, &Caller::operator(), "本月排查").await;
    let w = s.worklist(&rep, &Query::default(), None).await.unwrap();
    let h = w.items[0].id;
    let input = VisitInput {
        visited_on: jinguo_services::clock::today().to_string(),
        findings: vec![],
        risk: "low".into(),
        note: "家中老人需要关照".into(),
        followup: false,
        request_key: "wl-visit-0000000002".into(),
    };
    s.record_visit(&rep, open, h, &input).await.unwrap();
    let srv = serve(s).await;
    let c = phone().await;
    log_in(&c, &srv.base, "wl-phone").await;
    let width = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width.as_i64(), Some(360));
    assert!(!text(&c, "#worklist h2").await.is_empty());
    no_sideways_scroll(&c).await;
    let shown = c
        .find_all(Locator::Css("#worklist-items li.work"))
        .await
        .unwrap()
        .len();
    assert_eq!(shown, w.items.len());
    // Sorted by address through the form.
    c.find(Locator::Css("#f-w-sort option[value=address]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click_first(&c, "#worklist form button").await;
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("sort=address")
    );
    no_sideways_scroll(&c).await;
    // The household visited: its page fits, the label is on one line, the note is shown.
    c.goto(&format!("{}/households/{h}", srv.base))
        .await
        .unwrap();
    assert_eq!(text(&c, "td.visit-note").await.trim(), "家中老人需要关照");
    no_sideways_scroll(&c).await;
    let heights = c
        .execute(
            "const td = document.querySelector('#persons td.wide');\
             const style = getComputedStyle(td, '::before');\
             const line = parseFloat(getComputedStyle(td).lineHeight) || 24;\
             return [td.getBoundingClientRect().height, line, style.whiteSpace, td.getBoundingClientRect().right, window.innerWidth, document.querySelector('#persons').getBoundingClientRect().width, document.querySelector('main').getBoundingClientRect().width, td.parentElement.getBoundingClientRect().width, getComputedStyle(td.parentElement).gridTemplateColumns];",
            vec![],
        )
        .await
        .unwrap();
    let (height, line) = (heights[0].as_f64().unwrap(), heights[1].as_f64().unwrap());
    assert!(
        height < 2.0 * line + 8.0,
        "the ID number's cell takes {height}px"
    );
    assert_eq!(heights[2], "nowrap");
    // Not cut off inside its table either.
    assert!(
        heights[3].as_f64().unwrap() <= 360.0,
        "the ID number's cell ends at {}px: {heights:?}",
        heights[3]
    );
    let cut = c
        .execute(
            "return [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth).map(w => [w.firstElementChild.id, w.scrollWidth, w.clientWidth, [...w.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > w.getBoundingClientRect().right).map(e => e.tagName + '.' + e.className + ':' + e.getBoundingClientRect().width + ':' + e.textContent.slice(0, 30))]);",
            vec![],
        )
        .await
        .unwrap();
    if let Ok(dir) = std::env::var("JINGUO_SCREENSHOTS") {
        let png = c.screenshot().await.unwrap();
        std::fs::write(format!("{dir}/household-representative.png"), png).unwrap();
    }
    assert_eq!(
        cut,
        serde_json::json!([]),
        "a table is wider than the phone"
    );
    c.close().await.unwrap();
}
