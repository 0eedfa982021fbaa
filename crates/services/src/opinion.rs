//! Public opinion (舆论应对): items come in (by hand from a phone, from the hotline, from a
//! monitoring service's webhook, from feeds the worker polls), are stored once per source, are
//! attached to the first item when near-duplicates, grouped into topics (one event), judged by
//! the county's keyword scheme and gazetteer, routed to the chair and the opinion officers of
//! the place's level (grades I–II also to the county's chair), timed by stored clocks the
//! escalation worker climbs, answered publicly once the level's chair approves, and closed —
//! reopened when new items come after.

use crate::audit::{Actor, Record, record};
use crate::error::invalid;
use crate::inbox::Chain;
use crate::linkage::{county_path, from_ms, ms};
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jieba_rs::Jieba;
use jinguo_domain::Kind as _;
use jinguo_domain::account::Role;
use jinguo_domain::opinion::{
    self as rules, Gazetteer, GazetteerPlace, Grade, Grouping, Limits, Rule, Scheme, SourceKind,
    SourceState, Stage, StepKind, TopicLink,
};
use jinguo_domain::place::PlaceCode;
use jinguo_storage::linkage::DeadlineRow;
use jinguo_storage::opinion::{self as store, ItemRow, SourceRow, StepRow, TopicRow};
use jinguo_storage::{DbConn, Seen, StorageError, Subtree, db_tx};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The settings of public opinion.
#[derive(Debug, Clone)]
pub struct OpinionPolicy {
    pub limits: Limits,
    pub grouping: Grouping,
    /// A feed larger than this is refused (bytes).
    pub max_feed_bytes: usize,
    /// A feed that does not answer in this time is given up.
    pub fetch_timeout: Duration,
    /// The longest wait between polls of a failing feed (minutes).
    pub max_backoff_minutes: i64,
    /// Feeds on this machine's loopback addresses may be fetched (tests serve feeds there);
    /// off, a feed leading to loopback is refused like one leading to an internal network.
    pub feed_loopback: bool,
}

impl Default for OpinionPolicy {
    fn default() -> Self {
        OpinionPolicy {
            limits: Limits::default(),
            grouping: Grouping::default(),
            max_feed_bytes: 5 * 1024 * 1024,
            fetch_timeout: Duration::from_secs(20),
            max_backoff_minutes: 24 * 60,
            feed_loopback: false,
        }
    }
}

/// How long a county's compiled scheme and gazetteer are used before they are read again (a
/// change in this process rebuilds them at once).
const JUDGE_TTL: Duration = Duration::from_secs(60);

/// A county's compiled scheme, gazetteer and categories.
#[derive(Debug)]
pub struct Judge {
    pub scheme: Scheme,
    pub gazetteer: Gazetteer,
    pub categories: Vec<store::CategoryRow>,
    built: Instant,
}

/// The compiled judges of the counties, kept a while.
#[derive(Debug, Default)]
pub struct Judges(Mutex<HashMap<String, Arc<Judge>>>);

impl Judges {
    fn get(&self, county: &str) -> Option<Arc<Judge>> {
        let map = self.0.lock().ok()?;
        map.get(county)
            .filter(|j| j.built.elapsed() < JUDGE_TTL)
            .cloned()
    }

    fn put(&self, county: &str, j: Arc<Judge>) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(county.to_string(), j);
        }
    }

    pub(crate) fn forget(&self, county: &str) {
        if let Ok(mut map) = self.0.lock() {
            map.remove(county);
        }
    }
}

/// The segmenter (jieba, its own dictionary and the place names of the counties served), one
/// per process: loading the dictionary takes a moment.
fn segmenter() -> &'static RwLock<(Jieba, HashSet<String>)> {
    static SEG: OnceLock<RwLock<(Jieba, HashSet<String>)>> = OnceLock::new();
    SEG.get_or_init(|| RwLock::new((Jieba::new(), HashSet::new())))
}

/// Teaches the segmenter place names, so it keeps 禄脿街道 or 文化路社区 whole.
fn learn_places(names: &[String]) {
    let Ok(mut seg) = segmenter().write() else {
        return;
    };
    let (jieba, known) = &mut *seg;
    for n in names {
        if known.insert(n.clone()) {
            jieba.add_word(n, Some(50_000), Some("ns"));
        }
    }
}

/// A text cut into words (already normalised).
pub fn segment(text: &str) -> Vec<String> {
    let Ok(seg) = segmenter().read() else {
        return Vec::new();
    };
    seg.0
        .cut(text, true)
        .into_iter()
        .map(|t| t.word.to_string())
        .collect()
}

/// The text with the names of persons the segmenter recognises (tag `nr`) masked, and resident
/// ID and mobile numbers masked: what a role without need to know is shown.
pub fn mask_names(text: &str) -> String {
    let masked_numbers = rules::mask_numbers(text);
    let Ok(seg) = segmenter().read() else {
        return masked_numbers;
    };
    let mut out = String::with_capacity(masked_numbers.len());
    for t in seg.0.tag(&masked_numbers, true) {
        let n = t.word.chars().count();
        if t.tag == "nr" && (2..=4).contains(&n) {
            out.push_str(&jinguo_domain::mask::name(t.word));
        } else {
            out.push_str(t.word);
        }
    }
    out
}

/// The person names the segmenter finds in a text (two to four characters), for the
/// de-identification of typical cases.
pub fn person_names(text: &str) -> Vec<String> {
    let Ok(seg) = segmenter().read() else {
        return Vec::new();
    };
    let mut out: Vec<String> = Vec::new();
    for t in seg.0.tag(text, true) {
        let n = t.word.chars().count();
        if t.tag == "nr" && (2..=4).contains(&n) && !out.iter().any(|o| o == t.word) {
            out.push(t.word.to_string());
        }
    }
    out
}

/// One item as it arrives, before it is curated.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct Incoming {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub link: String,
    /// Its own id at the source, if it has one.
    #[serde(default)]
    pub guid: Option<String>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// The place it is about, when the reporter says so (a division code).
    #[serde(default)]
    pub place: Option<String>,
}

/// Who brings an item in: a caller, or an actor without an account (a webhook, the worker).
pub(crate) enum By<'a> {
    Caller(&'a Caller),
    Actor(Actor),
}

/// What happened to an incoming item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Its source gave it before: nothing was written.
    Duplicate,
    New {
        item: Uuid,
        topic: Uuid,
        /// The first item of which it is a near-duplicate.
        near_duplicate_of: Option<Uuid>,
        /// How it joined an earlier topic (confirmed), or the topic proposed for it.
        link: Option<TopicLink>,
        new_topic: bool,
    },
}

/// A source as its page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceView {
    pub id: Uuid,
    pub kind: SourceKind,
    pub name: String,
    pub url: String,
    pub state: SourceState,
    pub state_note: String,
    pub failures: i64,
    pub last_ok_at: Option<DateTime<Utc>>,
    pub last_item_at: Option<DateTime<Utc>>,
    pub next_poll_at: Option<DateTime<Utc>>,
    pub poll_minutes: i64,
    pub silent_hours: i64,
}

/// An item as shown: its text masked for a role without need to know.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemView {
    pub id: Uuid,
    pub title: String,
    pub body: String,
    pub link: String,
    pub source: String,
    pub found_at: DateTime<Utc>,
    pub keywords: Vec<String>,
    pub place_words: Vec<String>,
    pub near_duplicate_of: Option<Uuid>,
    pub suggested_topic: Option<Uuid>,
    pub topic: Uuid,
}

/// A clock of a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockView {
    pub kind: String,
    pub due_at: DateTime<Utc>,
    pub done: bool,
    pub overdue: bool,
    pub level: i64,
}

/// A step taken on a topic.
#[derive(Debug, Clone, PartialEq)]
pub struct StepView {
    pub kind: StepKind,
    pub at: DateTime<Utc>,
    pub by: String,
    pub note: String,
}

/// A topic in a list: its first item's title (masked as its reader needs).
#[derive(Debug, Clone, PartialEq)]
pub struct TopicLine {
    pub id: Uuid,
    pub title: String,
    pub place_code: String,
    pub place_name: String,
    pub stage: Stage,
    pub category: String,
    pub category_label: String,
    pub proposed_grade: Option<Grade>,
    pub grade: Option<Grade>,
    pub items: i64,
    pub found_at: DateTime<Utc>,
    pub last_item_at: DateTime<Utc>,
    /// The earliest open clock, if any.
    pub due_at: Option<DateTime<Utc>>,
    pub overdue: bool,
}

/// A topic with its items, proposals, clocks and steps, and what the caller may do.
#[derive(Debug, Clone, PartialEq)]
pub struct TopicView {
    pub line: TopicLine,
    pub version: i64,
    pub items: Vec<ItemView>,
    pub suggestions: Vec<ItemView>,
    pub clocks: Vec<ClockView>,
    pub steps: Vec<StepView>,
    pub response: String,
    pub may_judge: bool,
    pub may_handle: bool,
    pub may_draft: bool,
    pub may_approve: bool,
    pub may_close: bool,
    /// The texts are shown in clear (an opinion officer's need to know).
    pub clear: bool,
    pub categories: Vec<(String, String)>,
}

/// The opinion officer's desk: topics waiting for judgement, clocks running and overdue.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Desk {
    pub to_judge: Vec<TopicLine>,
    pub running: i64,
    pub overdue: i64,
    pub open: Vec<TopicLine>,
}

/// A step on a topic, as asked.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct StepInput {
    pub step: String,
    pub expected_version: i64,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub grade: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub response: String,
    /// For `merge`: the proposed item confirmed as the same event.
    #[serde(default)]
    pub item: Option<Uuid>,
}

/// A keyword rule as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct RuleInput {
    pub name: String,
    #[serde(default)]
    pub subject_words: String,
    #[serde(default)]
    pub event_words: String,
    #[serde(default)]
    pub region_words: String,
    #[serde(default)]
    pub exclude_words: String,
    pub category: String,
    #[serde(default)]
    pub min_grade: String,
}

/// A source as entered.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SourceInput {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub poll_minutes: Option<i64>,
    #[serde(default)]
    pub silent_hours: Option<i64>,
}

fn grade_of(s: &Option<String>) -> Result<Option<Grade>, ServiceError> {
    Ok(match s {
        Some(g) => Some(Grade::stored(g)?),
        None => None,
    })
}

fn rule_of(r: &store::RuleRow) -> Rule {
    Rule {
        name: r.name.clone(),
        subject: rules::words_of(&r.subject_words),
        event: rules::words_of(&r.event_words),
        region: rules::words_of(&r.region_words),
        exclude: rules::words_of(&r.exclude_words),
        category: r.category.clone(),
        min_grade: r.min_grade.as_deref().and_then(|g| Grade::stored(g).ok()),
    }
}

/// The county of a path (`53/5301/530181/…` → `530181`).
fn county_of(path: &str) -> Option<String> {
    jinguo_storage::scope::county_of_path(path).map(str::to_string)
}

impl Services {
    /// The compiled scheme, gazetteer and categories of a county (its defaults written first).
    pub async fn opinion_judge(&self, county: &str) -> Result<Arc<Judge>, ServiceError> {
        if let Some(j) = self.opinion_judges.get(county) {
            return Ok(j);
        }
        let Some(cpath) = county_path(county) else {
            return Err(ServiceError::NotFound);
        };
        let mut categories = store::categories(&self.db, county).await?;
        if categories.is_empty() {
            let defaults: Vec<store::CategoryRow> = rules::DEFAULT_CATEGORIES
                .iter()
                .enumerate()
                .map(|(i, (k, zh, en))| store::CategoryRow {
                    key: (*k).into(),
                    name_zh: (*zh).into(),
                    name_en: (*en).into(),
                    position: i as i64,
                    retired_ms: None,
                })
                .collect();
            let c = county.to_string();
            db_tx!(&self.db, tx => store::ensure_categories(tx, &c, &defaults).await)?;
            categories = store::categories(&self.db, county).await?;
        }
        // A rule naming a retired category still finds its items and proposes its grade, but
        // no longer the category.
        let retired: HashSet<&str> = categories
            .iter()
            .filter(|c| c.retired_ms.is_some())
            .map(|c| c.key.as_str())
            .collect();
        let scheme = Scheme::compile(
            store::rules(&self.db, county)
                .await?
                .iter()
                .map(|r| {
                    let mut rule = rule_of(r);
                    if retired.contains(rule.category.as_str()) {
                        rule.category.clear();
                    }
                    rule
                })
                .collect(),
        );
        let places: Vec<GazetteerPlace> = store::gazetteer(&self.db, &cpath)
            .await?
            .into_iter()
            .map(|(code, name, path, parent)| GazetteerPlace {
                code,
                name,
                path,
                parent,
            })
            .collect();
        let gazetteer = Gazetteer::new(places);
        learn_places(gazetteer.names());
        let j = Arc::new(Judge {
            scheme,
            gazetteer,
            categories,
            built: Instant::now(),
        });
        self.opinion_judges.put(county, j.clone());
        Ok(j)
    }

    /// The source of a kind a county's reports go to (manual, hotline), made when first needed.
    async fn own_source(&self, county: &str, kind: SourceKind) -> Result<SourceRow, ServiceError> {
        if let Some(s) = store::source_of_kind(&self.db, county, kind.key()).await? {
            return Ok(s);
        }
        let row = SourceRow {
            county_code: county.into(),
            id: Uuid::now_v7(),
            kind: kind.key().into(),
            name: kind.label(jinguo_domain::Lang::Zh).into(),
            url: String::new(),
            secret: String::new(),
            poll_minutes: 0,
            silent_hours: 0,
            etag: String::new(),
            last_modified: String::new(),
            state: SourceState::Ok.key().into(),
            state_note: String::new(),
            failures: 0,
            next_poll_ms: None,
            last_poll_ms: None,
            last_ok_ms: None,
            last_item_ms: None,
            created_ms: ms(clock::now()),
            created_by: "system".into(),
        };
        db_tx!(&self.db, tx => store::insert_source(tx, &row).await)?;
        Ok(row)
    }

    /// Curates one incoming item of a source and stores it (see [`Services::ingest_all`]).
    pub(crate) async fn ingest(
        &self,
        source: &SourceRow,
        who: &By<'_>,
        by: &str,
        inc: &Incoming,
        raw: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Ingested, ServiceError> {
        let one = [(inc.clone(), raw.map(str::to_string))];
        let mut r = self.ingest_all(source, who, by, &one, now).await?;
        r.pop().ok_or(ServiceError::Conflict)
    }

    /// Who is told of a topic at `path`: the chair (staff) and the opinion officers of the
    /// place's own level, else of the nearest level above that has any; for grades I–II also
    /// the county's chair.
    pub(crate) async fn opinion_routes(
        &self,
        path: &str,
        grade: Option<Grade>,
    ) -> Result<Chain, ServiceError> {
        let mut accounts: Vec<Uuid> = Vec::new();
        let mut p = path.to_string();
        let county = county_of(path)
            .and_then(|c| county_path(&c))
            .unwrap_or_default();
        loop {
            for role in [Role::Staff, Role::OpinionOfficer] {
                accounts
                    .extend(jinguo_storage::linkage::accounts_at(&self.db, role.key(), &p).await?);
            }
            if !accounts.is_empty() || p.len() <= county.len() {
                break;
            }
            // One level up: drop the last code.
            let trimmed = p.trim_end_matches('/');
            match trimmed.rfind('/') {
                Some(i) => p = trimmed[..=i].to_string(),
                None => break,
            }
        }
        if grade.is_some_and(Grade::is_major) && !county.is_empty() {
            accounts.extend(
                jinguo_storage::linkage::accounts_at(&self.db, Role::Staff.key(), &county).await?,
            );
        }
        accounts.sort();
        accounts.dedup();
        Ok(Chain {
            accounts,
            webhook: None,
            sms: None,
        })
    }

    /// Writes the clocks of a judged topic, from when it was found (or reopened).
    pub(crate) async fn start_clocks(
        &self,
        tx: &mut DbConn<'_>,
        t: &TopicRow,
        grade: Grade,
        from_ms: i64,
    ) -> Result<(), StorageError> {
        for (kind, hours) in self.opinion.limits.clocks(grade) {
            let due = from_ms + hours * 3_600_000;
            jinguo_storage::linkage::insert_deadline(
                tx,
                &DeadlineRow {
                    id: Uuid::now_v7(),
                    county_code: t.county_code.clone(),
                    path: t.path.clone(),
                    kind: kind.into(),
                    subject_id: t.id,
                    case_id: None,
                    department_id: None,
                    due_ms: due,
                    level: 0,
                    next_ms: Some(due),
                    done_ms: None,
                },
                from_ms,
            )
            .await?;
        }
        Ok(())
    }

    /// An item reported by hand (a representative, staff or an opinion officer, from a phone),
    /// or from the hotline's log (`hotline`): about a place within her grants.
    pub async fn report_item(
        &self,
        caller: &Caller,
        hotline: bool,
        input: &Incoming,
    ) -> Result<Ingested, ServiceError> {
        let scope = caller.report_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let mut e = jinguo_domain::ValidationErrors::new();
        if input.title.trim().is_empty() {
            e.push("title", "required");
        } else if input.title.chars().count() > 200 {
            e.push("title", "too_long");
        }
        if input.body.chars().count() > 10_000 {
            e.push("body", "too_long");
        }
        if input.link.chars().count() > 1000 {
            e.push("link", "too_long");
        }
        let code = input.place.as_deref().map(str::trim).unwrap_or_default();
        if code.is_empty() {
            e.push("place", "required");
        }
        e.into_result()?;
        let place = PlaceCode::parse(code).map_err(|_| invalid("place", "invalid"))?;
        let place = self
            .cached()
            .place(place.as_str())
            .await?
            .filter(|p| scope.covers(&p.path))
            .ok_or_else(|| invalid("place", "not_found"))?;
        let county = place.county();
        if county.is_empty() {
            return Err(invalid("place", "invalid"));
        }
        let kind = if hotline {
            SourceKind::Hotline
        } else {
            SourceKind::Manual
        };
        let source = self.own_source(&county, kind).await?;
        let mut inc = input.clone();
        inc.place = Some(place.code.clone());
        // A report by hand is its own item: its id is new each time.
        inc.guid = Some(format!("report:{}", Uuid::now_v7()));
        self.ingest(
            &source,
            &By::Caller(caller),
            &caller.username,
            &inc,
            None,
            clock::now(),
        )
        .await
    }

    /// Items pushed by a monitoring service to the webhook of a source: the body must carry the
    /// source's signature (`sha256=` HMAC of the body under its shared secret). One item or a
    /// list (`{"items": […]}`); the body is kept whole, sealed, apart from the items.
    pub async fn webhook(
        &self,
        source_id: Uuid,
        signature: &str,
        body: &[u8],
        ip: &str,
    ) -> Result<Vec<Ingested>, ServiceError> {
        let source = store::source(&self.db, source_id)
            .await?
            .filter(|s| s.kind == SourceKind::Webhook.key())
            .ok_or(ServiceError::NotFound)?;
        let secret = self.open("opinion_source", "secret", &source.id, &source.secret)?;
        if !jinguo_crypto::token::signature_matches(&secret, body, signature) {
            return Err(ServiceError::Unauthenticated);
        }
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Pushed {
            Many { items: Vec<Incoming> },
            One(Incoming),
        }
        let pushed: Pushed =
            serde_json::from_slice(body).map_err(|_| invalid("body", "invalid"))?;
        let items = match pushed {
            Pushed::Many { items } => items,
            Pushed::One(i) => vec![i],
        };
        let mut e = jinguo_domain::ValidationErrors::new();
        if items.is_empty() || items.len() > 500 {
            e.push("items", "invalid");
        }
        for (i, it) in items.iter().enumerate() {
            if it.title.trim().is_empty() && it.body.trim().is_empty() {
                e.push(format!("items[{i}].title"), "required");
            }
            if it.title.chars().count() > 500 || it.body.chars().count() > 20_000 {
                e.push(format!("items[{i}].body"), "too_long");
            }
        }
        e.into_result()?;
        let raw = String::from_utf8_lossy(body).into_owned();
        let actor = By::Actor(Actor::Anonymous {
            name: "webhook",
            ip: ip.to_string(),
        });
        let items: Vec<(Incoming, Option<String>)> = items
            .into_iter()
            .enumerate()
            .map(|(i, mut it)| {
                // The reporter's place is not taken from outside: the gazetteer decides.
                it.place = None;
                it.title = sanitize(&it.title);
                it.body = sanitize(&it.body);
                (it, (i == 0).then(|| raw.clone()))
            })
            .collect();
        self.ingest_all(&source, &actor, "webhook", &items, clock::now())
            .await
    }

    /// A new source of a county (federation staff of the county): a feed the worker polls, or a
    /// webhook, whose shared secret is returned once.
    pub async fn add_source(
        &self,
        caller: &Caller,
        county: &str,
        input: &SourceInput,
    ) -> Result<(Uuid, Option<String>), ServiceError> {
        let place = self.managed_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(invalid("place", "invalid"));
        }
        let mut e = jinguo_domain::ValidationErrors::new();
        let kind = SourceKind::parse(&input.kind);
        match kind {
            Some(SourceKind::Feed | SourceKind::Webhook) => {}
            _ => e.push("kind", "invalid"),
        }
        let name = input.name.trim();
        if name.is_empty() {
            e.push("name", "required");
        } else if name.chars().count() > 100 {
            e.push("name", "too_long");
        }
        let url = input.url.trim();
        let feed = kind == Some(SourceKind::Feed);
        if feed && !(url.starts_with("http://") || url.starts_with("https://")) {
            e.push("url", "department.url");
        } else if url.chars().count() > 1000 {
            e.push("url", "too_long");
        } else if feed && crate::outbound::refused(url, self.opinion.feed_loopback).await {
            // Checked again at every fetch, on the address connected to.
            e.push("url", "opinion.private_address");
        }
        let poll = input.poll_minutes.unwrap_or(30);
        if !(5..=1440).contains(&poll) {
            e.push("poll_minutes", "invalid");
        }
        let silent = input.silent_hours.unwrap_or(72);
        if !(1..=24 * 30).contains(&silent) {
            e.push("silent_hours", "invalid");
        }
        e.into_result()?;
        let kind = kind.ok_or_else(|| invalid("kind", "invalid"))?;
        let id = Uuid::now_v7();
        let secret = match kind {
            SourceKind::Webhook => Some(
                jinguo_crypto::token::random_token()
                    .map_err(|e| ServiceError::Internal(e.to_string()))?,
            ),
            _ => None,
        };
        let now_ms = ms(clock::now());
        let row = SourceRow {
            county_code: place.code.clone(),
            id,
            kind: kind.key().into(),
            name: name.into(),
            url: url.into(),
            secret: match &secret {
                Some(s) => self.seal("opinion_source", "secret", &id, s)?,
                None => String::new(),
            },
            poll_minutes: poll,
            silent_hours: silent,
            etag: String::new(),
            last_modified: String::new(),
            state: SourceState::Never.key().into(),
            state_note: String::new(),
            failures: 0,
            next_poll_ms: (kind == SourceKind::Feed).then_some(now_ms),
            last_poll_ms: None,
            last_ok_ms: None,
            last_item_ms: None,
            created_ms: now_ms,
            created_by: caller.username.clone(),
        };
        db_tx!(&self.db, tx => {
            store::insert_source(tx, &row).await?;
            record(tx, &self.keys, caller, Record::new("opinion.source")
                .target(format!("opinion_source:{id}")).place(place.path.clone())
                .detail(format!("kind={}", kind.key()))).await
        })?;
        Ok((id, secret))
    }

    /// The sources of a county (federation staff or opinion officers over it).
    pub async fn sources(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<Vec<SourceView>, ServiceError> {
        let place = self.opinion_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(ServiceError::NotFound);
        }
        let mut out = Vec::new();
        for s in store::sources(&self.db, &place.code).await? {
            out.push(SourceView {
                id: s.id,
                kind: SourceKind::stored(&s.kind)?,
                name: s.name,
                url: s.url,
                state: SourceState::stored(&s.state)?,
                state_note: s.state_note,
                failures: s.failures,
                last_ok_at: s.last_ok_ms.map(from_ms),
                last_item_at: s.last_item_ms.map(from_ms),
                next_poll_at: s.next_poll_ms.map(from_ms),
                poll_minutes: s.poll_minutes,
                silent_hours: s.silent_hours,
            });
        }
        Ok(out)
    }

    /// A place within the caller's opinion scope (chair or officer); any other is not found,
    /// and a caller without either role is refused.
    pub(crate) async fn opinion_place(
        &self,
        caller: &Caller,
        code: &str,
    ) -> Result<jinguo_storage::place::Place, ServiceError> {
        let scope = caller.opinion_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let code = PlaceCode::parse(code).map_err(|_| ServiceError::NotFound)?;
        self.cached()
            .place(code.as_str())
            .await?
            .filter(|p| scope.covers_all(&p.path))
            .ok_or(ServiceError::NotFound)
    }

    /// A keyword rule of a county (federation staff of the county).
    pub async fn add_rule(
        &self,
        caller: &Caller,
        county: &str,
        input: &RuleInput,
    ) -> Result<Uuid, ServiceError> {
        let place = self.managed_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(invalid("place", "invalid"));
        }
        let judge = self.opinion_judge(&place.code).await?;
        // Only a category still offered: a retired one or another county's is refused.
        let categories: Vec<String> = judge
            .categories
            .iter()
            .filter(|c| c.retired_ms.is_none())
            .map(|c| c.key.clone())
            .collect();
        let min_grade = match input.min_grade.trim() {
            "" => None,
            g => Some(Grade::parse(g).ok_or_else(|| invalid("min_grade", "invalid"))?),
        };
        let rule = Rule {
            name: input.name.trim().into(),
            subject: rules::words_of(&input.subject_words),
            event: rules::words_of(&input.event_words),
            region: rules::words_of(&input.region_words),
            exclude: rules::words_of(&input.exclude_words),
            category: input.category.trim().into(),
            min_grade,
        };
        rules::validate_rule(&rule, &categories)?;
        let id = Uuid::now_v7();
        let row = store::RuleRow {
            county_code: place.code.clone(),
            id,
            name: rule.name.clone(),
            subject_words: rule.subject.join(" "),
            event_words: rule.event.join(" "),
            region_words: rule.region.join(" "),
            exclude_words: rule.exclude.join(" "),
            category: rule.category.clone(),
            min_grade: min_grade.map(|g| g.key().into()),
            created_ms: ms(clock::now()),
            created_by: caller.username.clone(),
        };
        db_tx!(&self.db, tx => {
            store::insert_rule(tx, &row).await?;
            record(tx, &self.keys, caller, Record::new("opinion.rule")
                .target(format!("opinion_rule:{id}")).place(place.path.clone())).await
        })?;
        self.opinion_judges.forget(&place.code);
        Ok(id)
    }

    /// The keyword rules and categories of a county.
    pub async fn rules(
        &self,
        caller: &Caller,
        county: &str,
    ) -> Result<(Vec<store::RuleRow>, Vec<store::CategoryRow>), ServiceError> {
        let place = self.opinion_place(caller, county).await?;
        if place.code.len() != 6 {
            return Err(ServiceError::NotFound);
        }
        let judge = self.opinion_judge(&place.code).await?;
        Ok((
            store::rules(&self.db, &place.code).await?,
            judge.categories.clone(),
        ))
    }

    pub(crate) async fn topic_line(
        &self,
        t: &TopicRow,
        clear: bool,
        lang: jinguo_domain::Lang,
        now: DateTime<Utc>,
    ) -> Result<TopicLine, ServiceError> {
        let seen = jinguo_storage::linkage::deadlines_of_subject(&self.db, t.id).await?;
        let due = seen
            .iter()
            .filter(|d| d.done_ms.is_none())
            .map(|d| d.due_ms)
            .min();
        let first: Option<(Uuid, String)> =
            jinguo_storage::opinion::first_title(&self.db, &t.county_code, t.id).await?;
        let title = match first {
            Some((id, sealed)) => {
                let plain = self.open("opinion_item", "title", &id, &sealed)?;
                if clear { plain } else { mask_names(&plain) }
            }
            None => String::new(),
        };
        let judge = self.opinion_judge(&t.county_code).await?;
        let category_label = judge
            .categories
            .iter()
            .find(|c| c.key == t.category)
            .map(|c| rules::category_label(&c.key, &c.name_zh, &c.name_en, lang).to_string())
            .unwrap_or_default();
        Ok(TopicLine {
            id: t.id,
            title,
            place_code: t.place_code.clone(),
            place_name: self
                .cached()
                .place(&t.place_code)
                .await?
                .map(|p| p.name)
                .unwrap_or_default(),
            stage: Stage::stored(&t.stage)?,
            category: t.category.clone(),
            category_label,
            proposed_grade: grade_of(&t.proposed_grade)?,
            grade: grade_of(&t.grade)?,
            items: t.items,
            found_at: from_ms(t.found_ms),
            last_item_at: from_ms(t.last_item_ms),
            due_at: due.map(from_ms),
            overdue: due.is_some_and(|d| d < ms(now)),
        })
    }

    /// Whether the caller sees items' texts in clear: an opinion officer's need to know.
    pub(crate) fn opinion_clear(caller: &Caller) -> bool {
        caller.has_role(Role::OpinionOfficer)
    }

    /// The topics below a place (or all of hers), within her opinion scope.
    pub async fn topics(
        &self,
        caller: &Caller,
        place: Option<&str>,
        stage: Option<&str>,
        lang: jinguo_domain::Lang,
    ) -> Result<Vec<TopicLine>, ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let within = match place {
            Some(code) => self.opinion_place(caller, code).await?.subtree(),
            None => Subtree::all(),
        };
        let stage = match stage.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => Some(
                Stage::parse(s)
                    .ok_or_else(|| invalid("stage", "invalid"))?
                    .key(),
            ),
            None => None,
        };
        let now = clock::now();
        let clear = Self::opinion_clear(caller);
        let mut out = Vec::new();
        for t in store::topics(&self.db, &reader, &within, stage, 200).await? {
            out.push(self.topic_line(&t, clear, lang, now).await?);
        }
        Ok(out)
    }

    /// The opinion officer's (or a chair's) desk.
    pub async fn opinion_desk(
        &self,
        caller: &Caller,
        lang: jinguo_domain::Lang,
    ) -> Result<Desk, ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let now = clock::now();
        let clear = Self::opinion_clear(caller);
        let mut desk = Desk::default();
        for t in store::topics(
            &self.db,
            &reader,
            &Subtree::all(),
            Some(Stage::Found.key()),
            50,
        )
        .await?
        {
            desk.to_judge
                .push(self.topic_line(&t, clear, lang, now).await?);
        }
        for stage in [Stage::Judged, Stage::Handled] {
            for t in
                store::topics(&self.db, &reader, &Subtree::all(), Some(stage.key()), 50).await?
            {
                desk.open.push(self.topic_line(&t, clear, lang, now).await?);
            }
        }
        desk.open.sort_by_key(|l| (l.due_at.is_none(), l.due_at));
        let (running, overdue) = store::clock_counts(&self.db, &reader, ms(now)).await?;
        desk.running = running;
        desk.overdue = overdue;
        Ok(desk)
    }

    async fn item_view(&self, i: &ItemRow, clear: bool) -> Result<ItemView, ServiceError> {
        let title = self.open("opinion_item", "title", &i.id, &i.title)?;
        let body = self.open("opinion_item", "body", &i.id, &i.body)?;
        let (title, body) = if clear {
            (title, body)
        } else {
            (mask_names(&title), mask_names(&body))
        };
        let source = store::source(&self.db, i.source_id)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        Ok(ItemView {
            id: i.id,
            title,
            body,
            link: i.link.clone(),
            source,
            found_at: from_ms(i.found_ms),
            keywords: i.keywords.split_whitespace().map(str::to_string).collect(),
            place_words: i
                .place_words
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            near_duplicate_of: i.dup_of,
            suggested_topic: i.suggested_topic,
            topic: i.topic_id,
        })
    }

    /// Whether the caller is a chair of the topic's level or above (federation staff managing
    /// its place): who approves its public response.
    fn chairs(caller: &Caller, t: &TopicRow) -> bool {
        caller.has_role(Role::Staff) && caller.manage_scope().covers_all(&t.path)
    }

    /// A topic with its items, proposals, clocks and steps. Reading the texts in clear is
    /// audited.
    pub async fn topic(
        &self,
        caller: &Caller,
        id: Uuid,
        lang: jinguo_domain::Lang,
    ) -> Result<TopicView, ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let t = store::topic(&self.db, &reader, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let clear = Self::opinion_clear(caller);
        let now = clock::now();
        let line = self.topic_line(&t, clear, lang, now).await?;
        let mut items = Vec::new();
        for i in store::items_of(&self.db, &t).await? {
            items.push(self.item_view(&i, clear).await?);
        }
        let mut suggestions = Vec::new();
        for i in store::suggested_for(&self.db, &t).await? {
            suggestions.push(self.item_view(&i, clear).await?);
        }
        let clocks = jinguo_storage::linkage::deadlines_of_subject(&self.db, t.id)
            .await?
            .into_iter()
            .map(|d| ClockView {
                kind: d.kind,
                due_at: from_ms(d.due_ms),
                done: d.done_ms.is_some(),
                overdue: d.done_ms.is_none() && d.due_ms < ms(now),
                level: d.level,
            })
            .collect();
        let mut steps = Vec::new();
        for s in store::steps(&self.db, &t).await? {
            let note = if s.note.is_empty() {
                String::new()
            } else {
                let n = self.open("opinion_step", "note", &t.id, &s.note)?;
                if clear { n } else { mask_names(&n) }
            };
            steps.push(StepView {
                kind: StepKind::stored(&s.kind)?,
                at: from_ms(s.at_ms),
                by: s.by_account,
                note,
            });
        }
        if clear {
            let entry = Record::new("opinion.read")
                .target(format!("opinion_topic:{id}"))
                .place(t.path.clone());
            self.note_read(caller, entry).await?;
        }
        let stage = line.stage;
        let judge = self.opinion_judge(&t.county_code).await?;
        Ok(TopicView {
            version: t.version,
            items,
            suggestions,
            clocks,
            steps,
            response: t.response.clone(),
            may_judge: matches!(stage, Stage::Found | Stage::Judged),
            may_handle: stage == Stage::Judged,
            may_draft: matches!(stage, Stage::Judged | Stage::Handled),
            may_approve: matches!(stage, Stage::Judged | Stage::Handled)
                && !t.response.is_empty()
                && Self::chairs(caller, &t),
            may_close: matches!(stage, Stage::Handled | Stage::Answered),
            clear,
            // Those offered, and the topic's own if it was retired since.
            categories: judge
                .categories
                .iter()
                .filter(|c| c.retired_ms.is_none() || c.key == t.category)
                .map(|c| {
                    (
                        c.key.clone(),
                        rules::category_label(&c.key, &c.name_zh, &c.name_en, lang).to_string(),
                    )
                })
                .collect(),
            line,
        })
    }

    /// One step on a topic: judge (category and grade; starts its clocks and tells whom its
    /// grade concerns), handle (what was done), draft (the public response), approve (the
    /// level's chair: the response is published, the clocks stop), close, or merge (a proposed
    /// item confirmed as the same event). A stale version writes nothing.
    pub async fn topic_step(
        &self,
        caller: &Caller,
        id: Uuid,
        input: &StepInput,
    ) -> Result<(), ServiceError> {
        let reader = caller.reader();
        if reader.opinion().is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let seen: Seen<TopicRow> = store::topic(&self.db, &reader, id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let step = StepKind::parse(&input.step).ok_or_else(|| invalid("step", "invalid"))?;
        let stage = Stage::stored(&seen.stage)?;
        let mut t = seen.clone().into_inner();
        let now = clock::now();
        let now_ms = ms(now);
        let mut note = input.note.trim().to_string();
        if note.chars().count() > 2000 {
            return Err(invalid("note", "too_long"));
        }
        let mut judged_grade = None;
        let mut merge_item: Option<ItemRow> = None;
        let mut stop_clocks = false;
        match step {
            StepKind::Judge => {
                if !matches!(stage, Stage::Found | Stage::Judged) {
                    return Err(invalid("step", "opinion.stage"));
                }
                let judge = self.opinion_judge(&t.county_code).await?;
                let mut e = jinguo_domain::ValidationErrors::new();
                let category = input.category.trim();
                // A category offered, or the topic's own though retired since.
                let offered = |c: &store::CategoryRow| {
                    c.key == category && (c.retired_ms.is_none() || c.key == t.category)
                };
                if !judge.categories.iter().any(offered) {
                    e.push(
                        "category",
                        if category.is_empty() {
                            "required"
                        } else {
                            "invalid"
                        },
                    );
                }
                let grade = Grade::parse(&input.grade);
                if grade.is_none() {
                    e.push(
                        "grade",
                        if input.grade.trim().is_empty() {
                            "required"
                        } else {
                            "invalid"
                        },
                    );
                }
                e.into_result()?;
                let grade = grade.ok_or_else(|| invalid("grade", "invalid"))?;
                if stage == Stage::Judged && t.grade.as_deref() == Some(grade.key()) {
                    // Judged again with the same grade: only the category may change.
                } else {
                    judged_grade = Some(grade);
                }
                t.category = category.into();
                t.grade = Some(grade.key().into());
                t.stage = Stage::Judged.key().into();
                t.judged_ms = Some(now_ms);
            }
            StepKind::Handle => {
                if stage != Stage::Judged {
                    return Err(invalid("step", "opinion.stage"));
                }
                if note.is_empty() {
                    return Err(invalid("note", "required"));
                }
                t.stage = Stage::Handled.key().into();
            }
            StepKind::Draft => {
                if !matches!(stage, Stage::Judged | Stage::Handled) {
                    return Err(invalid("step", "opinion.stage"));
                }
                t.response = rules::validate_response(&input.response)?;
                t.response_by = caller.username.clone();
            }
            StepKind::Approve => {
                if !matches!(stage, Stage::Judged | Stage::Handled) || t.response.is_empty() {
                    return Err(invalid("step", "opinion.stage"));
                }
                if !Self::chairs(caller, &t) {
                    return Err(invalid("step", "opinion.not_approver"));
                }
                // Checked again: a response written before the check existed is not published.
                rules::validate_response(&t.response)?;
                t.stage = Stage::Answered.key().into();
                t.answered_ms = Some(now_ms);
                stop_clocks = true;
            }
            StepKind::Close => {
                if !matches!(stage, Stage::Handled | Stage::Answered) {
                    return Err(invalid("step", "opinion.stage"));
                }
                t.stage = Stage::Closed.key().into();
                t.closed_ms = Some(now_ms);
                stop_clocks = true;
            }
            StepKind::Merge => {
                let item_id = input.item.ok_or_else(|| invalid("item", "required"))?;
                let item = store::item(&self.db, &reader, item_id)
                    .await?
                    .filter(|i| i.suggested_topic == Some(t.id))
                    .ok_or_else(|| invalid("item", "not_found"))?;
                t.items += 1;
                t.last_item_ms = t.last_item_ms.max(item.found_ms);
                note = String::new();
                merge_item = Some(item.into_inner());
            }
            StepKind::Found | StepKind::Reopen => return Err(invalid("step", "invalid")),
        }
        let sealed_note = if note.is_empty() {
            String::new()
        } else {
            self.seal("opinion_step", "note", &t.id, &note)?
        };
        let routes = match judged_grade {
            Some(g) => Some(self.opinion_routes(&t.path, Some(g)).await?),
            None => None,
        };
        let place_name = self
            .cached()
            .place(&t.place_code)
            .await?
            .map(|p| p.name)
            .unwrap_or_default();
        let entry = Record::new("opinion.step")
            .target(format!("opinion_topic:{}", t.id))
            .place(t.path.clone())
            .detail(format!("step={}", step.key()));
        let county = t.county_code.clone();
        db_tx!(&self.db, tx => {
            if !store::update_topic(tx, &t, input.expected_version).await? {
                return Err(StorageError::Conflict("opinion_topic".into()));
            }
            if let Some(item) = &merge_item {
                store::move_item(tx, &county, item.id, t.id).await?;
                if let Some(mut old) = store::topic_in(tx, &county, item.topic_id).await? {
                    let v = old.version;
                    old.items -= 1;
                    if old.items <= 0 {
                        old.items = 0;
                        old.stage = Stage::Closed.key().into();
                        old.closed_ms = Some(now_ms);
                        jinguo_storage::linkage::complete_deadlines(tx, old.id, None, now_ms).await?;
                        store::add_step(tx, &county, old.id, &StepRow {
                            seq: 0, kind: StepKind::Merge.key().into(), at_ms: now_ms,
                            by_account: caller.username.clone(), note: String::new(),
                        }).await?;
                    }
                    store::update_topic(tx, &old, v).await?;
                }
            }
            if let Some(g) = judged_grade {
                // A new grade: the clocks of the earlier one stop, those of this one run from
                // when the topic was found.
                jinguo_storage::linkage::complete_deadlines(tx, t.id, None, now_ms).await?;
                self.start_clocks(tx, &t, g, t.found_ms).await?;
                if let Some(routes) = &routes {
                    let first = t.found_ms + self.opinion.limits.clocks(g).first().map(|c| c.1).unwrap_or(48) * 3_600_000;
                    let params = format!("{}|{}|{}", place_name, g.key(), clock::local(from_ms(first)));
                    self.tell(tx, routes, "opinion.judged", &params, &format!("/opinion/topics/{}", t.id), 0, now).await?;
                }
            }
            if stop_clocks {
                jinguo_storage::linkage::complete_deadlines(tx, t.id, None, now_ms).await?;
            }
            store::add_step(tx, &county, t.id, &StepRow {
                seq: 0, kind: step.key().into(), at_ms: now_ms,
                by_account: caller.username.clone(), note: sealed_note.clone(),
            }).await?;
            record(tx, &self.keys, caller, entry.clone()).await?;
            Ok::<(), StorageError>(())
        })
        .map_err(crate::error::conflict)?;
        if routes.is_some() {
            self.wake_delivery();
        }
        Ok(())
    }
}

/// Text from outside made plain: tags, scripts and styles removed with what they hold,
/// entities of `<` and `>` kept as text.
pub fn sanitize(s: &str) -> String {
    let lower = s.to_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let bytes = s.as_bytes();
    while i < s.len() {
        if bytes[i] == b'<' {
            // A script or style element goes whole.
            let rest = &lower[i..];
            let mut skipped = false;
            for tag in ["script", "style"] {
                if rest.starts_with(&format!("<{tag}")) {
                    let close = format!("</{tag}");
                    i += match rest.find(&close) {
                        Some(end) => {
                            end + rest[end..]
                                .find('>')
                                .map(|g| g + 1)
                                .unwrap_or(rest.len() - end)
                        }
                        None => rest.len(),
                    };
                    skipped = true;
                    out.push(' ');
                    break;
                }
            }
            if skipped {
                continue;
            }
            match s[i..].find('>') {
                Some(end) => {
                    i += end + 1;
                    out.push(' ');
                }
                None => {
                    out.push('<');
                    i += 1;
                }
            }
            continue;
        }
        let ch = s[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_leave_whole() {
        assert_eq!(
            sanitize("女子<script>alert('x')</script>求助<b>家暴</b>"),
            "女子 求助 家暴"
        );
        assert_eq!(sanitize("<SCRIPT src=x>"), "");
        assert_eq!(sanitize("a < b"), "a < b");
    }
}
