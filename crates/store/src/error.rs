//! The store's one error type. The web layer maps it to HTTP once.

use hazardnet_domain::DomainError;
use serde::Serialize;
use thiserror::Error;

/// One refused row of an import, numbered as the clerk sees it in the sheet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowError {
    pub row: usize,
    pub code: String,
    pub args: Vec<(String, String)>,
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Domain(#[from] DomainError),
    #[error("not found")]
    NotFound,
    /// A value conflicts with an existing record (e.g. a duplicate credit code).
    #[error("conflict: {code}")]
    Conflict { code: &'static str, value: String },
    /// The new values of a write would place the record outside the caller's scope.
    #[error("outside the caller's scope")]
    OutOfScope,
    /// A rule of the workflow refuses the request (reporting for a period that has not
    /// started, for a task that is not the caller's unit's …); `code` names the rule.
    #[error("refused: {code}")]
    Refused { code: &'static str, value: String },
    /// The caller's role may not perform this action.
    #[error("forbidden")]
    Forbidden,
    /// The caller's office lacks the authority the action needs (enforcement power …); `code`
    /// names it, `value` the office.
    #[error("denied: {code}")]
    Denied { code: &'static str, value: String },
    #[error("unknown jurisdiction {0}")]
    UnknownJurisdiction(String),
    #[error("unknown enterprise {0}")]
    UnknownEnterprise(String),
    #[error("unknown industry {0}")]
    UnknownIndustry(String),
    #[error("the record changed since it was read (version {0})")]
    StaleVersion(i64),
    #[error("{} rows refused", .0.len())]
    Rows(Vec<RowError>),
    /// An uploaded file was refused: file_empty, file_too_large, file_type, file_pixels.
    #[error("file refused: {0}")]
    BadFile(&'static str),
    #[error("unsupported database URL scheme {0:?}")]
    UnsupportedUrl(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// From the SQLite writer thread's own connection (`writer/direct.rs`).
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The transaction this write was part of could not be committed; nothing of it was kept.
    #[error("the write was not committed: {0}")]
    CommitFailed(String),
    /// The store was closed, or its writer stayed busy past the wait limit.
    #[error("the store's writer is unavailable")]
    WriterUnavailable,
    /// A stored file no longer matches the SHA-256 recorded when it was uploaded (changed or
    /// removed behind the application's back); it is not served, and the administrators are told.
    #[error("stored file {0} does not match its recorded hash")]
    FileTampered(String),
    #[error("internal: {0}")]
    Internal(String),
}

impl StoreError {
    pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
        matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
    }
}
