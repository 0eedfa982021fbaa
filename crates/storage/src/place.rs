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
        // The places not there yet are added to the tallies of the places above them.
        let there: Vec<(String,)> = conn_run!(tx, c => {
            let mut q = QueryBuilder::new("SELECT code FROM place WHERE code IN (");
            let mut codes = q.separated(", ");
            for p in chunk {
                codes.push_bind(&p.code);
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await
        })?;
        let there: std::collections::HashSet<String> = there.into_iter().map(|r| r.0).collect();
        let added: Vec<TallyChange> = chunk
            .iter()
            .filter(|p| !there.contains(&p.code))
            .filter_map(|p| {
                let level = PlaceLevel::from_i16(p.level)?;
                (level >= PlaceLevel::Township).then_some(())?;
                Some(TallyChange {
                    county: p.county_code.as_deref()?,
                    path: &p.path,
                    change: Figures::place(level),
                })
            })
            .collect();
        add_to_place_tallies(tx, &added).await?;
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
    if let Some(q) = db.quick() {
        return q.run(|c| {
            let found = crate::quick::rows(c, sql, &[crate::quick::text(code)], quick_place)?;
            Ok(found.into_iter().next())
        });
    }
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql).bind(code).fetch_optional(p).await)?)
}

pub async fn children(db: &Db, code: &str) -> Result<Vec<Place>, StorageError> {
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE parent_code = $1 ORDER BY code"
    );
    if let Some(q) = db.quick() {
        return q.run(|c| crate::quick::rows(c, sql, &[crate::quick::text(code)], quick_place));
    }
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql).bind(code).fetch_all(p).await)?)
}

/// The place and its ancestors, from the top down.
pub async fn lineage(db: &Db, place: &Place) -> Result<Vec<Place>, StorageError> {
    lineage_at(db, &place.path).await
}

/// The places a materialized path names, from the top down (the last is the place at `path`,
/// when there is one).
pub async fn lineage_at(db: &Db, path: &str) -> Result<Vec<Place>, StorageError> {
    let bind = lineage_codes(path);
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE code IN ($1, $2, $3, $4, $5, $6) ORDER BY level"
    );
    if let Some(q) = db.quick() {
        return q.run(|c| {
            let args: Vec<_> = (0..6).map(|i| crate::quick::text(bind(i))).collect();
            crate::quick::rows(c, sql, &args, quick_place)
        });
    }
    Ok(db_run!(db, p => sqlx::query_as::<_, Place>(sql)
        .bind(bind(0)).bind(bind(1)).bind(bind(2)).bind(bind(3)).bind(bind(4)).bind(bind(5))
        .fetch_all(p).await)?)
}

/// The six codes a lineage read binds (`$1` … `$6`): the codes a path names from the top down,
/// the last repeated to fill them.
pub(crate) fn lineage_codes<'a>(path: &'a str) -> impl Fn(usize) -> &'a str {
    let codes: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    move |i| codes.get(i).or(codes.last()).copied().unwrap_or_default()
}

/// The places a materialized path names (as [`lineage_at`]) and the children of the place
/// `code` (as [`children`]), in one read: `(lineage, children)`.
pub async fn lineage_and_children(
    db: &Db,
    path: &str,
    code: &str,
) -> Result<(Vec<Place>, Vec<Place>), StorageError> {
    let bind = lineage_codes(path);
    // Two searches by their own indexes, ordered here (one `OR`, or an order over the union, costs
    // SQLite a temporary tree more than the two statements would).
    let sql = concat!(
        "SELECT ",
        cols!(),
        " FROM place WHERE code IN ($1, $2, $3, $4, $5, $6) UNION ALL SELECT ",
        cols!(),
        " FROM place WHERE parent_code = $7"
    );
    let rows = if let Some(q) = db.quick() {
        q.run(|c| {
            let mut args: Vec<_> = (0..6).map(|i| crate::quick::text(bind(i))).collect();
            args.push(crate::quick::text(code));
            crate::quick::rows(c, sql, &args, quick_place)
        })?
    } else {
        db_run!(db, p => sqlx::query_as::<_, Place>(sql)
            .bind(bind(0)).bind(bind(1)).bind(bind(2)).bind(bind(3)).bind(bind(4)).bind(bind(5))
            .bind(code).fetch_all(p).await)?
    };
    let (mut lineage, mut children): (Vec<Place>, Vec<Place>) = rows
        .into_iter()
        .partition(|p| p.parent_code.as_deref() != Some(code));
    lineage.sort_by_key(|p| p.level);
    children.sort_by(|a, b| a.code.cmp(&b.code));
    Ok((lineage, children))
}

/// A place from a row of [`cols!`], read by a [`quick`](crate::quick) reader.
fn quick_place(r: &rusqlite::Row<'_>) -> Result<Place, StorageError> {
    use crate::quick::*;
    Ok(Place {
        code: get_text(r, 0)?,
        parent_code: opt_text(r, 1)?,
        level: i16::try_from(get_int(r, 2)?).unwrap_or_default(),
        name: get_text(r, 3)?,
        path: get_text(r, 4)?,
    })
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
/// itself, read from the places' tallies (`place_tally`, kept by the writes): the parent's row
/// and its children's, summed over the counties they hold (a place above the county has one row
/// per county below it).
pub async fn child_figures(
    db: &Db,
    parent: &Place,
    child_level: PlaceLevel,
) -> Result<ChildFigures, StorageError> {
    let range = parent.subtree();
    let (within, bounds) = range.within_sql("path", "county_code", 3);
    // The rows themselves, summed here: one a place within a county (a place above a county has
    // one in each county below it). Grouped in SQL, SQLite would walk the county's key over
    // every place of the subtree for the order it gives; ungrouped, it takes the index of the
    // county and level and reads only the rows of the answer.
    let sql = format!(
        "SELECT path, townships, villages, groups, households, executives, representatives \
         FROM place_tally WHERE level IN ($1, $2){within}"
    );
    let levels = [parent.level, child_level.as_i16()];
    let rows: Vec<PlaceTallyRow> = match db.quick() {
        Some(q) => q.run(|c| {
            use crate::quick::*;
            let args = tally_args(&levels, &bounds);
            rows(c, &sql, &args, |r| {
                Ok((
                    get_text(r, 0)?,
                    get_int(r, 1)?,
                    get_int(r, 2)?,
                    get_int(r, 3)?,
                    get_int(r, 4)?,
                    get_int(r, 5)?,
                    get_int(r, 6)?,
                ))
            })
        })?,
        None => db_run!(db, p => {
            let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(levels[0]).bind(levels[1]);
            for b in &bounds {
                q = q.bind(b);
            }
            q.fetch_all(p).await
        })?,
    };
    Ok(summed(&parent.path, rows))
}

/// The arguments of a tally read on a quick reader: its levels, then its range's bounds.
pub(crate) fn tally_args(levels: &[i16], bounds: &[String]) -> Vec<rusqlite::types::Value> {
    levels
        .iter()
        .map(|l| rusqlite::types::Value::Integer(i64::from(*l)))
        .chain(bounds.iter().map(|b| crate::quick::text(b)))
        .collect()
}

/// A place's figures and its children's, by path: what [`child_figures`] answers.
pub type ChildFigures = (Figures, Vec<(String, Figures)>);

/// A place's tally row: its path, then townships, villages, groups, households, executives and
/// representatives.
pub(crate) type PlaceTallyRow = (String, i64, i64, i64, i64, i64, i64);

/// The places' tally rows of a parent and its children added up, the parent's apart and the
/// children's by path (a place above a county has a row in each county below it).
pub(crate) fn summed(parent: &str, rows: Vec<PlaceTallyRow>) -> ChildFigures {
    let mut total = Figures::default();
    let mut by_child = std::collections::BTreeMap::<String, Figures>::new();
    for (path, townships, villages, groups, households, executives, representatives) in rows {
        let f = Figures {
            townships,
            villages,
            groups,
            households,
            executives,
            representatives,
        };
        if path == parent {
            total.add(&f);
        } else {
            by_child.entry(path).or_default().add(&f);
        }
    }
    // By path, as the callers look children up.
    (total, by_child.into_iter().collect())
}

/// A change to what lies below a place: added to the tallies of the place at `path` and of
/// every place above it, within `county`.
#[derive(Debug, Clone)]
pub struct TallyChange<'a> {
    pub county: &'a str,
    pub path: &'a str,
    pub change: Figures,
}

/// The places a path lies in, from the root down to the path itself: the level (1 province … 6
/// resident group) and the path of each.
pub fn places_of(path: &str) -> impl Iterator<Item = (i16, &str)> {
    path.match_indices('/')
        .enumerate()
        .map(move |(i, (end, _))| (i as i16 + 1, &path[..=end]))
}

/// The places of the tree by level and path length, as SQL rows `(level, len)`.
pub(crate) fn levels_sql() -> String {
    PlaceLevel::ALL
        .iter()
        .map(|l| format!("SELECT {} AS level, {} AS len", l.as_i16(), path_len(*l)))
        .collect::<Vec<_>>()
        .join(" UNION ALL ")
}

/// Adds changes to the places' tallies, in the caller's transaction: each change to its place's
/// row and to the rows of the places above it, within its county, summed before writing.
pub async fn add_to_place_tallies(
    tx: &mut DbConn<'_>,
    changes: &[TallyChange<'_>],
) -> Result<(), StorageError> {
    let mut rows: std::collections::BTreeMap<(&str, &str), (i16, Figures)> = Default::default();
    for c in changes {
        for (level, prefix) in places_of(c.path) {
            let row = rows
                .entry((c.county, prefix))
                .or_insert_with(|| (level, Figures::default()));
            row.1.add(&c.change);
        }
    }
    let rows: Vec<_> = rows.into_iter().collect();
    for chunk in rows.chunks(500) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO place_tally (county_code, level, path, townships, villages, groups, \
                 households, executives, representatives) ",
            );
            q.push_values(chunk, |mut b, ((county, path), (level, f))| {
                b.push_bind(*county).push_bind(*level).push_bind(*path)
                    .push_bind(f.townships).push_bind(f.villages).push_bind(f.groups)
                    .push_bind(f.households).push_bind(f.executives).push_bind(f.representatives);
            });
            q.push(" ON CONFLICT (county_code, path) DO UPDATE SET \
                townships = place_tally.townships + excluded.townships, \
                villages = place_tally.villages + excluded.villages, \
                groups = place_tally.groups + excluded.groups, \
                households = place_tally.households + excluded.households, \
                executives = place_tally.executives + excluded.executives, \
                representatives = place_tally.representatives + excluded.representatives");
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

/// The places' tallies counted afresh from the places, the households and the members still
/// serving (migration 0100 built them the same way, from the groups' household tallies), as a
/// query of rows `(county_code, level, path, townships, …, representatives)`.
fn fresh_place_tallies_sql() -> String {
    let levels = levels_sql();
    format!(
        "SELECT county_code, level, path, CAST(sum(townships) AS BIGINT) AS townships, \
         CAST(sum(villages) AS BIGINT) AS villages, CAST(sum(groups) AS BIGINT) AS groups, \
         CAST(sum(households) AS BIGINT) AS households, \
         CAST(sum(executives) AS BIGINT) AS executives, \
         CAST(sum(representatives) AS BIGINT) AS representatives FROM ( \
         SELECT p.county_code, l.level, substr(p.path, 1, l.len) AS path, \
                CASE WHEN p.level = 4 THEN 1 ELSE 0 END AS townships, \
                CASE WHEN p.level = 5 THEN 1 ELSE 0 END AS villages, \
                CASE WHEN p.level = 6 THEN 1 ELSE 0 END AS groups, \
                0 AS households, 0 AS executives, 0 AS representatives \
         FROM place p JOIN ({levels}) l ON length(p.path) >= l.len \
         WHERE p.level >= 4 AND p.county_code IS NOT NULL \
         UNION ALL \
         SELECT g.county_code, l.level, substr(g.path, 1, l.len), 0, 0, 0, g.households, 0, 0 \
         FROM (SELECT county_code, path, count(*) AS households FROM household \
               GROUP BY county_code, path) g JOIN ({levels}) l ON length(g.path) >= l.len \
         UNION ALL \
         SELECT m.county_code, l.level, substr(m.path, 1, l.len), 0, 0, 0, 0, \
                CASE WHEN m.role = 'executive' THEN 1 ELSE 0 END, \
                CASE WHEN m.role = 'representative' THEN 1 ELSE 0 END \
         FROM member m JOIN ({levels}) l ON length(m.path) >= l.len \
         WHERE m.ended_on IS NULL AND m.role IN ('executive', 'representative') \
         ) x GROUP BY county_code, level, path"
    )
}

/// Places whose tallies differ from a fresh count (rows missing on either side included).
pub async fn place_tally_drift(db: &Db) -> Result<i64, StorageError> {
    let fresh = fresh_place_tallies_sql();
    let sql = format!(
        "SELECT count(*) FROM place_tally t FULL OUTER JOIN ({fresh}) f \
         ON f.county_code = t.county_code AND f.path = t.path \
         WHERE coalesce(t.townships, 0) <> coalesce(f.townships, 0) \
            OR coalesce(t.villages, 0) <> coalesce(f.villages, 0) \
            OR coalesce(t.groups, 0) <> coalesce(f.groups, 0) \
            OR coalesce(t.households, 0) <> coalesce(f.households, 0) \
            OR coalesce(t.executives, 0) <> coalesce(f.executives, 0) \
            OR coalesce(t.representatives, 0) <> coalesce(f.representatives, 0)"
    );
    let (n,): (i64,) =
        db_run!(db, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone())).fetch_one(p).await)?;
    Ok(n)
}

/// Writes the places' tallies afresh, in the caller's transaction.
pub async fn rebuild_place_tallies(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    let insert = format!(
        "INSERT INTO place_tally (county_code, level, path, townships, villages, groups, \
         households, executives, representatives) {}",
        fresh_place_tallies_sql()
    );
    conn_run!(tx, c => async {
        sqlx::query("DELETE FROM place_tally").execute(&mut *c).await?;
        sqlx::query(sqlx::AssertSqlSafe(insert.clone())).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    }.await)?;
    Ok(())
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.townships += o.townships;
        self.villages += o.villages;
        self.groups += o.groups;
        self.households += o.households;
        self.executives += o.executives;
        self.representatives += o.representatives;
    }

    /// One place of `level` (only townships, villages and groups are counted).
    pub fn place(level: PlaceLevel) -> Figures {
        Figures {
            townships: i64::from(level == PlaceLevel::Township),
            villages: i64::from(level == PlaceLevel::Village),
            groups: i64::from(level == PlaceLevel::Group),
            ..Default::default()
        }
    }

    /// One member of `role` more (`n` = 1) or less (`n` = -1); only executives and
    /// representatives are counted.
    pub fn member(role: &str, n: i64) -> Figures {
        Figures {
            executives: if role == "executive" { n } else { 0 },
            representatives: if role == "representative" { n } else { 0 },
            ..Default::default()
        }
    }
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
