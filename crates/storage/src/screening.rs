//! Screening campaigns, their visits, and the disputes medium and high risks open.

use crate::{Db, DbConn, Scope, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Campaign {
    pub county_code: String,
    pub id: Uuid,
    pub name: String,
    pub place_code: String,
    pub path: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Item keys separated by commas.
    pub checklist: String,
    pub created_by: String,
}

pub async fn insert_campaign(
    tx: &mut DbConn<'_>,
    c: &Campaign,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO campaign (county_code, id, name, place_code, path, starts_on, ends_on, checklist, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(&c.county_code).bind(c.id).bind(&c.name).bind(&c.place_code).bind(&c.path)
        .bind(c.starts_on).bind(c.ends_on).bind(&c.checklist).bind(&c.created_by).bind(now)
        .execute(&mut *x).await.map(|_| ()))
    .map_err(StorageError::classify)
}

/// Every campaign, newest first (a county runs a few a year; the caller filters by place).
pub async fn campaigns(db: &Db) -> Result<Vec<Campaign>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, name, place_code, path, starts_on, ends_on, checklist, created_by FROM campaign \
         ORDER BY starts_on DESC, name")
        .fetch_all(p).await)?)
}

pub async fn campaign(db: &Db, id: Uuid) -> Result<Option<Campaign>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, name, place_code, path, starts_on, ends_on, checklist, created_by FROM campaign WHERE id = $1")
        .bind(id).fetch_optional(p).await)?)
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Visit {
    pub county_code: String,
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub household_id: Uuid,
    pub path: String,
    pub member_id: Option<Uuid>,
    pub visited_on: NaiveDate,
    pub risk: String,
    /// Sealed envelope of the item keys found.
    pub findings: String,
    /// Sealed envelope.
    pub note: Option<String>,
    pub followup: bool,
    pub request_key: String,
    pub recorded_by: String,
}

pub async fn insert_visits(
    tx: &mut DbConn<'_>,
    rows: &[Visit],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO visit (county_code, id, campaign_id, household_id, path, member_id, visited_on, risk, findings, note, followup, request_key, recorded_by, created_at) ",
            );
            q.push_values(chunk, |mut b, v| {
                b.push_bind(&v.county_code)
                    .push_bind(v.id)
                    .push_bind(v.campaign_id)
                    .push_bind(v.household_id)
                    .push_bind(&v.path)
                    .push_bind(v.member_id)
                    .push_bind(v.visited_on)
                    .push_bind(&v.risk)
                    .push_bind(&v.findings)
                    .push_bind(&v.note)
                    .push_bind(v.followup)
                    .push_bind(&v.request_key)
                    .push_bind(&v.recorded_by)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// The visit a submission key already made, if any.
pub async fn visit_by_key(
    tx: &mut DbConn<'_>,
    county: &str,
    key: &str,
) -> Result<Option<Visit>, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query_as(
        "SELECT county_code, id, campaign_id, household_id, path, member_id, visited_on, risk, findings, note, followup, request_key, recorded_by \
         FROM visit WHERE county_code = $1 AND request_key = $2")
        .bind(county).bind(key).fetch_optional(&mut *c).await)?)
}

/// Whether a household already has a visit in a campaign.
pub async fn screened(
    tx: &mut DbConn<'_>,
    county: &str,
    campaign: Uuid,
    household: Uuid,
) -> Result<bool, StorageError> {
    let (n,): (i64,) = conn_run!(tx, c => sqlx::query_as(
        "SELECT count(*) FROM visit WHERE county_code = $1 AND campaign_id = $2 AND household_id = $3")
        .bind(county).bind(campaign).bind(household).fetch_one(&mut *c).await)?;
    Ok(n > 0)
}

/// A household's visits across campaigns, newest first: its risk history.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HistoryRow {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub campaign_name: String,
    pub visited_on: NaiveDate,
    pub risk: String,
    pub findings: String,
    pub note: Option<String>,
    pub followup: bool,
    pub recorded_by: String,
}

pub async fn history(
    db: &Db,
    county: &str,
    household: Uuid,
) -> Result<Vec<HistoryRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT v.id, v.campaign_id, c.name AS campaign_name, v.visited_on, v.risk, v.findings, v.note, v.followup, v.recorded_by \
         FROM visit v JOIN campaign c ON c.county_code = v.county_code AND c.id = v.campaign_id \
         WHERE v.county_code = $1 AND v.household_id = $2 ORDER BY v.visited_on DESC, v.id DESC")
        .bind(county).bind(household).fetch_all(p).await)?)
}

#[derive(Debug, Clone)]
pub struct NewDispute {
    pub county_code: String,
    pub id: Uuid,
    pub household_id: Uuid,
    pub path: String,
    pub visit_id: Uuid,
    pub risk: String,
    pub opened_on: NaiveDate,
}

pub async fn insert_disputes(
    tx: &mut DbConn<'_>,
    rows: &[NewDispute],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO dispute (county_code, id, household_id, path, source, visit_id, kind, risk, status, opened_on, due_on, created_at, updated_at) ",
            );
            q.push_values(chunk, |mut b, d| {
                let source = jinguo_domain::mediation::Source::Screening;
                b.push_bind(&d.county_code)
                    .push_bind(d.id)
                    .push_bind(d.household_id)
                    .push_bind(&d.path)
                    .push_bind(source.key())
                    .push_bind(d.visit_id)
                    .push_bind(jinguo_domain::mediation::DisputeKind::Other.key())
                    .push_bind(&d.risk)
                    .push_bind(jinguo_domain::mediation::Status::Registered.key())
                    .push_bind(d.opened_on)
                    .push_bind(jinguo_domain::mediation::due_on(source, false, d.opened_on, None))
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// Disputes below a subtree opened by one campaign's visits, by risk.
pub async fn disputes_by_risk(
    db: &Db,
    campaign: Uuid,
    within: &Subtree,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT d.risk, count(*) FROM dispute d JOIN visit v ON v.county_code = d.county_code AND v.id = d.visit_id \
         WHERE v.campaign_id = $1 AND d.path >= $2 AND d.path < $3 GROUP BY d.risk ORDER BY d.risk")
        .bind(campaign).bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}

/// A campaign's visits of one risk in one resident group.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct VisitCount {
    /// The resident group's path.
    pub path: String,
    /// The risk's key.
    pub risk: String,
    pub visits: i64,
}

/// One campaign's visits below a subtree, counted per resident group path and risk.
pub async fn visits_per_path(
    db: &Db,
    campaign: Uuid,
    within: &Subtree,
) -> Result<Vec<VisitCount>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT path, risk, count(*) AS visits FROM visit WHERE campaign_id = $1 AND path >= $2 AND path < $3 \
         GROUP BY path, risk ORDER BY path, risk")
        .bind(campaign).bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}

/// A household with the risk a campaign's visit found, if it was visited.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CampaignHouseholdRow {
    pub id: Uuid,
    pub code: String,
    /// The risk's key; none while not visited.
    pub risk: Option<String>,
}

/// Households the scope lets one see below a subtree, with whether the campaign visited them
/// (their risk) — a page in tree order. `only_open` keeps those still to visit.
pub async fn households_page(
    db: &Db,
    campaign: Uuid,
    place: &Subtree,
    scope: &Scope,
    only_open: bool,
    offset: i64,
    limit: i64,
) -> Result<Vec<CampaignHouseholdRow>, StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT h.id, h.code, v.risk FROM household h LEFT JOIN visit v ON v.county_code = h.county_code \
             AND v.household_id = h.id AND v.campaign_id = ");
        q.push_bind(campaign);
        q.push(" WHERE 1 = 1");
        visible.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        if only_open {
            q.push(" AND v.id IS NULL");
        }
        q.push(" ORDER BY h.path, h.code LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        q.build_query_as().fetch_all(p).await
    })?)
}

/// How many households the scope lets one see below a subtree, and how many of them the campaign
/// visited.
pub async fn households_count(
    db: &Db,
    campaign: Uuid,
    place: &Subtree,
    scope: &Scope,
) -> Result<(i64, i64), StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok((0, 0));
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), count(v.id) FROM household h LEFT JOIN visit v ON v.county_code = h.county_code \
             AND v.household_id = h.id AND v.campaign_id = ");
        q.push_bind(campaign);
        q.push(" WHERE 1 = 1");
        visible.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        q.build_query_as().fetch_one(p).await
    })?)
}

/// The members currently answering for a household.
pub async fn household_members(
    db: &Db,
    county: &str,
    household: Uuid,
) -> Result<Vec<Uuid>, StorageError> {
    let rows: Vec<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT member_id FROM assignment WHERE county_code = $1 AND household_id = $2 AND ended_on IS NULL")
        .bind(county).bind(household).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The dispute a visit opened, if any.
pub async fn dispute_of_visit(
    tx: &mut DbConn<'_>,
    county: &str,
    visit: Uuid,
) -> Result<Option<Uuid>, StorageError> {
    let row: Option<(Uuid,)> = conn_run!(tx, c => sqlx::query_as(
        "SELECT id FROM dispute WHERE county_code = $1 AND visit_id = $2")
        .bind(county).bind(visit).fetch_optional(&mut *c).await)?;
    Ok(row.map(|r| r.0))
}
