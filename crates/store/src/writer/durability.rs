//! Which groups of SQLite writes are visible and which are on disk: the committer syncs the
//! log after each group's COMMIT and answers the group only then; responses wait here until
//! what was committed before them is on disk (see the parent module's documentation).

use std::path::PathBuf;
use std::sync::Arc;
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
    /// Makes `group` durable and answers its members: syncs the log (unless a later sync
    /// already has) on a blocking thread, which answers them the moment the sync returns, not
    /// when the writer's thread is next free to run the committer.
    pub(super) async fn sync_and_answer(
        self: &Arc<Self>,
        group: CommittedGroup,
    ) -> std::result::Result<(), String> {
        let durability = self.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = durability.sync_log(group.generation);
            answer(group.members, outcome.clone());
            outcome
        })
        .await
        .map_err(|e| e.to_string())?
    }

    /// A sync has failed: nothing written since can be made durable, so nothing more may be.
    /// Set before that sync's group is answered.
    pub(super) fn has_failed(&self) -> bool {
        *self.durable.borrow() == u64::MAX
    }

    /// Syncs the log for group `generation`, unless a later sync already has (blocking).
    fn sync_log(&self, generation: u64) -> std::result::Result<(), String> {
        if self.has_failed() {
            return Err("an earlier sync of the write-ahead log failed".into());
        }
        if *self.durable.borrow() >= generation {
            return Ok(());
        }
        let synced = match &self.wal {
            Some(wal) => std::fs::File::open(wal)
                .and_then(|log| log.sync_all())
                .map_err(|e| e.to_string()),
            // COMMIT synced it already.
            None => Ok(()),
        };
        if let Err(reason) = synced {
            tracing::error!(reason, "syncing the write-ahead log failed; writes stop");
            self.durable.send_replace(u64::MAX);
            return Err(reason);
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
