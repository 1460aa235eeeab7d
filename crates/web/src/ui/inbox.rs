//! The inbox page: deadline reminders and overdue escalations, in the reader's language.

use super::enterprises::china_time;
use super::{Chrome, page_error, render};
use crate::AppState;
use crate::auth::PageCaller;
use crate::i18n::t_args;
use askama::Template;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/{id}/read", post(mark_read))
}

struct MessageLine {
    id: i64,
    hazard_id: Option<i64>,
    at: String,
    text: String,
    unread: bool,
}

#[derive(Template)]
#[template(path = "inbox.html")]
struct InboxPage {
    chrome: Chrome,
    unread_label: String,
    messages: Vec<MessageLine>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "inbox");
    let lang = chrome.lang;
    let (items, unread) = match state
        .store
        .inbox(caller.principal.user_id, false, 200)
        .await
    {
        Ok(r) => r,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let messages = items
        .into_iter()
        .map(|m| {
            let params: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&m.body).unwrap_or_default();
            let args: Vec<(String, String)> = params
                .into_iter()
                .map(|(k, v)| {
                    (
                        k,
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect();
            MessageLine {
                id: m.id,
                hazard_id: m.hazard_id,
                at: china_time(&m.created_at),
                text: t_args(lang, &format!("inbox.{}", m.kind), &args),
                unread: m.read_at.is_none(),
            }
        })
        .collect();
    render(&InboxPage {
        unread_label: t_args(lang, "ui.unread", &[("count", unread.to_string())]),
        messages,
        chrome,
    })
}

async fn mark_read(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.mark_read(caller.principal.user_id, id).await {
        Ok(()) => Redirect::to("/inbox").into_response(),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}
