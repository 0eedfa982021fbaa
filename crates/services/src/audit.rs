//! Recording to the audit log, searching it, and verifying its chain.
//!
//! Each entry is linked to the one before by an HMAC-SHA256 under a key derived from the key
//! file's active data key (its key id is kept with the entry, so entries written under an older
//! key still verify after a rotation); the database never holds the key. A reason is sealed with
//! the field cipher before the MAC is taken, so the MAC covers the sealed value and the chain
//! verifies without opening it.

use crate::sealed::KeyStore;
use crate::{Caller, ServiceError, Services, clock};
use jinguo_crypto::CryptoError;
use jinguo_domain::account::Role;
use jinguo_domain::audit::{AuditEntry, GENESIS};
use jinguo_storage::audit::{self as store, Link};
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

/// Where an entry's sealed reason is bound to: its chain and its number there (the chain `""`
/// keeps the binding of the single chain it was before).
pub fn reason_aad(chain: &str, seq: i64) -> String {
    if chain.is_empty() {
        format!("audit/reason/{seq}")
    } else {
        format!("audit/reason/{chain}/{seq}")
    }
}

fn chain_error(e: CryptoError) -> StorageError {
    StorageError::Chain(e.to_string())
}

impl Link for KeyStore {
    /// Seals the reason under the active key, bound to the entry's number, then takes the MAC
    /// of the entry (sealed reason included) under the audit key of the same key id.
    fn link(&self, e: &mut AuditEntry, prev: &str) -> Result<(String, String), StorageError> {
        let ring = self.get();
        let kid = ring.active_kid().to_string();
        if !e.reason.is_empty() {
            e.reason = ring
                .encrypt(
                    &e.reason,
                    &reason_aad(store::chain_of(&e.place_path), e.seq),
                )
                .map_err(chain_error)?;
        }
        let mac = ring
            .audit_mac(&kid, &e.mac_message(&kid, prev))
            .map_err(chain_error)?;
        Ok((kid, mac))
    }
}

/// Appends an entry inside the caller's transaction, so the record and the act stand or fall together.
pub async fn record(
    tx: &mut DbConn<'_>,
    keys: &KeyStore,
    caller: &Caller,
    r: Record<'_>,
) -> Result<i64, StorageError> {
    store::append(tx, keys, entry(caller, r)).await
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
    keys: &KeyStore,
    actor: &Actor,
    r: Record<'_>,
) -> Result<i64, StorageError> {
    store::append(tx, keys, actor_entry(actor, r)).await
}

/// The entry of an actor without an account (see [`record_as`]), for [`store::append_many`].
pub(crate) fn actor_entry(actor: &Actor, r: Record<'_>) -> AuditEntry {
    let (name, ip) = match actor {
        Actor::Anonymous { name, ip } => (name.to_string(), ip.clone()),
        Actor::Worker => ("worker".to_string(), "local".to_string()),
    };
    AuditEntry {
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
    }
}

/// The entry of a caller (see [`record`]), for [`store::append_many`].
pub(crate) fn entry(caller: &Caller, r: Record<'_>) -> AuditEntry {
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
    /// The first entry of its request (a request may send several at once).
    first: bool,
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

/// The least time between two commits of the writer of reads while reads keep coming, on SQLite.
/// Every commit is a change of the database that makes each SQLite reader drop its whole page
/// cache at its next read (WAL mode keeps no list of the pages that changed), so under load a
/// commit per request or two made every read fetch its index pages again. Only under load: the
/// wait comes after a commit of the entries of more than one request, so the reads of one
/// user one after another, and a read after a quiet moment, are written at once; under load a
/// read waits at most this long for its batch. PostgreSQL's commits drop no reader's cache: there
/// a batch is written as soon as the one before is committed.
const READ_COMMIT_SPACING: std::time::Duration = std::time::Duration::from_millis(4);

/// Appends batches from the queue until every sender is gone.
async fn write_reads(
    db: Db,
    keys: std::sync::Arc<KeyStore>,
    mut queue: mpsc::UnboundedReceiver<Pending>,
) {
    let spaced = db.backend() == jinguo_storage::db::Backend::Sqlite;
    let mut batch = Vec::new();
    // When the last commit of the entries of more than one request was made.
    let mut last: Option<tokio::time::Instant> = None;
    while queue.recv_many(&mut batch, store::APPEND_BATCH).await > 0 {
        if spaced
            && let Some(at) = last
            && batch.len() < store::APPEND_BATCH
            && at.elapsed() < READ_COMMIT_SPACING
        {
            tokio::time::sleep_until(at + READ_COMMIT_SPACING).await;
            while batch.len() < store::APPEND_BATCH {
                match queue.try_recv() {
                    Ok(p) => batch.push(p),
                    Err(_) => break,
                }
            }
        }
        let requests = batch.iter().filter(|p| p.first).count();
        last = (requests > 1).then(tokio::time::Instant::now);
        let entries: Vec<AuditEntry> = batch.iter().map(|p| p.entry.clone()).collect();
        let written = async {
            db_tx!(quiet &db, tx => store::append_many(tx, &*keys, entries.clone()).await)
        }
        .await;
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
        let mut seqs = self.note_reads(vec![entry(caller, r)]).await?;
        seqs.pop()
            .ok_or_else(|| ServiceError::Internal("a read was not recorded".into()))
    }

    /// Records reads made by one request together: they are sent to the writer of reads at once,
    /// so that they share a commit (a page that reads a household and its visits waits for one
    /// commit, not two), and the request goes on once every one is committed. Their numbers, in
    /// order.
    pub(crate) async fn note_reads(
        &self,
        entries: Vec<AuditEntry>,
    ) -> Result<Vec<i64>, ServiceError> {
        let queue = self.read_log.queue.get_or_init(|| {
            let (send, receive) = mpsc::unbounded_channel();
            tokio::spawn(write_reads(self.db.clone(), self.keys.clone(), receive));
            send
        });
        let mut answers = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter().enumerate() {
            let (done, answer) = oneshot::channel();
            let pending = Pending {
                entry: e.clone(),
                done,
                first: i == 0,
            };
            answers.push(queue.send(pending).ok().map(|()| answer));
        }
        let mut seqs = Vec::with_capacity(entries.len());
        for (e, answer) in entries.into_iter().zip(answers) {
            if let Some(answer) = answer
                && let Ok(Some(seq)) = answer.await
            {
                seqs.push(seq);
                continue;
            }
            // The batch failed (or its writer is gone): alone, with its own error.
            let db = &self.db;
            seqs.push(db_tx!(quiet db, tx => store::append(tx, &*self.keys, e.clone()).await)?);
        }
        Ok(seqs)
    }
}

/// The outcome of walking the chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every entry kept is there and unchanged (`entries` were checked, in all chains).
    Intact { entries: i64 },
    /// The first entry that does not fit its chain (edited, deleted or inserted), and why:
    /// the chain's county (`""` for the chain of entries about no county) and its number there.
    Broken {
        county: String,
        seq: i64,
        why: &'static str,
    },
}

/// Names where a chain broke: `entry 5: why`, or for a county's chain `entry 5 of county
/// 530181: why` (an intact log says how many entries were checked).
impl std::fmt::Display for Verification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verification::Intact { entries } => write!(f, "{entries} entries intact"),
            Verification::Broken { county, seq, why } if county.is_empty() => {
                write!(f, "entry {seq}: {why}")
            }
            Verification::Broken { county, seq, why } => {
                write!(f, "entry {seq} of county {county}: {why}")
            }
        }
    }
}

impl Services {
    /// Walks every chain from its first entry to its head (see [`Services::verify_audit_against`]).
    pub async fn verify_audit(&self) -> Result<Verification, ServiceError> {
        self.verify_audit_against(&[]).await
    }

    /// Walks every county's chain (and the chain `""`), each from its first entry kept to its
    /// head (see [`Services::verify_audit_chain`]); the first break found is the answer. An
    /// anchor of a chain that has no head any more is a break too.
    pub async fn verify_audit_against(
        &self,
        anchors: &[crate::anchor::Anchor],
    ) -> Result<Verification, ServiceError> {
        let chains = store::chains(&self.db).await?;
        for a in anchors {
            if !chains.contains(&a.county) {
                return Ok(Verification::Broken {
                    county: a.county.clone(),
                    seq: 1,
                    why: "a chain anchored outside the database has no head: the log was cut",
                });
            }
        }
        let mut entries = 0;
        for chain in &chains {
            let of_chain: Vec<_> = anchors
                .iter()
                .filter(|a| &a.county == chain)
                .cloned()
                .collect();
            match self.verify_audit_chain(chain, &of_chain).await? {
                Verification::Intact { entries: n } => entries += n,
                broken => return Ok(broken),
            }
        }
        Ok(Verification::Intact { entries })
    }

    /// Walks one chain from the first entry kept to the head: each link is the MAC of its entry
    /// under the key it names (or, before keyed chaining started, the entry's hash); each entry of
    /// a county's chain is about a place in that county; a removal from the start must be a
    /// prune the chain itself records; and every anchor of the chain written outside the
    /// database must still be there, unchanged (a chain cut at the end and its head set back fits
    /// together, but not an anchor).
    pub async fn verify_audit_chain(
        &self,
        chain: &str,
        anchors: &[crate::anchor::Anchor],
    ) -> Result<Verification, ServiceError> {
        let broken = |seq, why| {
            Ok(Verification::Broken {
                county: chain.to_string(),
                seq,
                why,
            })
        };
        let (pruned, anchor) = store::anchor(&self.db, chain).await?;
        let keyed_from = store::keyed_from(&self.db, chain).await?;
        let mut ring = self.keys.get();
        let mut prev = if pruned == 0 {
            GENESIS.to_string()
        } else {
            anchor.clone()
        };
        let mut expected = pruned + 1;
        loop {
            let page = store::page(&self.db, chain, expected - 1, 5000).await?;
            if page.is_empty() {
                break;
            }
            for row in &page {
                if row.seq != expected {
                    return broken(expected, "missing entry");
                }
                if row.prev_hash != prev {
                    return broken(row.seq, "previous link does not match");
                }
                if !chain.is_empty() && store::chain_of(&row.place_path) != chain {
                    return broken(row.seq, "entry is about a place outside its chain's county");
                }
                let e = row.entry();
                if row.kid.is_empty() {
                    if row.seq >= keyed_from {
                        return broken(row.seq, "entry has no MAC where the chain is keyed");
                    }
                    if e.chain_hash(&prev) != row.hash {
                        return broken(row.seq, "entry was changed");
                    }
                } else {
                    let message = e.mac_message(&row.kid, &prev);
                    let mut mac = ring.audit_mac(&row.kid, &message);
                    if mac.is_err() && self.keys.reload().unwrap_or(false) {
                        ring = self.keys.get();
                        mac = ring.audit_mac(&row.kid, &message);
                    }
                    match mac {
                        Err(_) => return broken(row.seq, "its key id is not in the key file"),
                        Ok(m) if m != row.hash => {
                            return broken(
                                row.seq,
                                "MAC does not match: the entry was changed, or the chain was recomputed without the key",
                            );
                        }
                        Ok(_) => {}
                    }
                }
                prev = row.hash.clone();
                expected += 1;
            }
        }
        let (head_seq, head_hash) = store::head(&self.db, chain).await?;
        if head_seq != expected - 1 || head_hash != prev {
            return broken(expected, "entries after the last one were deleted");
        }
        if pruned > 0 {
            let recorded = store::last_of(&self.db, chain, "audit.prune").await?;
            let genuine = match &recorded {
                Some(r) if r.seq > pruned => {
                    r.detail.ends_with(&prune_mark(pruned, &anchor))
                        || (pruned < keyed_from && r.kid.is_empty())
                }
                _ => false,
            };
            if !genuine {
                return broken(
                    pruned,
                    "entries were removed from the start of the log without a prune it records",
                );
            }
        }
        for a in anchors {
            if keyed_from > a.keyed_from {
                return broken(
                    keyed_from,
                    "the start of keyed chaining moved since an anchor was written",
                );
            }
            if a.seq <= pruned {
                continue;
            }
            if a.seq > head_seq {
                return broken(
                    head_seq + 1,
                    "entries up to an anchor written outside the database are missing: the end of the log was cut",
                );
            }
            match store::get(&self.db, chain, a.seq).await? {
                Some(row) if row.hash == a.mac && row.kid == a.kid => {}
                _ => {
                    return broken(
                        a.seq,
                        "entry differs from its anchor written outside the database",
                    );
                }
            }
        }
        Ok(Verification::Intact {
            entries: expected - 1 - pruned,
        })
    }

    /// Seals the head of a chain written before keyed chaining under the key: the first keyed
    /// entry's MAC covers the last unkeyed link, so the unkeyed part can no longer be rewritten
    /// unseen. Does nothing once a keyed entry exists (or on an empty log).
    pub async fn seal_audit_head(&self) -> Result<bool, ServiceError> {
        let keyed_from = store::keyed_from(&self.db, "").await?;
        let (head, _) = store::head(&self.db, "").await?;
        if head == 0 || head >= keyed_from {
            return Ok(false);
        }
        let db = &self.db;
        db_tx!(db, tx => record_as(tx, &self.keys, &Actor::Worker, Record::new("audit.keyed")
            .detail(format!("unkeyed entries through {head} sealed under the key"))).await)?;
        Ok(true)
    }

    /// Removes entries older than the retention period (at least [`MIN_RETENTION_DAYS`]) from the
    /// start of every chain; the rest still verifies from the new anchors. Each chain's removal
    /// is recorded in that chain, naming the last entry removed and its link, so that a verifier
    /// tells it from a removal made behind the log's back. Returns how many entries were removed.
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
            let pruned = store::prune(tx, before).await?;
            let mut removed = 0;
            for p in &pruned {
                let mark = if p.through > 0 { prune_mark(p.through, &p.anchor_hash) } else { String::new() };
                record(tx, &self.keys, caller, Record::new("audit.prune").place(p.county_path.clone())
                    .detail(format!("removed={} retention_days={retention_days}{mark}", p.removed))).await?;
                removed += p.removed;
            }
            Ok::<u64, jinguo_storage::StorageError>(removed)
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
        let mut rows = store::search(&self.db, &scope, q).await?;
        for r in &mut rows {
            r.reason = self.open_reason(r);
        }
        self.note_read(
            caller,
            Record::new("audit.search").detail(format!("{} rows", rows.len())),
        )
        .await?;
        Ok(rows)
    }
}

/// How a prune's entry names what it removed: the last entry's number and link.
fn prune_mark(through: i64, anchor: &str) -> String {
    format!(" through={through} anchor={anchor}")
}

impl Services {
    /// The reason of an entry as written: opened when sealed (entries from before reasons were
    /// sealed hold them in clear); a reason that does not open is shown as such, never hidden.
    pub fn open_reason(&self, r: &AuditRow) -> String {
        if r.kid.is_empty() || r.reason.is_empty() {
            return r.reason.clone();
        }
        let aad = reason_aad(&r.county_code, r.seq);
        let ring = self.keys.get();
        match ring.decrypt(&r.reason, &aad) {
            Ok(plain) => plain,
            Err(CryptoError::UnknownKid { .. }) if self.keys.reload().unwrap_or(false) => self
                .keys
                .get()
                .decrypt(&r.reason, &aad)
                .unwrap_or_else(|_| "(sealed: does not open)".into()),
            Err(_) => "(sealed: does not open)".into(),
        }
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
