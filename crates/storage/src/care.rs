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
         registry_entry.person, COALESCE(registry_entry.person_ref, '') AS person_ref, \
         registry_entry.household, COALESCE(registry_entry.household_ref, '') AS household_ref, \
         registry_entry.path, \
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
    /// The person's id, sealed (`registry_entry/person/<id>`).
    pub person: String,
    /// The person's pseudonym (`person_ref/registry_entry`): one entry per registry.
    pub person_ref: String,
    /// Her household's id, sealed (`registry_entry/household/<id>`).
    pub household: String,
    /// The household's pseudonym (`household_ref/registry_entry`), for reach.
    pub household_ref: String,
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

/// Writes a new entry; a second entry of the same person in the same registry is refused by
/// the unique key (`StorageError::Conflict`).
pub async fn insert_entry(
    tx: &mut DbConn<'_>,
    e: &EntryRow,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO registry_entry (county_code, id, registry_key, person, person_ref, household, \
         household_ref, path, status, criteria, evidence, surveyed_by, verified_by, entered_on, \
         next_review_on, left_on, left_reason, version, created_by, created_at, updated_at) VALUES \
         ($1, $2, $3, $19, $20, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $18)")
        .bind(&e.county_code).bind(e.id).bind(&e.registry_key)
        .bind(&e.household).bind(&e.household_ref).bind(&e.path).bind(&e.status).bind(&e.criteria).bind(&e.evidence)
        .bind(&e.surveyed_by).bind(&e.verified_by).bind(e.entered_on).bind(e.next_review_on)
        .bind(e.left_on).bind(&e.left_reason).bind(e.version).bind(created_by).bind(now)
        .bind(&e.person).bind(&e.person_ref)
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
/// `household_ref` computes the pseudonym entries keep of a household (`household_ref/registry_entry`).
pub async fn entry(
    db: &Db,
    reader: &Reader,
    id: Uuid,
    household_ref: &(dyn Fn(&Uuid) -> String + Sync),
) -> Result<Option<Seen<EntryRow>>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(None);
    }
    let refs = scope.household_refs(db, household_ref).await?;
    let row: Option<EntryRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(), " FROM registry_entry WHERE id = "));
        q.push_bind(id);
        scope.push_household_ref_filter(&mut q, "registry_entry.path", "registry_entry.household_ref", &refs);
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// The entry of a person (by her pseudonym, `person_ref/registry_entry`) in a registry that
/// services may be recorded for (verified or active), in a place the reader manages.
pub async fn serving_entry(
    db: &Db,
    reader: &Reader,
    county: &str,
    registry: &str,
    person_ref: &str,
) -> Result<Option<Seen<EntryRow>>, StorageError> {
    let row: Option<EntryRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(), " FROM registry_entry WHERE county_code = "));
        q.push_bind(county.to_string()).push(" AND registry_key = ").push_bind(registry.to_string());
        q.push(" AND person_ref = ").push_bind(person_ref.to_string()).push(" AND status IN ('verified', 'active')");
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

/// Entries below a subtree within the caller's scope; at most `limit`. `household_ref` as for
/// [`entry`].
pub async fn entries(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    filter: &EntryFilter<'_>,
    limit: i64,
    household_ref: &(dyn Fn(&Uuid) -> String + Sync),
) -> Result<Vec<EntryRow>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let refs = scope.household_refs(db, household_ref).await?;
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", entry_cols!(),
            " FROM registry_entry WHERE registry_entry.path >= "));
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
        scope.push_household_ref_filter(&mut q, "registry_entry.path", "registry_entry.household_ref", &refs);
        q.push(" ORDER BY registry_entry.next_review_on, registry_entry.path, registry_entry.id LIMIT ").push_bind(limit);
        q.build_query_as::<EntryRow>().fetch_all(p).await
    })?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServiceRow {
    pub county_code: String,
    pub id: Uuid,
    pub entry_id: Uuid,
    /// The person's pseudonym (`person_ref/care_service`): the people served are counted by it.
    pub person_ref: String,
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
        "INSERT INTO care_service (county_code, id, entry_id, person_ref, path, kind, on_date, \
         hospital, valid_until, goods, amount_cents, visited_by, result, note, batch_id, \
         created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17)")
        .bind(&s.county_code).bind(s.id).bind(s.entry_id).bind(&s.person_ref).bind(&s.path)
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
        "INSERT INTO care_service (county_code, id, entry_id, person_ref, path, kind, on_date, \
         hospital, valid_until, goods, amount_cents, visited_by, result, note, batch_id, \
         created_by, created_at) SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17 WHERE NOT EXISTS (SELECT 1 FROM care_service WHERE county_code = $1 \
         AND entry_id = $3 AND kind = $6 AND on_date = $7)")
        .bind(&s.county_code).bind(s.id).bind(s.entry_id).bind(&s.person_ref).bind(&s.path)
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
        "SELECT county_code, id, entry_id, COALESCE(person_ref, '') AS person_ref, path, kind, \
         on_date, hospital, valid_until, \
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
    /// Sealed (`registry_entry/household/<id>`).
    pub household: String,
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
        "SELECT county_code, id, registry_key, household, path, next_review_on \
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
    // Two lookups joined by UNION, each by its own index (the household's assignment; the units
    // above it by `assignment_unit_path`, migration 0101): with an OR between them SQLite read
    // every assignment in force in the county (about 80 ms a household in the Anning demo).
    const ANSWERING: &str = "SELECT member.account_id FROM assignment JOIN member \
         ON member.county_code = assignment.county_code AND member.id = assignment.member_id \
         WHERE member.account_id IS NOT NULL AND member.ended_on IS NULL \
         AND assignment.ended_on IS NULL AND assignment.county_code = ";
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(ANSWERING);
        q.push_bind(county).push(" AND assignment.household_id = ").push_bind(household);
        if !above.is_empty() {
            q.push(" UNION ").push(ANSWERING).push_bind(county);
            q.push(" AND assignment.unit_code IS NOT NULL AND assignment.path IN (");
            let mut list = q.separated(", ");
            for a in &above {
                list.push_bind(a.clone());
            }
            q.push(")");
        }
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
        "SELECT COUNT(DISTINCT person_ref) FROM care_service WHERE path >= $1 AND path < $2 \
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
        "county_code, id, person, household, COALESCE(household_ref, '') AS household_ref, path, \
         public_place, age, wish, status, \
         guardian_consent, proposed_by, approved_by, donor, donor_phone, credit_code, claimed_at, \
         claim_expires_at, fulfilled_on, confirm_note, version"
    };
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WishRow {
    pub county_code: String,
    pub id: Uuid,
    /// The child's id, sealed (`wish/person/<id>`).
    pub person: String,
    /// Her household's id, sealed (`wish/household/<id>`).
    pub household: String,
    /// The household's pseudonym (`household_ref/wish`), for reach.
    pub household_ref: String,
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
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO wish (county_code, id, person, household, household_ref, path, public_place, \
         age, wish, status, guardian_consent, proposed_by, approved_by, donor, donor_phone, \
         credit_code, claimed_at, claim_expires_at, fulfilled_on, confirm_note, version, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
         $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)")
        .bind(&w.county_code).bind(w.id).bind(&w.person).bind(&w.household).bind(&w.household_ref).bind(&w.path)
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

/// A wish a donor may claim at the moment bound to `$now`: published, or claimed and expired.
/// Whether its guardian's consent to publish is in force is checked by the services (the wish
/// names its child only sealed).
macro_rules! claimable {
    ($now:literal) => {
        concat!(
            "(status = 'published' OR (status = 'claimed' AND claim_expires_at < ",
            $now,
            "))"
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

/// A wish as donors may know it: once published (waiting, claimed or fulfilled); the services
/// show it only while its guardian's consent to publish is in force. The only wish read for
/// someone not logged in.
pub async fn public_wish(db: &Db, id: Uuid) -> Result<Option<WishRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", wish_cols!(), " FROM wish WHERE id = $1 \
        AND status IN ('published', 'claimed', 'fulfilled', 'confirmed')"))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// Wishes below a subtree within the caller's scope, newest first; at most `limit`.
/// `household_ref` computes the pseudonym wishes keep of a household (`household_ref/wish`).
pub async fn wishes(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    open_only: bool,
    limit: i64,
    household_ref: &(dyn Fn(&Uuid) -> String + Sync),
) -> Result<Vec<WishRow>, StorageError> {
    let scope = reader.sees();
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    let refs = scope.household_refs(db, household_ref).await?;
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", wish_cols!(), " FROM wish WHERE wish.path >= "));
        q.push_bind(within.lo.clone()).push(" AND wish.path < ").push_bind(within.hi.clone());
        scope.push_household_ref_filter(&mut q, "wish.path", "wish.household_ref", &refs);
        if open_only {
            q.push(" AND wish.status NOT IN ('confirmed', 'withdrawn')");
        }
        q.push(" ORDER BY wish.created_at DESC, wish.id LIMIT ").push_bind(limit);
        q.build_query_as::<WishRow>().fetch_all(p).await
    })?)
}

/// The wishes a donor may claim at `now` (published, or claimed and expired) after the wish
/// `after` (ids grow with time: oldest first), at most `limit`.
pub async fn open_wishes(
    db: &Db,
    now: DateTime<Utc>,
    after: Uuid,
    limit: i64,
) -> Result<Vec<WishRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", wish_cols!(),
        " FROM wish WHERE id > $2 AND ", claimable!("$1"), " ORDER BY id LIMIT $3"))
        .bind(now).bind(after).bind(limit).fetch_all(p).await)?,
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

/// A registered participant of an event: her id sealed (`care_event/person/<event>`) and her
/// pseudonym (`person_ref/care_event`), which keeps her once per event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub person: String,
    pub person_ref: String,
}

/// Writes an event with its registered participants, numbered in the order given.
pub async fn insert_event(
    tx: &mut DbConn<'_>,
    e: &EventRow,
    persons: &[Participant],
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
    for (seq, p) in (1_i64..).zip(persons) {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO care_event_person (county_code, event_id, seq, person, person_ref) \
             VALUES ($1, $2, $3, $4, $5)")
            .bind(&e.county_code).bind(e.id).bind(seq).bind(&p.person).bind(&p.person_ref)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// An event with its registered participants.
#[derive(Debug, Clone, PartialEq)]
pub struct EventLine {
    pub event: EventRow,
    /// The registered participants' ids, sealed (`care_event/person/<event>`).
    pub persons: Vec<String>,
}

/// Events below a subtree held between two days, newest first, each with its registered
/// participants.
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
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // The participants of all these events in one read (the same subtree and days, joined within
    // each county), not one read an event.
    let linked: Vec<(Uuid, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT p.event_id, p.person FROM care_event_person p \
         JOIN care_event e ON e.county_code = p.county_code AND e.id = p.event_id \
         WHERE e.path >= $1 AND e.path < $2 AND e.held_on >= $3 AND e.held_on <= $4 \
         ORDER BY p.event_id, p.seq")
        .bind(&within.lo).bind(&within.hi).bind(from).bind(to).fetch_all(p).await)?;
    let mut by_event: std::collections::HashMap<Uuid, Vec<String>> =
        std::collections::HashMap::with_capacity(rows.len());
    for (event, person) in linked {
        by_event.entry(event).or_default().push(person);
    }
    Ok(rows
        .into_iter()
        .map(|e| EventLine {
            persons: by_event.remove(&e.id).unwrap_or_default(),
            event: e,
        })
        .collect())
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

/// A person the care tables link to, as stored: her name and birth date sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LinkedPerson {
    pub id: Uuid,
    /// Sealed.
    pub name: String,
    pub sex: String,
    /// Sealed.
    pub birth_date: String,
}

/// The persons of a county with these ids (opened from the links by the services), in no
/// particular order; ids not found are left out.
pub async fn linked_persons(
    db: &Db,
    county: &str,
    ids: &[Uuid],
) -> Result<Vec<LinkedPerson>, StorageError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<LinkedPerson> = db_run!(db, p => {
            let mut q = QueryBuilder::new(
                "SELECT id, name, sex, birth_date FROM person WHERE county_code = ");
            q.push_bind(county.to_string()).push(" AND id IN (");
            let mut list = q.separated(", ");
            for id in chunk {
                list.push_bind(*id);
            }
            q.push(")");
            q.build_query_as::<LinkedPerson>().fetch_all(p).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// The tables whose links to a person or household carry pseudonyms, for the one-time step that
/// fills them for rows written before they did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkTable {
    /// `registry_entry`: `person_ref` and `household_ref`.
    Entry,
    /// `care_service`: `person_ref`, from its entry's person.
    Service,
    /// `wish`: `household_ref`.
    Wish,
    /// `care_event_person`: `person_ref`.
    Participant,
    /// `consent`: `person_ref` (since migration 0055).
    Consent,
}

impl LinkTable {
    pub const ALL: [LinkTable; 5] = [
        LinkTable::Entry,
        LinkTable::Service,
        LinkTable::Wish,
        LinkTable::Participant,
        LinkTable::Consent,
    ];
}

/// A row whose pseudonyms are missing, with the sealed ids they are computed from (`person`
/// sealed as `<table>/person/<id>`: for a service, its entry's).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Unreferenced {
    pub county_code: String,
    /// The row's id (the event's, for a participant).
    pub id: Uuid,
    /// The participant's number (0 for the others).
    pub seq: i64,
    /// The id the person is sealed under: the entry's, for a service.
    pub sealed_for: Uuid,
    pub person: Option<String>,
    pub household: Option<String>,
}

/// Up to `limit` rows of a table whose pseudonyms are still missing.
pub async fn unreferenced(
    db: &Db,
    which: LinkTable,
    limit: i64,
) -> Result<Vec<Unreferenced>, StorageError> {
    let sql = match which {
        LinkTable::Entry => {
            "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, id AS sealed_for, person, household \
             FROM registry_entry WHERE person_ref IS NULL OR household_ref IS NULL ORDER BY id LIMIT $1"
        }
        LinkTable::Service => {
            "SELECT cs.county_code, cs.id, CAST(0 AS BIGINT) AS seq, re.id AS sealed_for, \
             re.person, CAST(NULL AS TEXT) AS household FROM care_service cs JOIN registry_entry re \
             ON re.county_code = cs.county_code AND re.id = cs.entry_id \
             WHERE cs.person_ref IS NULL ORDER BY cs.id LIMIT $1"
        }
        LinkTable::Wish => {
            "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, id AS sealed_for, \
             CAST(NULL AS TEXT) AS person, household FROM wish WHERE household_ref IS NULL \
             ORDER BY id LIMIT $1"
        }
        LinkTable::Participant => {
            "SELECT county_code, event_id AS id, seq, event_id AS sealed_for, person, \
             CAST(NULL AS TEXT) AS household FROM care_event_person WHERE person_ref IS NULL \
             ORDER BY event_id, seq LIMIT $1"
        }
        LinkTable::Consent => {
            "SELECT county_code, id, CAST(0 AS BIGINT) AS seq, id AS sealed_for, person, \
             CAST(NULL AS TEXT) AS household FROM consent WHERE person_ref IS NULL \
             ORDER BY id LIMIT $1"
        }
    };
    Ok(db_run!(db, p => sqlx::query_as(sql).bind(limit).fetch_all(p).await)?)
}

/// Writes a row's pseudonyms: of her person (not for a wish) and of her household (an entry's
/// and a wish's).
pub async fn set_refs(
    tx: &mut DbConn<'_>,
    which: LinkTable,
    row: &Unreferenced,
    person_ref: &str,
    household_ref: &str,
) -> Result<(), StorageError> {
    let (sql, value) = match which {
        LinkTable::Entry => {
            conn_run!(tx, c => sqlx::query(
                "UPDATE registry_entry SET person_ref = $3, household_ref = $4 \
                 WHERE county_code = $1 AND id = $2")
                .bind(&row.county_code).bind(row.id).bind(person_ref).bind(household_ref)
                .execute(&mut *c).await.map(|_| ()))?;
            return Ok(());
        }
        LinkTable::Service => (
            "UPDATE care_service SET person_ref = $4 WHERE county_code = $1 AND id = $2 AND 0 = $3",
            person_ref,
        ),
        LinkTable::Wish => (
            "UPDATE wish SET household_ref = $4 WHERE county_code = $1 AND id = $2 AND 0 = $3",
            household_ref,
        ),
        LinkTable::Participant => (
            "UPDATE care_event_person SET person_ref = $4 WHERE county_code = $1 AND event_id = $2 \
             AND seq = $3",
            person_ref,
        ),
        LinkTable::Consent => (
            "UPDATE consent SET person_ref = $4 WHERE county_code = $1 AND id = $2 AND 0 = $3",
            person_ref,
        ),
    };
    // Rows that are not numbered match seq 0.
    conn_run!(tx, c => sqlx::query(sql)
        .bind(&row.county_code).bind(row.id).bind(row.seq).bind(value)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}
