//! The 12338 hotline log. Sealed values are stored as the services give them; calls are read
//! within the subtrees a [`Reader`] manages.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CallRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    pub called_ms: i64,
    pub off_hours: bool,
    /// Sealed (empty when not given).
    pub caller_name: String,
    /// Sealed (empty when not given).
    pub caller_phone: String,
    pub kind: String,
    /// Sealed.
    pub summary: String,
    pub action: String,
    pub linked_id: Option<Uuid>,
    pub callback_on: Option<String>,
    pub called_back_ms: Option<i64>,
    pub created_ms: i64,
    pub created_by: String,
}

macro_rules! call_cols {
    () => {
        "county_code, id, path, place_code, called_ms, off_hours, caller_name, caller_phone, \
         kind, summary, action, linked_id, callback_on, called_back_ms, created_ms, created_by"
    };
}

pub async fn insert_call(tx: &mut DbConn<'_>, c: &CallRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(concat!("INSERT INTO hotline_call (", call_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
        .bind(&c.county_code).bind(c.id).bind(&c.path).bind(&c.place_code).bind(c.called_ms)
        .bind(c.off_hours).bind(&c.caller_name).bind(&c.caller_phone).bind(&c.kind)
        .bind(&c.summary).bind(&c.action).bind(c.linked_id).bind(&c.callback_on)
        .bind(c.called_back_ms).bind(c.created_ms).bind(&c.created_by)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// A call, within the subtrees the reader manages.
pub async fn call(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<CallRow>>, StorageError> {
    let row: Option<CallRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", call_cols!(), " FROM hotline_call h WHERE id = "));
        q.push_bind(id);
        reader.push_managed_filter(&mut q, "h");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Calls between two times within the reader's subtrees, newest first; at most `limit`.
pub async fn calls(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
    limit: i64,
) -> Result<Vec<Seen<CallRow>>, StorageError> {
    let rows: Vec<CallRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", call_cols!(), " FROM hotline_call h WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone())
            .push(" AND called_ms >= ").push_bind(from_ms)
            .push(" AND called_ms < ").push_bind(to_ms);
        reader.push_managed_filter(&mut q, "h");
        q.push(" ORDER BY called_ms DESC, id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// What the monthly figures need of each call between two times: (time, kind, off hours,
/// call-back promised, called back).
pub async fn call_facts(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(i64, String, bool, bool, bool)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT called_ms, kind, off_hours, callback_on IS NOT NULL, called_back_ms IS NOT NULL \
             FROM hotline_call h WHERE path >= ");
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone())
            .push(" AND called_ms >= ").push_bind(from_ms)
            .push(" AND called_ms < ").push_bind(to_ms);
        reader.push_managed_filter(&mut q, "h");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// How many calls between two times within the reader's subtrees, below a subtree.
pub async fn count(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT count(*) FROM hotline_call h WHERE path >= ");
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone())
            .push(" AND called_ms >= ").push_bind(from_ms)
            .push(" AND called_ms < ").push_bind(to_ms);
        reader.push_managed_filter(&mut q, "h");
        q.build_query_as().fetch_one(p).await
    })?;
    Ok(n)
}

/// Records that the promised call-back was made; `false` when it already was.
pub async fn called_back(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE hotline_call SET called_back_ms = $1 WHERE county_code = $2 AND id = $3 \
         AND called_back_ms IS NULL AND callback_on IS NOT NULL")
        .bind(at_ms).bind(county).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}
