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

    /// SHA-256 over the previous hash and every field, separated by the unit separator.
    pub fn chain_hash(&self, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        let actor_id = self.actor_id.map(|u| u.to_string()).unwrap_or_default();
        let at = Self::normalize_time(self.at)
            .format("%Y-%m-%dT%H:%M:%S%.6fZ")
            .to_string();
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
            h.update(part.as_bytes());
            h.update([0x1f]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
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
