//! Responsibility assignments (包保) and the coverage computed from them.

use crate::{Db, DbConn, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewAssignment {
    pub id: Uuid,
    pub county_code: String,
    pub member_id: Uuid,
    /// The place answered for (subdistrict, village, resident group) …
    pub unit_code: Option<String>,
    /// … or the household.
    pub household_id: Option<Uuid>,
    pub path: String,
    pub started_on: NaiveDate,
}

pub async fn insert(
    tx: &mut DbConn<'_>,
    rows: &[NewAssignment],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO assignment (county_code, id, member_id, unit_code, household_id, path, started_on, ended_on, created_at) ",
            );
            q.push_values(chunk, |mut b, a| {
                b.push_bind(&a.county_code)
                    .push_bind(a.id)
                    .push_bind(a.member_id)
                    .push_bind(&a.unit_code)
                    .push_bind(a.household_id)
                    .push_bind(&a.path)
                    .push_bind(a.started_on)
                    .push_bind(None::<NaiveDate>)
                    .push_bind(now);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// A place nobody answers for.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct UncoveredPlace {
    /// The place's code.
    pub code: String,
    /// The place's name.
    pub name: String,
    /// The place's materialized path.
    pub path: String,
    /// The place's level.
    pub level: i16,
}

/// Households below a subtree per resident group path (from the groups' tallies).
pub async fn households_per_group(
    db: &Db,
    within: &Subtree,
) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT path, households FROM group_tally WHERE households > 0");
        within.push_within(&mut q, "path", "county_code");
        q.push(" ORDER BY path");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// A resident group with the households below it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupHouseholds {
    /// The group's path.
    pub path: String,
    /// The group's code.
    pub code: String,
    /// The group's name.
    pub name: String,
    /// Households in the group (from its tally).
    pub households: i64,
}

/// The same with each group's code and name.
pub async fn households_per_named_group(
    db: &Db,
    within: &Subtree,
) -> Result<Vec<GroupHouseholds>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT g.path, p.code, p.name, g.households FROM group_tally g JOIN place p ON p.path = g.path \
             WHERE g.households > 0");
        within.push_within(&mut q, "g.path", "g.county_code");
        q.push(" ORDER BY g.path");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// An active member of the responsibility network and how many units she answers for.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct MemberLoadRow {
    /// The member.
    pub id: Uuid,
    /// Her name, as stored.
    pub name: String,
    /// Her role's key (`executive` or `representative`).
    pub role: String,
    /// The path of the place she serves.
    pub path: String,
    /// The units (places or households) she currently answers for.
    pub units: i64,
}

/// Active members of the responsibility network (executives and women's representatives) below a
/// subtree and how many units each answers for. Family mediators and volunteers answer for no
/// unit; they are not idle for it.
pub async fn member_loads(db: &Db, within: &Subtree) -> Result<Vec<MemberLoadRow>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT ");
        push_loads(&mut q, within);
        q.push(" ORDER BY m.path, m.name");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// The columns and the rest of the statement of [`member_loads`] after its `SELECT `.
fn push_loads<DB: sqlx::Database>(q: &mut QueryBuilder<DB>, within: &Subtree)
where
    for<'t> String: sqlx::Encode<'t, DB> + sqlx::Type<DB>,
{
    q.push("m.id, m.name, m.role, m.path, (SELECT count(*) FROM assignment a WHERE ");
    // Within a county, the county named in the subquery by its value: a distributed database
    // then sends the whole statement to the county's shard, where a subquery in the select list
    // would otherwise ask every shard. Named once: the member's own county as well cost SQLite
    // a second comparison for each assignment counted (30 against 35 ms for Anning's 152,491).
    match within.county() {
        Some(county) => q.push("a.county_code = ").push_bind(county.to_string()),
        None => q.push("a.county_code = m.county_code"),
    };
    q.push(
        " AND a.member_id = m.id AND a.ended_on IS NULL) AS units \
         FROM member m WHERE m.ended_on IS NULL AND m.role IN ('executive', 'representative')",
    );
    within.push_within(q, "m.path", "m.county_code");
}

/// What coverage reads of the network below a subtree, in one statement: the active members'
/// loads (as [`member_loads`]) and the codes of the units answered for, which
/// [`places_not_answered`] leaves out. Within a county both halves name it, so that a
/// distributed database sends the statement to the county's shard alone. (One statement joining
/// the places to the assignments was sent by Citus to every shard; the places, a reference
/// table, are read apart by their range.)
pub async fn loads_and_answered(
    db: &Db,
    within: &Subtree,
) -> Result<(Vec<MemberLoadRow>, std::collections::HashSet<String>), StorageError> {
    let rows: Vec<(String, Option<Uuid>, String, String, String, i64)> = db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT 'm' AS k, ");
        push_loads(&mut q, within);
        q.push(" UNION ALL SELECT 'a', NULL, u.unit_code, '', '', 0 FROM assignment u \
                 WHERE u.unit_code IS NOT NULL AND u.ended_on IS NULL");
        within.push_within(&mut q, "u.path", "u.county_code");
        q.push(" ORDER BY 1, 5, 3");
        q.build_query_as().fetch_all(p).await
    })?;
    let mut loads = Vec::new();
    let mut answered = std::collections::HashSet::new();
    for (k, id, name, role, path, units) in rows {
        match (k.as_str(), id) {
            ("m", Some(id)) => loads.push(MemberLoadRow {
                id,
                name,
                role,
                path,
                units,
            }),
            _ => {
                answered.insert(name);
            }
        }
    }
    Ok((loads, answered))
}

/// Places of the given levels below a subtree whose codes are not among `answered`, by level,
/// then path: the places read by the subtree's range alone (a reference table on a distributed
/// database: any one node's copy).
pub async fn places_not_answered(
    db: &Db,
    within: &Subtree,
    levels: &[i16],
    answered: &std::collections::HashSet<String>,
) -> Result<Vec<UncoveredPlace>, StorageError> {
    if levels.is_empty() {
        return Ok(Vec::new());
    }
    let mut places: Vec<UncoveredPlace> = db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT code, name, path, level FROM place WHERE path >= ");
        q.push_bind(within.lo.clone());
        q.push(" AND path < ").push_bind(within.hi.clone());
        q.push(" AND level IN (");
        let mut list = q.separated(", ");
        for level in levels {
            list.push_bind(*level);
        }
        q.push(") ORDER BY path");
        q.build_query_as().fetch_all(p).await
    })?;
    places.retain(|p| !answered.contains(&p.code));
    places.sort_by_key(|p| p.level);
    Ok(places)
}

/// A member leaves: her term and her assignments end (history is kept). Returns how many
/// assignments ended.
pub async fn end_member(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    on: NaiveDate,
) -> Result<u64, StorageError> {
    crate::member::end(tx, county, id, on).await?;
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE assignment SET ended_on = $3 WHERE county_code = $1 AND member_id = $2 AND ended_on IS NULL")
        .bind(county).bind(id).bind(on).execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// An assignment in force.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct CurrentAssignment {
    /// The assignment.
    pub id: Uuid,
    /// The place answered for …
    pub unit_code: Option<String>,
    /// … or the household.
    pub household_id: Option<Uuid>,
    /// The path of what is answered for.
    pub path: String,
}

/// A member's current assignments.
pub async fn current_of(
    db: &Db,
    county: &str,
    member: Uuid,
) -> Result<Vec<CurrentAssignment>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, unit_code, household_id, path FROM assignment \
         WHERE county_code = $1 AND member_id = $2 AND ended_on IS NULL ORDER BY path, id")
        .bind(county).bind(member).fetch_all(p).await)?)
}

/// Ends some assignments (history is kept).
pub async fn end(
    tx: &mut DbConn<'_>,
    county: &str,
    ids: &[Uuid],
    on: NaiveDate,
) -> Result<(), StorageError> {
    for chunk in ids.chunks(500) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new("UPDATE assignment SET ended_on = ");
            q.push_bind(on).push(" WHERE county_code = ").push_bind(county).push(" AND ended_on IS NULL AND id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// A household of a resident group with the representative currently answering for it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct GroupHousehold {
    /// The household.
    pub household_id: Uuid,
    /// The household's path.
    pub path: String,
    /// The member answering for it, if any.
    pub member_id: Option<Uuid>,
    /// Her assignment, if any.
    pub assignment_id: Option<Uuid>,
}

/// The households of one resident group with the representative currently answering for each,
/// in code order.
pub async fn group_households(
    db: &Db,
    group_code: &str,
) -> Result<Vec<GroupHousehold>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT h.id AS household_id, h.path, a.member_id, a.id AS assignment_id FROM household h LEFT JOIN assignment a \
         ON a.county_code = h.county_code AND a.household_id = h.id AND a.ended_on IS NULL \
         WHERE h.group_code = $1 ORDER BY h.code, a.id")
        .bind(group_code).fetch_all(p).await)?)
}

/// The first `n` households (by code) of the resident group `group`.
pub async fn first_households(db: &Db, group: &str, n: i64) -> Result<Vec<Uuid>, StorageError> {
    let ids: Vec<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT id FROM household WHERE group_code = $1 ORDER BY code LIMIT $2")
        .bind(group).bind(n).fetch_all(p).await)?;
    Ok(ids.into_iter().map(|r| r.0).collect())
}

/// For the demo and the benchmarks: `member` answers for `households` of her county, taken over
/// from whoever answered for them; the households she answered for before go to `colleague`.
pub async fn hand_over(
    tx: &mut DbConn<'_>,
    county: &str,
    member: Uuid,
    colleague: Uuid,
    households: &[Uuid],
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE assignment SET member_id = $1 WHERE county_code = $2 AND member_id = $3 \
         AND household_id IS NOT NULL AND ended_on IS NULL")
        .bind(colleague).bind(county).bind(member).execute(&mut *c).await.map(|_| ()))?;
    for id in households {
        conn_run!(tx, c => sqlx::query(
            "UPDATE assignment SET member_id = $1 WHERE county_code = $2 AND household_id = $3 \
             AND ended_on IS NULL")
            .bind(member).bind(county).bind(*id).execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}
