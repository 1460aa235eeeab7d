//! `/api/v1/enterprises`: the registry, scoped to the caller.

use super::{ApiJson, ApiQuery, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::sheets;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use hazardnet_domain::enterprise::EnterpriseInput;
use hazardnet_store::{AuditEntry, Enterprise, EnterpriseFilter, StoreError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list).post(create))
        .route("/enterprises/export.xlsx", get(export))
        .route("/enterprises/import", post(import))
        .route("/enterprises/{id}", get(read).put(update))
        .route("/enterprises/{id}/history", get(history))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterprisePage {
    pub items: Vec<Enterprise>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/enterprises", tag = "enterprises", params(EnterpriseFilter),
    responses((status = 200, body = EnterprisePage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<EnterpriseFilter>,
) -> Result<Json<EnterprisePage>, ApiError> {
    let (items, total) = state.store.enterprises(&caller.principal, &filter).await?;
    Ok(Json(EnterprisePage {
        items,
        total,
        page: filter.page(),
        per_page: filter.per_page(),
    }))
}

#[utoipa::path(post, path = "/api/v1/enterprises", tag = "enterprises", request_body = EnterpriseInput,
    responses((status = 201, body = Created), (status = 403, description = "role may not register, or the place is outside the caller's scope"),
              (status = 409, description = "duplicate credit code"), (status = 422, description = "invalid field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .store
        .create_enterprise(&caller.principal, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}", tag = "enterprises",
    params(("id" = i64, Path)), responses((status = 200, body = Enterprise), (status = 404, description = "absent or outside scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Enterprise>, ApiError> {
    Ok(Json(state.store.enterprise(&caller.principal, id).await?))
}

/// `If-Match: <version>` refuses the update when someone changed the record meanwhile.
#[utoipa::path(put, path = "/api/v1/enterprises/{id}", tag = "enterprises", request_body = EnterpriseInput,
    params(("id" = i64, Path), ("If-Match" = Option<i64>, Header, description = "the version read")),
    responses((status = 200, body = Enterprise), (status = 404, description = "absent or outside scope"),
              (status = 409, description = "stale version or duplicate credit code")),
    security(("bearer" = []), ("session" = [])))]
pub async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<EnterpriseInput>,
) -> Result<Json<Enterprise>, ApiError> {
    let expected = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|s| s.trim().trim_matches('"').parse::<i64>().ok())
                .ok_or(ApiError::BadRequest {
                    code: "invalid_if_match",
                    detail: String::new(),
                })?,
        ),
    };
    state
        .store
        .update_enterprise(&caller.principal, id, &input, expected)
        .await?;
    Ok(Json(state.store.enterprise(&caller.principal, id).await?))
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/history", tag = "enterprises",
    params(("id" = i64, Path)), responses((status = 200, description = "audit entries, oldest first")),
    security(("bearer" = []), ("session" = [])))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    state.store.enterprise(&caller.principal, id).await?;
    Ok(Json(
        state
            .store
            .audit_history("enterprise", &id.to_string())
            .await?,
    ))
}

pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub fn xlsx_response(bytes: Vec<u8>, filename: &str) -> axum::response::Response {
    (
        [
            (header::CONTENT_TYPE, XLSX_MIME.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"export.xlsx\"; filename*=UTF-8''{}",
                    urlencoding::encode(filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

#[utoipa::path(get, path = "/api/v1/enterprises/export.xlsx", tag = "enterprises", params(EnterpriseFilter),
    responses((status = 200, description = "xlsx workbook in the import's columns", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = []), ("session" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(filter): ApiQuery<EnterpriseFilter>,
) -> Result<impl IntoResponse, ApiError> {
    let lang = Lang::from_headers(&headers);
    let rows = state
        .store
        .enterprises_all(&caller.principal, &filter)
        .await?;
    let bytes = sheets::enterprises_workbook(lang, &rows)
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    let name = format!("{}.xlsx", crate::i18n::t(lang, "ui.enterprises"));
    Ok(xlsx_response(bytes, &name))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// Check every row and report, but save nothing.
    #[serde(default)]
    pub dry_run: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub rows: usize,
    pub imported: usize,
    pub ids: Vec<i64>,
    pub dry_run: bool,
}

/// Reads the `file` part of a multipart upload as a sheet (at most `MAX_UPLOAD_BYTES`).
pub async fn upload_bytes(multipart: Multipart) -> Result<Vec<u8>, ApiError> {
    let upload = super::hazards::upload_part(multipart).await?;
    if upload.bytes.len() > sheets::MAX_UPLOAD_BYTES {
        return Err(ApiError::TooLarge);
    }
    Ok(upload.bytes)
}

/// Checks every row; saves all or nothing. Shared by the API and the import page.
pub async fn import_sheet(
    state: &AppState,
    caller: &Caller,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportResult, ApiError> {
    if !caller.principal.role.may_register_enterprises() {
        return Err(ApiError::Forbidden);
    }
    let rows = sheets::read_rows(bytes).map_err(super::sheet_error)?;
    let lookup = state.store.industry_lookup().await?;
    let (inputs, cell_errors) =
        sheets::enterprise_inputs(&rows, &lookup).map_err(super::sheet_error)?;
    let checked = state
        .store
        .check_enterprise_import(&caller.principal, &inputs, 2)
        .await;
    super::refuse_rows(checked, cell_errors)?;
    let ids = if dry_run {
        Vec::new()
    } else {
        state
            .store
            .import_enterprises(&caller.principal, &inputs, 2)
            .await?
    };
    Ok(ImportResult {
        rows: inputs.len(),
        imported: ids.len(),
        ids,
        dry_run,
    })
}

#[utoipa::path(post, path = "/api/v1/enterprises/import", tag = "enterprises", params(ImportParams),
    request_body(content_type = "multipart/form-data", description = "part `file`: .xlsx or UTF-8 .csv with a header row"),
    responses((status = 200, body = ImportResult), (status = 422, description = "refused rows, each with its reason; nothing saved")),
    security(("bearer" = []), ("session" = [])))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ImportParams>,
    multipart: Multipart,
) -> Result<Json<ImportResult>, ApiError> {
    let bytes = upload_bytes(multipart).await?;
    Ok(Json(
        import_sheet(&state, &caller, &bytes, params.dry_run).await?,
    ))
}
