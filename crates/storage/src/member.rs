//! Members serving a federation: executives, women's representatives, mediators, volunteers.

use crate::mediation::DisputeRow;
use crate::{Db, DbConn, Scope, Seen, StorageError, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewMember {
    pub id: Uuid,
    pub county_code: String,
    pub place_code: String,
    pub path: String,
    pub role: &'static str,
    pub name: String,
    /// Sealed.
    pub phone: Option<String>,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
}

pub async fn insert(
    tx: &mut DbConn<'_>,
    rows: &[NewMember],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO member (county_code, id, place_code, path, role, name, phone, started_on, term_ends_on, created_at) ",
            );
            q.push_values(chunk, |mut b, m| {
                b.push_bind(&m.county_code)
                    .push_bind(m.id)
                    .push_bind(&m.place_code)
                    .push_bind(&m.path)
                    .push_bind(m.role)
                    .push_bind(&m.name)
                    .push_bind(&m.phone)
                    .push_bind(m.started_on)
                    .push_bind(m.term_ends_on)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    let changes: Vec<crate::place::TallyChange> = rows
        .iter()
        .map(|m| crate::place::TallyChange {
            county: &m.county_code,
            path: &m.path,
            change: crate::place::Figures::member(m.role, 1),
        })
        .collect();
    crate::place::add_to_place_tallies(tx, &changes).await
}

/// The members (still serving) an account is.
pub async fn of_account(db: &Db, account: Uuid) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT id FROM member WHERE account_id = $1 AND ended_on IS NULL ORDER BY id")
        .bind(account).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberRow {
    pub county_code: String,
    pub id: Uuid,
    pub place_code: String,
    pub path: String,
    pub role: String,
    pub name: String,
    pub started_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub account_id: Option<Uuid>,
}

macro_rules! member_cols {
    () => {
        "county_code, id, place_code, path, role, name, started_on, ended_on, account_id"
    };
}

/// A member by id, if her place lies in a whole subtree of `scope`.
pub async fn get(db: &Db, scope: &Scope, id: Uuid) -> Result<Option<MemberRow>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", member_cols!(), " FROM member WHERE id = "));
        q.push_bind(id);
        scope.push_filter(&mut q, "path");
        q.build_query_as().fetch_optional(p).await
    })?)
}

/// An active mediator who may take a dispute: of a place within `scope`, or of the dispute's place
/// or one above it.
pub async fn mediator_for(
    db: &Db,
    scope: &Scope,
    dispute: &Seen<DisputeRow>,
    id: Uuid,
) -> Result<Option<MemberRow>, StorageError> {
    Ok(mediators_for(db, scope, dispute, Some(id))
        .await?
        .into_iter()
        .next())
}

/// The active mediators who may take a dispute (see [`mediator_for`]), by path; with `only`,
/// that one alone.
pub async fn mediators_for(
    db: &Db,
    scope: &Scope,
    dispute: &Seen<DisputeRow>,
    only: Option<Uuid>,
) -> Result<Vec<MemberRow>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", member_cols!(), " FROM member WHERE "));
        if let Some(id) = only {
            q.push("id = ").push_bind(id).push(" AND ");
        }
        q.push("ended_on IS NULL AND role = 'mediator' AND (substr(");
        q.push_bind(dispute.path.clone()).push(", 1, length(path)) = path");
        if scope.has_subtrees() {
            q.push(" OR (1 = 1");
            scope.push_filter(&mut q, "path");
            q.push(")");
        }
        q.push(") ORDER BY path, id");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// Links a member to an account (or unlinks it with `None`).
pub async fn link_account(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    account: Option<Uuid>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("UPDATE member SET account_id = $3 WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id).bind(account).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// The active members of one role serving at a place, oldest record first.
pub async fn at_place(db: &Db, place_code: &str, role: &str) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT id FROM member WHERE place_code = $1 AND role = $2 AND ended_on IS NULL ORDER BY id")
        .bind(place_code).bind(role).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// A member's term ends.
pub async fn end(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    on: NaiveDate,
) -> Result<(), StorageError> {
    let ended: Option<(String, String)> = conn_run!(tx, c => sqlx::query_as(
        "UPDATE member SET ended_on = $3 WHERE county_code = $1 AND id = $2 AND ended_on IS NULL \
         RETURNING path, role")
        .bind(county).bind(id).bind(on).fetch_optional(&mut *c).await)?;
    if let Some((path, role)) = ended {
        let change = crate::place::TallyChange {
            county,
            path: &path,
            change: crate::place::Figures::member(&role, -1),
        };
        crate::place::add_to_place_tallies(tx, &[change]).await?;
    }
    Ok(())
}

/// A member as a federation's list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberLine {
    pub id: Uuid,
    pub place_code: String,
    pub role: String,
    pub name: String,
    /// Sealed.
    pub phone: Option<String>,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
}

/// The members serving at a place itself (not below it), serving ones first.
pub async fn serving_at(db: &Db, place_code: &str) -> Result<Vec<MemberLine>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, place_code, role, name, phone, started_on, term_ends_on, ended_on FROM member \
         WHERE place_code = $1 ORDER BY ended_on IS NOT NULL, role, started_on, id")
        .bind(place_code).fetch_all(p).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Federation {
    pub county_code: String,
    pub id: Uuid,
    pub place_code: String,
    pub path: String,
    pub name: String,
    pub established_on: Option<NaiveDate>,
}

pub async fn insert_federations(
    tx: &mut DbConn<'_>,
    rows: &[Federation],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO federation (county_code, id, place_code, path, name, established_on, created_at) ",
            );
            q.push_values(chunk, |mut b, f| {
                b.push_bind(&f.county_code)
                    .push_bind(f.id)
                    .push_bind(&f.place_code)
                    .push_bind(&f.path)
                    .push_bind(&f.name)
                    .push_bind(f.established_on)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// The federation of a place, if it has one.
pub async fn federation(db: &Db, place_code: &str) -> Result<Option<Federation>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, place_code, path, name, established_on FROM federation WHERE place_code = $1")
        .bind(place_code).fetch_optional(p).await)?)
}

/// A member serving, as the members sheet lists her.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct ServingMember {
    pub id: Uuid,
    /// As stored.
    pub name: String,
    /// The role's key.
    pub role: String,
    /// The place she serves.
    pub place_code: String,
    pub started_on: NaiveDate,
    pub term_ends_on: Option<NaiveDate>,
}

/// Serving members below a subtree, for the members sheet (with [`units_below`], the units they
/// answer for).
pub async fn serving_below(
    db: &Db,
    within: &crate::Subtree,
) -> Result<Vec<ServingMember>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, name, role, place_code, started_on, term_ends_on FROM member \
         WHERE path >= $1 AND path < $2 AND ended_on IS NULL ORDER BY path, role, name, id")
        .bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}

/// The current units of the members below a subtree: (member, place code or household code).
pub async fn units_below(
    db: &Db,
    within: &crate::Subtree,
) -> Result<Vec<(Uuid, String)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT a.member_id, coalesce(a.unit_code, h.code) FROM assignment a \
         LEFT JOIN household h ON h.county_code = a.county_code AND h.id = a.household_id \
         WHERE a.path >= $1 AND a.path < $2 AND a.ended_on IS NULL ORDER BY a.path, h.code")
        .bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}
