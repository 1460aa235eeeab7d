//! The group writer: durability when answered, failures kept apart, the log sync.

use super::*;
use sqlx::Connection;
use sqlx::Row;
use std::path::PathBuf;

async fn writer_on(dir: &tempfile::TempDir) -> (Writer, String) {
    writer_with(dir, None, false).await
}

/// A writer on a fresh file with table `t`; `wal` replaces the log file it syncs, and with
/// `checkpoints` it copies the log back from a pool of its own, as the store's writer does.
async fn writer_with(
    dir: &tempfile::TempDir,
    wal: Option<PathBuf>,
    checkpoints: bool,
) -> (Writer, String) {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("w.db").display());
    let mut conn = connect_sqlite(&url).await.unwrap();
    if wal.is_some() {
        conn.wal = wal;
    }
    let checkpoints = if checkpoints {
        Some(AnyPool::connect(&url).await.unwrap())
    } else {
        None
    };
    (start_with_table(conn, checkpoints).await, url)
}

/// Starts a writer on `conn` and creates table `t` through it.
async fn start_with_table(conn: SqliteWriteConnection, checkpoints: Option<AnyPool>) -> Writer {
    let writer = Writer::Group(GroupWriter::start(conn, "", checkpoints).unwrap());
    writer
        .with_connection(async |conn| {
            conn.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)")
                .await?;
            Ok(())
        })
        .await
        .unwrap();
    writer
}

/// Waits for the writes `tasks` (task `n` wrote `n`): those that `fails` picks must have failed,
/// the others returned their number. Returns what should be in `t` now.
async fn check_outcomes(
    tasks: Vec<tokio::task::JoinHandle<Result<i64>>>,
    fails: impl Fn(i64) -> bool,
) -> Vec<i64> {
    let mut kept = Vec::new();
    for (n, task) in (0_i64..).zip(tasks) {
        let outcome = task.await.unwrap();
        if fails(n) {
            assert!(outcome.is_err(), "{n}");
        } else {
            assert_eq!(outcome.unwrap(), n);
            kept.push(n);
        }
    }
    kept
}

/// Runs `count` whole writes at once, `n` = 0, 1, …, those that `fails` names failing after
/// they wrote, and returns the numbers that must be kept ([`check_outcomes`]).
async fn run_whole_writes(writer: &Writer, count: i64, fails: fn(i64) -> bool) -> Vec<i64> {
    let tasks: Vec<_> = (0..count)
        .map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move { writer.run(InsertJob { n, fail: fails(n) }).await })
        })
        .collect();
    check_outcomes(tasks, fails).await
}

async fn insert(tx: &mut WriteTx, n: i64) -> Result<()> {
    sqlx::query("INSERT INTO t (n) VALUES ($1)")
        .bind(n)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// A whole write for the writer's thread: inserts `n`, and for `fail` inserts `1000 + n`
/// twice, so that it fails after writing.
struct InsertJob {
    n: i64,
    fail: bool,
}

impl WriteJob for InsertJob {
    type Output = i64;

    async fn run<E: Exec>(self, tx: &mut E) -> Result<i64> {
        let insert = "INSERT INTO t (n) VALUES ($1)";
        tx.rows(insert, vec![self.n.into()]).await?;
        if self.fail {
            tx.rows(insert, vec![(1000 + self.n).into()]).await?;
            tx.rows(insert, vec![(1000 + self.n).into()]).await?;
        }
        Ok(self.n)
    }
}

/// Writes `0..n` from `n` tasks at once, each in its own transaction, and waits for all.
async fn commit_concurrently(writer: &Writer, n: i64) {
    let tasks: Vec<_> = (0..n)
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
    commit_concurrently(&writer, 64).await;
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_committer_syncs_the_log_and_responses_can_wait_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, url) = writer_on(&dir).await;
    let Writer::Group(group) = &writer else {
        unreachable!("SQLite writes in groups")
    };
    // COMMIT leaves the sync to the committer: synchronous = NORMAL (1), the log known.
    let synchronous: i64 = writer
        .with_connection(async |conn| {
            Ok(sqlx::query_scalar("PRAGMA synchronous")
                .fetch_one(conn)
                .await?)
        })
        .await
        .unwrap();
    assert_eq!(synchronous, 1);
    assert!(
        group
            .durability
            .wal
            .as_ref()
            .is_some_and(|wal| wal.exists())
    );
    commit_concurrently(&writer, 16).await;
    writer.wait_durable().await;
    let groups = group.durability.committed.load(Ordering::Acquire);
    assert!(groups >= 1);
    assert!(*group.durability.durable.borrow() >= groups);
    assert_eq!(committed(&url).await.len(), 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_sync_is_reported_and_stops_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    // A log that cannot be opened stands in for a disk that refuses to sync.
    let missing = dir.path().join("missing").join("w.db-wal");
    let (writer, _) = writer_with(&dir, Some(missing), false).await;
    let mut tx = writer.begin().await.unwrap();
    insert(&mut tx, 1).await.unwrap();
    assert!(matches!(
        tx.commit().await,
        Err(StoreError::CommitFailed(_))
    ));
    // Nobody waits for a sync that will not come, and nothing more is written.
    writer.wait_durable().await;
    assert!(matches!(
        writer.begin().await,
        Err(StoreError::WriterUnavailable)
    ));
}

/// A member that joins the next group while the last group's sync is under way is not left
/// waiting when that sync fails: its group is rolled back and it is told. The log the
/// committer syncs is a named pipe here, so the sync waits (in its open) until the test lets
/// it go on, and then fails (a pipe cannot be synced).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_open_when_a_sync_fails_is_rolled_back_and_told() {
    let dir = tempfile::tempdir().unwrap();
    let pipe = dir.path().join("w.db-wal-pipe");
    let made = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(made.success());
    let (writer, url) = writer_with(&dir, Some(pipe.clone()), false).await;
    let Writer::Group(group) = &writer else {
        unreachable!("SQLite writes in groups")
    };
    let before = group.durability.committed.load(Ordering::Acquire);
    let first = {
        let writer = writer.clone();
        tokio::spawn(async move {
            let mut tx = writer.begin().await?;
            insert(&mut tx, 1).await?;
            tx.commit().await
        })
    };
    // The first group is committed and its sync is waiting on the pipe.
    tokio::time::timeout(Duration::from_secs(10), async {
        while group.durability.committed.load(Ordering::Acquire) == before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the first group commits");
    let second = {
        let writer = writer.clone();
        tokio::spawn(async move {
            let mut tx = writer.begin().await?;
            insert(&mut tx, 2).await?;
            tx.commit().await
        })
    };
    // The second member has released its savepoint and waits in the open group.
    tokio::time::timeout(Duration::from_secs(10), async {
        while group.state.lock().await.waiting.is_empty() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the second member joins the next group");
    // Let the sync open the pipe; syncing it fails.
    let writer_end =
        tokio::task::spawn_blocking(move || std::fs::OpenOptions::new().write(true).open(&pipe));
    let told = |task: tokio::task::JoinHandle<Result<()>>| async move {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("a member waiting for a failed sync is told")
            .unwrap()
    };
    assert!(matches!(
        told(first).await,
        Err(StoreError::CommitFailed(_))
    ));
    assert!(matches!(
        told(second).await,
        Err(StoreError::CommitFailed(_))
    ));
    writer_end.await.unwrap().unwrap();
    assert!(matches!(
        writer.begin().await,
        Err(StoreError::WriterUnavailable)
    ));
    drop(writer);
    // The open group was rolled back: its write is not in the database.
    assert!(!committed(&url).await.contains(&2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_writes_on_the_writer_thread_commit_together_and_fail_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, url) = writer_on(&dir).await;
    // Every seventh fails after writing: none of it may stay.
    let expected = run_whole_writes(&writer, 32, |n| n % 7 == 3).await;
    assert_eq!(committed(&url).await, expected);
}

/// A member's last statements run with its release, inside its own savepoint: both are kept,
/// and the member after it on the same connection, in the same group, fails without taking
/// them along (had the release not run, its rollback would have undone them too).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_left_for_the_release_stay_with_their_member() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, url) = writer_on(&dir).await;
    let Writer::Group(group) = &writer else {
        unreachable!("SQLite writes in groups")
    };
    let mut first = WriteTx::Group(
        begin_member(&group.state, &group.wake, Side::Sqlx)
            .await
            .unwrap(),
    );
    for n in [1_i64, 3] {
        let args = vec![n.into()];
        first
            .execute_at_release(AtRelease {
                sql: "INSERT INTO t (n) VALUES ($1)",
                sql_then_release: concat!("INSERT INTO t (n) VALUES ($1); ", release_sql!()),
                args,
            })
            .await
            .unwrap();
    }
    let WriteTx::Group(mut first) = first else {
        unreachable!("a member of the group")
    };
    let (on_disk, state) = first.release_holding().await.unwrap();
    let mut second = WriteTx::Group(
        member_holding(state, &group.wake, Side::Sqlx)
            .await
            .unwrap(),
    );
    insert(&mut second, 2).await.unwrap();
    drop(second);
    on_disk.wait().await.unwrap();
    assert_eq!(committed(&url).await, vec![1, 3]);
}

/// The last writes of a burst are copied back into the database file without waiting for
/// another write: the file alone (copied without its log) holds them after a while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_writes_of_a_burst_are_checkpointed_without_another_write() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, _) = writer_with(&dir, None, true).await;
    // Within the first checkpoint interval: no checkpoint starts at these commits.
    commit_concurrently(&writer, 4).await;
    let copy = dir.path().join("copy.db");
    let copy_url = format!("sqlite://{}?mode=rwc", copy.display());
    // Generous: the checkpoint is due CHECKPOINT_EVERY after the last commit.
    for _ in 0..100 {
        std::fs::copy(dir.path().join("w.db"), &copy).unwrap();
        let _ = std::fs::remove_file(dir.path().join("copy.db-wal"));
        let _ = std::fs::remove_file(dir.path().join("copy.db-shm"));
        if let Ok(mut conn) = AnyConnection::connect(&copy_url).await {
            let rows: std::result::Result<i64, _> = sqlx::query_scalar("SELECT COUNT(*) FROM t")
                .fetch_one(&mut conn)
                .await;
            let _ = conn.close().await;
            if matches!(rows, Ok(4)) {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the log was not copied back into the database file");
}

/// Whole writes on the writer's own connection and transactions on the sqlx connection, all
/// at once: the two connections take turns at the open transaction, and every write that
/// succeeds is kept, every one that fails is not, whichever connection it was on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_on_both_connections_at_once_are_kept_apart_and_together() {
    let dir = tempfile::tempdir().unwrap();
    let (writer, url) = writer_on(&dir).await;
    let Writer::Group(group) = &writer else {
        unreachable!("SQLite writes in groups")
    };
    assert!(
        group.state.lock().await.direct.is_some(),
        "a database in a file has the writer's own connection"
    );
    let tasks: Vec<_> = (0..48)
        .map(|n| {
            let writer = writer.clone();
            tokio::spawn(async move {
                let fail = n % 5 == 2;
                if n % 3 == 0 {
                    let mut tx = writer.begin().await?;
                    insert(&mut tx, n).await?;
                    if fail {
                        insert(&mut tx, n).await?;
                    }
                    tx.commit().await.map(|()| n)
                } else {
                    writer.run(InsertJob { n, fail }).await
                }
            })
        })
        .collect();
    let expected = check_outcomes(tasks, |n| n % 5 == 2).await;
    assert_eq!(committed(&url).await, expected);
}

/// A database that is not a file has no connection for the writer's thread: whole writes run
/// on the sqlx connection there, and are kept or not just the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_file_whole_writes_run_on_the_sqlx_connection() {
    sqlx::any::install_default_drivers();
    let conn = connect_sqlite("sqlite::memory:").await.unwrap();
    assert!(conn.direct.is_none());
    let writer = start_with_table(conn, None).await;
    let expected = run_whole_writes(&writer, 16, |n| n % 4 == 1).await;
    let kept = writer
        .with_connection(async |conn| {
            Ok(sqlx::query_scalar::<_, i64>("SELECT n FROM t ORDER BY n")
                .fetch_all(conn)
                .await?)
        })
        .await
        .unwrap();
    assert_eq!(kept, expected);
}
