//! `/api/v1/campaigns`: campaigns, their task lists (with notice and sheet import previews),
//! corrections, unit aliases, units' returns (one per unit and period, replaced by versions),
//! the dispatch table and the bulletin.

use super::{ApiJson, ApiQuery, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::Lang;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Datelike;
use hazardnet_domain::JurisdictionCode;
use hazardnet_domain::campaign::{
    AliasInput, CampaignCorrection, CampaignInput, NoticeDraft, ReportInput, ReturnReplacement,
    TaskCorrection, TaskDraft, TaskInput, parse_assignment_notice, stale_dates,
};
use hazardnet_store::{
    Campaign, CampaignFilter, DispatchTable, Report, ReportAttachment, StoreError, Task,
    TaskReportGrid, UnitAlias, UnitMatch,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/{id}", get(read).put(correct))
        .route("/campaigns/{id}/tasks", get(tasks).post(add_tasks))
        .route("/campaigns/{id}/tasks/{task}", put(correct_task))
        .route("/campaigns/{id}/tasks/preview-notice", post(preview_notice))
        .route("/campaigns/{id}/tasks/preview-sheet", post(preview_sheet))
        .route(
            "/campaigns/{id}/unit-aliases",
            get(unit_aliases).post(save_unit_alias),
        )
        .route("/campaigns/{id}/tasks/{task}/reports", get(task_reports))
        .route("/campaigns/{id}/returns", get(returns).post(file_report))
        .route(
            "/campaigns/{id}/returns/{report}",
            get(read_return).put(replace_return),
        )
        .route(
            "/campaigns/{id}/reports/{report}/attachments",
            post(attach_to_report),
        )
        .route(
            "/campaigns/{id}/attachments/{attachment}",
            get(download_attachment),
        )
        .route("/campaigns/{id}/dispatch", get(dispatch))
        .route("/campaigns/{id}/dispatch.xlsx", get(dispatch_xlsx))
        .route("/campaigns/{id}/bulletin.docx", get(bulletin_docx))
        .route("/campaigns/{id}/bulletin.pdf", get(bulletin_pdf))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignQuery {
    /// Words of the title or document number.
    pub q: Option<String>,
    /// Campaigns whose area is inside this jurisdiction.
    pub jurisdiction: Option<String>,
    /// Only campaigns running today.
    #[serde(default)]
    pub active: bool,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl CampaignQuery {
    pub fn filter(&self, today: chrono::NaiveDate) -> CampaignFilter {
        CampaignFilter {
            keyword: self.q.clone(),
            jurisdiction: self.jurisdiction.clone().filter(|j| !j.is_empty()),
            active_on: self.active.then_some(today),
            page: self.page.unwrap_or(1),
            per_page: self.per_page.unwrap_or(20),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignPage {
    pub items: Vec<Campaign>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignDetail {
    #[serde(flatten)]
    pub campaign: Campaign,
    pub tasks: Vec<Task>,
    /// May the caller add tasks?
    pub may_manage: bool,
}

#[utoipa::path(get, path = "/api/v1/campaigns", tag = "campaigns", params(CampaignQuery),
    responses((status = 200, body = CampaignPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(query): ApiQuery<CampaignQuery>,
) -> Result<Json<CampaignPage>, ApiError> {
    let filter = query.filter(state.store.today());
    let (items, total) = state
        .store
        .list_campaigns(&caller.principal, &filter)
        .await?;
    Ok(Json(CampaignPage { items, total }))
}

#[utoipa::path(post, path = "/api/v1/campaigns", tag = "campaigns", request_body = CampaignInput,
    responses((status = 201, body = Created), (status = 403, description = "not a clerk, or the area is outside the caller's scope"),
              (status = 422, description = "invalid field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(input): ApiJson<CampaignInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = state
        .store
        .create_campaign(&caller.principal, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = CampaignDetail), (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn read(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CampaignDetail>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    let tasks = state.store.tasks(&caller.principal, id).await?;
    let may_manage = state
        .store
        .may_manage_campaign(&caller.principal, &campaign);
    Ok(Json(CampaignDetail {
        campaign,
        tasks,
        may_manage,
    }))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/tasks", tag = "campaigns", params(("id" = i64, Path)),
    responses((status = 200, body = [Task])), security(("bearer" = []), ("session" = [])))]
pub async fn tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Task>>, ApiError> {
    Ok(Json(state.store.tasks(&caller.principal, id).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedTasks {
    pub ids: Vec<i64>,
}

/// Saves confirmed tasks, all or none (numbered after the campaign's last).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks", tag = "campaigns", params(("id" = i64, Path)),
    request_body = [TaskInput],
    responses((status = 201, body = CreatedTasks), (status = 403, description = "not the issuing office"),
              (status = 422, description = "refused tasks, each with its reason; nothing saved")),
    security(("bearer" = []), ("session" = [])))]
pub async fn add_tasks(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(inputs): ApiJson<Vec<TaskInput>>,
) -> Result<(StatusCode, Json<CreatedTasks>), ApiError> {
    let ids = state
        .store
        .add_tasks(&caller.principal, id, &inputs)
        .await?;
    Ok((StatusCode::CREATED, Json(CreatedTasks { ids })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeText {
    /// The plain text of the assignment notice.
    pub text: String,
}

/// What a task of the draft cannot be saved with as it stands.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DraftFlags {
    /// Dates of the deadline outside the campaign's period: correct them, or confirm them
    /// (`confirm_dates`) when they are meant.
    pub stale_dates: Vec<String>,
    /// Unit names that resolve to no organization: map them (an alias), or keep them unlinked
    /// on purpose (`keep_unlinked`).
    pub unresolved: Vec<String>,
}

/// A draft with what each unit name resolves to, for the clerk to confirm.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPreview {
    pub doc_number: Option<String>,
    pub cadence: Option<String>,
    pub tasks: Vec<TaskDraft>,
    /// For each task, in the same order, what saving it would refuse.
    pub flags: Vec<DraftFlags>,
    pub units: Vec<UnitMatch>,
    /// The unit names that resolve to nobody, each once, for the clerk to map.
    pub unresolved: Vec<String>,
    /// The organizations a name may be mapped to (id, name).
    pub candidates: Vec<(i64, String)>,
    /// Tasks that cannot be saved as they stand (unreadable, stale dates or unresolved units).
    pub problems: usize,
    /// The campaign's period, against which deadlines are checked.
    pub starts_on: String,
    pub ends_on: Option<String>,
}

impl TaskPreview {
    /// The drafts as inputs to save.
    pub fn inputs(&self) -> Vec<TaskInput> {
        self.tasks.iter().map(draft_input).collect()
    }
}

pub fn draft_input(d: &TaskDraft) -> TaskInput {
    TaskInput {
        text: d.text.clone(),
        lead_units: d.lead_units.clone(),
        co_units: d.co_units.clone(),
        deadline: d.deadline.text.clone(),
        cadence: d.cadence.map(|c| c.as_code()).unwrap_or_default(),
        ..Default::default()
    }
}

/// Resolves the drafts' unit names for the campaign (the office's aliases first) and flags
/// stale dates; refuses callers who may not add tasks.
pub async fn preview(
    state: &AppState,
    caller: &Caller,
    campaign: &Campaign,
    notice: NoticeDraft,
) -> Result<TaskPreview, ApiError> {
    if !state.store.may_manage_campaign(&caller.principal, campaign) {
        return Err(ApiError::Forbidden);
    }
    let area = JurisdictionCode::parse(&campaign.jurisdiction_code).map_err(StoreError::from)?;
    let mut names: Vec<String> = Vec::new();
    for task in &notice.tasks {
        for unit in task.lead_units.iter().chain(task.co_units.iter()) {
            if !names.contains(unit) {
                names.push(unit.clone());
            }
        }
    }
    let units = state
        .store
        .resolve_units(&area, campaign.issuing_org_id, &names)
        .await?;
    let unresolved: Vec<String> = units
        .iter()
        .filter(|m| m.orgs.is_empty())
        .map(|m| m.unit_name.clone())
        .collect();
    let flags: Vec<DraftFlags> = notice
        .tasks
        .iter()
        .map(|t| DraftFlags {
            stale_dates: stale_dates(&t.deadline, campaign.starts(), campaign.ends())
                .iter()
                .map(|d| d.to_string())
                .collect(),
            unresolved: t
                .lead_units
                .iter()
                .chain(t.co_units.iter())
                .filter(|n| unresolved.contains(n))
                .cloned()
                .collect(),
        })
        .collect();
    let candidates = state.store.area_organizations(&area).await?;
    Ok(TaskPreview {
        doc_number: notice.doc_number,
        cadence: notice.cadence.map(|c| c.as_code()),
        problems: notice
            .tasks
            .iter()
            .zip(&flags)
            .filter(|(t, f)| {
                !t.problems.is_empty() || !f.stale_dates.is_empty() || !f.unresolved.is_empty()
            })
            .count(),
        tasks: notice.tasks,
        flags,
        units,
        unresolved,
        candidates,
        starts_on: campaign.starts_on.clone(),
        ends_on: campaign.ends_on.clone(),
    })
}

/// Reads the tasks of a notice's text; saves nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/preview-notice", tag = "campaigns",
    params(("id" = i64, Path)), request_body = NoticeText,
    responses((status = 200, body = TaskPreview)), security(("bearer" = []), ("session" = [])))]
pub async fn preview_notice(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<NoticeText>,
) -> Result<Json<TaskPreview>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    let draft = notice_draft(&campaign, &body.text)?;
    Ok(Json(preview(&state, &caller, &campaign, draft).await?))
}

/// The notice's drafts; a text with no numbered items is refused.
pub fn notice_draft(campaign: &Campaign, text: &str) -> Result<NoticeDraft, ApiError> {
    if text.len() > 2_000_000 {
        return Err(ApiError::TooLarge);
    }
    let draft = parse_assignment_notice(text, campaign.starts().year());
    if draft.tasks.is_empty() {
        return Err(ApiError::Unprocessable {
            code: "no_tasks_in_notice",
            detail: String::new(),
        });
    }
    Ok(draft)
}

/// Reads the tasks of an uploaded sheet (columns 任务内容, 牵头单位, 配合单位, 完成时限,
/// 报送频次); saves nothing.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/tasks/preview-sheet", tag = "campaigns",
    params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "part `file`: .xlsx or UTF-8 .csv"),
    responses((status = 200, body = TaskPreview)), security(("bearer" = []), ("session" = [])))]
pub async fn preview_sheet(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Result<Json<TaskPreview>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    let bytes = super::upload_bytes(multipart).await?;
    let draft = sheet_draft(&campaign, &bytes)?;
    Ok(Json(preview(&state, &caller, &campaign, draft).await?))
}

pub fn sheet_draft(campaign: &Campaign, bytes: &[u8]) -> Result<NoticeDraft, ApiError> {
    let rows = crate::sheets::read_rows(bytes).map_err(super::sheet_error)?;
    let tasks = crate::campaign_sheets::task_drafts(&rows, campaign.starts().year())
        .map_err(super::sheet_error)?;
    Ok(NoticeDraft {
        doc_number: None,
        cadence: None,
        tasks,
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskReports {
    pub task: Task,
    /// The task's units × the campaign's periods.
    pub grid: TaskReportGrid,
    /// The current returns of the task's units (each with its line on this task, if any).
    pub reports: Vec<Report>,
    pub attachments: Vec<ReportAttachment>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/tasks/{task}/reports", tag = "campaigns",
    params(("id" = i64, Path), ("task" = i64, Path)),
    responses((status = 200, body = TaskReports), (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn task_reports(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(i64, i64)>,
) -> Result<Json<TaskReports>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    let task = state.store.task(&caller.principal, id, task_id).await?;
    let grid = state
        .store
        .report_grid(&caller.principal, &campaign, Some(&task))
        .await?;
    let reports = state
        .store
        .reports(&caller.principal, id, Some(task_id))
        .await?;
    let attachments = state
        .store
        .report_attachments(&caller.principal, id, None)
        .await?
        .into_iter()
        .filter(|a| reports.iter().any(|r| r.id == a.report_id))
        .collect();
    Ok(Json(TaskReports {
        task,
        grid,
        reports,
        attachments,
    }))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignReturns {
    /// Every unit of the campaign × its periods.
    pub grid: TaskReportGrid,
    /// The current returns the caller may read.
    pub reports: Vec<Report>,
    pub attachments: Vec<ReportAttachment>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/returns", tag = "campaigns",
    params(("id" = i64, Path)),
    responses((status = 200, body = CampaignReturns), (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn returns(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CampaignReturns>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    let grid = state
        .store
        .report_grid(&caller.principal, &campaign, None)
        .await?;
    let reports = state.store.reports(&caller.principal, id, None).await?;
    let attachments = state
        .store
        .report_attachments(&caller.principal, id, None)
        .await?;
    Ok(Json(CampaignReturns {
        grid,
        reports,
        attachments,
    }))
}

/// Files the caller's unit's return for a period: one per unit and period, covering all the
/// unit's tasks in the campaign (a line per task).
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/returns", tag = "campaigns",
    params(("id" = i64, Path)), request_body = ReportInput,
    responses((status = 201, body = Created),
              (status = 404, description = "absent or not visible"),
              (status = 409, description = "already filed for the period (replace it instead)"),
              (status = 422, description = "not a unit of the campaign, a line on another unit's task, a period not started or unknown, invalid figures")),
    security(("bearer" = []), ("session" = [])))]
pub async fn file_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<ReportInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let report = state
        .store
        .file_report(&caller.principal, id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: report })))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReturnDetail {
    pub report: Report,
    /// Every version of the unit's return for the period, oldest first.
    pub history: Vec<Report>,
    pub attachments: Vec<ReportAttachment>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/returns/{report}", tag = "campaigns",
    params(("id" = i64, Path), ("report" = i64, Path)),
    responses((status = 200, body = ReturnDetail), (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn read_return(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, report_id)): Path<(i64, i64)>,
) -> Result<Json<ReturnDetail>, ApiError> {
    let report = state.store.report(&caller.principal, id, report_id).await?;
    let history = state
        .store
        .report_history(&caller.principal, id, report.org_id, &report.period_key)
        .await?;
    let attachments = state
        .store
        .report_attachments(&caller.principal, id, None)
        .await?
        .into_iter()
        .filter(|a| history.iter().any(|r| r.id == a.report_id))
        .collect();
    Ok(Json(ReturnDetail {
        report,
        history,
        attachments,
    }))
}

/// Replaces a wrong return with a new version, by its unit, until the next period's return
/// falls due; the old version stays in the history.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/returns/{report}", tag = "campaigns",
    params(("id" = i64, Path), ("report" = i64, Path)), request_body = ReturnReplacement,
    responses((status = 201, body = Created, description = "the new version"),
              (status = 404, description = "absent or not visible"),
              (status = 409, description = "a stale expected_version, or a version already replaced; nothing changed"),
              (status = 422, description = "no reason, not the caller's unit's return, the period is closed, invalid figures")),
    security(("bearer" = []), ("session" = [])))]
pub async fn replace_return(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, report_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<ReturnReplacement>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let new = state
        .store
        .replace_report(&caller.principal, id, report_id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: new })))
}

/// Corrects a campaign's title, document number, period and phases.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path)), request_body = CampaignCorrection,
    responses((status = 200, body = Campaign), (status = 403, description = "not the issuing office"),
              (status = 404, description = "absent or not visible"),
              (status = 409, description = "a stale expected_version; nothing changed"),
              (status = 422, description = "no reason, or fields that do not hold together")),
    security(("bearer" = []), ("session" = [])))]
pub async fn correct(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<CampaignCorrection>,
) -> Result<Json<Campaign>, ApiError> {
    state
        .store
        .correct_campaign(&caller.principal, id, &input)
        .await?;
    Ok(Json(state.store.campaign(&caller.principal, id).await?))
}

/// Corrects a task's text, deadline, units and cadence.
#[utoipa::path(put, path = "/api/v1/campaigns/{id}/tasks/{task}", tag = "campaigns",
    params(("id" = i64, Path), ("task" = i64, Path)), request_body = TaskCorrection,
    responses((status = 200, body = Task), (status = 403, description = "not the issuing office"),
              (status = 404, description = "absent or not visible"),
              (status = 409, description = "a stale expected_version; nothing changed"),
              (status = 422, description = "no reason, an invalid task, stale dates not confirmed or unit names resolving to nobody")),
    security(("bearer" = []), ("session" = [])))]
pub async fn correct_task(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, task_id)): Path<(i64, i64)>,
    ApiJson(input): ApiJson<TaskCorrection>,
) -> Result<Json<Task>, ApiError> {
    state
        .store
        .correct_task(&caller.principal, id, task_id, &input)
        .await?;
    Ok(Json(
        state.store.task(&caller.principal, id, task_id).await?,
    ))
}

/// The issuing office's remembered unit names (the latest mapping of each).
#[utoipa::path(get, path = "/api/v1/campaigns/{id}/unit-aliases", tag = "campaigns",
    params(("id" = i64, Path)),
    responses((status = 200, body = [UnitAlias]), (status = 403, description = "not the issuing office"),
              (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn unit_aliases(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<UnitAlias>>, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    if !state
        .store
        .may_manage_campaign(&caller.principal, &campaign)
    {
        return Err(ApiError::Forbidden);
    }
    Ok(Json(
        state.store.office_aliases(campaign.issuing_org_id).await?,
    ))
}

/// Maps a written unit name to an organization, or to the area's regulators, for the issuing
/// office's imports from now on.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/unit-aliases", tag = "campaigns",
    params(("id" = i64, Path)), request_body = AliasInput,
    responses((status = 201, body = Created), (status = 403, description = "not the issuing office"),
              (status = 404, description = "absent or not visible"),
              (status = 422, description = "no name, no target or two, an organization outside the area")),
    security(("bearer" = []), ("session" = [])))]
pub async fn save_unit_alias(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(input): ApiJson<AliasInput>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let alias = state
        .store
        .save_unit_alias(&caller.principal, id, &input)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id: alias })))
}

/// Attaches a file (the signed return's scan, a photo) to one of the caller's unit's reports.
#[utoipa::path(post, path = "/api/v1/campaigns/{id}/reports/{report}/attachments", tag = "campaigns",
    params(("id" = i64, Path), ("report" = i64, Path)),
    request_body(content_type = "multipart/form-data", description = "part `file`: JPG/PNG/WebP/PDF/DOCX/XLSX, at most 10 MB"),
    responses((status = 201, body = ReportAttachment), (status = 422, description = "not the caller's unit's report, or a refused file")),
    security(("bearer" = []), ("session" = [])))]
pub async fn attach_to_report(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, report)): Path<(i64, i64)>,
    multipart: Multipart,
) -> Result<(StatusCode, Json<ReportAttachment>), ApiError> {
    let upload = super::hazards::upload_part(multipart).await?;
    let attachment = state
        .store
        .attach_to_report(&caller.principal, id, report, upload)
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/attachments/{attachment}", tag = "campaigns",
    params(("id" = i64, Path), ("attachment" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, description = "absent or not visible")),
    security(("bearer" = []), ("session" = [])))]
pub async fn download_attachment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, attachment)): Path<(i64, i64)>,
) -> Result<Response, ApiError> {
    let (a, bytes) = state
        .store
        .report_attachment_file(&caller.principal, id, attachment)
        .await?;
    Ok(crate::documents::attachment(
        bytes,
        &a.content_type,
        &a.file_name,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DispatchQuery {
    /// Period key (2023-05); default the latest begun.
    pub period: Option<String>,
    /// The office whose units are rows; default the campaign's area (or the caller's own).
    pub office: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/dispatch", tag = "campaigns",
    params(("id" = i64, Path), DispatchQuery),
    responses((status = 200, body = DispatchTable)), security(("bearer" = []), ("session" = [])))]
pub async fn dispatch(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<DispatchQuery>,
) -> Result<Json<DispatchTable>, ApiError> {
    Ok(Json(dispatch_table(&state, &caller, id, &query).await?))
}

pub async fn dispatch_table(
    state: &AppState,
    caller: &Caller,
    id: i64,
    query: &DispatchQuery,
) -> Result<DispatchTable, ApiError> {
    let campaign = state.store.campaign(&caller.principal, id).await?;
    Ok(state
        .store
        .dispatch_table(
            &caller.principal,
            &campaign,
            query.period.as_deref(),
            query.office.as_deref(),
        )
        .await?)
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/dispatch.xlsx", tag = "campaigns",
    params(("id" = i64, Path), DispatchQuery),
    responses((status = 200, description = "the dispatch table as a workbook", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
    security(("bearer" = []), ("session" = [])))]
pub async fn dispatch_xlsx(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<DispatchQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let table = dispatch_table(&state, &caller, id, &query).await?;
    let bytes = crate::campaign_sheets::dispatch_workbook(lang, &table)
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    let name = format!(
        "{}{}（{}）.xlsx",
        table.campaign_title,
        crate::i18n::t(lang, "dispatch.title_suffix"),
        table.period.key
    );
    Ok(super::xlsx_response(bytes, &name))
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/bulletin.docx", tag = "campaigns",
    params(("id" = i64, Path), DispatchQuery),
    responses((status = 200, description = "an editable bulletin (通报) for the period", content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
    security(("bearer" = []), ("session" = [])))]
pub async fn bulletin_docx(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<DispatchQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let bulletin = crate::documents::bulletin(&state, &caller, lang, id, &query).await?;
    crate::documents::docx_response(&bulletin.document, &bulletin.file_stem)
}

#[utoipa::path(get, path = "/api/v1/campaigns/{id}/bulletin.pdf", tag = "campaigns",
    params(("id" = i64, Path), DispatchQuery),
    responses((status = 200, description = "the bulletin in official-document layout", content_type = "application/pdf")),
    security(("bearer" = []), ("session" = [])))]
pub async fn bulletin_pdf(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<i64>,
    ApiQuery(query): ApiQuery<DispatchQuery>,
) -> Result<Response, ApiError> {
    let lang = Lang::from_headers(&headers);
    let bulletin = crate::documents::bulletin(&state, &caller, lang, id, &query).await?;
    crate::documents::pdf_response(bulletin.document, &bulletin.file_stem).await
}
