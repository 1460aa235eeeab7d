//! Signed checkpoints of the audit chain's head (`hazardnet_domain::audit::checkpoint`).
//!
//! [`Store::take_audit_checkpoint`] verifies the chain up to its head, signs the head and
//! keeps the checkpoint twice: appended, as one JSON line, to `audit-checkpoints.jsonl` in the
//! data directory (synced before the row is written), and as a row of `audit_checkpoints`, from
//! which they are listed and, when a receiving URL is configured, POSTed with retries. Only a
//! copy outside the database proves anything: the row can be rewritten with the chain.
//! [`Store::verify_audit`] checks the chain and then, for each checkpoint given, its signature
//! and that the chain still extends it.

use super::{AuditBreak, WalkFrom};
use crate::clock::format_time;
use crate::{DbKind, Result, Store, StoreError};
use chrono::Duration;
use hazardnet_domain::audit::HashVersion;
use hazardnet_domain::audit::checkpoint::{
    ChainNow, Checkpoint, CheckpointProblem, CheckpointSigner, CheckpointVerifier, HeadClaim,
};
use sqlx::FromRow;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The checkpoint file's name in the data directory.
pub const CHECKPOINT_FILE: &str = "audit-checkpoints.jsonl";

/// How long to wait before the n-th retry of a checkpoint's POST; after the last, give up (a
/// later checkpoint attests everything an earlier one did, and more).
const POST_BACKOFF_MINUTES: [i64; 6] = [1, 5, 15, 60, 240, 1440];
const POST_LEASE_MINUTES: i64 = 5;

/// What `audit verify` found: the chain's own check, then one verdict per checkpoint given,
/// in their order.
#[derive(Debug, Clone)]
pub struct AuditReport {
    pub chain: std::result::Result<i64, AuditBreak>,
    pub checkpoints: Vec<std::result::Result<(), CheckpointProblem>>,
}

impl AuditReport {
    /// The chain is intact and extends every checkpoint given.
    pub fn holds(&self) -> bool {
        self.chain.is_ok() && self.checkpoints.iter().all(|c| c.is_ok())
    }
}

/// A checkpoint waiting to be POSTed.
#[derive(Debug, Clone, FromRow)]
pub struct CheckpointPost {
    pub id: i64,
    pub attempts: i64,
    /// The checkpoint's JSON line, sent as the request body.
    pub body: String,
}

/// The checkpoint file under `data_dir`.
pub fn checkpoint_file(data_dir: &Path) -> PathBuf {
    data_dir.join(CHECKPOINT_FILE)
}

/// The checkpoints of a file of JSON lines (blank lines skipped); a line that is not one is an
/// error naming it (1-based).
pub fn parse_checkpoints(
    text: &str,
) -> std::result::Result<Vec<Checkpoint>, (usize, CheckpointProblem)> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| Checkpoint::from_line(line.trim()).map_err(|e| (i + 1, e)))
        .collect()
}

/// Appends one line to `path` (created, with its directory, if missing) and syncs it before
/// returning: a checkpoint reported as taken is on disk.
pub fn append_checkpoint_line(path: &Path, checkpoint: &Checkpoint) -> std::io::Result<()> {
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    // One write of the whole line, so concurrent appenders (O_APPEND) never interleave.
    file.write_all(format!("{}\n", checkpoint.to_line()).as_bytes())?;
    file.sync_data()
}

impl Store {
    /// This database's instance id (`settings`, made by migration 0021).
    pub async fn instance_id(&self) -> Result<String> {
        let id: Option<String> =
            sqlx::query_scalar("SELECT value FROM settings WHERE name = 'instance_id'")
                .fetch_optional(&self.read)
                .await?;
        match id {
            Some(id) if !id.trim().is_empty() => Ok(id),
            Some(_) => Err(StoreError::Internal(
                "settings row instance_id is empty".into(),
            )),
            None => Err(StoreError::Internal(
                "settings has no row instance_id".into(),
            )),
        }
    }

    /// The checkpoint file in this store's data directory, if it has one.
    pub fn checkpoint_file(&self) -> Option<PathBuf> {
        self.data_dir.as_deref().map(checkpoint_file)
    }

    /// Verifies the chain up to its head and signs the head. `since`, a checkpoint this
    /// process signed itself earlier, lets the walk start at its entry (which must still have
    /// its hash) instead of the first; a chain now shorter than it, or another database, is
    /// refused. The checkpoint is appended to the
    /// data directory's file (when the store has one) and then recorded in
    /// `audit_checkpoints`, queued for a POST when `queue_post`. A broken chain is not signed:
    /// the break is returned instead.
    pub async fn take_audit_checkpoint(
        &self,
        signer: &dyn CheckpointSigner,
        since: Option<&Checkpoint>,
        queue_post: bool,
    ) -> Result<std::result::Result<Checkpoint, AuditBreak>> {
        let instance = self.instance_id().await?;
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&self.read)
                .await?;
        let Some((head_seq, head_hash)) = head else {
            return Ok(Err(AuditBreak {
                seq: 0,
                reason: "head_missing",
            }));
        };
        let from = match since {
            // The database under a running server is not replaced by another (a restore
            // restarts the server), and its chain never gets shorter.
            Some(cp) if cp.instance != instance => {
                return Ok(Err(AuditBreak {
                    seq: 0,
                    reason: "instance_changed_since_last_checkpoint",
                }));
            }
            Some(cp) if cp.seq > head_seq => {
                return Ok(Err(AuditBreak {
                    seq: head_seq + 1,
                    reason: "shorter_than_last_checkpoint",
                }));
            }
            Some(cp) if cp.seq > 0 => match self.walk_from_checkpoint(cp).await? {
                Ok(from) => from,
                Err(broken) => return Ok(Err(broken)),
            },
            _ => WalkFrom::genesis(),
        };
        let (last, last_hash) = match self.walk_audit_chain(from, Some(head_seq)).await? {
            Ok(end) => end,
            Err(broken) => return Ok(Err(broken)),
        };
        if last != head_seq {
            return Ok(Err(AuditBreak {
                seq: last + 1,
                reason: "missing",
            }));
        }
        if last_hash != head_hash {
            return Ok(Err(AuditBreak {
                seq: last,
                reason: "head_mismatch",
            }));
        }
        // A walk from a checkpoint saw only the entries after it: count them all.
        let entries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE seq <= $1")
            .bind(head_seq)
            .fetch_one(&self.read)
            .await?;
        if entries != head_seq {
            return Ok(Err(AuditBreak {
                seq: head_seq,
                reason: "entry_count_mismatch",
            }));
        }
        // On SQLite readers see a group of writes a moment before it is on disk: sign only
        // what a power cut cannot take back, or the checkpoint would outlive its entries.
        self.wait_durable().await;
        let checkpoint = Checkpoint::sign(
            HeadClaim {
                instance,
                seq: head_seq,
                head: head_hash,
                entries,
                at: format_time(self.clock().now()),
            },
            signer,
        );
        if let Some(path) = self.checkpoint_file() {
            let line = checkpoint.clone();
            tokio::task::spawn_blocking(move || append_checkpoint_line(&path, &line))
                .await
                .map_err(|e| StoreError::Internal(format!("checkpoint file: {e}")))?
                .map_err(|e| {
                    StoreError::Internal(format!("appending to {}: {e}", CHECKPOINT_FILE))
                })?;
        }
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO audit_checkpoints (seq, head_hash, at, key_id, body, post_state, \
             post_next_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(checkpoint.seq)
        .bind(checkpoint.head.clone())
        .bind(checkpoint.at.clone())
        .bind(checkpoint.key_id.clone())
        .bind(checkpoint.to_line())
        .bind(if queue_post { "pending" } else { "none" }.to_string())
        .bind(queue_post.then_some(now))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(checkpoint))
    }

    /// Where a walk resumes after a checkpoint: its entry must still be there with the hash
    /// it signed.
    async fn walk_from_checkpoint(
        &self,
        cp: &Checkpoint,
    ) -> Result<std::result::Result<WalkFrom, AuditBreak>> {
        let entry: Option<(String, i64)> =
            sqlx::query_as("SELECT hash, hash_version FROM audit_log WHERE seq = $1")
                .bind(cp.seq)
                .fetch_optional(&self.read)
                .await?;
        let broken = |reason| {
            Ok(Err(AuditBreak {
                seq: cp.seq,
                reason,
            }))
        };
        match entry {
            None => broken("missing"),
            Some((hash, _)) if hash != cp.head => broken("checkpoint_mismatch"),
            Some((_, version)) => match HashVersion::from_stored(version) {
                None => broken("unknown_hash_version"),
                Some(version) => Ok(Ok(WalkFrom {
                    seq: cp.seq + 1,
                    prev_hash: cp.head.clone(),
                    prev_version: Some(version),
                })),
            },
        }
    }

    /// Every checkpoint recorded in the database, oldest first. A row whose body is not a
    /// checkpoint is an error naming it.
    pub async fn audit_checkpoints(&self) -> Result<Vec<Checkpoint>> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT id, body FROM audit_checkpoints ORDER BY id")
                .fetch_all(&self.read)
                .await?;
        rows.into_iter()
            .map(|(id, body)| {
                Checkpoint::from_line(&body)
                    .map_err(|e| StoreError::Internal(format!("audit_checkpoints row {id}: {e}")))
            })
            .collect()
    }

    /// The chain's own check, then each checkpoint: signed by one of `keys`, of this database,
    /// and still extended by the chain (its entry present with the hash it signed, as many
    /// entries up to it, the head at or past it).
    pub async fn verify_audit(
        &self,
        checkpoints: &[Checkpoint],
        keys: &[&dyn CheckpointVerifier],
    ) -> Result<AuditReport> {
        let chain = self.verify_audit_chain().await?;
        let mut verdicts = Vec::with_capacity(checkpoints.len());
        if checkpoints.is_empty() {
            return Ok(AuditReport {
                chain,
                checkpoints: verdicts,
            });
        }
        let instance = self.instance_id().await?;
        let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log")
            .fetch_one(&self.read)
            .await?;
        let head_seq = last.unwrap_or(0);
        for cp in checkpoints {
            if let Err(problem) = cp.verify_signature(keys) {
                verdicts.push(Err(problem));
                continue;
            }
            let hash: Option<String> =
                sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = $1")
                    .bind(cp.seq)
                    .fetch_optional(&self.read)
                    .await?;
            // An intact chain runs 1..=head without a gap: its count up to any entry is known.
            let entries_to_seq = match chain {
                Ok(n) => cp.seq.clamp(0, n),
                Err(_) => {
                    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE seq <= $1")
                        .bind(cp.seq)
                        .fetch_one(&self.read)
                        .await?
                }
            };
            verdicts.push(cp.check_chain(&ChainNow {
                instance: &instance,
                head_seq,
                hash_at_seq: hash.as_deref(),
                entries_to_seq,
            }));
        }
        Ok(AuditReport {
            chain,
            checkpoints: verdicts,
        })
    }

    /// Claims checkpoints due for their POST (leased, so two servers do not send one twice).
    pub async fn claim_checkpoint_posts(&self, limit: i64) -> Result<Vec<CheckpointPost>> {
        let now = self.clock().now();
        let lock = match self.kind() {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        };
        let claim = format!(
            "UPDATE audit_checkpoints SET post_state = 'sending', post_next_at = $1 \
             WHERE id IN (SELECT id FROM audit_checkpoints \
             WHERE post_state IN ('pending', 'sending') AND post_next_at <= $2 \
             ORDER BY id LIMIT $3{lock}) RETURNING id, post_attempts AS attempts, body"
        );
        let mut tx = self.begin_write().await?;
        let mut claimed: Vec<CheckpointPost> = sqlx::query_as(sqlx::AssertSqlSafe(claim))
            .bind(format_time(now + Duration::minutes(POST_LEASE_MINUTES)))
            .bind(format_time(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        claimed.sort_by_key(|p| p.id);
        Ok(claimed)
    }

    /// Records one POST's outcome: sent, or retried later (given up after the last try).
    /// Returns false when it was given up.
    pub async fn finish_checkpoint_post(
        &self,
        post: &CheckpointPost,
        error: Option<&str>,
    ) -> Result<bool> {
        let now = self.clock().now();
        let (state, next, retried) = match error {
            None => ("sent", now, true),
            Some(_) => match POST_BACKOFF_MINUTES.get(post.attempts as usize) {
                Some(minutes) => ("pending", now + Duration::minutes(*minutes), true),
                None => ("failed", now, false),
            },
        };
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE audit_checkpoints SET post_state = $1, post_attempts = post_attempts + 1, \
             post_next_at = $2, post_error = $3 WHERE id = $4",
        )
        .bind(state.to_string())
        .bind(format_time(next))
        .bind(error.map(|e| e.chars().take(500).collect::<String>()))
        .bind(post.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(retried)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hazardnet_domain::audit::checkpoint::Ed25519Signer;

    #[test]
    fn a_checkpoint_file_is_read_line_by_line() {
        let key = Ed25519Signer::from_seed([3; 32]);
        let claim = |seq| HeadClaim {
            instance: "i".into(),
            seq,
            head: "ab".repeat(32),
            entries: seq,
            at: "2026-11-23T02:00:00Z".into(),
        };
        let dir = tempfile::tempdir().unwrap();
        let path = checkpoint_file(&dir.path().join("data"));
        append_checkpoint_line(&path, &Checkpoint::sign(claim(1), &key)).unwrap();
        append_checkpoint_line(&path, &Checkpoint::sign(claim(2), &key)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let read = parse_checkpoints(&format!("{text}\n\n")).unwrap();
        assert_eq!(read.iter().map(|c| c.seq).collect::<Vec<_>>(), [1, 2]);
        let broken = parse_checkpoints(&format!("{text}not json\n")).unwrap_err();
        assert_eq!(broken.0, 3);
    }
}
