//! Care: registries, their entries and the services delivered. Sealed values are stored as the
//! services give them.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RegistryRow {
    pub county_code: String,
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub review_months: i64,
}

/// Writes a registry unless the county has one with its key; whether it was written.
pub async fn insert_registry(
    tx: &mut DbConn<'_>,
    r: &RegistryRow,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO registry (county_code, key, name_zh, name_en, review_months, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (county_code, key) DO NOTHING")
        .bind(&r.county_code).bind(&r.key).bind(&r.name_zh).bind(&r.name_en)
        .bind(r.review_months).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

pub async fn registries(db: &Db, county: &str) -> Result<Vec<RegistryRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, key, name_zh, name_en, review_months FROM registry \
         WHERE county_code = $1 ORDER BY created_at, key")
        .bind(county).fetch_all(p).await)?)
}

macro_rules! entry_cols {
    () => {
        "registry_entry.county_code, registry_entry.id, registry_entry.registry_key, \
         registry_entry.person_id, registry_entry.household_id, registry_entry.path, \
         registry_entry.status, registry_entry.criteria, registry_entry.evidence, \
         registry_entry.surveyed_by, registry_entry.verified_by, registry_entry.entered_on, \
         registry_entry.next_review_on, registry_entry.left_on, registry_entry.left_reason, \
         registry_entry.version"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryRow {
    pub county_code: String,
    pub id: Uuid,
    pub registry_key: String,
    pub person_id: Uuid,
    pub household_id: Uuid,
    pub path: String,
    pub status: String,
    pub criteria: String,
    /// Sealed when not empty.
    pub evidence: String,
    pub surveyed_by: String,
    pub verified_by: Option<String>,
    pub entered_on: NaiveDate,
    pub next_review_on: NaiveDate,
    pub left_on: Option<NaiveDate>,
    /// Sealed when not empty.
    pub left_reason: String,
    pub version: i64,
}

/// An entry with its person's name (sealed) and sex.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EntryLine {
    #[sqlx(flatten)]
    pub entry: EntryRow,
    pub name: String,
    pub sex: String,
}

/// Writes a new entry; a second entry of the same person in the same registry is refused by
/// the unique key (`StorageError::Conflict`).
pub async fn insert_entry(
    tx: &mut DbConn<'_>,
    e: &EntryRow,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO registry_entry (county_code, id, registry_key, person_id, household_id, path, \
         status, criteria, evidence, surveyed_by, verified_by, entered_on, next_review_on, left_on, \
         left_reason, version, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, \
         $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)")
        .bind(&e.county_code).bind(e.id).bind(&e.registry_key).bind(e.person_id)
        .bind(e.household_id).bind(&e.path).bind(&e.status).bind(&e.criteria).bind(&e.evidence)
        .bind(&e.surveyed_by).bind(&e.verified_by).bind(e.entered_on).bind(e.next_review_on)
        .bind(e.left_on).bind(&e.left_reason).bind(e.version).bind(created_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

/// Writes an entry's life-cycle fields if its version is still `expected`.
pub async fn update_entry(
    tx: &mut DbConn<'_>,
    e: &EntryRow,
    expected: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE registry_entry SET status = $1, verified_by = $2, next_review_on = $3, left_on = $4, \
         left_reason = $5, updated_at = $6, version = version + 1 \
         WHERE county_code = $7 AND id = $8 AND version = $9")
        .bind(&e.status).bind(&e.verified_by).bind(e.next_review_on).bind(e.left_on)
        .bind(&e.left_reason).bind(now).bind(&e.county_code).bind(e.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// An entry, if its household lies within what the reader sees.
pub async fn entry(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<EntryRow>>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(None);
    }
    let row: Option<EntryRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(), " FROM registry_entry WHERE id = "));
        q.push_bind(id);
        scope.push_household_filter(&mut q, "registry_entry.path", "registry_entry.county_code", "registry_entry.household_id");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// The entry of a person in a registry that services may be recorded for (verified or active),
/// in a place the reader manages.
pub async fn serving_entry(
    db: &Db,
    reader: &Reader,
    county: &str,
    registry: &str,
    person: Uuid,
) -> Result<Option<Seen<EntryRow>>, StorageError> {
    let row: Option<EntryRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(), " FROM registry_entry WHERE county_code = "));
        q.push_bind(county.to_string()).push(" AND registry_key = ").push_bind(registry.to_string());
        q.push(" AND person_id = ").push_bind(person).push(" AND status IN ('verified', 'active')");
        reader.manages().push_filter(&mut q, "path");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// What a list of entries keeps.
#[derive(Debug, Clone, Default)]
pub struct EntryFilter<'a> {
    pub registry: Option<&'a str>,
    /// Only entries not left whose review is due on this day or before.
    pub review_due_by: Option<NaiveDate>,
    /// Only entries services may be recorded for.
    pub serving: bool,
}

/// Entries below a subtree within the caller's scope, with the person's name; at most `limit`.
pub async fn entries(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    filter: &EntryFilter<'_>,
    limit: i64,
) -> Result<Vec<EntryLine>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(),
            ", person.name, person.sex FROM registry_entry JOIN person ON person.county_code = \
             registry_entry.county_code AND person.id = registry_entry.person_id \
             WHERE registry_entry.path >= "));
        q.push_bind(within.lo.clone()).push(" AND registry_entry.path < ").push_bind(within.hi.clone());
        if let Some(r) = filter.registry {
            q.push(" AND registry_entry.registry_key = ").push_bind(r.to_string());
        }
        if let Some(d) = filter.review_due_by {
            q.push(" AND registry_entry.status <> 'left' AND registry_entry.next_review_on <= ").push_bind(d);
        }
        if filter.serving {
            q.push(" AND registry_entry.status IN ('verified', 'active')");
        }
        scope.push_household_filter(&mut q, "registry_entry.path", "registry_entry.county_code", "registry_entry.household_id");
        q.push(" ORDER BY registry_entry.next_review_on, registry_entry.path, registry_entry.id LIMIT ").push_bind(limit);
        q.build_query_as::<EntryLine>().fetch_all(p).await
    })?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceRow {
    pub county_code: String,
    pub id: Uuid,
    pub entry_id: Uuid,
    pub person_id: Uuid,
    pub path: String,
    pub kind: String,
    pub on_date: NaiveDate,
    pub hospital: String,
    pub valid_until: Option<NaiveDate>,
    pub goods: String,
    pub amount_cents: Option<i64>,
    pub visited_by: String,
    /// Sealed when not empty.
    pub result: String,
    /// Sealed when not empty.
    pub note: String,
    pub batch_id: Option<Uuid>,
    pub created_by: String,
}

pub async fn insert_service(
    tx: &mut DbConn<'_>,
    s: &ServiceRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO care_service (county_code, id, entry_id, person_id, path, kind, on_date, \
         hospital, valid_until, goods, amount_cents, visited_by, result, note, batch_id, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17)")
        .bind(&s.county_code).bind(s.id).bind(s.entry_id).bind(s.person_id).bind(&s.path)
        .bind(&s.kind).bind(s.on_date).bind(&s.hospital).bind(s.valid_until).bind(&s.goods)
        .bind(s.amount_cents).bind(&s.visited_by).bind(&s.result).bind(&s.note).bind(s.batch_id)
        .bind(&s.created_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Inserts a service unless its entry already has one of the kind on the day; whether it did.
/// The entry's row is locked first, so that of two batches sent at the same moment the second
/// waits for the first and then finds its service.
pub async fn insert_service_once(
    tx: &mut DbConn<'_>,
    s: &ServiceRow,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE registry_entry SET version = version WHERE county_code = $1 AND id = $2")
        .bind(&s.county_code).bind(s.entry_id)
        .execute(&mut *c).await.map(|_| ()))?;
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO care_service (county_code, id, entry_id, person_id, path, kind, on_date, \
         hospital, valid_until, goods, amount_cents, visited_by, result, note, batch_id, \
         created_by, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17 WHERE NOT EXISTS (SELECT 1 FROM care_service WHERE county_code = $1 \
         AND entry_id = $3 AND kind = $6 AND on_date = $7)")
        .bind(&s.county_code).bind(s.id).bind(s.entry_id).bind(s.person_id).bind(&s.path)
        .bind(&s.kind).bind(s.on_date).bind(&s.hospital).bind(s.valid_until).bind(&s.goods)
        .bind(s.amount_cents).bind(&s.visited_by).bind(&s.result).bind(&s.note).bind(s.batch_id)
        .bind(&s.created_by).bind(now)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn services_of_entry(
    db: &Db,
    e: &Seen<EntryRow>,
) -> Result<Vec<ServiceRow>, StorageError> {
    let (county, entry) = (&e.county_code, e.id);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, entry_id, person_id, path, kind, on_date, hospital, valid_until, \
         goods, amount_cents, visited_by, result, note, batch_id, created_by FROM care_service \
         WHERE county_code = $1 AND entry_id = $2 ORDER BY on_date DESC, id")
        .bind(county).bind(entry).fetch_all(p).await)?)
}

/// An entry due for review whose reminder is still to be sent.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EntryToRemind {
    pub county_code: String,
    pub id: Uuid,
    pub registry_key: String,
    pub household_id: Uuid,
    pub path: String,
    /// The review date reminded of.
    pub next_review_on: NaiveDate,
}

/// Entries due for review by `today` (verified or active) not yet reminded for their review
/// date, at most `limit`.
pub async fn entries_to_remind(
    db: &Db,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<EntryToRemind>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, registry_key, household_id, path, next_review_on \
         FROM registry_entry WHERE status IN ('verified', 'active') AND next_review_on <= $1 \
         AND (reminded_for IS NULL OR reminded_for <> next_review_on) \
         ORDER BY next_review_on, id LIMIT $2")
        .bind(today).bind(limit).fetch_all(p).await)?)
}

/// Marks an entry reminded for a review date, unless it changed meanwhile; whether it was.
pub async fn mark_reminded(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
    review_on: NaiveDate,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE registry_entry SET reminded_for = $3 WHERE county_code = $1 AND id = $2 \
         AND next_review_on = $3 AND (reminded_for IS NULL OR reminded_for <> $3)")
        .bind(county).bind(id).bind(review_on).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// The accounts of the members currently answering for a household: the representatives
/// assigned to it, and the executives answering for a place above it (`path`: the household's;
/// units are assigned to executives only).
pub async fn responsible_accounts(
    db: &Db,
    county: &str,
    household: Uuid,
    path: &str,
) -> Result<Vec<Uuid>, StorageError> {
    let above: Vec<String> = path
        .match_indices('/')
        .map(|(i, _)| path[..=i].to_string())
        .collect();
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT DISTINCT member.account_id FROM assignment JOIN member ON member.county_code = \
             assignment.county_code AND member.id = assignment.member_id \
             WHERE member.account_id IS NOT NULL AND member.ended_on IS NULL \
             AND assignment.ended_on IS NULL AND assignment.county_code = ");
        q.push_bind(county).push(" AND (assignment.household_id = ").push_bind(household);
        if !above.is_empty() {
            q.push(" OR (assignment.unit_code IS NOT NULL AND assignment.path IN (");
            let mut list = q.separated(", ");
            for a in &above {
                list.push_bind(a.clone());
            }
            q.push("))");
        }
        q.push(")");
        q.build_query_scalar::<Uuid>().fetch_all(p).await
    })?)
}

/// Whether a service of this kind on this date is already recorded for a registry entry.
pub async fn service_recorded(
    db: &Db,
    county: &str,
    entry: Uuid,
    kind: &str,
    on: NaiveDate,
) -> Result<bool, StorageError> {
    let n: i64 = db_run!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM care_service WHERE county_code = $1 AND entry_id = $2 \
         AND kind = $3 AND on_date = $4")
        .bind(county).bind(entry).bind(kind).bind(on).fetch_one(p).await)?;
    Ok(n > 0)
}

/// Entries of one registry in one status.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct EntryCount {
    pub registry_key: String,
    pub status: String,
    pub entries: i64,
}

/// The figures of care below a subtree over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct CareCounts {
    /// People served, each once.
    pub people: i64,
    /// Services by kind: (kind, services).
    pub kinds: Vec<(String, i64)>,
    /// Entries by registry and status (all time).
    pub entries: Vec<EntryCount>,
}

/// The figures of care below a subtree over a period: people served (each once), services by
/// kind, and entries by registry and status.
pub async fn figures(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<CareCounts, StorageError> {
    let (people,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT COUNT(DISTINCT person_id) FROM care_service WHERE path >= $1 AND path < $2 \
         AND on_date >= $3 AND on_date <= $4")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_one(p).await)?;
    let kinds: Vec<(String, i64)> = db_run!(db, p => sqlx::query_as(
        "SELECT kind, COUNT(*) FROM care_service WHERE path >= $1 AND path < $2 \
         AND on_date >= $3 AND on_date <= $4 GROUP BY kind ORDER BY kind")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_all(p).await)?;
    let entries: Vec<EntryCount> = db_run!(db, p => sqlx::query_as(
        "SELECT registry_key, status, COUNT(*) AS entries FROM registry_entry WHERE path >= $1 AND path < $2 \
         GROUP BY registry_key, status ORDER BY registry_key, status")
        .bind(&within.lo).bind(&within.hi).fetch_all(p).await)?;
    Ok(CareCounts {
        people,
        kinds,
        entries,
    })
}

macro_rules! wish_cols {
    () => {
        "county_code, id, person_id, household_id, path, public_place, age, wish, status, \
         guardian_consent, proposed_by, approved_by, donor, donor_phone, credit_code, claimed_at, \
         claim_expires_at, fulfilled_on, confirm_note, version"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WishRow {
    pub county_code: String,
    pub id: Uuid,
    pub person_id: Uuid,
    pub household_id: Uuid,
    pub path: String,
    /// The subdistrict's name: all the public page says of where.
    pub public_place: String,
    pub age: i64,
    pub wish: String,
    pub status: String,
    pub guardian_consent: bool,
    pub proposed_by: String,
    pub approved_by: Option<String>,
    /// Sealed.
    pub donor: Option<String>,
    /// Sealed.
    pub donor_phone: Option<String>,
    pub credit_code: Option<String>,
    pub claimed_at: Option<DateTime<Utc>>,
    pub claim_expires_at: Option<DateTime<Utc>>,
    pub fulfilled_on: Option<NaiveDate>,
    /// Sealed when not empty.
    pub confirm_note: String,
    pub version: i64,
}

pub async fn insert_wish(
    tx: &mut DbConn<'_>,
    w: &WishRow,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO wish (", wish_cols!(),
        ", created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $21)"))
        .bind(&w.county_code).bind(w.id).bind(w.person_id).bind(w.household_id).bind(&w.path)
        .bind(&w.public_place).bind(w.age).bind(&w.wish).bind(&w.status).bind(w.guardian_consent)
        .bind(&w.proposed_by).bind(&w.approved_by).bind(&w.donor).bind(&w.donor_phone)
        .bind(&w.credit_code).bind(w.claimed_at).bind(w.claim_expires_at).bind(w.fulfilled_on)
        .bind(&w.confirm_note).bind(w.version).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Writes a wish's progress if its version is still `expected`.
pub async fn update_wish(
    tx: &mut DbConn<'_>,
    w: &WishRow,
    expected: i64,
    now: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE wish SET status = $1, approved_by = $2, fulfilled_on = $3, confirm_note = $4, \
         updated_at = $5, version = version + 1 WHERE county_code = $6 AND id = $7 AND version = $8")
        .bind(&w.status).bind(&w.approved_by).bind(w.fulfilled_on).bind(&w.confirm_note)
        .bind(now).bind(&w.county_code).bind(w.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A wish a donor may claim at the moment bound to `$now`: published, or claimed and expired,
/// and only while its guardian's consent to publish is in force.
macro_rules! claimable {
    ($now:literal) => {
        concat!(
            "(status = 'published' OR (status = 'claimed' AND claim_expires_at < ",
            $now,
            ")) AND EXISTS (SELECT 1 FROM consent pc WHERE pc.county_code = wish.county_code \
             AND pc.person_id = wish.person_id AND pc.purpose = 'publish' AND pc.withdrawn_at IS NULL)"
        )
    };
}

/// Claims a wish that is published, or whose claim has expired, for a donor; whether this
/// claim won (of two at the same moment, one does).
#[allow(clippy::too_many_arguments)]
pub async fn claim_wish(
    tx: &mut DbConn<'_>,
    id: Uuid,
    donor: &str,
    phone: &str,
    credit_code: Option<&str>,
    now: DateTime<Utc>,
    expires: DateTime<Utc>,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        concat!("UPDATE wish SET status = 'claimed', donor = $1, donor_phone = $2, credit_code = $3, \
         claimed_at = $4, claim_expires_at = $5, updated_at = $4, version = version + 1 \
         WHERE id = $6 AND ", claimable!("$4")))
        .bind(donor).bind(phone).bind(credit_code).bind(now).bind(expires).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Frees the wishes whose claim expired at `now`: published again, the donor forgotten.
/// Whether a claim has expired and waits to be freed.
pub async fn claims_expired(db: &Db, now: DateTime<Utc>) -> Result<bool, StorageError> {
    let n: i64 = db_run!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM wish WHERE status = 'claimed' AND claim_expires_at < $1")
        .bind(now).fetch_one(p).await)?;
    Ok(n > 0)
}

pub async fn expire_claims(tx: &mut DbConn<'_>, now: DateTime<Utc>) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE wish SET status = 'published', donor = NULL, donor_phone = NULL, \
         credit_code = NULL, claimed_at = NULL, claim_expires_at = NULL, updated_at = $1, \
         version = version + 1 WHERE status = 'claimed' AND claim_expires_at < $1")
        .bind(now).execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// A wish, if it lies in a place the reader manages.
pub async fn wish(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<WishRow>>, StorageError> {
    let row: Option<WishRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", wish_cols!(), " FROM wish WHERE id = "));
        q.push_bind(id);
        reader.manages().push_filter(&mut q, "path");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// A wish as donors may know it: once published (waiting, claimed or fulfilled), while its
/// guardian's consent to publish is in force. The only wish read for someone not logged in.
pub async fn public_wish(db: &Db, id: Uuid) -> Result<Option<WishRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", wish_cols!(), " FROM wish WHERE id = $1 \
        AND status IN ('published', 'claimed', 'fulfilled', 'confirmed') AND EXISTS (SELECT 1 FROM consent pc \
        WHERE pc.county_code = wish.county_code AND pc.person_id = wish.person_id \
        AND pc.purpose = 'publish' AND pc.withdrawn_at IS NULL)"))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// A wish with its child's name (as stored).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WishLine {
    #[sqlx(flatten)]
    pub wish: WishRow,
    pub name: String,
}

/// Wishes below a subtree within the caller's scope, newest first, with the child's name; at
/// most `limit`.
pub async fn wishes(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    open_only: bool,
    limit: i64,
) -> Result<Vec<WishLine>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", wish_cols!(),
            ", COALESCE((SELECT person.name FROM person WHERE person.county_code = wish.county_code \
             AND person.id = wish.person_id), '') AS name FROM wish WHERE wish.path >= "));
        q.push_bind(within.lo.clone()).push(" AND wish.path < ").push_bind(within.hi.clone());
        scope.push_household_filter(&mut q, "wish.path", "wish.county_code", "wish.household_id");
        if open_only {
            q.push(" AND wish.status NOT IN ('confirmed', 'withdrawn')");
        }
        q.push(" ORDER BY wish.created_at DESC, wish.id LIMIT ").push_bind(limit);
        q.build_query_as::<WishLine>().fetch_all(p).await
    })?)
}

/// The wishes a donor may claim at `now` (published, or claimed and expired), oldest first.
pub async fn open_wishes(
    db: &Db,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<WishRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", wish_cols!(),
        " FROM wish WHERE ", claimable!("$1"), " ORDER BY created_at, id LIMIT $2"))
        .bind(now).bind(limit).fetch_all(p).await)?,
    )
}

/// Wishes below a subtree by status (the figures).
/// The wishes below a subtree fulfilled over a period (fulfilled or since confirmed).
pub async fn wishes_fulfilled(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<i64, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM wish WHERE status IN ('fulfilled', 'confirmed') AND path >= $1 \
         AND path < $2 AND fulfilled_on >= $3 AND fulfilled_on <= $4")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_one(p).await)?)
}

pub async fn wish_counts(db: &Db, within: &Subtree) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT status, COUNT(*) FROM wish WHERE path >= $1 AND path < $2 GROUP BY status ORDER BY status")
        .bind(&within.lo).bind(&within.hi).fetch_all(p).await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub kind: String,
    pub name: String,
    pub held_on: NaiveDate,
    pub place_text: String,
    pub organiser: String,
    pub anonymous: i64,
    pub anonymous_children: i64,
    pub created_by: String,
}

/// Writes an event with its registered participants.
pub async fn insert_event(
    tx: &mut DbConn<'_>,
    e: &EventRow,
    persons: &[Uuid],
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO care_event (county_code, id, path, kind, name, held_on, place_text, organiser, \
         anonymous, anonymous_children, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(&e.county_code).bind(e.id).bind(&e.path).bind(&e.kind).bind(&e.name)
        .bind(e.held_on).bind(&e.place_text).bind(&e.organiser).bind(e.anonymous)
        .bind(e.anonymous_children).bind(&e.created_by).bind(now)
        .execute(&mut *c).await.map(|_| ()))?;
    for p in persons {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO care_event_person (county_code, event_id, person_id) VALUES ($1, $2, $3)")
            .bind(&e.county_code).bind(e.id).bind(p)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// An event with its registered participants counted.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLine {
    pub event: EventRow,
    /// Registered participants.
    pub participants: i64,
    /// The registered participants' ids and sealed birth dates (whether each was a child that
    /// day is found once they are opened).
    pub births: Vec<(Uuid, String)>,
}

/// Events below a subtree held between two days, newest first, each with its number of
/// registered participants and how many of them were children (under 18) that day.
pub async fn events(
    db: &Db,
    within: &Subtree,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<EventLine>, StorageError> {
    let rows: Vec<EventRow> = db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, path, kind, name, held_on, place_text, organiser, anonymous, \
         anonymous_children, created_by FROM care_event WHERE path >= $1 AND path < $2 \
         AND held_on >= $3 AND held_on <= $4 ORDER BY held_on DESC, id")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_all(p).await)?;
    let mut out = Vec::with_capacity(rows.len());
    for e in rows {
        let births: Vec<(Uuid, String)> = db_run!(db, p => sqlx::query_as(
            "SELECT person.id, person.birth_date FROM care_event_person ep JOIN person ON \
             person.county_code = ep.county_code AND person.id = ep.person_id \
             WHERE ep.county_code = $1 AND ep.event_id = $2")
            .bind(&e.county_code).bind(e.id).fetch_all(p).await)?;
        out.push(EventLine {
            participants: births.len() as i64,
            births,
            event: e,
        });
    }
    Ok(out)
}

/// Entries below a subtree not left whose review is due on `today` or before.
pub async fn review_due_count(
    db: &Db,
    within: &Subtree,
    today: NaiveDate,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT COUNT(*) FROM registry_entry WHERE path >= $1 AND path < $2 \
         AND status <> 'left' AND next_review_on <= $3")
        .bind(&within.lo).bind(&within.hi).bind(today).fetch_one(p).await)?;
    Ok(n)
}
