//! Public-opinion feeds polled by the worker: RSS, Atom and JSON Feed (feed-rs), fetched with
//! the validators of the last answer (ETag, Last-Modified), within a size bound and a time
//! limit, items without an id given a stable one (never random), text made plain; each poll's
//! outcome recorded on the source with a clear state, failures waited out ever longer, and an
//! alarm to the county's chair and officers when a source stays silent past its setting.
//! A feed cannot turn the server against itself or its network: an address that leads to
//! loopback, a private, link-local or metadata address is refused when the source is added and
//! at every fetch — the name resolved by a resolver that gives only public addresses, a literal
//! address and every redirect's checked before it is followed, the address connected to checked
//! again.

use crate::audit::{Actor, Record, record_as};
use crate::linkage::{county_path, ms};
use crate::opinion::{By, Incoming, Ingested, sanitize};
use crate::outbound::{client, connected_refused, is_refused, literal_refused};
use crate::{ServiceError, Services};
use chrono::{DateTime, Utc};
use jinguo_domain::account::Role;
use jinguo_domain::opinion::{self as rules, SourceState};
use jinguo_storage::opinion::{self as store, SourceRow};
use jinguo_storage::{StorageError, db_tx};

/// Feeds polled at most in one round.
const POLL_BATCH: i64 = 20;

/// What one round of polling did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub polled: u64,
    pub failed: u64,
    pub items: u64,
    pub duplicates: u64,
    pub silent: u64,
}

/// Why a fetch gave no feed.
enum Failure {
    State(SourceState, String),
}

fn refusal() -> Failure {
    Failure::State(SourceState::Refused, String::new())
}

impl Services {
    /// Fetches a feed's body within the size bound and time limit; `None`: not modified.
    async fn fetch_feed(
        &self,
        client: &reqwest::Client,
        s: &SourceRow,
    ) -> Result<Option<(Vec<u8>, String, String)>, Failure> {
        let loopback = self.opinion.feed_loopback;
        let url = reqwest::Url::parse(&s.url)
            .map_err(|e| Failure::State(SourceState::HttpError, e.to_string()))?;
        if literal_refused(&url, loopback) {
            return Err(refusal());
        }
        let mut rq = client
            .get(url)
            .timeout(self.opinion.fetch_timeout)
            .header("accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml, text/xml, */*");
        if !s.etag.is_empty() {
            rq = rq.header("if-none-match", &s.etag);
        }
        if !s.last_modified.is_empty() {
            rq = rq.header("if-modified-since", &s.last_modified);
        }
        let timed_out = |e: &reqwest::Error| e.is_timeout();
        let mut r = rq.send().await.map_err(|e| {
            if is_refused(&e) {
                refusal()
            } else if timed_out(&e) {
                Failure::State(SourceState::Timeout, String::new())
            } else {
                Failure::State(SourceState::HttpError, e.without_url().to_string())
            }
        })?;
        // The address connected to, whatever led there.
        if connected_refused(&r, loopback) {
            return Err(refusal());
        }
        if r.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(None);
        }
        if !r.status().is_success() {
            return Err(Failure::State(
                SourceState::HttpError,
                format!("HTTP {}", r.status().as_u16()),
            ));
        }
        let max = self.opinion.max_feed_bytes;
        if r.content_length().is_some_and(|n| n as usize > max) {
            return Err(Failure::State(
                SourceState::TooLarge,
                format!("> {max} bytes"),
            ));
        }
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect::<String>()
        };
        let (etag, modified) = (header("etag"), header("last-modified"));
        let mut body = Vec::new();
        loop {
            match r.chunk().await {
                Ok(Some(c)) => {
                    if body.len() + c.len() > max {
                        return Err(Failure::State(
                            SourceState::TooLarge,
                            format!("> {max} bytes"),
                        ));
                    }
                    body.extend_from_slice(&c);
                }
                Ok(None) => break,
                Err(e) if timed_out(&e) => {
                    return Err(Failure::State(SourceState::Timeout, String::new()));
                }
                Err(e) => {
                    return Err(Failure::State(
                        SourceState::HttpError,
                        e.without_url().to_string(),
                    ));
                }
            }
        }
        Ok(Some((body, etag, modified)))
    }

    /// Stores a feed's items as the worker does after a fetch: in their order, in batches
    /// (see [`Services::ingest_all`]); how many were new and how many the source gave before.
    pub async fn store_feed_items(
        &self,
        source: &SourceRow,
        items: Vec<(Incoming, String)>,
        now: DateTime<Utc>,
    ) -> Result<(u64, u64), ServiceError> {
        let items: Vec<(Incoming, Option<String>)> =
            items.into_iter().map(|(i, raw)| (i, Some(raw))).collect();
        let done = self
            .ingest_all(source, &By::Actor(Actor::Worker), "worker", &items, now)
            .await?;
        let new = done
            .iter()
            .filter(|r| matches!(r, Ingested::New { .. }))
            .count() as u64;
        Ok((new, done.len() as u64 - new))
    }

    /// One round of polling at `now`: every feed whose time has come is fetched and its new
    /// items stored; then the alarms of silent sources.
    pub async fn poll_feeds(&self, now: DateTime<Utc>) -> Result<PollReport, ServiceError> {
        let mut report = PollReport::default();
        let now_ms = ms(now);
        let client = client(self.opinion.feed_loopback, 5);
        for mut s in store::due_feeds(&self.db, now_ms, POLL_BATCH).await? {
            report.polled += 1;
            let before = s.state.clone();
            let newest_before = s.last_item_ms;
            let outcome = match self.fetch_feed(&client, &s).await {
                Ok(None) => Ok(Vec::new()),
                Ok(Some((body, etag, modified))) => match parse_feed(&body)
                    .map_err(|note| Failure::State(SourceState::NotFeed, note))
                {
                    Ok(items) => {
                        s.etag = etag;
                        s.last_modified = modified;
                        Ok(items)
                    }
                    Err(f) => Err(f),
                },
                Err(f) => Err(f),
            };
            match outcome {
                Ok(items) => {
                    let (new, duplicates) = self.store_feed_items(&s, items, now).await?;
                    report.items += new;
                    report.duplicates += duplicates;
                    // Re-read: storing items moved its newest item's time on.
                    if let Some(fresh) = store::source(&self.db, s.id).await? {
                        s.last_item_ms = fresh.last_item_ms;
                    }
                    // Still silent until an item comes: the alarm is given once.
                    let still_silent =
                        before == SourceState::Silent.key() && s.last_item_ms == newest_before;
                    s.state = if still_silent {
                        SourceState::Silent
                    } else {
                        SourceState::Ok
                    }
                    .key()
                    .into();
                    s.state_note = String::new();
                    s.failures = 0;
                    s.last_ok_ms = Some(now_ms);
                    s.next_poll_ms = Some(now_ms + s.poll_minutes * 60_000);
                }
                Err(Failure::State(state, note)) => {
                    report.failed += 1;
                    s.failures += 1;
                    s.state = state.key().into();
                    s.state_note = note.chars().take(200).collect();
                    // Waited out ever longer: the interval doubled per failure, up to a bound.
                    let factor = 1i64 << s.failures.clamp(0, 10);
                    let wait = (s.poll_minutes * factor).min(self.opinion.max_backoff_minutes);
                    s.next_poll_ms = Some(now_ms + wait * 60_000);
                }
            }
            s.last_poll_ms = Some(now_ms);
            let changed = before != s.state;
            let entry = Record::new("opinion.poll")
                .target(format!("opinion_source:{}", s.id))
                .place(county_path(&s.county_code).unwrap_or_default())
                .detail(format!("state={}", s.state));
            db_tx!(&self.db, tx => {
                store::set_poll(tx, &s).await?;
                if changed {
                    record_as(tx, &self.keys, &Actor::Worker, entry.clone()).await?;
                }
                Ok::<(), StorageError>(())
            })?;
        }
        report.silent = self.silent_sources(now).await?;
        Ok(report)
    }

    /// Feeds that work but brought no item for longer than their setting: marked silent, and
    /// the county's chair and opinion officers told once.
    async fn silent_sources(&self, now: DateTime<Utc>) -> Result<u64, ServiceError> {
        let now_ms = ms(now);
        let mut n = 0;
        for s in store::silent_feeds(&self.db, now_ms).await? {
            let Some(path) = county_path(&s.county_code) else {
                continue;
            };
            let mut accounts =
                jinguo_storage::linkage::accounts_at(&self.db, Role::Staff.key(), &path).await?;
            accounts.extend(
                jinguo_storage::linkage::accounts_at(&self.db, Role::OpinionOfficer.key(), &path)
                    .await?,
            );
            let chain = crate::inbox::Chain {
                accounts,
                webhook: None,
                sms: None,
            };
            let mut row = s.clone();
            row.state = SourceState::Silent.key().into();
            row.state_note = String::new();
            let entry = Record::new("opinion.poll")
                .target(format!("opinion_source:{}", s.id))
                .place(path.clone())
                .detail("state=silent");
            let link = format!("/places/{}/opinion-sources", s.county_code);
            db_tx!(&self.db, tx => {
                store::set_poll(tx, &row).await?;
                self.tell(tx, &chain, "opinion.silent", &s.name, &link, 0, now).await?;
                record_as(tx, &self.keys, &Actor::Worker, entry.clone()).await?;
                Ok::<(), StorageError>(())
            })?;
            n += 1;
        }
        if n > 0 {
            self.wake_delivery();
        }
        Ok(n)
    }
}

/// A feed's items, each with what is kept of it as it came (its fields as JSON); not a feed:
/// why.
pub fn parse_feed(body: &[u8]) -> Result<Vec<(Incoming, String)>, String> {
    let parser = feed_rs::parser::Builder::new()
        // An entry without an id: its normalised link and title, never a random one.
        .id_generator(|links, title, _| {
            rules::external_id(
                None,
                links.first().map(|l| l.href.as_str()).unwrap_or_default(),
                title
                    .as_ref()
                    .map(|t| t.content.as_str())
                    .unwrap_or_default(),
            )
        })
        .build();
    let feed = parser
        .parse(body)
        .map_err(|e| e.to_string().chars().take(200).collect::<String>())?;
    let mut out = Vec::new();
    for e in feed.entries.into_iter().take(1000) {
        let title = e.title.map(|t| t.content).unwrap_or_default();
        let body = e
            .content
            .and_then(|c| c.body)
            .or_else(|| e.summary.map(|s| s.content))
            .unwrap_or_default();
        let link = e.links.first().map(|l| l.href.clone()).unwrap_or_default();
        let raw = serde_json::json!({"id": e.id, "title": title, "link": link, "body": body,
            "published": e.published.or(e.updated)})
        .to_string();
        let inc = Incoming {
            title: sanitize(&title).chars().take(500).collect(),
            body: sanitize(&body).chars().take(20_000).collect(),
            link: if link.starts_with("http://") || link.starts_with("https://") {
                link
            } else {
                String::new()
            },
            guid: Some(e.id),
            published_at: e.published.or(e.updated),
            place: None,
        };
        if inc.title.is_empty() && inc.body.is_empty() {
            continue;
        }
        out.push((inc, raw));
    }
    Ok(out)
}
