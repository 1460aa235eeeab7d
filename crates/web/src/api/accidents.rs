//! `/api/v1/enterprises/{id}/accidents`: an enterprise's accident record (事故记录), read by
//! whoever sees the enterprise and written by office clerks. Recent accidents move the
//! enterprise up inspection plans.

use super::{ApiJson, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use hazardnet_domain::accident::AccidentInput;
use hazardnet_store::Accident;

pub fn router() -> Router<AppState> {
    Router::new().route("/enterprises/{id}/accidents", get(list).post(record))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/accidents", tag = "enforcement", params(("id" = i64, Path)),
    responses((status = 200, body = [Accident]), (status = 404, description = "enterprise not in scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Accident>>, ApiError> {
    state.store.enterprise(&caller.principal, id).await?;
    Ok(Json(state.store.accidents(&caller.principal, id).await?))
}

#[utoipa::path(post, path = "/api/v1/enterprises/{id}/accidents", tag = "enforcement", params(("id" = i64, Path)),
    request_body = AccidentInput,
    responses((status = 201, body = Created), (status = 403, description = "not an office clerk"),
              (status = 404, description = "enterprise not in scope"), (status = 422, description = "invalid field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AccidentInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .store
        .record_accident(&caller.principal, id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
