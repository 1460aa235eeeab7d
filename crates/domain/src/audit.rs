//! The audit chain's hash rule. Each entry's hash covers its own fields and the previous
//! entry's hash, so altering, removing or reordering any entry breaks every later link.
//!
//! The rule has versions, stored with each entry ([`HashVersion`]): version 1 wrote a missing
//! `before`/`after` as the text `"\0null"`, so `None` and `Some("\0null")` hashed alike;
//! version 2 encodes every field with its type, length and, for optional fields, presence, so
//! that no two different entries encode to the same bytes. An entry keeps the version it was
//! written with; a chain may go from 1 to 2, never back (see [`HashVersion::may_follow`]).
//!
//! The chain proves that entries were not changed *relative to each other*; that it was not cut
//! short, wiped or recomputed as a whole is proved against signed checkpoints of its head kept
//! outside the database ([`checkpoint`]).

pub mod checkpoint;

use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// How an entry's fields were encoded for its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HashVersion {
    /// Length-prefixed text; `None` written as `"\0null"`, an actor id as its decimal text.
    V1,
    /// Typed, length-prefixed fields with a presence tag for optional ones ([`Canonical`]).
    V2,
}

impl HashVersion {
    /// The version every new entry is written with.
    pub const CURRENT: HashVersion = HashVersion::V2;

    /// The version stored in an entry's `hash_version` column; None for a number no version
    /// has (the caller names the entry).
    pub fn from_stored(n: i64) -> Option<HashVersion> {
        match n {
            1 => Some(HashVersion::V1),
            2 => Some(HashVersion::V2),
            _ => None,
        }
    }

    pub fn number(self) -> i64 {
        match self {
            HashVersion::V1 => 1,
            HashVersion::V2 => 2,
        }
    }

    /// Whether an entry of this version may come after one of `previous`: versions only rise,
    /// so nobody can rewrite a recent entry under the older, ambiguous encoding.
    pub fn may_follow(self, previous: HashVersion) -> bool {
        self >= previous
    }
}

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
    /// The entry's SHA-256, hex, under `version`'s encoding.
    pub fn hash(&self, version: HashVersion) -> String {
        match version {
            HashVersion::V1 => self.hash_v1(),
            HashVersion::V2 => hex::encode(Sha256::digest(self.encode_v2())),
        }
    }

    /// Version 1, kept byte for byte so that entries written with it still verify.
    fn hash_v1(&self) -> String {
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

    /// Version 2's bytes: a tag naming the rule, then every field in a fixed order.
    pub fn encode_v2(&self) -> Vec<u8> {
        let mut c = Canonical::new("hazardnet.audit.entry.v2");
        c.int(self.seq);
        c.text(self.at);
        c.opt_int(self.actor_id);
        c.text(self.actor);
        c.text(self.action);
        c.text(self.entity);
        c.text(self.entity_id);
        c.text(self.jurisdiction);
        c.opt_text(self.before);
        c.opt_text(self.after);
        c.text(self.prev_hash);
        c.into_bytes()
    }
}

/// An unambiguous byte encoding of a fixed sequence of typed values: each value starts with a
/// type byte (`n` absent, `i` a 64-bit integer, `s` UTF-8 text), integers are 8 bytes
/// big-endian, text is its byte length as 8 bytes big-endian then the bytes. Read back in the
/// known order, the bytes give exactly one sequence of values, so two different sequences never
/// encode alike (the property the hash and the checkpoint signature rely on).
#[derive(Debug, Clone)]
pub struct Canonical(Vec<u8>);

impl Canonical {
    /// Starts with `domain` (as text), so bytes made for one purpose never verify for another.
    pub fn new(domain: &str) -> Canonical {
        let mut c = Canonical(Vec::with_capacity(256));
        c.text(domain);
        c
    }

    pub fn int(&mut self, value: i64) {
        self.0.push(b'i');
        self.0.extend_from_slice(&value.to_be_bytes());
    }

    pub fn text(&mut self, value: &str) {
        self.0.push(b's');
        self.0
            .extend_from_slice(&(value.len() as u64).to_be_bytes());
        self.0.extend_from_slice(value.as_bytes());
    }

    pub fn opt_int(&mut self, value: Option<i64>) {
        match value {
            Some(v) => self.int(v),
            None => self.0.push(b'n'),
        }
    }

    pub fn opt_text(&mut self, value: Option<&str>) {
        match value {
            Some(v) => self.text(v),
            None => self.0.push(b'n'),
        }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        for version in [HashVersion::V1, HashVersion::V2] {
            let base = entry(Some("{}"), GENESIS_HASH).hash(version);
            assert_eq!(base.len(), 64);
            assert_eq!(base, entry(Some("{}"), GENESIS_HASH).hash(version));
            assert_ne!(base, entry(Some("{ }"), GENESIS_HASH).hash(version));
            assert_ne!(base, entry(None, GENESIS_HASH).hash(version));
            assert_ne!(base, entry(Some("{}"), &base).hash(version));
            let mut moved = entry(Some("{}"), GENESIS_HASH);
            moved.seq = 2;
            assert_ne!(base, moved.hash(version));
        }
    }

    /// Entries written before version 2 must keep verifying: version 1 is pinned to a value
    /// computed independently (SHA-256 over each field as u64-BE length + bytes).
    #[test]
    fn version_1_is_unchanged() {
        assert_eq!(
            entry(Some("{}"), GENESIS_HASH).hash(HashVersion::V1),
            "03f41c2be5533c457a999cf336acd3f9ba616f99643fa6ea61be439bbaea95be"
        );
    }

    /// The defect version 2 removes: a missing value and the text "\0null" were one encoding.
    #[test]
    fn null_and_the_text_nul_null_differ_from_version_2_on() {
        let null = entry(None, GENESIS_HASH);
        let text = entry(Some("\u{0}null"), GENESIS_HASH);
        assert_eq!(null.hash(HashVersion::V1), text.hash(HashVersion::V1));
        assert_ne!(null.hash(HashVersion::V2), text.hash(HashVersion::V2));
        let empty = entry(Some(""), GENESIS_HASH);
        assert_ne!(null.hash(HashVersion::V2), empty.hash(HashVersion::V2));
        assert_ne!(text.hash(HashVersion::V2), empty.hash(HashVersion::V2));
        // The actor id too: absent, and present.
        let mut nobody = entry(None, GENESIS_HASH);
        nobody.actor_id = None;
        let mut zero = entry(None, GENESIS_HASH);
        zero.actor_id = Some(0);
        assert_ne!(nobody.hash(HashVersion::V2), zero.hash(HashVersion::V2));
    }

    #[test]
    fn the_versions_hash_the_same_entry_differently() {
        let e = entry(Some("{}"), GENESIS_HASH);
        assert_ne!(e.hash(HashVersion::V1), e.hash(HashVersion::V2));
    }

    #[test]
    fn versions_only_rise_along_the_chain() {
        use HashVersion::*;
        assert!(V1.may_follow(V1) && V2.may_follow(V1) && V2.may_follow(V2));
        assert!(!V1.may_follow(V2));
        assert_eq!(HashVersion::from_stored(1), Some(V1));
        assert_eq!(HashVersion::from_stored(2), Some(V2));
        assert_eq!(HashVersion::from_stored(0), None);
        assert_eq!(HashVersion::from_stored(3), None);
        assert_eq!(V2.number(), 2);
    }

    fn fields_strategy()
    -> impl Strategy<Value = (i64, Option<i64>, Vec<String>, [Option<String>; 2])> {
        (
            any::<i64>(),
            proptest::option::of(any::<i64>()),
            proptest::collection::vec(".{0,6}", 7),
            [
                proptest::option::of(".{0,6}"),
                proptest::option::of(".{0,6}"),
            ],
        )
    }

    fn fields_of<'a>(
        (seq, actor_id, texts, [before, after]): &'a (
            i64,
            Option<i64>,
            Vec<String>,
            [Option<String>; 2],
        ),
    ) -> AuditFields<'a> {
        AuditFields {
            seq: *seq,
            at: &texts[0],
            actor_id: *actor_id,
            actor: &texts[1],
            action: &texts[2],
            entity: &texts[3],
            entity_id: &texts[4],
            jurisdiction: &texts[5],
            before: before.as_deref(),
            after: after.as_deref(),
            prev_hash: &texts[6],
        }
    }

    proptest! {
        /// Two different entries never encode to the same bytes under version 2 (so the hash
        /// can only collide where SHA-256 does), whatever text the fields hold.
        #[test]
        fn version_2_encodes_different_entries_differently(
            a in fields_strategy(),
            b in fields_strategy(),
        ) {
            let (fa, fb) = (fields_of(&a), fields_of(&b));
            prop_assert_eq!(fa == fb, fa.encode_v2() == fb.encode_v2());
        }

        /// Moving text from one field to its neighbour changes the encoding.
        #[test]
        fn shifting_text_between_fields_changes_the_encoding(s in ".{1,6}") {
            let mut a = entry(Some("{}"), GENESIS_HASH);
            let joined = format!("{}{}", a.actor, s);
            a.actor = &joined;
            let mut b = entry(Some("{}"), GENESIS_HASH);
            let action = format!("{}{}", s, b.action);
            b.action = &action;
            prop_assert_ne!(a.encode_v2(), b.encode_v2());
        }
    }
}
