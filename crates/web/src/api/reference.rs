//! `/api/v1/jurisdictions` and `/api/v1/industries`: reference data, readable by any
//! signed-in user.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use hazardnet_store::{Industry, Jurisdiction};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/jurisdictions",
            get(list_jurisdictions).post(add_local_jurisdiction),
        )
        .route("/jurisdictions/{code}", get(read_jurisdiction))
        .route("/industries", get(list_industries))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionQuery {
    /// The parent's code; omitted for the provinces.
    pub parent: Option<String>,
}

/// A division below the shipped tree, added by the administrator and marked local.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJurisdiction {
    /// The 12-digit statistical division code; its parent must exist.
    pub code: String,
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JurisdictionList {
    pub items: Vec<Jurisdiction>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IndustryList {
    pub items: Vec<Industry>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/jurisdictions", tag = "reference", params(JurisdictionQuery),
    responses((status = 200, body = JurisdictionList)), security(("bearer" = []), ("session" = [])))]
pub async fn list_jurisdictions(
    State(state): State<AppState>,
    _caller: Caller,
    ApiQuery(q): ApiQuery<JurisdictionQuery>,
) -> Result<Json<JurisdictionList>, ApiError> {
    let items = state
        .store
        .jurisdiction_children(q.parent.as_deref())
        .await?;
    Ok(Json(JurisdictionList {
        total: items.len() as i64,
        items,
    }))
}

#[utoipa::path(post, path = "/api/v1/jurisdictions", tag = "reference", request_body = NewJurisdiction,
    responses((status = 201, body = Jurisdiction), (status = 403, description = "not the administrator"),
              (status = 409, description = "the code exists"), (status = 422, description = "bad code or name, or no parent")),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_local_jurisdiction(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewJurisdiction>,
) -> Result<(axum::http::StatusCode, Json<Jurisdiction>), ApiError> {
    let added = state
        .store
        .add_local_jurisdiction(&caller.principal, &body.code, &body.name)
        .await?;
    Ok((axum::http::StatusCode::CREATED, Json(added)))
}

#[utoipa::path(get, path = "/api/v1/jurisdictions/{code}", tag = "reference", params(("code" = String, Path)),
    responses((status = 200, body = Jurisdiction), (status = 404, description = "unknown code")), security(("bearer" = []), ("session" = [])))]
pub async fn read_jurisdiction(
    State(state): State<AppState>,
    _caller: Caller,
    Path(code): Path<String>,
) -> Result<Json<Jurisdiction>, ApiError> {
    Ok(Json(state.store.jurisdiction(&code).await?))
}

#[utoipa::path(get, path = "/api/v1/industries", tag = "reference",
    responses((status = 200, body = IndustryList)), security(("bearer" = []), ("session" = [])))]
pub async fn list_industries(
    State(state): State<AppState>,
    _caller: Caller,
) -> Result<Json<IndustryList>, ApiError> {
    let items = state.store.industries().await?;
    Ok(Json(IndustryList {
        total: items.len() as i64,
        items,
    }))
}
