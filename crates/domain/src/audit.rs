//! The audit chain's hash rule. Each entry's hash covers its own fields and the previous
//! entry's hash, so altering, removing or reordering any entry breaks every later link.

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The fields of one entry that the hash covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditFields<'a> {
    pub seq: i64,
    pub at: &'a str,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub jurisdiction: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
    pub prev_hash: &'a str,
}

impl AuditFields<'_> {
    /// SHA-256 over the fields, each length-prefixed so that no two different entries can
    /// serialise to the same bytes.
    pub fn hash(&self) -> String {
        let mut h = Sha256::new();
        let mut put = |s: &str| {
            h.update((s.len() as u64).to_be_bytes());
            h.update(s.as_bytes());
        };
        put(&self.seq.to_string());
        put(self.at);
        put(&self.actor_id.map(|i| i.to_string()).unwrap_or_default());
        put(self.actor);
        put(self.action);
        put(self.entity);
        put(self.entity_id);
        put(self.jurisdiction);
        put(self.before.unwrap_or("\u{0}null"));
        put(self.after.unwrap_or("\u{0}null"));
        put(self.prev_hash);
        hex::encode(h.finalize())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(after: Option<&'a str>, prev: &'a str) -> AuditFields<'a> {
        AuditFields {
            seq: 1,
            at: "2026-11-23T00:00:00Z",
            actor_id: Some(1),
            actor: "admin",
            action: "enterprise.create",
            entity: "enterprise",
            entity_id: "1",
            jurisdiction: "450202002000",
            before: None,
            after,
            prev_hash: prev,
        }
    }

    #[test]
    fn any_change_changes_the_hash() {
        let base = entry(Some("{}"), GENESIS_HASH).hash();
        assert_eq!(base.len(), 64);
        assert_eq!(base, entry(Some("{}"), GENESIS_HASH).hash());
        assert_ne!(base, entry(Some("{ }"), GENESIS_HASH).hash());
        assert_ne!(base, entry(None, GENESIS_HASH).hash());
        assert_ne!(base, entry(Some("{}"), &base).hash());
        let mut moved = entry(Some("{}"), GENESIS_HASH);
        moved.seq = 2;
        assert_ne!(base, moved.hash());
    }
}
