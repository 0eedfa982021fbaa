//! `jinguo bench`: figures measured on this machine's database, for BENCHMARKS.md.

use anyhow::Context;
use jinguo_services::Services;
use jinguo_storage::{Db, Scope, Subtree, db_run, household};
use std::time::{Duration, Instant};

fn percentile(mut v: Vec<Duration>, p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v.get(i).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(0.0)
}

/// Times two queries `n` times each, alternating so that neither gains from running second
/// (after one warm-up run of each). Both must find something.
async fn time_pair<F, Fa, G, Ga>(
    n: usize,
    mut f: F,
    mut g: G,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)>
where
    F: FnMut() -> Fa,
    Fa: std::future::Future<Output = anyhow::Result<usize>>,
    G: FnMut() -> Ga,
    Ga: std::future::Future<Output = anyhow::Result<usize>>,
{
    anyhow::ensure!(
        f().await? > 0 && g().await? > 0,
        "the query found nothing: run `jinguo demo` first"
    );
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        a.push(t.elapsed());
        let t = Instant::now();
        g().await?;
        b.push(t.elapsed());
    }
    Ok((a, b))
}

/// The query with no scope clause at all: the place's subtree only.
async fn page_unfiltered(db: &Db, place: &Subtree) -> anyhow::Result<usize> {
    let rows: Vec<(uuid::Uuid, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT id, code FROM household WHERE path >= $1 AND path < $2 ORDER BY path, code LIMIT 50 OFFSET 75000")
        .bind(&place.lo).bind(&place.hi).fetch_all(p).await)?;
    Ok(rows.len())
}

async fn count_unfiltered(db: &Db, place: &Subtree) -> anyhow::Result<usize> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM household WHERE path >= $1 AND path < $2")
        .bind(&place.lo).bind(&place.hi).fetch_one(p).await)?;
    Ok(n as usize)
}

pub async fn run(services: &Services, username: &str, password: &str) -> anyhow::Result<()> {
    let db = &services.db;
    let county = Subtree::of_path("53/5301/530181/");
    // The caller's scope covers the whole county: nothing is cut away, so the two queries return
    // the same rows and any difference is the cost of the scope filter.
    let scope = Scope::of_paths(["53/5301/530181/"]);
    let n = 200;
    println!("| figure | value | goal |");
    println!("|---|---|---|");
    let pages = time_pair(
        n,
        || page_unfiltered(db, &county),
        || async {
            Ok(household::list_page(db, &county, &scope, 75_000, 50)
                .await?
                .len())
        },
    )
    .await?;
    let counts = time_pair(
        n,
        || count_unfiltered(db, &county),
        || async { Ok(household::count_visible(db, &county, &scope).await? as usize) },
    )
    .await?;
    for (label, (unscoped, scoped)) in [
        (
            "list a page of the county's households (offset 75,000)",
            pages,
        ),
        ("count the county's households", counts),
    ] {
        let (a, b) = (percentile(unscoped, 0.5), percentile(scoped, 0.5));
        println!(
            "| {label}: without / with the caller's scope clause, p50 of {n} | {a:.2} / {b:.2} ms ({:+.0}%) | scope adds < 20% |",
            (b / a - 1.0) * 100.0
        );
    }
    let mut logins = Vec::new();
    for _ in 0..10 {
        let t = Instant::now();
        services
            .login(username, password, "127.0.0.1")
            .await
            .context("login of the demo account")?;
        logins.push(t.elapsed());
    }
    println!(
        "| login (Argon2id m=19 MiB, t=2, p=1), p50 / max of 10 | {:.0} / {:.0} ms | < 300 ms |",
        percentile(logins.clone(), 0.5),
        percentile(logins, 1.0)
    );
    Ok(())
}
