//! The anti-domestic-violence linkage: departments and their liaison accounts, cases with their
//! steps, referrals, instruments with their events, stored deadlines, the inbox and the outbox.
//! Sealed values are stored as the services give them.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

// ---------------------------------------------------------------- departments

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DepartmentRow {
    pub county_code: String,
    pub id: Uuid,
    pub key: String,
    pub name: String,
    pub in_linkage: bool,
    pub ack_hours: i64,
    pub urgent_ack_hours: i64,
    /// Days from acknowledging a referral to recording what was done.
    pub action_days: i64,
    pub duty_phone: String,
    pub webhook_url: String,
    pub version: i64,
}

macro_rules! department_cols {
    () => {
        "county_code, id, key, name, in_linkage, ack_hours, urgent_ack_hours, action_days, \
     duty_phone, webhook_url, version"
    };
}

/// Writes a department unless one with its key exists; whether it was written.
pub async fn insert_department(
    tx: &mut DbConn<'_>,
    d: &DepartmentRow,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO department (county_code, id, key, name, in_linkage, ack_hours, \
         urgent_ack_hours, duty_phone, webhook_url, version, created_at, updated_at, action_days) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12) \
         ON CONFLICT (county_code, key) DO NOTHING")
        .bind(&d.county_code).bind(d.id).bind(&d.key).bind(&d.name).bind(d.in_linkage)
        .bind(d.ack_hours).bind(d.urgent_ack_hours).bind(&d.duty_phone).bind(&d.webhook_url)
        .bind(d.version).bind(now).bind(d.action_days)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Changes a department's settings if its version is still `expected`.
pub async fn update_department(
    tx: &mut DbConn<'_>,
    d: &DepartmentRow,
    expected: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE department SET name = $1, in_linkage = $2, ack_hours = $3, urgent_ack_hours = $4, \
         duty_phone = $5, webhook_url = $6, updated_at = $7, version = version + 1, \
         action_days = $11 WHERE county_code = $8 AND id = $9 AND version = $10")
        .bind(&d.name).bind(d.in_linkage).bind(d.ack_hours).bind(d.urgent_ack_hours)
        .bind(&d.duty_phone).bind(&d.webhook_url).bind(now).bind(&d.county_code).bind(d.id)
        .bind(expected).bind(d.action_days)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn departments(db: &Db, county: &str) -> Result<Vec<DepartmentRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        department_cols!(),
        " FROM department WHERE county_code = $1 \
         ORDER BY in_linkage DESC, created_at, key"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(county).fetch_all(p).await)?)
}

pub async fn department(
    db: &Db,
    county: &str,
    id: Uuid,
) -> Result<Option<DepartmentRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        department_cols!(),
        " FROM department WHERE county_code = $1 AND id = $2"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(county).bind(id).fetch_optional(p).await)?)
}

pub async fn department_by_key(
    db: &Db,
    county: &str,
    key: &str,
) -> Result<Option<DepartmentRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        department_cols!(),
        " FROM department WHERE county_code = $1 AND key = $2"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(county).bind(key).fetch_optional(p).await)?)
}

/// Makes an account a liaison officer or head of a department (again: its position changes).
pub async fn set_liaison(
    tx: &mut DbConn<'_>,
    county: &str,
    department: Uuid,
    account: Uuid,
    position: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO liaison (county_code, department_id, account_id, position, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_code, department_id, account_id) \
         DO UPDATE SET position = excluded.position")
        .bind(county).bind(department).bind(account).bind(position).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// An account acting for a department.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct LiaisonAccount {
    pub account_id: Uuid,
    pub username: String,
    pub display_name: String,
    /// `liaison` or `head`.
    pub position: String,
}

/// A department's accounts.
pub async fn liaisons(
    db: &Db,
    county: &str,
    department: Uuid,
) -> Result<Vec<LiaisonAccount>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT a.id AS account_id, a.username, a.display_name, l.position FROM liaison l \
         JOIN account a ON a.id = l.account_id \
         WHERE l.county_code = $1 AND l.department_id = $2 AND a.disabled = FALSE \
         ORDER BY l.position DESC, a.username")
        .bind(county).bind(department).fetch_all(p).await)?)
}

/// A department an account acts for.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct DepartmentPost {
    pub county_code: String,
    pub department_id: Uuid,
    /// `liaison` or `head`.
    pub position: String,
}

/// The departments an account acts for.
pub async fn departments_of_account(
    db: &Db,
    account: Uuid,
) -> Result<Vec<DepartmentPost>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, department_id, position FROM liaison WHERE account_id = $1 \
         ORDER BY county_code, department_id")
        .bind(account).fetch_all(p).await)?)
}

/// Accounts with a grant of `role` over exactly `scope_path` (the chair of a federation).
pub async fn accounts_at(db: &Db, role: &str, scope_path: &str) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT DISTINCT a.id FROM account_grant g JOIN account a ON a.id = g.account_id \
         WHERE g.role = $1 AND g.scope_path = $2 AND a.disabled = FALSE ORDER BY a.id")
        .bind(role).bind(scope_path).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

// ---------------------------------------------------------------- cases

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CaseRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    /// The registered victim's household, sealed (its id): no join leads from a case to
    /// `household` without the key.
    pub household: Option<String>,
    /// The registered person who is the victim, sealed (her id): no join leads from a case to
    /// `person` without the key.
    pub victim_person: Option<String>,
    /// Sealed.
    pub victim_name: String,
    /// Sealed.
    pub victim_phone: Option<String>,
    /// Sealed.
    pub abuser_name: String,
    pub relationship: String,
    /// Keys, comma-separated.
    pub violence: String,
    pub severity: String,
    /// Keys, comma-separated.
    pub risk_factors: String,
    pub risk: String,
    pub children: i64,
    pub source: String,
    pub received_on: NaiveDate,
    /// Sealed.
    pub narrative: String,
    pub consent_to_share: bool,
    pub status: String,
    pub owner: String,
    pub version: i64,
    /// Sealed; empty when none.
    pub victim_address: String,
    /// Only the owner sees the address; no referral shares it.
    pub address_confidential: bool,
}

macro_rules! case_cols {
    () => {
        "county_code, id, path, household, victim_person, victim_name, \
     victim_phone, abuser_name, relationship, violence, severity, risk_factors, risk, children, \
     source, received_on, narrative, consent_to_share, status, owner, version, victim_address, \
     address_confidential"
    };
}

pub async fn insert_case(
    tx: &mut DbConn<'_>,
    r: &CaseRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO dv_case (",
        case_cols!(),
        ", created_at, updated_at) VALUES ($1, $2, $3, $4, $5, \
         $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, \
         $24, $24)"
    );
    conn_run!(tx, c => sqlx::query(sql)
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(&r.household)
        .bind(&r.victim_person).bind(&r.victim_name).bind(&r.victim_phone)
        .bind(&r.abuser_name).bind(&r.relationship).bind(&r.violence).bind(&r.severity)
        .bind(&r.risk_factors).bind(&r.risk).bind(r.children).bind(&r.source)
        .bind(r.received_on).bind(&r.narrative).bind(r.consent_to_share).bind(&r.status)
        .bind(&r.owner).bind(r.version).bind(&r.victim_address).bind(r.address_confidential)
        .bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

/// Marks a case's address confidential, or not; false when it already was so.
pub async fn set_address_confidential(
    tx: &mut DbConn<'_>,
    c: &Seen<CaseRow>,
    confidential: bool,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, k => sqlx::query(
        "UPDATE dv_case SET address_confidential = $1, updated_at = $2, version = version + 1 \
         WHERE county_code = $3 AND id = $4 AND address_confidential <> $1")
        .bind(confidential).bind(now).bind(&c.county_code).bind(c.id)
        .execute(&mut *k).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A case, if it lies within the reader's reach: managed, referred to a department she acts for,
/// or opened to her by emergency access.
pub async fn case(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<CaseRow>>, StorageError> {
    let row: Option<CaseRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", case_cols!(), " FROM dv_case WHERE id = "));
        q.push_bind(id);
        reader.push_case_filter(&mut q, "dv_case");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Cases below a subtree, open ones first, newest first; at most `limit`.
pub async fn cases(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    only_open: bool,
    limit: i64,
) -> Result<Vec<Seen<CaseRow>>, StorageError> {
    // She manages all of the place: its range is her reach, and the statement is the same every
    // time (prepared once).
    if reader.manages_all(within) {
        let sql = concat!(
            "SELECT ",
            case_cols!(),
            " FROM dv_case WHERE path >= $1 AND path < $2 \
            AND ($3 = FALSE OR status = 'open') \
            ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, received_on DESC, id LIMIT $4"
        );
        let rows: Vec<CaseRow> = db_run!(db, p => sqlx::query_as(sql)
            .bind(&within.lo).bind(&within.hi).bind(only_open).bind(limit).fetch_all(p).await)?;
        return Ok(rows.into_iter().map(Seen::new).collect());
    }
    let rows: Vec<CaseRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", case_cols!(), " FROM dv_case WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone());
        if only_open {
            q.push(" AND status = 'open'");
        }
        reader.push_case_filter(&mut q, "dv_case");
        q.push(" ORDER BY CASE status WHEN 'open' THEN 0 ELSE 1 END, received_on DESC, id LIMIT ")
            .push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// Changes a case's status if its version is still `expected`.
pub async fn set_case_status(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    status: &str,
    expected: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE dv_case SET status = $1, updated_at = $2, version = version + 1 \
         WHERE county_code = $3 AND id = $4 AND version = $5")
        .bind(status).bind(now).bind(county).bind(id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseStepRow {
    pub seq: i64,
    pub kind: String,
    pub at: DateTime<Utc>,
    pub by_account: String,
    pub department: String,
    /// Sealed when not empty.
    pub note: String,
}

pub async fn add_case_step(
    tx: &mut DbConn<'_>,
    county: &str,
    case: Uuid,
    s: &CaseStepRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO case_step (county_code, case_id, seq, kind, at, by_account, department, note) \
         SELECT $1, $2, COALESCE(max(seq), 0) + 1, $3, $4, $5, $6, $7 FROM case_step \
         WHERE county_code = $1 AND case_id = $2")
        .bind(county).bind(case).bind(&s.kind).bind(s.at).bind(&s.by_account)
        .bind(&s.department).bind(&s.note)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn case_steps(db: &Db, c: &Seen<CaseRow>) -> Result<Vec<CaseStepRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, kind, at, by_account, department, note FROM case_step \
         WHERE county_code = $1 AND case_id = $2 ORDER BY seq")
        .bind(county).bind(case).fetch_all(p).await)?)
}

// ---------------------------------------------------------------- referrals

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ReferralRow {
    pub county_code: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub department_id: Uuid,
    pub path: String,
    /// Keys, comma-separated.
    pub requests: String,
    pub urgent: bool,
    /// Keys, comma-separated.
    pub shared: String,
    pub basis: String,
    /// Sealed when not empty.
    pub basis_note: String,
    /// Sealed when not empty.
    pub note: String,
    pub status: String,
    pub sent_at: DateTime<Utc>,
    pub sent_by: String,
    pub due_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub acknowledged_by: Option<String>,
    /// Sealed when not empty.
    pub action: String,
    pub done_at: Option<DateTime<Utc>>,
    pub version: i64,
}

macro_rules! referral_cols {
    () => {
        "county_code, id, case_id, department_id, path, requests, urgent, \
     shared, basis, basis_note, note, status, sent_at, sent_by, due_at, acknowledged_at, \
     acknowledged_by, action, done_at, version"
    };
}

pub async fn insert_referral(tx: &mut DbConn<'_>, r: &ReferralRow) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO referral (",
        referral_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
    );
    conn_run!(tx, c => sqlx::query(sql)
        .bind(&r.county_code).bind(r.id).bind(r.case_id).bind(r.department_id).bind(&r.path)
        .bind(&r.requests).bind(r.urgent).bind(&r.shared).bind(&r.basis).bind(&r.basis_note)
        .bind(&r.note).bind(&r.status).bind(r.sent_at).bind(&r.sent_by).bind(r.due_at)
        .bind(r.acknowledged_at).bind(&r.acknowledged_by).bind(&r.action).bind(r.done_at)
        .bind(r.version)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

/// Writes a referral's progress if its version is still `expected`.
pub async fn update_referral(
    tx: &mut DbConn<'_>,
    r: &ReferralRow,
    expected: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE referral SET status = $1, acknowledged_at = $2, acknowledged_by = $3, action = $4, \
         done_at = $5, version = version + 1 WHERE county_code = $6 AND id = $7 AND version = $8")
        .bind(&r.status).bind(r.acknowledged_at).bind(&r.acknowledged_by).bind(&r.action)
        .bind(r.done_at).bind(&r.county_code).bind(r.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A referral, if it lies within the reader's reach: of a case she manages, or to a department
/// she acts for.
pub async fn referral(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<ReferralRow>>, StorageError> {
    let row: Option<ReferralRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", referral_cols!(), " FROM referral WHERE id = "));
        q.push_bind(id);
        reader.push_referral_filter(&mut q, "referral");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// The referrals of a case (all of them: what a department may see of them is the services').
pub async fn referrals_of_case(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<ReferralRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    let sql = concat!(
        "SELECT ",
        referral_cols!(),
        " FROM referral WHERE county_code = $1 AND case_id = $2 \
         ORDER BY sent_at, id"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(county).bind(case).fetch_all(p).await)?)
}

/// A department's referrals within the reader's reach, the open ones first by deadline; at most
/// `limit`.
pub async fn referrals_of_department(
    db: &Db,
    reader: &Reader,
    county: &str,
    department: Uuid,
    limit: i64,
) -> Result<Vec<Seen<ReferralRow>>, StorageError> {
    let rows: Vec<ReferralRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", referral_cols!(), " FROM referral WHERE county_code = "));
        q.push_bind(county.to_string()).push(" AND department_id = ").push_bind(department);
        reader.push_referral_filter(&mut q, "referral");
        q.push(" ORDER BY CASE status WHEN 'done' THEN 1 ELSE 0 END, due_at, id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// Referrals below a subtree that are open or were sent since `since` (the board).
pub async fn referrals_for_board(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    since: DateTime<Utc>,
) -> Result<Vec<Seen<ReferralRow>>, StorageError> {
    let rows: Vec<ReferralRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", referral_cols!(), " FROM referral WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone());
        q.push(" AND (status <> 'done' OR sent_at >= ").push_bind(since).push(")");
        if !reader.manages_all(within) {
            reader.push_referral_filter(&mut q, "referral");
        }
        q.push(" ORDER BY due_at, id");
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

// ---------------------------------------------------------------- instruments

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InstrumentRow {
    pub county_code: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: String,
    pub started_at: DateTime<Utc>,
    pub urgent: bool,
    pub party: Option<String>,
    /// Sealed when not empty: who made a mandatory report (confidential).
    pub reporter: String,
    pub reference: String,
    /// Sealed when not empty.
    pub note: String,
    pub status: String,
    pub valid_until: Option<NaiveDate>,
    pub created_by: String,
    pub version: i64,
}

macro_rules! instrument_cols {
    () => {
        "county_code, id, case_id, kind, started_at, urgent, party, reporter, \
     reference, note, status, valid_until, created_by, version"
    };
}

pub async fn insert_instrument(
    tx: &mut DbConn<'_>,
    r: &InstrumentRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO instrument (",
        instrument_cols!(),
        ", created_at) VALUES ($1, $2, $3, $4, $5, $6, \
         $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    );
    conn_run!(tx, c => sqlx::query(sql)
        .bind(&r.county_code).bind(r.id).bind(r.case_id).bind(&r.kind).bind(r.started_at)
        .bind(r.urgent).bind(&r.party).bind(&r.reporter).bind(&r.reference).bind(&r.note)
        .bind(&r.status).bind(r.valid_until).bind(&r.created_by).bind(r.version).bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

pub async fn update_instrument(
    tx: &mut DbConn<'_>,
    r: &InstrumentRow,
    expected: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE instrument SET status = $1, valid_until = $2, version = version + 1 \
         WHERE county_code = $3 AND id = $4 AND version = $5")
        .bind(&r.status).bind(r.valid_until).bind(&r.county_code).bind(r.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The case an instrument belongs to, if the reader reaches it.
pub async fn case_of_instrument(
    db: &Db,
    reader: &Reader,
    instrument: Uuid,
) -> Result<Option<Seen<CaseRow>>, StorageError> {
    let found: Option<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT case_id FROM instrument WHERE id = $1")
        .bind(instrument).fetch_optional(p).await)?;
    match found {
        Some((c,)) => case(db, reader, c).await,
        None => Ok(None),
    }
}

/// An instrument of a case.
pub async fn instrument(
    db: &Db,
    c: &Seen<CaseRow>,
    id: Uuid,
) -> Result<Option<InstrumentRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        instrument_cols!(),
        " FROM instrument WHERE county_code = $1 AND case_id = $2 AND id = $3"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(&c.county_code).bind(c.id).bind(id).fetch_optional(p).await)?)
}

pub async fn instruments_of_case(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<InstrumentRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    let sql = concat!(
        "SELECT ",
        instrument_cols!(),
        " FROM instrument WHERE county_code = $1 AND case_id = $2 \
         ORDER BY started_at, id"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(county).bind(case).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub instrument_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub on_date: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// Sealed when not empty.
    pub note: String,
    pub by_account: String,
}

pub async fn add_event(
    tx: &mut DbConn<'_>,
    county: &str,
    e: &EventRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO instrument_event (county_code, instrument_id, seq, kind, on_date, valid_until, \
         note, by_account, created_at) SELECT $1, $2, COALESCE(max(seq), 0) + 1, $3, $4, $5, $6, \
         $7, $8 FROM instrument_event WHERE county_code = $1 AND instrument_id = $2")
        .bind(county).bind(e.instrument_id).bind(&e.kind).bind(e.on_date).bind(e.valid_until)
        .bind(&e.note).bind(&e.by_account).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The events of a case's instruments, in order.
pub async fn events_of_case(db: &Db, c: &Seen<CaseRow>) -> Result<Vec<EventRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT e.instrument_id, e.seq, e.kind, e.on_date, e.valid_until, e.note, e.by_account \
         FROM instrument_event e JOIN instrument i ON i.county_code = e.county_code \
         AND i.id = e.instrument_id WHERE i.county_code = $1 AND i.case_id = $2 \
         ORDER BY e.instrument_id, e.seq")
        .bind(county).bind(case).fetch_all(p).await)?)
}

// ---------------------------------------------------------------- deadlines

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadlineRow {
    pub id: Uuid,
    pub county_code: String,
    pub path: String,
    pub kind: String,
    /// The referral, instrument or agreement term the clock is about.
    pub subject_id: Uuid,
    pub case_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
    pub due_ms: i64,
    /// How far the escalation has climbed: 0 before the deadline.
    pub level: i64,
    /// When the worker next looks at it; none once done or at the top of the chain.
    pub next_ms: Option<i64>,
    pub done_ms: Option<i64>,
}

macro_rules! deadline_cols {
    () => {
        "id, county_code, path, kind, subject_id, case_id, department_id, due_ms, level, next_ms, done_ms"
    };
}

pub async fn insert_deadline(
    tx: &mut DbConn<'_>,
    d: &DeadlineRow,
    now_ms: i64,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO deadline (id, county_code, path, kind, subject_id, case_id, department_id, \
         due_ms, level, next_ms, done_ms, created_ms) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(d.id).bind(&d.county_code).bind(&d.path).bind(&d.kind).bind(d.subject_id)
        .bind(d.case_id).bind(d.department_id).bind(d.due_ms).bind(d.level).bind(d.next_ms)
        .bind(d.done_ms).bind(now_ms)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Stops the open clocks of a subject (of one kind, or all): they escalate no more.
pub async fn complete_deadlines(
    tx: &mut DbConn<'_>,
    subject: Uuid,
    kind: Option<&str>,
    now_ms: i64,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE deadline SET done_ms = $1, next_ms = NULL \
         WHERE subject_id = $2 AND done_ms IS NULL AND ($3 IS NULL OR kind = $3)")
        .bind(now_ms).bind(subject).bind(kind)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// Stops the open clock of a subject of one kind falling due at `due_ms`.
pub async fn complete_deadline_due(
    tx: &mut DbConn<'_>,
    subject: Uuid,
    kind: &str,
    due_ms: i64,
    now_ms: i64,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE deadline SET done_ms = $1, next_ms = NULL \
         WHERE subject_id = $2 AND kind = $3 AND due_ms = $4 AND done_ms IS NULL")
        .bind(now_ms).bind(subject).bind(kind).bind(due_ms)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// The account of a member (a mediator linked to her account), if any.
pub async fn member_account(
    db: &Db,
    county: &str,
    member: Uuid,
) -> Result<Option<Uuid>, StorageError> {
    let row: Option<(Option<Uuid>,)> = db_run!(db, p => sqlx::query_as(
        "SELECT account_id FROM member WHERE county_code = $1 AND id = $2")
        .bind(county).bind(member).fetch_optional(p).await)?;
    Ok(row.and_then(|(a,)| a))
}

/// Clocks the worker must look at now, the most overdue first; at most `limit`.
pub async fn due_deadlines(
    db: &Db,
    now_ms: i64,
    limit: i64,
) -> Result<Vec<DeadlineRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        deadline_cols!(),
        " FROM deadline WHERE next_ms IS NOT NULL AND next_ms <= $1 \
         ORDER BY next_ms LIMIT $2"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(now_ms).bind(limit).fetch_all(p).await)?)
}

/// Moves a clock to its next level if no one moved it meanwhile; `false`: another worker did,
/// and this one must not notify again.
pub async fn climb(
    tx: &mut DbConn<'_>,
    id: Uuid,
    from_level: i64,
    next_ms: Option<i64>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE deadline SET level = $1, next_ms = $2 \
         WHERE id = $3 AND level = $4 AND done_ms IS NULL")
        .bind(from_level + 1).bind(next_ms).bind(id).bind(from_level)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The clocks of a subject (a dispute's terms), open ones first.
pub async fn deadlines_of_subject(
    db: &Db,
    subject: Uuid,
) -> Result<Vec<DeadlineRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", deadline_cols!(),
        " FROM deadline WHERE subject_id = $1 ORDER BY CASE WHEN done_ms IS NULL THEN 0 ELSE 1 END, due_ms"))
        .bind(subject).fetch_all(p).await)?,
    )
}

/// The clocks of a case, open ones first.
pub async fn deadlines_of_case(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<DeadlineRow>, StorageError> {
    let case = c.id;
    let sql = concat!(
        "SELECT ",
        deadline_cols!(),
        " FROM deadline WHERE case_id = $1 \
         ORDER BY CASE WHEN done_ms IS NULL THEN 0 ELSE 1 END, due_ms"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(case).fetch_all(p).await)?)
}

/// Open clocks below a subtree: (all, overdue at `now_ms`).
pub async fn open_deadline_counts(
    db: &Db,
    within: &Subtree,
    now_ms: i64,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_ms < $3 THEN 1 ELSE 0 END), 0) \
         FROM deadline WHERE path >= $1 AND path < $2 AND done_ms IS NULL")
        .bind(&within.lo).bind(&within.hi).bind(now_ms).fetch_one(p).await)?)
}

// ---------------------------------------------------------------- inbox

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    pub account_id: Uuid,
    pub kind: String,
    pub title: String,
    pub link: String,
    pub level: i64,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

pub async fn insert_notification(
    tx: &mut DbConn<'_>,
    n: &NotificationRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO notification (id, account_id, kind, title, link, level, created_at, read_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(n.id).bind(n.account_id).bind(&n.kind).bind(&n.title).bind(&n.link).bind(n.level)
        .bind(n.created_at).bind(n.read_at)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// An account's newest notifications; at most `limit`.
pub async fn inbox(
    db: &Db,
    account: Uuid,
    limit: i64,
) -> Result<Vec<NotificationRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, account_id, kind, title, link, level, created_at, read_at FROM notification \
         WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2")
        .bind(account).bind(limit).fetch_all(p).await)?)
}

pub async fn unread(db: &Db, account: Uuid) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT COUNT(*) FROM notification WHERE account_id = $1 AND read_at IS NULL")
        .bind(account).fetch_one(p).await)?;
    Ok(n)
}

/// Marks one of the account's notifications read; its link, if it was hers.
pub async fn mark_read(
    tx: &mut DbConn<'_>,
    account: Uuid,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<String>, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE notification SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3")
        .bind(now).bind(id).bind(account)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(None);
    }
    let row: Option<(String,)> = conn_run!(tx, c => sqlx::query_as(
        "SELECT link FROM notification WHERE id = $1 AND account_id = $2")
        .bind(id).bind(account).fetch_optional(&mut *c).await)?;
    Ok(row.map(|(l,)| l))
}

// ---------------------------------------------------------------- outbox

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: Uuid,
    pub channel: String,
    pub target: String,
    pub body: String,
    pub status: String,
    pub attempts: i64,
    pub next_ms: i64,
    pub last_error: String,
    pub created_ms: i64,
    pub delivered_ms: Option<i64>,
}

macro_rules! outbox_cols {
    () => {
        "id, channel, target, body, status, attempts, next_ms, last_error, created_ms, delivered_ms"
    };
}

pub async fn insert_outbox(tx: &mut DbConn<'_>, o: &OutboxRow) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO outbox (",
        outbox_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    );
    conn_run!(tx, c => sqlx::query(sql)
        .bind(o.id).bind(&o.channel).bind(&o.target).bind(&o.body).bind(&o.status)
        .bind(o.attempts).bind(o.next_ms).bind(&o.last_error).bind(o.created_ms)
        .bind(o.delivered_ms)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Messages waiting whose time has come, the oldest first; at most `limit`.
pub async fn due_outbox(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        outbox_cols!(),
        " FROM outbox WHERE status = 'pending' AND next_ms <= $1 \
         ORDER BY next_ms, id LIMIT $2"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(now_ms).bind(limit).fetch_all(p).await)?)
}

/// Takes a message for delivery: moves its next attempt to `lease_ms` if it is still where it
/// was read, so that no other worker sends it meanwhile; whether this one has it.
pub async fn claim(
    tx: &mut DbConn<'_>,
    id: Uuid,
    seen_next_ms: i64,
    lease_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE outbox SET next_ms = $1, attempts = attempts + 1 \
         WHERE id = $2 AND status = 'pending' AND next_ms = $3")
        .bind(lease_ms).bind(id).bind(seen_next_ms)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Records the outcome of an attempt: delivered, another try at `next_ms`, or given up.
pub async fn settle(
    tx: &mut DbConn<'_>,
    id: Uuid,
    status: &str,
    next_ms: i64,
    error: &str,
    delivered_ms: Option<i64>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE outbox SET status = $1, next_ms = $2, last_error = $3, delivered_ms = $4 WHERE id = $5")
        .bind(status).bind(next_ms).bind(error).bind(delivered_ms).bind(id)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The newest messages, for the delivery status page; at most `limit`.
pub async fn outbox(db: &Db, limit: i64) -> Result<Vec<OutboxRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        outbox_cols!(),
        " FROM outbox ORDER BY created_ms DESC, id LIMIT $1"
    );
    Ok(db_run!(db, p => sqlx::query_as(sql)
        .bind(limit).fetch_all(p).await)?)
}

// ---------------------------------------------------------------- evidence

/// A file kept with a case, without its content.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EvidenceRow {
    pub county_code: String,
    pub id: Uuid,
    pub case_id: Uuid,
    /// Sealed.
    pub name: String,
    pub media_type: String,
    pub size: i64,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub async fn insert_evidence(
    tx: &mut DbConn<'_>,
    e: &EvidenceRow,
    content: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO evidence (county_code, id, case_id, name, media_type, size, content, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&e.county_code).bind(e.id).bind(e.case_id).bind(&e.name).bind(&e.media_type)
        .bind(e.size).bind(content).bind(&e.created_by).bind(e.created_at)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn evidence_of_case(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<EvidenceRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, case_id, name, media_type, size, created_by, created_at \
         FROM evidence WHERE county_code = $1 AND case_id = $2 ORDER BY created_at, id")
        .bind(county).bind(case).fetch_all(p).await)?)
}

/// A file's sealed content.
pub async fn evidence_content(
    db: &Db,
    c: &Seen<CaseRow>,
    id: Uuid,
) -> Result<Option<String>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    let row: Option<(String,)> = db_run!(db, p => sqlx::query_as(
        "SELECT content FROM evidence WHERE county_code = $1 AND case_id = $2 AND id = $3")
        .bind(county).bind(case).bind(id).fetch_optional(p).await)?;
    Ok(row.map(|(c,)| c))
}

// ---------------------------------------------------------------- consent to share

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseConsentRow {
    pub county_code: String,
    pub id: Uuid,
    pub case_id: Uuid,
    /// `None`: every department of the mechanism.
    pub department_id: Option<Uuid>,
    /// `self` or `guardian`.
    pub given_by: String,
    /// Sealed (since migration 0055).
    pub guardian_name: Option<String>,
    pub guardian_relationship: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_by: Option<String>,
}

macro_rules! case_consent_cols {
    () => {
        "county_code, id, case_id, department_id, given_by, guardian_name, guardian_relationship, \
         recorded_by, recorded_at, withdrawn_at, withdrawn_by"
    };
}

pub async fn insert_case_consent(
    tx: &mut DbConn<'_>,
    c: &CaseConsentRow,
) -> Result<(), StorageError> {
    let sql = concat!(
        "INSERT INTO case_consent (",
        case_consent_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    conn_run!(tx, k => sqlx::query(sql)
        .bind(&c.county_code).bind(c.id).bind(c.case_id).bind(c.department_id).bind(&c.given_by)
        .bind(&c.guardian_name).bind(&c.guardian_relationship).bind(&c.recorded_by)
        .bind(c.recorded_at).bind(c.withdrawn_at).bind(&c.withdrawn_by)
        .execute(&mut *k).await.map(|_| ()))?;
    Ok(())
}

/// The consents to share of a case, oldest first.
pub async fn case_consents(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<CaseConsentRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    let sql = concat!(
        "SELECT ",
        case_consent_cols!(),
        " FROM case_consent WHERE county_code = $1 AND case_id = $2 ORDER BY recorded_at, id"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, CaseConsentRow>(sql)
        .bind(county).bind(case).fetch_all(p).await)?)
}

/// Withdraws one consent of a case; false when it was not in force.
pub async fn withdraw_case_consent(
    tx: &mut DbConn<'_>,
    county: &str,
    case: Uuid,
    id: Uuid,
    by: &str,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    Ok(conn_run!(tx, k => sqlx::query(
        "UPDATE case_consent SET withdrawn_at = $4, withdrawn_by = $5 \
         WHERE county_code = $1 AND case_id = $2 AND id = $3 AND withdrawn_at IS NULL")
        .bind(county).bind(case).bind(id).bind(now).bind(by)
        .execute(&mut *k).await.map(|r| r.rows_affected() == 1))?)
}

/// The consents to share of the cases of referrals of a county, in one query (a department's
/// list).
pub async fn consents_of_referred(
    db: &Db,
    county: &str,
    referrals: &[&Seen<ReferralRow>],
) -> Result<Vec<CaseConsentRow>, StorageError> {
    let mut cases: Vec<Uuid> = referrals
        .iter()
        .filter(|r| r.county_code == county)
        .map(|r| r.case_id)
        .collect();
    cases.sort();
    cases.dedup();
    if cases.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", case_consent_cols!(),
            " FROM case_consent WHERE county_code = "));
        q.push_bind(county.to_string()).push(" AND case_id IN (");
        let mut list = q.separated(", ");
        for c in &cases {
            list.push_bind(*c);
        }
        q.push(")");
        q.build_query_as::<CaseConsentRow>().fetch_all(p).await
    })?)
}
