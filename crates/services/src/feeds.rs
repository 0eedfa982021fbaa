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

/// A fetch refused because the address is not public.
#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("address not public")
    }
}

impl std::error::Error for Refused {}

/// Resolves names to their public addresses only: none left, the fetch is refused.
struct PublicResolver {
    loopback: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let loopback = self.loopback;
        let host = name.as_str().to_string();
        Box::pin(async move {
            let all: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let public: Vec<_> = all
                .into_iter()
                .filter(|a| rules::feed_address_allowed(a.ip(), loopback))
                .collect();
            if public.is_empty() {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(public.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a literal address in a URL is refused (a name is left to the resolver).
fn literal_refused(url: &reqwest::Url, loopback: bool) -> bool {
    if !matches!(url.scheme(), "http" | "https") {
        return true;
    }
    match literal(url) {
        Some(ip) => !rules::feed_address_allowed(ip, loopback),
        None => url.host_str().is_none_or(str::is_empty),
    }
}

/// The address a URL names literally (the URL parser has already read the forms `0x7f.1` and
/// `2130706433` as addresses).
fn literal(url: &reqwest::Url) -> Option<std::net::IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// Whether a feed's address is refused when the source is added: not a web address, a literal
/// address that is not public, or a name that resolves (within a few seconds) to any address
/// that is not public. A name that does not resolve now is accepted: every fetch checks again.
pub(crate) async fn refused(url: &str, loopback: bool) -> bool {
    let Ok(u) = reqwest::Url::parse(url) else {
        return true;
    };
    if literal_refused(&u, loopback) {
        return true;
    }
    if literal(&u).is_some() {
        return false;
    }
    let Some(host) = u.host_str() else {
        return true;
    };
    let port = u.port_or_known_default().unwrap_or(80);
    match tokio::time::timeout(
        std::time::Duration::from_secs(3),
        tokio::net::lookup_host((host, port)),
    )
    .await
    {
        Ok(Ok(mut addrs)) => addrs.any(|a| !rules::feed_address_allowed(a.ip(), loopback)),
        _ => false,
    }
}

/// The client feeds are fetched with: public addresses only, at most five redirects (each
/// checked), no proxy from the environment.
fn feed_client(loopback: bool) -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else if literal_refused(attempt.url(), loopback) {
            attempt.error(Refused)
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .redirect(policy)
        .no_proxy()
        .dns_resolver(std::sync::Arc::new(PublicResolver { loopback }))
        .build()
        .unwrap_or_default()
}

/// Whether an error came from a refusal (the resolver's or a redirect's).
fn is_refused(e: &reqwest::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        if c.is::<Refused>() {
            return true;
        }
        cause = c.source();
    }
    false
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
        if r.remote_addr()
            .is_some_and(|a| !rules::feed_address_allowed(a.ip(), loopback))
        {
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

    /// One round of polling at `now`: every feed whose time has come is fetched and its new
    /// items stored; then the alarms of silent sources.
    pub async fn poll_feeds(&self, now: DateTime<Utc>) -> Result<PollReport, ServiceError> {
        let mut report = PollReport::default();
        let now_ms = ms(now);
        let client = feed_client(self.opinion.feed_loopback);
        for mut s in store::due_feeds(&self.db, now_ms, POLL_BATCH).await? {
            report.polled += 1;
            let before = s.state.clone();
            let newest_before = s.last_item_ms;
            let outcome = match self.fetch_feed(&client, &s).await {
                Ok(None) => Ok(Vec::new()),
                Ok(Some((body, etag, modified))) => match parse_feed(&body) {
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
                    for (inc, raw) in items {
                        match self
                            .ingest(
                                &s,
                                &By::Actor(Actor::Worker),
                                "worker",
                                &inc,
                                Some(&raw),
                                now,
                            )
                            .await?
                        {
                            Ingested::New { .. } => report.items += 1,
                            Ingested::Duplicate => report.duplicates += 1,
                        }
                    }
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

/// A feed's items, each with what is kept of it as it came (its fields as JSON). Not a feed:
/// `not_feed`.
fn parse_feed(body: &[u8]) -> Result<Vec<(Incoming, String)>, Failure> {
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
    let feed = parser.parse(body).map_err(|e| {
        Failure::State(
            SourceState::NotFeed,
            e.to_string().chars().take(200).collect(),
        )
    })?;
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
