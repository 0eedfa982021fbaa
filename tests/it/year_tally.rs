//! The years' screening tallies (households screened once a year, visits, medium and high risks,
//! per place) kept by the visits' transactions, on every database: after many visits recorded at
//! once (the same households in several campaigns, on the same day and across two years) they
//! give exactly what a count over the visits gives, `check` finds them sound, finds them broken
//! by hand and rebuilds them; and the overview's yearly figures are the same whoever asks first.

use crate::support::{self, all_backends, both_backends, with_small_demo};
use chrono::{Datelike, NaiveDate};
use jinguo_domain::report::Figure;
use jinguo_domain::screening::{CampaignInput, VisitInput};
use jinguo_services::{Caller, Services};
use jinguo_storage::report::{self, Screened};
use jinguo_storage::{Backend, Db, Subtree};
use std::sync::Arc;
use uuid::Uuid;

const RISKS: [&str; 4] = ["none", "low", "medium", "high"];

async fn household_ids(db: &Db) -> Vec<Uuid> {
    let sql = "SELECT id FROM household ORDER BY path, code";
    match db {
        Db::Sqlite(s) => sqlx::query_scalar(sql).fetch_all(&s.read).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

/// Every place path (county and below) that a visit lies under, and a few with none.
async fn place_paths(db: &Db) -> Vec<String> {
    let sql = "SELECT path FROM place WHERE path >= '53/5301/530181/' AND path < '53/5301/5301810' \
               ORDER BY path";
    match db {
        Db::Sqlite(s) => sqlx::query_scalar(sql).fetch_all(&s.read).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

fn year_of(y: i32) -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(y, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(y, 12, 31).unwrap(),
    )
}

async fn scan(db: &Db, path: &str, y: i32) -> Screened {
    let (from, to) = year_of(y);
    report::screened_from_visits(db, &Subtree::of_path(path), from, to)
        .await
        .unwrap()
}

/// For each place of the county (and the prefecture and province above it) and each year, the
/// tally's figures equal the count over the visits, and `report::screened` answers them.
async fn assert_tallies_are_the_scan(db: &Db, years: &[i32]) {
    let mut paths = vec!["53/".to_string(), "53/5301/".to_string()];
    paths.extend(place_paths(db).await);
    for y in years {
        for path in &paths {
            let want = scan(db, path, *y).await;
            let got = report::screened_in_year(db, path, *y).await.unwrap();
            assert_eq!(got, want, "{path} {y}");
            let (from, to) = year_of(*y);
            let via = report::screened(db, &Subtree::of_path(path), from, to)
                .await
                .unwrap();
            assert_eq!(via, want, "{path} {y}");
        }
    }
}

/// Removes one household's key of a year from `screening_household`, behind the application's back.
async fn forget_one_household(db: &Db, year: i32) {
    const FIRST: &str = "SELECT county_code, household_id FROM screening_household WHERE year = $1 \
                         ORDER BY county_code, household_id LIMIT 1";
    const FORGET: &str = "DELETE FROM screening_household WHERE county_code = $1 AND household_id = $2 AND year = $3";
    match db {
        Db::Sqlite(s) => {
            let (county, id): (String, Uuid) = sqlx::query_as(FIRST)
                .bind(year)
                .fetch_one(&s.read)
                .await
                .unwrap();
            sqlx::query(FORGET)
                .bind(county)
                .bind(id)
                .bind(year)
                .execute(&s.write)
                .await
                .unwrap();
        }
        Db::Postgres(p) => {
            let (county, id): (String, Uuid) =
                sqlx::query_as(FIRST).bind(year).fetch_one(p).await.unwrap();
            sqlx::query(FORGET)
                .bind(county)
                .bind(id)
                .bind(year)
                .execute(p)
                .await
                .unwrap();
        }
    }
}

fn check_line(lines: &[jinguo_services::check::CheckLine], name: &str) -> (bool, String) {
    let l = lines.iter().find(|l| l.name == name).unwrap();
    (l.ok, l.detail.clone())
}

async fn campaign_since(s: &Services, who: &Caller, name: &str, from: NaiveDate) -> Uuid {
    s.create_campaign(
        who,
        &CampaignInput {
            name: name.into(),
            place: "530181".into(),
            starts_on: from.to_string(),
            ends_on: jinguo_services::clock::today().to_string(),
            checklist: vec!["marital_conflict".into()],
        },
    )
    .await
    .unwrap()
    .id
}

/// Three campaigns over last year's last day and this year; every household of a sample is
/// visited in each of them, once last year and twice this year, and each (campaign, household)
/// is tried by two tasks at once. The tallies equal the visits' count everywhere, before and after
/// a rebuild, and a broken row is found by `check`.
async fn concurrent_visits_keep_exact_year_tallies(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let today = jinguo_services::clock::today();
    let this = today.year();
    let last_day = NaiveDate::from_ymd_opt(this - 1, 12, 31).unwrap();
    let mut campaigns = Vec::new();
    for name in ["年度甲", "年度乙", "年度丙"] {
        campaigns.push(campaign_since(&s, &staff, name, last_day).await);
    }
    let years = [2021, this - 1, this];
    let before = scan(&t.db, "53/5301/530181/", this).await;
    let before_last = scan(&t.db, "53/5301/530181/", this - 1).await;
    assert_tallies_are_the_scan(&t.db, &years).await;

    let ids = household_ids(&t.db).await;
    let sample: Vec<Uuid> = ids.iter().step_by(7).copied().take(60).collect();
    let pairs: Vec<(usize, usize)> = (0..campaigns.len())
        .flat_map(|c| (0..sample.len()).map(move |i| (c, i)))
        .collect();
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for task in 0..12usize {
        let (s, staff, campaigns, sample) =
            (s.clone(), staff.clone(), campaigns.clone(), sample.clone());
        // Each pair falls to two tasks (`task` and `task + 6`).
        let mine: Vec<(usize, usize)> = pairs
            .iter()
            .copied()
            .filter(|(c, i)| (c * sample.len() + i) % 6 == task % 6)
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for (c, i) in mine {
                // One campaign of the three visits the household last year, two this year.
                let on = if (i + c) % 3 == 0 { last_day } else { today };
                let input = VisitInput {
                    visited_on: on.to_string(),
                    findings: vec!["marital_conflict".into()],
                    risk: RISKS[(i + c) % 4].into(),
                    note: String::new(),
                    followup: false,
                    request_key: format!("year-tally-{c}-{i}-{task}"),
                };
                created += support::visit_once(&s, &staff, campaigns[c], sample[i], &input).await;
            }
            created
        }));
    }
    assert_eq!(support::sum_of(tasks).await, pairs.len());
    let s = Arc::into_inner(s).unwrap();

    // Each household once in each year, however many campaigns visited it.
    let n = sample.len() as i64;
    let after = scan(&t.db, "53/5301/530181/", this).await;
    let after_last = scan(&t.db, "53/5301/530181/", this - 1).await;
    assert_eq!(after.visits - before.visits, 2 * n);
    assert_eq!(after_last.visits - before_last.visits, n);
    assert!(after.households - before.households <= n);
    assert!(after.households >= n && after_last.households >= n);
    assert_tallies_are_the_scan(&t.db, &years).await;
    let lines = s.check(&Caller::operator()).await.unwrap();
    let (ok, detail) = check_line(&lines, "screening tallies");
    assert!(ok, "{detail}");

    // The overview's two years read the same figures.
    let county = s.place_view(&staff, "530181").await.unwrap().place;
    let (_, this_f, last_f) = s.years_beside(&staff, &county).await.unwrap().unwrap();
    assert_eq!(this_f.get(Figure::Screened), after.households);
    assert_eq!(this_f.get(Figure::MediumRisks), after.medium);
    assert_eq!(this_f.get(Figure::HighRisks), after.high);
    assert_eq!(last_f.get(Figure::Screened), after_last.households);

    // Broken by hand: the county's households of this year, a household's key of last year.
    support::exec(
        &t.db,
        &format!(
            "UPDATE screening_tally SET households = households + 1 \
             WHERE county_code = '530181' AND path = '53/5301/530181/' AND year = {this}"
        ),
    )
    .await
    .unwrap();
    forget_one_household(&t.db, this - 1).await;
    let broken = report::screened_in_year(&t.db, "53/5301/530181/", this)
        .await
        .unwrap();
    assert_eq!(broken.households, after.households + 1);
    let lines = s.check(&Caller::operator()).await.unwrap();
    let (ok, detail) = check_line(&lines, "screening tallies");
    assert!(!ok && detail.starts_with("2 "), "{detail}");
    s.rebuild_tallies(&Caller::operator()).await.unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    assert_tallies_are_the_scan(&t.db, &years).await;

    // A visit after the rebuild of a household already screened this year adds a visit only.
    let fresh = campaign_since(&s, &staff, "年度丁", last_day).await;
    let input = VisitInput {
        visited_on: today.to_string(),
        findings: vec!["marital_conflict".into()],
        risk: "high".into(),
        note: String::new(),
        followup: false,
        request_key: "year-tally-after".into(),
    };
    s.record_visit(&staff, fresh, sample[1], &input)
        .await
        .unwrap();
    let now = report::screened_in_year(&t.db, "53/5301/530181/", this)
        .await
        .unwrap();
    assert_eq!(
        (now.households, now.visits, now.high),
        (after.households, after.visits + 1, after.high + 1)
    );
    assert_tallies_are_the_scan(&t.db, &years).await;
}
all_backends!(
    concurrent_year_tallies,
    super::concurrent_visits_keep_exact_year_tallies
);

async fn counted(
    s: &Services,
    who: &Caller,
    code: &str,
    y: i32,
) -> jinguo_services::annual::Figures {
    s.place_figures(who, code, jinguo_domain::period::Period::year(y).unwrap())
        .await
        .unwrap()
}

/// The overview's yearly figures are kept under the place and the year for whoever may see
/// them: whichever of the public page (counted as the machine) or a staff member asks first, the
/// other gets the figures counted for it afresh; someone who does not manage the place gets none.
async fn year_figures_do_not_depend_on_the_caller(b: Backend) {
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let this = jinguo_services::clock::today().year();
    let county = s.place_view(&staff, "530181").await.unwrap().place;
    let want_last = counted(&s, &staff, "530181", this - 1).await;
    let want_this = counted(&s, &staff, "530181", this).await;
    // The public page first, then staff: the same as counted for her.
    s.public_figures("530181", Some(this - 1)).await.unwrap();
    let (_, t1, l1) = s.years_beside(&staff, &county).await.unwrap().unwrap();
    assert_eq!(
        (t1.values, l1.values),
        (want_this.values.clone(), want_last.values.clone())
    );
    // Staff of one township, a representative, none of the county's.
    let township = s.place_view(&staff, "530181").await.unwrap().children[0]
        .place
        .clone();
    let town = support::caller(jinguo_domain::account::Role::Staff, &township.path);
    let rep = support::caller(
        jinguo_domain::account::Role::Representative,
        "53/5301/530181/",
    );
    for who in [&town, &rep] {
        assert!(s.years_beside(who, &county).await.unwrap().is_none());
    }
    // Her township's figures are its own, not the county's kept a moment ago.
    let (_, tt, _) = s.years_beside(&town, &township).await.unwrap().unwrap();
    let own = counted(&s, &town, &township.code, this).await;
    assert_eq!(tt.values, own.values);
    assert!(tt.get(Figure::Households) < want_this.get(Figure::Households));
}
both_backends!(
    year_figures_by_caller,
    super::year_figures_do_not_depend_on_the_caller
);
