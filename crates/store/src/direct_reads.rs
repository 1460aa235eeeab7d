//! The reads every write request makes — who the caller is (from their token or session), and
//! the enterprise or hazard it writes to — on SQLite, run on the request's own thread through
//! a few connections of the store's own.
//!
//! Through sqlx's pool, a read is a trip to that connection's thread and back: two thread
//! wake-ups on a 2-core machine busy with other requests, for a lookup by primary key that
//! SQLite answers in some tens of microseconds. Every API request made that trip once before
//! its own work began, and every report or transition once more, so they are made here
//! instead, blocking the request's thread for that long (well inside what an async runtime
//! tolerates between two awaits). Everything else keeps sqlx's pool; PostgreSQL has no such
//! path. [`crate::Store::read_row`] picks the path. The ledger export's one long read runs
//! here too, on a blocking thread, handing on whole chunks of rows
//! ([`DirectReads::for_each_chunk`]).

use crate::sql::{Arg, Sql};
use crate::writer::direct;
use crate::{Result, Store, StoreError};
use rusqlite::{Connection, OpenFlags};
use serde::de::DeserializeOwned;
use sqlx::FromRow;
use sqlx::any::AnyRow;
use std::path::PathBuf;
use std::sync::Mutex;

/// How many idle connections are kept: one per core and two to spare. A request that finds
/// none opens one (and closes it after, if as many are already kept).
const KEPT: usize = 4;

pub(crate) struct DirectReads {
    file: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl DirectReads {
    pub(crate) fn new(file: PathBuf) -> DirectReads {
        DirectReads {
            file,
            idle: Mutex::new(Vec::new()),
        }
    }

    fn open(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.file,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The settings of the pool's readers; and a reader refuses any write, whatever
        // statement it is given.
        conn.execute_batch(crate::SQLITE_PRAGMAS)?;
        conn.execute_batch("PRAGMA query_only = ON;")?;
        Ok(conn)
    }

    /// Runs `read` on a kept connection (or a new one) and keeps the connection after.
    fn with_connection<T>(&self, read: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let kept = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let conn = match kept {
            Some(conn) => conn,
            None => self.open()?,
        };
        let result = read(&conn);
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
        {
            idle.push(conn);
        }
        result
    }

    /// The first row of one read, decoded by its columns' names as sqlx's `FromRow` decodes
    /// the same row from the pool.
    fn first_row<T: DeserializeOwned>(&self, sql: &str, args: &[Arg]) -> Result<Option<T>> {
        self.with_connection(|conn| {
            let mut statement = conn.prepare_cached(sql)?;
            direct::bind(&mut statement, sql, args)?;
            let columns = serde_rusqlite::columns_from_statement(&statement);
            let mut rows = statement.raw_query();
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            decode_row(row, &columns).map(Some)
        })
    }

    /// Runs `sql` on a kept connection, on the calling (blocking) thread, and hands its rows,
    /// each decoded by column name as [`DirectReads::first_row`] does and then `convert`ed, to
    /// `each` in chunks of `chunk` and a last, shorter one. Stops early when `each` returns
    /// false. Returns how many rows were read.
    pub(crate) fn for_each_chunk<T: DeserializeOwned, U>(
        &self,
        sql: &str,
        args: &[Arg],
        chunk: usize,
        convert: impl Fn(T) -> U,
        mut each: impl FnMut(Vec<U>) -> bool,
    ) -> Result<usize> {
        self.with_connection(|conn| {
            let mut statement = conn.prepare_cached(sql)?;
            direct::bind(&mut statement, sql, args)?;
            let columns = serde_rusqlite::columns_from_statement(&statement);
            let mut rows = statement.raw_query();
            let mut buffer = Vec::with_capacity(chunk);
            let mut total = 0;
            while let Some(row) = rows.next()? {
                buffer.push(convert(decode_row(row, &columns)?));
                if buffer.len() == chunk {
                    total += buffer.len();
                    if !each(std::mem::replace(&mut buffer, Vec::with_capacity(chunk))) {
                        return Ok(total);
                    }
                }
            }
            total += buffer.len();
            each(buffer);
            Ok(total)
        })
    }
}

/// Decodes `row` by its `columns`' names into the serde struct that sqlx's `FromRow` fills
/// from the pool.
fn decode_row<T: DeserializeOwned>(row: &rusqlite::Row<'_>, columns: &[String]) -> Result<T> {
    serde_rusqlite::from_row_with_columns(row, columns)
        .map_err(|e| StoreError::Internal(format!("a row of unexpected shape: {e}")))
}

impl Store {
    /// The first row `sql` selects: on a SQLite file through the direct readers, otherwise
    /// (PostgreSQL, a database in memory) through the pool. For the lookups by key that every
    /// write request makes; `T` decodes the row by column name either way.
    pub(crate) async fn read_row<T>(&self, sql: &Sql) -> Result<Option<T>>
    where
        T: DeserializeOwned + for<'r> FromRow<'r, AnyRow> + Send + Unpin,
    {
        match &self.direct_reads {
            Some(reads) => reads.first_row(sql.text(), sql.args()),
            None => Ok(sql.query_as().fetch_optional(&self.read).await?),
        }
    }
}
