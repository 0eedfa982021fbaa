//! The "1+N+1+1" chains a county defines, the records attached to them (runs) and each run's
//! steps. A chain is read within the subtrees a [`Reader`] manages; a run within them (its
//! record's place) or by the units of its steps (`push_chain_filter`).

use crate::{Db, DbConn, Reader, Seen, StorageError, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ChainRow {
    pub county_code: String,
    pub id: Uuid,
    /// The defining county's place.
    pub path: String,
    pub place_code: String,
    pub name: String,
    pub created_ms: i64,
    pub created_by: String,
}

/// A step of a chain, or of a run (with its clock and who took it).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    pub seq: i64,
    pub role: String,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub unit_path: Option<String>,
    pub unit_name: String,
    pub days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRow {
    pub county_code: String,
    pub id: Uuid,
    pub chain_id: Uuid,
    /// The attached record's place.
    pub path: String,
    pub subject: String,
    pub subject_id: Uuid,
    pub started_ms: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunStepRow {
    pub county_code: String,
    pub run_id: Uuid,
    pub seq: i64,
    /// The subject of the step's clock.
    pub id: Uuid,
    pub role: String,
    pub name: String,
    pub department_id: Option<Uuid>,
    pub unit_path: Option<String>,
    pub unit_name: String,
    pub days: i64,
    /// Set when its clock starts.
    pub due_ms: Option<i64>,
    pub done_ms: Option<i64>,
    pub done_by: String,
}

macro_rules! run_cols {
    () => {
        "r.county_code, r.id, r.chain_id, r.path, r.subject, r.subject_id, r.started_ms, \
         r.created_by"
    };
}

macro_rules! run_step_cols {
    () => {
        "county_code, run_id, seq, id, role, name, department_id, unit_path, unit_name, days, \
         due_ms, done_ms, done_by"
    };
}

pub async fn insert_chain(
    tx: &mut DbConn<'_>,
    c: &ChainRow,
    steps: &[StepRow],
) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO chain (county_code, id, path, place_code, name, created_ms, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(&c.county_code).bind(c.id).bind(&c.path).bind(&c.place_code).bind(&c.name)
        .bind(c.created_ms).bind(&c.created_by)
        .execute(&mut *x).await.map(|_| ()))?;
    for s in steps {
        conn_run!(tx, x => sqlx::query(
            "INSERT INTO chain_step (county_code, chain_id, seq, role, name, department_id, \
             unit_path, unit_name, days) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&c.county_code).bind(c.id).bind(s.seq).bind(&s.role).bind(&s.name)
            .bind(s.department_id).bind(&s.unit_path).bind(&s.unit_name).bind(s.days)
            .execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(())
}

/// A chain by its id. Chains name steps and institutions, never people: whom one is shown to
/// is decided by the services (staff of its county or above).
pub async fn chain(db: &Db, id: Uuid) -> Result<Option<ChainRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, path, place_code, name, created_ms, created_by FROM chain \
         WHERE id = $1")
        .bind(id).fetch_optional(p).await)?)
}

/// The chains of `counties`, and those within the subtrees the reader manages, by name; at most
/// `limit`.
pub async fn chains(
    db: &Db,
    reader: &Reader,
    counties: &[String],
    limit: i64,
) -> Result<Vec<ChainRow>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT county_code, id, path, place_code, name, created_ms, created_by FROM chain c \
             WHERE (");
        if !counties.is_empty() {
            q.push("c.county_code IN (");
            let mut sep = q.separated(", ");
            for c in counties {
                sep.push_bind(c.clone());
            }
            q.push(") OR ");
        }
        q.push("(1 = 1");
        reader.push_managed_filter(&mut q, "c");
        q.push(")) ORDER BY name, id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?)
}

pub async fn steps(db: &Db, c: &ChainRow) -> Result<Vec<StepRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, role, name, department_id, unit_path, unit_name, days FROM chain_step \
         WHERE county_code = $1 AND chain_id = $2 ORDER BY seq")
        .bind(&c.county_code).bind(c.id).fetch_all(p).await)?)
}

/// Attaches a record: the run and its steps. `false`: the record is on the chain already, and
/// nothing was written.
pub async fn insert_run(
    tx: &mut DbConn<'_>,
    r: &RunRow,
    steps: &[RunStepRow],
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, x => sqlx::query(
        "INSERT INTO chain_run (county_code, id, chain_id, path, subject, subject_id, started_ms, \
         created_by) SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE NOT EXISTS (SELECT 1 FROM \
         chain_run WHERE county_code = $1 AND chain_id = $3 AND subject_id = $6)")
        .bind(&r.county_code).bind(r.id).bind(r.chain_id).bind(&r.path).bind(&r.subject)
        .bind(r.subject_id).bind(r.started_ms).bind(&r.created_by)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    if n != 1 {
        return Ok(false);
    }
    for s in steps {
        conn_run!(tx, x => sqlx::query(concat!("INSERT INTO chain_run_step (", run_step_cols!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"))
            .bind(&s.county_code).bind(s.run_id).bind(s.seq).bind(s.id).bind(&s.role)
            .bind(&s.name).bind(s.department_id).bind(&s.unit_path).bind(&s.unit_name)
            .bind(s.days).bind(s.due_ms).bind(s.done_ms).bind(&s.done_by)
            .execute(&mut *x).await.map(|_| ()))?;
    }
    Ok(true)
}

/// A run, within the reader's reach.
pub async fn run(db: &Db, reader: &Reader, id: Uuid) -> Result<Option<Seen<RunRow>>, StorageError> {
    let row: Option<RunRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", run_cols!(), " FROM chain_run r WHERE r.id = "));
        q.push_bind(id);
        reader.push_chain_filter(&mut q, "r");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// The runs within the reader's reach (of one chain, when given), newest first; at most `limit`.
pub async fn runs(
    db: &Db,
    reader: &Reader,
    chain: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Seen<RunRow>>, StorageError> {
    let rows: Vec<RunRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", run_cols!(), " FROM chain_run r WHERE 1 = 1"));
        if let Some(c) = chain {
            q.push(" AND r.chain_id = ").push_bind(c);
        }
        reader.push_chain_filter(&mut q, "r");
        q.push(" ORDER BY r.started_ms DESC, r.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// The records on a chain below a subtree within the reader's reach, and how many of them have
/// a step still to do.
pub async fn run_counts(
    db: &Db,
    reader: &Reader,
    within: &crate::Subtree,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM chain_run_step s \
             WHERE s.county_code = r.county_code AND s.run_id = r.id AND s.done_ms IS NULL) \
             THEN 1 ELSE 0 END), 0) FROM chain_run r WHERE 1 = 1",
        );
        within.push_within(&mut q, "r.path", "r.county_code");
        reader.push_chain_filter(&mut q, "r");
        q.build_query_as().fetch_one(p).await
    })?)
}

pub async fn run_steps(db: &Db, r: &Seen<RunRow>) -> Result<Vec<RunStepRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", run_step_cols!(),
        " FROM chain_run_step WHERE county_code = $1 AND run_id = $2 ORDER BY seq"))
        .bind(&r.county_code).bind(r.id).fetch_all(p).await)?,
    )
}

/// A run's step by the id its clock names, for the worker (no reader).
pub async fn run_step_by_id(db: &Db, id: Uuid) -> Result<Option<RunStepRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", run_step_cols!(),
        " FROM chain_run_step WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// Marks a step done if it is still open; `false`: someone did it meanwhile.
pub async fn step_done(
    tx: &mut DbConn<'_>,
    county: &str,
    run: Uuid,
    seq: i64,
    now_ms: i64,
    by: &str,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, x => sqlx::query(
        "UPDATE chain_run_step SET done_ms = $1, done_by = $2 WHERE county_code = $3 \
         AND run_id = $4 AND seq = $5 AND done_ms IS NULL")
        .bind(now_ms).bind(by).bind(county).bind(run).bind(seq)
        .execute(&mut *x).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Starts a step's clock.
pub async fn step_started(
    tx: &mut DbConn<'_>,
    county: &str,
    run: Uuid,
    seq: i64,
    due_ms: i64,
) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "UPDATE chain_run_step SET due_ms = $1 WHERE county_code = $2 AND run_id = $3 AND seq = $4")
        .bind(due_ms).bind(county).bind(run).bind(seq)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}
