//! Where every write transaction starts ([`Writer::begin`]) and how it becomes durable.
//!
//! **PostgreSQL**: an ordinary transaction from the pool; the server itself lines up
//! concurrent committers.
//!
//! **SQLite — group commit.** SQLite has one writer at a time and, with `synchronous = FULL`,
//! one fsync per commit; a writer that commits every request on its own waits for the disk
//! once per request. Here one connection keeps an outer transaction open and every request's
//! work runs inside it as a savepoint, one request after another (the connection's lock is
//! fair, first come first served). A request that finishes releases its savepoint, hands the
//! connection on and waits; a committer task queues for the connection behind the requests
//! already waiting, so when its turn comes it commits them all with one fsync and only then
//! answers each of them. Acknowledged still means durable; a request that fails or is dropped
//! leaves its savepoint to be rolled back by the next holder, and the others are unaffected.
//! If the outer transaction itself is lost (the disk refuses the commit), every request in it
//! is told so — none is acknowledged that is not on disk.

use crate::{Result, StoreError};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Weak};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, oneshot};

/// Opens write transactions for one store.
#[derive(Clone)]
pub(crate) enum Writer {
    Pool(AnyPool),
    Group(Arc<GroupWriter>),
}

/// One write transaction. Statements run on `&mut *tx` (it derefs to the connection); nothing
/// is kept unless [`WriteTx::commit`] returns Ok.
pub(crate) enum WriteTx {
    Pool(Transaction<'static, Any>),
    Group(GroupMember),
}

impl Writer {
    pub(crate) async fn begin(&self) -> Result<WriteTx> {
        match self {
            Writer::Pool(pool) => Ok(WriteTx::Pool(pool.begin().await?)),
            Writer::Group(group) => Ok(WriteTx::Group(group.begin().await?)),
        }
    }

    /// Runs `work` with the write connection outside any transaction (migrations manage their
    /// own). Waits for the open batch to be committed first.
    pub(crate) async fn with_connection<T>(
        &self,
        work: impl AsyncFnOnce(&mut AnyConnection) -> Result<T>,
    ) -> Result<T> {
        match self {
            Writer::Pool(pool) => {
                let mut conn = pool.acquire().await?;
                work(&mut conn).await
            }
            Writer::Group(group) => {
                let mut state = group.state.clone().lock_owned().await;
                state.settle().await;
                work(&mut state.conn).await
            }
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Writer::Pool(pool) => pool.close().await,
            Writer::Group(group) => {
                let mut state = group.state.lock().await;
                state.settle().await;
                state.closed = true;
            }
        }
    }
}

impl WriteTx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            WriteTx::Pool(tx) => Ok(tx.commit().await?),
            WriteTx::Group(member) => member.commit().await,
        }
    }
}

impl WriteTx {
    /// The audit chain's head kept by the SQLite writer for its open transaction: `None` on
    /// PostgreSQL (read it, locking, from the table); `Some(None)` when not read yet.
    pub(crate) fn audit_head_cache(&mut self) -> Option<&mut Option<(i64, String)>> {
        match self {
            WriteTx::Pool(_) => None,
            WriteTx::Group(member) => member.state.as_mut().map(|state| &mut state.audit_head),
        }
    }
}

impl Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match self {
            WriteTx::Pool(tx) => tx,
            WriteTx::Group(member) => member,
        }
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match self {
            WriteTx::Pool(tx) => tx,
            WriteTx::Group(member) => member,
        }
    }
}

/// The SQLite writer: its one connection, and the committer task's wake-up call.
pub(crate) struct GroupWriter {
    state: Arc<Mutex<GroupState>>,
    wake: Arc<Notify>,
}

struct GroupState {
    conn: AnyConnection,
    /// The outer transaction has begun and not yet been committed.
    open: bool,
    /// The last member left without committing: roll back to its savepoint before anything else.
    abandoned: bool,
    /// A savepoint is open and nothing has been written since: the next member's.
    savepoint_ready: bool,
    /// The audit chain's head as the open transaction has it, once read: the chain is only
    /// appended through this connection while the transaction holds the write lock.
    audit_head: Option<(i64, String)>,
    /// Members whose work is in the open transaction, waiting to hear it is on disk.
    waiting: Vec<oneshot::Sender<std::result::Result<(), String>>>,
    closed: bool,
}

const BUSY_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
const SAVEPOINT: &str = "SAVEPOINT member";

impl GroupWriter {
    /// Takes over `conn` (already configured) and starts the committer task.
    pub(crate) fn start(conn: AnyConnection) -> Arc<GroupWriter> {
        let writer = Arc::new(GroupWriter {
            state: Arc::new(Mutex::new(GroupState {
                conn,
                open: false,
                abandoned: false,
                savepoint_ready: false,
                audit_head: None,
                waiting: Vec::new(),
                closed: false,
            })),
            wake: Arc::new(Notify::new()),
        });
        tokio::spawn(commit_loop(
            Arc::downgrade(&writer.state),
            writer.wake.clone(),
        ));
        writer
    }

    async fn begin(&self) -> Result<GroupMember> {
        // As long as the pool this replaced waited for its connection: a writer held that long
        // means something is stuck, and the request should fail rather than hang.
        let mut state = tokio::time::timeout(BUSY_LIMIT, self.state.clone().lock_owned())
            .await
            .map_err(|_| StoreError::WriterUnavailable)?;
        if state.closed {
            return Err(StoreError::WriterUnavailable);
        }
        state.undo_abandoned().await;
        if !state.open {
            state
                .conn
                .execute("BEGIN IMMEDIATE; SAVEPOINT member")
                .await?;
            state.open = true;
            state.savepoint_ready = true;
            state.audit_head = None;
        }
        if !state.savepoint_ready
            && let Err(e) = state.conn.execute(SAVEPOINT).await
        {
            // The outer transaction is unusable: end it for everyone in it.
            state.abort(&e.to_string()).await;
            return Err(e.into());
        }
        state.savepoint_ready = false;
        Ok(GroupMember {
            state: Some(state),
            wake: self.wake.clone(),
        })
    }
}

impl GroupState {
    /// Rolls back the savepoint of a member that left without committing. If that fails the
    /// outer transaction is in an unknown state, so it is rolled back whole.
    async fn undo_abandoned(&mut self) {
        if !self.abandoned {
            return;
        }
        self.abandoned = false;
        // What the member appended to the audit chain is undone with it.
        self.audit_head = None;
        // ROLLBACK TO keeps the savepoint open, empty: ready for the next member.
        match self.conn.execute("ROLLBACK TO member").await {
            Ok(_) => self.savepoint_ready = true,
            Err(e) => self.abort(&e.to_string()).await,
        }
    }

    /// Commits the open transaction and answers everyone waiting on it.
    async fn settle(&mut self) {
        self.undo_abandoned().await;
        if !self.open {
            return;
        }
        match self.conn.execute("COMMIT").await {
            Ok(_) => {
                self.open = false;
                self.savepoint_ready = false;
                self.audit_head = None;
                for member in self.waiting.drain(..) {
                    let _ = member.send(Ok(()));
                }
            }
            Err(e) => self.abort(&e.to_string()).await,
        }
    }

    /// Ends the open transaction without keeping anything and tells everyone waiting on it.
    async fn abort(&mut self, reason: &str) {
        tracing::error!(reason, "the group write transaction was rolled back");
        let _ = self.conn.execute("ROLLBACK").await;
        self.open = false;
        self.abandoned = false;
        self.savepoint_ready = false;
        self.audit_head = None;
        for member in self.waiting.drain(..) {
            let _ = member.send(Err(reason.to_string()));
        }
    }
}

/// Queues for the connection whenever a member has finished, and commits what is there. The
/// lock is fair, so every member that was already waiting gets its turn first and joins the
/// same commit.
async fn commit_loop(state: Weak<Mutex<GroupState>>, wake: Arc<Notify>) {
    loop {
        wake.notified().await;
        let Some(writer) = state.upgrade() else {
            return;
        };
        let mut writer = writer.lock().await;
        if writer.closed {
            return;
        }
        writer.settle().await;
    }
}

/// One request's share of the group transaction: it holds the connection until it commits
/// or is dropped.
pub(crate) struct GroupMember {
    state: Option<OwnedMutexGuard<GroupState>>,
    wake: Arc<Notify>,
}

impl GroupMember {
    async fn commit(mut self) -> Result<()> {
        let Some(mut state) = self.state.take() else {
            return Err(StoreError::WriterUnavailable);
        };
        // Keeps this member's work and opens the next member's savepoint, in one call.
        if let Err(e) = state.conn.execute("RELEASE member; SAVEPOINT member").await {
            state.abandoned = true;
            drop(state);
            self.wake.notify_one();
            return Err(e.into());
        }
        let (done, on_disk) = oneshot::channel();
        state.savepoint_ready = true;
        state.waiting.push(done);
        drop(state);
        self.wake.notify_one();
        match on_disk.await {
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

impl Deref for GroupMember {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        match &self.state {
            Some(state) => &state.conn,
            // A member gives up the connection only when it is consumed or dropped.
            None => unreachable!("a group member is used after it committed"),
        }
    }
}

impl DerefMut for GroupMember {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.state {
            Some(state) => &mut state.conn,
            None => unreachable!("a group member is used after it committed"),
        }
    }
}

/// Opens the SQLite write connection with the store's settings.
pub(crate) async fn connect_sqlite(url: &str) -> Result<AnyConnection> {
    let mut conn = AnyConnection::connect(url).await?;
    conn.execute(crate::SQLITE_PRAGMAS).await?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    async fn writer_on(dir: &tempfile::TempDir) -> (Writer, String) {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
        let writer = Writer::Group(GroupWriter::start(connect_sqlite(&url).await.unwrap()));
        writer
            .with_connection(async |conn| {
                conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
                    .await?;
                Ok(())
            })
            .await
            .unwrap();
        (writer, url)
    }

    async fn insert(tx: &mut WriteTx, n: i64) -> Result<()> {
        sqlx::query("INSERT INTO t (n) VALUES ($1)")
            .bind(n)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn committed(url: &str) -> Vec<i64> {
        let mut conn = AnyConnection::connect(url).await.unwrap();
        sqlx::query("SELECT n FROM t ORDER BY n")
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|row| row.get::<i64, _>(0))
            .collect()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_writers_are_all_on_disk_when_answered() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, url) = writer_on(&dir).await;
        let tasks: Vec<_> = (0..64)
            .map(|n| {
                let writer = writer.clone();
                tokio::spawn(async move {
                    let mut tx = writer.begin().await?;
                    insert(&mut tx, n).await?;
                    tx.commit().await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        // Read through another connection: only committed data is visible there.
        assert_eq!(committed(&url).await, (0..64).collect::<Vec<_>>());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failed_or_dropped_member_leaves_the_others_intact() {
        let dir = tempfile::tempdir().unwrap();
        let (writer, url) = writer_on(&dir).await;
        let mut first = writer.begin().await.unwrap();
        insert(&mut first, 1).await.unwrap();
        first.commit().await.unwrap();
        // Dropped half-way: its row must not survive.
        let mut dropped = writer.begin().await.unwrap();
        insert(&mut dropped, 2).await.unwrap();
        drop(dropped);
        // A statement fails (duplicate key) and the caller gives up.
        let mut failed = writer.begin().await.unwrap();
        insert(&mut failed, 3).await.unwrap();
        assert!(insert(&mut failed, 1).await.is_err());
        drop(failed);
        let mut last = writer.begin().await.unwrap();
        insert(&mut last, 4).await.unwrap();
        last.commit().await.unwrap();
        assert_eq!(committed(&url).await, vec![1, 4]);
        writer.close().await;
        assert!(matches!(
            writer.begin().await,
            Err(StoreError::WriterUnavailable)
        ));
    }
}
