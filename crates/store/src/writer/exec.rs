//! One way for a write to run its statements, whichever connection it is on: a [`WriteTx`]
//! (sqlx, either engine) or a [`DirectMember`] (the SQLite writer thread's own connection,
//! [`super::direct`]). The busiest writes (a hazard's report and its transitions, with their
//! audit entries and deadline jobs) are written once against [`Exec`] and run on either.

use super::direct::DirectMember;
use super::{AtRelease, WriteTx};
use crate::Result;
use crate::sql::Arg;
use sqlx::any::AnyArguments;
use sqlx::{Arguments, Row};
use std::future::Future;

/// One column's value in a row a statement returned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
}

/// The rows a statement returned, each its columns' values in order.
pub(crate) type Rows = Vec<Vec<Value>>;

/// A write transaction that statements run in.
pub(crate) trait Exec: Send {
    /// Runs `sql` (one statement; `$1, $2, …` numbered in order of first use) with `args`
    /// and returns the rows it produced.
    fn rows(
        &mut self,
        sql: &'static str,
        args: Vec<Arg>,
    ) -> impl Future<Output = Result<Rows>> + Send;

    /// Runs a statement whose effect nothing later in the transaction reads back; on SQLite's
    /// sqlx connection it is held back to travel with the member's release, one trip less.
    fn execute_at_release(
        &mut self,
        statement: AtRelease,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The audit chain's head kept for the open SQLite transaction: `None` on PostgreSQL (read
    /// it, locking, from the table); `Some(None)` when not read yet.
    fn audit_head_cache(&mut self) -> Option<&mut Option<(i64, String)>>;
}

/// A write that can run on either kind of transaction, for [`super::Writer::run`].
pub(crate) trait WriteJob: Send + 'static {
    type Output: Send + 'static;
    fn run<E: Exec>(self, tx: &mut E) -> impl Future<Output = Result<Self::Output>> + Send;
}

pub(crate) fn any_arguments(args: Vec<Arg>) -> Result<AnyArguments> {
    let bad = |e: sqlx::error::BoxDynError| crate::StoreError::Internal(format!("argument: {e}"));
    let mut bound = AnyArguments::default();
    for arg in args {
        match arg {
            Arg::Int(v) => bound.add(v),
            Arg::Text(v) => bound.add(v),
            Arg::NullText => bound.add(None::<String>),
            Arg::NullInt => bound.add(None::<i64>),
        }
        .map_err(bad)?;
    }
    Ok(bound)
}

impl Exec for WriteTx {
    async fn rows(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Rows> {
        let rows = sqlx::query_with(sql, any_arguments(args)?)
            .fetch_all(&mut **self)
            .await?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| {
                        if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            return Ok(v.map_or(Value::Null, Value::Int));
                        }
                        let v: Option<String> = row.try_get(i)?;
                        Ok(v.map_or(Value::Null, Value::Text))
                    })
                    .collect()
            })
            .collect()
    }

    /// At once on PostgreSQL; on SQLite when this member releases its savepoint (before that
    /// if another such statement follows it), or never if the member fails.
    async fn execute_at_release(&mut self, statement: AtRelease) -> Result<()> {
        match self {
            WriteTx::Pool(tx) => {
                sqlx::query_with(statement.sql, any_arguments(statement.args)?)
                    .execute(&mut **tx)
                    .await?;
            }
            WriteTx::Group(member) => {
                if let Some(earlier) = member.at_release.replace(statement) {
                    sqlx::query_with(earlier.sql, any_arguments(earlier.args)?)
                        .execute(&mut **member)
                        .await?;
                }
            }
        }
        Ok(())
    }

    fn audit_head_cache(&mut self) -> Option<&mut Option<(i64, String)>> {
        match self {
            WriteTx::Pool(_) => None,
            WriteTx::Group(member) => member.state.as_mut().map(|state| &mut state.audit_head),
        }
    }
}

impl Exec for DirectMember {
    async fn rows(&mut self, sql: &'static str, args: Vec<Arg>) -> Result<Rows> {
        self.query(sql, &args)
    }

    async fn execute_at_release(&mut self, statement: AtRelease) -> Result<()> {
        // A statement here costs no trip to another thread: nothing to save by holding it.
        self.query(statement.sql, &statement.args).map(drop)
    }

    fn audit_head_cache(&mut self) -> Option<&mut Option<(i64, String)>> {
        Some(self.audit_head())
    }
}
