//! The SQLite writer thread's own connection.
//!
//! Through sqlx, every statement is a trip to that connection's own thread and back: the
//! writer's thread sends it, sleeps, and wakes when the answer comes. A hazard's report was
//! two such trips and a transition two more, each a pair of thread wake-ups on a 2-core
//! machine that is busy with HTTP work, and that chain of trips — not SQLite — set how many
//! writes a second the one writer could take. So the writer's thread also holds a connection
//! of its own (rusqlite, on the same file and the same bundled SQLite library) and runs the
//! whole writes it is sent ([`super::Writer::run`]) on it directly: each statement is a call,
//! not a trip.
//!
//! The two connections never hold a transaction at the same time. The group's state
//! remembers which one has the open transaction ([`Side`]); a member that needs the other
//! first commits the open group, as the committer would, and waits for its sync
//! ([`super::GroupState::settle`]). Writes other than the busiest ones (every other part of
//! the store, written once for both engines through sqlx) still run on the sqlx connection;
//! they are rare beside reports and transitions, so the switch costs little.

use super::GroupMember;
use super::exec::{Rows, Value};
use crate::sql::Arg;
use crate::{Result, StoreError};
use rusqlite::types::{Null, ValueRef};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Which connection holds the group's open transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The sqlx connection: [`super::WriteTx`] members, and every write on a database that is
    /// not a file.
    Sqlx,
    /// The writer thread's own connection ([`DirectMember`]).
    Direct,
}

/// How many prepared statements the direct connection keeps: the busiest writes' dozen, the
/// group's savepoint and commit statements, and room to spare.
const STATEMENT_CACHE: usize = 64;

/// Opens the writer thread's connection to `file`, with the settings of the sqlx writer
/// connection ([`super::connect_sqlite`]).
pub(super) fn open(file: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        file,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.execute_batch(&super::writer_pragmas())?;
    // Only a database in WAL mode has this connection; the committer syncs its log.
    conn.execute_batch("PRAGMA synchronous = NORMAL;")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Runs `statements` (each ending in `;`, none with a `;` inside it) one by one, each prepared
/// once and kept.
pub(super) fn run_fixed(conn: &Connection, statements: &str) -> Result<()> {
    for statement in statements.split(';').map(str::trim) {
        if !statement.is_empty() {
            conn.prepare_cached(statement)?.raw_execute()?;
        }
    }
    Ok(())
}

/// Binds `args` to `statement`'s placeholders, in order.
pub(crate) fn bind(statement: &mut rusqlite::Statement<'_>, sql: &str, args: &[Arg]) -> Result<()> {
    if statement.parameter_count() != args.len() {
        return Err(StoreError::Internal(format!(
            "{} arguments for {} placeholders: {sql}",
            args.len(),
            statement.parameter_count()
        )));
    }
    for (i, arg) in args.iter().enumerate() {
        match arg {
            Arg::Int(v) => statement.raw_bind_parameter(i + 1, v)?,
            Arg::Text(v) => statement.raw_bind_parameter(i + 1, v)?,
            Arg::NullText | Arg::NullInt => statement.raw_bind_parameter(i + 1, Null)?,
        }
    }
    Ok(())
}

/// Runs one statement with its arguments and returns its rows.
pub(crate) fn query(conn: &Connection, sql: &str, args: &[Arg]) -> Result<Rows> {
    let mut statement = conn.prepare_cached(sql)?;
    bind(&mut statement, sql, args)?;
    let columns = statement.column_count();
    let mut rows = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns)
            .map(|i| match row.get_ref(i)? {
                ValueRef::Null => Ok(Value::Null),
                ValueRef::Integer(v) => Ok(Value::Int(v)),
                ValueRef::Text(text) => Ok(Value::Text(
                    std::str::from_utf8(text)
                        .map_err(|e| StoreError::Internal(format!("column {i}: {e}")))?
                        .to_string(),
                )),
                ValueRef::Real(_) | ValueRef::Blob(_) => Err(StoreError::Internal(format!(
                    "column {i} of {sql}: neither text nor an integer"
                ))),
            })
            .collect::<Result<Vec<Value>>>()?;
        out.push(values);
    }
    Ok(out)
}

/// A member of the group on the writer thread's own connection: what whole writes run on.
pub(crate) struct DirectMember(pub(super) GroupMember);

impl DirectMember {
    pub(super) fn query(&mut self, sql: &str, args: &[Arg]) -> Result<Rows> {
        let state = self.0.state.as_mut().ok_or(StoreError::WriterUnavailable)?;
        query(state.direct()?, sql, args)
    }

    pub(super) fn audit_head(&mut self) -> &mut Option<(i64, String)> {
        match self.0.state.as_mut() {
            Some(state) => &mut state.audit_head,
            // A member gives up the connection only when it is consumed or dropped.
            None => unreachable!("a group member is used after it committed"),
        }
    }
}
