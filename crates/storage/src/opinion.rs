//! Public opinion: categories and keyword rules of a county, sources, raw payloads, items (with
//! their SimHash bands), topics and their steps. Sealed values are stored as the services give
//! them; topics and items are read within a [`Reader`]'s opinion scope.

use crate::{Db, DbConn, Reader, Seen, StorageError, Subtree, conn_run, db_run};
use sqlx::QueryBuilder;
use uuid::Uuid;

// ---------------------------------------------------------------- categories and rules

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CategoryRow {
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i64,
    /// When the county retired it: offered no more, kept on what has it.
    pub retired_ms: Option<i64>,
}

/// A county's categories, the retired ones too.
pub async fn categories(db: &Db, county: &str) -> Result<Vec<CategoryRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT key, name_zh, name_en, position, retired_ms FROM opinion_category \
         WHERE county_code = $1 ORDER BY position, key")
        .bind(county).fetch_all(p).await)?)
}

/// A category the county adds.
pub async fn insert_category(
    tx: &mut DbConn<'_>,
    county: &str,
    r: &CategoryRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO opinion_category (county_code, key, name_zh, name_en, position, retired_ms) \
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(county).bind(&r.key).bind(&r.name_zh).bind(&r.name_en).bind(r.position)
        .bind(r.retired_ms).execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A category's names; the count of rows changed (0: no such category in the county).
pub async fn rename_category(
    tx: &mut DbConn<'_>,
    county: &str,
    key: &str,
    name_zh: &str,
    name_en: &str,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_category SET name_zh = $1, name_en = $2 \
         WHERE county_code = $3 AND key = $4")
        .bind(name_zh).bind(name_en).bind(county).bind(key)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// A category retired (never deleted: items, topics and figures keep it); the count of rows
/// changed (0: none such, or retired already).
pub async fn retire_category(
    tx: &mut DbConn<'_>,
    county: &str,
    key: &str,
    at_ms: i64,
) -> Result<u64, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_category SET retired_ms = $1 \
         WHERE county_code = $2 AND key = $3 AND retired_ms IS NULL")
        .bind(at_ms).bind(county).bind(key)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?)
}

/// Writes categories a county does not have yet (the defaults); those it has are kept.
pub async fn ensure_categories(
    tx: &mut DbConn<'_>,
    county: &str,
    rows: &[CategoryRow],
) -> Result<u64, StorageError> {
    let mut n = 0;
    for r in rows {
        n += conn_run!(tx, c => sqlx::query(
            "INSERT INTO opinion_category (county_code, key, name_zh, name_en, position) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (county_code, key) DO NOTHING")
            .bind(county).bind(&r.key).bind(&r.name_zh).bind(&r.name_en).bind(r.position)
            .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    }
    Ok(n)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RuleRow {
    pub county_code: String,
    pub id: Uuid,
    pub name: String,
    pub subject_words: String,
    pub event_words: String,
    pub region_words: String,
    pub exclude_words: String,
    pub category: String,
    pub min_grade: Option<String>,
    pub created_ms: i64,
    pub created_by: String,
}

pub async fn rules(db: &Db, county: &str) -> Result<Vec<RuleRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, name, subject_words, event_words, region_words, exclude_words, \
         category, min_grade, created_ms, created_by FROM opinion_rule WHERE county_code = $1 \
         ORDER BY created_ms, id")
        .bind(county).fetch_all(p).await)?)
}

pub async fn insert_rule(tx: &mut DbConn<'_>, r: &RuleRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO opinion_rule (county_code, id, name, subject_words, event_words, \
         region_words, exclude_words, category, min_grade, created_ms, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
        .bind(&r.county_code).bind(r.id).bind(&r.name).bind(&r.subject_words)
        .bind(&r.event_words).bind(&r.region_words).bind(&r.exclude_words).bind(&r.category)
        .bind(&r.min_grade).bind(r.created_ms).bind(&r.created_by)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------- sources

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SourceRow {
    pub county_code: String,
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub url: String,
    /// Sealed (a webhook's shared secret); empty for the others.
    pub secret: String,
    pub poll_minutes: i64,
    pub silent_hours: i64,
    pub etag: String,
    pub last_modified: String,
    pub state: String,
    pub state_note: String,
    pub failures: i64,
    pub next_poll_ms: Option<i64>,
    pub last_poll_ms: Option<i64>,
    pub last_ok_ms: Option<i64>,
    pub last_item_ms: Option<i64>,
    pub created_ms: i64,
    pub created_by: String,
}

macro_rules! source_cols {
    () => {
        "county_code, id, kind, name, url, secret, poll_minutes, silent_hours, etag, \
         last_modified, state, state_note, failures, next_poll_ms, last_poll_ms, last_ok_ms, \
         last_item_ms, created_ms, created_by"
    };
}

pub async fn insert_source(tx: &mut DbConn<'_>, s: &SourceRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO opinion_source (", source_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"))
        .bind(&s.county_code).bind(s.id).bind(&s.kind).bind(&s.name).bind(&s.url)
        .bind(&s.secret).bind(s.poll_minutes).bind(s.silent_hours).bind(&s.etag)
        .bind(&s.last_modified).bind(&s.state).bind(&s.state_note).bind(s.failures)
        .bind(s.next_poll_ms).bind(s.last_poll_ms).bind(s.last_ok_ms).bind(s.last_item_ms)
        .bind(s.created_ms).bind(&s.created_by)
        .execute(&mut *c).await.map(|_| ()))
    .map_err(StorageError::classify)?;
    Ok(())
}

/// The sources of a county.
pub async fn sources(db: &Db, county: &str) -> Result<Vec<SourceRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", source_cols!(),
        " FROM opinion_source WHERE county_code = $1 ORDER BY kind, name, id"))
        .bind(county).fetch_all(p).await)?,
    )
}

pub async fn source(db: &Db, id: Uuid) -> Result<Option<SourceRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", source_cols!(),
        " FROM opinion_source WHERE id = $1"))
        .bind(id).fetch_optional(p).await)?,
    )
}

/// The first source of a kind in a county (the one reports by hand or from the hotline go to).
pub async fn source_of_kind(
    db: &Db,
    county: &str,
    kind: &str,
) -> Result<Option<SourceRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", source_cols!(),
        " FROM opinion_source WHERE county_code = $1 AND kind = $2 ORDER BY created_ms, id LIMIT 1"))
        .bind(county).bind(kind).fetch_optional(p).await)?,
    )
}

/// Feeds whose poll is due at `now_ms`, the longest waiting first.
pub async fn due_feeds(db: &Db, now_ms: i64, limit: i64) -> Result<Vec<SourceRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", source_cols!(),
        " FROM opinion_source WHERE next_poll_ms IS NOT NULL AND next_poll_ms <= $1 \
          AND kind = 'feed' ORDER BY next_poll_ms LIMIT $2"))
        .bind(now_ms).bind(limit).fetch_all(p).await)?,
    )
}

/// Feeds that work but brought no item (since they were added) for longer than their setting.
pub async fn silent_feeds(db: &Db, now_ms: i64) -> Result<Vec<SourceRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", source_cols!(),
        " FROM opinion_source WHERE kind = 'feed' AND state = 'ok' \
          AND COALESCE(last_item_ms, created_ms) + silent_hours * 3600000 < $1 ORDER BY id"))
        .bind(now_ms).fetch_all(p).await)?,
    )
}

/// Records what a poll found: its state, validators, failures and when to poll next.
pub async fn set_poll(tx: &mut DbConn<'_>, s: &SourceRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_source SET etag = $1, last_modified = $2, state = $3, state_note = $4, \
         failures = $5, next_poll_ms = $6, last_poll_ms = $7, last_ok_ms = $8, last_item_ms = $9 \
         WHERE county_code = $10 AND id = $11")
        .bind(&s.etag).bind(&s.last_modified).bind(&s.state).bind(&s.state_note)
        .bind(s.failures).bind(s.next_poll_ms).bind(s.last_poll_ms).bind(s.last_ok_ms)
        .bind(s.last_item_ms).bind(&s.county_code).bind(s.id)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A source's newest item time moves on.
pub async fn source_item_seen(
    tx: &mut DbConn<'_>,
    source: Uuid,
    now_ms: i64,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_source SET last_item_ms = $1 WHERE id = $2")
        .bind(now_ms).bind(source)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------- raw payloads

/// A payload as it came, sealed, kept apart from the item curated from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    pub county_code: String,
    pub id: Uuid,
    pub source_id: Uuid,
    pub received_ms: i64,
    /// Sealed.
    pub payload: String,
}

/// Writes payloads, many a statement.
pub async fn insert_raws(tx: &mut DbConn<'_>, rows: &[RawRow]) -> Result<(), StorageError> {
    for chunk in rows.chunks(1000) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "INSERT INTO opinion_raw (county_code, id, source_id, received_ms, payload) ");
            q.push_values(chunk, |mut b, r| {
                b.push_bind(&r.county_code).push_bind(r.id).push_bind(r.source_id)
                    .push_bind(r.received_ms).push_bind(&r.payload);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(())
}

// ---------------------------------------------------------------- items

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ItemRow {
    pub county_code: String,
    pub id: Uuid,
    pub source_id: Uuid,
    pub raw_id: Option<Uuid>,
    pub external_id: String,
    pub path: String,
    pub place_code: String,
    pub place_words: String,
    pub keywords: String,
    pub category: String,
    pub proposed_grade: Option<String>,
    /// Sealed.
    pub title: String,
    /// Sealed.
    pub body: String,
    pub link: String,
    pub published_ms: Option<i64>,
    pub found_ms: i64,
    pub simhash: i64,
    pub band0: i64,
    pub band1: i64,
    pub band2: i64,
    pub band3: i64,
    pub words: i64,
    pub dup_of: Option<Uuid>,
    pub topic_id: Uuid,
    pub suggested_topic: Option<Uuid>,
    pub entered_by: String,
}

macro_rules! item_cols {
    () => {
        "county_code, id, source_id, raw_id, external_id, path, place_code, place_words, \
         keywords, category, proposed_grade, title, body, link, published_ms, found_ms, simhash, \
         band0, band1, band2, band3, words, dup_of, topic_id, suggested_topic, entered_by"
    };
}

/// Which of `external_ids` a source already gave.
pub async fn known_items(
    tx: &mut DbConn<'_>,
    county: &str,
    source: Uuid,
    external_ids: &[String],
) -> Result<Vec<String>, StorageError> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(500) {
        let rows: Vec<(String,)> = conn_run!(tx, c => {
            let mut q = QueryBuilder::new(
                "SELECT external_id FROM opinion_item WHERE county_code = ");
            q.push_bind(county.to_string()).push(" AND source_id = ").push_bind(source)
                .push(" AND external_id IN (");
            let mut list = q.separated(", ");
            for e in chunk {
                list.push_bind(e.clone());
            }
            q.push(")");
            q.build_query_as().fetch_all(&mut *c).await
        })?;
        out.extend(rows.into_iter().map(|r| r.0));
    }
    Ok(out)
}

/// A candidate near-duplicate: an original item (not itself a duplicate) sharing a band.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NearRow {
    pub id: Uuid,
    pub simhash: i64,
    pub topic_id: Uuid,
    pub found_ms: i64,
}

/// Original items of a county sharing at least one band with any of `bands` (band `k` with
/// band `k`): one query per band, each answered from that band's index on both databases (an
/// `OR` of the four would have SQLite read every item of the county).
pub async fn sharing_bands(
    tx: &mut DbConn<'_>,
    county: &str,
    bands: &[[i64; 4]],
) -> Result<Vec<NearRow>, StorageError> {
    let mut out: Vec<NearRow> = Vec::new();
    for k in 0..4 {
        let mut values: Vec<i64> = bands.iter().map(|b| b[k]).collect();
        values.sort_unstable();
        values.dedup();
        for chunk in values.chunks(500) {
            let rows: Vec<NearRow> = conn_run!(tx, c => {
                let mut q = QueryBuilder::new(
                    "SELECT id, simhash, topic_id, found_ms FROM opinion_item WHERE county_code = ");
                q.push_bind(county.to_string()).push(format!(" AND band{k} IN ("));
                let mut list = q.separated(", ");
                for v in chunk {
                    list.push_bind(*v);
                }
                q.push(") AND dup_of IS NULL");
                q.build_query_as().fetch_all(&mut *c).await
            })?;
            out.extend(rows);
        }
    }
    out.sort_by_key(|r| r.id);
    out.dedup_by_key(|r| r.id);
    Ok(out)
}

/// Writes items known to be new, many a statement; how many were written (fewer: another
/// writer stored one of them meanwhile).
pub async fn insert_items(tx: &mut DbConn<'_>, items: &[ItemRow]) -> Result<u64, StorageError> {
    let mut n = 0;
    // 26 values a row, within both backends' limits.
    for chunk in items.chunks(500) {
        n += conn_run!(tx, c => {
            let mut q = QueryBuilder::new(concat!("INSERT INTO opinion_item (", item_cols!(), ") "));
            q.push_values(chunk, |mut b, i| {
                b.push_bind(&i.county_code).push_bind(i.id).push_bind(i.source_id)
                    .push_bind(i.raw_id).push_bind(&i.external_id).push_bind(&i.path)
                    .push_bind(&i.place_code).push_bind(&i.place_words).push_bind(&i.keywords)
                    .push_bind(&i.category).push_bind(&i.proposed_grade).push_bind(&i.title)
                    .push_bind(&i.body).push_bind(&i.link).push_bind(i.published_ms)
                    .push_bind(i.found_ms).push_bind(i.simhash).push_bind(i.band0)
                    .push_bind(i.band1).push_bind(i.band2).push_bind(i.band3).push_bind(i.words)
                    .push_bind(i.dup_of).push_bind(i.topic_id).push_bind(i.suggested_topic)
                    .push_bind(&i.entered_by);
            });
            q.push(" ON CONFLICT (county_code, source_id, external_id) DO NOTHING");
            q.build().execute(&mut *c).await.map(|r| r.rows_affected())
        })?;
    }
    Ok(n)
}

/// The items of a topic, oldest first.
pub async fn items_of(db: &Db, t: &Seen<TopicRow>) -> Result<Vec<ItemRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", item_cols!(),
        " FROM opinion_item WHERE county_code = $1 AND topic_id = $2 ORDER BY found_ms, id"))
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?,
    )
}

/// Items proposed for a topic ("可能同一事件"), waiting for the officer.
pub async fn suggested_for(db: &Db, t: &Seen<TopicRow>) -> Result<Vec<ItemRow>, StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as(concat!("SELECT ", item_cols!(),
        " FROM opinion_item WHERE county_code = $1 AND suggested_topic = $2 ORDER BY found_ms, id"))
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?,
    )
}

/// The first item of a topic: (id, sealed title).
pub async fn first_title(
    db: &Db,
    county: &str,
    topic: Uuid,
) -> Result<Option<(Uuid, String)>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT id, title FROM opinion_item WHERE county_code = $1 AND topic_id = $2 \
         ORDER BY found_ms, id LIMIT 1")
        .bind(county).bind(topic).fetch_optional(p).await)?)
}

/// An item, within the reader's opinion scope.
pub async fn item(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<ItemRow>>, StorageError> {
    let row: Option<ItemRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", item_cols!(), " FROM opinion_item i WHERE id = "));
        q.push_bind(id);
        reader.push_opinion_filter(&mut q, "i");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Moves an item into a topic (the officer confirmed "the same event"); clears its proposal.
pub async fn move_item(
    tx: &mut DbConn<'_>,
    county: &str,
    item: Uuid,
    topic: Uuid,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_item SET topic_id = $1, suggested_topic = NULL \
         WHERE county_code = $2 AND id = $3")
        .bind(topic).bind(county).bind(item)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

// ---------------------------------------------------------------- topics

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TopicRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    pub stage: String,
    pub category: String,
    pub proposed_grade: Option<String>,
    pub grade: Option<String>,
    /// The word set of its first item (hashes, see `domain::opinion::word_set`).
    pub words: String,
    pub items: i64,
    pub found_ms: i64,
    pub last_item_ms: i64,
    pub judged_ms: Option<i64>,
    pub answered_ms: Option<i64>,
    pub closed_ms: Option<i64>,
    /// The public response (drafted, then approved and published).
    pub response: String,
    pub response_by: String,
    pub version: i64,
}

macro_rules! topic_cols {
    () => {
        "county_code, id, path, place_code, stage, category, proposed_grade, grade, words, items, \
         found_ms, last_item_ms, judged_ms, answered_ms, closed_ms, response, response_by, version"
    };
}

pub async fn insert_topic(tx: &mut DbConn<'_>, t: &TopicRow) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO opinion_topic (", topic_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)"))
        .bind(&t.county_code).bind(t.id).bind(&t.path).bind(&t.place_code).bind(&t.stage)
        .bind(&t.category).bind(&t.proposed_grade).bind(&t.grade).bind(&t.words).bind(t.items)
        .bind(t.found_ms).bind(t.last_item_ms).bind(t.judged_ms).bind(t.answered_ms)
        .bind(t.closed_ms).bind(&t.response).bind(&t.response_by).bind(t.version)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

/// A topic read in a write transaction (the worker's ingest, which has no reader).
pub async fn topic_in(
    tx: &mut DbConn<'_>,
    county: &str,
    id: Uuid,
) -> Result<Option<TopicRow>, StorageError> {
    Ok(
        conn_run!(tx, c => sqlx::query_as(concat!("SELECT ", topic_cols!(),
        " FROM opinion_topic WHERE county_code = $1 AND id = $2"))
        .bind(county).bind(id).fetch_optional(&mut *c).await)?,
    )
}

/// Writes a topic's workflow fields if its version is still `expected`, moving it on; `false`:
/// someone changed it meanwhile, and nothing was written.
pub async fn update_topic(
    tx: &mut DbConn<'_>,
    t: &TopicRow,
    expected: i64,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_topic SET stage = $1, category = $2, proposed_grade = $3, grade = $4, \
         items = $5, last_item_ms = $6, judged_ms = $7, answered_ms = $8, closed_ms = $9, \
         response = $10, response_by = $11, path = $12, place_code = $13, \
         version = version + 1 WHERE county_code = $14 AND id = $15 AND version = $16")
        .bind(&t.stage).bind(&t.category).bind(&t.proposed_grade).bind(&t.grade).bind(t.items)
        .bind(t.last_item_ms).bind(t.judged_ms).bind(t.answered_ms).bind(t.closed_ms)
        .bind(&t.response).bind(&t.response_by).bind(&t.path).bind(&t.place_code)
        .bind(&t.county_code).bind(t.id).bind(expected)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Topics of a county whose last item is at or after `since_ms` (the ones an item may join),
/// newest first: id, words, last item's time.
pub async fn recent_topics(
    tx: &mut DbConn<'_>,
    county: &str,
    since_ms: i64,
    limit: i64,
) -> Result<Vec<(Uuid, String, i64)>, StorageError> {
    Ok(conn_run!(tx, c => sqlx::query_as(
        "SELECT id, words, last_item_ms FROM opinion_topic WHERE county_code = $1 AND last_item_ms >= $2 \
         ORDER BY last_item_ms DESC, id LIMIT $3")
        .bind(county).bind(since_ms).bind(limit).fetch_all(&mut *c).await)?)
}

/// A topic, within the reader's opinion scope.
pub async fn topic(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<TopicRow>>, StorageError> {
    let row: Option<TopicRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", topic_cols!(), " FROM opinion_topic t WHERE id = "));
        q.push_bind(id);
        reader.push_opinion_filter(&mut q, "t");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Topics below a subtree within the reader's scope: those not closed first (the oldest found
/// first), then the closed ones, newest first; at most `limit`.
pub async fn topics(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    stage: Option<&str>,
    limit: i64,
) -> Result<Vec<Seen<TopicRow>>, StorageError> {
    let rows: Vec<TopicRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", topic_cols!(), " FROM opinion_topic t WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone());
        if let Some(s) = stage {
            q.push(" AND stage = ").push_bind(s.to_string());
        }
        reader.push_opinion_filter(&mut q, "t");
        q.push(" ORDER BY CASE WHEN stage = 'closed' THEN 1 ELSE 0 END, \
                 CASE WHEN stage = 'closed' THEN -found_ms ELSE found_ms END, id LIMIT ")
            .push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// Topics in the reader's scope by stage: (stage, count).
pub async fn stage_counts(db: &Db, reader: &Reader) -> Result<Vec<(String, i64)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT stage, COUNT(*) FROM opinion_topic t WHERE 1 = 1");
        reader.push_opinion_filter(&mut q, "t");
        q.push(" GROUP BY stage ORDER BY stage");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// Open opinion clocks in the reader's scope: (running, overdue at `now_ms`).
pub async fn clock_counts(
    db: &Db,
    reader: &Reader,
    now_ms: i64,
) -> Result<(i64, i64), StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new("SELECT COUNT(*), COALESCE(SUM(CASE WHEN d.due_ms < ");
        q.push_bind(now_ms).push(" THEN 1 ELSE 0 END), 0) FROM deadline d \
            WHERE d.done_ms IS NULL AND d.kind IN ('opinion_first', 'opinion_press', 'opinion_answer')");
        reader.push_opinion_filter(&mut q, "d");
        q.build_query_as().fetch_one(p).await
    })?)
}

// ---------------------------------------------------------------- steps

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StepRow {
    pub seq: i64,
    pub kind: String,
    pub at_ms: i64,
    pub by_account: String,
    pub note: String,
}

pub async fn add_step(
    tx: &mut DbConn<'_>,
    county: &str,
    topic: Uuid,
    s: &StepRow,
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(
        "INSERT INTO opinion_step (county_code, topic_id, seq, kind, at_ms, by_account, note) \
         SELECT $1, $2, COALESCE(MAX(seq), 0) + 1, $3, $4, $5, $6 FROM opinion_step \
         WHERE county_code = $1 AND topic_id = $2")
        .bind(county).bind(topic).bind(&s.kind).bind(s.at_ms).bind(&s.by_account).bind(&s.note)
        .execute(&mut *c).await.map(|_| ()))?;
    Ok(())
}

pub async fn steps(db: &Db, t: &Seen<TopicRow>) -> Result<Vec<StepRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT seq, kind, at_ms, by_account, note FROM opinion_step \
         WHERE county_code = $1 AND topic_id = $2 ORDER BY seq")
        .bind(&t.county_code).bind(t.id).fetch_all(p).await)?)
}

/// The township and village places of a county, for its gazetteer: (code, name, path, parent).
pub async fn gazetteer(
    db: &Db,
    county_path: &str,
) -> Result<Vec<(String, String, String, Option<String>)>, StorageError> {
    let range = Subtree::of_path(county_path);
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT code, name, path, parent_code FROM place WHERE path >= $1 AND path < $2 \
         AND level IN (4, 5) ORDER BY path")
        .bind(&range.lo).bind(&range.hi).fetch_all(p).await)?)
}

// ---------------------------------------------------------------- review meetings

/// A review meeting (研判会) of a level; attendees and conclusions sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MeetingRow {
    pub county_code: String,
    pub id: Uuid,
    pub path: String,
    pub place_code: String,
    /// The day it was held, `YYYY-MM-DD` (China).
    pub met_on: String,
    pub attendees: String,
    pub conclusions: String,
    pub created_ms: i64,
    pub created_by: String,
}

macro_rules! meeting_cols {
    () => {
        "county_code, id, path, place_code, met_on, attendees, conclusions, created_ms, created_by"
    };
}

/// A follow-up task of a meeting, its clock a `deadline` row (kind `opinion_task`); text and
/// owner sealed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TaskRow {
    pub county_code: String,
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub seq: i64,
    pub task: String,
    pub owner: String,
    pub due_ms: i64,
    pub done_ms: Option<i64>,
    pub done_by: String,
}

pub async fn insert_meeting(
    tx: &mut DbConn<'_>,
    m: &MeetingRow,
    topics: &[Uuid],
    tasks: &[TaskRow],
) -> Result<(), StorageError> {
    conn_run!(tx, c => sqlx::query(concat!("INSERT INTO opinion_meeting (", meeting_cols!(),
        ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"))
        .bind(&m.county_code).bind(m.id).bind(&m.path).bind(&m.place_code).bind(&m.met_on)
        .bind(&m.attendees).bind(&m.conclusions).bind(m.created_ms).bind(&m.created_by)
        .execute(&mut *c).await.map(|_| ()))?;
    for t in topics {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO opinion_meeting_topic (county_code, meeting_id, topic_id) \
             VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&m.county_code).bind(m.id).bind(*t)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    for t in tasks {
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO opinion_task (county_code, id, meeting_id, seq, task, owner, due_ms, \
             done_ms, done_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&t.county_code).bind(t.id).bind(t.meeting_id).bind(t.seq).bind(&t.task)
            .bind(&t.owner).bind(t.due_ms).bind(t.done_ms).bind(&t.done_by)
            .execute(&mut *c).await.map(|_| ()))?;
    }
    Ok(())
}

/// A meeting, within the reader's opinion scope.
pub async fn meeting(
    db: &Db,
    reader: &Reader,
    id: Uuid,
) -> Result<Option<Seen<MeetingRow>>, StorageError> {
    let row: Option<MeetingRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", meeting_cols!(),
            " FROM opinion_meeting m WHERE id = "));
        q.push_bind(id);
        reader.push_opinion_filter(&mut q, "m");
        q.build_query_as().fetch_optional(p).await
    })?;
    Ok(row.map(Seen::new))
}

/// Meetings below a subtree within the reader's scope, the latest first; at most `limit`.
pub async fn meetings(
    db: &Db,
    reader: &Reader,
    within: &Subtree,
    limit: i64,
) -> Result<Vec<Seen<MeetingRow>>, StorageError> {
    let rows: Vec<MeetingRow> = db_run!(db, p => {
        let mut q = QueryBuilder::new(concat!("SELECT ", meeting_cols!(),
            " FROM opinion_meeting m WHERE path >= "));
        q.push_bind(within.lo.clone()).push(" AND path < ").push_bind(within.hi.clone());
        reader.push_opinion_filter(&mut q, "m");
        q.push(" ORDER BY met_on DESC, created_ms DESC, id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(p).await
    })?;
    Ok(rows.into_iter().map(Seen::new).collect())
}

/// The topics a meeting reviewed.
pub async fn meeting_topics(db: &Db, m: &Seen<MeetingRow>) -> Result<Vec<Uuid>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT topic_id FROM opinion_meeting_topic WHERE county_code = $1 AND meeting_id = $2 \
         ORDER BY topic_id")
        .bind(&m.county_code).bind(m.id).fetch_all(p).await)?)
}

/// The follow-up tasks of a meeting, in their order.
pub async fn tasks(db: &Db, m: &Seen<MeetingRow>) -> Result<Vec<TaskRow>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT county_code, id, meeting_id, seq, task, owner, due_ms, done_ms, done_by \
         FROM opinion_task WHERE county_code = $1 AND meeting_id = $2 ORDER BY seq")
        .bind(&m.county_code).bind(m.id).fetch_all(p).await)?)
}

/// The meeting of a task (for the link of its clock's escalation).
pub async fn task_meeting(db: &Db, task: Uuid) -> Result<Option<Uuid>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_scalar(
        "SELECT meeting_id FROM opinion_task WHERE id = $1")
        .bind(task).fetch_optional(p).await)?)
}

/// Marks a task of a meeting done; `false`: it was done already (or is not the meeting's).
pub async fn finish_task(
    tx: &mut DbConn<'_>,
    county: &str,
    meeting: Uuid,
    task: Uuid,
    at_ms: i64,
    by: &str,
) -> Result<bool, StorageError> {
    let n = conn_run!(tx, c => sqlx::query(
        "UPDATE opinion_task SET done_ms = $1, done_by = $2 WHERE county_code = $3 \
         AND meeting_id = $4 AND id = $5 AND done_ms IS NULL")
        .bind(at_ms).bind(by).bind(county).bind(meeting).bind(task)
        .execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

// ---------------------------------------------------------------- monthly figures

/// Items found in `[from_ms, to_ms)` below a subtree of a county within the reader's scope,
/// counted by their source's kind, their topic's category and grade (empty before judgement)
/// and their place: (kind, category, grade, place code, count).
pub async fn month_items(
    db: &Db,
    reader: &Reader,
    county: &str,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, String, String, String, i64)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT s.kind, t.category, COALESCE(t.grade, ''), i.place_code, COUNT(*) \
             FROM opinion_item i \
             JOIN opinion_source s ON s.county_code = i.county_code AND s.id = i.source_id \
             JOIN opinion_topic t ON t.county_code = i.county_code AND t.id = i.topic_id \
             WHERE i.county_code = ");
        q.push_bind(county.to_string())
            .push(" AND i.found_ms >= ").push_bind(from_ms)
            .push(" AND i.found_ms < ").push_bind(to_ms)
            .push(" AND i.path >= ").push_bind(within.lo.clone())
            .push(" AND i.path < ").push_bind(within.hi.clone());
        reader.push_opinion_filter(&mut q, "i");
        q.push(" GROUP BY s.kind, t.category, COALESCE(t.grade, ''), i.place_code");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// Topics found in `[from_ms, to_ms)` below a subtree within the reader's scope: (grade,
/// found, answered).
pub async fn month_topics(
    db: &Db,
    reader: &Reader,
    county: &str,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(Option<String>, i64, Option<i64>)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT t.grade, t.found_ms, t.answered_ms FROM opinion_topic t WHERE t.county_code = ");
        q.push_bind(county.to_string())
            .push(" AND t.found_ms >= ").push_bind(from_ms)
            .push(" AND t.found_ms < ").push_bind(to_ms)
            .push(" AND t.path >= ").push_bind(within.lo.clone())
            .push(" AND t.path < ").push_bind(within.hi.clone());
        reader.push_opinion_filter(&mut q, "t");
        q.build_query_as().fetch_all(p).await
    })?)
}

/// The clocks of the topics found in `[from_ms, to_ms)` below a subtree within the reader's
/// scope: (kind, due, done).
pub async fn month_clocks(
    db: &Db,
    reader: &Reader,
    county: &str,
    within: &Subtree,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<(String, i64, Option<i64>)>, StorageError> {
    Ok(db_run!(db, p => {
        let mut q = QueryBuilder::new(
            "SELECT d.kind, d.due_ms, d.done_ms FROM deadline d \
             JOIN opinion_topic t ON t.county_code = d.county_code AND t.id = d.subject_id \
             WHERE d.kind IN ('opinion_first', 'opinion_press', 'opinion_answer') \
             AND t.county_code = ");
        q.push_bind(county.to_string())
            .push(" AND t.found_ms >= ").push_bind(from_ms)
            .push(" AND t.found_ms < ").push_bind(to_ms)
            .push(" AND t.path >= ").push_bind(within.lo.clone())
            .push(" AND t.path < ").push_bind(within.hi.clone());
        reader.push_opinion_filter(&mut q, "t");
        q.build_query_as().fetch_all(p).await
    })?)
}
