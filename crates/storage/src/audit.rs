//! The audit log: appended inside the transaction of what it records, chained by a MAC (computed
//! by the caller, who holds the key; see [`append_many`]), never updated or deleted (triggers
//! refuse it on both backends).

use crate::{Db, DbConn, Scope, StorageError, conn_run, db_run};
use chrono::{DateTime, Utc};
use jinguo_domain::audit::AuditEntry;
use sqlx::QueryBuilder;
use uuid::Uuid;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
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
        "seq, at, actor_id, actor, action, target, place_path, reason, detail, ip, prev_hash, hash, kid"
    };
}

/// Links an entry to the chain once its number is known: may seal fields of the entry in place
/// (its reason), then returns the key id and the MAC over the entry and the previous link
/// ([`AuditEntry::mac_message`]). The key never reaches this crate.
pub trait Link: Send + Sync {
    fn link(&self, e: &mut AuditEntry, prev: &str) -> Result<(String, String), StorageError>;
}

/// Appends one entry (its `seq` is assigned here). Taking the head row's lock serialises appends,
/// so the chain has no forks even with concurrent writers on PostgreSQL.
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

/// Appends entries in their order, numbered and chained here, with one move of the head and one
/// insert per [`APPEND_BATCH`] entries; returns their numbers.
pub async fn append_many(
    tx: &mut DbConn<'_>,
    link: &dyn Link,
    mut entries: Vec<AuditEntry>,
) -> Result<Vec<i64>, StorageError> {
    if entries.is_empty() {
        return Ok(Vec::new());
    }
    let k = entries.len() as i64;
    let (last, mut prev): (i64, String) = conn_run!(tx, c => sqlx::query_as(
        "UPDATE audit_head SET seq = seq + $1 WHERE id = 1 RETURNING seq, hash")
        .bind(k).fetch_one(&mut *c).await)?;
    let mut rows = Vec::with_capacity(entries.len());
    for (e, seq) in entries.iter_mut().zip(last - k + 1..) {
        e.seq = seq;
        e.at = AuditEntry::normalize_time(e.at);
        let (kid, mac) = link.link(e, &prev)?;
        rows.push((std::mem::replace(&mut prev, mac.clone()), mac, kid));
    }
    for (chunk, hashes) in entries.chunks(APPEND_BATCH).zip(rows.chunks(APPEND_BATCH)) {
        conn_run!(tx, c => {
            let mut q = QueryBuilder::new(concat!("INSERT INTO audit (", audit_cols!(), ") "));
            q.push_values(chunk.iter().zip(hashes), |mut b, (e, (prev, hash, kid))| {
                b.push_bind(e.seq)
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
    conn_run!(tx, c => sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
        .bind(&prev).execute(&mut *c).await.map(|_| ()))?;
    Ok(entries.iter().map(|e| e.seq).collect())
}

/// Entries from `after_seq` on, in order, at most `limit`.
pub async fn page(db: &Db, after_seq: i64, limit: i64) -> Result<Vec<AuditRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit WHERE seq > $1 ORDER BY seq LIMIT $2"
    );
    Ok(
        db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(after_seq).bind(limit).fetch_all(p).await)?,
    )
}

/// The head of the chain: last sequence number and hash.
pub async fn head(db: &Db) -> Result<(i64, String), StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await)?,
    )
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
        b.push(" ORDER BY seq DESC LIMIT ").push_bind(q.limit.clamp(1, 1000));
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

/// Where verification starts: the last removed entry's number and hash.
pub async fn anchor(db: &Db) -> Result<(i64, String), StorageError> {
    Ok(
        db_run!(db, p => sqlx::query_as("SELECT pruned_through, anchor_hash FROM audit_head WHERE id = 1").fetch_one(p).await)?,
    )
}

/// The first entry chained by a MAC: those before it were written by a version that chained
/// by an unkeyed hash.
pub async fn keyed_from(db: &Db) -> Result<i64, StorageError> {
    let (n,): (i64,) = db_run!(db, p => sqlx::query_as("SELECT keyed_from FROM audit_head WHERE id = 1").fetch_one(p).await)?;
    Ok(n)
}

/// One entry by its number.
pub async fn get(db: &Db, seq: i64) -> Result<Option<AuditRow>, StorageError> {
    let sql = concat!("SELECT ", audit_cols!(), " FROM audit WHERE seq = $1");
    Ok(db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(seq).fetch_optional(p).await)?)
}

/// The newest entry of an action.
pub async fn last_of(db: &Db, action: &str) -> Result<Option<AuditRow>, StorageError> {
    let sql = concat!(
        "SELECT ",
        audit_cols!(),
        " FROM audit WHERE action = $1 ORDER BY seq DESC LIMIT 1"
    );
    Ok(db_run!(db, p => sqlx::query_as::<_, AuditRow>(sql).bind(action).fetch_optional(p).await)?)
}

/// What a prune removed: how many entries, and the number and link of the last one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub removed: u64,
    pub through: i64,
    pub anchor_hash: String,
}

/// Removes the entries before `before` from the start of the chain, moving the anchor.
/// Returns what was removed (nothing: `removed` is 0, and the earlier prune's mark).
pub async fn prune(tx: &mut DbConn<'_>, before: DateTime<Utc>) -> Result<Pruned, StorageError> {
    let last: Option<(i64, String)> = conn_run!(tx, c => sqlx::query_as(
        "SELECT seq, hash FROM audit WHERE at < $1 ORDER BY seq DESC LIMIT 1")
        .bind(before).fetch_optional(&mut *c).await)?;
    let Some((seq, hash)) = last else {
        let (through, anchor_hash): (i64, String) = conn_run!(tx, c => sqlx::query_as(
            "SELECT pruned_through, anchor_hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *c).await)?;
        return Ok(Pruned {
            removed: 0,
            through,
            anchor_hash,
        });
    };
    conn_run!(tx, c => sqlx::query("UPDATE audit_head SET pruned_through = $1, anchor_hash = $2 WHERE id = 1")
        .bind(seq).bind(&hash).execute(&mut *c).await.map(|_| ()))?;
    let removed = conn_run!(tx, c => sqlx::query("DELETE FROM audit WHERE seq <= $1")
        .bind(seq).execute(&mut *c).await.map(|r| r.rows_affected()))?;
    Ok(Pruned {
        removed,
        through: seq,
        anchor_hash: hash,
    })
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
