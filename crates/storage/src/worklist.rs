//! A women's representative's worklist: the households she answers for, their visits and the
//! reviews due in them. Every read takes the household `Scope` and adds it to the SQL on the
//! household row, so the list and the household's own page reach exactly the same households.

use crate::{Db, Scope, StorageError, db_run};
use chrono::NaiveDate;
use sqlx::QueryBuilder;
use uuid::Uuid;

/// A household of the worklist, as stored (address and head's name sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkHousehold {
    pub id: Uuid,
    pub county_code: String,
    pub code: String,
    pub path: String,
    /// Sealed.
    pub address: String,
    pub head_id: Option<Uuid>,
    /// Sealed.
    pub head_name: Option<String>,
}

/// The households the scope reaches, in tree order, at most `limit`. The head is joined (the
/// household's person index answers it; a correlated `ORDER BY id LIMIT 1` made SQLite walk
/// the county's persons by id) and a household with two heads keeps the first.
pub async fn households(
    db: &Db,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<WorkHousehold>, StorageError> {
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows: Vec<WorkHousehold> = db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT h.id, h.county_code, h.code, h.path, h.address, \
            p.id AS head_id, p.name AS head_name FROM household h \
            LEFT JOIN person p ON p.county_code = h.county_code AND p.household_id = h.id AND p.head = 1 \
            WHERE 1 = 1");
        scope.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        q.push(" ORDER BY h.path, h.code, p.id LIMIT ").push_bind(limit);
        q.build_query_as::<WorkHousehold>().fetch_all(p).await
    })?;
    rows.dedup_by_key(|h| h.id);
    Ok(rows)
}

/// A visit of a worklist household: when, in which campaign, the risk found, whether a
/// follow-up was asked for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WorkVisit {
    pub household_id: Uuid,
    pub campaign_id: Uuid,
    pub visited_on: NaiveDate,
    /// The risk's key.
    pub risk: String,
    pub followup: bool,
}

/// Every visit of the households the scope reaches.
pub async fn visits(db: &Db, scope: &Scope) -> Result<Vec<WorkVisit>, StorageError> {
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT v.household_id, v.campaign_id, v.visited_on, v.risk, v.followup \
            FROM visit v JOIN household h ON h.county_code = v.county_code AND h.id = v.household_id WHERE 1 = 1");
        scope.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        q.build_query_as::<WorkVisit>().fetch_all(p).await
    })?)
}

/// The earliest review date, on `by` or before, of the registry entries in force (verified or
/// active) of each household the scope reaches, by the household's pseudonym
/// (`household_ref/registry_entry`, which `household_ref` computes: an entry names its household
/// only sealed).
pub async fn reviews_due(
    db: &Db,
    scope: &Scope,
    by: NaiveDate,
    household_ref: &(dyn Fn(&Uuid) -> String + Sync),
) -> Result<Vec<(String, NaiveDate)>, StorageError> {
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let refs = scope.household_refs(db, household_ref).await?;
    Ok(db_run!(db, p => {
        // An entry carries its household's path: filtered on its own rows, by their path index.
        let mut q = QueryBuilder::new("SELECT e.household_ref, min(e.next_review_on) \
            FROM registry_entry e WHERE e.status IN ('verified', 'active') \
            AND e.household_ref IS NOT NULL AND e.next_review_on <= ");
        q.push_bind(by);
        scope.push_household_ref_filter(&mut q, "e.path", "e.household_ref", &refs);
        q.push(" GROUP BY e.household_ref");
        q.build_query_as::<(String, NaiveDate)>().fetch_all(p).await
    })?)
}

/// A campaign's visits to the households the scope reaches below a subtree, by risk: the
/// progress a women's representative sees is counted over her own households, the ones her list
/// shows and she may open.
pub async fn visits_by_risk(
    db: &Db,
    campaign: Uuid,
    place: &crate::Subtree,
    scope: &Scope,
    visited: Option<(NaiveDate, NaiveDate)>,
) -> Result<Vec<(String, i64)>, StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT v.risk, count(*) FROM visit v JOIN household h \
            ON h.county_code = v.county_code AND h.id = v.household_id WHERE v.campaign_id = ");
        q.push_bind(campaign);
        if let Some((from, to)) = visited {
            q.push(" AND v.visited_on >= ").push_bind(from)
                .push(" AND v.visited_on <= ").push_bind(to);
        }
        visible.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        q.push(" GROUP BY v.risk ORDER BY v.risk");
        q.build_query_as::<(String, i64)>().fetch_all(p).await
    })?)
}
