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

/// The screening of a period below a subtree: from the year's tallies when the period is one
/// calendar year and the subtree a place's ([`screened_in_year`]), else counted from the visits
/// ([`screened_from_visits`]). Both give the same figures.
pub async fn screened(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Screened, StorageError> {
    match (whole_year(from, to), place_path(within)) {
        (Some(year), Some(path)) => screened_in_year(db, path, year).await,
        _ => screened_from_visits(db, within, from, to).await,
    }
}

/// The year a period covers exactly, from 1 January to 31 December.
fn whole_year(from: NaiveDate, to: NaiveDate) -> Option<i32> {
    use chrono::Datelike;
    let year = from.year();
    (from.ordinal() == 1 && NaiveDate::from_ymd_opt(year, 12, 31) == Some(to)).then_some(year)
}

/// The path of the place whose subtree this is (one the tallies have a row for), if it is one.
fn place_path(within: &Subtree) -> Option<&str> {
    (!within.lo.is_empty()
        && within.lo.ends_with('/')
        && Subtree::of_path(&within.lo).hi == within.hi)
        .then_some(within.lo.as_str())
}

/// The screening of one calendar year below a place (its `path`), from the years' screening
/// tallies the visits' transactions keep (the place's own row in each county below it): a
/// household is counted once in a year however many campaigns visited it.
pub async fn screened_in_year(db: &Db, path: &str, year: i32) -> Result<Screened, StorageError> {
    let county = crate::scope::county_of_path(path);
    let sql = format!(
        "SELECT CAST(COALESCE(sum(households), 0) AS BIGINT) AS households, \
         CAST(COALESCE(sum(visits), 0) AS BIGINT) AS visits, \
         CAST(COALESCE(sum(medium), 0) AS BIGINT) AS medium, \
         CAST(COALESCE(sum(high), 0) AS BIGINT) AS high \
         FROM screening_tally WHERE year = $1 AND path = $2{}",
        if county.is_some() {
            " AND county_code = $3"
        } else {
            ""
        }
    );
    if let Some(q) = db.quick() {
        return q.run(|c| {
            use crate::quick::*;
            let mut args = vec![rusqlite::types::Value::Integer(i64::from(year)), text(path)];
            args.extend(county.map(text));
            let found = rows(c, &sql, &args, |r| {
                Ok(Screened {
                    households: get_int(r, 0)?,
                    visits: get_int(r, 1)?,
                    medium: get_int(r, 2)?,
                    high: get_int(r, 3)?,
                })
            })?;
            Ok(found.into_iter().next().unwrap_or_default())
        });
    }
    Ok(db_run!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(year).bind(path);
        if let Some(county) = county {
            q = q.bind(county);
        }
        q.fetch_one(p).await
    })?)
}

/// The screening of a period below a subtree, counted from the visits.
pub async fn screened_from_visits(
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
