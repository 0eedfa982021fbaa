//! Women volunteers and their services. Names and phones are stored sealed as the services give
//! them; volunteers are read within the subtrees a [`Reader`] manages.

use crate::{Db, DbConn, Reader, Seen, StorageError, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VolunteerRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    /// Sealed.
    pub name: String,
    /// Sealed when not empty.
    pub phone: String,
    /// Skills' keys, `legal,care`.
    pub skills: String,
    pub created_by: String,
    pub created_ms: i64,
}

pub async fn insert(tx: &mut DbConn<'_>, v: &VolunteerRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO volunteer (county_code, id, path, place_code, name, phone, skills, \
         created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&v.county_code).bind(v.id).bind(&v.path).bind(&v.place_code).bind(&v.name)
        .bind(&v.phone).bind(&v.skills).bind(&v.created_by).bind(v.created_ms)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

macro_rules! volunteer_cols {
    () => {
        "v.county_code, v.id, v.path, v.place_code, v.name, v.phone, v.skills, v.created_by, \
         v.created_ms"
    };
}

/// A volunteer within the subtrees the reader manages.
pub async fn volunteer(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<VolunteerRow>>, StorageError> {
    let row: Option<VolunteerRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", volunteer_cols!(), " FROM volunteer v WHERE v.id = "));
        q.push_bind(id);
        reader.push_managed_filter(&mut q, "v");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// The volunteers within the reader's subtrees, each with her hours in all (tenths); at most
/// `limit`, by place.
pub async fn volunteers(
    db: &Db,
    reader: &Reader,
    limit: i64,
) -> Result<Vec<(Seen<VolunteerRow>, i64)>, StorageError> {
    #[derive(sqlx::FromRow)]
    struct Line {
        #[sqlx(flatten)]
        v: VolunteerRow,
        hours: i64,
    }
    let rows: Vec<Line> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", volunteer_cols!(),
            ", CAST(COALESCE((SELECT SUM(s.hours_tenths) FROM volunteer_service s \
               WHERE s.county_code = v.county_code AND s.volunteer_id = v.id), 0) AS BIGINT) AS hours \
             FROM volunteer v WHERE 1 = 1"));
        reader.push_managed_filter(&mut q, "v");
        q.push(" ORDER BY v.place_code, v.created_ms, v.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|l| (Seen::new(l.v), l.hours))
        .collect())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceRow {
    pub county_code: String,
    pub id: Uuid,
    pub volunteer_id: Uuid,
    pub service_for: String,
    pub subject_id: Uuid,
    pub served_on: String,
    pub hours_tenths: i64,
    pub recorded_by: String,
    pub recorded_ms: i64,
}

pub async fn insert_service(tx: &mut DbConn<'_>, s: &ServiceRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO volunteer_service (county_code, id, volunteer_id, service_for, subject_id, \
         served_on, hours_tenths, recorded_by, recorded_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&s.county_code).bind(s.id).bind(s.volunteer_id).bind(&s.service_for)
        .bind(s.subject_id).bind(&s.served_on).bind(s.hours_tenths).bind(&s.recorded_by)
        .bind(s.recorded_ms)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// A volunteer's services read within the reader's reach, newest first.
pub async fn services(
    db: &Db,
    volunteer: &Seen<VolunteerRow>,
) -> Result<Vec<ServiceRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, volunteer_id, service_for, subject_id, served_on, hours_tenths, \
         recorded_by, recorded_ms FROM volunteer_service WHERE county_code = $1 \
         AND volunteer_id = $2 ORDER BY served_on DESC, id")
        .bind(&volunteer.county_code).bind(volunteer.id).fetch_all(p).await)?)
}

/// The volunteers of a subtree within the subtrees the reader manages, and their hours of
/// service in all (tenths).
pub async fn figures(
    db: &Db,
    reader: &Reader,
    within: &crate::Subtree,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), CAST(COALESCE(SUM((SELECT SUM(s.hours_tenths) FROM volunteer_service s \
               WHERE s.county_code = v.county_code AND s.volunteer_id = v.id)), 0) AS BIGINT) \
             FROM volunteer v WHERE v.path >= ");
        q.push_bind(within.lo.clone()).push(" AND v.path < ").push_bind(within.hi.clone());
        reader.push_managed_filter(&mut q, "v");
        q.build_query_as().fetch_one(p).await
    })?)
}
