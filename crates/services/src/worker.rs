//! The worker inside the server: a round every `worker_seconds` (and at once when a message was
//! committed) escalates due clocks, polls public-opinion feeds, reminds reviews, frees expired claims and delivers the outbox;
//! every `audit_anchor_seconds` it writes an anchor of the audit chain (see [`crate::anchor`]).
//! Each message is taken with a lease so that no other worker sends it, sent with a timeout, and
//! marked delivered or due again later (30 s, doubling, up to an hour; failed after
//! [`MAX_ATTEMPTS`]). A channel that is down or slow delays no user.

use crate::linkage::ms;
use crate::outbound;
use crate::{Caller, ServiceError, Services, clock};
use chrono::{DateTime, Duration, Utc};
use jinguo_domain::account::Role;
use jinguo_domain::mask;
use jinguo_storage::db_tx;
use jinguo_storage::linkage::{self as store, OutboxRow};

/// Messages taken at most in one delivery round.
const DELIVERY_BATCH: i64 = 50;
/// Attempts at a message before it is given up (and shown as failed).
pub const MAX_ATTEMPTS: i64 = 10;

/// What one round of delivery did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryReport {
    pub delivered: u64,
    pub retried: u64,
    pub failed: u64,
}

impl Services {
    /// The server's worker: escalates due clocks and delivers messages, every
    /// [`LinkagePolicy::worker_every`] and whenever a message was committed. It stops with the
    /// process; what it had not done is found again by the next one.
    pub async fn run_worker(self) {
        let mut anchored: Option<std::time::Instant> = None;
        loop {
            if let Some(sink) = &self.anchors.sink
                && anchored.is_none_or(|t| t.elapsed() >= self.anchors.every)
            {
                anchored = Some(std::time::Instant::now());
                if let Err(e) = self.write_anchor(sink).await {
                    tracing::error!(error = %e, "writing an anchor of the audit chain failed");
                }
            }
            let now = clock::now();
            if let Err(e) = self.escalate(now).await {
                tracing::error!(error = %e, "escalation round failed");
            }
            if let Err(e) = self.deliver(now).await {
                tracing::error!(error = %e, "delivery round failed");
            }
            if let Err(e) = self.expire_claims(now).await {
                tracing::error!(error = %e, "expiring wishes' claims failed");
            }
            if let Err(e) = self.poll_feeds(now).await {
                tracing::error!(error = %e, "polling public-opinion feeds failed");
            }
            if let Err(e) = self.remind_reviews(clock::today(), now).await {
                tracing::error!(error = %e, "review reminders failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.linkage.worker_every) => {}
                _ = self.delivery_signal.notified() => {}
            }
        }
    }

    pub fn wake_delivery(&self) {
        self.delivery_signal.notify_one();
    }

    /// One round of delivery at `now`: each message whose time has come is taken (so no other
    /// worker sends it too), sent, and marked delivered or given another try later (30 s, 1 min,
    /// 2 min … up to an hour; after [`MAX_ATTEMPTS`] it is marked failed).
    pub async fn deliver(&self, now: DateTime<Utc>) -> Result<DeliveryReport, ServiceError> {
        let mut report = DeliveryReport::default();
        let due = store::due_outbox(&self.db, ms(now), DELIVERY_BATCH).await?;
        let timeout = self.linkage.delivery_timeout;
        let client = self.delivery_client();
        for o in due {
            let lease = ms(now) + (timeout.as_millis() as i64) * 2 + 1000;
            let mine =
                db_tx!(quiet &self.db, tx => store::claim(tx, o.id, o.next_ms, lease).await)?;
            if !mine {
                continue;
            }
            let attempts = o.attempts + 1;
            let result = self.send(&client, &o).await;
            let (status, next, error, delivered) = match result {
                Ok(()) => (
                    "delivered",
                    o.next_ms,
                    String::new(),
                    Some(ms(clock::now())),
                ),
                Err(e) if attempts >= MAX_ATTEMPTS => ("failed", o.next_ms, e, None),
                Err(e) => {
                    let factor: i32 = 1 << (attempts - 1).clamp(0, 7);
                    let wait = self.linkage.retry_base * factor;
                    let wait = wait.min(Duration::hours(1));
                    ("pending", ms(now + wait), e, None)
                }
            };
            match status {
                "delivered" => report.delivered += 1,
                "failed" => report.failed += 1,
                _ => report.retried += 1,
            }
            if !error.is_empty() {
                tracing::warn!(channel = %o.channel, attempts, error = %error, "a message was not delivered");
            }
            db_tx!(quiet &self.db, tx => store::settle(tx, o.id, status, next, &error, delivered).await)?;
        }
        Ok(report)
    }

    async fn send(&self, client: &reqwest::Client, o: &OutboxRow) -> Result<(), String> {
        let timeout = self.linkage.delivery_timeout;
        let loopback = self.linkage.delivery_loopback;
        let answered = |r: reqwest::Response| {
            if r.status().is_success() {
                Ok(())
            } else {
                Err(format!("answered {}", r.status().as_u16()))
            }
        };
        match o.channel.as_str() {
            "webhook" => answered(
                outbound::post_json(client, &o.target, o.body.clone(), timeout, loopback).await?,
            ),
            "sms" => match &self.linkage.sms_gateway {
                Some(url) => {
                    let body = serde_json::json!({"to": o.target, "text": o.body}).to_string();
                    answered(outbound::post_json(client, url, body, timeout, loopback).await?)
                }
                None => {
                    tracing::info!(to = %mask::phone(&o.target), text = %o.body, "SMS (log channel)");
                    Ok(())
                }
            },
            other => Err(format!("unknown channel {other}")),
        }
    }

    /// The newest outside messages and their delivery: system administrators and county staff.
    pub async fn outbox(&self, caller: &Caller) -> Result<Vec<OutboxRow>, ServiceError> {
        if !(caller.has_role(Role::SystemAdmin) || caller.has_role(Role::Staff)) {
            return Err(ServiceError::Forbidden);
        }
        let mut rows = store::outbox(&self.db, 200).await?;
        for r in &mut rows {
            // The address of a robot carries its secret; the number is personal enough.
            r.target = match r.channel.as_str() {
                "sms" => mask::phone(&r.target),
                _ => r.target.split('?').next().unwrap_or_default().to_string(),
            };
        }
        Ok(rows)
    }
}
