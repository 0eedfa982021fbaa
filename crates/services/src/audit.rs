//! Recording to the audit log, searching it, and verifying its chain.

use crate::{Caller, ServiceError, Services, clock};
use jinguo_domain::account::Role;
use jinguo_domain::audit::{AuditEntry, GENESIS};
use jinguo_storage::audit::{self as store};
pub use jinguo_storage::audit::{AuditQuery, AuditRow};
use jinguo_storage::{Db, DbConn, StorageError, db_tx};
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// Audit entries are kept at least this long (MLPS level 3 asks for six months).
pub const MIN_RETENTION_DAYS: i64 = 180;

/// What one audit entry says, before the chain gives it a number and a hash.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub action: &'a str,
    pub target: String,
    pub place_path: String,
    pub reason: String,
    pub detail: String,
}

impl<'a> Record<'a> {
    pub fn new(action: &'a str) -> Self {
        Record {
            action,
            target: String::new(),
            place_path: String::new(),
            reason: String::new(),
            detail: String::new(),
        }
    }
    pub fn target(mut self, t: impl Into<String>) -> Self {
        self.target = t.into();
        self
    }
    pub fn place(mut self, p: impl Into<String>) -> Self {
        self.place_path = p.into();
        self
    }
    pub fn reason(mut self, r: impl Into<String>) -> Self {
        self.reason = r.into();
        self
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }
}

/// Appends an entry inside the caller's transaction, so the record and the act stand or fall together.
pub async fn record(
    tx: &mut DbConn<'_>,
    caller: &Caller,
    r: Record<'_>,
) -> Result<i64, StorageError> {
    store::append(tx, entry(caller, r)).await
}

/// Who acts without an account: never a caller with powers, only a name on the log.
#[derive(Debug, Clone)]
pub enum Actor {
    /// Someone on a public page or at the login form, known by the address she came from.
    Anonymous {
        /// What the log calls her (`-` for an unknown login, `donor`).
        name: &'static str,
        ip: String,
    },
    /// The server's own worker (escalations, reminders, deliveries).
    Worker,
}

/// Appends an entry of an actor without an account, inside the transaction of what it did.
pub async fn record_as(
    tx: &mut DbConn<'_>,
    actor: &Actor,
    r: Record<'_>,
) -> Result<i64, StorageError> {
    let (name, ip) = match actor {
        Actor::Anonymous { name, ip } => (name.to_string(), ip.clone()),
        Actor::Worker => ("worker".to_string(), "local".to_string()),
    };
    let e = AuditEntry {
        seq: 0,
        at: clock::now(),
        actor_id: None,
        actor: name,
        action: r.action.to_string(),
        target: r.target,
        place_path: r.place_path,
        reason: r.reason,
        detail: r.detail,
        ip,
    };
    store::append(tx, e).await
}

fn entry(caller: &Caller, r: Record<'_>) -> AuditEntry {
    AuditEntry {
        seq: 0,
        at: clock::now(),
        actor_id: caller.account_id,
        actor: caller.username.clone(),
        action: r.action.to_string(),
        target: r.target,
        place_path: r.place_path,
        reason: r.reason,
        detail: r.detail,
        ip: caller.ip.clone(),
    }
}

/// An entry waiting for the writer of reads, and where its number goes once committed (`None`:
/// the batch failed, and the entry is written alone so that its own error is seen).
struct Pending {
    entry: AuditEntry,
    done: oneshot::Sender<Option<i64>>,
}

/// The writer of the records of reads: entries sent at the same moment by concurrent requests are
/// appended in one transaction, and each request goes on only once its entry is committed (a
/// group commit). A read is answered only after it is on the log, as when it is written alone.
#[derive(Debug, Default)]
pub struct ReadLog {
    queue: OnceLock<mpsc::UnboundedSender<Pending>>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pending")
    }
}

/// Appends batches from the queue until every sender is gone.
async fn write_reads(db: Db, mut queue: mpsc::UnboundedReceiver<Pending>) {
    let mut batch = Vec::new();
    while queue.recv_many(&mut batch, store::APPEND_BATCH).await > 0 {
        let entries: Vec<AuditEntry> = batch.iter().map(|p| p.entry.clone()).collect();
        let written =
            async { db_tx!(quiet &db, tx => store::append_many(tx, entries.clone()).await) }.await;
        let seqs = written.ok().filter(|s| s.len() == batch.len());
        for (i, p) in batch.drain(..).enumerate() {
            let _ = p.done.send(seqs.as_ref().and_then(|s| s.get(i).copied()));
        }
    }
}

impl Services {
    /// Records a read (nothing else is written with it): the request waits until the entry is
    /// committed, together with those of other requests of the same moment.
    pub async fn note_read(&self, caller: &Caller, r: Record<'_>) -> Result<i64, ServiceError> {
        let e = entry(caller, r);
        let queue = self.read_log.queue.get_or_init(|| {
            let (send, receive) = mpsc::unbounded_channel();
            tokio::spawn(write_reads(self.db.clone(), receive));
            send
        });
        let (done, answer) = oneshot::channel();
        let pending = Pending {
            entry: e.clone(),
            done,
        };
        if queue.send(pending).is_ok()
            && let Ok(Some(seq)) = answer.await
        {
            return Ok(seq);
        }
        // The batch failed (or its writer is gone): alone, with its own error.
        let db = &self.db;
        Ok(db_tx!(quiet db, tx => store::append(tx, e.clone()).await)?)
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every entry kept is there and unchanged (`entries` were checked).
    Intact { entries: i64 },
    /// The first entry that does not fit the chain (edited, deleted or inserted), and why.
    Broken { seq: i64, why: &'static str },
}

impl Services {
    /// Walks the whole chain from the first entry to the head.
    pub async fn verify_audit(&self) -> Result<Verification, ServiceError> {
        let (pruned, anchor) = store::anchor(&self.db).await?;
        let mut prev = if pruned == 0 {
            GENESIS.to_string()
        } else {
            anchor
        };
        let mut expected = pruned + 1;
        loop {
            let page = store::page(&self.db, expected - 1, 5000).await?;
            if page.is_empty() {
                break;
            }
            for row in &page {
                if row.seq != expected {
                    return Ok(Verification::Broken {
                        seq: expected,
                        why: "missing entry",
                    });
                }
                if row.prev_hash != prev {
                    return Ok(Verification::Broken {
                        seq: row.seq,
                        why: "previous hash does not match",
                    });
                }
                if row.entry().chain_hash(&prev) != row.hash {
                    return Ok(Verification::Broken {
                        seq: row.seq,
                        why: "entry was changed",
                    });
                }
                prev = row.hash.clone();
                expected += 1;
            }
        }
        let (head_seq, head_hash) = store::head(&self.db).await?;
        if head_seq != expected - 1 || head_hash != prev {
            return Ok(Verification::Broken {
                seq: expected,
                why: "entries after the last one were deleted",
            });
        }
        Ok(Verification::Intact {
            entries: expected - 1 - pruned,
        })
    }

    /// Removes entries older than the retention period (at least [`MIN_RETENTION_DAYS`]) from the
    /// start of the chain; the rest still verifies from the new anchor. The removal is recorded.
    pub async fn prune_audit(
        &self,
        caller: &Caller,
        retention_days: i64,
    ) -> Result<u64, ServiceError> {
        if !caller.is_operator() {
            return Err(ServiceError::Forbidden);
        }
        if retention_days < MIN_RETENTION_DAYS {
            let mut v = jinguo_domain::ValidationErrors::new();
            v.push("audit_retention_days", "retention.too_short");
            return Err(v.into());
        }
        let before = clock::now() - chrono::Duration::days(retention_days);
        let db = &self.db;
        let n = jinguo_storage::db_tx!(db, tx => {
            let n = store::prune(tx, before).await?;
            record(tx, caller, Record::new("audit.prune").detail(format!("removed={n} retention_days={retention_days}"))).await?;
            Ok::<u64, jinguo_storage::StorageError>(n)
        })?;
        Ok(n)
    }

    /// The audit administrator's search. Nobody else reads the log.
    pub async fn search_audit(
        &self,
        caller: &Caller,
        q: &AuditQuery,
    ) -> Result<Vec<AuditRow>, ServiceError> {
        if !caller.has_role(Role::AuditAdmin) {
            return Err(ServiceError::Forbidden);
        }
        let scope = caller.audit_scope();
        let rows = store::search(&self.db, &scope, q).await?;
        self.note_read(
            caller,
            Record::new("audit.search").detail(format!("{} rows", rows.len())),
        )
        .await?;
        Ok(rows)
    }
}

/// An account refused again and again lately, for the security administrator.
#[derive(Debug, Clone)]
pub struct RefusalLine {
    pub username: String,
    pub refusals: i64,
    pub last_at: chrono::DateTime<chrono::Utc>,
}

/// Refusals in a day from which an account is shown to the security administrator.
pub const REPEATED_REFUSALS: i64 = 5;

impl Services {
    /// Records a request refused for scope or role (403, or 404 for what is not hers): who, what
    /// (the method and the route, never the ids in the path) and the answer.
    pub async fn note_refusal(
        &self,
        caller: &Caller,
        what: &str,
        status: u16,
    ) -> Result<(), ServiceError> {
        if caller.account_id.is_none() {
            return Ok(());
        }
        self.note_read(
            caller,
            Record::new("access.refused")
                .target(what.chars().take(200).collect::<String>())
                .detail(format!("status={status}")),
        )
        .await?;
        Ok(())
    }

    /// Accounts of her scope refused at least [`REPEATED_REFUSALS`] times in the last 24 hours
    /// (security administrator).
    pub async fn repeated_refusals(
        &self,
        caller: &Caller,
    ) -> Result<Vec<RefusalLine>, ServiceError> {
        let scope = caller.grant_scope();
        if scope.is_empty() {
            return Err(ServiceError::Forbidden);
        }
        let since = clock::now() - chrono::Duration::hours(24);
        let now = clock::now();
        let mut out = Vec::new();
        for r in store::refusals_since(&self.db, since, REPEATED_REFUSALS).await? {
            let Some(account) = jinguo_storage::account::by_id(&self.db, r.actor_id).await? else {
                continue;
            };
            let grants = jinguo_storage::account::grants(&self.db, r.actor_id, now).await?;
            if !crate::accounts::administers(&scope, &account, &grants) {
                continue;
            }
            out.push(RefusalLine {
                username: r.actor,
                refusals: r.refusals,
                last_at: r.last_at,
            });
        }
        Ok(out)
    }
}
