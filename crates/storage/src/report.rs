//! Counts of the annual report and the statistical tables: how many records of each mechanism
//! fall in a period below a subtree. Only counts leave here, never a row: the services decide
//! who may ask (staff managing the place) and suppress small counts where they are published.

use crate::{Db, StorageError, Subtree, db_run};
use chrono::{DateTime, NaiveDate, Utc};

/// The screening of a period below a subtree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Screened {
    /// Households visited (each once, however often).
    pub households: i64,
    pub visits: i64,
    /// Visits that graded the household medium risk …
    pub medium: i64,
    /// … and high risk.
    pub high: i64,
}

pub async fn screened(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Screened, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT count(DISTINCT household_id) AS households, count(*) AS visits, \
         COALESCE(SUM(CASE WHEN risk = 'medium' THEN 1 ELSE 0 END), 0) AS medium, \
         COALESCE(SUM(CASE WHEN risk = 'high' THEN 1 ELSE 0 END), 0) AS high \
         FROM visit WHERE path >= $1 AND path < $2 AND visited_on >= $3 AND visited_on <= $4")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_one(p).await)?)
}

/// Domestic-violence cases received in a period below a subtree.
pub async fn cases(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM dv_case WHERE path >= $1 AND path < $2 \
         AND received_on >= $3 AND received_on <= $4")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_one(p).await)?;
    Ok(n)
}

/// Referrals to departments sent between two times below a subtree, and how many of them were
/// acknowledged by their deadline.
pub async fn referrals(
    db: &Db,
    within: &Subtree,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT count(*), COALESCE(SUM(CASE WHEN acknowledged_at IS NOT NULL \
         AND acknowledged_at <= due_at THEN 1 ELSE 0 END), 0) FROM referral \
         WHERE path >= $1 AND path < $2 AND sent_at >= $3 AND sent_at < $4")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(until).fetch_one(p).await)?)
}

/// Calls to the 12338 hotline between two times (milliseconds) below a subtree.
pub async fn calls(
    db: &Db,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM hotline_call WHERE path >= $1 AND path < $2 \
         AND called_ms >= $3 AND called_ms < $4")
        .bind(&within.lo).bind(&within.hi).bind(from_ms).bind(to_ms).fetch_one(p).await)?;
    Ok(n)
}

/// Public-opinion items found between two times (milliseconds) below a subtree.
pub async fn opinion_items(
    db: &Db,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM opinion_item WHERE path >= $1 AND path < $2 \
         AND found_ms >= $3 AND found_ms < $4")
        .bind(&within.lo).bind(&within.hi).bind(from_ms).bind(to_ms).fetch_one(p).await)?;
    Ok(n)
}

/// Supervision tasks issued in a period below a subtree, and those of them closed.
pub async fn supervision(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT count(*), COALESCE(SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END), 0) \
         FROM supervision_task WHERE path >= $1 AND path < $2 \
         AND issued_on >= $3 AND issued_on <= $4")
        .bind(&within.lo).bind(&within.hi)
        .bind(from.to_string()).bind(to.to_string()).fetch_one(p).await)?)
}

/// Screening visits and disputes registered by month ("YYYY-MM") in a period below a subtree.
pub async fn by_month(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(String, i64, i64)>, StorageError> {
    let visits: Vec<(String, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT substr(CAST(visited_on AS TEXT), 1, 7), count(*) FROM visit \
         WHERE path >= $1 AND path < $2 AND visited_on >= $3 AND visited_on <= $4 \
         GROUP BY 1 ORDER BY 1")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_all(p).await)?;
    let disputes: Vec<(String, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT substr(CAST(opened_on AS TEXT), 1, 7), count(*) FROM dispute \
         WHERE path >= $1 AND path < $2 AND opened_on >= $3 AND opened_on <= $4 \
         GROUP BY 1 ORDER BY 1")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_all(p).await)?;
    let mut months: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (m, n) in visits {
        months.entry(m).or_default().0 += n;
    }
    for (m, n) in disputes {
        months.entry(m).or_default().1 += n;
    }
    Ok(months.into_iter().map(|(m, (v, d))| (m, v, d)).collect())
}
