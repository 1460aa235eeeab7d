//! The Excel import page shared by the enterprise register and the hazard ledger: the upload,
//! a check-only mode, and after it the success or every refused row with its reason.

use crate::error::{ApiError, row_message};
use crate::i18n::{Lang, t_args};
use crate::ui::{Choice, Chrome};
use askama::Template;
use axum::http::StatusCode;
use hazardnet_store::StoreError;
use serde::Deserialize;

/// The import page, shared by the registry and the ledger.
#[derive(Template)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub title: String,
    pub help: String,
    pub action: &'static str,
    pub extra_query: String,
    pub template_href: Option<&'static str>,
    pub enterprises: Vec<Choice>,
    pub success: Option<String>,
    pub error: Option<String>,
    pub rows: Vec<(usize, String)>,
}

/// What an import page shows after an upload: success, or the error and every refused row.
pub struct ImportOutcome {
    pub success: Option<String>,
    pub error: Option<String>,
    pub rows: Vec<(usize, String)>,
    pub status: StatusCode,
}

pub fn import_outcome(chrome: &Chrome, result: Result<String, ApiError>) -> ImportOutcome {
    match result {
        Ok(message) => ImportOutcome {
            success: Some(message),
            error: None,
            rows: vec![],
            status: StatusCode::OK,
        },
        Err(ApiError::Store(StoreError::Rows(rows))) => {
            let lines = rows
                .iter()
                .map(|r| (r.row, row_message(chrome.lang, r)))
                .collect();
            let error = ApiError::Store(StoreError::Rows(rows));
            ImportOutcome {
                success: None,
                error: Some(chrome.error_message(&error)),
                rows: lines,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            }
        }
        Err(e) => ImportOutcome {
            success: None,
            error: Some(chrome.error_message(&e)),
            rows: vec![],
            status: e.status_and_payload().0,
        },
    }
}

/// The message of a finished import.
pub fn import_message(lang: Lang, dry_run: bool, rows: usize, imported: usize) -> String {
    if dry_run {
        t_args(lang, "ui.import_checked", &[("count", rows.to_string())])
    } else {
        t_args(lang, "ui.import_ok", &[("count", imported.to_string())])
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ImportQuery {
    pub mode: String,
}
