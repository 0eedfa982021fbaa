//! The case conference: conferences of a county, the cases heard at each, the actions of the
//! safety plans. Conferences are the county federation's: they are read by whoever manages the
//! county's path (the services check it); actions are read through a conference or by the
//! department they are given to. Action texts are stored as the services seal them.

use crate::{Db, DbConn, StorageError, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ConferenceRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub held_on: NaiveDate,
    pub status: String,
    /// Department keys, comma-separated.
    pub invited: String,
    /// Department keys, comma-separated.
    pub present: String,
    pub created_by: String,
    pub version: i64,
}

macro_rules! conference_cols {
    () => {
        "county_code, id, path, held_on, status, invited, present, created_by, version"
    };
}

pub async fn insert_conference(
    tx: &mut DbConn<'_>,
    r: &ConferenceRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO conference (county_code, id, path, held_on, status, invited, present, \
         created_by, created_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(r.held_on).bind(&r.status)
        .bind(&r.invited).bind(&r.present).bind(&r.created_by).bind(now).bind(r.version)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

pub async fn conference(
    db: &Db,
    counties: &[String],
    id: Uuid,
) -> Result<Option<ConferenceRow>, StorageError> {
    if counties.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", conference_cols!(), " FROM conference WHERE "));
        q.push("county_code").push(" IN (");
        let mut list = q.separated(", ");
        for c in counties {
            list.push_bind(c.clone());
        }
        q.push(")");
        q.push(" AND id = ").push_bind(id);
        q.build_query_as::<ConferenceRow>().fetch_optional(p).await
    })?)
}

/// A county's conferences, newest date first; at most `limit`.
pub async fn conferences(
    db: &Db,
    county: &str,
    limit: i64,
) -> Result<Vec<ConferenceRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        conference_cols!(),
        " FROM conference WHERE county_code = $1 ORDER BY held_on DESC, id DESC LIMIT $2"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql).bind(county).bind(limit).fetch_all(p).await)?)
}

/// Records a conference held with the departments present, if its version is still `expected`.
pub async fn set_held(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    present: &str,
    expected: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE conference SET status = 'held', present = $1, version = version + 1 \
         WHERE county_code = $2 AND id = $3 AND version = $4")
        .bind(present).bind(county).bind(id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Puts a case on a conference's agenda; false when it is there already.
pub async fn add_case(
    tx: &mut DbConn<'_>,
    county: &str,
    conference: Uuid,
    case: Uuid,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO conference_case (county_code, conference_id, case_id, added_at, added_by) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
        .bind(county).bind(conference).bind(case).bind(now).bind(by)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The cases heard at a conference, in the order they were put on its agenda.
pub async fn cases_of(db: &Db, county: &str, conference: Uuid) -> Result<Vec<Uuid>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT case_id FROM conference_case WHERE county_code = $1 AND conference_id = $2 \
         ORDER BY added_at, case_id")
        .bind(county).bind(conference).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ActionRow {
    pub county_code: String,
    pub id: Uuid,
    pub conference_id: Uuid,
    pub case_id: Uuid,
    pub path: String,
    pub department_id: Uuid,
    /// Sealed.
    pub action: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub done_at: Option<DateTime<Utc>>,
    pub created_by: String,
}

macro_rules! action_cols {
    () => {
        "a.county_code, a.id, a.conference_id, a.case_id, a.path, a.department_id, a.action, \
         a.due_on, a.status, a.done_at, a.created_by"
    };
}

pub async fn insert_action(
    tx: &mut DbConn<'_>,
    r: &ActionRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO safety_action (county_code, id, conference_id, case_id, path, \
         department_id, action, due_on, status, done_at, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(&r.county_code).bind(r.id).bind(r.conference_id).bind(r.case_id).bind(&r.path)
        .bind(r.department_id).bind(&r.action).bind(r.due_on).bind(&r.status).bind(r.done_at)
        .bind(&r.created_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

pub async fn action(
    db: &Db,
    counties: &[String],
    id: Uuid,
) -> Result<Option<ActionRow>, StorageError> {
    if counties.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", action_cols!(), " FROM safety_action a WHERE "));
        q.push("a.county_code").push(" IN (");
        let mut list = q.separated(", ");
        for c in counties {
            list.push_bind(c.clone());
        }
        q.push(")");
        q.push(" AND a.id = ").push_bind(id);
        q.build_query_as::<ActionRow>().fetch_optional(p).await
    })?)
}

/// Marks an open action done; false when it was done already.
pub async fn complete_action(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE safety_action SET status = 'done', done_at = $1 \
         WHERE county_code = $2 AND id = $3 AND status = 'open'")
        .bind(now).bind(county).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The actions decided at a conference.
pub async fn actions_of(
    db: &Db,
    county: &str,
    conference: Uuid,
) -> Result<Vec<ActionRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        action_cols!(),
        " FROM safety_action a WHERE a.county_code = $1 AND a.conference_id = $2 \
         ORDER BY a.case_id, a.due_on, a.id"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql).bind(county).bind(conference).fetch_all(p).await)?)
}

/// The county's open actions decided at conferences before `before` (the next conference
/// reviews them), by deadline.
pub async fn open_actions_before(
    db: &Db,
    county: &str,
    before: NaiveDate,
    limit: i64,
) -> Result<Vec<ActionRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        action_cols!(),
        " FROM safety_action a JOIN conference c ON c.county_code = a.county_code \
         AND c.id = a.conference_id WHERE a.county_code = $1 AND a.status = 'open' \
         AND c.held_on < $2 ORDER BY a.due_on, a.id LIMIT $3"
    );
    Ok(
        db_run!(db, p => sqlx::query_as(sql).bind(county).bind(before).bind(limit).fetch_all(p).await)?,
    )
}

/// The actions given to a department, open ones first, by deadline.
pub async fn actions_of_department(
    db: &Db,
    county: &str,
    department: Uuid,
    limit: i64,
) -> Result<Vec<ActionRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        action_cols!(),
        " FROM safety_action a WHERE a.county_code = $1 AND a.department_id = $2 \
         ORDER BY CASE a.status WHEN 'open' THEN 0 ELSE 1 END, a.due_on, a.id LIMIT $3"
    );
    Ok(
        db_run!(db, p => sqlx::query_as(sql).bind(county).bind(department).bind(limit).fetch_all(p).await)?,
    )
}

/// The high-risk cases of a county whose hearing clock is still running (not yet heard), by
/// its due time: (case, due in ms, the case's place path).
pub async fn awaiting_hearing(
    db: &Db,
    county: &str,
    limit: i64,
) -> Result<Vec<(Uuid, i64, String)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT subject_id, due_ms, path FROM deadline WHERE county_code = $1 \
         AND kind = 'conference_hearing' AND done_ms IS NULL ORDER BY due_ms, subject_id LIMIT $2")
        .bind(county).bind(limit).fetch_all(p).await)?)
}

/// Open high-risk cases that have never had a hearing clock nor been heard (those that were high
/// before the clock existed): their ids, at most `limit`.
pub async fn unclocked_high_cases(db: &Db, limit: i64) -> Result<Vec<Uuid>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT c.id FROM dv_case c WHERE c.risk = 'high' AND c.status = 'open' \
         AND NOT EXISTS (SELECT 1 FROM deadline d WHERE d.county_code = c.county_code \
             AND d.subject_id = c.id AND d.kind = 'conference_hearing') \
         AND NOT EXISTS (SELECT 1 FROM conference_case k WHERE k.county_code = c.county_code \
             AND k.case_id = c.id) \
         ORDER BY c.id LIMIT $1")
        .bind(limit).fetch_all(p).await)?)
}

/// A county's open domestic-violence cases by risk: (risk, count). A count, nobody named.
pub async fn cases_by_risk(
    db: &Db,
    county: &str,
    days: (NaiveDate, NaiveDate),
    only_open: bool,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT risk, count(*) FROM dv_case WHERE county_code = $1 \
         AND received_on >= $2 AND received_on <= $3 AND ($4 = FALSE OR status = 'open') \
         GROUP BY risk ORDER BY risk")
        .bind(county).bind(days.0).bind(days.1).bind(only_open).fetch_all(p).await)?)
}

/// A county's conferences on the days from `days.0` to `days.1` by status: (status, count).
pub async fn conferences_by_status(
    db: &Db,
    county: &str,
    days: (NaiveDate, NaiveDate),
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT status, count(*) FROM conference WHERE county_code = $1 \
         AND held_on >= $2 AND held_on <= $3 GROUP BY status")
        .bind(county).bind(days.0).bind(days.1).fetch_all(p).await)?)
}

/// When each action of a county's safety plans due from `days.0` to `days.1` is due and when it
/// was done: (due, done).
pub async fn action_times(
    db: &Db,
    county: &str,
    days: (NaiveDate, NaiveDate),
) -> Result<Vec<(NaiveDate, Option<DateTime<Utc>>)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT due_on, done_at FROM safety_action WHERE county_code = $1 \
         AND due_on >= $2 AND due_on <= $3")
        .bind(county).bind(days.0).bind(days.1).fetch_all(p).await)?)
}
