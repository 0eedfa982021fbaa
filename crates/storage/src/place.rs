//! Places: the official hierarchy and resident groups, with their subtree figures.

use crate::{Db, DbConn, StorageError, Subtree, conn_run, db_run};
use jinguo_domain::place::PlaceLevel;
use sqlx::QueryBuilder;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Place {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i16,
    pub name: String,
    pub path: String,
}

impl Place {
    pub fn level(&self) -> PlaceLevel {
        PlaceLevel::from_i16(self.level).unwrap_or(PlaceLevel::Group)
    }
    pub fn subtree(&self) -> Subtree {
        Subtree::of_path(&self.path)
    }
    /// The county code of a place at county level or below (see `PlaceCode::county`).
    pub fn county(&self) -> String {
        jinguo_domain::place::PlaceCode::parse(&self.code)
            .ok()
            .and_then(|c| c.county().map(str::to_string))
            .unwrap_or_default()
    }
}

/// A place to write: code, parent, level, name, path, county.
#[derive(Debug, Clone)]
pub struct NewPlace {
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i16,
    pub name: String,
    pub path: String,
    pub county_code: Option<String>,
}

/// What lies below one place, counted from the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub townships: i64,
    pub villages: i64,
    pub groups: i64,
    pub households: i64,
    pub executives: i64,
    pub representatives: i64,
}

/// Length of the path of a place of `level`: every code up to it, each with its `/`.
pub fn path_len(level: PlaceLevel) -> i32 {
    PlaceLevel::ALL
        .iter()
        .take_while(|l| **l <= level)
        .map(|l| l.code_len() as i32 + 1)
        .sum()
}

macro_rules! cols {
    () => {
        "code, parent_code, level, name, path"
    };
}

/// Inserts places, or renames those already there. Rows are written in batches.
pub async fn upsert(tx: &mut DbConn<'_>, rows: &[NewPlace]) -> Result<u64, StorageError> {
    let mut n = 0;
    for chunk in rows.chunks(2000) {
        let done = conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO place (code, parent_code, level, name, path, county_code) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(&p.code)
                    .push_bind(&p.parent_code)
                    .push_bind(p.level)
                    .push_bind(&p.name)
                    .push_bind(&p.path)
                    .push_bind(&p.county_code);
            });
            q.push(" ON CONFLICT (code) DO UPDATE SET name = excluded.name");
            q.build().execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
        n += done;
    }
    Ok(n)
}

pub async fn get(db: &Db, code: &str) -> Result<Option<Place>, StorageError> {
    let sql = concat!("SELECT ", cols!(), " FROM place WHERE code = $1");
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql).bind(code).fetch_optional(p).await)?)
}

pub async fn children(db: &Db, code: &str) -> Result<Vec<Place>, StorageError> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE parent_code = $1 ORDER BY code"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql).bind(code).fetch_all(p).await)?)
}

/// The place and its ancestors, from the top down.
pub async fn lineage(db: &Db, place: &Place) -> Result<Vec<Place>, StorageError> {
    lineage_at(db, &place.path).await
}

/// The places a materialized path names, from the top down (the last is the place at `path`,
/// when there is one).
pub async fn lineage_at(db: &Db, path: &str) -> Result<Vec<Place>, StorageError> {
    let codes: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE code IN ($1, $2, $3, $4, $5, $6) ORDER BY level"
    );
    let bind = |i: usize| codes.get(i).or(codes.last()).copied().unwrap_or_default();
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql)
        .bind(bind(0)).bind(bind(1)).bind(bind(2)).bind(bind(3)).bind(bind(4)).bind(bind(5))
        .fetch_all(p).await)?)
}

/// The codes of the counties inside a subtree, in code order.
pub async fn counties_within(db: &Db, within: &Subtree) -> Result<Vec<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, p => sqlx::query_as(
        "SELECT code FROM place WHERE level = $1 AND path >= $2 AND path < $3 ORDER BY code")
        .bind(PlaceLevel::County.as_i16()).bind(&within.lo).bind(&within.hi)
        .fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The counties that hold households (at most `limit`).
pub async fn counties_with_households(db: &Db, limit: i64) -> Result<Vec<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, p => sqlx::query_as(
        "SELECT DISTINCT county_code FROM household ORDER BY county_code LIMIT $1")
        .bind(limit).fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The places of one level below (and including) a path prefix, in code order.
pub async fn below_at_level(
    db: &Db,
    within: &Subtree,
    level: PlaceLevel,
) -> Result<Vec<Place>, StorageError> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE path >= $1 AND path < $2 AND level = $3 ORDER BY code"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql)
        .bind(&within.lo).bind(&within.hi).bind(level.as_i16()).fetch_all(p).await)?)
}

/// Figures for every child of `parent` (whose children are at `child_level`) and for the parent
/// itself, in one pass per table: rows are grouped by the child's path prefix.
pub async fn child_figures(
    db: &Db,
    parent: &Place,
    child_level: PlaceLevel,
) -> Result<(Figures, Vec<(String, Figures)>), StorageError> {
    let range = parent.subtree();
    let n = path_len(child_level);
    let places: Vec<(String, i16, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT substr(path, 1, $1) AS child, level, count(*) FROM place \
         WHERE path >= $2 AND path < $3 AND level >= $4 GROUP BY child, level")
        .bind(n).bind(&range.lo).bind(&range.hi).bind(child_level.as_i16())
        .fetch_all(p).await)?;
    // One tally a resident group (kept by the writes); the roll-up to the children's prefixes
    // happens below.
    let households: Vec<(String, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT path, households FROM group_tally WHERE path >= $1 AND path < $2")
        .bind(&range.lo).bind(&range.hi)
        .fetch_all(p).await)?;
    let members: Vec<(String, String, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT path, role, count(*) FROM member \
         WHERE path >= $1 AND path < $2 AND ended_on IS NULL GROUP BY path, role")
        .bind(&range.lo).bind(&range.hi)
        .fetch_all(p).await)?;
    let prefix = |path: &str| path.get(..n as usize).map(str::to_string);

    let mut by_child: std::collections::BTreeMap<String, Figures> = Default::default();
    let mut total = Figures::default();
    for (child, level, count) in places {
        let f = by_child.entry(child).or_default();
        for fig in [&mut *f, &mut total] {
            match PlaceLevel::from_i16(level) {
                Some(PlaceLevel::Township) => fig.townships += count,
                Some(PlaceLevel::Village) => fig.villages += count,
                Some(PlaceLevel::Group) => fig.groups += count,
                _ => {}
            }
        }
    }
    for (path, count) in households {
        if let Some(child) = prefix(&path) {
            by_child.entry(child).or_default().households += count;
        }
        total.households += count;
    }
    // Members serving the parent's own federation are counted in the total only.
    for (path, role, count) in members {
        let mut figs = vec![&mut total];
        if let Some(child) = prefix(&path) {
            figs.push(by_child.entry(child).or_default());
        }
        for fig in figs {
            match role.as_str() {
                "executive" => fig.executives += count,
                "representative" => fig.representatives += count,
                _ => {}
            }
        }
    }
    Ok((total, by_child.into_iter().collect()))
}

/// How many places of each level exist below (and including) a path prefix.
pub async fn count_by_level(db: &Db, range: &Subtree) -> Result<Vec<(i16, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT level, count(*) FROM place WHERE path >= $1 AND path < $2 GROUP BY level ORDER BY level")
        .bind(&range.lo).bind(&range.hi).fetch_all(p).await)?)
}

/// A place, only when the scope covers it.
pub async fn get_scoped(
    db: &Db,
    code: &str,
    scope: &crate::Scope,
) -> Result<Option<Place>, StorageError> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(get(db, code).await?.filter(|p| scope.covers(&p.path)))
}
