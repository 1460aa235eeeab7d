//! A request's share of the group transaction: taking the connection in line, its savepoint,
//! and its release, after which it waits for its group to be on disk ([`OnDisk`]).

use super::direct::Side;
use super::exec::any_arguments;
use super::{AtRelease, BUSY_LIMIT, GroupState, SAVEPOINT, release_sql};
use crate::{Result, StoreError};
use sqlx::AnyConnection;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

/// Takes the connection for one member on `side` (waiting in line) and opens its savepoint.
pub(super) async fn begin_member(
    state: &Arc<Mutex<GroupState>>,
    wake: &Arc<Notify>,
    side: Side,
) -> Result<GroupMember> {
    // As long as the pool this replaced waited for its connection: a writer held that long
    // means something is stuck, and the request should fail rather than hang.
    let state = tokio::time::timeout(BUSY_LIMIT, state.clone().lock_owned())
        .await
        .map_err(|_| StoreError::WriterUnavailable)?;
    member_holding(state, wake, side).await
}

/// The next member, on `side`'s connection, with the group's state already held.
pub(super) async fn member_holding(
    mut state: OwnedMutexGuard<GroupState>,
    wake: &Arc<Notify>,
    side: Side,
) -> Result<GroupMember> {
    // A failed sync closes the writer; its group hears of it only after this is visible.
    if state.closed || state.durability.has_failed() {
        return Err(StoreError::WriterUnavailable);
    }
    state.undo_abandoned().await;
    if state.open.is_some_and(|open| open != side) {
        // The other connection holds the open transaction: its group is committed and on
        // disk before this one begins.
        state.settle().await;
        if state.closed {
            return Err(StoreError::WriterUnavailable);
        }
    }
    if state.open.is_none() {
        state
            .run_on(side, "BEGIN IMMEDIATE; SAVEPOINT member")
            .await?;
        state.open = Some(side);
        state.savepoint_ready = true;
        state.audit_head = None;
    }
    if !state.savepoint_ready
        && let Err(e) = state.run_on(side, SAVEPOINT).await
    {
        // The outer transaction is unusable: end it for everyone in it.
        state.abort(&e.to_string()).await;
        return Err(e);
    }
    state.savepoint_ready = false;
    Ok(GroupMember {
        state: Some(state),
        wake: wake.clone(),
        at_release: None,
        side,
    })
}

/// One request's share of the group transaction: it holds the connection until it commits
/// or is dropped.
pub(crate) struct GroupMember {
    pub(super) state: Option<OwnedMutexGuard<GroupState>>,
    pub(super) wake: Arc<Notify>,
    /// The member's last statement, run with its release ([`Exec::execute_at_release`]).
    pub(super) at_release: Option<AtRelease>,
    /// The connection its savepoint is on.
    pub(super) side: Side,
}

impl GroupMember {
    pub(super) async fn commit(mut self) -> Result<()> {
        self.release().await?.wait().await
    }

    /// Keeps this member's work in the group and gives up the connection.
    pub(super) async fn release(&mut self) -> Result<OnDisk> {
        let (on_disk, state) = self.release_holding().await?;
        drop(state);
        Ok(on_disk)
    }

    /// Keeps this member's work in the group; the connection stays with the caller, for the
    /// next member.
    pub(super) async fn release_holding(
        &mut self,
    ) -> Result<(OnDisk, OwnedMutexGuard<GroupState>)> {
        let Some(mut state) = self.state.take() else {
            return Err(StoreError::WriterUnavailable);
        };
        // Keeps this member's work and opens the next member's savepoint, in one call (with
        // the member's last statement, if it left one).
        let released = match self.at_release.take() {
            Some(last) => match any_arguments(last.args) {
                Ok(args) => sqlx::query_with(last.sql_then_release, args)
                    .execute(&mut state.conn)
                    .await
                    .map(drop)
                    .map_err(Into::into),
                Err(e) => Err(e),
            },
            None => state.run_on(self.side, release_sql!()).await,
        };
        if let Err(e) = released {
            state.abandoned = true;
            drop(state);
            self.wake.notify_one();
            return Err(e);
        }
        let (done, on_disk) = oneshot::channel();
        state.savepoint_ready = true;
        state.waiting.push(done);
        // The committer queues for the connection now and takes it when it is given up.
        self.wake.notify_one();
        Ok((OnDisk(on_disk), state))
    }
}

/// A released member's wait for its group to be on disk.
pub(super) struct OnDisk(oneshot::Receiver<std::result::Result<(), String>>);

impl OnDisk {
    pub(super) async fn wait(self) -> Result<()> {
        match self.0.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(reason)) => Err(StoreError::CommitFailed(reason)),
            Err(_) => Err(StoreError::WriterUnavailable),
        }
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            state.abandoned = true;
            drop(state);
            self.wake.notify_one();
        }
    }
}

/// A member on the sqlx connection runs its statements there ([`WriteTx::Group`]); one on the
/// direct connection is a [`direct::DirectMember`], which has no such way in.
impl Deref for GroupMember {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        debug_assert_eq!(self.side, Side::Sqlx);
        match &self.state {
            Some(state) => &state.conn,
            // A member gives up the connection only when it is consumed or dropped.
            None => unreachable!("a group member is used after it committed"),
        }
    }
}

impl DerefMut for GroupMember {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        debug_assert_eq!(self.side, Side::Sqlx);
        match &mut self.state {
            Some(state) => &mut state.conn,
            None => unreachable!("a group member is used after it committed"),
        }
    }
}
