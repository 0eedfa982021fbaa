//! A streaming replica of the throwaway cluster (started by `scripts/test`): dashboards and
//! coverage read their figures there, and follow the primary once it has replayed the changes.

use crate::support;
use jinguo_storage::{Backend, Db};

fn replica_url(primary_url: &str) -> String {
    let replica = std::env::var("JINGUO_TEST_REPLICA_URL").expect(
        "JINGUO_TEST_REPLICA_URL is not set: run the tests with scripts/test, which starts a replica",
    );
    let (base, _) = replica.rsplit_once('/').unwrap();
    let (_, name) = primary_url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

async fn one_value<T>(db: &Db, sql: &'static str) -> T
where
    T: for<'r> sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send + Unpin,
{
    let Db::Postgres(p) = db else { unreachable!() };
    sqlx::query_as::<_, (T,)>(sql).fetch_one(p).await.unwrap().0
}

/// Waits until `ok` holds, for at most 30 s.
async fn eventually<F, Fut>(what: &str, mut ok: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..600 {
        if ok().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 30 s");
}

async fn gaps(x: &jinguo_services::Services, group: &str) -> i64 {
    x.coverage(&support::county_staff(), group)
        .await
        .unwrap()
        .households_without_representative()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_are_read_from_a_replica() {
    let (t, s) = support::with_small_demo(Backend::Postgres).await;
    let url = replica_url(&t.url);
    // The database appears on the replica once its creation is replayed.
    let mut replica = None;
    for _ in 0..600 {
        if let Ok(db) = Db::connect(&url).await {
            replica = Some(db);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let replica = replica.expect("the database never appeared on the replica");
    assert!(
        one_value::<bool>(&replica, "SELECT pg_is_in_recovery()").await,
        "not a standby"
    );
    eventually("the demo replayed on the replica", || async {
        one_value::<i64>(&replica, "SELECT count(*) FROM household").await == 600
    })
    .await;
    let staff = support::county_staff();
    let on_replica = jinguo_services::Services {
        replica: Some(replica.clone()),
        ..s.clone()
    };
    let (group, _) = support::first_household(&s).await;
    let view = |x: jinguo_services::Services| {
        let staff = staff.clone();
        async move {
            let v = x.place_view(&staff, "530181").await.unwrap();
            format!("{:?}", v.figures)
        }
    };
    assert_eq!(view(s.clone()).await, view(on_replica.clone()).await);
    assert_eq!(gaps(&on_replica, &group).await, 0);

    // Replay paused: a representative leaves on the primary; the primary's figures show the gap,
    // the replica's do not yet — the figures really come from the replica.
    let _: String = one_value::<String>(&replica, "SELECT pg_wal_replay_pause()::text").await;
    let rep = s.coverage_members(&staff, &group).await.unwrap()[0].id;
    s.member_leave(&staff, rep, "调任").await.unwrap();
    let gap = gaps(&s, &group).await;
    assert!(gap > 0);
    // Give the replica time it would use to replay, were it not paused.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(gaps(&on_replica, &group).await, 0);
    let _: String = one_value::<String>(&replica, "SELECT pg_wal_replay_resume()::text").await;
    eventually("the gap shown from the replica", || {
        let (x, group) = (on_replica.clone(), group.clone());
        async move { gaps(&x, &group).await == gap }
    })
    .await;
    // Nothing is written through the replica: a write on it is refused by PostgreSQL itself.
    let Db::Postgres(p) = &replica else {
        unreachable!()
    };
    assert!(
        sqlx::query("DELETE FROM audit_head")
            .execute(p)
            .await
            .is_err()
    );
    replica.close().await;
}
