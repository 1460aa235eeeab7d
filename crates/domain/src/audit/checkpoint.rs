//! Signed checkpoints of the audit chain's head (DESIGN.md: "chain heads are periodically
//! signed … and exported, so truncation or a full recompute is caught").
//!
//! Someone who can write to the database can rewrite the whole chain consistently: the chain
//! alone proves nothing about its own length or history. A checkpoint says "at `at`, entry
//! `seq` of database `instance` had hash `head` and the log held `entries` entries", signed with
//! a key kept outside the database. Kept outside too (a file, another server), it lets anyone
//! holding only the public key check that today's chain still extends it: the entry is there
//! with the same hash, so nothing up to it was cut off, wiped or rewritten.
//!
//! The signature covers the fields in [`Canonical`] encoding, not the JSON text, so the JSON may
//! be reformatted without breaking it. Signing sits behind [`CheckpointSigner`] and
//! [`CheckpointVerifier`] so that another algorithm (SM2) can be added beside Ed25519.

use super::Canonical;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

/// The checkpoint format this code writes and reads.
pub const CHECKPOINT_FORMAT: u32 = 1;

/// One signed checkpoint; one JSON object per line in a checkpoint file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// [`CHECKPOINT_FORMAT`].
    pub format: u32,
    /// The database's instance id (random, kept in its `settings` table): a checkpoint of one
    /// database says nothing about another.
    pub instance: String,
    /// The head's sequence number.
    pub seq: i64,
    /// The head entry's hash (hex SHA-256).
    pub head: String,
    /// How many entries the log held up to and including `seq`.
    pub entries: i64,
    /// When it was taken, RFC 3339 UTC.
    pub at: String,
    /// The signature algorithm, e.g. `ed25519`.
    pub alg: String,
    /// Which key signed it ([`key_id`]).
    pub key_id: String,
    /// The signature over [`Checkpoint::signed_bytes`], hex.
    pub signature: String,
}

/// What a checkpoint attests, before it is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadClaim {
    pub instance: String,
    pub seq: i64,
    pub head: String,
    pub entries: i64,
    pub at: String,
}

/// What the database holds now, as far as one checkpoint needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainNow<'a> {
    pub instance: &'a str,
    /// The last entry's sequence number (0 for an empty log).
    pub head_seq: i64,
    /// The hash of the entry at the checkpoint's `seq`, if there is one.
    pub hash_at_seq: Option<&'a str>,
    /// How many entries have a sequence number up to the checkpoint's `seq`.
    pub entries_to_seq: i64,
}

/// Why a checkpoint does not hold. The messages are meant for the operator who runs
/// `audit verify`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckpointProblem {
    #[error("not a checkpoint: {0}")]
    Unreadable(String),
    #[error("checkpoint format {0} is not one this version reads")]
    UnknownFormat(u32),
    #[error("signed by key {key_id} ({alg}), which is not among the public keys given")]
    UnknownKey { key_id: String, alg: String },
    #[error(
        "the signature does not verify with key {0}: the checkpoint was altered after signing, \
         or was not signed by that key"
    )]
    BadSignature(String),
    #[error("taken of database instance {checkpoint}, but this database is instance {database}")]
    OtherInstance {
        checkpoint: String,
        database: String,
    },
    #[error(
        "the chain ends at entry {head}, before the checkpoint's entry {seq}: entries were cut \
         off the end, or the log was wiped"
    )]
    Truncated { head: i64, seq: i64 },
    #[error("entry {seq}, which the checkpoint signed, is missing from the log")]
    Missing { seq: i64 },
    #[error(
        "entry {seq} no longer has the hash the checkpoint signed: the chain was rewritten up \
         to there"
    )]
    Rewritten { seq: i64 },
    #[error(
        "the log holds {found} entries up to entry {seq}, the checkpoint counted {signed}: \
         entries were removed or added"
    )]
    Count { seq: i64, found: i64, signed: i64 },
}

impl Checkpoint {
    /// Signs `claim`.
    pub fn sign(claim: HeadClaim, signer: &dyn CheckpointSigner) -> Checkpoint {
        let mut checkpoint = Checkpoint {
            format: CHECKPOINT_FORMAT,
            instance: claim.instance,
            seq: claim.seq,
            head: claim.head,
            entries: claim.entries,
            at: claim.at,
            alg: signer.algorithm().to_string(),
            key_id: signer.key_id(),
            signature: String::new(),
        };
        checkpoint.signature = hex::encode(signer.sign(&checkpoint.signed_bytes()));
        checkpoint
    }

    /// Every field but the signature, in [`Canonical`] encoding.
    pub fn signed_bytes(&self) -> Vec<u8> {
        let mut c = Canonical::new("hazardnet.audit.checkpoint");
        c.int(i64::from(self.format));
        c.text(&self.instance);
        c.int(self.seq);
        c.text(&self.head);
        c.int(self.entries);
        c.text(&self.at);
        c.text(&self.alg);
        c.text(&self.key_id);
        c.into_bytes()
    }

    /// The checkpoint as one line of JSON (no newline).
    pub fn to_line(&self) -> String {
        // A struct of strings and integers always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_line(line: &str) -> Result<Checkpoint, CheckpointProblem> {
        serde_json::from_str(line).map_err(|e| CheckpointProblem::Unreadable(e.to_string()))
    }

    /// Checks the signature with whichever of `keys` the checkpoint names; a checkpoint signed
    /// by any other key fails.
    pub fn verify_signature(
        &self,
        keys: &[&dyn CheckpointVerifier],
    ) -> Result<(), CheckpointProblem> {
        if self.format != CHECKPOINT_FORMAT {
            return Err(CheckpointProblem::UnknownFormat(self.format));
        }
        let key = keys
            .iter()
            .find(|k| k.algorithm() == self.alg && k.key_id() == self.key_id)
            .ok_or_else(|| CheckpointProblem::UnknownKey {
                key_id: self.key_id.clone(),
                alg: self.alg.clone(),
            })?;
        let signature = hex::decode(&self.signature)
            .map_err(|_| CheckpointProblem::BadSignature(self.key_id.clone()))?;
        if key.verify(&self.signed_bytes(), &signature) {
            Ok(())
        } else {
            Err(CheckpointProblem::BadSignature(self.key_id.clone()))
        }
    }

    /// Whether the chain as it is now still extends this checkpoint.
    pub fn check_chain(&self, chain: &ChainNow<'_>) -> Result<(), CheckpointProblem> {
        if chain.instance != self.instance {
            return Err(CheckpointProblem::OtherInstance {
                checkpoint: self.instance.clone(),
                database: chain.instance.to_string(),
            });
        }
        if chain.head_seq < self.seq {
            return Err(CheckpointProblem::Truncated {
                head: chain.head_seq,
                seq: self.seq,
            });
        }
        // Seq 0 is the empty log's head: no entry to compare, only the count.
        if self.seq > 0 {
            match chain.hash_at_seq {
                None => return Err(CheckpointProblem::Missing { seq: self.seq }),
                Some(hash) if hash != self.head => {
                    return Err(CheckpointProblem::Rewritten { seq: self.seq });
                }
                Some(_) => {}
            }
        }
        if chain.entries_to_seq != self.entries {
            return Err(CheckpointProblem::Count {
                seq: self.seq,
                found: chain.entries_to_seq,
                signed: self.entries,
            });
        }
        Ok(())
    }
}

/// A key that signs checkpoints. The secret never leaves the implementation.
pub trait CheckpointSigner: Send + Sync {
    /// The algorithm's name in a checkpoint's `alg`.
    fn algorithm(&self) -> &'static str;
    /// The public key's bytes, as [`key_id`] hashes them.
    fn public_key(&self) -> Vec<u8>;
    fn sign(&self, message: &[u8]) -> Vec<u8>;
    fn key_id(&self) -> String {
        key_id(self.algorithm(), &self.public_key())
    }
}

/// A public key that checks checkpoint signatures.
pub trait CheckpointVerifier: Send + Sync {
    fn algorithm(&self) -> &'static str;
    fn public_key(&self) -> Vec<u8>;
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool;
    fn key_id(&self) -> String {
        key_id(self.algorithm(), &self.public_key())
    }
}

/// A short name for a public key: the first 8 bytes of SHA-256 over the algorithm and the key,
/// hex. It only picks the key to try; the signature is what proves anything.
pub fn key_id(algorithm: &str, public_key: &[u8]) -> String {
    let mut c = Canonical::new("hazardnet.audit.key");
    c.text(algorithm);
    c.text(&hex::encode(public_key));
    hex::encode(&Sha256::digest(c.into_bytes())[..8])
}

/// Why a key could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("unknown key algorithm {0:?} (this version knows ed25519)")]
    UnknownAlgorithm(String),
    #[error("a key is 64 hexadecimal digits (32 bytes), optionally after \"ed25519:\"")]
    Malformed,
    #[error("not an Ed25519 public key (the bytes are no point of the curve, or a weak one)")]
    NotAPublicKey,
}

pub const ED25519: &str = "ed25519";

/// Ed25519 (RFC 8032) through `ed25519-dalek`. Key text is `ed25519:` and 64 hex digits (the
/// 32-byte seed for a secret key, the compressed point for a public one); bare hex is read too.
pub struct Ed25519Signer(SigningKey);

impl Ed25519Signer {
    pub fn from_seed(seed: [u8; 32]) -> Ed25519Signer {
        Ed25519Signer(SigningKey::from_bytes(&seed))
    }

    pub fn from_text(text: &str) -> Result<Ed25519Signer, KeyError> {
        Ok(Ed25519Signer::from_seed(key_bytes(text)?))
    }

    /// The secret key as key text, for the key file.
    pub fn to_text(&self) -> String {
        format!("{ED25519}:{}", hex::encode(self.0.to_bytes()))
    }

    pub fn verifier(&self) -> Ed25519Verifier {
        Ed25519Verifier(self.0.verifying_key())
    }
}

impl CheckpointSigner for Ed25519Signer {
    fn algorithm(&self) -> &'static str {
        ED25519
    }
    fn public_key(&self) -> Vec<u8> {
        self.0.verifying_key().to_bytes().to_vec()
    }
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.0.sign(message).to_bytes().to_vec()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519Verifier(VerifyingKey);

impl Ed25519Verifier {
    pub fn from_text(text: &str) -> Result<Ed25519Verifier, KeyError> {
        let key =
            VerifyingKey::from_bytes(&key_bytes(text)?).map_err(|_| KeyError::NotAPublicKey)?;
        if key.is_weak() {
            return Err(KeyError::NotAPublicKey);
        }
        Ok(Ed25519Verifier(key))
    }

    /// The public key as key text.
    pub fn to_text(&self) -> String {
        format!("{ED25519}:{}", hex::encode(self.0.to_bytes()))
    }
}

impl CheckpointVerifier for Ed25519Verifier {
    fn algorithm(&self) -> &'static str {
        ED25519
    }
    fn public_key(&self) -> Vec<u8> {
        self.0.to_bytes().to_vec()
    }
    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        // Strict: refuses the malleable and small-order forms plain verification lets through.
        self.0
            .verify_strict(message, &ed25519_dalek::Signature::from_bytes(&bytes))
            .is_ok()
    }
}

/// The 32 bytes of `ed25519:HEX` or bare `HEX` (surrounding whitespace ignored).
fn key_bytes(text: &str) -> Result<[u8; 32], KeyError> {
    let text = text.trim();
    let hex_text = match text.split_once(':') {
        Some((alg, rest)) if alg.eq_ignore_ascii_case(ED25519) => rest,
        Some((alg, _)) => return Err(KeyError::UnknownAlgorithm(alg.to_string())),
        None => text,
    };
    let bytes = hex::decode(hex_text).map_err(|_| KeyError::Malformed)?;
    <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| KeyError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer(n: u8) -> Ed25519Signer {
        Ed25519Signer::from_seed([n; 32])
    }

    fn claim() -> HeadClaim {
        HeadClaim {
            instance: "a1b2".into(),
            seq: 38,
            head: "ab".repeat(32),
            entries: 38,
            at: "2026-11-23T02:00:00Z".into(),
        }
    }

    fn chain(head_seq: i64, hash: Option<&str>, entries: i64) -> ChainNow<'_> {
        ChainNow {
            instance: "a1b2",
            head_seq,
            hash_at_seq: hash,
            entries_to_seq: entries,
        }
    }

    #[test]
    fn a_signed_checkpoint_verifies_with_its_public_key_only() {
        let key = signer(1);
        let checkpoint = Checkpoint::sign(claim(), &key);
        assert_eq!(checkpoint.format, CHECKPOINT_FORMAT);
        assert_eq!(checkpoint.alg, "ed25519");
        assert_eq!(checkpoint.key_id.len(), 16);
        let public = Ed25519Verifier::from_text(&key.verifier().to_text()).unwrap();
        assert_eq!(checkpoint.verify_signature(&[&public]), Ok(()));
        // Through its JSON line and back.
        let line = checkpoint.to_line();
        assert!(!line.contains('\n'));
        let read = Checkpoint::from_line(&line).unwrap();
        assert_eq!(read, checkpoint);
        assert_eq!(read.verify_signature(&[&public]), Ok(()));
    }

    #[test]
    fn an_altered_checkpoint_or_another_key_fails() {
        let key = signer(1);
        let public = key.verifier();
        let checkpoint = Checkpoint::sign(claim(), &key);
        for altered in [
            Checkpoint {
                seq: 37,
                ..checkpoint.clone()
            },
            Checkpoint {
                head: "cd".repeat(32),
                ..checkpoint.clone()
            },
            Checkpoint {
                entries: 40,
                ..checkpoint.clone()
            },
            Checkpoint {
                instance: "other".into(),
                ..checkpoint.clone()
            },
            Checkpoint {
                at: "2030-01-01T00:00:00Z".into(),
                ..checkpoint.clone()
            },
            Checkpoint {
                signature: "00".repeat(64),
                ..checkpoint.clone()
            },
            Checkpoint {
                signature: "zz".into(),
                ..checkpoint.clone()
            },
        ] {
            assert_eq!(
                altered.verify_signature(&[&public]),
                Err(CheckpointProblem::BadSignature(checkpoint.key_id.clone()))
            );
        }
        // Signed by another key: named as unknown, not tried against ours.
        let other = Checkpoint::sign(claim(), &signer(2));
        assert!(matches!(
            other.verify_signature(&[&public]),
            Err(CheckpointProblem::UnknownKey { .. })
        ));
        // Another key's signature under our key's id.
        let forged = Checkpoint {
            key_id: checkpoint.key_id.clone(),
            ..Checkpoint::sign(claim(), &signer(2))
        };
        assert!(matches!(
            forged.verify_signature(&[&public]),
            Err(CheckpointProblem::BadSignature(_))
        ));
        // Either of two keys (a rotated one) is accepted when given.
        let old = signer(2).verifier();
        assert_eq!(other.verify_signature(&[&public, &old]), Ok(()));
        let future = Checkpoint {
            format: 2,
            ..checkpoint.clone()
        };
        assert_eq!(
            future.verify_signature(&[&public]),
            Err(CheckpointProblem::UnknownFormat(2))
        );
        assert!(matches!(
            Checkpoint::from_line(r#"{"format":1}"#),
            Err(CheckpointProblem::Unreadable(_))
        ));
        let extra = checkpoint.to_line().replacen('{', r#"{"note":"x","#, 1);
        assert!(Checkpoint::from_line(&extra).is_err());
    }

    #[test]
    fn the_chain_must_still_extend_the_checkpoint() {
        let checkpoint = Checkpoint::sign(claim(), &signer(1));
        let head = "ab".repeat(32);
        assert_eq!(checkpoint.check_chain(&chain(38, Some(&head), 38)), Ok(()));
        assert_eq!(checkpoint.check_chain(&chain(90, Some(&head), 38)), Ok(()));
        assert_eq!(
            checkpoint.check_chain(&chain(30, None, 30)),
            Err(CheckpointProblem::Truncated { head: 30, seq: 38 })
        );
        assert_eq!(
            checkpoint.check_chain(&chain(0, None, 0)),
            Err(CheckpointProblem::Truncated { head: 0, seq: 38 })
        );
        let other = "cd".repeat(32);
        assert_eq!(
            checkpoint.check_chain(&chain(38, Some(&other), 38)),
            Err(CheckpointProblem::Rewritten { seq: 38 })
        );
        assert_eq!(
            checkpoint.check_chain(&chain(40, None, 37)),
            Err(CheckpointProblem::Missing { seq: 38 })
        );
        assert_eq!(
            checkpoint.check_chain(&chain(40, Some(&head), 37)),
            Err(CheckpointProblem::Count {
                seq: 38,
                found: 37,
                signed: 38
            })
        );
        let elsewhere = ChainNow {
            instance: "ffff",
            ..chain(38, Some(&head), 38)
        };
        assert!(matches!(
            checkpoint.check_chain(&elsewhere),
            Err(CheckpointProblem::OtherInstance { .. })
        ));
    }

    #[test]
    fn key_text_is_read_with_or_without_its_algorithm() {
        let key = signer(7);
        let text = key.to_text();
        assert!(text.starts_with("ed25519:") && text.len() == 8 + 64);
        let back = Ed25519Signer::from_text(&format!("  {text}\n")).unwrap();
        assert_eq!(back.key_id(), key.key_id());
        let bare = text.trim_start_matches("ed25519:");
        assert_eq!(
            Ed25519Signer::from_text(bare).unwrap().key_id(),
            key.key_id()
        );
        let public = key.verifier().to_text();
        assert_eq!(
            Ed25519Verifier::from_text(&public).unwrap().key_id(),
            key.key_id()
        );
        assert!(matches!(
            Ed25519Signer::from_text("sm2:00"),
            Err(KeyError::UnknownAlgorithm(alg)) if alg == "sm2"
        ));
        assert!(matches!(
            Ed25519Signer::from_text("abc"),
            Err(KeyError::Malformed)
        ));
        assert!(matches!(
            Ed25519Verifier::from_text(&"00".repeat(32)),
            Err(KeyError::NotAPublicKey)
        ));
    }
}
