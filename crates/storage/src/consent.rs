//! Consent records (PIPL): the legal basis or separate consent for sensitive data, for sharing
//! with departments and for publication, attached to a person.
//!
//! A record holds its person sealed (`person`, bound to consent/person/<id>) and a keyed
//! pseudonym of her (`person_ref`, purpose `consent`), by which the consents of a person are
//! found: no join leads from a consent (a consent to publish tells that a child has a wish) to
//! `person` without the key. The guardian's name is sealed too.

use crate::{Db, DbConn, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ConsentRow {
    pub county_code: String,
    pub id: Uuid,
    /// The person's id, sealed.
    pub person: String,
    /// The keyed pseudonym of the person (purpose `consent`).
    pub person_ref: String,
    pub purpose: String,
    pub basis: String,
    pub given_by: String,
    /// Sealed.
    pub guardian_name: Option<String>,
    /// The guardian's relationship to the person.
    pub guardian_relationship: Option<String>,
    pub recorded_by: Option<Uuid>,
    pub recorded_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

pub async fn insert(tx: &mut DbConn<'_>, c: &ConsentRow) -> Result<(), StorageError> {
    conn_run!(tx, conn => sqlx::query(
        "INSERT INTO consent (county_code, id, person, person_ref, purpose, basis, given_by, guardian_name, recorded_by, recorded_at, withdrawn_at, guardian_relationship) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, $11)")
        .bind(&c.county_code).bind(c.id).bind(&c.person).bind(&c.person_ref).bind(&c.purpose)
        .bind(&c.basis).bind(&c.given_by).bind(&c.guardian_name).bind(c.recorded_by)
        .bind(c.recorded_at).bind(&c.guardian_relationship)
        .execute(&mut *conn).await.map(|_| ()))?;
    Ok(())
}

/// The consents of the person whose pseudonym (purpose `consent`) is `person_ref`.
pub async fn of_person(
    db: &Db,
    county_code: &str,
    person_ref: &str,
) -> Result<Vec<ConsentRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as::<_, ConsentRow>(
        "SELECT county_code, id, person, person_ref, purpose, basis, given_by, guardian_name, recorded_by, recorded_at, withdrawn_at, guardian_relationship \
         FROM consent WHERE county_code = $1 AND person_ref = $2 ORDER BY recorded_at")
        .bind(county_code).bind(person_ref).fetch_all(p).await)?)
}

pub async fn withdraw(
    tx: &mut DbConn<'_>,
    county_code: &str,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE consent SET withdrawn_at = $3 WHERE county_code = $1 AND id = $2 AND withdrawn_at IS NULL")
        .bind(county_code).bind(id).bind(at).execute(&mut *c).await.map(|r| r.rows_affected()))?)
}
