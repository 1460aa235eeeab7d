//! The read every request makes — who the caller is, from their token or session — on SQLite,
//! run on the request's own thread through a few connections of the store's own.
//!
//! Through sqlx's pool, a read is a trip to that connection's thread and back: two thread
//! wake-ups on a 2-core machine busy with other requests, for a lookup by primary key that
//! SQLite answers in some tens of microseconds. Every API request made that trip once before
//! its own work began, so it is made here instead, blocking the request's thread for that
//! long (well inside what an async runtime tolerates between two awaits). Everything else
//! keeps sqlx's pool; PostgreSQL has no such path.

use crate::Result;
use crate::sql::Arg;
use crate::writer::Rows;
use crate::writer::direct;
use rusqlite::{Connection, OpenFlags};
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

    /// Runs one read and returns its rows.
    pub(crate) fn rows(&self, sql: &str, args: &[Arg]) -> Result<Rows> {
        let kept = self.idle.lock().map(|mut idle| idle.pop()).unwrap_or(None);
        let conn = match kept {
            Some(conn) => conn,
            None => self.open()?,
        };
        let rows = direct::query(&conn, sql, args)?;
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEPT
        {
            idle.push(conn);
        }
        Ok(rows)
    }
}
