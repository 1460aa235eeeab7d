//! Which groups of SQLite writes are visible and which are on disk: the committer syncs the
//! log after each group's COMMIT and answers the group only then; responses wait here until
//! what was committed before them is on disk (see the parent module's documentation).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::sync::{oneshot, watch};

/// Which groups are visible and which are on disk, and the log file to sync.
pub(super) struct Durability {
    /// Groups committed so far.
    pub(super) committed: AtomicU64,
    /// Groups known to be on disk; `u64::MAX` once a sync has failed (nobody waits any more:
    /// the writer refuses work from then on).
    pub(super) durable: watch::Sender<u64>,
    /// The write-ahead log, synced after each commit; None when COMMIT syncs it itself.
    pub(super) wal: Option<PathBuf>,
}

impl Durability {
    /// Makes group `generation` durable: syncs the log unless a later sync already has.
    pub(super) async fn sync(&self, generation: u64) -> std::result::Result<(), String> {
        if *self.durable.borrow() >= generation {
            return Ok(());
        }
        if let Some(wal) = self.wal.clone() {
            let synced = tokio::task::spawn_blocking(move || std::fs::File::open(&wal)?.sync_all())
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
            if let Err(reason) = synced {
                tracing::error!(reason, "syncing the write-ahead log failed; writes stop");
                self.durable.send_replace(u64::MAX);
                return Err(reason);
            }
        }
        self.durable.send_if_modified(|durable| {
            let behind = *durable < generation;
            if behind {
                *durable = generation;
            }
            behind
        });
        Ok(())
    }

    pub(super) async fn wait_for_committed(&self) {
        let target = self.committed.load(Ordering::Acquire);
        if *self.durable.borrow() >= target {
            return;
        }
        let mut durable = self.durable.subscribe();
        let _ = durable.wait_for(|d| *d >= target).await;
    }
}

/// A committed group waiting for its sync: who to answer, and its number.
pub(super) struct CommittedGroup {
    pub(super) members: Vec<oneshot::Sender<std::result::Result<(), String>>>,
    pub(super) generation: u64,
}

/// Tells every member of a group how its commit ended.
pub(super) fn answer(
    members: Vec<oneshot::Sender<std::result::Result<(), String>>>,
    outcome: std::result::Result<(), String>,
) {
    for member in members {
        let _ = member.send(outcome.clone());
    }
}
