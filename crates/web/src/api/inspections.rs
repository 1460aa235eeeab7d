//! `/api/v1/checklists` and `/api/v1/inspections`: judgement-standard checklists and an
//! office's own, inspection records answered item by item and signed off, their documents.

use super::{ApiJson, ApiQuery, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, t};
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hazardnet_domain::inspection::{ChecklistItemInput, InspectionInput, PlanInput, ResultInput};
use hazardnet_domain::standard::EditionInput;
use hazardnet_store::{
    ChecklistTemplate, Inspection, InspectionFilter, InspectionItem, InspectionPhoto,
    InspectionPlan, PlanCandidate, PlanCoverage, StoreError, TemplateItem,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/checklists", get(list_checklists))
        .route("/checklists/import", post(import_checklist))
        .route("/standards/import", post(import_standard_edition))
        .route("/checklists/{id}", get(read_checklist))
        .route("/checklists/{id}/export.xlsx", get(export_checklist))
        .route("/inspections", get(list).post(open))
        .route("/inspections/export.xlsx", get(export))
        .route("/inspections/{id}", get(read))
        .route("/inspections/{id}/results", put(save_results))
        .route("/inspections/{id}/sign-off", post(sign_off))
        .route("/inspections/{id}/all-items", post(list_all_items))
        .route("/inspections/{id}/record.pdf", get(record_pdf))
        .route("/inspections/{id}/record.docx", get(record_docx))
        .route("/inspections/{id}/notice.pdf", get(notice_pdf))
        .route("/inspections/{id}/notice.docx", get(notice_docx))
        .route("/inspections/{id}/items/{item}/photos", post(upload_photo))
        .route("/inspections/{id}/photos/{photo}", get(download_photo))
        .route("/inspection-plans", get(list_plans).post(create_plan))
        .route("/inspection-plans/candidates", get(plan_candidates))
        .route("/inspection-plans/{id}", get(plan_coverage))
}

#[utoipa::path(get, path = "/api/v1/checklists", tag = "inspections",
    responses((status = 200, body = [ChecklistTemplate])), security(("bearer" = []), ("session" = [])))]
pub async fn list_checklists(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<ChecklistTemplate>>, ApiError> {
    Ok(Json(
        state.store.checklist_templates(&caller.principal).await?,
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChecklistDetail {
    #[serde(flatten)]
    pub template: ChecklistTemplate,
    pub items: Vec<TemplateItem>,
}

#[utoipa::path(get, path = "/api/v1/checklists/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = ChecklistDetail)), security(("bearer" = []), ("session" = [])))]
pub async fn read_checklist(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ChecklistDetail>, ApiError> {
    let (template, items) = state
        .store
        .checklist_template(&caller.principal, id)
        .await?;
    Ok(Json(ChecklistDetail { template, items }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportChecklistParams {
    /// The list's name; an existing name of the caller's office gets a new version.
    pub name: String,
}

/// Reads a checklist sheet: 条款, 检查内容, 是否重大隐患, 隐患类别, 适用行业, 依据.
pub fn checklist_inputs(bytes: &[u8]) -> Result<Vec<ChecklistItemInput>, ApiError> {
    let rows = crate::sheets::read_rows(bytes).map_err(super::sheet_error)?;
    let (header, body) = rows
        .split_first()
        .ok_or(super::sheet_error(crate::sheets::SheetError::Empty))?;
    let column = |names: &[&str]| header.iter().position(|h| names.contains(&h.trim()));
    let clause = column(&["条款", "条款号", "clause"]);
    let text = column(&["检查内容", "检查事项", "text"]);
    let (Some(clause), Some(text)) = (clause, text) else {
        return Err(super::sheet_error(
            crate::sheets::SheetError::MissingColumn(if clause.is_none() {
                "clause"
            } else {
                "text"
            }),
        ));
    };
    let major = column(&["是否重大隐患", "重大隐患", "major"]);
    let category = column(&["隐患类别", "category"]);
    let industry = column(&["适用行业", "industry"]);
    let source = column(&["依据", "判定依据", "source"]);
    let cell = |row: &Vec<String>, i: Option<usize>| {
        i.and_then(|i| row.get(i))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    Ok(body
        .iter()
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()))
        .map(|r| ChecklistItemInput {
            clause: cell(r, Some(clause)),
            text: cell(r, Some(text)),
            major: matches!(cell(r, major).as_str(), "是" | "1" | "true" | "yes" | "Y"),
            category: cell(r, category),
            industry: cell(r, industry),
            source: cell(r, source),
            // Composite elements belong to a standard's edition with a known counting rule
            // (loaded by the administrator), not to an office's own list.
            composite: false,
        })
        .collect())
}

/// Saves a sheet as the next version of one of the caller's office's lists; all or nothing.
#[utoipa::path(post, path = "/api/v1/checklists/import", tag = "inspections", params(ImportChecklistParams),
    request_body(content_type = "multipart/form-data", description = "part `file`: xlsx/csv with 条款, 检查内容, 是否重大隐患, 隐患类别, 适用行业, 依据"),
    responses((status = 201, body = Created), (status = 422, description = "an item without clause, a bad category; nothing saved")),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_checklist(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ImportChecklistParams>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let bytes = super::upload_bytes(multipart).await?;
    let inputs = checklist_inputs(&bytes)?;
    let id = state
        .store
        .save_checklist(&caller.principal, &params.name, &inputs)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportEditionParams {
    /// The standard's name as cited, e.g. 重大火灾隐患判定规则.
    pub name: String,
    /// The standard's key, shared by its editions, e.g. zhongda-huozai-gb35181.
    pub key: String,
    /// The edition, e.g. GB 35181-2025.
    pub edition: String,
    /// YYYY-MM-DD the edition comes into force.
    pub effective_on: String,
    /// YYYY-MM-DD its last day, if already known.
    #[serde(default)]
    pub ends_on: String,
}

/// Loads an edition of a national judgement standard from its CSV (the columns of
/// `data/standards`: clause, text, major (1 / 0 / composite), category, industry, source).
/// Earlier editions of the key still in force on its first day end the day before. Admin only.
#[utoipa::path(post, path = "/api/v1/standards/import", tag = "inspections", params(ImportEditionParams),
    request_body(content_type = "multipart/form-data", description = "part `file`: CSV with clause,text,major,category,industry,source"),
    responses((status = 201, body = Created), (status = 403, description = "not the system administrator"),
              (status = 409, description = "this edition is loaded already"),
              (status = 422, description = "a bad row, a bad date, or composite elements without a known rule; nothing saved")),
    security(("bearer" = []), ("session" = [])))]
pub async fn import_standard_edition(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(params): ApiQuery<ImportEditionParams>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    if !caller.principal.role.may_load_standard_editions() {
        return Err(ApiError::Forbidden);
    }
    let bytes = super::upload_bytes(multipart).await?;
    let text = String::from_utf8(bytes).map_err(|_| ApiError::Unprocessable {
        code: "invalid_csv",
        detail: String::new(),
    })?;
    let items =
        hazardnet_store::standard_items(&text).map_err(|detail| ApiError::Unprocessable {
            code: "invalid_csv",
            detail,
        })?;
    let input = EditionInput {
        name: params.name,
        key: params.key,
        edition: params.edition,
        effective_on: params.effective_on,
        ends_on: params.ends_on,
    };
    let id = state
        .store
        .load_standard_edition(&caller.principal, &input, &items)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

pub fn checklist_workbook(
    lang: Lang,
    items: &[TemplateItem],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, (key, width)) in [
        ("sheet.clause", 14.0),
        ("sheet.item_text", 60.0),
        ("sheet.major", 10.0),
        ("sheet.category", 10.0),
        ("sheet.industry", 10.0),
        ("sheet.source", 40.0),
    ]
    .iter()
    .enumerate()
    {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(0, col as u16, t(lang, key), &bold)?;
    }
    for (i, item) in items.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_string(r, 0, &item.clause)?;
        sheet.write_string(r, 1, &item.text)?;
        sheet.write_string(r, 2, if item.major != 0 { "是" } else { "否" })?;
        sheet.write_string(r, 3, &item.category)?;
        sheet.write_string(r, 4, &item.industry)?;
        sheet.write_string(r, 5, &item.source)?;
    }
    workbook.save_to_buffer()
}

#[utoipa::path(get, path = "/api/v1/checklists/{id}/export.xlsx", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, description = "the list in the import's columns")), security(("bearer" = []), ("session" = [])))]
pub async fn export_checklist(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let (template, items) = state
        .store
        .checklist_template(&caller.principal, id)
        .await?;
    let bytes = checklist_workbook(lang, &items)
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    Ok(super::xlsx_response(
        bytes,
        &format!("{}（第{}版）.xlsx", template.name, template.version),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams, Default)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct InspectionQuery {
    pub enterprise_id: Option<i64>,
    /// draft | signed_off
    pub state: Option<String>,
    pub kind: Option<String>,
    /// YYYY-MM-DD
    pub from: Option<String>,
    pub to: Option<String>,
    /// Only records whose rectification notice still has a hazard to rectify (true), or only
    /// the others (false).
    pub notice_open: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl InspectionQuery {
    pub fn filter(&self) -> InspectionFilter {
        InspectionFilter {
            enterprise_id: self.enterprise_id,
            state: self.state.clone(),
            kind: self.kind.clone(),
            from: self.from.clone(),
            to: self.to.clone(),
            notice_open: self.notice_open,
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(20),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionPage {
    pub items: Vec<Inspection>,
    pub total: i64,
}

#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", params(InspectionQuery),
    responses((status = 200, body = InspectionPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<InspectionQuery>,
) -> Result<Json<InspectionPage>, ApiError> {
    let (items, total) = state
        .store
        .inspections(&caller.principal, &query.filter())
        .await?;
    Ok(Json(InspectionPage { items, total }))
}

#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", request_body = InspectionInput,
    responses((status = 201, body = Created), (status = 404, description = "enterprise or checklist not visible"),
              (status = 422, description = "invalid field")), security(("bearer" = []), ("session" = [])))]
pub async fn open(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<InspectionInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .store
        .open_inspection(&caller.principal, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub inspection: Inspection,
    pub items: Vec<InspectionItem>,
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = InspectionDetail)), security(("bearer" = []), ("session" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<InspectionDetail>, ApiError> {
    let (inspection, items) = state.store.inspection(&caller.principal, id).await?;
    Ok(Json(InspectionDetail { inspection, items }))
}

/// Saves answers of a draft; any subset, so a record can be resumed later.
#[utoipa::path(put, path = "/api/v1/inspections/{id}/results", tag = "inspections", params(("id" = i64, Path)),
    request_body = [ResultInput],
    responses((status = 204), (status = 409, description = "signed off already")), security(("bearer" = []), ("session" = [])))]
pub async fn save_results(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(answers): ApiJson<Vec<ResultInput>>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .save_results(&caller.principal, id, &answers)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SignOff {
    /// The rectification deadline of the notice, required when an item failed.
    pub deadline: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/inspections/{id}/sign-off", tag = "inspections", params(("id" = i64, Path)),
    request_body = SignOff,
    responses((status = 200, body = Inspection, description = "Signed off. If an item failed, a notice was numbered and its notice_kind fixed for good: directive (责令限期整改指令书) when the office holds enforcement power, rectification_notice (隐患整改通知书) when it does not"),
              (status = 409, description = "signed off already"),
              (status = 422, description = "unanswered items, a failure without a note, no deadline")),
    security(("bearer" = []), ("session" = [])))]
pub async fn sign_off(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<SignOff>,
) -> Result<Json<Inspection>, ApiError> {
    Ok(Json(
        state
            .store
            .sign_off_inspection(&caller.principal, id, body.deadline.as_deref())
            .await?,
    ))
}

/// Lists every item of the checklist on a draft, not only those fitting the enterprise's
/// industry: the inspector's explicit choice, recorded.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/all-items", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = Inspection), (status = 409, description = "signed off already")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_all_items(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Inspection>, ApiError> {
    Ok(Json(
        state.store.list_all_items(&caller.principal, id).await?,
    ))
}

async fn document(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    id: i64,
    notice: bool,
) -> Result<crate::documents::OfficialDocument, ApiError> {
    let lang = Lang::from_headers(headers);
    let (inspection, items) = state.store.inspection(&caller.principal, id).await?;
    let notice_kind = inspection.notice_kind()?;
    if notice {
        // A notice cites the edition the record was judged by; not one that had ended by then.
        inspection.citable()?;
        notice_kind
            .and_then(|kind| crate::documents::inspection::notice(lang, &inspection, &items, kind))
            .ok_or(ApiError::NotFound)
    } else {
        Ok(crate::documents::inspection::record(
            lang,
            &inspection,
            &items,
            notice_kind,
        ))
    }
}

/// A record or notice as a PDF named by its document number.
async fn pdf(doc: crate::documents::OfficialDocument) -> Result<Response, ApiError> {
    let stem = doc.doc_number.clone();
    crate::documents::pdf_response(doc, &stem).await
}

fn docx(doc: crate::documents::OfficialDocument) -> Result<Response, ApiError> {
    crate::documents::docx_response(&doc, &doc.doc_number)
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/record.pdf", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, description = "现场检查记录", content_type = "application/pdf")), security(("bearer" = []), ("session" = [])))]
pub async fn record_pdf(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    pdf(document(&state, &caller, &headers, id, false).await?).await
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/record.docx", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, description = "现场检查记录 (editable)")), security(("bearer" = []), ("session" = [])))]
pub async fn record_docx(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    docx(document(&state, &caller, &headers, id, false).await?)
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/notice.pdf", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, description = "The notice issued at sign-off, of the record's notice_kind: 责令限期整改指令书 (directive, from an office with enforcement power) or 隐患整改通知书 (rectification_notice, from one without)", content_type = "application/pdf"), (status = 404, description = "no notice: nothing failed")),
    security(("bearer" = []), ("session" = [])))]
pub async fn notice_pdf(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    pdf(document(&state, &caller, &headers, id, true).await?).await
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/notice.docx", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, description = "The notice issued at sign-off (editable): 责令限期整改指令书 or 隐患整改通知书, by the record's notice_kind"), (status = 404, description = "no notice")),
    security(("bearer" = []), ("session" = [])))]
pub async fn notice_docx(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    docx(document(&state, &caller, &headers, id, true).await?)
}

pub fn inspections_workbook(
    lang: Lang,
    rows: &[Inspection],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let headers = [
        "inspection.number",
        "field.enterprise_id",
        "inspection.kind",
        "inspection.inspected_on",
        "inspection.team",
        "inspection.expert_share",
        "inspection.checklist",
        "inspection.failed",
        "inspection.state",
        "inspection.notice",
        "inspection.notice_deadline",
    ];
    for (col, key) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, t(lang, key), &bold)?;
        sheet.set_column_width(col as u16, 16)?;
    }
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.number)?;
        sheet.write_string(row, 1, &r.enterprise_name)?;
        sheet.write_string(row, 2, t(lang, &format!("inspection_kind.{}", r.kind)))?;
        sheet.write_string(row, 3, &r.inspected_on)?;
        sheet.write_string(
            row,
            4,
            r.team
                .iter()
                .map(|m| m.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        )?;
        sheet.write_number(row, 5, f64::from(r.expert_share))?;
        sheet.write_string(row, 6, &r.template_name)?;
        sheet.write_number(row, 7, r.failed as f64)?;
        sheet.write_string(row, 8, t(lang, &format!("inspection_state.{}", r.state)))?;
        sheet.write_string(row, 9, r.notice_number.clone().unwrap_or_default())?;
        sheet.write_string(row, 10, r.notice_deadline.clone().unwrap_or_default())?;
    }
    sheet.autofilter(0, 0, rows.len() as u32, (headers.len() - 1) as u16)?;
    workbook.save_to_buffer()
}

#[utoipa::path(get, path = "/api/v1/inspections/export.xlsx", tag = "inspections", params(InspectionQuery),
    responses((status = 200, description = "the inspections list as a workbook")), security(("bearer" = []), ("session" = [])))]
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<InspectionQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let mut filter = query.filter();
    filter.page = 1;
    filter.per_page = 5000;
    let (rows, _) = state.store.inspections(&caller.principal, &filter).await?;
    let bytes = inspections_workbook(lang, &rows)
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    Ok(super::xlsx_response(
        bytes,
        &format!("{}.xlsx", t(lang, "ui.inspections")),
    ))
}

#[utoipa::path(get, path = "/api/v1/inspection-plans", tag = "inspections",
    responses((status = 200, body = [InspectionPlan])), security(("bearer" = []), ("session" = [])))]
pub async fn list_plans(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<InspectionPlan>>, ApiError> {
    Ok(Json(state.store.inspection_plans(&caller.principal).await?))
}

#[utoipa::path(post, path = "/api/v1/inspection-plans", tag = "inspections", request_body = PlanInput,
    responses((status = 201, body = Created), (status = 422, description = "invalid field or an enterprise outside scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_plan(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<PlanInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state.store.create_plan(&caller.principal, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// The enterprises in scope in priority order (重点风险优先): risk grade, then overdue, open
/// major and open hazards, then the key flags.
#[utoipa::path(get, path = "/api/v1/inspection-plans/candidates", tag = "inspections",
    responses((status = 200, body = [PlanCandidate])), security(("bearer" = []), ("session" = [])))]
pub async fn plan_candidates(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PlanCandidate>>, ApiError> {
    Ok(Json(
        state.store.plan_candidates(&caller.principal, 500).await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/inspection-plans/{id}", tag = "inspections", params(("id" = i64, Path)),
    responses((status = 200, body = PlanCoverage)), security(("bearer" = []), ("session" = [])))]
pub async fn plan_coverage(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<PlanCoverage>, ApiError> {
    Ok(Json(
        state.store.plan_coverage(&caller.principal, id).await?,
    ))
}

/// A photo of one item of a draft (it goes with the hazard if the item fails).
#[utoipa::path(post, path = "/api/v1/inspections/{id}/items/{item}/photos", tag = "inspections",
    params(("id" = i64, Path), ("item" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "part `file`: JPG/PNG/WebP, at most 10 MB"),
    responses((status = 201, body = InspectionPhoto), (status = 409, description = "signed off already")),
    security(("bearer" = []), ("session" = [])))]
pub async fn upload_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, item)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<InspectionPhoto>), ApiError> {
    let upload = super::hazards::upload_part(multipart).await?;
    let photo = state
        .store
        .attach_item_photo(&caller.principal, id, item, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(photo)))
}

#[utoipa::path(get, path = "/api/v1/inspections/{id}/photos/{photo}", tag = "inspections",
    params(("id" = i64, Path), ("photo" = i64, Path)),
    responses((status = 200, description = "the photo")), security(("bearer" = []), ("session" = [])))]
pub async fn download_photo(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, photo)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (p, bytes) = state
        .store
        .inspection_photo_file(&caller.principal, id, photo)
        .await?;
    Ok(crate::documents::attachment(
        bytes,
        &p.content_type,
        &p.file_name,
    ))
}
