//! The structured risk assessment: a county's checklist, and the assessments of a case (read
//! through the case, seen within the caller's reach). Answers and reasons are stored as the
//! services seal them.

use crate::linkage::CaseRow;
use crate::{Db, DbConn, Seen, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QuestionRow {
    pub key: String,
    pub position: i64,
    pub zh: String,
    pub en: String,
    pub weight: i64,
}

/// The county's checklist in order; empty when it has set none.
pub async fn questions(db: &Db, county: &str) -> Result<Vec<QuestionRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT key, position, zh, en, weight FROM risk_question WHERE county_code = $1 \
         ORDER BY position")
        .bind(county).fetch_all(p).await)?)
}

/// Replaces the county's checklist (assessments keep what they were asked, with its weight).
pub async fn replace_questions(
    tx: &mut DbConn<'_>,
    county: &str,
    rows: &[QuestionRow],
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("DELETE FROM risk_question WHERE county_code = $1")
        .bind(county).execute(&mut *c).await.map(|_| ()))?;
    for r in rows {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO risk_question (county_code, key, position, zh, en, weight) \
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(county).bind(&r.key).bind(r.position).bind(&r.zh).bind(&r.en).bind(r.weight)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AssessmentRow {
    pub county_code: String,
    pub id: Uuid,
    pub case_id: Uuid,
    pub path: String,
    pub assessed_at: DateTime<Utc>,
    pub assessed_by: String,
    pub with_victim: bool,
    /// Sealed JSON of the answered questions.
    pub answers: String,
    pub incidents: Option<i64>,
    pub score: i64,
    pub computed: String,
    pub judgement: Option<String>,
    /// Sealed when not empty.
    pub reason: String,
    pub result: String,
    pub basis: String,
}

pub async fn insert_assessment(tx: &mut DbConn<'_>, r: &AssessmentRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO risk_assessment (county_code, id, case_id, path, assessed_at, assessed_by, \
         with_victim, answers, incidents, score, computed, judgement, reason, result, basis) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)")
        .bind(&r.county_code).bind(r.id).bind(r.case_id).bind(&r.path).bind(r.assessed_at)
        .bind(&r.assessed_by).bind(r.with_victim).bind(&r.answers).bind(r.incidents)
        .bind(r.score).bind(&r.computed).bind(&r.judgement).bind(&r.reason).bind(&r.result)
        .bind(&r.basis)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

/// The assessments of a case, newest first.
pub async fn assessments_of_case(
    db: &Db,
    c: &Seen<CaseRow>,
) -> Result<Vec<AssessmentRow>, StorageError> {
    let (county, case) = (&c.county_code, c.id);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, case_id, path, assessed_at, assessed_by, with_victim, answers, \
         incidents, score, computed, judgement, reason, result, basis FROM risk_assessment \
         WHERE county_code = $1 AND case_id = $2 ORDER BY assessed_at DESC, id DESC")
        .bind(county).bind(case).fetch_all(p).await)?)
}

/// Sets a case's risk to the result of its newest assessment.
pub async fn set_case_risk(
    tx: &mut DbConn<'_>,
    county: &str,
    case: Uuid,
    risk: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE dv_case SET risk = $1, updated_at = $2 WHERE county_code = $3 AND id = $4")
        .bind(risk).bind(now).bind(county).bind(case)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}
