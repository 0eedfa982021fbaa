//! Submission keys: the first answer given to a create form or a create request of the API,
//! so that the same submission sent again (a double tap, a retry after a lost answer) gets that
//! answer again rather than creating a second record.

use crate::{Db, DbConn, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What is known of a key: still running (`status` 0) or answered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RequestKeyRow {
    pub route: String,
    pub status: i32,
    pub location: String,
    pub body: String,
}

/// Claims a key for an account: `true` when this request is the first with it (a row marked
/// running is written), `false` when the key was already claimed.
pub async fn claim(
    tx: &mut DbConn<'_>,
    account: Uuid,
    key: &str,
    route: &str,
    at: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO request_key (account_id, request_key, route, status, location, body, created_at) \
         VALUES ($1, $2, $3, 0, '', '', $4) ON CONFLICT (account_id, request_key) DO NOTHING")
        .bind(account).bind(key).bind(route).bind(at)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the answer given to a claimed key.
pub async fn finish(
    tx: &mut DbConn<'_>,
    account: Uuid,
    key: &str,
    status: i32,
    location: &str,
    body: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE request_key SET status = $3, location = $4, body = $5 \
         WHERE account_id = $1 AND request_key = $2")
        .bind(account).bind(key).bind(status).bind(location).bind(body)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Frees a claimed key whose request created nothing (refused), so that the corrected form
/// can be sent again with it.
pub async fn release(tx: &mut DbConn<'_>, account: Uuid, key: &str) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "DELETE FROM request_key WHERE account_id = $1 AND request_key = $2 AND status = 0")
        .bind(account).bind(key)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Removes the keys claimed before `before`.
pub async fn prune(tx: &mut DbConn<'_>, before: DateTime<Utc>) -> Result<u64, StorageError> {
    Ok(
        conn_run!(tx, c => sqlx::query("DELETE FROM request_key WHERE created_at < $1")
        .bind(before).execute(&mut *c).await.map(|r| r.rows_affected()))?,
    )
}

/// What is known of an account's key.
pub async fn get(db: &Db, account: Uuid, key: &str) -> Result<Option<RequestKeyRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, RequestKeyRow>(
        "SELECT route, status, location, body FROM request_key WHERE account_id = $1 AND request_key = $2")
        .bind(account).bind(key).fetch_optional(p).await)?)
}
