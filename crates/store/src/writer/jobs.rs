//! The SQLite writer's own thread, which runs whole writes ([`super::Writer::run`]) one after
//! another as members of the current group, keeping the connection from one to the next while
//! more are waiting, and the committer beside them (see the parent module's documentation).

use super::direct::{DirectMember, Side};
use super::{
    GroupMember, GroupState, GroupWriter, OnDisk, WriteJob, WriteTx, begin_member, member_holding,
};
use crate::{Result, StoreError};
use futures_util::future::BoxFuture;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, mpsc, oneshot};

/// The transaction a whole write runs in on the writer's thread: on the writer's own
/// connection, or (for a database that is not a file) on the sqlx one.
pub(super) enum JobTx {
    Direct(DirectMember),
    Sqlx(WriteTx),
}

impl JobTx {
    fn new(member: GroupMember, side: Side) -> JobTx {
        match side {
            Side::Direct => JobTx::Direct(DirectMember(member)),
            Side::Sqlx => JobTx::Sqlx(WriteTx::Group(member)),
        }
    }

    fn into_member(self) -> Option<GroupMember> {
        match self {
            JobTx::Direct(DirectMember(member)) | JobTx::Sqlx(WriteTx::Group(member)) => {
                Some(member)
            }
            // Never built here (`JobTx::new` makes group members only).
            JobTx::Sqlx(WriteTx::Pool(_)) => None,
        }
    }
}

/// A write sent to the writer's thread: given its transaction (or why there is none), it does
/// its work. Done, it hands back how to answer its caller once its savepoint is released; failed,
/// it has answered already.
pub(super) type Work = Box<
    dyn for<'a> FnOnce(
            std::result::Result<&'a mut JobTx, StoreError>,
        ) -> BoxFuture<'a, Option<Respond>>
        + Send,
>;
/// Answers a whole write's caller with the wait for its group's sync (or why it failed).
type Respond = Box<dyn FnOnce(Result<OnDisk>) + Send>;
/// How many whole writes the writer's thread runs before it lets the committer (and any other
/// writer) have the connection: at most one group. Smaller groups keep more than one in flight
/// (one syncing and being answered while the next is written); at 32 clients 16 did better
/// than 64 (every client in one group, then all waiting together) and than 8 (a commit's cost
/// shared by too few), see docs/performance.md.
const JOBS_PER_TURN: usize = 16;

/// Sends `job` to the writer's thread and returns its value once its group is on disk.
pub(super) async fn run<J: WriteJob>(group: &GroupWriter, job: J) -> Result<J::Output> {
    let (reply, answer) = oneshot::channel::<Result<(J::Output, OnDisk)>>();
    let work: Work = Box::new(move |tx| {
        Box::pin(async move {
            let done = match tx {
                Ok(JobTx::Direct(tx)) => job.run(tx).await,
                Ok(JobTx::Sqlx(tx)) => job.run(tx).await,
                Err(e) => Err(e),
            };
            match done {
                Ok(value) => Some(Box::new(move |on_disk: Result<OnDisk>| {
                    let _ = reply.send(on_disk.map(|on_disk| (value, on_disk)));
                }) as Respond),
                Err(e) => {
                    let _ = reply.send(Err(e));
                    None
                }
            }
        })
    });
    group
        .jobs
        .send(work)
        .map_err(|_| StoreError::WriterUnavailable)?;
    let (value, on_disk) = answer.await.map_err(|_| StoreError::WriterUnavailable)??;
    on_disk.wait().await?;
    Ok(value)
}

/// Starts the thread that runs whole writes ([`super::Writer::run`]) one after another, each as a
/// member of the current group, and `committer` beside them. It ends when the writer is
/// dropped: nobody is waiting for a group then (every caller holds the writer while it waits),
/// so the committer stops with it.
pub(super) fn start_job_thread(
    state: Arc<Mutex<GroupState>>,
    wake: Arc<Notify>,
    side: Side,
    committer: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<mpsc::UnboundedSender<Work>> {
    let (sender, mut jobs) = mpsc::unbounded_channel::<Work>();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| StoreError::Internal(format!("the writer's runtime: {e}")))?;
    std::thread::Builder::new()
        .name("hazardnet-writer".into())
        .spawn(move || {
            runtime.block_on(async move {
                tokio::spawn(committer);
                // The connection, kept from one job to the next while more are waiting.
                let mut held: Option<OwnedMutexGuard<GroupState>> = None;
                let mut turn = 0;
                loop {
                    let next = if held.is_some() && turn < JOBS_PER_TURN {
                        jobs.try_recv().ok()
                    } else {
                        None
                    };
                    let work = match next {
                        Some(work) => work,
                        None => {
                            // Nothing more waiting (or the turn is over): the committer's go.
                            held = None;
                            if turn >= JOBS_PER_TURN {
                                // The committer is a task on this thread: it queues for the
                                // connection only once this loop lets it run. Without this the
                                // loop would take the free lock again at once, and the group
                                // would grow until no job was waiting.
                                tokio::task::yield_now().await;
                            }
                            turn = 0;
                            match jobs.recv().await {
                                Some(work) => work,
                                None => return,
                            }
                        }
                    };
                    turn += 1;
                    let member = match held.take() {
                        Some(state) => member_holding(state, &wake, side).await,
                        None => begin_member(&state, &wake, side).await,
                    };
                    let mut tx = match member {
                        Ok(member) => JobTx::new(member, side),
                        Err(e) => {
                            work(Err(e)).await;
                            continue;
                        }
                    };
                    // A job that failed has answered; its savepoint is rolled back (Drop).
                    if let Some(respond) = work(Ok(&mut tx)).await
                        && let Some(mut member) = tx.into_member()
                    {
                        match member.release_holding().await {
                            Ok((on_disk, state)) => {
                                held = Some(state);
                                respond(Ok(on_disk));
                            }
                            Err(e) => respond(Err(e)),
                        }
                    }
                }
            })
        })
        .map_err(|e| StoreError::Internal(format!("the writer's thread: {e}")))?;
    Ok(sender)
}
