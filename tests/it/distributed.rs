//! Jinguo on a distributed database (Citus, built and started by `scripts/citus`): a county's
//! figures read from its own shard, and a worker lost in the middle of a county's writes (that
//! test starts a cluster of its own, so that stopping a worker touches no other test).

use crate::support::{self, with_small_demo};
use jinguo_services::audit::{Record, Verification, record};
use jinguo_services::{Caller, Services};
use jinguo_storage::{Backend, Db, StorageError, db_tx};
use std::process::Command;

fn citus_script() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/citus")
}

/// Every commit on disk before it is acknowledged, as in production (the clusters of the test
/// run trade that for speed): a worker stopped at once loses nothing acknowledged.
const DURABLE: &str =
    "-c citus.shard_count=4 -c fsync=on -c synchronous_commit=on -c full_page_writes=on";

/// Runs `scripts/citus` with durable settings; it must succeed.
fn citus(args: &[&std::ffi::OsStr]) {
    let out = Command::new(citus_script())
        .args(args)
        .env("CITUS_SERVER_SETTINGS", DURABLE)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A Citus cluster of the test's own, stopped and removed when dropped.
struct OwnCluster {
    dir: tempfile::TempDir,
    coordinator: String,
    workers: Vec<u16>,
}

impl OwnCluster {
    fn start() -> OwnCluster {
        let dir = tempfile::Builder::new()
            .prefix("jinguo-citus-")
            .tempdir_in("/tmp")
            .unwrap();
        let nodes = dir.path().join("nodes");
        citus(&["start".as_ref(), nodes.as_os_str(), "2".as_ref()]);
        let env = std::fs::read_to_string(nodes.join("env")).unwrap();
        let value = |key: &str| {
            env.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .unwrap()
                .to_string()
        };
        OwnCluster {
            coordinator: value("CITUS_URL"),
            workers: value("CITUS_WORKERS")
                .split(',')
                .map(|p| p.parse().unwrap())
                .collect(),
            dir,
        }
    }

    /// Stops (immediately, as a crash would) or starts worker `i` (1, 2).
    fn worker(&self, i: usize, what: &str) {
        let nodes = self.dir.path().join("nodes");
        let i = i.to_string();
        citus(&[
            "worker".as_ref(),
            nodes.as_os_str(),
            i.as_ref(),
            what.as_ref(),
        ]);
    }
}

impl Drop for OwnCluster {
    fn drop(&mut self) {
        let _ = Command::new(citus_script())
            .arg("stop")
            .arg(self.dir.path().join("nodes"))
            .output();
    }
}

/// The port of the worker holding a county's rows.
async fn node_of(db: &Db, county: &str) -> i32 {
    let Db::Postgres(p) = db else { unreachable!() };
    let (port,): (i32,) = sqlx::query_as(
        "SELECT nodeport FROM citus_shards WHERE table_name = 'audit'::regclass \
         AND shardid = get_shard_id_for_distribution_column('audit', $1)",
    )
    .bind(county)
    .fetch_one(p)
    .await
    .unwrap();
    port
}

/// One write of a county: an entry of its chain, in a transaction of its own.
async fn write(s: &Services, county: &str, i: i64) -> Result<i64, StorageError> {
    let staff = support::caller(
        jinguo_domain::account::Role::Staff,
        &format!("53/5301/{county}/"),
    );
    db_tx!(&s.db, tx => record(tx, &s.keys, &staff, Record::new("test.entry")
        .place(format!("53/5301/{county}/")).target(format!("thing:{i}"))).await)
}

/// A worker stopped in the middle of a county's writes: that county's next write fails with an
/// error that says the database cannot take writes for now (503 at the API), nothing the county
/// had written before is lost, a county on the other worker goes on writing, and once the worker
/// is back the county writes again and `jinguo check` passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_lost_during_a_countys_writes() {
    if support::citus().is_none() {
        return;
    }
    let cluster = OwnCluster::start();
    let ports = cluster.workers.clone();
    let coordinator = cluster.coordinator.clone();
    support::on_citus_at(&coordinator, &ports, async {
        let (t, s) = with_small_demo(Backend::Postgres).await;
        let anning = "530181";
        let lost = node_of(&t.db, anning).await;
        let mut other = None;
        for i in 2..99 {
            let code = format!("5301{i:02}");
            if node_of(&t.db, &code).await != lost {
                other = Some(code);
                break;
            }
        }
        let other = other.expect("a county on the other worker");
        let index = ports.iter().position(|p| i32::from(*p) == lost).unwrap() + 1;
        let (_, household) = support::first_household(&s).await;
        let (before, _) = jinguo_storage::audit::head(&t.db, anning).await.unwrap();
        let mut acknowledged = Vec::new();
        for i in 0..10 {
            acknowledged.push(write(&s, anning, i).await.unwrap());
        }
        cluster.worker(index, "stop");
        let refused = write(&s, anning, 10).await.unwrap_err();
        assert!(refused.is_unwritable(), "{refused}");
        // Through the services as a request would: the same answer.
        let e = s.household_view(&support::county_staff(), household).await;
        assert!(
            matches!(&e, Err(jinguo_services::ServiceError::Storage(x)) if x.is_unwritable()),
            "{e:?}"
        );
        for i in 0..5 {
            assert_eq!(write(&s, &other, i).await.unwrap(), i + 1);
        }
        cluster.worker(index, "start");
        // The coordinator finds the worker again (its connections to it were lost).
        let mut back = Err(StorageError::Unsupported("not tried"));
        for _ in 0..60 {
            back = write(&s, anning, 11).await;
            if back.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
        let seq = back.unwrap();
        assert_eq!(seq, before + 11, "the refused write left nothing");
        for (i, n) in acknowledged.iter().enumerate() {
            let row = jinguo_storage::audit::get(&t.db, anning, *n)
                .await
                .unwrap()
                .expect("an acknowledged write is kept");
            assert_eq!(row.target, format!("thing:{i}"));
        }
        assert_eq!(
            s.verify_audit_chain(anning, &[]).await.unwrap(),
            Verification::Intact { entries: seq }
        );
        let lines = s.check(&Caller::operator()).await.unwrap();
        assert!(lines.iter().all(|l| l.ok), "{lines:?}");
    })
    .await;
}

/// The plan's number of tasks on each line that names one (`Task Count: n`).
async fn task_counts(db: &Db, statement: &str, lo: &str, hi: &str, county: &str) -> Vec<String> {
    let Db::Postgres(p) = db else { unreachable!() };
    let plan: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!("EXPLAIN {statement}")))
        .bind(lo)
        .bind(hi)
        .bind(county)
        .fetch_all(p)
        .await
        .unwrap();
    plan.into_iter()
        .map(|(l,)| l)
        .filter(|l| l.contains("Task Count:"))
        .map(|l| l.trim().to_string())
        .collect()
}

/// A county's overview and coverage reach the county's shard alone: the plans of its tallies'
/// statements have one task, and with every statement of more than one task refused
/// (`citus.multi_task_query_log_level = error`) the county's and a township's overview still
/// answer, and so does the county's coverage (its units nobody answers for too) and its campaign
/// progress (the place, its family and both tallies in one statement), while the province's
/// overview, which adds up every county, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_countys_figures_reach_one_shard() {
    if support::citus().is_none() {
        return;
    }
    support::on_citus(async {
        let (t, demo) = with_small_demo(Backend::Postgres).await;
        let (lo, hi) = ("53/5301/530181/", "53/5301/5301810");
        for statement in [
            "SELECT path, sum(households) FROM place_tally WHERE level IN (3, 4) \
             AND path >= $1 AND path < $2 AND county_code = $3 GROUP BY path",
            "SELECT path, households FROM group_tally WHERE households > 0 \
             AND path >= $1 AND path < $2 AND county_code = $3",
            "SELECT unit_code FROM assignment WHERE unit_code IS NOT NULL AND ended_on IS NULL \
             AND path >= $1 AND path < $2 AND county_code = $3",
        ] {
            assert_eq!(
                task_counts(&t.db, statement, lo, hi, "530181").await,
                ["Task Count: 1"],
                "{statement}"
            );
            // The same range without the county asks every shard.
            let every = statement.replace(" AND county_code = $3", " AND $3 <> ''");
            let counts = task_counts(&t.db, &every, lo, hi, "530181").await;
            assert!(counts.iter().all(|c| c != "Task Count: 1"), "{counts:?}");
        }

        let Db::Postgres(p) = &t.db else {
            unreachable!()
        };
        // A village of the county nobody answers for any more, then the county's coverage while
        // every statement may ask every shard.
        let (village,): (String,) = sqlx::query_as(
            "SELECT min(unit_code) FROM assignment WHERE county_code = $1 AND length(unit_code) = 12",
        )
        .bind("530181")
        .fetch_one(p)
        .await
        .unwrap();
        sqlx::query(
            "UPDATE assignment SET ended_on = started_on WHERE county_code = $1 AND unit_code = $2",
        )
        .bind("530181")
        .bind(&village)
        .execute(p)
        .await
        .unwrap();
        let expected = demo
            .coverage(&support::county_staff(), "530181")
            .await
            .unwrap();
        assert!(expected.uncovered_units.iter().any(|g| g.code == village));
        // A county's campaign progress: the place, its family and both tallies in one statement,
        // which must reach the county's shard alone. The campaigns (a read of every shard) are
        // read first into caches the server below keeps.
        let county_staff = support::county_staff();
        let campaign = demo.campaigns(&county_staff).await.unwrap()[0].id;
        let progress = demo
            .campaign_progress(&county_staff, campaign, Some("530181"))
            .await
            .unwrap();
        let caches = std::sync::Arc::new(jinguo_services::caches::Caches::new(
            std::time::Duration::from_secs(600),
        ));
        let warm = Services {
            caches: caches.clone(),
            ..demo.clone()
        };
        let first_town = &progress.units[0].place.code;
        warm.campaign_progress(&county_staff, campaign, Some(first_town))
            .await
            .unwrap();
        let (name,): (String,) = sqlx::query_as("SELECT current_database()")
            .fetch_one(p)
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "ALTER DATABASE \"{name}\" SET citus.multi_task_query_log_level = 'error'"
        )))
        .execute(p)
        .await
        .unwrap();
        // New connections take the setting; the demo's keys open its names.
        let s = Services {
            db: Db::connect(&t.url).await.unwrap(),
            caches,
            ..demo
        };
        let again = s
            .campaign_progress(&county_staff, campaign, Some("530181"))
            .await
            .unwrap();
        assert_eq!(
            (again.tally.households, again.tally.screened, again.tally.risks),
            (progress.tally.households, progress.tally.screened, progress.tally.risks)
        );
        assert_eq!(again.units.len(), progress.units.len());
        let staff = support::county_staff();
        let view = s.place_view(&staff, "530181").await.unwrap();
        assert_eq!(view.figures.households, 600);
        let township = &view.children[0].place.code;
        s.place_view(&staff, township).await.unwrap();
        let province = support::caller(jinguo_domain::account::Role::Staff, "53/");
        assert!(s.place_view(&province, "53").await.is_err());
        // The county's coverage answers the same: its units nobody answers for are found by its
        // own shard and one copy of the places.
        let coverage = s.coverage(&staff, "530181").await.unwrap();
        let single = expected;
        let codes = |c: &jinguo_services::coverage::Coverage| {
            c.uncovered_units
                .iter()
                .map(|g| g.code.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&coverage), codes(&single));
        assert_eq!(coverage.members, single.members);
        assert_eq!(
            coverage.households_without_representative(),
            single.households_without_representative()
        );
        // A township's coverage too.
        s.coverage(&staff, township).await.unwrap();
        // The province's coverage adds up every county: refused.
        assert!(s.coverage(&province, "53").await.is_err());
    })
    .await;
}
