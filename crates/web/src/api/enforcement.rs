//! `/api/v1/enforcement`: law-enforcement actions in the caller's scope, an enterprise's flags
//! (repeat offender, overdue rectification → maximum penalty, blacklisted), statistics and the
//! inspectors' workload.

use super::{ApiJson, ApiQuery, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, t};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use hazardnet_domain::enforcement::{EnforcementFlags, EnforcementInput};
use hazardnet_store::{
    EnforcementAction, EnforcementFilter, EnforcementStats, InspectorLoad, StoreError,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enforcement", get(list).post(record))
        .route("/enforcement/stats", get(stats))
        .route("/enforcement/export.xlsx", get(export))
        .route("/enterprises/{id}/enforcement", get(enterprise_flags))
        .route("/inspectors/workload", get(workload))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct EnforcementQuery {
    pub enterprise_id: Option<i64>,
    pub kind: Option<String>,
    /// YYYY-MM-DD
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl EnforcementQuery {
    pub fn filter(&self) -> EnforcementFilter {
        EnforcementFilter {
            enterprise_id: self.enterprise_id,
            kind: self.kind.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(20),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnforcementPage {
    pub items: Vec<EnforcementAction>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/enforcement", tag = "enforcement", params(EnforcementQuery),
    responses((status = 200, body = EnforcementPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EnforcementQuery>,
) -> Result<Json<EnforcementPage>, ApiError> {
    let (items, total) = state
        .store
        .enforcement_actions(&caller.principal, &q.filter())
        .await?;
    Ok(Json(EnforcementPage { items, total }))
}

#[utoipa::path(post, path = "/api/v1/enforcement", tag = "enforcement", request_body = EnforcementInput,
    responses((status = 201, body = Created), (status = 403, description = "the role does not enforce, or the office holds no enforcement power (no_enforcement_power: a street office the power was not delegated to)"),
              (status = 404, description = "enterprise not in scope"),
              (status = 422, description = "invalid field, or an action the enterprise's state refuses")),
    security(("bearer" = []), ("session" = [])))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<EnforcementInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .store
        .record_enforcement(&caller.principal, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/v1/enforcement/stats", tag = "enforcement", params(EnforcementQuery),
    responses((status = 200, body = EnforcementStats)), security(("bearer" = []), ("session" = [])))]
pub async fn stats(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<EnforcementQuery>,
) -> Result<Json<EnforcementStats>, ApiError> {
    Ok(Json(
        state
            .store
            .enforcement_stats(&caller.principal, &q.filter())
            .await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EnterpriseEnforcement {
    pub actions: Vec<EnforcementAction>,
    pub flags: EnforcementFlags,
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/enforcement", tag = "enforcement", params(("id" = i64, Path)),
    responses((status = 200, body = EnterpriseEnforcement)), security(("bearer" = []), ("session" = [])))]
pub async fn enterprise_flags(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<EnterpriseEnforcement>, ApiError> {
    let (actions, flags) = state.store.enforcement_flags(&caller.principal, id).await?;
    Ok(Json(EnterpriseEnforcement { actions, flags }))
}

#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct PeriodQuery {
    pub from: Option<String>,
    pub to: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/inspectors/workload", tag = "inspections", params(PeriodQuery),
    responses((status = 200, body = [InspectorLoad])), security(("bearer" = []), ("session" = [])))]
pub async fn workload(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Vec<InspectorLoad>>, ApiError> {
    Ok(Json(
        state
            .store
            .inspector_workload(&caller.principal, q.from.as_deref(), q.to.as_deref())
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/enforcement/export.xlsx", tag = "enforcement", params(EnforcementQuery),
    responses((status = 200, description = "the actions as a workbook")), security(("bearer" = []), ("session" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(q): ApiQuery<EnforcementQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let mut filter = q.filter();
    filter.page = 1;
    filter.per_page = 5000;
    let (rows, _) = state
        .store
        .enforcement_actions(&caller.principal, &filter)
        .await?;
    let bytes =
        workbook(lang, &rows).map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    Ok(super::xlsx_response(
        bytes,
        &format!("{}.xlsx", t(lang, "ui.enforcement")),
    ))
}

fn workbook(lang: Lang, rows: &[EnforcementAction]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let headers = [
        "field.enterprise_id",
        "enforcement.kind",
        "enforcement.decided_on",
        "enforcement.amount_yuan",
        "enforcement.doc_number",
        "enforcement.basis",
        "enforcement.note",
        "ui.issuing_office",
    ];
    for (col, key) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, t(lang, key), &bold)?;
        sheet.set_column_width(col as u16, 18)?;
    }
    for (i, a) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &a.enterprise_name)?;
        sheet.write_string(r, 1, t(lang, &format!("enforcement_kind.{}", a.kind)))?;
        sheet.write_string(r, 2, &a.decided_on)?;
        if let Some(amount) = a.amount_yuan {
            sheet.write_number(r, 3, amount as f64)?;
        }
        sheet.write_string(r, 4, &a.doc_number)?;
        sheet.write_string(r, 5, &a.basis)?;
        sheet.write_string(r, 6, &a.note)?;
        sheet.write_string(r, 7, &a.org_name)?;
    }
    sheet.autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)?;
    workbook.save_to_buffer()
}
