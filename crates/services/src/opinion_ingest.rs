//! Public-opinion items stored many at a time: the worker's feeds, a webhook's list and a
//! report by hand all pass here. Each item is curated outside the transaction (segmented,
//! fingerprinted, judged, placed, sealed); then one transaction per batch decides, in the
//! items' order and exactly as one item at a time would, which are already known, which are
//! near-duplicates of an earlier original (one query per SimHash band for the whole batch)
//! and which topic each joins or is proposed for (the recent topics read once, their words
//! indexed), and writes the items, payloads, topics, steps, notifications and audit entries.

use crate::audit::{Record, actor_entry, entry};
use crate::inbox::Chain;
use crate::linkage::{county_path, ms};
use crate::opinion::{By, Incoming, Ingested};
use crate::{ServiceError, Services};
use chrono::{DateTime, Utc};
use jinguo_domain::Kind as _;
use jinguo_domain::audit::AuditEntry;
use jinguo_domain::opinion::{self as rules, Grade, Stage, StepKind, TopicLink};
use jinguo_storage::opinion::{
    self as store, ItemRow, NearRow, RawRow, SourceRow, StepRow, TopicRow,
};
use jinguo_storage::{DbConn, StorageError, db_tx};
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap, HashSet};
use uuid::Uuid;

/// Items stored at most in one transaction.
pub const INGEST_BATCH: usize = 500;

/// The recent topics an item is compared with, at most.
const RECENT_TOPICS: usize = 2000;

/// Near-duplicate candidates looked at for one item, oldest first, at most.
const NEAR_CANDIDATES: usize = 200;

/// An item curated before the transaction.
struct Prepared {
    id: Uuid,
    external: String,
    hash: u64,
    bands: [i64; 4],
    set: Vec<u32>,
    words: i64,
    grade: Option<Grade>,
    category: String,
    keywords: String,
    place_code: String,
    path: String,
    place_words: String,
    place_name: String,
    /// Sealed.
    title: String,
    /// Sealed.
    body: String,
    link: String,
    published_ms: Option<i64>,
    /// Its payload as it came, sealed.
    raw: Option<(Uuid, String)>,
    detail: String,
    /// Who is told of it: an index into the batch's routes.
    route: usize,
}

/// Who is told of topics at a path, for a major grade or not, found once a batch.
#[derive(Default)]
struct Routes {
    index: HashMap<(String, bool), usize>,
    chains: Vec<Chain>,
}

/// Hashes keys that are themselves hashes or small integers (word hashes, SimHash bands,
/// slots) with one multiplication: the maps below are asked hundreds of times an item, and the
/// standard library's keyed hash made them the largest cost of an intake. Their keys come from
/// our own fingerprints of the text, and their order is never used.
#[derive(Default, Clone, Copy)]
struct Mix(u64);

impl std::hash::Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_i64(&mut self, n: i64) {
        self.write_u64(n as u64);
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Fast<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<Mix>>;

/// Original items that may be near-duplicated, by each of their four bands.
#[derive(Default)]
struct Near {
    rows: Vec<NearRow>,
    by_band: [Fast<i64, Vec<usize>>; 4],
}

impl Near {
    fn add(&mut self, r: NearRow) {
        let b = rules::bands(rules::from_stored(r.simhash));
        for (k, band) in b.into_iter().enumerate() {
            self.by_band[k]
                .entry(band)
                .or_default()
                .push(self.rows.len());
        }
        self.rows.push(r);
    }

    /// The first original (oldest, then by id) among the first candidates sharing a band that
    /// lies within `bits` of `hash`.
    fn first_within(&self, bands: [i64; 4], hash: u64, bits: u32) -> Option<&NearRow> {
        let mut c: Vec<usize> = Vec::new();
        for (k, band) in bands.iter().enumerate() {
            if let Some(v) = self.by_band[k].get(band) {
                c.extend(v);
            }
        }
        c.sort_by_key(|&i| (self.rows[i].found_ms, self.rows[i].id));
        c.dedup();
        c.into_iter()
            .take(NEAR_CANDIDATES)
            .map(|i| &self.rows[i])
            .find(|n| rules::hamming(rules::from_stored(n.simhash), hash) <= bits)
    }
}

/// A topic an item may join: its id, the time of its last item and its words.
struct Candidate {
    id: Uuid,
    last_ms: i64,
    words: Vec<u32>,
}

/// The topics an item may join: the most recently active first, their words indexed. Topics
/// are numbered in the order they come (their slot), and an item's shared words are counted
/// per slot in one array kept between items.
#[derive(Default)]
struct Recent {
    order: BTreeSet<(Reverse<i64>, Uuid)>,
    slots: HashMap<Uuid, usize>,
    topics: Vec<Candidate>,
    postings: Fast<u32, Vec<u32>>,
    /// Words shared with the item compared, per slot (all nought between comparisons).
    shared: Vec<u32>,
    touched: Vec<u32>,
}

impl Recent {
    fn add(&mut self, id: Uuid, words: Vec<u32>, last_ms: i64) {
        if self.slots.contains_key(&id) {
            return self.touch(id, last_ms);
        }
        let slot = self.topics.len();
        for w in &words {
            self.postings.entry(*w).or_default().push(slot as u32);
        }
        self.order.insert((Reverse(last_ms), id));
        self.slots.insert(id, slot);
        self.topics.push(Candidate { id, last_ms, words });
        self.shared.push(0);
    }

    fn touch(&mut self, id: Uuid, last_ms: i64) {
        if let Some(&slot) = self.slots.get(&id) {
            let t = &mut self.topics[slot];
            self.order.remove(&(Reverse(t.last_ms), id));
            t.last_ms = last_ms;
            self.order.insert((Reverse(last_ms), id));
        }
    }

    /// The most similar of the most recent topics (the first of them on a tie), with its words.
    fn best(&mut self, set: &[u32]) -> Option<(Uuid, &[u32])> {
        let cutoff = (self.order.len() > RECENT_TOPICS)
            .then(|| self.order.iter().nth(RECENT_TOPICS - 1).copied())
            .flatten();
        let eligible = |key: &(Reverse<i64>, Uuid)| cutoff.is_none_or(|c| *key <= c);
        for w in set {
            for &t in self.postings.get(w).into_iter().flatten() {
                let n = &mut self.shared[t as usize];
                if *n == 0 {
                    self.touched.push(t);
                }
                *n += 1;
            }
        }
        let mut best: Option<(f64, (Reverse<i64>, Uuid))> = None;
        for t in self.touched.drain(..) {
            let both = std::mem::take(&mut self.shared[t as usize]) as usize;
            let c = &self.topics[t as usize];
            let key = (Reverse(c.last_ms), c.id);
            if !eligible(&key) {
                continue;
            }
            // As `rules::jaccard` computes it.
            let sim = both as f64 / (set.len() + c.words.len() - both) as f64;
            if best
                .as_ref()
                .is_none_or(|(b, k)| sim > *b || (sim == *b && key < *k))
            {
                best = Some((sim, key));
            }
        }
        // Sharing no word, the most recent topic is the one compared (similarity nought).
        let key = match best {
            Some((_, k)) => k,
            None => *self.order.iter().next()?,
        };
        let slot = *self.slots.get(&key.1)?;
        Some((key.1, self.topics[slot].words.as_slice()))
    }
}

/// An existing topic an item of the batch joined, as it will be written.
struct Joined {
    row: TopicRow,
    expected: i64,
}

/// What a new or reopened topic leaves to write after the topics themselves.
enum Event {
    New { topic: Uuid, item: usize },
    Reopened { topic: Uuid, item: usize },
}

impl Services {
    /// Curates and stores the items of one source, in their order, in batches of
    /// [`INGEST_BATCH`], one transaction each; the result is the same as storing them one at a
    /// time. An item whose source gave it before writes nothing. Should another writer store
    /// one of a batch's items meanwhile, that batch is stored again one item at a time.
    pub(crate) async fn ingest_all(
        &self,
        source: &SourceRow,
        who: &By<'_>,
        by: &str,
        items: &[(Incoming, Option<String>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<Ingested>, ServiceError> {
        let mut out = Vec::with_capacity(items.len());
        let mut routes = Routes::default();
        for chunk in items.chunks(INGEST_BATCH) {
            let prepared = self.prepare(source, chunk, &mut routes).await?;
            match db_tx!(&self.db, tx => self.store_batch(tx, source, who, by, &prepared, &routes, now).await)
            {
                Ok(v) => out.extend(v),
                Err(StorageError::Conflict(_)) => {
                    for one in chunk {
                        let p = self
                            .prepare(source, std::slice::from_ref(one), &mut routes)
                            .await?;
                        match db_tx!(&self.db, tx => self.store_batch(tx, source, who, by, &p, &routes, now).await)
                        {
                            Ok(v) => out.extend(v),
                            // Another writer stored the same item meanwhile.
                            Err(StorageError::Conflict(c)) if c == "opinion_item" => {
                                out.push(Ingested::Duplicate)
                            }
                            Err(StorageError::Conflict(_)) => return Err(ServiceError::Conflict),
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        if out.iter().any(|r| matches!(r, Ingested::New { .. })) {
            self.wake_delivery();
        }
        Ok(out)
    }

    /// Curates items outside any transaction: text made comparable, segmented, fingerprinted,
    /// judged by the county's scheme, placed (as the reporter said within the county, else as
    /// the text names it, else the county itself) and sealed.
    async fn prepare(
        &self,
        source: &SourceRow,
        items: &[(Incoming, Option<String>)],
        routes: &mut Routes,
    ) -> Result<Vec<Prepared>, ServiceError> {
        let county = source.county_code.clone();
        let judge = self.opinion_judge(&county).await?;
        let cpath = county_path(&county).ok_or(ServiceError::NotFound)?;
        let mut out = Vec::with_capacity(items.len());
        for (inc, raw) in items {
            let external = rules::external_id(inc.guid.as_deref(), &inc.link, &inc.title);
            let text = rules::normalise(&format!("{} {}", inc.title, inc.body));
            let tokens = crate::opinion::segment(&text);
            let words = rules::content_words(tokens.iter().map(String::as_str));
            let hash = rules::simhash(&words);
            let verdict = judge.scheme.judge(&text);
            let named = judge.gazetteer.find(&text);
            let (place_code, path) = match inc
                .place
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                Some(code) => {
                    let p = self
                        .cached()
                        .place(code)
                        .await?
                        .filter(|p| p.path.starts_with(&cpath))
                        .ok_or_else(|| crate::error::invalid("place", "not_found"))?;
                    (p.code.clone(), p.path.clone())
                }
                None => match &named {
                    Some(m) => (m.code.clone(), m.path.clone()),
                    None => (county.clone(), cpath.clone()),
                },
            };
            let place_name = self
                .cached()
                .place(&place_code)
                .await?
                .map(|p| p.name)
                .unwrap_or_default();
            let major = verdict.grade.is_some_and(Grade::is_major);
            let route = match routes.index.get(&(path.clone(), major)) {
                Some(i) => *i,
                None => {
                    let chain = self.opinion_routes(&path, verdict.grade).await?;
                    routes.chains.push(chain);
                    let i = routes.chains.len() - 1;
                    routes.index.insert((path.clone(), major), i);
                    i
                }
            };
            let id = Uuid::now_v7();
            let raw = match raw {
                Some(r) => {
                    let rid = Uuid::now_v7();
                    Some((rid, self.seal("opinion_raw", "payload", &rid, r)?))
                }
                None => None,
            };
            out.push(Prepared {
                id,
                external,
                hash,
                bands: rules::bands(hash),
                set: rules::word_set(&words),
                words: words.len() as i64,
                grade: verdict.grade,
                category: verdict.category.clone().unwrap_or_default(),
                keywords: verdict.words.join(" "),
                place_code,
                path,
                place_words: named.map(|m| m.words.join(" ")).unwrap_or_default(),
                place_name,
                title: self.seal("opinion_item", "title", &id, inc.title.trim())?,
                body: self.seal("opinion_item", "body", &id, inc.body.trim())?,
                link: inc.link.trim().chars().take(1000).collect(),
                published_ms: inc.published_at.map(ms),
                raw,
                detail: format!("source={} kind={}", source.id, source.kind),
                route,
            });
        }
        Ok(out)
    }

    /// Decides and writes a batch in one transaction (see the module's notes).
    #[allow(clippy::too_many_arguments)]
    async fn store_batch(
        &self,
        tx: &mut DbConn<'_>,
        source: &SourceRow,
        who: &By<'_>,
        by: &str,
        prepared: &[Prepared],
        routes: &Routes,
        now: DateTime<Utc>,
    ) -> Result<Vec<Ingested>, StorageError> {
        let g = self.opinion.grouping;
        let county = source.county_code.as_str();
        let now_ms = ms(now);
        let externals: Vec<String> = prepared.iter().map(|p| p.external.clone()).collect();
        let mut seen: HashSet<String> = store::known_items(tx, county, source.id, &externals)
            .await?
            .into_iter()
            .collect();
        let fresh: Vec<[i64; 4]> = prepared
            .iter()
            .filter(|p| !seen.contains(&p.external))
            .map(|p| p.bands)
            .collect();
        let mut near = Near::default();
        if !fresh.is_empty() {
            for r in store::sharing_bands(tx, county, &fresh).await? {
                near.add(r);
            }
        }
        let since = now_ms - g.window_days * 86_400_000;
        let mut recent = Recent::default();
        if !fresh.is_empty() {
            for (t, w, last) in
                store::recent_topics(tx, county, since, RECENT_TOPICS as i64).await?
            {
                recent.add(t, rules::word_set_parse(&w), last);
            }
        }
        let mut joined: HashMap<Uuid, Joined> = HashMap::new();
        let mut missing: HashSet<Uuid> = HashSet::new();
        let mut created: Vec<TopicRow> = Vec::new();
        let mut created_at: HashMap<Uuid, usize> = HashMap::new();
        let mut events: Vec<Event> = Vec::new();
        let mut items: Vec<ItemRow> = Vec::new();
        let mut raws: Vec<RawRow> = Vec::new();
        let mut entries: Vec<AuditEntry> = Vec::new();
        let mut out = Vec::with_capacity(prepared.len());
        for (n, p) in prepared.iter().enumerate() {
            if !seen.insert(p.external.clone()) {
                out.push(Ingested::Duplicate);
                continue;
            }
            // Near-duplicate: the first original item within the distance.
            let dup = near
                .first_within(p.bands, p.hash, g.near_bits)
                .map(|r| (r.id, r.topic_id));
            let mut link = None;
            let mut suggested = None;
            let mut join = dup.map(|(_, t)| t);
            if join.is_some() {
                link = Some(TopicLink::Confirmed);
            } else if let Some((t, words)) = recent.best(&p.set) {
                match rules::topic_match(&g, &p.set, words) {
                    Some(TopicLink::Confirmed) => {
                        join = Some(t);
                        link = Some(TopicLink::Confirmed);
                    }
                    Some(TopicLink::Suggested) => {
                        suggested = Some(t);
                        link = Some(TopicLink::Suggested);
                    }
                    None => {}
                }
            }
            let (topic, new_topic) = match join {
                Some(t) => {
                    if let Some(&i) = created_at.get(&t) {
                        created[i].items += 1;
                        created[i].last_item_ms = now_ms;
                        recent.touch(t, now_ms);
                    } else if !missing.contains(&t) {
                        if let std::collections::hash_map::Entry::Vacant(slot) = joined.entry(t) {
                            match store::topic_in(tx, county, t).await? {
                                Some(row) => {
                                    let expected = row.version;
                                    slot.insert(Joined { row, expected });
                                }
                                None => {
                                    missing.insert(t);
                                }
                            }
                        }
                        if let Some(j) = joined.get_mut(&t) {
                            let row = &mut j.row;
                            row.items += 1;
                            row.last_item_ms = now_ms;
                            if row.stage == Stage::Closed.key() {
                                row.stage = if row.grade.is_some() {
                                    Stage::Judged
                                } else {
                                    Stage::Found
                                }
                                .key()
                                .into();
                                row.closed_ms = None;
                                row.answered_ms = None;
                                events.push(Event::Reopened { topic: t, item: n });
                            }
                            recent.add(t, rules::word_set_parse(&row.words), now_ms);
                        }
                    }
                    (t, false)
                }
                None => {
                    let t = Uuid::now_v7();
                    created_at.insert(t, created.len());
                    created.push(TopicRow {
                        county_code: county.into(),
                        id: t,
                        path: p.path.clone(),
                        place_code: p.place_code.clone(),
                        stage: Stage::Found.key().into(),
                        category: p.category.clone(),
                        proposed_grade: p.grade.map(|g| g.key().to_string()),
                        grade: None,
                        words: rules::word_set_text(&p.set),
                        items: 1,
                        found_ms: now_ms,
                        last_item_ms: now_ms,
                        judged_ms: None,
                        answered_ms: None,
                        closed_ms: None,
                        response: String::new(),
                        response_by: String::new(),
                        version: 1,
                    });
                    recent.add(t, p.set.clone(), now_ms);
                    events.push(Event::New { topic: t, item: n });
                    (t, true)
                }
            };
            if dup.is_none() {
                near.add(NearRow {
                    id: p.id,
                    simhash: rules::to_stored(p.hash),
                    topic_id: topic,
                    found_ms: now_ms,
                });
            }
            let raw_id = p.raw.as_ref().map(|(rid, sealed)| {
                raws.push(RawRow {
                    county_code: county.into(),
                    id: *rid,
                    source_id: source.id,
                    received_ms: now_ms,
                    payload: sealed.clone(),
                });
                *rid
            });
            items.push(ItemRow {
                county_code: county.into(),
                id: p.id,
                source_id: source.id,
                raw_id,
                external_id: p.external.clone(),
                path: p.path.clone(),
                place_code: p.place_code.clone(),
                place_words: p.place_words.clone(),
                keywords: p.keywords.clone(),
                category: p.category.clone(),
                proposed_grade: p.grade.map(|g| g.key().to_string()),
                title: p.title.clone(),
                body: p.body.clone(),
                link: p.link.clone(),
                published_ms: p.published_ms,
                found_ms: now_ms,
                simhash: rules::to_stored(p.hash),
                band0: p.bands[0],
                band1: p.bands[1],
                band2: p.bands[2],
                band3: p.bands[3],
                words: p.words,
                dup_of: dup.map(|(d, _)| d),
                topic_id: topic,
                suggested_topic: suggested,
                entered_by: by.into(),
            });
            let r = Record::new("opinion.item")
                .target(format!("opinion_item:{}", p.id))
                .place(p.path.clone())
                .detail(p.detail.clone());
            entries.push(match who {
                By::Caller(c) => entry(c, r),
                By::Actor(a) => actor_entry(a, r),
            });
            out.push(Ingested::New {
                item: p.id,
                topic,
                near_duplicate_of: dup.map(|(d, _)| d),
                link,
                new_topic,
            });
        }
        for t in &created {
            store::insert_topic(tx, t).await?;
        }
        for j in joined.values() {
            if !store::update_topic(tx, &j.row, j.expected).await? {
                return Err(StorageError::Conflict("opinion_topic".into()));
            }
        }
        for e in &events {
            let (t, n, kind) = match e {
                Event::New { topic, item } => (*topic, *item, StepKind::Found),
                Event::Reopened { topic, item } => (*topic, *item, StepKind::Reopen),
            };
            let p = &prepared[n];
            store::add_step(
                tx,
                county,
                t,
                &StepRow {
                    seq: 0,
                    kind: kind.key().into(),
                    at_ms: now_ms,
                    by_account: by.into(),
                    note: String::new(),
                },
            )
            .await?;
            let chain = &routes.chains[p.route];
            let link = format!("/opinion/topics/{t}");
            match e {
                Event::New { .. } => {
                    let params = format!(
                        "{}|{}",
                        p.place_name,
                        p.grade.map(|g| g.key()).unwrap_or("-")
                    );
                    self.tell(tx, chain, "opinion.new", &params, &link, 0, now)
                        .await?;
                }
                Event::Reopened { .. } => {
                    if let Some(row) = joined.get(&t).map(|j| &j.row)
                        && let Some(grade) =
                            row.grade.as_deref().and_then(|g| Grade::stored(g).ok())
                    {
                        self.start_clocks(tx, row, grade, now_ms).await?;
                    }
                    self.tell(tx, chain, "opinion.reopened", &p.place_name, &link, 0, now)
                        .await?;
                }
            }
        }
        store::insert_raws(tx, &raws).await?;
        if store::insert_items(tx, &items).await? != items.len() as u64 {
            return Err(StorageError::Conflict("opinion_item".into()));
        }
        if !items.is_empty() {
            store::source_item_seen(tx, source.id, now_ms).await?;
        }
        jinguo_storage::audit::append_many(tx, &*self.keys, entries).await?;
        Ok(out)
    }
}
