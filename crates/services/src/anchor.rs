//! Anchors of the audit chains: each chain's head's number and MAC (one line per county's chain),
//! with the time, written somewhere the database cannot reach — an append-only file, standard output for a log collector, or a
//! webhook — by the server's worker on a schedule and by `jinguo audit anchor` on demand.
//! Whoever can rewrite the database can cut the end of the log and set its head back, and the
//! chain that is left still fits together; the anchors written before do not.
//! [`Services::verify_audit_against`] checks the log against them.

use crate::{ServiceError, Services, clock};
use chrono::{DateTime, Utc};
use jinguo_storage::audit as store;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// One anchor: the head of a chain at a moment. A JSON object on one line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Anchor {
    /// The chain: its county, or `""` (anchors written before the chains were per county have
    /// none, and are of that chain).
    #[serde(default)]
    pub county: String,
    /// The head's sequence number.
    pub seq: i64,
    /// The key id of the head's MAC (empty for an unkeyed head).
    pub kid: String,
    /// The head's link (its MAC).
    pub mac: String,
    /// The first entry chained by a MAC, as the database said then.
    pub keyed_from: i64,
    /// When the anchor was taken.
    pub at: DateTime<Utc>,
}

/// Where anchors go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnchorSink {
    /// A file, appended a line at a time (created when missing).
    File(PathBuf),
    /// Standard output, one line, for a log collector.
    Stdout,
    /// An HTTP POST of the JSON object to this address.
    Webhook(String),
}

impl AnchorSink {
    /// `stdout`, `http://…` or `https://…` (a webhook), or a file path (`file:` before it
    /// optional). `None` for an empty text.
    pub fn parse(s: &str) -> Option<AnchorSink> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        Some(if s == "stdout" {
            AnchorSink::Stdout
        } else if s.starts_with("http://") || s.starts_with("https://") {
            AnchorSink::Webhook(s.to_string())
        } else {
            AnchorSink::File(PathBuf::from(s.strip_prefix("file:").unwrap_or(s)))
        })
    }
}

/// When the server's worker writes anchors, and where.
#[derive(Debug, Clone)]
pub struct AnchorPolicy {
    /// Nowhere: no anchors on a schedule.
    pub sink: Option<AnchorSink>,
    /// Time between two anchors.
    pub every: Duration,
}

impl Default for AnchorPolicy {
    fn default() -> Self {
        AnchorPolicy {
            sink: None,
            every: Duration::from_secs(3600),
        }
    }
}

/// The anchors of a file written by [`AnchorSink::File`], in order; a line that is not an
/// anchor is refused, naming its number. Blank lines are skipped.
pub fn read_anchors(path: &Path) -> Result<Vec<Anchor>, ServiceError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ServiceError::Io(std::io::Error::new(
            e.kind(),
            format!("cannot read the anchor file {}: {e}", path.display()),
        ))
    })?;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let a: Anchor = serde_json::from_str(line).map_err(|e| {
            ServiceError::Internal(format!(
                "{} line {}: not an anchor ({e})",
                path.display(),
                i + 1
            ))
        })?;
        out.push(a);
    }
    Ok(out)
}

impl Services {
    /// The anchors of every chain's head now, the chain `""` first.
    pub async fn audit_anchors(&self) -> Result<Vec<Anchor>, ServiceError> {
        let mut out = Vec::new();
        for county in store::chains(&self.db).await? {
            out.push(self.audit_anchor(&county).await?);
        }
        Ok(out)
    }

    /// The anchor of one chain's head now.
    pub async fn audit_anchor(&self, county: &str) -> Result<Anchor, ServiceError> {
        let (seq, mac) = store::head(&self.db, county).await?;
        let kid = match store::get(&self.db, county, seq).await? {
            Some(row) => row.kid,
            None => String::new(),
        };
        Ok(Anchor {
            county: county.to_string(),
            seq,
            kid,
            mac,
            keyed_from: store::keyed_from(&self.db, county).await?,
            at: clock::now(),
        })
    }

    /// Takes the anchors of every chain's head and writes them to `sink`, one line each.
    pub async fn write_anchor(&self, sink: &AnchorSink) -> Result<Vec<Anchor>, ServiceError> {
        let anchors = self.audit_anchors().await?;
        for anchor in &anchors {
            self.write_one_anchor(sink, anchor).await?;
        }
        Ok(anchors)
    }

    async fn write_one_anchor(
        &self,
        sink: &AnchorSink,
        anchor: &Anchor,
    ) -> Result<(), ServiceError> {
        let line = serde_json::to_string(anchor)
            .map_err(|e| ServiceError::Internal(format!("anchor: {e}")))?;
        match sink {
            AnchorSink::Stdout => {
                let mut out = std::io::stdout().lock();
                writeln!(out, "{line}")?;
                out.flush()?;
            }
            AnchorSink::File(path) => {
                let mut f = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                    .map_err(|e| {
                        ServiceError::Io(std::io::Error::new(
                            e.kind(),
                            format!("cannot append to the anchor file {}: {e}", path.display()),
                        ))
                    })?;
                f.write_all(format!("{line}\n").as_bytes())?;
                f.sync_data()?;
            }
            AnchorSink::Webhook(url) => {
                let r = crate::outbound::post_json(
                    &self.delivery_client(),
                    url,
                    line,
                    self.linkage.delivery_timeout,
                    self.linkage.delivery_loopback,
                )
                .await
                .map_err(|e| ServiceError::Internal(format!("anchor webhook: {e}")))?;
                if !r.status().is_success() {
                    return Err(ServiceError::Internal(format!(
                        "anchor webhook answered {}",
                        r.status().as_u16()
                    )));
                }
            }
        }
        Ok(())
    }

    /// The anchors of the configured file, to verify against (none for another sink).
    pub fn configured_anchors(&self) -> Result<Vec<Anchor>, ServiceError> {
        match &self.anchors.sink {
            Some(AnchorSink::File(path)) if path.exists() => read_anchors(path),
            _ => Ok(Vec::new()),
        }
    }
}
