//! `/api/v1/jurisdictions` and `/api/v1/industries`: reference data, readable by any
//! signed-in user.

use super::ApiQuery;
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
        .route("/jurisdictions", get(list_jurisdictions))
        .route("/jurisdictions/{code}", get(read_jurisdiction))
        .route("/industries", get(list_industries))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JurisdictionQuery {
    /// The parent's code; omitted for the provinces.
    pub parent: Option<String>,
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
