//! Supervision tasks (督办), their co-units and steps. Sealed values are stored as the services
//! give them; tasks are read within a [`Reader`]'s reach (`push_supervision_filter`).

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskRow {
    pub county_code: String,
    pub id: Uuid,
    /// The issuing federation's place.
    pub path: String,
    pub place_code: String,
    /// Sealed.
    pub title: String,
    /// Sealed (empty when none).
    pub matter: String,
    pub source: String,
    pub source_id: Option<Uuid>,
    /// The lead unit: a department, or a federation below (its place's path).
    pub department_id: Option<Uuid>,
    pub unit_path: Option<String>,
    pub unit_name: String,
    /// Sealed.
    pub owner_name: String,
    pub cadence: String,
    pub issued_on: String,
    pub due_on: String,
    /// The end of the day due (China's), in milliseconds since 1970.
    pub due_ms: i64,
    pub status: String,
    /// The day an extension asked for, until it is decided.
    pub extension_on: Option<String>,
    pub signed_ms: Option<i64>,
    pub last_report_ms: Option<i64>,
    pub submitted_ms: Option<i64>,
    pub submitted_by: String,
    pub closed_ms: Option<i64>,
    pub returns: i64,
    pub rating: Option<String>,
    pub created_ms: i64,
    pub created_by: String,
    pub version: i64,
}

macro_rules! task_cols {
    () => {
        "county_code, id, path, place_code, title, matter, source, source_id, department_id, \
         unit_path, unit_name, owner_name, cadence, issued_on, due_on, due_ms, status, \
         extension_on, signed_ms, last_report_ms, submitted_ms, submitted_by, closed_ms, returns, \
         rating, created_ms, created_by, version"
    };
}

pub async fn insert_task(tx: &mut DbConn<'_>, t: &TaskRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO supervision_task (", task_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
          $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"))
        .bind(&t.county_code).bind(t.id).bind(&t.path).bind(&t.place_code).bind(&t.title)
        .bind(&t.matter).bind(&t.source).bind(t.source_id).bind(t.department_id)
        .bind(&t.unit_path).bind(&t.unit_name).bind(&t.owner_name).bind(&t.cadence)
        .bind(&t.issued_on).bind(&t.due_on).bind(t.due_ms).bind(&t.status)
        .bind(&t.extension_on).bind(t.signed_ms).bind(t.last_report_ms).bind(t.submitted_ms)
        .bind(&t.submitted_by).bind(t.closed_ms).bind(t.returns).bind(&t.rating)
        .bind(t.created_ms).bind(&t.created_by).bind(t.version)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Writes a task's workflow fields if its version is still `expected`; `false`: someone
/// changed it meanwhile, and nothing was written.
pub async fn update_task(
    tx: &mut DbConn<'_>,
    t: &TaskRow,
    expected: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE supervision_task SET status = $1, due_on = $2, due_ms = $3, extension_on = $4, \
         signed_ms = $5, last_report_ms = $6, submitted_ms = $7, submitted_by = $8, \
         closed_ms = $9, returns = $10, rating = $11, version = version + 1 \
         WHERE county_code = $12 AND id = $13 AND version = $14")
        .bind(&t.status).bind(&t.due_on).bind(t.due_ms).bind(&t.extension_on)
        .bind(t.signed_ms).bind(t.last_report_ms).bind(t.submitted_ms).bind(&t.submitted_by)
        .bind(t.closed_ms).bind(t.returns).bind(&t.rating)
        .bind(&t.county_code).bind(t.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A task, within the reader's reach.
pub async fn task(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<TaskRow>>, StorageError> {
    let row: Option<TaskRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", task_cols!(), " FROM supervision_task t WHERE id = "));
        q.push_bind(id);
        reader.push_supervision_filter(&mut q, "t");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// A task read by the worker (no reader).
pub async fn task_in(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
) -> Result<Option<TaskRow>, StorageError> {
    Ok(
        conn_run!(tx, c => sqlx::query_as(concat!("SELECT ", task_cols!(),
        " FROM supervision_task WHERE county_code = $1 AND id = $2"))
        .bind(county).bind(id).fetch_optional(&mut *c).await)?,
    )
}

/// What a list of tasks is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// Only those not closed.
    pub open: bool,
    /// Only those due before this time (overdue at it) …
    pub due_before_ms: Option<i64>,
    /// … or at or after this one.
    pub due_from_ms: Option<i64>,
    /// Only those issued from the first day to the second (`YYYY-MM-DD`, both included).
    pub issued: Option<(String, String)>,
}

fn push_task_filter<DB: sqlx::Database>(
    q: &mut QueryBuilder<DB>,
    reader: &Reader,
    within: &Subtree,
    f: &TaskFilter,
) where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> Uuid: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if within.lo.is_empty() {
        q.push(" WHERE 1 = 1");
    } else {
        q.push(" WHERE path >= ")
            .push_bind(within.lo.clone())
            .push(" AND path < ")
            .push_bind(within.hi.clone());
    }
    if f.open {
        q.push(" AND status <> 'closed'");
    }
    if let Some(ms) = f.due_before_ms {
        q.push(" AND due_ms < ").push_bind(ms);
    }
    if let Some(ms) = f.due_from_ms {
        q.push(" AND due_ms >= ").push_bind(ms);
    }
    if let Some((from, to)) = &f.issued {
        q.push(" AND issued_on >= ")
            .push_bind(from.clone())
            .push(" AND issued_on <= ")
            .push_bind(to.clone());
    }
    reader.push_supervision_filter(q, "t");
}

/// Tasks within the reader's reach (and a subtree of issuers), those not closed first by their
/// deadline, then the closed ones, newest first; at most `limit`.
pub async fn tasks(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    f: &TaskFilter,
    limit: i64,
) -> Result<Vec<Seen<TaskRow>>, StorageError> {
    let rows: Vec<TaskRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", task_cols!(), " FROM supervision_task t"));
        push_task_filter(&mut q, reader, within, f);
        q.push(" ORDER BY CASE WHEN status = 'closed' THEN 1 ELSE 0 END, \
                 CASE WHEN status = 'closed' THEN -due_ms ELSE due_ms END, id LIMIT ")
            .push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// The figures of one unit: tasks in all, open, overdue now, closed on time, late (closed
/// after the deadline or open past it), returned at least once.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitFigures {
    pub department_id: Option<Uuid>,
    pub unit_path: Option<String>,
    pub unit_name: String,
    pub total: i64,
    pub open: i64,
    pub yellow: i64,
    pub red: i64,
    pub on_time: i64,
    pub late: i64,
    pub returned: i64,
}

/// The figures of every lead unit of the tasks within the reader's reach, in one grouped query:
/// `yellow_ms` is when the light of an open task turns yellow (today plus the days before the
/// deadline), `now_ms` when it turns red; `issued`, when given, keeps the tasks issued from its
/// first day to its last.
pub async fn unit_figures(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    issued: Option<(String, String)>,
    now_ms: i64,
    yellow_ms: i64,
) -> Result<Vec<UnitFigures>, StorageError> {
    let f = TaskFilter {
        issued,
        ..TaskFilter::default()
    };
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT department_id, unit_path, MIN(unit_name) AS unit_name, COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN status <> 'closed' THEN 1 ELSE 0 END), 0) AS open, \
             COALESCE(SUM(CASE WHEN status <> 'closed' AND due_ms >= ");
        q.push_bind(now_ms).push(" AND due_ms < ").push_bind(yellow_ms)
            .push(" THEN 1 ELSE 0 END), 0) AS yellow, \
             COALESCE(SUM(CASE WHEN status <> 'closed' AND due_ms < ").push_bind(now_ms)
            .push(" THEN 1 ELSE 0 END), 0) AS red, \
             COALESCE(SUM(CASE WHEN status = 'closed' AND submitted_ms <= due_ms THEN 1 ELSE 0 END), 0) AS on_time, \
             COALESCE(SUM(CASE WHEN (status = 'closed' AND submitted_ms > due_ms) \
               OR (status <> 'closed' AND due_ms < ").push_bind(now_ms)
            .push(") THEN 1 ELSE 0 END), 0) AS late, \
             COALESCE(SUM(CASE WHEN returns > 0 THEN 1 ELSE 0 END), 0) AS returned \
             FROM supervision_task t");
        push_task_filter(&mut q, reader, within, &f);
        q.push(" GROUP BY department_id, unit_path ORDER BY MIN(unit_name), unit_path");
        q.build_query_as().fetch_all(p).await
    })?)
}

// ---------------------------------------------------------------- co-units

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UnitRow {
    pub seq: i64,
    pub department_id: Option<Uuid>,
    pub unit_path: Option<String>,
    pub name: String,
}

pub async fn insert_unit(
    tx: &mut DbConn<'_>,
    county: &str,
    task: Uuid,
    u: &UnitRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO supervision_unit (county_code, task_id, seq, department_id, unit_path, name) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(county).bind(task).bind(u.seq).bind(u.department_id).bind(&u.unit_path)
        .bind(&u.name)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn units(db: &Db, t: &Seen<TaskRow>) -> Result<Vec<UnitRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, department_id, unit_path, name FROM supervision_unit \
         WHERE county_code = $1 AND task_id = $2 ORDER BY seq")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?)
}

// ---------------------------------------------------------------- steps

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    pub seq: i64,
    pub kind: String,
    pub at_ms: i64,
    pub by_account: String,
    /// Sealed (empty when none).
    pub note: String,
    pub new_due_on: Option<String>,
}

pub async fn add_step(
    tx: &mut DbConn<'_>,
    county: &str,
    task: Uuid,
    s: &StepRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO supervision_step (county_code, task_id, seq, kind, at_ms, by_account, note, \
         new_due_on) SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6, $7 \
         FROM supervision_step WHERE county_code = $1 AND task_id = $2")
        .bind(county).bind(task).bind(&s.kind).bind(s.at_ms).bind(&s.by_account).bind(&s.note)
        .bind(&s.new_due_on)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn steps(db: &Db, t: &Seen<TaskRow>) -> Result<Vec<StepRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, kind, at_ms, by_account, note, new_due_on FROM supervision_step \
         WHERE county_code = $1 AND task_id = $2 ORDER BY seq")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?)
}
