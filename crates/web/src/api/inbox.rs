//! `/api/v1/inbox`: the signed-in user's reminders and escalations.

use super::ApiQuery;
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use hazardnet_store::InboxMessage;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inbox", get(list))
        .route("/inbox/{id}/read", post(mark_read))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct InboxQuery {
    pub unread: bool,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InboxPage {
    pub items: Vec<InboxMessage>,
    pub total: i64,
    pub unread: i64,
}

#[utoipa::path(get, path = "/api/v1/inbox", tag = "inbox", params(InboxQuery),
    responses((status = 200, body = InboxPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<InboxPage>, ApiError> {
    let (items, unread) = state
        .store
        .inbox(caller.principal.user_id, q.unread, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(InboxPage {
        total: items.len() as i64,
        items,
        unread,
    }))
}

#[utoipa::path(post, path = "/api/v1/inbox/{id}/read", tag = "inbox", params(("id" = i64, Path)),
    responses((status = 204, description = "marked read")), security(("bearer" = []), ("session" = [])))]
pub async fn mark_read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    state.store.mark_read(caller.principal.user_id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
