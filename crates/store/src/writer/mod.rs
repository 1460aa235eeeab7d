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
//!
//! **The disk wait is outside the lock.** The writer runs with `synchronous = NORMAL`, so
//! COMMIT writes the group's pages to the write-ahead log without waiting for the disk; the
//! committer then hands the connection to the next group and only after that syncs the log
//! file itself and answers the group. The next group's work overlaps the sync. The sync runs
//! on a blocking thread, which answers the group the moment it returns: the writer's thread
//! is busy with the next group's writes by then, and a group answered from there would wait
//! for the end of that turn. The log is append-only and one sync flushes the whole file, so a
//! group is on disk once a sync that began after its COMMIT has returned — and so is every
//! group before it. SQLite still syncs the log's header when it starts reusing the file and
//! the database around each checkpoint.
//! Between COMMIT and the sync, readers can already see the group; the web layer holds every
//! response until what was committed before it is on disk ([`Writer::wait_durable`]), so
//! nothing leaves the server — an acknowledgment or a page showing the data — before the data
//! is on disk. If a sync fails, nothing more is written: the group is told, the group open
//! at that moment is rolled back and told too, and the writer refuses further work until a
//! restart lets SQLite recover from the log.
//!
//! **Whole writes on the writer's own thread.** A request's statements, one after another,
//! each wait for the runtime to poll the request again — on a busy 2-core server, behind other
//! requests' work, while it holds the one connection. [`Writer::run`] sends the whole write (a
//! closure) to a thread that runs nothing else, where each statement follows the last at once;
//! the caller gets the value back when the group is on disk. The busiest writes (a hazard's
//! report and its transitions) go this way; the rest hold a [`WriteTx`] from their own task.
//! The committer runs on that thread too: the connection passes from the last write of a turn
//! to the commit and back without waiting for the request runtime to poll the committer
//! behind other requests' work. For a database in a file, that thread also has a connection
//! of its own ([`direct`]), so whole writes run their statements as calls rather than as
//! trips to sqlx's connection thread; they are written once against [`Exec`], which a
//! [`WriteTx`] (either engine) implements too.
//!
//! **Checkpoints** (copying the log back into the database file) run on a read connection
//! every [`CHECKPOINT_EVERY`] instead of inside a commit (and once more that long after the
//! last commit of a burst); the writer's own automatic checkpoint stays as a backstop for a
//! log that has grown past [`WAL_BACKSTOP_PAGES`].
//!
//! Work that is cheaper once per group than once per request runs just before each group's
//! commit, inside it (the store passes it to [`GroupWriter::start`]): the full-text index takes
//! the group's new hazards there in one statement.
//!
//! The parts: `member` (a request's share of a group and its wait), `durability` (the log
//! sync and whom it answers), `jobs` (the writer's thread and its turns), `direct` (that
//! thread's own connection), `exec` (statements written once for either side) and
//! `connection` (opening SQLite's write side).

mod connection;
pub(crate) mod direct;
mod durability;
mod exec;
mod jobs;
mod member;
#[cfg(test)]
mod tests;

use crate::{Result, StoreError};
use connection::writer_pragmas;
pub(crate) use connection::{SqliteWriteConnection, connect_sqlite};
use direct::Side;
use durability::{CommittedGroup, Durability};
pub(crate) use exec::{Exec, Value, WriteJob};
use jobs::{Work, start_job_thread};
use member::{GroupMember, OnDisk, begin_member, member_holding};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, Notify, mpsc, oneshot, watch};

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
            Writer::Group(group) => Ok(WriteTx::Group(
                begin_member(&group.state, &group.wake, Side::Sqlx).await?,
            )),
        }
    }

    /// Runs `job` in one write transaction and returns its value once that is committed and
    /// on disk; an error from the job keeps nothing of it. On SQLite the job runs on the
    /// writer's own thread and its own connection (see the module's documentation), so it
    /// must own what it uses.
    pub(crate) async fn run<J: WriteJob>(&self, job: J) -> Result<J::Output> {
        match self {
            Writer::Pool(_) => {
                let mut tx = self.begin().await?;
                let value = job.run(&mut tx).await?;
                tx.commit().await?;
                Ok(value)
            }
            Writer::Group(group) => jobs::run(group, job).await,
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

    /// Returns once everything committed before this call is on disk (at once on PostgreSQL,
    /// whose commits wait for the disk before they become visible).
    pub(crate) async fn wait_durable(&self) {
        if let Writer::Group(group) = self {
            group.durability.wait_for_committed().await;
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
    durability: Arc<Durability>,
    /// Whole writes for the writer's thread, which ends when this is dropped.
    jobs: mpsc::UnboundedSender<Work>,
}

/// How often the log is copied back into the database file, off the write path.
pub(crate) const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);
/// The writer checkpoints itself only when the log has grown past this many pages (64 MB).
const WAL_BACKSTOP_PAGES: u32 = 16_384;

struct GroupState {
    conn: AnyConnection,
    /// The writer thread's own connection to the same file, for whole writes ([`direct`]);
    /// none for a database that is not a file.
    direct: Option<rusqlite::Connection>,
    /// Which connection holds the outer transaction, begun and not yet committed.
    open: Option<Side>,
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
    /// The statements that end a group: the store's before-commit work, then COMMIT.
    commit_sql: String,
    durability: Arc<Durability>,
    /// Where checkpoints run, and when the last one was started.
    checkpoints: Option<AnyPool>,
    last_checkpoint: Instant,
    /// A group has been committed since the last checkpoint started.
    uncheckpointed: bool,
}

/// What ends a member's share of the group and opens the next member's savepoint, in one call.
macro_rules! release_sql {
    () => {
        "RELEASE member; SAVEPOINT member"
    };
}
pub(crate) use release_sql;

/// A statement whose effect nothing later in the same transaction reads back (the audit log's
/// insert): on SQLite it runs together with the member's release, in one call to the
/// connection's thread instead of two.
pub(crate) struct AtRelease {
    pub sql: &'static str,
    /// The same statement followed by `release_sql!()`.
    pub sql_then_release: &'static str,
    pub args: Vec<crate::sql::Arg>,
}

const BUSY_LIMIT: std::time::Duration = std::time::Duration::from_secs(30);
const SAVEPOINT: &str = "SAVEPOINT member";

impl GroupWriter {
    /// Takes over `conn` (from [`connect_sqlite`]) and starts the writer's thread, which runs
    /// whole writes and the committer.
    /// `before_commit` (statements, each ending in `;`) runs in every group's transaction just
    /// before it commits; `checkpoints` is the pool whose connections copy the log back.
    pub(crate) fn start(
        conn: SqliteWriteConnection,
        before_commit: &str,
        checkpoints: Option<AnyPool>,
    ) -> Result<Arc<GroupWriter>> {
        let SqliteWriteConnection {
            conn, wal, direct, ..
        } = conn;
        let jobs_side = if direct.is_some() {
            Side::Direct
        } else {
            Side::Sqlx
        };
        let durability = Arc::new(Durability {
            committed: AtomicU64::new(0),
            durable: watch::Sender::new(0),
            wal,
        });
        let state = Arc::new(Mutex::new(GroupState {
            conn,
            direct,
            open: None,
            abandoned: false,
            savepoint_ready: false,
            audit_head: None,
            waiting: Vec::new(),
            closed: false,
            commit_sql: format!("{before_commit} COMMIT;"),
            durability: durability.clone(),
            checkpoints,
            last_checkpoint: Instant::now(),
            uncheckpointed: false,
        }));
        let wake = Arc::new(Notify::new());
        let committer = commit_loop(Arc::downgrade(&state), wake.clone());
        let jobs = start_job_thread(state.clone(), wake.clone(), jobs_side, committer)?;
        let writer = Arc::new(GroupWriter {
            state,
            wake,
            durability,
            jobs,
        });
        Ok(writer)
    }
}

impl GroupState {
    fn direct(&self) -> Result<&rusqlite::Connection> {
        self.direct
            .as_ref()
            .ok_or_else(|| StoreError::Internal("the writer has no direct connection".into()))
    }

    /// Runs fixed statements (no arguments, no rows) on `side`'s connection.
    async fn run_on(&mut self, side: Side, sql: &'static str) -> Result<()> {
        match side {
            Side::Sqlx => {
                self.conn.execute(sql).await?;
                Ok(())
            }
            Side::Direct => direct::run_fixed(self.direct()?, sql),
        }
    }

    /// Rolls back the savepoint of a member that left without committing. If that fails the
    /// outer transaction is in an unknown state, so it is rolled back whole.
    async fn undo_abandoned(&mut self) {
        if !self.abandoned {
            return;
        }
        self.abandoned = false;
        // What the member appended to the audit chain is undone with it.
        self.audit_head = None;
        let Some(side) = self.open else { return };
        // ROLLBACK TO keeps the savepoint open, empty: ready for the next member.
        match self.run_on(side, "ROLLBACK TO member").await {
            Ok(()) => self.savepoint_ready = true,
            Err(e) => self.abort(&e.to_string()).await,
        }
    }

    /// Commits the open transaction, if any; its members wait for the sync that follows.
    async fn commit_group(&mut self) -> Option<CommittedGroup> {
        self.undo_abandoned().await;
        let side = self.open?;
        let committed = match side {
            Side::Sqlx => {
                let commit = sqlx::AssertSqlSafe(self.commit_sql.clone());
                self.conn
                    .execute(commit)
                    .await
                    .map(drop)
                    .map_err(Into::into)
            }
            Side::Direct => self
                .direct()
                .and_then(|conn| direct::run_fixed(conn, &self.commit_sql)),
        };
        match committed {
            Ok(()) => {
                self.open = None;
                self.savepoint_ready = false;
                self.audit_head = None;
                self.uncheckpointed = true;
                let generation = self.durability.committed.fetch_add(1, Ordering::AcqRel) + 1;
                Some(CommittedGroup {
                    members: std::mem::take(&mut self.waiting),
                    generation,
                })
            }
            Err(e) => {
                self.abort(&e.to_string()).await;
                None
            }
        }
    }

    /// Commits the open transaction and answers everyone in it once it is on disk, holding
    /// the connection throughout (for work that needs it outside any transaction).
    async fn settle(&mut self) {
        if let Some(group) = self.commit_group().await {
            let synced = self.durability.sync_and_answer(group).await;
            if synced.is_err() {
                self.closed = true;
            }
        }
    }

    /// The pool to checkpoint from, when a checkpoint is due.
    fn checkpoint_due(&mut self) -> Option<AnyPool> {
        let pool = self.checkpoints.as_ref()?;
        if !self.uncheckpointed || self.last_checkpoint.elapsed() < CHECKPOINT_EVERY {
            return None;
        }
        self.last_checkpoint = Instant::now();
        self.uncheckpointed = false;
        Some(pool.clone())
    }

    /// Ends the open transaction without keeping anything and tells everyone waiting on it.
    async fn abort(&mut self, reason: &str) {
        tracing::error!(reason, "the group write transaction was rolled back");
        if let Some(side) = self.open {
            let _ = self.run_on(side, "ROLLBACK").await;
        }
        self.open = None;
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
/// same commit. The connection is free again before the sync: the next group works meanwhile.
/// When writes stop with commits not yet checkpointed, it wakes once more after
/// [`CHECKPOINT_EVERY`] to start that checkpoint, so the log of a burst does not wait for the
/// next write to be copied back.
async fn commit_loop(state: Weak<Mutex<GroupState>>, wake: Arc<Notify>) {
    let mut checkpoint_owed = false;
    loop {
        if checkpoint_owed {
            // Either a member finished, or the writes have stopped: both are handled alike.
            let _ = tokio::time::timeout(CHECKPOINT_EVERY, wake.notified()).await;
        } else {
            wake.notified().await;
        }
        let Some(writer) = state.upgrade() else {
            return;
        };
        let mut guard = writer.lock().await;
        if guard.closed {
            return;
        }
        let group = guard.commit_group().await;
        let checkpoint = guard.checkpoint_due();
        checkpoint_owed = guard.uncheckpointed && guard.checkpoints.is_some();
        let durability = guard.durability.clone();
        drop(guard);
        if let Some(group) = group
            && let Err(reason) = durability.sync_and_answer(group).await
        {
            // Whoever joined the next group meanwhile is told too, and nothing more is kept.
            let mut guard = writer.lock().await;
            guard.closed = true;
            guard.abort(&reason).await;
            return;
        }
        if let Some(pool) = checkpoint {
            // PASSIVE: copies what no reader still needs and never waits for anyone.
            tokio::spawn(async move {
                if let Err(e) = pool.execute("PRAGMA wal_checkpoint(PASSIVE)").await {
                    tracing::warn!(error = %e, "checkpoint failed");
                }
            });
        }
    }
}
