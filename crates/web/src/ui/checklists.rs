//! Checklist pages: the shipped standards and the office's own lists, one list's items with its
//! Excel export, and importing a sheet as a new version.

use super::{Chrome, page_error, render};
use crate::AppState;
use crate::api::inspections::checklist_inputs;
use crate::auth::{Caller, PageCaller};
use crate::error::{ApiError, row_message};
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_store::{ChecklistTemplate, StoreError, TemplateItem};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checklists", get(checklists).post(import_checklist))
        .route("/checklists/{id}", get(checklist))
}

#[derive(Template)]
#[template(path = "checklists.html")]
struct ChecklistsPage {
    chrome: Chrome,
    rows: Vec<ChecklistTemplate>,
    errors: Vec<String>,
    name: String,
}

async fn checklists_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    errors: Vec<String>,
    name: String,
) -> Response {
    match state.store.checklist_templates(&caller.principal).await {
        Ok(rows) => render(&ChecklistsPage {
            chrome: Chrome::new(headers, Some(caller), "inspections"),
            rows,
            errors,
            name,
        }),
        Err(e) => page_error(headers, Some(caller), e.into()),
    }
}

async fn checklists(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    checklists_page(&state, &headers, &caller, Vec::new(), String::new()).await
}

async fn import_checklist(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    mut multipart: Multipart,
) -> Response {
    let mut name = String::new();
    let mut bytes = None;
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name() {
            Some("name") => name = field.text().await.unwrap_or_default(),
            Some("file") => {
                bytes = crate::api::upload_part_from(field)
                    .await
                    .ok()
                    .map(|u| u.bytes)
            }
            _ => {}
        }
    }
    let result = match bytes {
        Some(bytes) if bytes.len() <= crate::sheets::MAX_UPLOAD_BYTES => {
            match checklist_inputs(&bytes) {
                Ok(inputs) => state
                    .store
                    .save_checklist(&caller.principal, &name, &inputs)
                    .await
                    .map_err(ApiError::from),
                Err(e) => Err(e),
            }
        }
        Some(_) => Err(ApiError::TooLarge),
        None => Err(ApiError::BadRequest {
            code: "invalid_upload",
            detail: String::new(),
        }),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/checklists/{id}")).into_response(),
        Err(e) => {
            let chrome = Chrome::new(&headers, Some(&caller), "");
            let errors = match &e {
                ApiError::Store(StoreError::Rows(rows)) => {
                    rows.iter().map(|r| row_message(chrome.lang, r)).collect()
                }
                _ => vec![chrome.error_message(&e)],
            };
            checklists_page(&state, &headers, &caller, errors, name).await
        }
    }
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct ChecklistPage {
    chrome: Chrome,
    c: ChecklistTemplate,
    items: Vec<TemplateItem>,
}

async fn checklist(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.checklist_template(&caller.principal, id).await {
        Ok((c, items)) => render(&ChecklistPage {
            chrome: Chrome::new(&headers, Some(&caller), "inspections"),
            c,
            items,
        }),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}
