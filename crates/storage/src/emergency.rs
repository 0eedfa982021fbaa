//! Emergency access ("break the glass"): one record at a time, asked for with a reason, approved
//! by a second person or granted at once when urgent and reviewed after, ending on its own.

use crate::{Db, DbConn, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EmergencyRow {
    pub county_code: String,
    pub id: Uuid,
    pub account_id: Uuid,
    /// `household`, `person` or `dv_case`.
    pub target_kind: String,
    pub target_id: Uuid,
    /// A person's household (kind `person`).
    pub household_id: Option<Uuid>,
    /// The materialized path of the record's place.
    pub target_path: String,
    pub reason: String,
    pub minutes: i64,
    pub urgent: bool,
    /// `requested`, `granted`, `refused` or `ended`.
    pub status: String,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub decision_note: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub reviewed_by: Option<Uuid>,
    pub review_note: Option<String>,
}

macro_rules! cols {
    () => {
        "county_code, id, account_id, target_kind, target_id, household_id, target_path, reason, minutes, urgent, \
         status, requested_at, decided_at, decided_by, decision_note, expires_at, reviewed_at, \
         reviewed_by, review_note"
    };
}

pub async fn insert(tx: &mut DbConn<'_>, e: &EmergencyRow) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO emergency_access (",
        cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    conn_run!(tx, c => sqlx::query(sql)
        .bind(&e.county_code).bind(e.id).bind(e.account_id).bind(&e.target_kind).bind(e.target_id)
        .bind(e.household_id)
        .bind(&e.target_path).bind(&e.reason).bind(e.minutes).bind(e.urgent).bind(&e.status)
        .bind(e.requested_at).bind(e.decided_at).bind(e.decided_by).bind(&e.decision_note)
        .bind(e.expires_at).bind(e.reviewed_at).bind(e.reviewed_by).bind(&e.review_note)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(db: &Db, id: Uuid) -> Result<Option<EmergencyRow>, StorageError> {
    let sql = concat!("SELECT ", cols!(), " FROM emergency_access WHERE id = $1");
    Ok(db_run!(db, p => sqlx::query_as::<_, EmergencyRow>(sql).bind(id).fetch_optional(p).await)?)
}

/// The grants of an account in force at `now`: what it may read beyond its scope.
pub async fn active_of(
    db: &Db,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<EmergencyRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM emergency_access WHERE account_id = $1 AND status = 'granted' AND expires_at > $2 \
         ORDER BY requested_at"
    );
    Ok(
        db_run!(db, p => sqlx::query_as::<_, EmergencyRow>(sql).bind(account).bind(now).fetch_all(p).await)?,
    )
}

/// The newest requests and grants whose record lies in the subtree `[lo, hi)`, or that `account`
/// asked for; at most `limit`.
pub async fn list(
    db: &Db,
    lo: &str,
    hi: &str,
    account: Option<Uuid>,
    limit: i64,
) -> Result<Vec<EmergencyRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM emergency_access WHERE (target_path >= $1 AND target_path < $2) OR account_id = $3 \
         ORDER BY requested_at DESC, id DESC LIMIT $4"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, EmergencyRow>(sql)
        .bind(lo).bind(hi).bind(account).bind(limit).fetch_all(p).await)?)
}

/// Takes a decision on a request still waiting: `granted` (with its end) or `refused`. False when
/// someone decided first.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    status: &str,
    by: Uuid,
    note: &str,
    now: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE emergency_access SET status = $3, decided_by = $4, decision_note = $5, decided_at = $6, \
         expires_at = $7 WHERE county_code = $1 AND id = $2 AND status = 'requested'")
        .bind(county).bind(id).bind(status).bind(by).bind(note).bind(now).bind(expires_at)
        .execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

/// Records the review of an urgent grant after the fact; false when it was reviewed already.
pub async fn review(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    by: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE emergency_access SET reviewed_by = $3, review_note = $4, reviewed_at = $5 \
         WHERE county_code = $1 AND id = $2 AND urgent = TRUE AND reviewed_at IS NULL")
        .bind(county).bind(id).bind(by).bind(note).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

/// Ends a grant before its time (by its holder); false when it was not running.
pub async fn end(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    account: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE emergency_access SET status = 'ended', expires_at = $4 \
         WHERE county_code = $1 AND id = $2 AND account_id = $3 AND status IN ('requested', 'granted')")
        .bind(county).bind(id).bind(account).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected() == 1))?)
}

/// The free texts of one request, for a key rotation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EmergencyNotes {
    pub county_code: String,
    pub id: Uuid,
    pub reason: String,
    pub decision_note: Option<String>,
    pub review_note: Option<String>,
}

/// The free texts of every request (they are few: one per break of the glass).
pub async fn all_notes(db: &Db) -> Result<Vec<EmergencyNotes>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, reason, decision_note, review_note FROM emergency_access ORDER BY id")
        .fetch_all(p).await)?)
}

/// Writes the free texts of a request sealed again.
pub async fn reseal_notes(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    reason: &str,
    decision_note: Option<&str>,
    review_note: Option<&str>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE emergency_access SET reason = $3, decision_note = $4, review_note = $5 \
         WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id).bind(reason).bind(decision_note).bind(review_note)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}
