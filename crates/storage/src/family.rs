//! Most-beautiful families (最美家庭) and family events. Sealed values are stored as the services
//! give them; staff read nominations and events within the subtrees a [`Reader`] manages; the
//! public page reads only the families on public notice today and those named.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FamilyRow {
    pub county_code: String,
    pub id: Uuid,
    /// The village's path.
    pub path: String,
    pub place_code: String,
    pub year: i64,
    /// Sealed.
    pub family_name: String,
    pub nominated_by: String,
    /// Sealed when not empty.
    pub nominator: String,
    /// Sealed.
    pub deeds: String,
    pub status: String,
    pub notice_from: Option<String>,
    pub notice_until: Option<String>,
    pub level: Option<String>,
    pub review_score: Option<i64>,
    /// The day the family's consent to publication was recorded.
    pub consent_on: Option<String>,
    /// Sealed when not empty: who in the family gave it.
    pub consent_by: String,
    pub consent_names: bool,
    pub consent_story: bool,
    /// Sealed when not empty: the published story.
    pub story: String,
    pub story_ms: Option<i64>,
    /// Sealed when not empty.
    pub reject_note: String,
    pub created_by: String,
    pub created_ms: i64,
    pub village_by: Option<String>,
    pub subdistrict_by: Option<String>,
    pub awarded_by: Option<String>,
    pub awarded_ms: Option<i64>,
    /// Who refused it, when it was.
    pub decided_by: Option<String>,
    pub version: i64,
}

macro_rules! family_cols {
    () => {
        "county_code, id, path, place_code, year, family_name, nominated_by, nominator, deeds, \
         status, notice_from, notice_until, level, review_score, consent_on, consent_by, \
         consent_names, consent_story, story, story_ms, reject_note, created_by, created_ms, \
         village_by, subdistrict_by, awarded_by, awarded_ms, decided_by, version"
    };
}

pub async fn insert(tx: &mut DbConn<'_>, r: &FamilyRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(concat!("INSERT INTO family_award (", family_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29)"))
        .bind(&r.county_code).bind(r.id).bind(&r.path).bind(&r.place_code).bind(r.year)
        .bind(&r.family_name).bind(&r.nominated_by).bind(&r.nominator).bind(&r.deeds)
        .bind(&r.status).bind(&r.notice_from).bind(&r.notice_until).bind(&r.level)
        .bind(r.review_score).bind(&r.consent_on).bind(&r.consent_by).bind(r.consent_names)
        .bind(r.consent_story).bind(&r.story).bind(r.story_ms).bind(&r.reject_note)
        .bind(&r.created_by).bind(r.created_ms).bind(&r.village_by).bind(&r.subdistrict_by)
        .bind(&r.awarded_by).bind(r.awarded_ms).bind(&r.decided_by).bind(r.version)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// Writes a step's changes: everything a step may change, guarded by the version read; `false`
/// when it is stale.
pub async fn save(tx: &mut DbConn<'_>, r: &FamilyRow, version: i64) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE family_award SET status = $1, notice_from = $2, notice_until = $3, level = $4, \
         review_score = $5, consent_on = $6, consent_by = $7, consent_names = $8, \
         consent_story = $9, story = $10, story_ms = $11, reject_note = $12, village_by = $13, \
         subdistrict_by = $14, awarded_by = $15, awarded_ms = $16, decided_by = $17, \
         version = version + 1 WHERE county_code = $18 AND id = $19 AND version = $20")
        .bind(&r.status).bind(&r.notice_from).bind(&r.notice_until).bind(&r.level)
        .bind(r.review_score).bind(&r.consent_on).bind(&r.consent_by).bind(r.consent_names)
        .bind(r.consent_story).bind(&r.story).bind(r.story_ms).bind(&r.reject_note)
        .bind(&r.village_by).bind(&r.subdistrict_by).bind(&r.awarded_by).bind(r.awarded_ms)
        .bind(&r.decided_by).bind(&r.county_code).bind(r.id).bind(version)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A nomination within the subtrees the reader manages.
pub async fn family(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<FamilyRow>>, StorageError> {
    let row: Option<FamilyRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", family_cols!(), " FROM family_award f WHERE id = "));
        q.push_bind(id);
        reader.push_managed_filter(&mut q, "f");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// What the staff's list is searched by.
#[derive(Debug, Clone, Default)]
pub struct Search {
    pub year: Option<i64>,
    pub status: Option<String>,
}

/// Nominations within the reader's subtrees, newest year first; at most `limit`.
pub async fn families(
    db: &Db,
    reader: &Reader,
    s: &Search,
    limit: i64,
) -> Result<Vec<Seen<FamilyRow>>, StorageError> {
    let rows: Vec<FamilyRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", family_cols!(), " FROM family_award f WHERE 1 = 1"));
        if let Some(y) = s.year {
            q.push(" AND f.year = ").push_bind(y);
        }
        if let Some(st) = &s.status {
            q.push(" AND f.status = ").push_bind(st.clone());
        }
        reader.push_managed_filter(&mut q, "f");
        q.push(" ORDER BY f.year DESC, f.place_code, f.created_ms, f.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// The families on public notice on `today` (a day `YYYY-MM-DD`) and, when `year` is given,
/// those named that year: for the page anyone may open; at most `limit` of each.
pub async fn public_families(
    db: &Db,
    today: &str,
    year: Option<i64>,
    limit: i64,
) -> Result<Vec<FamilyRow>, StorageError> {
    let mut rows: Vec<FamilyRow> = db_run!(db, p => sqlx::query_as(concat!("SELECT ", family_cols!(),
        " FROM family_award f WHERE f.status = 'notice' AND f.notice_from <= $1 \
          AND f.notice_until >= $1 ORDER BY f.notice_until, f.id LIMIT $2"))
        .bind(today).bind(limit).fetch_all(p).await)?;
    if let Some(y) = year {
        let named: Vec<FamilyRow> = db_run!(db, p => sqlx::query_as(concat!("SELECT ", family_cols!(),
            " FROM family_award f WHERE f.status = 'awarded' AND f.year = $1 \
              ORDER BY f.place_code, f.id LIMIT $2"))
            .bind(y).bind(limit).fetch_all(p).await)?;
        rows.extend(named);
    }
    Ok(rows)
}

/// One family on public notice on `today`, or named: for the page anyone may open.
pub async fn public_family(
    db: &Db,
    id: Uuid,
    today: &str,
) -> Result<Option<FamilyRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", family_cols!(),
        " FROM family_award f WHERE f.id = $1 AND (f.status = 'awarded' OR (f.status = 'notice' \
          AND f.notice_from <= $2 AND f.notice_until >= $2))"))
        .bind(id).bind(today).fetch_optional(p).await)?,
    )
}

/// The most recent year a family was named in, if any.
pub async fn latest_award_year(db: &Db) -> Result<Option<i64>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT max(year) FROM family_award WHERE status = 'awarded'")
        .fetch_one(p).await)?)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ObjectionRow {
    pub county_code: String,
    pub id: Uuid,
    pub family_id: Uuid,
    pub received_ms: i64,
    /// Sealed.
    pub text: String,
    /// Sealed when not empty.
    pub contact: String,
    /// Sealed when not empty.
    pub answer: String,
    pub answered_by: Option<String>,
    pub answered_ms: Option<i64>,
}

pub async fn insert_objection(tx: &mut DbConn<'_>, o: &ObjectionRow) -> Result<(), StorageError> {
    conn_run!(tx, x => sqlx::query(
        "INSERT INTO family_objection (county_code, id, family_id, received_ms, text, contact, \
         answer, answered_by, answered_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(&o.county_code).bind(o.id).bind(o.family_id).bind(o.received_ms).bind(&o.text)
        .bind(&o.contact).bind(&o.answer).bind(&o.answered_by).bind(o.answered_ms)
        .execute(&mut *x).await.map(|_| ()))?;
    Ok(())
}

/// The objections to a family read within the reader's reach, oldest first.
pub async fn objections(
    db: &Db,
    family: &Seen<FamilyRow>,
) -> Result<Vec<ObjectionRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, family_id, received_ms, text, contact, answer, answered_by, \
         answered_ms FROM family_objection WHERE county_code = $1 AND family_id = $2 \
         ORDER BY received_ms, id")
        .bind(&family.county_code).bind(family.id).fetch_all(p).await)?)
}

/// Records the answer to an objection; `false` when it is not one of the family's or already
/// answered.
#[allow(clippy::too_many_arguments)]
pub async fn answer_objection(
    tx: &mut DbConn<'_>,
    county: &str,
    family_id: Uuid,
    id: Uuid,
    answer: &str,
    by: &str,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE family_objection SET answer = $1, answered_by = $2, answered_ms = $3 \
         WHERE county_code = $4 AND family_id = $5 AND id = $6 AND answered_ms IS NULL")
        .bind(answer).bind(by).bind(at_ms).bind(county).bind(family_id).bind(id)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Whether a county lets online votes count, and their weight in percent.
pub async fn setting(db: &Db, county: &str) -> Result<Option<(bool, i64)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT voting, vote_weight FROM family_setting WHERE county_code = $1")
        .bind(county).fetch_optional(p).await)?)
}

pub async fn set_setting(
    tx: &mut DbConn<'_>,
    county: &str,
    voting: bool,
    weight: i64,
    by: &str,
    at_ms: i64,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO family_setting (county_code, voting, vote_weight, changed_by, changed_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_code) DO UPDATE SET \
         voting = excluded.voting, vote_weight = excluded.vote_weight, \
         changed_by = excluded.changed_by, changed_ms = excluded.changed_ms")
        .bind(county).bind(voting).bind(weight).bind(by).bind(at_ms)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// Records a person's vote of the day; `false` when she already voted that day.
pub async fn vote(
    tx: &mut DbConn<'_>,
    county: &str,
    voter: &str,
    day: &str,
    family_id: Uuid,
    at_ms: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "INSERT INTO family_vote (county_code, voter, day, family_id, at_ms) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_code, voter, day) DO NOTHING")
        .bind(county).bind(voter).bind(day).bind(family_id).bind(at_ms)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A family's votes, and the most any family of its county and year got.
pub async fn votes(db: &Db, f: &FamilyRow) -> Result<(i64, i64), StorageError> {
    let mine: i64 = db_run!(db, p => sqlx::query_scalar(
        "SELECT count(*) FROM family_vote WHERE county_code = $1 AND family_id = $2")
        .bind(&f.county_code).bind(f.id).fetch_one(p).await)?;
    let most: Option<i64> = db_run!(db, p => sqlx::query_scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM family_vote v JOIN family_award a \
         ON a.county_code = v.county_code AND a.id = v.family_id \
         WHERE v.county_code = $1 AND a.year = $2 GROUP BY v.family_id) t")
        .bind(&f.county_code).bind(f.year).fetch_one(p).await)?;
    Ok((mine, most.unwrap_or(0)))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    pub held_on: String,
    pub kind: String,
    pub title: String,
    pub participants: i64,
    pub created_by: String,
    pub created_ms: i64,
}

/// Records a family event and the families named in it.
pub async fn insert_event(
    tx: &mut DbConn<'_>,
    e: &EventRow,
    families: &[Uuid],
) -> Result<(), StorageError> {
    conn_run!(tx, x => {
        sqlx::query(
            "INSERT INTO family_event (county_code, id, path, place_code, held_on, kind, title, \
             participants, created_by, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(&e.county_code).bind(e.id).bind(&e.path).bind(&e.place_code).bind(&e.held_on)
            .bind(&e.kind).bind(&e.title).bind(e.participants).bind(&e.created_by)
            .bind(e.created_ms)
            .execute(&mut *x).await?;
        for f in families {
            sqlx::query("INSERT INTO family_event_family (county_code, event_id, family_id) \
                         VALUES ($1, $2, $3)")
                .bind(&e.county_code).bind(e.id).bind(f)
                .execute(&mut *x).await?;
        }
        Ok::<(), sqlx::Error>(())
    })?;
    Ok(())
}

/// A family event within the subtrees the reader manages.
pub async fn event(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<EventRow>>, StorageError> {
    let row: Option<EventRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT e.county_code, e.id, e.path, e.place_code, e.held_on, e.kind, e.title, \
             e.participants, e.created_by, e.created_ms FROM family_event e WHERE e.id = ");
        q.push_bind(id);
        reader.push_managed_filter(&mut q, "e");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Family events between two days (`from` included, `to` not) within the reader's subtrees,
/// newest first, each with how many named families took part; at most `limit`.
pub async fn events(
    db: &Db,
    reader: &Reader,
    from: &str,
    to: &str,
    limit: i64,
) -> Result<Vec<(Seen<EventRow>, i64)>, StorageError> {
    #[derive(sqlx::FromRow)]
    struct Line {
        #[sqlx(flatten)]
        e: EventRow,
        families: i64,
    }
    let rows: Vec<Line> = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT e.county_code, e.id, e.path, e.place_code, e.held_on, e.kind, e.title, \
             e.participants, e.created_by, e.created_ms, (SELECT count(*) FROM family_event_family x \
             WHERE x.county_code = e.county_code AND x.event_id = e.id) AS families \
             FROM family_event e WHERE e.held_on >= ");
        q.push_bind(from.to_string()).push(" AND e.held_on < ").push_bind(to.to_string());
        reader.push_managed_filter(&mut q, "e");
        q.push(" ORDER BY e.held_on DESC, e.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows
        .into_iter()
        .map(|l| (Seen::new(l.e), l.families))
        .collect())
}

/// The figures of a subtree within the reader's reach for one year: nominations, families on
/// notice, families named, events held and their participants.
pub async fn figures(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    year: i64,
) -> Result<[i64; 5], StorageError> {
    let (nominated, notice, named): (i64, i64, i64) = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), \
             COALESCE(SUM(CASE WHEN f.status = 'notice' THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN f.status = 'awarded' THEN 1 ELSE 0 END), 0) \
             FROM family_award f WHERE f.path >= ");
        q.push_bind(within.lo.clone()).push(" AND f.path < ").push_bind(within.hi.clone())
            .push(" AND f.year = ").push_bind(year);
        reader.push_managed_filter(&mut q, "f");
        q.build_query_as().fetch_one(p).await
    })?;
    let (events, participants): (i64, i64) = db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT count(*), CAST(COALESCE(SUM(e.participants), 0) AS BIGINT) FROM family_event e \
             WHERE e.path >= ");
        q.push_bind(within.lo.clone()).push(" AND e.path < ").push_bind(within.hi.clone())
            .push(" AND e.held_on >= ").push_bind(format!("{year:04}-01-01"))
            .push(" AND e.held_on < ").push_bind(format!("{:04}-01-01", year + 1));
        reader.push_managed_filter(&mut q, "e");
        q.build_query_as().fetch_one(p).await
    })?;
    Ok([nominated, notice, named, events, participants])
}
