//! Opening SQLite's write side: the sqlx connection with the writer's settings, and for a
//! database file in WAL mode the log the committer syncs and the writer thread's own
//! connection.

use super::{WAL_BACKSTOP_PAGES, direct};
use crate::Result;
use sqlx::{AnyConnection, Connection, Executor};
use std::path::PathBuf;

/// The SQLite write connections and the log file the committer syncs.
pub(crate) struct SqliteWriteConnection {
    pub(super) conn: AnyConnection,
    /// The database file, when it is one in WAL mode.
    pub(crate) file: Option<PathBuf>,
    pub(super) wal: Option<PathBuf>,
    /// The writer thread's own connection, for a database in a file in WAL mode.
    pub(super) direct: Option<rusqlite::Connection>,
}

/// The settings of both write connections (sqlx's and the writer thread's own): the store's,
/// savepoints keeping the original of every page a request changes in memory rather than in
/// a temporary file on disk, and the writer's own checkpoint only as a backstop.
pub(super) fn writer_pragmas() -> String {
    format!(
        "{} PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {WAL_BACKSTOP_PAGES};",
        crate::SQLITE_PRAGMAS
    )
}

/// Opens the SQLite write connection with the store's settings.
pub(crate) async fn connect_sqlite(url: &str) -> Result<SqliteWriteConnection> {
    let mut conn = AnyConnection::connect(url).await?;
    conn.execute(sqlx::AssertSqlSafe(writer_pragmas())).await?;
    let file: String =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_one(&mut conn)
            .await?;
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await?;
    // A database on disk in WAL mode: the committer syncs the log after COMMIT. Anything else
    // (in memory) keeps SQLite's own sync in COMMIT.
    let on_disk = !file.is_empty() && journal.eq_ignore_ascii_case("wal");
    let wal = on_disk.then(|| PathBuf::from(format!("{file}-wal")));
    let direct = if on_disk {
        conn.execute("PRAGMA synchronous = NORMAL").await?;
        Some(direct::open(std::path::Path::new(&file))?)
    } else {
        None
    };
    Ok(SqliteWriteConnection {
        conn,
        file: on_disk.then(|| PathBuf::from(&file)),
        wal,
        direct,
    })
}
