//! Typical cases (典型案例). Sealed values are stored as the services give them; staff read cases
//! within a [`Reader`]'s reach (`push_typical_filter`: her managed subtrees, or published and
//! public); the public page reads only what is published and public.

use crate::{Db, DbConn, Reader, Seen, StorageError, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TypicalRow {
    pub county_code: String,
    pub id: Uuid,
    /// The proposing federation's place.
    pub path: String,
    pub place_code: String,
    pub kind: String,
    pub year: i64,
    pub title: String,
    pub source: String,
    pub source_id: Uuid,
    /// Sealed: the text as the de-identification gave it.
    pub text_auto: String,
    /// Sealed: the text as the reviewer left it.
    pub text: String,
    pub recognisable: bool,
    /// Sealed (an id), when she could be recognised and a registered person.
    pub consent_person: Option<String>,
    pub is_public: bool,
    pub status: String,
    pub proposed_by: String,
    pub proposed_ms: i64,
    pub reviewed_by: Option<String>,
    pub reviewed_ms: Option<i64>,
    pub published_by: Option<String>,
    pub published_ms: Option<i64>,
    pub version: i64,
}

macro_rules! typical_cols {
    () => {
        "county_code, id, path, place_code, kind, year, title, source, source_id, text_auto, \
         text, recognisable, consent_person, is_public, status, proposed_by, proposed_ms, \
         reviewed_by, reviewed_ms, published_by, published_ms, version"
    };
}

pub async fn insert(tx: &mut DbConn<'_>, r: &TypicalRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(concat!("INSERT INTO typical_case (", typical_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22)"))
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(&r.place_code).bind(&r.kind)
        .bind(r.year).bind(&r.title).bind(&r.source).bind(r.source_id).bind(&r.text_auto)
        .bind(&r.text).bind(r.recognisable).bind(&r.consent_person).bind(r.is_public)
        .bind(&r.status).bind(&r.proposed_by).bind(r.proposed_ms).bind(&r.reviewed_by)
        .bind(r.reviewed_ms).bind(&r.published_by).bind(r.published_ms).bind(r.version)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// A typical case within the reader's reach.
pub async fn case(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<TypicalRow>>, StorageError> {
    let row: Option<TypicalRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", typical_cols!(), " FROM typical_case t WHERE id = "));
        q.push_bind(id);
        reader.push_typical_filter(&mut q, "t");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// What the library is searched by.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub kind: Option<String>,
    pub year: Option<i64>,
    /// Only published ones.
    pub published: bool,
}

fn push_search<DB: sqlx::Database>(q: &mut QueryBuilder<DB>, s: &Search)
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
    for<'t> i64: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    if let Some(k) = &s.kind {
        q.push(" AND t.kind = ").push_bind(k.clone());
    }
    if let Some(y) = s.year {
        q.push(" AND t.year = ").push_bind(y);
    }
    if s.published {
        q.push(" AND t.status = 'published'");
    }
}

/// The library within the reader's reach, newest year first; at most `limit`.
pub async fn cases(
    db: &Db,
    reader: &Reader,
    s: &Search,
    limit: i64,
) -> Result<Vec<Seen<TypicalRow>>, StorageError> {
    let rows: Vec<TypicalRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", typical_cols!(), " FROM typical_case t WHERE 1 = 1"));
        push_search(&mut q, s);
        reader.push_typical_filter(&mut q, "t");
        q.push(" ORDER BY t.year DESC, t.proposed_ms DESC, t.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// Published and public cases, for the page anyone may open, newest year first.
pub async fn public_cases(
    db: &Db,
    s: &Search,
    limit: i64,
) -> Result<Vec<TypicalRow>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", typical_cols!(),
            " FROM typical_case t WHERE t.status = 'published' AND t.is_public"));
        push_search(&mut q, s);
        q.push(" ORDER BY t.year DESC, t.published_ms DESC, t.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?)
}

/// One published and public case, for the page anyone may open.
pub async fn public_case(db: &Db, id: Uuid) -> Result<Option<TypicalRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", typical_cols!(),
        " FROM typical_case t WHERE t.id = $1 AND t.status = 'published' AND t.is_public"))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// Records a review: the edited title and text; `false` when the version is stale or the case
/// is no longer under review.
#[allow(clippy::too_many_arguments)]
pub async fn review(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    version: i64,
    title: &str,
    text: &str,
    recognisable: bool,
    by: &str,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE typical_case SET title = $1, text = $2, recognisable = $3, reviewed_by = $4, \
         reviewed_ms = $5, status = 'reviewed', version = version + 1 \
         WHERE county_code = $6 AND id = $7 AND version = $8 AND status IN ('proposed', 'reviewed')")
        .bind(title).bind(text).bind(recognisable).bind(by).bind(at_ms)
        .bind(county).bind(id).bind(version)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Publishes a reviewed case; `false` when the version is stale or it is not reviewed.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    version: i64,
    is_public: bool,
    consent_person: Option<&str>,
    by: &str,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE typical_case SET status = 'published', is_public = $1, consent_person = $2, \
         published_by = $3, published_ms = $4, version = version + 1 \
         WHERE county_code = $5 AND id = $6 AND version = $7 AND status = 'reviewed'")
        .bind(is_public).bind(consent_person).bind(by).bind(at_ms)
        .bind(county).bind(id).bind(version)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Withdraws a case from the library and the public page; `false` when the version is stale or
/// it already is.
pub async fn withdraw(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    version: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE typical_case SET status = 'withdrawn', is_public = FALSE, version = version + 1 \
         WHERE county_code = $1 AND id = $2 AND version = $3 AND status <> 'withdrawn'")
        .bind(county).bind(id).bind(version)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The typical cases within a subtree and the reader's reach: (proposed in all, published).
pub async fn figures(
    db: &Db,
    reader: &Reader,
    within: &crate::Subtree,
) -> Result<(i64, i64), StorageError> {
    let (all, published): (i64, i64) = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), COALESCE(SUM(CASE WHEN t.status = 'published' THEN 1 ELSE 0 END), 0) \
             FROM typical_case t WHERE t.path >= ");
        q.push_bind(within.lo.clone()).push(" AND t.path < ").push_bind(within.hi.clone());
        reader.push_typical_filter(&mut q, "t");
        q.build_query_as().fetch_one(p).await
    })?;
    Ok((all, published))
}
