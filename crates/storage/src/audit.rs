//! The audit log: appended inside the transaction of what it records, chained by a MAC (computed
//! by the caller, who holds the key; see [`append_many`]), never updated or deleted (triggers
//! refuse it on both backends).
//!
//! There is one chain per county ([`chain_of`]): an entry about a place in a county is numbered
//! and linked in that county's chain, any other in the chain `""`. Each chain has its own head
//! row, so that the writes of two counties never meet on it.

use crate::{Db, DbConn, Scope, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use jinguo_domain::audit::{AuditEntry, GENESIS};
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// The chain: the county of the entry's place, or `""`.
    pub county_code: String,
    /// The number in its chain.
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub place_path: String,
    pub reason: String,
    pub detail: String,
    pub ip: String,
    pub prev_hash: String,
    /// The link: the MAC under key `kid`, or for entries from before keyed chaining (`kid`
    /// empty) the SHA-256 of the entry.
    pub hash: String,
    /// The key id of the MAC; empty for an unkeyed entry.
    pub kid: String,
}

impl AuditRow {
    pub fn entry(&self) -> AuditEntry {
        AuditEntry {
            seq: self.seq,
            at: self.at,
            actor_id: self.actor_id,
            actor: self.actor.clone(),
            action: self.action.clone(),
            target: self.target.clone(),
            place_path: self.place_path.clone(),
            reason: self.reason.clone(),
            detail: self.detail.clone(),
            ip: self.ip.clone(),
        }
    }
}

macro_rules! audit_cols {
    () => {
        "county_code, seq, at, actor_id, actor, action, target, place_path, reason, detail, ip, prev_hash, hash, kid"
    };
}

/// The chain an entry about `place_path` belongs to: the county of the place, or `""` for an
/// entry about no place or a place above the counties.
pub fn chain_of(place_path: &str) -> &str {
    crate::scope::county_of_path(place_path).unwrap_or("")
}

/// Links an entry to the chain once its number is known: may seal fields of the entry in place
/// (its reason), then returns the key id and the MAC over the entry and the previous link
/// ([`AuditEntry::mac_message`]). The key never reaches this crate.
pub trait Link: Send + Sync {
    fn link(&self, e: &mut AuditEntry, prev: &str) -> Result<(String, String), StorageError>;
}

/// Appends one entry (its `seq` is assigned here, in its county's chain). Taking the chain's head
/// row's lock serialises the appends to that chain, so it has no forks even with concurrent
/// writers on PostgreSQL; the chains of other counties are not touched.
pub async fn append(
    tx: &mut DbConn<'_>,
    link: &dyn Link,
    e: AuditEntry,
) -> Result<i64, StorageError> {
    let seqs = append_many(tx, link, vec![e]).await?;
    seqs.first()
        .copied()
        .ok_or(StorageError::Conflict("audit".into()))
}

/// Entries appended at most in one statement (13 values each, within both backends' limits).
pub const APPEND_BATCH: usize = 256;

/// Appends entries in their order, each numbered and linked in its county's chain, with one move
/// of each chain's head (in the order of the counties, so that two writers never wait for each
/// other in a cycle) and one insert per [`APPEND_BATCH`] entries; returns their numbers.
pub async fn append_many(
    tx: &mut DbConn<'_>,
    link: &dyn Link,
    mut entries: Vec<AuditEntry>,
) -> Result<Vec<i64>, StorageError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let mut chains: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for (i, e) in entries.iter().enumerate() {
        chains
            .entry(chain_of(&e.place_path).to_string())
            .or_default()
            .push(i);
    }
    let mut links = vec![(String::new(), String::new(), String::new()); entries.len()];
    for (chain, at) in &chains {
        let k = at.len() as i64;
        // A chain's head row is made by its first entry.
        let (last, mut prev): (i64, String) = conn_run!(tx, c => sqlx::query_as(
            "INSERT INTO audit_head (county_code, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (county_code) DO UPDATE SET seq = audit_head.seq + $2 RETURNING seq, hash")
            .bind(chain).bind(k).bind(GENESIS).fetch_one(&mut *c).await)?;
        for (&i, seq) in at.iter().zip(last - k + 1..) {
            let e = &mut entries[i];
            e.seq = seq;
            e.at = AuditEntry::normalize_time(e.at);
            let (kid, mac) = link.link(e, &prev)?;
            links[i] = (std::mem::replace(&mut prev, mac.clone()), mac, kid);
        }
        // Also by its key through the conflict: under serializable isolation a scan of the
        // small head table would take a predicate lock on all of it, and so on every county's.
        conn_run!(tx, c => sqlx::query(
            "INSERT INTO audit_head (county_code, seq, hash) VALUES ($1, 0, $2) \
             ON CONFLICT (county_code) DO UPDATE SET hash = excluded.hash")
            .bind(chain).bind(&prev).execute(&mut *c).await.map(|_| ()))?;
    }
    for (chunk, hashes) in entries.chunks(APPEND_BATCH).zip(links.chunks(APPEND_BATCH)) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(concat!("INSERT INTO audit (", audit_cols!(), ") "));
            q.push_values(chunk.iter().zip(hashes), |mut b, (e, (prev, hash, kid))| {
                b.push_bind(chain_of(&e.place_path))
                    .push_bind(e.seq)
                    .push_bind(e.at)
                    .push_bind(e.actor_id)
                    .push_bind(&e.actor)
                    .push_bind(&e.action)
                    .push_bind(&e.target)
                    .push_bind(&e.place_path)
                    .push_bind(&e.reason)
                    .push_bind(&e.detail)
                    .push_bind(&e.ip)
                    .push_bind(prev)
                    .push_bind(hash)
                    .push_bind(kid);
            });
            q.build().execute(&mut *c).await.map(|_| ())
        })?;
    }
    Ok(entries.iter().map(|e| e.seq).collect())
}

/// The chains that have a head, in order (`""` first when it has one).
pub async fn chains(db: &Db) -> Result<Vec<String>, StorageError> {
    let rows: Vec<(String,)> = db_run!(db, p => sqlx::query_as(
        "SELECT county_code FROM audit_head ORDER BY county_code").fetch_all(p).await)?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Entries of a chain from `after_seq` on, in order, at most `limit`.
pub async fn page(
    db: &Db,
    chain: &str,
    after_seq: i64,
    limit: i64,
) -> Result<Vec<AuditRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit WHERE county_code = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    );
    Ok(
        db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(chain).bind(after_seq).bind(limit).fetch_all(p).await)?,
    )
}

/// The head of a chain: last sequence number and hash (0 and the genesis for a chain not yet
/// started).
pub async fn head(db: &Db, chain: &str) -> Result<(i64, String), StorageError> {
    let row: Option<(i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT seq, hash FROM audit_head WHERE county_code = $1").bind(chain).fetch_optional(p).await)?;
    Ok(row.unwrap_or_else(|| (0, GENESIS.to_string())))
}

/// A search for the audit administrator: newest first.
#[derive(Debug, Default, Clone)]
pub struct AuditQuery {
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Any of these actions (a search by name gives several); `Some(empty)` finds nothing.
    pub actions: Option<Vec<String>>,
    /// Entries about this place or below it (its materialized path).
    pub place_path: Option<String>,
    pub target: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// Entries about a place within `scope`, or about no place (sign-ins, accounts), newest first.
pub async fn search(db: &Db, scope: &Scope, q: &AuditQuery) -> Result<Vec<AuditRow>, StorageError> {
    if scope.is_empty() {
        return Ok(Vec::new());
    }
    Ok(db_run!(db, p => {
        let mut b = QueryBuilder::new(concat!("SELECT ", audit_cols!(), " FROM audit WHERE (place_path = ''"));
        if scope.has_subtrees() {
            b.push(" OR (1 = 1");
            scope.push_filter(&mut b, "place_path");
            b.push(")");
        }
        b.push(")");
        if let Some(a) = &q.actor {
            b.push(" AND actor = ").push_bind(a.clone());
        }
        if let Some(a) = &q.action {
            b.push(" AND action = ").push_bind(a.clone());
        }
        if let Some(actions) = &q.actions {
            if actions.is_empty() {
                b.push(" AND 1 = 0");
            } else {
                b.push(" AND action IN (");
                let mut list = b.separated(", ");
                for a in actions {
                    list.push_bind(a.clone());
                }
                b.push(")");
            }
        }
        if let Some(path) = &q.place_path {
            b.push(" AND place_path LIKE ").push_bind(format!("{path}%"));
        }
        if let Some(t) = &q.target {
            b.push(" AND target = ").push_bind(t.clone());
        }
        if let Some(f) = q.from {
            b.push(" AND at >= ").push_bind(f);
        }
        if let Some(t) = q.to {
            b.push(" AND at < ").push_bind(t);
        }
        b.push(" ORDER BY at DESC, seq DESC LIMIT ").push_bind(q.limit.clamp(1, 1000));
        b.build_query_as::<AuditRow>().fetch_all(p).await
    })?)
}

/// How many entries of an action an actor made since a time (rate limits).
pub async fn count_since(
    db: &Db,
    actor_id: Uuid,
    action: &str,
    since: DateTime<Utc>,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM audit WHERE actor_id = $1 AND action = $2 AND at >= $3")
        .bind(actor_id).bind(action).bind(since).fetch_one(p).await)?;
    Ok(n)
}

/// How many entries of `action` came from an address since a moment (for callers without an
/// account: a donor claiming wishes).
pub async fn count_from_ip_since(
    db: &Db,
    ip: &str,
    action: &str,
    since: DateTime<Utc>,
) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as(
        "SELECT count(*) FROM audit WHERE at >= $3 AND action = $2 AND ip = $1")
        .bind(ip).bind(action).bind(since).fetch_one(p).await)?;
    Ok(n)
}

/// Where verification of a chain starts: the last removed entry's number and hash.
pub async fn anchor(db: &Db, chain: &str) -> Result<(i64, String), StorageError> {
    let row: Option<(i64, String)> = db_run!(db, p => sqlx::query_as(
        "SELECT pruned_through, anchor_hash FROM audit_head WHERE county_code = $1")
        .bind(chain).fetch_optional(p).await)?;
    Ok(row.unwrap_or_else(|| (0, GENESIS.to_string())))
}

/// The first entry of a chain linked by a MAC: those before it were written by a version that
/// chained by an unkeyed hash (only ever in the chain `""`).
pub async fn keyed_from(db: &Db, chain: &str) -> Result<i64, StorageError> {
    let row: Option<(i64,)> = db_run!(db, p => sqlx::query_as(
        "SELECT keyed_from FROM audit_head WHERE county_code = $1").bind(chain).fetch_optional(p).await)?;
    Ok(row.map(|r| r.0).unwrap_or(1))
}

/// One entry of a chain by its number.
pub async fn get(db: &Db, chain: &str, seq: i64) -> Result<Option<AuditRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit WHERE county_code = $1 AND seq = $2"
    );
    Ok(
        db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(chain).bind(seq).fetch_optional(p).await)?,
    )
}

/// The newest entry of an action in a chain.
pub async fn last_of(db: &Db, chain: &str, action: &str) -> Result<Option<AuditRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit WHERE county_code = $1 AND action = $2 ORDER BY seq DESC LIMIT 1"
    );
    Ok(
        db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(chain).bind(action).fetch_optional(p).await)?,
    )
}

/// What a prune removed from one chain: how many entries, the number and link of the last one,
/// and the path of its county (`""` for the chain `""`), where the prune's own entry goes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub chain: String,
    pub removed: u64,
    pub through: i64,
    pub anchor_hash: String,
    pub county_path: String,
}

/// Removes the entries before `before` from the start of every chain, moving each chain's
/// anchor. Returns what was removed from each chain that had anything to remove, and always for
/// the chain `""` (with nothing removed: the mark of its earlier prune).
pub async fn prune(
    tx: &mut DbConn<'_>,
    before: DateTime<Utc>,
) -> Result<Vec<Pruned>, StorageError> {
    let chains: Vec<(String,)> = conn_run!(tx, c => sqlx::query_as(
        "SELECT county_code FROM audit_head ORDER BY county_code").fetch_all(&mut *c).await)?;
    let mut out = Vec::new();
    for (chain,) in chains {
        let last: Option<(i64, String, String)> = conn_run!(tx, c => sqlx::query_as(
            "SELECT seq, hash, place_path FROM audit WHERE county_code = $1 AND at < $2 \
             ORDER BY seq DESC LIMIT 1")
            .bind(&chain).bind(before).fetch_optional(&mut *c).await)?;
        let Some((seq, hash, path)) = last else {
            if chain.is_empty() {
                let (through, anchor_hash): (i64, String) = conn_run!(tx, c => sqlx::query_as(
                    "SELECT pruned_through, anchor_hash FROM audit_head WHERE county_code = ''")
                    .fetch_one(&mut *c).await)?;
                out.push(Pruned {
                    through,
                    anchor_hash,
                    ..Pruned::default()
                });
            }
            continue;
        };
        conn_run!(tx, c => sqlx::query(
            "UPDATE audit_head SET pruned_through = $1, anchor_hash = $2 WHERE county_code = $3")
            .bind(seq).bind(&hash).bind(&chain).execute(&mut *c).await.map(|_| ()))?;
        let removed = conn_run!(tx, c => sqlx::query(
            "DELETE FROM audit WHERE county_code = $1 AND seq <= $2")
            .bind(&chain).bind(seq).execute(&mut *c).await.map(|r| r.rows_affected()))?;
        let county_path = if chain.is_empty() {
            String::new()
        } else {
            path.split('/').take(3).map(|s| format!("{s}/")).collect()
        };
        out.push(Pruned {
            chain,
            removed,
            through: seq,
            anchor_hash: hash,
            county_path,
        });
    }
    Ok(out)
}

/// An account refused again and again.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RefusedAccount {
    /// The account.
    pub actor_id: Uuid,
    /// Its name as the audit log holds it.
    pub actor: String,
    /// How many times it was refused.
    pub refusals: i64,
    /// When it was last refused.
    pub last_at: DateTime<Utc>,
}

/// Accounts refused at least `min` times since a moment.
pub async fn refusals_since(
    db: &Db,
    since: DateTime<Utc>,
    min: i64,
) -> Result<Vec<RefusedAccount>, StorageError> {
    Ok(db_run!(db, p => sqlx::query_as(
        "SELECT actor_id, MIN(actor) AS actor, count(*) AS refusals, MAX(at) AS last_at FROM audit \
         WHERE action = 'access.refused' AND at >= $1 AND actor_id IS NOT NULL \
         GROUP BY actor_id HAVING count(*) >= $2 ORDER BY count(*) DESC LIMIT 200")
        .bind(since).bind(min).fetch_all(p).await)?)
}
