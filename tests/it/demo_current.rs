//! The demo looks like today: besides 2021, the current year up to today (the county page's
//! figures of this year, wishes open to a donor, members' terms covering today), the same data for
//! the same seed on the same day, and README's list of demo accounts as `jinguo demo` prints it.

use crate::support::{self, both_backends, serve};
use jinguo_domain::account::Role;
use jinguo_services::demo::{SMALL_CURRENT, campaign_name};
use jinguo_storage::Backend;

async fn small_current_demo(b: Backend) -> (support::TestDb, jinguo_services::Services) {
    let t = support::fresh(b).await;
    let s = support::services(&t.db);
    let r = s.ensure_demo_shaped(7, SMALL_CURRENT).await.unwrap();
    assert!(r.created);
    assert_eq!(r.households, 600);
    // 2021 is as it was without the current year.
    assert_eq!(r.visits, u64::from(support::SMALL.screened));
    assert!(r.visits_this_year > 0, "no visits this year");
    (t, s)
}

async fn page(base: &str, cookie: &str, path: &str) -> String {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{path}");
    r.text().await.unwrap()
}

/// The number that follows `label` in `html` (after spaces), thousands separators ignored.
fn number_after(html: &str, label: &str) -> i64 {
    let at = html
        .find(label)
        .unwrap_or_else(|| panic!("{label} missing: {html}"))
        + label.len();
    let digits: String = html[at..]
        .trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {label}"))
}

/// The county page of the county's staff, on today's clock: people served this year, this
/// year's campaign with households screened, open disputes of which some overdue and some not,
/// entries due for review.
async fn the_county_page_shows_this_year(b: Backend) {
    let (_t, s) = small_current_demo(b).await;
    support::account(&s, "county", Role::Staff, "530181").await;
    let session = support::session(&s, "county", false).await;
    let srv = serve(s).await;
    let html = page(&srv.base, &session.cookie, "/places/530181").await;
    assert!(number_after(&html, "今年服务人数") > 0, "{html}");
    let at = html.find("id=\"dispute-counts\"").expect("dispute counts");
    let block = &html[at..at + html[at..].find("</p>").unwrap()];
    let open = number_after(block, "未结 ");
    let overdue = number_after(block, "超期 ");
    assert!(
        open > overdue && overdue > 0,
        "open {open}, overdue {overdue}"
    );
    let year = jinguo_services::clock::today().format("%Y").to_string();
    let name = campaign_name(year.parse().unwrap());
    let at = html.find(&name).unwrap_or_else(|| panic!("{name}: {html}"));
    let screened = number_after(&html[at..], "class=\"dash-screened\">");
    assert!(screened > 0, "{html}");
    // The same in English.
    let en = page(&srv.base, &session.cookie, "/places/530181?lang=en").await;
    assert!(number_after(&en, "people served this year") > 0, "{en}");
}

both_backends!(county_page, super::the_county_page_shows_this_year);

/// A donor on the public page finds wishes to claim, and claims one.
async fn wishes_are_open_to_donors(b: Backend) {
    let (_t, s) = small_current_demo(b).await;
    let open = s.public_wishes().await.unwrap();
    assert!(!open.is_empty(), "no wish open to a donor");
    let srv = serve(s).await;
    let list: serde_json::Value = reqwest::get(format!("{}/api/v1/public/wishes", srv.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = list.as_array().and_then(|a| a.first()).cloned();
    let id = first
        .as_ref()
        .and_then(|w| w["id"].as_str())
        .unwrap_or_else(|| panic!("{list}"))
        .to_string();
    let claim = reqwest::Client::new()
        .post(format!("{}/api/v1/public/wishes/{id}/claim", srv.base))
        .json(&serde_json::json!({"donor": "爱心人士", "phone": "13900139000"}))
        .send()
        .await
        .unwrap();
    assert!(
        claim.status().is_success(),
        "{}",
        claim.text().await.unwrap()
    );
}

both_backends!(wishes_open, super::wishes_are_open_to_donors);

/// Every executive and representative serving has a term that runs past today.
async fn members_terms_cover_today(b: Backend) {
    let (t, _s) = small_current_demo(b).await;
    let county = jinguo_storage::Subtree::of_path("53/5301/530181/");
    let members = jinguo_storage::member::serving_below(&t.db, &county)
        .await
        .unwrap();
    let today = jinguo_services::clock::today();
    let serving: Vec<_> = members
        .iter()
        .filter(|m| m.role == "executive" || m.role == "representative")
        .collect();
    assert!(serving.len() >= 100, "{}", serving.len());
    for m in serving {
        let end = m.term_ends_on.expect("a term's end");
        assert!(
            m.started_on <= today && end > today,
            "{} – {end}",
            m.started_on
        );
    }
}

both_backends!(terms, super::members_terms_cover_today);

/// The same seed on the same day gives the same current year, ids included.
async fn the_same_day_gives_the_same_year(b: Backend) {
    let (_t1, a) = small_current_demo(b).await;
    let (_t2, c) = small_current_demo(Backend::Sqlite).await;
    let ids = |v: Vec<jinguo_services::care::WishView>| {
        let mut ids: Vec<_> = v.into_iter().map(|w| w.id).collect();
        ids.sort();
        ids
    };
    let first = ids(a.public_wishes().await.unwrap());
    assert!(!first.is_empty());
    assert_eq!(first, ids(c.public_wishes().await.unwrap()));
    let campaigns = |s: &jinguo_services::Services| {
        let name = campaign_name(
            jinguo_services::clock::today()
                .format("%Y")
                .to_string()
                .parse()
                .unwrap(),
        );
        let db = s.db.clone();
        async move {
            jinguo_storage::screening::campaigns(&db)
                .await
                .unwrap()
                .into_iter()
                .filter(|c| c.name == name)
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    let mine = campaigns(&a).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine, campaigns(&c).await);
}

both_backends!(same_day, super::the_same_day_gives_the_same_year);

/// The account lines `jinguo demo` prints: (account, role, place code, place name).
fn printed(stdout: &str) -> Vec<(String, String, String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let (left, place) = l.trim().split_once(" @ ")?;
            let (user, role) = left.split_once(' ')?;
            let (code, name) = place.split_once(' ')?;
            Some((
                user.to_string(),
                role.trim().to_string(),
                code.to_string(),
                name.to_string(),
            ))
        })
        .collect()
}

/// README's table of demo accounts, parsed the same way.
fn in_readme(readme: &str) -> Vec<(String, String, String, String)> {
    readme
        .lines()
        .skip_while(|l| !l.starts_with("| account | role | place |"))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            let [user, role, place] = cells[..] else {
                return None;
            };
            let (code, name) = place.split_once(' ')?;
            Some((
                user.trim_matches('`').to_string(),
                role.to_string(),
                code.to_string(),
                name.to_string(),
            ))
        })
        .collect()
}

/// README lists the demo's accounts exactly as `jinguo demo` prints them, each with its place,
/// and each place is where the account's role really is.
#[test]
fn readme_lists_the_accounts_the_demo_prints() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::cli::succeeds(
        crate::cli::jinguo()
            .arg("--data-dir")
            .arg(dir.path())
            .args(["demo", "--small", "--no-serve"]),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let printed = printed(&stdout);
    assert_eq!(
        printed.len(),
        jinguo_services::demo::DEMO_ACCOUNTS.len(),
        "{stdout}"
    );
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert_eq!(in_readme(&readme), printed, "{stdout}");
    // The mediator's place is her member record's, 文化路社区.
    let mediator = printed.iter().find(|p| p.0 == "tiaojie").unwrap();
    assert_eq!(
        (mediator.2.as_str(), mediator.3.as_str()),
        ("530181001001", "文化路社区居委会")
    );
}
