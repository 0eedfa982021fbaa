//! The audit log's entries and the hash chain that makes any edit or deletion evident.

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One entry: who did or saw what, when, from where and why. Never a secret, never a revealed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
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
}

impl AuditEntry {
    /// Times are kept to the microsecond, which both databases store exactly.
    pub fn normalize_time(at: DateTime<Utc>) -> DateTime<Utc> {
        at.trunc_subsecs(6)
    }

    /// The bytes the chain covers: the previous link and every field (the reason as stored, so
    /// sealed when it is sealed), each followed by the unit separator.
    pub fn chain_message(&self, prev_hash: &str) -> Vec<u8> {
        let actor_id = self.actor_id.map(|u| u.to_string()).unwrap_or_default();
        let at = Self::normalize_time(self.at)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
        let mut out = Vec::with_capacity(256);
        for part in [
            prev_hash,
            &self.seq.to_string(),
            &at,
            &actor_id,
            &self.actor,
            &self.action,
            &self.target,
            &self.place_path,
            &self.reason,
            &self.detail,
            &self.ip,
        ] {
            out.extend_from_slice(part.as_bytes());
            out.push(0x1f);
        }
        out
    }

    /// What a keyed link's MAC covers: the key id, then [`AuditEntry::chain_message`].
    pub fn mac_message(&self, kid: &str, prev_hash: &str) -> Vec<u8> {
        let mut out = format!("jinguo-audit-mac\x1f{kid}\x1f").into_bytes();
        out.extend(self.chain_message(prev_hash));
        out
    }

    /// SHA-256 of [`AuditEntry::chain_message`]: the unkeyed link of entries written before the
    /// chain was keyed (kept so that they still verify).
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        Sha256::digest(self.chain_message(prev_hash))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_change_changes_the_hash() {
        let e = AuditEntry {
            seq: 1,
            at: Utc::now(),
            actor_id: None,
            actor: "admin".into(),
            action: "login".into(),
            target: String::new(),
            place_path: String::new(),
            reason: String::new(),
            detail: String::new(),
            ip: "127.0.0.1".into(),
        };
        let h = e.chain_hash(GENESIS);
        assert_eq!(h.len(), 64);
        let mut f = e.clone();
        f.action = "logout".into();
        assert_ne!(f.chain_hash(GENESIS), h);
        assert_ne!(e.chain_hash(&h), h);
        // Sub-microsecond differences do not matter: the databases keep microseconds.
        let mut g = e.clone();
        g.at = e.at.trunc_subsecs(6);
        assert_eq!(g.chain_hash(GENESIS), e.chain_hash(GENESIS));
    }
}
