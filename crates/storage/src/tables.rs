//! Statistical tables (统计报表) a county sends to the federation above, and the returns of each
//! period: counts only, never a record of a person or a case. The services decide who defines,
//! signs off, sends and receives them.

use crate::{Db, DbConn, StorageError, Subtree, conn_run, db_run};
use uuid::Uuid;

/// A table's definition: its columns are figure keys, comma separated.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TableRow {
    pub county_code: String,
    pub id: Uuid,
    /// The county's path.
    pub path: String,
    pub name: String,
    pub columns: String,
    pub position: i64,
    pub changed_by: String,
    pub changed_ms: i64,
    pub version: i64,
}

/// The tables of one period as signed off: the definitions signed and the counts (JSON).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReturnRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    /// The period's key ("2021", "2021-Q2" …).
    pub period: String,
    pub tables: String,
    pub data: String,
    pub signed_by: String,
    pub signed_ms: i64,
    pub sent_by: Option<String>,
    pub sent_ms: Option<i64>,
}

/// A county's tables in their order.
pub async fn tables(db: &Db, county: &str) -> Result<Vec<TableRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, path, name, columns, position, changed_by, changed_ms, version \
         FROM stat_table WHERE county_code = $1 ORDER BY position, id")
        .bind(county).fetch_all(p).await)?)
}

pub async fn insert_table(tx: &mut DbConn<'_>, r: &TableRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO stat_table (county_code, id, path, name, columns, position, changed_by, \
         changed_ms, version) VALUES ($1, $2, $3, $4, $5, \
         (SELECT COALESCE(MAX(position), 0) + 1 FROM stat_table WHERE county_code = $1), \
         $6, $7, 1)")
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(&r.name).bind(&r.columns)
        .bind(&r.changed_by).bind(r.changed_ms)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// Changes a table if it is still at `version`; whether it was.
pub async fn update_table(
    tx: &mut DbConn<'_>,
    r: &TableRow,
    version: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, x => sqlx::query(
        "UPDATE stat_table SET name = $1, columns = $2, changed_by = $3, changed_ms = $4, \
         version = version + 1 WHERE county_code = $5 AND id = $6 AND version = $7")
        .bind(&r.name).bind(&r.columns).bind(&r.changed_by).bind(r.changed_ms)
        .bind(&r.county_code).bind(r.id).bind(version)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Removes a table; whether it was there.
pub async fn delete_table(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, x => sqlx::query(
        "DELETE FROM stat_table WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

macro_rules! return_cols {
    () => {
        "county_code, id, path, period, tables, data, signed_by, signed_ms, sent_by, sent_ms"
    };
}

/// A county's return of a period, signed or sent.
pub async fn return_of(
    db: &Db,
    county: &str,
    period: &str,
) -> Result<Option<ReturnRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", return_cols!(),
        " FROM stat_return WHERE county_code = $1 AND period = $2"))
        .bind(county).bind(period).fetch_optional(p).await)?,
    )
}

/// Records a sign-off, replacing the one before while nothing was sent; whether it was recorded
/// (not when the period's return was already sent).
pub async fn sign(tx: &mut DbConn<'_>, r: &ReturnRow) -> Result<bool, StorageError> {
    conn_run!(tx, x => sqlx::query(
        "DELETE FROM stat_return WHERE county_code = $1 AND period = $2 AND sent_ms IS NULL")
        .bind(&r.county_code).bind(&r.period).execute(&mut *x).await.map(|_| ()))?;
    let n = conn_run!(tx, x => sqlx::query(concat!("INSERT INTO stat_return (", return_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL) \
         ON CONFLICT (county_code, period) DO NOTHING"))
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(&r.period).bind(&r.tables)
        .bind(&r.data).bind(&r.signed_by).bind(r.signed_ms)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Marks a signed return sent; whether it was still unsent.
pub async fn send(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    by: &str,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, x => sqlx::query(
        "UPDATE stat_return SET sent_by = $1, sent_ms = $2 \
         WHERE county_code = $3 AND id = $4 AND sent_ms IS NULL")
        .bind(by).bind(at_ms).bind(county).bind(id)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The returns of a period sent by the counties below a subtree, by county.
pub async fn sent_within(
    db: &Db,
    within: &Subtree,
    period: &str,
) -> Result<Vec<ReturnRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", return_cols!(),
        " FROM stat_return WHERE period = $1 AND path >= $2 AND path < $3 \
         AND sent_ms IS NOT NULL ORDER BY county_code"))
        .bind(period).bind(&within.lo).bind(&within.hi).fetch_all(p).await)?,
    )
}
