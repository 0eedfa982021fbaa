//! Campaign progress read from the tallies the visits' transactions keep, on both databases:
//! exact after many visits recorded at once (the same household twice, a retried submission),
//! found by `check` when broken by hand and rebuilt when asked, and backfilled by the migration
//! for the visits already there.

use crate::support::{self, both_backends, with_small_demo};
use jinguo_domain::screening::VisitInput;
use jinguo_services::screening::{Progress, Tally};
use jinguo_services::{Caller, ServiceError};
use jinguo_storage::{Backend, Db};
use std::collections::BTreeMap;
use std::sync::Arc;
use uuid::Uuid;

const RISKS: [&str; 4] = ["none", "low", "medium", "high"];
/// The length of a township's path (`53/5301/530181/530181001/`).
const TOWNSHIP: usize = 25;

async fn rows<T>(db: &Db, sql: &str, campaign: Uuid) -> Vec<T>
where
    T: Send + Unpin,
    for<'r> T:
        sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + sqlx::FromRow<'r, sqlx::postgres::PgRow>,
{
    let sql = sqlx::AssertSqlSafe(sql.to_string());
    match db {
        Db::Sqlite(s) => sqlx::query_as(sql)
            .bind(campaign)
            .fetch_all(&s.read)
            .await
            .unwrap(),
        Db::Postgres(p) => sqlx::query_as(sql)
            .bind(campaign)
            .fetch_all(p)
            .await
            .unwrap(),
    }
}

/// A campaign's figures counted by hand from the visits and their disputes: for the county and
/// per township, screened and by risk; disputes by risk (medium, high) for the county.
struct HandCount {
    county: Tally,
    townships: BTreeMap<String, Tally>,
    disputes: [i64; 2],
}

async fn hand_count(db: &Db, campaign: Uuid) -> HandCount {
    let visits: Vec<(String, String)> = rows(
        db,
        "SELECT path, risk FROM visit WHERE campaign_id = $1",
        campaign,
    )
    .await;
    let disputes: Vec<(String,)> = rows(
        db,
        "SELECT d.risk FROM dispute d JOIN visit v ON v.county_code = d.county_code AND v.id = d.visit_id \
         WHERE v.campaign_id = $1",
        campaign,
    )
    .await;
    let mut count = HandCount {
        county: Tally::default(),
        townships: BTreeMap::new(),
        disputes: [0, 0],
    };
    for (path, risk) in &visits {
        let r = RISKS.iter().position(|k| k == risk).unwrap();
        for t in [
            &mut count.county,
            count
                .townships
                .entry(path[..TOWNSHIP].to_string())
                .or_default(),
        ] {
            t.screened += 1;
            t.risks[r] += 1;
        }
    }
    for (risk,) in &disputes {
        match risk.as_str() {
            "medium" => count.disputes[0] += 1,
            "high" => count.disputes[1] += 1,
            other => panic!("a dispute of risk {other}"),
        }
    }
    count
}

/// The progress of the county equals the count by hand, whole and per township.
fn assert_progress_counted(p: &Progress, hand: &HandCount) {
    assert_eq!(
        (p.tally.screened, p.tally.risks, p.disputes),
        (hand.county.screened, hand.county.risks, hand.disputes)
    );
    for u in &p.units {
        let want = hand
            .townships
            .get(&u.place.path)
            .cloned()
            .unwrap_or_default();
        assert_eq!(
            (u.tally.screened, u.tally.risks),
            (want.screened, want.risks),
            "{}",
            u.place.code
        );
    }
    let by_units: i64 = p.units.iter().map(|u| u.tally.screened).sum();
    assert_eq!(by_units, p.tally.screened);
}

fn visit(risk: &str, key: String) -> VisitInput {
    VisitInput {
        visited_on: jinguo_services::clock::today().to_string(),
        findings: vec!["marital_conflict".into()],
        risk: risk.into(),
        note: String::new(),
        followup: false,
        request_key: key,
    }
}

async fn household_ids(db: &Db) -> Vec<Uuid> {
    let sql = "SELECT id FROM household ORDER BY path, code";
    match db {
        Db::Sqlite(s) => sqlx::query_scalar(sql).fetch_all(&s.read).await.unwrap(),
        Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
    }
}

fn check_line(lines: &[jinguo_services::check::CheckLine], name: &str) -> (bool, String) {
    let l = lines.iter().find(|l| l.name == name).unwrap();
    (l.ok, l.detail.clone())
}

/// Many tasks record visits at once: every household of a sample is tried by two of them (with
/// different submissions), and every submission of a few is sent twice. Each household is
/// counted once, at its group and every place above it, in the risk it was given.
async fn concurrent_visits_keep_exact_tallies(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let campaign = support::campaign_today(&s, &staff, "今日排查").await;
    let ids = household_ids(&t.db).await;
    // Households from all over the county, by a stride.
    let sample: Vec<Uuid> = ids.iter().step_by(3).copied().take(160).collect();
    let s = Arc::new(s);
    let mut tasks = Vec::new();
    for task in 0..32usize {
        let s = s.clone();
        let staff = staff.clone();
        // Each household falls to two tasks; a household's risk is the same whoever records
        // it, so the expected figures do not depend on who wins.
        let mine: Vec<(usize, Uuid)> = sample
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| i % 16 == task % 16)
            .collect();
        tasks.push(tokio::spawn(async move {
            let mut created = 0;
            for (i, h) in mine {
                let risk = RISKS[i % 4];
                // Every fifth submission is the same in both tasks (a retried submit).
                let key = if i % 5 == 0 {
                    format!("tally-key-{i:08}")
                } else {
                    format!("tally-key-{i:08}-{task}")
                };
                created += support::visit_once(&s, &staff, campaign, h, &visit(risk, key)).await;
            }
            created
        }));
    }
    assert_eq!(support::sum_of(tasks).await, sample.len());
    let hand = hand_count(&t.db, campaign).await;
    assert_eq!(hand.county.screened, sample.len() as i64);
    assert_eq!(hand.county.risks, [40, 40, 40, 40]);
    assert_eq!(hand.disputes, [40, 40]);
    let p = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_progress_counted(&p, &hand);
    // A township and a village below read their own rows, and add up.
    let town = p.units.iter().find(|u| u.tally.screened > 0).unwrap();
    let down = s
        .campaign_progress(&staff, campaign, Some(&town.place.code))
        .await
        .unwrap();
    assert_eq!(
        (down.tally.screened, down.tally.risks),
        (town.tally.screened, town.tally.risks)
    );
    let sum: i64 = down.units.iter().map(|u| u.tally.screened).sum();
    assert_eq!(sum, down.tally.screened);
    // The county page's screening line says the same.
    let county = s.place_view(&staff, "530181").await.unwrap().place;
    let lines = s.campaigns_at(&staff, &county, 5).await.unwrap();
    let (_, risks) = lines.iter().find(|(c, _)| c.id == campaign).unwrap();
    assert_eq!(*risks, hand.county.risks);
    // And the check finds every tally equal to a fresh count.
    let lines = s.check(&Caller::operator()).await.unwrap();
    let (ok, detail) = check_line(&lines, "campaign tallies");
    assert!(ok, "{detail}");
}
both_backends!(
    concurrent_visits,
    super::concurrent_visits_keep_exact_tallies
);

/// A tally changed behind the application's back is found by `check`, shows in the progress
/// (which reads the tallies, not the visits), and is repaired by a rebuild; so is a group's
/// households tally. Only the machine's operator rebuilds.
async fn check_finds_and_rebuilds_tallies(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let campaign = crate::screening::campaign_2021(&s, &staff).await.id;
    let hand = hand_count(&t.db, campaign).await;
    assert!(hand.county.screened > 0 && hand.disputes[0] > 0);
    let before = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_progress_counted(&before, &hand);
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");

    // Three rows broken: the county's visits, a group's row gone, the county's disputes.
    support::exec(
        &t.db,
        "UPDATE campaign_tally SET visits = visits + 5 WHERE path = '53/5301/530181/' AND risk = 'none'",
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        "DELETE FROM campaign_tally WHERE path = (SELECT min(path) FROM campaign_tally WHERE level = 6)",
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        "UPDATE campaign_tally SET disputes = disputes - 1 WHERE path = '53/5301/530181/' AND risk = 'medium'",
    )
    .await
    .unwrap();
    support::exec(
        &t.db,
        "UPDATE group_tally SET households = households + 2 WHERE path = (SELECT min(path) FROM group_tally)",
    )
    .await
    .unwrap();
    // Empty caches: nothing from before the change kept.
    let mut s = s;
    s.caches = Arc::new(jinguo_services::caches::Caches::new(
        jinguo_services::caches::Caches::TTL,
    ));
    let broken = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_eq!(broken.tally.screened, hand.county.screened + 5);
    assert_eq!(broken.disputes[0], hand.disputes[0] - 1);
    let lines = s.check(&Caller::operator()).await.unwrap();
    let (ok, detail) = check_line(&lines, "campaign tallies");
    assert!(!ok, "{detail}");
    // The group's row of each risk it had is missing.
    let n: i64 = detail.split(' ').next().unwrap().parse().unwrap();
    assert!(n >= 3, "{detail}");
    let (ok, detail) = check_line(&lines, "tallies");
    assert!(!ok && detail.starts_with("1 "), "{detail}");

    assert!(matches!(
        s.rebuild_tallies(&staff).await,
        Err(ServiceError::Forbidden)
    ));
    s.rebuild_tallies(&Caller::operator()).await.unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    let after = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_progress_counted(&after, &hand);
    assert_eq!(after.tally, before.tally);
    assert_eq!(
        after.units.iter().map(|u| &u.tally).collect::<Vec<_>>(),
        before.units.iter().map(|u| &u.tally).collect::<Vec<_>>()
    );
}
both_backends!(check_rebuilds, super::check_finds_and_rebuilds_tallies);

/// Every row of the campaigns' tallies, in key order.
async fn all_tallies(db: &Db, any: Uuid) -> Vec<(String, String, i64, i64)> {
    rows(
        db,
        "SELECT path, risk, visits, disputes FROM campaign_tally WHERE campaign_id = $1 OR campaign_id <> $1 \
         ORDER BY campaign_id, path, risk",
        any,
    )
    .await
}

/// The migration that brings the tallies counts the visits already there: the table dropped and
/// its migration run again give the same tallies as the visits' own transactions kept.
async fn migration_backfills_existing_visits(b: Backend) {
    let (t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let campaign = support::campaign_today(&s, &staff, "今日排查").await;
    let ids = household_ids(&t.db).await;
    for (i, h) in ids.iter().step_by(7).enumerate().take(40) {
        s.record_visit(
            &staff,
            campaign,
            *h,
            &visit(RISKS[i % 4], format!("backfill-key-{i:08}")),
        )
        .await
        .unwrap();
    }
    let kept = all_tallies(&t.db, campaign).await;
    assert!(!kept.is_empty());
    support::exec(&t.db, "DROP TABLE campaign_tally")
        .await
        .unwrap();
    support::exec(&t.db, "DELETE FROM _sqlx_migrations WHERE version = 34")
        .await
        .unwrap();
    t.db.migrate().await.unwrap();
    let backfilled = all_tallies(&t.db, campaign).await;
    assert_eq!(backfilled, kept);
    let s = support::services(&t.db);
    let hand = hand_count(&t.db, campaign).await;
    assert_eq!(hand.county.screened, 40);
    let p = s.campaign_progress(&staff, campaign, None).await.unwrap();
    assert_progress_counted(&p, &hand);
}
both_backends!(backfill, super::migration_backfills_existing_visits);

/// `jinguo check` fails on a tally that no visit explains, and `jinguo check --rebuild-tallies`
/// writes the tallies afresh and passes.
async fn command_rebuilds_tallies(b: Backend) {
    let t = support::fresh(b).await;
    let campaign = Uuid::now_v7().simple().to_string();
    let id = match b {
        Backend::Sqlite => format!("X'{campaign}'"),
        Backend::Postgres => format!("'{campaign}'::uuid"),
    };
    support::exec(
        &t.db,
        &format!(
            "INSERT INTO campaign_tally (county_code, campaign_id, level, path, risk, visits, disputes) \
             VALUES ('530181', {id}, 3, '53/5301/530181/', 'none', 2, 0)"
        ),
    )
    .await
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let check = |rebuild: bool| {
        let mut c = crate::cli::jinguo();
        c.env("JINGUO_DATABASE_URL", &t.url)
            .arg("--data-dir")
            .arg(data.path())
            .arg("check");
        if rebuild {
            c.arg("--rebuild-tallies");
        }
        let out = c.output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (ok, text) = check(false);
    assert!(!ok && text.contains("FAIL campaign tallies: 1 "), "{text}");
    let (ok, text) = check(true);
    assert!(ok && text.contains("ok   campaign tallies: 0 "), "{text}");
    let left: Vec<(String, String, i64, i64)> = all_tallies(&t.db, Uuid::now_v7()).await;
    assert!(left.is_empty(), "{left:?}");
}
both_backends!(command, super::command_rebuilds_tallies);

/// A place's figures counted by hand from the places, households and serving members below it.
async fn figures_by_hand(db: &Db, path: &str) -> jinguo_storage::place::Figures {
    let (lo, hi) = (path.to_string(), format!("{path}\u{10FFFF}"));
    let count = |sql: &'static str| {
        let (lo, hi) = (lo.clone(), hi.clone());
        async move {
            let sql = sqlx::AssertSqlSafe(sql);
            let n: i64 = match db {
                Db::Sqlite(s) => sqlx::query_scalar(sql)
                    .bind(lo)
                    .bind(hi)
                    .fetch_one(&s.read)
                    .await
                    .unwrap(),
                Db::Postgres(p) => sqlx::query_scalar(sql)
                    .bind(lo)
                    .bind(hi)
                    .fetch_one(p)
                    .await
                    .unwrap(),
            };
            n
        }
    };
    jinguo_storage::place::Figures {
        townships: count("SELECT count(*) FROM place WHERE level = 4 AND path >= $1 AND path < $2").await,
        villages: count("SELECT count(*) FROM place WHERE level = 5 AND path >= $1 AND path < $2").await,
        groups: count("SELECT count(*) FROM place WHERE level = 6 AND path >= $1 AND path < $2").await,
        households: count("SELECT count(*) FROM household WHERE path >= $1 AND path < $2").await,
        executives: count(
            "SELECT count(*) FROM member WHERE role = 'executive' AND ended_on IS NULL AND path >= $1 AND path < $2",
        )
        .await,
        representatives: count(
            "SELECT count(*) FROM member WHERE role = 'representative' AND ended_on IS NULL AND path >= $1 AND path < $2",
        )
        .await,
    }
}

/// The overview of `code` (read with empty caches) agrees with a count by hand, for the place
/// and each of its children.
async fn assert_overview_counted(s: &mut jinguo_services::Services, db: &Db, code: &str) {
    s.caches = Arc::new(jinguo_services::caches::Caches::new(
        jinguo_services::caches::Caches::TTL,
    ));
    // The province's staff, who see every place of the test.
    let staff = support::caller(jinguo_domain::account::Role::Staff, "53/");
    let v = s.place_view(&staff, code).await.unwrap();
    assert_eq!(
        v.figures,
        figures_by_hand(db, &v.place.path).await,
        "{code}"
    );
    assert!(!v.children.is_empty(), "{code}");
    for c in &v.children {
        assert_eq!(
            c.figures,
            figures_by_hand(db, &c.place.path).await,
            "{}",
            c.place.code
        );
    }
}

/// The overview's figures come from the places' tallies, kept by the writes: exact after
/// members are added and leave at the same moment, households are imported and places are
/// imported; `check` finds a broken row and the rebuild mends it.
async fn place_tallies_follow_the_writes(b: Backend) {
    let (t, mut s) = with_small_demo(b).await;
    let staff = support::county_staff();
    for code in ["530181", "530181001", "530181001001"] {
        assert_overview_counted(&mut s, &t.db, code).await;
    }
    let group = crate::storage::first_group(&s).await;
    let village = group[..12].to_string();
    let before = figures_by_hand(&t.db, "53/5301/530181/").await;

    // Members added and leaving at once, from many tasks.
    let leaving: Vec<Uuid> = {
        let sql = "SELECT id FROM member WHERE role = 'representative' AND ended_on IS NULL ORDER BY id LIMIT 4";
        match &t.db {
            Db::Sqlite(x) => sqlx::query_scalar(sql).fetch_all(&x.read).await.unwrap(),
            Db::Postgres(p) => sqlx::query_scalar(sql).fetch_all(p).await.unwrap(),
        }
    };
    assert_eq!(leaving.len(), 4);
    let shared = Arc::new(s);
    let mut tasks = Vec::new();
    for i in 0..8usize {
        let (s, staff) = (shared.clone(), staff.clone());
        let (village, group) = (village.clone(), group.clone());
        let leave = leaving.get(i % 4).copied().filter(|_| i < 4);
        tasks.push(tokio::spawn(async move {
            let (at, role) = if i % 2 == 0 {
                (village, "executive")
            } else {
                (group, "representative")
            };
            s.add_member(
                &staff,
                &at,
                &jinguo_domain::member::MemberInput {
                    name: format!("新成员{i}"),
                    role: role.into(),
                    started_on: "2026-01-01".into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            if let Some(m) = leave {
                s.member_leave(&staff, m, "任期届满，换届离任")
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut s = Arc::try_unwrap(shared).ok().unwrap();
    let after = figures_by_hand(&t.db, "53/5301/530181/").await;
    assert_eq!(after.executives, before.executives + 4);
    assert_eq!(after.representatives, before.representatives + 4 - 4);

    // Households from a sheet.
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "户编号",
        "小组编码",
        "家庭住址",
        "姓名",
        "身份证号",
        "与户主关系",
    ])
    .unwrap();
    for k in 0..3u32 {
        let number = crate::exports::id(k + 40, 2);
        w.write_record([
            format!("{group}T{k}").as_str(),
            &group,
            "文化路1号",
            "新户主",
            &number,
            "户主",
        ])
        .unwrap();
    }
    let r = s
        .import_households(
            &staff,
            &jinguo_services::import::SheetSource::CsvBytes(w.into_inner().unwrap()),
            true,
        )
        .await
        .unwrap();
    assert!(r.committed, "{:?}", r.issues);
    assert_eq!(
        figures_by_hand(&t.db, "53/5301/530181/").await.households,
        before.households + 3
    );

    // Places from the division files: a township and a village new, the others renamed.
    let dir = tempfile::tempdir().unwrap();
    crate::storage::division_files(dir.path());
    s.import_places(&Caller::operator(), dir.path())
        .await
        .unwrap();
    for code in ["530181", "530181001", &village, "53"] {
        assert_overview_counted(&mut s, &t.db, code).await;
    }
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");

    // A broken row is found, and the rebuild mends it.
    support::exec(
        &t.db,
        "UPDATE place_tally SET households = households + 7 WHERE path = '53/5301/530181/'",
    )
    .await
    .unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    let (ok, detail) = check_line(&lines, "place tallies");
    assert!(!ok && detail.starts_with("1 "), "{detail}");
    s.rebuild_tallies(&Caller::operator()).await.unwrap();
    let lines = s.check(&Caller::operator()).await.unwrap();
    assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    assert_overview_counted(&mut s, &t.db, "530181").await;
}
both_backends!(place_tallies, super::place_tallies_follow_the_writes);

/// A place not where its code says (a resident group moved under another village keeps its
/// code): its progress is read from where it lies, with the lineage of its real village; it is
/// one of that village's units and not of the village its code names; the staff of the village
/// its code names do not see it, those of its real village do.
async fn progress_of_a_place_not_where_its_code_says(b: Backend) {
    use jinguo_domain::account::Role;
    let (_t, s) = with_small_demo(b).await;
    let staff = support::county_staff();
    let campaign = support::campaign_today(&s, &Caller::operator(), "本月排查").await;
    let villages = jinguo_storage::place::children(&s.db, "530181001")
        .await
        .unwrap();
    let (named, real) = (&villages[0], &villages[1]);
    let code = format!("{}099", named.code);
    let moved = jinguo_storage::place::NewPlace {
        code: code.clone(),
        parent_code: Some(real.code.clone()),
        level: 6,
        name: "搬迁小组".into(),
        path: format!("{}{code}/", real.path),
        county_code: Some("530181".into()),
    };
    let added: Result<u64, jinguo_storage::StorageError> = async {
        jinguo_storage::db_tx!(&s.db, tx => jinguo_storage::place::upsert(tx, std::slice::from_ref(&moved)).await)
    }
    .await;
    added.unwrap();
    let p = s
        .campaign_progress(&staff, campaign, Some(&code))
        .await
        .unwrap();
    assert_eq!(p.place.path, moved.path);
    let lineage: Vec<_> = p.lineage.iter().map(|l| l.code.as_str()).collect();
    assert!(lineage.contains(&real.code.as_str()), "{lineage:?}");
    assert!(!lineage.contains(&named.code.as_str()), "{lineage:?}");
    assert_eq!((p.tally.households, p.tally.screened), (0, 0));
    assert!(p.units.is_empty());
    let units = |p: &Progress| p.units.iter().any(|u| u.place.code == code);
    let at_real = s
        .campaign_progress(&staff, campaign, Some(&real.code))
        .await
        .unwrap();
    assert!(units(&at_real));
    let at_named = s
        .campaign_progress(&staff, campaign, Some(&named.code))
        .await
        .unwrap();
    assert!(!units(&at_named));
    let named_staff = support::caller(Role::Staff, &named.path);
    assert!(matches!(
        s.campaign_progress(&named_staff, campaign, Some(&code))
            .await,
        Err(ServiceError::NotFound)
    ));
    let real_staff = support::caller(Role::Staff, &real.path);
    let mine = s
        .campaign_progress(&real_staff, campaign, Some(&code))
        .await
        .unwrap();
    assert_eq!(mine.place.path, moved.path);
}
both_backends!(
    misplaced_code,
    super::progress_of_a_place_not_where_its_code_says
);
