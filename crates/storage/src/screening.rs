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
    const SQL: &str = "SELECT county_code, id, name, place_code, path, starts_on, ends_on, checklist, \
                       created_by FROM campaign ORDER BY starts_on DESC, name";
    if let Some(q) = db.quick() {
        return q.run(|c| {
            use crate::quick::*;
            rows(c, SQL, &[], |r| {
                Ok(Campaign {
                    county_code: get_text(r, 0)?,
                    id: get_uuid(r, 1)?,
                    name: get_text(r, 2)?,
                    place_code: get_text(r, 3)?,
                    path: get_text(r, 4)?,
                    starts_on: get_date(r, 5)?,
                    ends_on: get_date(r, 6)?,
                    checklist: get_text(r, 7)?,
                    created_by: get_text(r, 8)?,
                })
            })
        });
    }
    Ok(db_run!(db, p => sqlx::query_as(SQL).fetch_all(p).await)?)
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

/// Writes new visits and adds them to their campaigns' tallies ([`tallies_at`]) and to the
/// years' screening tallies ([`crate::report::screened_in_year`]), in the caller's transaction.
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
    tally_visits(tx, rows).await?;
    tally_screening(tx, rows).await
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
    const SQL: &str = "SELECT v.id, v.campaign_id, c.name AS campaign_name, v.visited_on, v.risk, v.findings, v.note, v.followup, v.recorded_by \
         FROM visit v JOIN campaign c ON c.county_code = v.county_code AND c.id = v.campaign_id \
         WHERE v.county_code = $1 AND v.household_id = $2 ORDER BY v.visited_on DESC, v.id DESC";
    // A few rows by the household's index: read on the asking thread (a household page's).
    if let Some(q) = db.quick() {
        return q.run(|c| {
            use crate::quick::*;
            rows(c, SQL, &[text(county), uuid(household)], |r| {
                Ok(HistoryRow {
                    id: get_uuid(r, 0)?,
                    campaign_id: get_uuid(r, 1)?,
                    campaign_name: get_text(r, 2)?,
                    visited_on: get_date(r, 3)?,
                    risk: get_text(r, 4)?,
                    findings: get_text(r, 5)?,
                    note: opt_text(r, 6)?,
                    followup: get_bool(r, 7)?,
                    recorded_by: get_text(r, 8)?,
                })
            })
        });
    }
    Ok(db_run!(db, p => sqlx::query_as(SQL).bind(county).bind(household).fetch_all(p).await)?)
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
    /// When it is to be concluded (by the limits in force).
    pub due_on: NaiveDate,
}

/// Writes the disputes visits opened and adds them to the campaigns' tallies, in the caller's
/// transaction (after the visits).
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
                    .push_bind(d.due_on)
                    .push_bind(now)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    tally_disputes(tx, rows).await
}

/// Households below a subtree per unit, a unit being the first `prefix` characters of a
/// resident group's path (from the groups' tallies, summed in the database).
pub async fn households_per_unit(
    db: &Db,
    within: &Subtree,
    prefix: i32,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT substr(path, 1, ");
        q.push_bind(prefix).push(") AS unit, CAST(sum(households) AS BIGINT) FROM group_tally WHERE 1 = 1");
        within.push_within(&mut q, "path", "county_code");
        q.push(" GROUP BY unit ORDER BY unit");
        q.build_query_as().fetch_all(p).await
    })?)
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

/// A row of the campaigns' tallies: `(county, campaign, path, risk)`.
type TallyKey<'a> = (&'a str, Uuid, &'a str, &'a str);

/// What a campaign's tallies gain: visits and disputes of one risk at one place.
#[derive(Debug, Default)]
struct TallyGain<'a> {
    /// `(level, visits, disputes)` by row; in key order, so that concurrent transactions take
    /// the rows' locks in the same order.
    rows: std::collections::BTreeMap<TallyKey<'a>, (i16, i64, i64)>,
}

impl<'a> TallyGain<'a> {
    /// A visit or dispute of `risk` at `path` (its household's group), counted at that place and
    /// at every place above it.
    fn add(
        &mut self,
        county: &'a str,
        campaign: Uuid,
        path: &'a str,
        risk: &'a str,
        dispute: bool,
    ) {
        for (level, place) in crate::place::places_of(path) {
            let e = self
                .rows
                .entry((county, campaign, place, risk))
                .or_insert((level, 0, 0));
            if dispute {
                e.2 += 1;
            } else {
                e.1 += 1;
            }
        }
    }

    async fn write(self, tx: &mut DbConn<'_>) -> Result<(), StorageError> {
        let rows: Vec<_> = self.rows.into_iter().collect();
        for chunk in rows.chunks(500) {
            conn_run!(tx, c => {
                let mut q = QueryBuilder::new(
                    "INSERT INTO campaign_tally (county_code, campaign_id, level, path, risk, visits, disputes) ");
                q.push_values(chunk, |mut b, ((county, campaign, path, risk), (level, visits, disputes))| {
                    b.push_bind(*county)
                        .push_bind(*campaign)
                        .push_bind(*level)
                        .push_bind(*path)
                        .push_bind(*risk)
                        .push_bind(*visits)
                        .push_bind(*disputes);
                });
                q.push(" ON CONFLICT (county_code, campaign_id, path, risk) DO UPDATE SET \
                         visits = campaign_tally.visits + excluded.visits, \
                         disputes = campaign_tally.disputes + excluded.disputes");
                q.build().execute(&mut *c).await.map(|_| ())
            })?;
        }
        Ok(())
    }
}

/// Adds new visits to their campaigns' tallies, in the transaction that writes them.
async fn tally_visits(tx: &mut DbConn<'_>, rows: &[Visit]) -> Result<(), StorageError> {
    let mut gain = TallyGain::default();
    for v in rows {
        gain.add(&v.county_code, v.campaign_id, &v.path, &v.risk, false);
    }
    gain.write(tx).await
}

/// Adds new disputes opened by visits to those visits' campaigns' tallies, in the transaction
/// that writes them (the campaign is the visit's, read here).
async fn tally_disputes(tx: &mut DbConn<'_>, rows: &[NewDispute]) -> Result<(), StorageError> {
    let mut campaigns: std::collections::HashMap<(&str, Uuid), Uuid> = Default::default();
    let mut counties: Vec<&str> = rows.iter().map(|d| d.county_code.as_str()).collect();
    counties.sort_unstable();
    counties.dedup();
    for county in counties {
        let ids: Vec<Uuid> = rows
            .iter()
            .filter(|d| d.county_code == county)
            .map(|d| d.visit_id)
            .collect();
        let found: Vec<(Uuid, Uuid)> = conn_run!(tx, c => {
            let mut q = QueryBuilder::new("SELECT id, campaign_id FROM visit WHERE county_code = ");
            q.push_bind(county).push(" AND id IN (");
            let mut list = q.separated(", ");
            for id in &ids {
                list.push_bind(*id);
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await
        })?;
        campaigns.extend(
            found
                .into_iter()
                .map(|(visit, campaign)| ((county, visit), campaign)),
        );
    }
    let mut gain = TallyGain::default();
    for d in rows {
        if let Some(campaign) = campaigns.get(&(d.county_code.as_str(), d.visit_id)) {
            gain.add(&d.county_code, *campaign, &d.path, &d.risk, true);
        }
    }
    gain.write(tx).await
}

/// A campaign's visits and disputes of one risk at one place within one county (a place above a
/// county has a row in each county below it: the readers add them up).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct TallyRow {
    pub path: String,
    /// The risk's key.
    pub risk: String,
    pub visits: i64,
    pub disputes: i64,
}

/// A campaign's tallies of a place (`place`, at `level`) and of the places one level below it
/// (`child_level`; the place's own level again for a resident group), from the tallies alone:
/// a few rows a risk whatever the number of visits.
pub async fn tallies_at(
    db: &Db,
    campaign: Uuid,
    place: &Subtree,
    level: i16,
    child_level: i16,
) -> Result<Vec<TallyRow>, StorageError> {
    let (within, bounds) = place.within_sql("path", "county_code", 4);
    // Not grouped: grouped, SQLite would walk the county's key over every place of the subtree
    // for the order it gives, rather than the index of the county, campaign and level.
    let sql = format!(
        "SELECT path, risk, visits, disputes \
         FROM campaign_tally WHERE campaign_id = $1 AND level IN ($2, $3){within}"
    );
    if let Some(q) = db.quick() {
        return q.run(|c| {
            use crate::quick::*;
            let args: Vec<_> = [
                uuid(campaign),
                rusqlite::types::Value::Integer(i64::from(level)),
                rusqlite::types::Value::Integer(i64::from(child_level)),
            ]
            .into_iter()
            .chain(bounds.iter().map(|b| text(b)))
            .collect();
            rows(c, &sql, &args, |r| {
                Ok(TallyRow {
                    path: get_text(r, 0)?,
                    risk: get_text(r, 1)?,
                    visits: get_int(r, 2)?,
                    disputes: get_int(r, 3)?,
                })
            })
        });
    }
    Ok(db_run!(db, p => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(campaign).bind(level).bind(child_level);
        for b in &bounds {
            q = q.bind(b);
        }
        q.fetch_all(p).await
    })?)
}

/// What a campaign's progress at a place reads, when the place is named by its code: the places
/// its path names and its children (as [`crate::place::lineage_and_children`]), the places'
/// tallies of it and its units (as [`crate::place::child_figures`]) and the campaign's tallies of
/// the same places (as [`tallies_at`]), the same levels and range in both, in one statement. `path` is the path the code says; the caller checks
/// that the last place of the lineage is the place, there.
#[derive(Debug, Clone, Default)]
pub struct ProgressFamily {
    pub lineage: std::sync::Arc<Vec<crate::place::Place>>,
    pub children: std::sync::Arc<Vec<crate::place::Place>>,
    pub figures: crate::place::ChildFigures,
    pub tallies: Vec<TallyRow>,
}

pub async fn progress_family(
    db: &Db,
    campaign: Uuid,
    path: &str,
    code: &str,
    levels: [i16; 2],
) -> Result<ProgressFamily, StorageError> {
    let range = Subtree::of_path(path);
    let (within, bounds) = range.within_sql("path", "county_code", 10);
    let campaign_param = 10 + bounds.len();
    // `k` tells the rows apart: l a place of the lineage, h a child, p a place's tally, c a
    // campaign's tally. A place is (code, parent, name, path, level); a place's tally (path, …,
    // its six counts); a campaign's (path, risk, …, visits, disputes). Not ordered: SQLite would
    // sort the whole union in a temporary tree; the rows are put in order here.
    let sql = format!(
        "SELECT 'l' AS k, code AS a, parent_code AS b, name AS c, path AS d, level AS n1, 0 AS n2, \
         0 AS n3, 0 AS n4, 0 AS n5, 0 AS n6 FROM place WHERE code IN ($1, $2, $3, $4, $5, $6) \
         UNION ALL SELECT 'h', code, parent_code, name, path, level, 0, 0, 0, 0, 0 \
         FROM place WHERE parent_code = $7 \
         UNION ALL SELECT 'p', path, NULL, '', '', townships, villages, groups, households, \
         executives, representatives FROM place_tally WHERE level IN ($8, $9){within} \
         UNION ALL SELECT 'c', path, risk, '', '', visits, disputes, 0, 0, 0, 0 \
         FROM campaign_tally WHERE campaign_id = ${campaign_param} AND level IN ($8, $9){within}"
    );
    let bind = crate::place::lineage_codes(path);
    type Row = (String, String, Option<String>, String, String, [i64; 6]);
    let rows: Vec<Row> = match db.quick() {
        Some(q) => q.run(|c| {
            use crate::quick::*;
            let mut args: Vec<_> = (0..6).map(|i| text(bind(i))).collect();
            args.push(text(code));
            args.extend(crate::place::tally_args(&levels, &bounds));
            args.push(uuid(campaign));
            rows(c, &sql, &args, |r| {
                let mut n = [0; 6];
                for (i, v) in n.iter_mut().enumerate() {
                    *v = get_int(r, 5 + i)?;
                }
                Ok((
                    get_text(r, 0)?,
                    get_text(r, 1)?,
                    opt_text(r, 2)?,
                    get_text(r, 3)?,
                    get_text(r, 4)?,
                    n,
                ))
            })
        })?,
        None => {
            type Flat = (
                String,
                String,
                Option<String>,
                String,
                String,
                i64,
                i64,
                i64,
                i64,
                i64,
                i64,
            );
            let rows: Vec<Flat> = db_run!(db, p => {
                let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()));
                for i in 0..6 {
                    q = q.bind(bind(i));
                }
                q = q.bind(code);
                for l in levels {
                    q = q.bind(l);
                }
                for b in &bounds {
                    q = q.bind(b);
                }
                q.bind(campaign).fetch_all(p).await
            })?;
            rows.into_iter()
                .map(|(k, a, b, c, d, n1, n2, n3, n4, n5, n6)| {
                    (k, a, b, c, d, [n1, n2, n3, n4, n5, n6])
                })
                .collect()
        }
    };
    let mut out = ProgressFamily::default();
    let (mut lineage, mut children, mut places) = (Vec::new(), Vec::new(), Vec::new());
    for (k, a, b, c, d, [n1, n2, n3, n4, n5, n6]) in rows {
        let place = || crate::place::Place {
            code: a.clone(),
            parent_code: b.clone(),
            level: i16::try_from(n1).unwrap_or_default(),
            name: c.clone(),
            path: d.clone(),
        };
        match k.as_str() {
            "l" => lineage.push(place()),
            "h" => children.push(place()),
            "p" => places.push((a, n1, n2, n3, n4, n5, n6)),
            _ => out.tallies.push(TallyRow {
                path: a,
                risk: b.unwrap_or_default(),
                visits: n1,
                disputes: n2,
            }),
        }
    }
    lineage.sort_by_key(|p| p.level);
    children.sort_by(|a, b| a.code.cmp(&b.code));
    out.lineage = std::sync::Arc::new(lineage);
    out.children = std::sync::Arc::new(children);
    out.figures = crate::place::summed(path, places);
    Ok(out)
}

/// The campaigns' tallies counted afresh from the visits and the disputes they opened, as a
/// query of rows `(county_code, campaign_id, level, path, risk, visits, disputes)`.
fn fresh_tallies_sql() -> String {
    let levels = crate::place::levels_sql();
    format!(
        "SELECT county_code, campaign_id, level, path, risk, CAST(sum(visits) AS BIGINT) AS visits, \
         CAST(sum(disputes) AS BIGINT) AS disputes FROM ( \
         SELECT v.county_code, v.campaign_id, l.level, substr(v.path, 1, l.len) AS path, v.risk, 1 AS visits, 0 AS disputes \
         FROM visit v JOIN ({levels}) l ON length(v.path) >= l.len \
         UNION ALL \
         SELECT d.county_code, v.campaign_id, l.level, substr(d.path, 1, l.len), d.risk, 0, 1 \
         FROM dispute d JOIN visit v ON v.county_code = d.county_code AND v.id = d.visit_id \
         JOIN ({levels}) l ON length(d.path) >= l.len \
         ) x GROUP BY county_code, campaign_id, level, path, risk"
    )
}

/// Tally rows of the campaigns that differ from a fresh count from the visits (a row missing on
/// either side counts).
pub async fn campaign_tally_drift(db: &Db) -> Result<i64, StorageError> {
    let sql = format!(
        "SELECT count(*) FROM campaign_tally t FULL OUTER JOIN ({}) f \
         ON f.county_code = t.county_code AND f.campaign_id = t.campaign_id AND f.path = t.path AND f.risk = t.risk \
         WHERE coalesce(t.visits, 0) <> coalesce(f.visits, 0) OR coalesce(t.disputes, 0) <> coalesce(f.disputes, 0) \
         OR coalesce(t.level, 0) <> coalesce(f.level, t.level)",
        fresh_tallies_sql()
    );
    let (n,): (i64,) =
        db_run!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)?;
    Ok(n)
}

/// Writes the campaigns' tallies afresh from the visits, in the caller's transaction.
pub async fn rebuild_campaign_tallies(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    let insert = format!(
        "INSERT INTO campaign_tally (county_code, campaign_id, level, path, risk, visits, disputes) {}",
        fresh_tallies_sql()
    );
    conn_run!(tx, c => async {
        sqlx::query("DELETE FROM campaign_tally").execute(&mut *c).await?;
        sqlx::query(sqlx::AssertSqlSafe(insert.clone())).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    }.await)?;
    Ok(())
}

/// The calendar year of a visit date, as SQL over `visit.visited_on` (a date on PostgreSQL,
/// text on SQLite: its text starts with the year on both).
const VISIT_YEAR: &str = "CAST(substr(CAST(visited_on AS TEXT), 1, 4) AS INTEGER)";

/// A row of the years' screening tallies: `(county, year, path)`.
type YearKey<'a> = (&'a str, i32, &'a str);

/// What the years' screening tallies gain at one place: `(level, households, visits, medium,
/// high)`.
type YearGain = (i16, i64, i64, i64, i64);

/// Adds new visits to the screening tallies of their years, in the transaction that writes them:
/// each visit (and its risk when medium or high) at its household's group and every place above
/// it; the household too when it is its first visit of the year. Which households are new to the
/// year is what `screening_household` says after the insert of their keys, so that two
/// transactions visiting one household at once count it once (the second waits for the first's
/// key on PostgreSQL, and SQLite has one writer). Rows are taken in key order, as the campaigns'
/// tallies are.
async fn tally_screening(tx: &mut DbConn<'_>, rows: &[Visit]) -> Result<(), StorageError> {
    use chrono::Datelike;
    let mut keys: std::collections::BTreeMap<(&str, Uuid, i32), &str> = Default::default();
    for v in rows {
        keys.entry((v.county_code.as_str(), v.household_id, v.visited_on.year()))
            .or_insert(v.path.as_str());
    }
    let keys: Vec<_> = keys.into_iter().collect();
    let mut new: std::collections::HashSet<(String, Uuid, i32)> = Default::default();
    for chunk in keys.chunks(500) {
        let found: Vec<(String, Uuid, i32)> = conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO screening_household (county_code, household_id, year) ");
            q.push_values(chunk, |mut b, ((county, household, year), _)| {
                b.push_bind(*county).push_bind(*household).push_bind(*year);
            });
            q.push(" ON CONFLICT (county_code, household_id, year) DO NOTHING \
                     RETURNING county_code, household_id, year");
            q.build_query_as().fetch_all(&mut *c).await
        })?;
        new.extend(found);
    }
    let mut gain: std::collections::BTreeMap<YearKey<'_>, YearGain> = Default::default();
    for ((county, household, year), path) in &keys {
        if new.contains(&(county.to_string(), *household, *year)) {
            add_year_gain(&mut gain, (*county, *year, *path), [1, 0, 0, 0]);
        }
    }
    for v in rows {
        let (medium, high) = (i64::from(v.risk == "medium"), i64::from(v.risk == "high"));
        let at = (v.county_code.as_str(), v.visited_on.year(), v.path.as_str());
        add_year_gain(&mut gain, at, [0, 1, medium, high]);
    }
    let gain: Vec<_> = gain.into_iter().collect();
    for chunk in gain.chunks(500) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO screening_tally (county_code, year, level, path, households, visits, medium, high) ");
            q.push_values(chunk, |mut b, ((county, year, path), (level, households, visits, medium, high))| {
                b.push_bind(*county)
                    .push_bind(*year)
                    .push_bind(*level)
                    .push_bind(*path)
                    .push_bind(*households)
                    .push_bind(*visits)
                    .push_bind(*medium)
                    .push_bind(*high);
            });
            q.push(" ON CONFLICT (county_code, year, path) DO UPDATE SET \
                     households = screening_tally.households + excluded.households, \
                     visits = screening_tally.visits + excluded.visits, \
                     medium = screening_tally.medium + excluded.medium, \
                     high = screening_tally.high + excluded.high");
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// Adds `[households, visits, medium, high]` at a household's group (`path`) to the rows of that
/// place and of every place above it.
fn add_year_gain<'a>(
    gain: &mut std::collections::BTreeMap<YearKey<'a>, YearGain>,
    (county, year, path): YearKey<'a>,
    [households, visits, medium, high]: [i64; 4],
) {
    for (level, place) in crate::place::places_of(path) {
        let e = gain
            .entry((county, year, place))
            .or_insert((level, 0, 0, 0, 0));
        e.1 += households;
        e.2 += visits;
        e.3 += medium;
        e.4 += high;
    }
}

/// The households screened in each year, counted afresh from the visits, as a query of rows
/// `(county_code, household_id, year)`.
fn fresh_screened_households_sql() -> String {
    format!("SELECT DISTINCT county_code, household_id, {VISIT_YEAR} AS year FROM visit")
}

/// The years' screening tallies counted afresh from the visits, as a query of rows
/// `(county_code, year, level, path, households, visits, medium, high)`.
fn fresh_screening_sql() -> String {
    let levels = crate::place::levels_sql();
    format!(
        "SELECT county_code, year, level, path, CAST(sum(households) AS BIGINT) AS households, \
         CAST(sum(visits) AS BIGINT) AS visits, CAST(sum(medium) AS BIGINT) AS medium, \
         CAST(sum(high) AS BIGINT) AS high FROM ( \
         SELECT h.county_code, h.year, l.level, substr(h.path, 1, l.len) AS path, 1 AS households, \
         h.visits, h.medium, h.high FROM ( \
         SELECT county_code, household_id, path, {VISIT_YEAR} AS year, count(*) AS visits, \
         sum(CASE WHEN risk = 'medium' THEN 1 ELSE 0 END) AS medium, \
         sum(CASE WHEN risk = 'high' THEN 1 ELSE 0 END) AS high \
         FROM visit GROUP BY county_code, household_id, path, {VISIT_YEAR}) h \
         JOIN ({levels}) l ON length(h.path) >= l.len \
         ) x GROUP BY county_code, year, level, path"
    )
}

/// Rows of the years' screening tallies, and households screened in a year, that differ from a
/// fresh count from the visits (a row missing on either side counts).
pub async fn screening_tally_drift(db: &Db) -> Result<i64, StorageError> {
    let tallies = format!(
        "SELECT count(*) FROM screening_tally t FULL OUTER JOIN ({}) f \
         ON f.county_code = t.county_code AND f.year = t.year AND f.path = t.path \
         WHERE coalesce(t.households, 0) <> coalesce(f.households, 0) \
         OR coalesce(t.visits, 0) <> coalesce(f.visits, 0) \
         OR coalesce(t.medium, 0) <> coalesce(f.medium, 0) \
         OR coalesce(t.high, 0) <> coalesce(f.high, 0) \
         OR coalesce(t.level, 0) <> coalesce(f.level, t.level)",
        fresh_screening_sql()
    );
    let households = format!(
        "SELECT count(*) FROM screening_household s FULL OUTER JOIN ({}) f \
         ON f.county_code = s.county_code AND f.household_id = s.household_id AND f.year = s.year \
         WHERE s.county_code IS NULL OR f.county_code IS NULL",
        fresh_screened_households_sql()
    );
    let mut drift = 0;
    for sql in [tallies, households] {
        let (n,): (i64,) =
            db_run!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)?;
        drift += n;
    }
    Ok(drift)
}

/// Writes the years' screening tallies afresh from the visits, in the caller's transaction.
pub async fn rebuild_screening_tallies(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    let households = format!(
        "INSERT INTO screening_household (county_code, household_id, year) {}",
        fresh_screened_households_sql()
    );
    let tallies = format!(
        "INSERT INTO screening_tally (county_code, year, level, path, households, visits, medium, high) {}",
        fresh_screening_sql()
    );
    conn_run!(tx, c => async {
        sqlx::query("DELETE FROM screening_household").execute(&mut *c).await?;
        sqlx::query("DELETE FROM screening_tally").execute(&mut *c).await?;
        sqlx::query(sqlx::AssertSqlSafe(households.clone())).execute(&mut *c).await?;
        sqlx::query(sqlx::AssertSqlSafe(tallies.clone())).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    }.await)?;
    Ok(())
}
