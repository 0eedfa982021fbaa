//! Households and their persons (一户一档).

use crate::{Db, DbConn, Scope, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewHousehold {
    pub id: Uuid,
    pub county_code: String,
    pub code: String,
    pub group_code: String,
    pub path: String,
    pub address: String,
}

#[derive(Debug, Clone)]
pub struct NewPerson {
    pub id: Uuid,
    pub county_code: String,
    pub household_id: Uuid,
    pub path: String,
    /// Sealed.
    pub name: String,
    /// Blind index of the whole name (normalised), for search.
    pub name_index: String,
    /// Blind index of the surname, for search.
    pub surname_index: String,
    pub sex: &'static str,
    /// Sealed (`YYYY-MM-DD`).
    pub birth_date: String,
    /// Sealed.
    pub id_number: String,
    /// Blind index of the ID number, for exact-match search and uniqueness.
    pub id_number_index: String,
    /// Sealed.
    pub phone: Option<String>,
    /// Sealed.
    pub relationship: String,
    /// Heads the household (the one relationship kept in clear, for lists).
    pub head: bool,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Household {
    pub id: Uuid,
    pub county_code: String,
    pub code: String,
    pub group_code: String,
    pub path: String,
    pub address: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One line of a group's household list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct HouseholdLine {
    pub id: Uuid,
    pub code: String,
    pub address: String,
    /// The head's id, the row her sealed name is bound to.
    pub head_id: Option<Uuid>,
    /// Sealed.
    pub head_name: Option<String>,
    pub persons: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: Uuid,
    pub household_id: Uuid,
    /// Sealed.
    pub name: String,
    pub sex: String,
    /// Sealed.
    pub birth_date: String,
    /// Sealed.
    pub id_number: String,
    /// Sealed.
    pub phone: Option<String>,
    /// Sealed.
    pub relationship: String,
    /// 1 for the head of the household.
    pub head: i16,
    pub version: i64,
}

/// Writes new households and adds them to their groups' tallies ([`add_to_tallies`]), in the
/// caller's transaction.
pub async fn insert_households(
    tx: &mut DbConn<'_>,
    rows: &[NewHousehold],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    write_households(tx, rows, now).await?;
    let mut per_group: std::collections::BTreeMap<(&str, &str), i64> = Default::default();
    for h in rows {
        *per_group.entry((&h.county_code, &h.path)).or_default() += 1;
    }
    let counts: Vec<(&str, &str, i64)> =
        per_group.into_iter().map(|((c, p), n)| (c, p, n)).collect();
    add_to_tallies(tx, &counts).await
}

/// Adds `(county, group path, households)` to the households-per-group tallies.
pub async fn add_to_tallies(
    tx: &mut DbConn<'_>,
    counts: &[(&str, &str, i64)],
) -> Result<(), StorageError> {
    for chunk in counts.chunks(500) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new("INSERT INTO group_tally (county_code, path, households) ");
            q.push_values(chunk, |mut b, (county, path, n)| {
                b.push_bind(*county).push_bind(*path).push_bind(*n);
            });
            q.push(" ON CONFLICT (county_code, path) DO UPDATE SET households = group_tally.households + excluded.households");
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    let changes: Vec<crate::place::TallyChange> = counts
        .iter()
        .map(|(county, path, n)| crate::place::TallyChange {
            county,
            path,
            change: crate::place::Figures {
                households: *n,
                ..Default::default()
            },
        })
        .collect();
    crate::place::add_to_place_tallies(tx, &changes).await
}

async fn write_households(
    tx: &mut DbConn<'_>,
    rows: &[NewHousehold],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    if let DbConn::Postgres(c) = tx {
        let at = now.to_rfc3339();
        return crate::copy::copy_in(
            c,
            "COPY household (county_code, id, code, group_code, path, address, created_at, updated_at, version) FROM STDIN",
            rows,
            |t, h| {
                t.field(&h.county_code)
                    .field(&h.id.to_string())
                    .field(&h.code)
                    .field(&h.group_code)
                    .field(&h.path)
                    .field(&h.address)
                    .field(&at)
                    .field(&at)
                    .field("1");
            },
        )
        .await
        .map_err(StorageError::classify);
    }
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO household (county_code, id, code, group_code, path, address, created_at, updated_at, version) ",
            );
            q.push_values(chunk, |mut b, h| {
                b.push_bind(&h.county_code)
                    .push_bind(h.id)
                    .push_bind(&h.code)
                    .push_bind(&h.group_code)
                    .push_bind(&h.path)
                    .push_bind(&h.address)
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1_i64);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

/// The indexes of `person` keyed by blind indexes (HMACs, so rows arrive in random order), as
/// migrations 0010 and 0027 make them: (name, column).
const PERSON_BLIND_INDEXES: [(&str, &str); 3] = [
    ("person_id_number_index", "id_number_index"),
    ("person_name_index", "name_index"),
    ("person_surname_index", "surname_index"),
];

/// Drops the blind indexes of `person`, for a transaction that writes many persons at once and
/// looks none up by them; [`create_person_blind_indexes`] builds them again before it commits
/// (one sort instead of random inserts into indexes larger than the page cache).
pub async fn drop_person_blind_indexes(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    for (name, _) in PERSON_BLIND_INDEXES {
        conn_run!(tx, c => sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX {name}")))
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Builds the blind indexes of `person` again (see [`drop_person_blind_indexes`]).
pub async fn create_person_blind_indexes(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    for (name, column) in PERSON_BLIND_INDEXES {
        conn_run!(tx, c => sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE INDEX {name} ON person({column})")))
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn insert_persons(
    tx: &mut DbConn<'_>,
    rows: &[NewPerson],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    if let DbConn::Postgres(c) = tx {
        let at = now.to_rfc3339();
        return crate::copy::copy_in(
            c,
            "COPY person (county_code, id, household_id, path, name, name_index, surname_index, sex, birth_date, id_number, id_number_index, phone, relationship, head, created_at, updated_at, version) FROM STDIN",
            rows,
            |t, p| {
                t.field(&p.county_code)
                    .field(&p.id.to_string())
                    .field(&p.household_id.to_string())
                    .field(&p.path)
                    .field(&p.name)
                    .field(&p.name_index)
                    .field(&p.surname_index)
                    .field(p.sex)
                    .field(&p.birth_date)
                    .field(&p.id_number)
                    .field(&p.id_number_index);
                match &p.phone {
                    Some(phone) => t.field(phone),
                    None => t.null(),
                };
                t.field(&p.relationship)
                    .field(if p.head { "1" } else { "0" })
                    .field(&at)
                    .field(&at)
                    .field("1");
            },
        )
        .await
        .map_err(StorageError::classify);
    }
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO person (county_code, id, household_id, path, name, name_index, surname_index, sex, birth_date, id_number, id_number_index, phone, relationship, head, created_at, updated_at, version) ",
            );
            q.push_values(chunk, |mut b, p| {
                b.push_bind(&p.county_code)
                    .push_bind(p.id)
                    .push_bind(p.household_id)
                    .push_bind(&p.path)
                    .push_bind(&p.name)
                    .push_bind(&p.name_index)
                    .push_bind(&p.surname_index)
                    .push_bind(p.sex)
                    .push_bind(&p.birth_date)
                    .push_bind(&p.id_number)
                    .push_bind(&p.id_number_index)
                    .push_bind(&p.phone)
                    .push_bind(&p.relationship)
                    .push_bind(i16::from(p.head))
                    .push_bind(now)
                    .push_bind(now)
                    .push_bind(1_i64);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })
        .map_err(StorageError::classify)?;
    }
    Ok(())
}

macro_rules! household_cols {
    () => {
        "id, county_code, code, group_code, path, address, created_at, updated_at, version"
    };
}
macro_rules! person_cols {
    () => {
        "id, household_id, name, sex, birth_date, id_number, phone, relationship, head, version"
    };
}

/// A household by id, only when the scope covers it (an empty scope finds nothing).
pub async fn get(db: &Db, id: Uuid, scope: &Scope) -> Result<Option<Household>, StorageError> {
    if scope.is_empty() {
        return Ok(None);
    }
    let counties = counties_of(db, scope).await?;
    get_in(db, &counties, id, scope).await
}

/// A household by id among `counties`, if the scope covers it: `county_code` is bound with the
/// id, so the primary key finds the one row (the id alone would walk the path index of every
/// household the scope covers) and the scope is tested on that row.
pub async fn get_in(
    db: &Db,
    counties: &[String],
    id: Uuid,
    scope: &Scope,
) -> Result<Option<Household>, StorageError> {
    if scope.is_empty() || counties.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", household_cols!(), " FROM household WHERE county_code"));
        if let [county] = counties {
            q.push(" = ").push_bind(county.clone());
        } else {
            q.push(" IN (");
            let mut list = q.separated(", ");
            for c in counties {
                list.push_bind(c.clone());
            }
            q.push(")");
        }
        q.push(" AND id = ").push_bind(id);
        scope.push_household_filter(&mut q, "path", "household.county_code", "household.id");
        q.build_query_as::<Household>().fetch_optional(p).await
    })?)
}

/// One row of [`get_with_persons_in`]: the household, and one of its persons (none when it has
/// none).
#[derive(sqlx::FromRow)]
struct HouseholdPersonRow {
    #[sqlx(flatten)]
    household: Household,
    p_id: Option<Uuid>,
    p_name: Option<String>,
    p_sex: Option<String>,
    p_birth_date: Option<String>,
    p_id_number: Option<String>,
    p_phone: Option<String>,
    p_relationship: Option<String>,
    p_head: Option<i16>,
    p_version: Option<i64>,
}

/// A household by id among `counties` with its persons (head first, then by id), as stored, in
/// one statement: the household by its key, its persons by `person_household`. No scope is
/// applied: the caller tests it on the household before anything is shown (as
/// [`get_in`] with the operator's scope).
pub async fn get_with_persons_in(
    db: &Db,
    counties: &[String],
    id: Uuid,
) -> Result<Option<(Household, Vec<Person>)>, StorageError> {
    if counties.is_empty() {
        return Ok(None);
    }
    let mut sql = String::from(
        "SELECT household.id, household.county_code, household.code, household.group_code, \
         household.path, household.address, household.created_at, household.updated_at, \
         household.version, person.id AS p_id, person.name AS p_name, person.sex AS p_sex, \
         person.birth_date AS p_birth_date, person.id_number AS p_id_number, \
         person.phone AS p_phone, person.relationship AS p_relationship, \
         person.head AS p_head, person.version AS p_version \
         FROM household LEFT JOIN person ON person.county_code = household.county_code \
         AND person.household_id = household.id WHERE household.id = $1 AND household.county_code",
    );
    if counties.len() == 1 {
        sql.push_str(" = $2");
    } else {
        let list: Vec<String> = (0..counties.len()).map(|i| format!("${}", i + 2)).collect();
        sql.push_str(&format!(" IN ({})", list.join(", ")));
    }
    let rows: Vec<HouseholdPersonRow> = match db.quick() {
        Some(q) => q.run(|c| {
            use crate::quick::*;
            let args: Vec<_> = std::iter::once(uuid(id))
                .chain(counties.iter().map(|c| text(c)))
                .collect();
            rows(c, &sql, &args, |r| {
                Ok(HouseholdPersonRow {
                    household: Household {
                        id: get_uuid(r, 0)?,
                        county_code: get_text(r, 1)?,
                        code: get_text(r, 2)?,
                        group_code: get_text(r, 3)?,
                        path: get_text(r, 4)?,
                        address: get_text(r, 5)?,
                        created_at: get_time(r, 6)?,
                        updated_at: get_time(r, 7)?,
                        version: get_int(r, 8)?,
                    },
                    p_id: opt_uuid(r, 9)?,
                    p_name: opt_text(r, 10)?,
                    p_sex: opt_text(r, 11)?,
                    p_birth_date: opt_text(r, 12)?,
                    p_id_number: opt_text(r, 13)?,
                    p_phone: opt_text(r, 14)?,
                    p_relationship: opt_text(r, 15)?,
                    p_head: opt_int(r, 16)?.and_then(|n| i16::try_from(n).ok()),
                    p_version: opt_int(r, 17)?,
                })
            })
        })?,
        None => db_run!(db, p => {
            let mut q = sqlx::query_as::<_, HouseholdPersonRow>(sqlx::AssertSqlSafe(sql.as_str())).bind(id);
            for c in counties {
                q = q.bind(c);
            }
            q.fetch_all(p).await
        })?,
    };
    let mut rows = rows.into_iter();
    let Some(first) = rows.next() else {
        return Ok(None);
    };
    let person = |r: HouseholdPersonRow| -> Option<Person> {
        Some(Person {
            id: r.p_id?,
            household_id: r.household.id,
            name: r.p_name?,
            sex: r.p_sex?,
            birth_date: r.p_birth_date?,
            id_number: r.p_id_number?,
            phone: r.p_phone,
            relationship: r.p_relationship?,
            head: r.p_head?,
            version: r.p_version?,
        })
    };
    let household = first.household.clone();
    let mut persons: Vec<Person> = std::iter::once(first)
        .chain(rows)
        .filter_map(person)
        .collect();
    in_order(&mut persons);
    Ok(Some((household, persons)))
}

/// The counties a scope reaches (see [`Scope::counties`]): those its paths name, and those
/// inside its subtrees above a county, read from the places.
pub async fn counties_of(db: &Db, scope: &Scope) -> Result<Vec<String>, StorageError> {
    let (mut counties, above) = scope.counties();
    if above.is_empty() {
        return Ok(counties);
    }
    for s in &above {
        counties.extend(crate::place::counties_within(db, s).await?);
    }
    counties.sort();
    counties.dedup();
    Ok(counties)
}

/// The household of a person, if the scope covers it.
pub async fn person_household(
    db: &Db,
    county: &str,
    person: Uuid,
    scope: &Scope,
) -> Result<Option<Uuid>, StorageError> {
    let found: Option<(Uuid,)> = db_run!(db, p => sqlx::query_as(
        "SELECT household_id FROM person WHERE county_code = $1 AND id = $2")
        .bind(county).bind(person).fetch_optional(p).await)?;
    let Some((household,)) = found else {
        return Ok(None);
    };
    Ok(get(db, household, scope).await?.map(|h| h.id))
}

/// The household of the person whose ID number has the blind index `index`, if the scope covers
/// it (the index is unique within a county; across counties the first in county order).
pub async fn by_person_index(
    db: &Db,
    index: &str,
    scope: &Scope,
) -> Result<Option<Household>, StorageError> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT household.id, household.county_code, household.code, household.group_code, \
             household.path, household.address, household.created_at, household.updated_at, \
             household.version FROM person JOIN household ON household.county_code = person.county_code \
             AND household.id = person.household_id WHERE person.id_number_index = ",
        );
        q.push_bind(index.to_string());
        scope.push_household_filter(&mut q, "household.path", "household.county_code", "household.id");
        q.push(" ORDER BY household.county_code LIMIT 1");
        q.build_query_as::<Household>().fetch_optional(p).await
    })?)
}

/// The order of persons wherever they are read: by household, the head first in each, then by id. Sorted
/// here rather than by the statements (no sort step in the database for a few rows).
fn in_order(persons: &mut [Person]) {
    persons.sort_by(|a, b| {
        (a.household_id.cmp(&b.household_id))
            .then(b.head.cmp(&a.head))
            .then(a.id.cmp(&b.id))
    });
}

/// A household's persons, in [`in_order`].
pub async fn persons(db: &Db, household: &Household) -> Result<Vec<Person>, StorageError> {
    let sql = concat!(
        "SELECT ",
        person_cols!(),
        " FROM person WHERE county_code = $1 AND household_id = $2"
    );
    let mut persons = db_run!(db, p => sqlx::query_as::<_, Person>(sql)
        .bind(&household.county_code).bind(household.id).fetch_all(p).await)?;
    in_order(&mut persons);
    Ok(persons)
}

/// A page of the households of one resident group that `visible` (the caller's scope within the
/// group, see [`Scope::within`]) lets one see, in code order, with their head and size: a
/// representative gets the households she answers for, never the rest of her group.
pub async fn list_in_group(
    db: &Db,
    group_code: &str,
    visible: &Scope,
    offset: i64,
    limit: i64,
) -> Result<Vec<HouseholdLine>, StorageError> {
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT h.id, h.code, h.address, \
            (SELECT p.id FROM person p WHERE p.county_code = h.county_code AND p.household_id = h.id AND p.head = 1 ORDER BY p.id LIMIT 1) AS head_id, \
            (SELECT p.name FROM person p WHERE p.county_code = h.county_code AND p.household_id = h.id AND p.head = 1 ORDER BY p.id LIMIT 1) AS head_name, \
            (SELECT count(*) FROM person p WHERE p.county_code = h.county_code AND p.household_id = h.id) AS persons \
            FROM household h WHERE h.group_code = ");
        q.push_bind(group_code.to_string());
        visible.push_household_filter(&mut q, "h.path", "h.county_code", "h.id");
        q.push(" ORDER BY h.code LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        q.build_query_as::<HouseholdLine>().fetch_all(p).await
    })?)
}

pub async fn count(db: &Db, within: &Subtree) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM household WHERE path >= $1 AND path < $2")
        .bind(&within.lo).bind(&within.hi).fetch_one(p).await)?;
    Ok(n)
}

pub async fn count_persons(db: &Db, within: &Subtree) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM person WHERE path >= $1 AND path < $2")
        .bind(&within.lo).bind(&within.hi).fetch_one(p).await)?;
    Ok(n)
}

/// The person whose ID number has this blind index in a county, if any.
pub async fn person_by_id_number_index(
    db: &Db,
    county_code: &str,
    id_number: &str,
) -> Result<Option<Person>, StorageError> {
    let sql = concat!(
        "SELECT ",
        person_cols!(),
        " FROM person WHERE county_code = $1 AND id_number_index = $2"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, Person>(sql)
        .bind(county_code).bind(id_number).fetch_optional(p).await)?)
}

/// Adds a person to a household and bumps the household's version, in the caller's transaction.
/// `expected_version` guards against a concurrent edit: when the household changed meanwhile,
/// nothing is written and `Ok(false)` is returned.
pub async fn add_person(
    tx: &mut DbConn<'_>,
    household: &Household,
    expected_version: i64,
    person: &NewPerson,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let bumped = conn_run!(tx, c => sqlx::query(
        "UPDATE household SET version = version + 1, updated_at = $1 \
         WHERE county_code = $2 AND id = $3 AND version = $4")
        .bind(now).bind(&household.county_code).bind(household.id).bind(expected_version)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    if bumped == 0 {
        return Ok(false);
    }
    insert_persons(tx, std::slice::from_ref(person), now).await?;
    Ok(true)
}

/// Rows holding a sealed value and an optional second one, for re-encryption under a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SealedPair {
    /// `person.id_number`, `person.phone`
    Person,
    /// `visit.findings`, `visit.note`
    Visit,
}

/// Where a [`SealedPair`] is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SealedPairColumns {
    pub table: &'static str,
    /// The column of the sealed value.
    pub first: &'static str,
    /// The column of the optional second one.
    pub second: &'static str,
}

impl SealedPair {
    pub fn columns(self) -> SealedPairColumns {
        let (table, first, second) = match self {
            SealedPair::Person => ("person", "id_number", "phone"),
            SealedPair::Visit => ("visit", "findings", "note"),
        };
        SealedPairColumns {
            table,
            first,
            second,
        }
    }
}

/// A row's sealed value and its optional second one.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SealedPairRow {
    pub county_code: String,
    pub id: Uuid,
    /// Sealed.
    pub first: String,
    /// Sealed.
    pub second: Option<String>,
}

/// Sealed values of rows after `after` (by id).
pub async fn sealed_pairs(
    db: &Db,
    which: SealedPair,
    after: Uuid,
    limit: i64,
) -> Result<Vec<SealedPairRow>, StorageError> {
    let sql = match which {
        SealedPair::Person => {
            "SELECT county_code, id, id_number AS first, phone AS second FROM person WHERE id > $1 ORDER BY id LIMIT $2"
        }
        SealedPair::Visit => {
            "SELECT county_code, id, findings AS first, note AS second FROM visit WHERE id > $1 ORDER BY id LIMIT $2"
        }
    };
    Ok(db_run!(db, p => sqlx::query_as(sql).bind(after).bind(limit).fetch_all(p).await)?)
}

pub async fn reseal_pair(
    tx: &mut DbConn<'_>,
    which: SealedPair,
    county: &str,
    id: Uuid,
    first: &str,
    second: Option<&str>,
) -> Result<(), StorageError> {
    let sql = match which {
        SealedPair::Person => {
            "UPDATE person SET id_number = $3, phone = $4 WHERE county_code = $1 AND id = $2"
        }
        SealedPair::Visit => {
            "UPDATE visit SET findings = $3, note = $4 WHERE county_code = $1 AND id = $2"
        }
    };
    conn_run!(tx, c => sqlx::query(sql)
        .bind(county).bind(id).bind(first).bind(second).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A member's sealed phone.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SealedMemberPhone {
    pub county_code: String,
    pub id: Uuid,
    /// Sealed.
    pub phone: Option<String>,
}

/// Sealed phones of members after `after` (by id).
pub async fn sealed_members(
    db: &Db,
    after: Uuid,
    limit: i64,
) -> Result<Vec<SealedMemberPhone>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, phone FROM member WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after).bind(limit).fetch_all(p).await)?)
}

pub async fn reseal_member(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    phone: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("UPDATE member SET phone = $3 WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id).bind(phone).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A household's sealed address.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct SealedAddress {
    pub county_code: String,
    pub id: Uuid,
    /// Sealed.
    pub address: String,
}

/// Sealed addresses of households after `after` (by id).
pub async fn sealed_households(
    db: &Db,
    after: Uuid,
    limit: i64,
) -> Result<Vec<SealedAddress>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, address FROM household WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after).bind(limit).fetch_all(p).await)?)
}

pub async fn reseal_household(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    address: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("UPDATE household SET address = $3 WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id).bind(address).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonPlace {
    pub county_code: String,
    pub id: Uuid,
    pub household_id: Uuid,
    pub path: String,
    /// Sealed.
    pub birth_date: String,
}

/// Where a person belongs, only when the scope covers it.
pub async fn person_place(
    db: &Db,
    id: Uuid,
    scope: &Scope,
) -> Result<Option<PersonPlace>, StorageError> {
    if scope.is_empty() {
        return Ok(None);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT county_code, id, household_id, path, birth_date FROM person WHERE id = ");
        q.push_bind(id);
        scope.push_household_filter(&mut q, "path", "person.county_code", "person.household_id");
        q.build_query_as::<PersonPlace>().fetch_optional(p).await
    })?)
}

/// A page of the households a caller may see below a place, in tree order. The caller's scope is
/// intersected with the place's subtree before the query (see [`Scope::within`]).
pub async fn list_page(
    db: &Db,
    place: &Subtree,
    scope: &Scope,
    offset: i64,
    limit: i64,
) -> Result<Vec<(Uuid, String)>, StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT id, code FROM household WHERE 1 = 1");
        visible.push_household_filter(&mut q, "path", "household.county_code", "household.id");
        q.push(" ORDER BY path, code LIMIT ").push_bind(limit).push(" OFFSET ").push_bind(offset);
        q.build_query_as().fetch_all(p).await
    })?)
}

/// How many households a caller may see below a place.
pub async fn count_visible(db: &Db, place: &Subtree, scope: &Scope) -> Result<i64, StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok(0);
    }
    let (n,): (i64,) = db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT count(*) FROM household WHERE 1 = 1");
        visible.push_household_filter(&mut q, "path", "household.county_code", "household.id");
        q.build_query_as().fetch_one(p).await
    })?;
    Ok(n)
}

/// A household found by its code.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct KnownHousehold {
    pub code: String,
    pub id: Uuid,
    /// Its resident group's code.
    pub group_code: String,
    pub path: String,
}

/// Households of a county by code (for imports: which rows name households already there).
pub async fn by_codes(
    db: &Db,
    county: &str,
    codes: &[String],
) -> Result<Vec<KnownHousehold>, StorageError> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    // PostgreSQL takes the list as one array: one prepared statement whatever its length.
    if let Db::Postgres(p) = db {
        return Ok(sqlx::query_as(
            "SELECT code, id, group_code, path FROM household WHERE county_code = $1 AND code = ANY($2)",
        )
        .bind(county)
        .bind(codes)
        .fetch_all(p)
        .await?);
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT code, id, group_code, path FROM household WHERE county_code = ");
        q.push_bind(county).push(" AND code IN (");
        let mut list = q.separated(", ");
        for c in codes {
            list.push_bind(c.clone());
        }
        q.push(")");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// Persons of a county by the blind index of their ID number. Returns (index, household id).
pub async fn by_id_indexes(
    db: &Db,
    county: &str,
    indexes: &[String],
) -> Result<Vec<(String, Uuid)>, StorageError> {
    if indexes.is_empty() {
        return Ok(Vec::new());
    }
    if let Db::Postgres(p) = db {
        // By the index on the blind index alone, the county checked here: while an import
        // writes, the table grows inside a transaction that statistics do not see, and with
        // `county_code = $1` in the query the planner took the county's index and read every
        // row of the county for each batch.
        let rows: Vec<(String, String, Uuid)> = sqlx::query_as(
            "SELECT county_code, id_number_index, household_id FROM person WHERE id_number_index = ANY($1)",
        )
        .bind(indexes)
        .fetch_all(p)
        .await?;
        return Ok(rows
            .into_iter()
            .filter(|(c, _, _)| c == county)
            .map(|(_, index, household)| (index, household))
            .collect());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT id_number_index, household_id FROM person WHERE county_code = ");
        q.push_bind(county).push(" AND id_number_index IN (");
        let mut list = q.separated(", ");
        for c in indexes {
            list.push_bind(c.clone());
        }
        q.push(")");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// The next households the scope lets one see below a place, in code order after `after`
/// (keyset paging, for exports).
pub async fn page_after(
    db: &Db,
    place: &Subtree,
    scope: &Scope,
    after: &str,
    limit: i64,
) -> Result<Vec<Household>, StorageError> {
    let visible = scope.within(place);
    if visible.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", household_cols!(), " FROM household WHERE code > "));
        q.push_bind(after);
        visible.push_household_filter(&mut q, "path", "household.county_code", "household.id");
        q.push(" ORDER BY code LIMIT ").push_bind(limit);
        q.build_query_as::<Household>().fetch_all(p).await
    })?)
}

/// The persons of several households of one county, by household, each in [`in_order`].
pub async fn persons_of(
    db: &Db,
    county: &str,
    households: &[Uuid],
) -> Result<Vec<Person>, StorageError> {
    if households.is_empty() {
        return Ok(Vec::new());
    }
    // PostgreSQL takes the list as one array: one prepared statement whatever its length.
    if let Db::Postgres(p) = db {
        let sql = concat!(
            "SELECT ",
            person_cols!(),
            " FROM person WHERE county_code = $1 AND household_id = ANY($2)"
        );
        let mut persons = sqlx::query_as::<_, Person>(sql)
            .bind(county)
            .bind(households)
            .fetch_all(p)
            .await?;
        in_order(&mut persons);
        return Ok(persons);
    }
    let mut persons = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", person_cols!(), " FROM person WHERE county_code = "));
        q.push_bind(county).push(" AND household_id IN (");
        let mut list = q.separated(", ");
        for h in households {
            list.push_bind(*h);
        }
        q.push(")");
        q.build_query_as::<Person>().fetch_all(p).await
    })?;
    in_order(&mut persons);
    Ok(persons)
}

/// A person found by name, with her household.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NameHit {
    pub id: Uuid,
    pub household_id: Uuid,
    pub household_code: String,
    pub path: String,
    /// Sealed.
    pub name: String,
    pub sex: String,
    /// Sealed.
    pub birth_date: String,
}

/// Persons whose name has these blind indexes (the whole name's, the surname's, or both), in
/// households the scope covers, at most `limit`, in household code order.
pub async fn by_name_index(
    db: &Db,
    name_index: Option<&str>,
    surname_index: Option<&str>,
    scope: &Scope,
    limit: i64,
) -> Result<Vec<NameHit>, StorageError> {
    if scope.is_empty() || (name_index.is_none() && surname_index.is_none()) {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT person.id, person.household_id, household.code AS household_code, household.path, \
             person.name, person.sex, person.birth_date FROM person JOIN household \
             ON household.county_code = person.county_code AND household.id = person.household_id WHERE 1 = 1",
        );
        if let Some(i) = name_index {
            q.push(" AND person.name_index = ").push_bind(i.to_string());
        }
        if let Some(i) = surname_index {
            q.push(" AND person.surname_index = ").push_bind(i.to_string());
        }
        scope.push_household_filter(&mut q, "household.path", "household.county_code", "household.id");
        q.push(" ORDER BY household.code, person.id LIMIT ").push_bind(limit);
        q.build_query_as::<NameHit>().fetch_all(p).await
    })?)
}

/// A person whose name has no blind index yet (written before names were sealed).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnindexedName {
    pub county_code: String,
    pub id: Uuid,
    /// Sealed, or in clear when not sealed yet.
    pub name: String,
}

/// Up to `limit` persons whose name has no blind index.
pub async fn unindexed_names(db: &Db, limit: i64) -> Result<Vec<UnindexedName>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, name FROM person WHERE name_index IS NULL ORDER BY id LIMIT $1")
        .bind(limit).fetch_all(p).await)?)
}

/// Sets a person's name indexes.
pub async fn set_name_index(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    name_index: &str,
    surname_index: &str,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE person SET name_index = $3, surname_index = $4 WHERE county_code = $1 AND id = $2")
        .bind(county).bind(id).bind(name_index).bind(surname_index).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Whether the one-time sealing of values written in clear before migrations 0027 and 0028 is
/// still to be done.
pub async fn seal_pending(db: &Db) -> Result<bool, StorageError> {
    let row: Option<(String,)> = db_run!(db, p => sqlx::query_as(
        "SELECT step FROM pending_seal LIMIT 1").fetch_optional(p).await)?;
    Ok(row.is_some())
}

/// Marks the one-time sealing done.
pub async fn seal_done(tx: &mut DbConn<'_>) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query("DELETE FROM pending_seal")
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}
