//! `/api/v1/hazards`: the ledger and its closed loop, `/api/v1/evidence/{id}` and
//! `/api/v1/dashboard`, all scoped to the caller.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Multipart, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use hazardnet_domain::hazard::{Action, HazardCorrection, HazardInput};
use hazardnet_store::{
    AuditEntry, Dashboard, Evidence, EvidenceUpload, Hazard, HazardCreated, HazardFilter,
    ListingRecord,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hazards", get(list).post(create))
        .route("/hazards/export.xlsx", get(export))
        .route("/hazards/import", post(import))
        .route("/hazards/{id}", get(read).patch(correct))
        .route("/hazards/{id}/transitions", post(transition))
        .route(
            "/hazards/{id}/evidence",
            get(list_evidence).post(upload_evidence),
        )
        .route("/hazards/{id}/listing", post(list_for_supervision))
        .route("/hazards/{id}/listings", get(listings))
        .route("/hazards/{id}/leader", post(assign_leader))
        .route("/hazards/{id}/history", get(history))
        .route("/evidence/{id}", get(download_evidence))
        .route("/dashboard", get(dashboard))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HazardPage {
    pub items: Vec<Hazard>,
    pub total: i64,
    /// True when `total` is the search count's cap (there are at least that many).
    pub total_is_capped: bool,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/hazards", tag = "hazards", params(HazardFilter),
    responses((status = 200, body = HazardPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<HazardFilter>,
) -> Result<Json<HazardPage>, ApiError> {
    let (items, total) = state.store.hazards(&caller.principal, &filter).await?;
    let total_is_capped = filter.q.is_some() && total >= hazardnet_store::SEARCH_COUNT_CAP;
    Ok(Json(HazardPage {
        items,
        total,
        total_is_capped,
        page: filter.page(),
        per_page: filter.per_page(),
    }))
}

#[utoipa::path(post, path = "/api/v1/hazards", tag = "hazards", request_body = HazardInput,
    responses((status = 201, body = HazardCreated), (status = 404, description = "enterprise absent or outside scope"),
              (status = 422, description = "invalid field")), security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<HazardInput>,
) -> Result<(StatusCode, Json<HazardCreated>), ApiError> {
    let created = state.store.create_hazard(&caller.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[utoipa::path(get, path = "/api/v1/hazards/{id}", tag = "hazards", params(("id" = i64, Path)),
    responses((status = 200, body = Hazard), (status = 404, description = "absent or outside scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Hazard>, ApiError> {
    Ok(Json(state.store.hazard(&caller.principal, id).await?))
}

/// Corrects a hazard's title, description, place, category or level (only the fields sent
/// change), with a required `reason` and the `expected_version` the correction was made on.
/// Who may correct what depends on the state (the reporter and the enterprise's managers
/// while reported; government offices and assigned experts while open); an upgrade to major
/// brings the hazard onto the major-hazard path (a plan with five elements, the offices told);
/// a downgrade is for a regulator or the safety committee office only. A closed hazard is
/// reopened first (transition `reopen`, 409 `reopen_first`).
#[utoipa::path(patch, path = "/api/v1/hazards/{id}", tag = "hazards", params(("id" = i64, Path)),
    request_body = HazardCorrection,
    responses((status = 200, body = Hazard), (status = 403, description = "the role or person may not make this correction; the rule is named"),
              (status = 404, description = "absent or outside scope"),
              (status = 409, description = "`stale_version`: changed since `expected_version` (nothing changed); `reopen_first`: the hazard is closed; `wrong_state`: rejected"),
              (status = 422, description = "a field invalid, the reason missing, or nothing changed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<HazardCorrection>,
) -> Result<Json<Hazard>, ApiError> {
    Ok(Json(
        state
            .store
            .correct_hazard(&caller.principal, id, &input)
            .await?,
    ))
}

/// Every lifecycle step: `{"action": "confirm" | "reject" | "immediate_fix" | "submit" |
/// "accept" | "send_back" | "request_extension" | "decide_extension" | "reopen", ...}`. Whoever reported,
/// planned or rectified a hazard may not accept it (rule `four_eyes_acceptance`); a
/// `submit` or `immediate_fix` by anyone outside the hazard's enterprise needs a `note`
/// giving the reason it is done on the enterprise's behalf.
#[utoipa::path(post, path = "/api/v1/hazards/{id}/transitions", tag = "hazards", params(("id" = i64, Path)),
    request_body = Action,
    responses((status = 200, body = Hazard), (status = 403, description = "the role or person may not do this to this hazard; the rule is named"),
              (status = 404, description = "absent or outside scope"),
              (status = 409, description = "not possible from the current state"), (status = 422, description = "incomplete, e.g. a plan element missing, or the on-behalf note")),
    security(("bearer" = []), ("session" = [])))]
pub async fn transition(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(action): ApiJson<Action>,
) -> Result<Json<Hazard>, ApiError> {
    Ok(Json(
        state
            .store
            .transition_hazard(&caller.principal, id, &action)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/hazards/{id}/evidence", tag = "hazards", params(("id" = i64, Path)),
    responses((status = 200, body = [Evidence])), security(("bearer" = []), ("session" = [])))]
pub async fn list_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Evidence>>, ApiError> {
    Ok(Json(
        state.store.hazard_evidence(&caller.principal, id).await?,
    ))
}

/// Reads the `file` part of a multipart upload with its file name.
pub async fn upload_part(mut multipart: Multipart) -> Result<EvidenceUpload, ApiError> {
    let invalid = || ApiError::BadRequest {
        code: "invalid_upload",
        detail: String::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| invalid())? {
        if field.name() == Some("file") {
            return upload_part_from(field).await;
        }
    }
    Err(invalid())
}

/// One multipart field as an evidence upload.
pub async fn upload_part_from(
    field: axum::extract::multipart::Field<'_>,
) -> Result<EvidenceUpload, ApiError> {
    let file_name = field.file_name().unwrap_or("file").to_string();
    let bytes = field.bytes().await.map_err(|_| ApiError::TooLarge)?;
    Ok(EvidenceUpload {
        file_name,
        bytes: bytes.to_vec(),
    })
}

#[utoipa::path(post, path = "/api/v1/hazards/{id}/evidence", tag = "hazards", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "part `file`: a JPG/PNG/WebP photo or a PDF/DOCX/XLSX document, at most 10 MB"),
    responses((status = 201, body = Evidence), (status = 413, description = "too large"), (status = 422, description = "type does not match the content")),
    security(("bearer" = []), ("session" = [])))]
pub async fn upload_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Evidence>), ApiError> {
    let upload = upload_part(multipart).await?;
    let evidence = state
        .store
        .attach_evidence(&caller.principal, id, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(evidence)))
}

#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "hazards", params(("id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, description = "absent or outside scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn download_evidence(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (evidence, bytes) = state.store.evidence_file(&caller.principal, id).await?;
    // Photos open in the page; a document (PDF, DOCX, XLSX) an outsider may have written is
    // downloaded, never rendered from this origin.
    let disposition = if evidence.content_type.starts_with("image/") {
        "inline"
    } else {
        "attachment"
    };
    Ok((
        [
            (header::CONTENT_TYPE, evidence.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "{disposition}; filename*=UTF-8''{}",
                    urlencoding::encode(&evidence.file_name)
                ),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListingInput {
    /// 区级 / 市级 / 省级
    pub level: String,
    /// YYYY-MM-DD
    pub date: String,
    pub letter_number: String,
}

#[utoipa::path(post, path = "/api/v1/hazards/{id}/listing", tag = "hazards", params(("id" = i64, Path)),
    request_body = ListingInput, responses((status = 200, body = Hazard), (status = 403, description = "committee or regulator clerks only"),
        (status = 409, description = "the hazard is finished, or already listed with this letter at this level")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_for_supervision(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ListingInput>,
) -> Result<Json<Hazard>, ApiError> {
    Ok(Json(
        state
            .store
            .list_hazard_for_supervision(
                &caller.principal,
                id,
                &input.level,
                &input.date,
                &input.letter_number,
            )
            .await?,
    ))
}

/// Every listing of the hazard for supervision, oldest first; the last is its current
/// `listing`. Listing again at a higher level keeps the earlier ones here.
#[utoipa::path(get, path = "/api/v1/hazards/{id}/listings", tag = "hazards", params(("id" = i64, Path)),
    responses((status = 200, body = [ListingRecord]), (status = 404, description = "no such hazard in the caller's scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn listings(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ListingRecord>>, ApiError> {
    Ok(Json(
        state.store.hazard_listings(&caller.principal, id).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/hazards/{id}/history", tag = "hazards", params(("id" = i64, Path)),
    responses((status = 200, description = "audit entries, oldest first")), security(("bearer" = []), ("session" = [])))]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<AuditEntry>>, ApiError> {
    state.store.hazard(&caller.principal, id).await?;
    Ok(Json(
        state.store.audit_history("hazard", &id.to_string()).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/dashboard", tag = "hazards",
    responses((status = 200, body = Dashboard)), security(("bearer" = []), ("session" = [])))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Dashboard>, ApiError> {
    Ok(Json(state.store.dashboard(&caller.principal).await?))
}

#[utoipa::path(get, path = "/api/v1/hazards/export.xlsx", tag = "hazards", params(HazardFilter),
    responses((status = 200, description = "the ledger as xlsx", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = []), ("session" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    headers: axum::http::HeaderMap,
    ApiQuery(filter): ApiQuery<HazardFilter>,
) -> Result<Response, ApiError> {
    let lang = crate::i18n::Lang::from_headers(&headers);
    let internal = |e: rust_xlsxwriter::XlsxError| {
        ApiError::Store(hazardnet_store::StoreError::Internal(e.to_string()))
    };
    // One streaming query, a chunk at a time: the server holds one chunk of rows, and the
    // sheet spills to disk.
    let mut sheet = crate::sheets::LedgerSheet::new(lang).map_err(internal)?;
    state
        .store
        .for_each_ledger_chunk(&caller.principal, &filter, 2_000, |rows| {
            sheet
                .append(rows)
                .map_err(|e| hazardnet_store::StoreError::Internal(e.to_string()))
        })
        .await?;
    let bytes = tokio::task::spawn_blocking(move || sheet.finish())
        .await
        .map_err(|e| ApiError::Store(hazardnet_store::StoreError::Internal(e.to_string())))?
        .map_err(internal)?;
    let name = format!("{}.xlsx", crate::i18n::t(lang, "ledger.title"));
    Ok(super::xlsx_response(bytes, &name))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HazardImportParams {
    /// The enterprise whose ledger this is (an enterprise user's own by default).
    pub enterprise_id: Option<i64>,
    /// Check every row and report, but save nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// Reads a ledger sheet and imports it, all or nothing. Shared with the web page.
pub async fn import_ledger(
    state: &AppState,
    caller: &Caller,
    enterprise_id: Option<i64>,
    bytes: &[u8],
    dry_run: bool,
) -> Result<super::ImportResult, ApiError> {
    let enterprise_id = enterprise_id
        .or(caller.principal.enterprise_id)
        .ok_or(ApiError::Store(hazardnet_store::StoreError::Domain(
            hazardnet_domain::DomainError::Required {
                field: "enterprise_id",
            },
        )))?;
    let rows = crate::sheets::read_rows(bytes).map_err(super::sheet_error)?;
    let (inputs, cell_errors) = crate::sheets::hazard_inputs(&rows).map_err(super::sheet_error)?;
    let checked = state
        .store
        .import_hazards(&caller.principal, enterprise_id, &inputs, 2, true)
        .await;
    super::refuse_rows(checked, cell_errors)?;
    let ids = if dry_run {
        Vec::new()
    } else {
        state
            .store
            .import_hazards(&caller.principal, enterprise_id, &inputs, 2, false)
            .await?
    };
    Ok(super::ImportResult {
        rows: inputs.len(),
        imported: ids.len(),
        ids,
        dry_run,
    })
}

#[utoipa::path(post, path = "/api/v1/hazards/import", tag = "hazards", params(HazardImportParams),
    request_body(content_type = "multipart/form-data", description = "part `file`: the enterprise's ledger, .xlsx or UTF-8 .csv, with a header row (隐患名称 required; 隐患部位, 隐患描述, 隐患等级, 隐患类别, 判定依据, 隐患来源, 发现日期, 发现人 read when present)"),
    responses((status = 200, body = super::ImportResult), (status = 422, description = "refused rows, each with its reason; nothing saved")),
    security(("bearer" = []), ("session" = [])))]
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<HazardImportParams>,
    multipart: Multipart,
) -> Result<Json<super::ImportResult>, ApiError> {
    let bytes = super::upload_bytes(multipart).await?;
    Ok(Json(
        import_ledger(
            &state,
            &caller,
            params.enterprise_id,
            &bytes,
            params.dry_run,
        )
        .await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaderInput {
    /// The leader's username.
    pub username: String,
}

#[utoipa::path(post, path = "/api/v1/hazards/{id}/leader", tag = "hazards", params(("id" = i64, Path)),
    request_body = LeaderInput, responses((status = 200, body = Hazard), (status = 403, description = "safety committee clerks only"),
              (status = 422, description = "not a leader who can see this hazard")),
    security(("bearer" = []), ("session" = [])))]
pub async fn assign_leader(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<LeaderInput>,
) -> Result<Json<Hazard>, ApiError> {
    Ok(Json(
        state
            .store
            .assign_leader(&caller.principal, id, &input.username)
            .await?,
    ))
}
