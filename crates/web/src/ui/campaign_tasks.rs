//! Task list import (paste a notice's text or upload a sheet, confirm an editable preview), and
//! a task's page with its units × periods grid, the report form and attachments.

use super::campaigns::{TaskLine, cadence_label, unit_lines};
use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::api::campaigns::{TaskPreview, notice_draft, preview, sheet_draft};
use crate::auth::{Caller, PageCaller};
use crate::error::{ApiError, row_message};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::campaign::{
    AliasInput, FILLED_FIGURES, LineInput, Period, ReportInput, ReturnReplacement, TaskCorrection,
    TaskInput, UnitClass, unit_list,
};
use hazardnet_store::{Campaign, Report, ReportAttachment, StoreError, TaskReportGrid};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns/{id}/tasks/import", get(import_page))
        .route("/campaigns/{id}/tasks/preview", post(preview_text))
        .route("/campaigns/{id}/tasks/preview-sheet", post(preview_upload))
        .route("/campaigns/{id}/tasks/confirm", post(confirm))
        .route("/campaigns/{id}/tasks/{task}", get(task_page))
        .route("/campaigns/{id}/tasks/{task}/edit", post(correct_task))
        .route("/campaigns/{id}/tasks/{task}/reports", post(file_report))
        .route(
            "/campaigns/{id}/tasks/{task}/reports/{report}/replace",
            get(replace_page).post(replace_report),
        )
        .route(
            "/campaigns/{id}/tasks/{task}/reports/{report}/attachments",
            post(attach),
        )
}

#[derive(Template)]
#[template(path = "task_import.html")]
struct ImportPage {
    chrome: Chrome,
    c: Campaign,
    text: String,
    errors: Vec<String>,
}

async fn import_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.campaign(&caller.principal, id).await {
        Ok(c) if state.store.may_manage_campaign(&caller.principal, &c) => render(&ImportPage {
            chrome: Chrome::new(&headers, Some(&caller), "campaigns"),
            c,
            text: String::new(),
            errors: Vec::new(),
        }),
        Ok(_) => page_error(&headers, Some(&caller), ApiError::Forbidden),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

/// One editable row of the preview.
pub struct DraftRow {
    pub n: usize,
    pub number: u32,
    pub text: String,
    pub lead: String,
    pub co: String,
    pub deadline: String,
    pub deadline_note: String,
    pub cadence: String,
    pub cadence_label: String,
    pub units: Vec<(String, Vec<String>)>,
    pub problems: Vec<String>,
    /// Dates outside the campaign's period, joined.
    pub stale: String,
    pub confirm_dates: bool,
    /// Names of this task that resolve to nobody.
    pub unresolved: Vec<String>,
    pub keep_unlinked: bool,
}

#[derive(Template)]
#[template(path = "task_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    c: Campaign,
    doc_number: String,
    rows: Vec<DraftRow>,
    /// Unit names resolving to nobody, each with its mapping choices.
    unresolved: Vec<(String, Vec<Choice>)>,
    errors: Vec<String>,
}

/// The mapping choices of an unresolved name: none, the area's regulators, an organization.
fn mapping_choices(chrome: &Chrome, candidates: &[(i64, String)]) -> Vec<Choice> {
    let mut out = vec![
        Choice::new("", chrome.t("ui.map_none"), ""),
        Choice::new("class:regulators", chrome.t("ui.map_regulators"), ""),
    ];
    out.extend(
        candidates
            .iter()
            .map(|(id, name)| Choice::new(format!("org:{id}"), name.clone(), "")),
    );
    out
}

fn draft_rows(chrome: &Chrome, preview: &TaskPreview) -> Vec<DraftRow> {
    preview
        .tasks
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let names: Vec<&String> = d.lead_units.iter().chain(d.co_units.iter()).collect();
            let cadence = d.cadence.map(|c| c.as_code()).unwrap_or_default();
            DraftRow {
                n: i + 1,
                number: d.number,
                text: d.text.clone(),
                lead: d.lead_units.join("、"),
                co: d.co_units.join("、"),
                deadline: d.deadline.text.clone(),
                deadline_note: match (d.deadline.due_on, d.deadline.ongoing) {
                    (Some(day), true) => format!("{day} · {}", chrome.t("ui.ongoing")),
                    (Some(day), false) => day.to_string(),
                    (None, true) => chrome.t("ui.ongoing"),
                    (None, false) => String::new(),
                },
                cadence_label: if cadence.is_empty() {
                    chrome.t("ui.campaign_cadence")
                } else {
                    cadence_label(chrome.lang, &cadence)
                },
                cadence,
                units: names
                    .into_iter()
                    .map(|name| {
                        let orgs = preview
                            .units
                            .iter()
                            .find(|m| &m.unit_name == name)
                            .map(|m| m.orgs.iter().map(|(_, n)| n.clone()).collect())
                            .unwrap_or_default();
                        (name.clone(), orgs)
                    })
                    .collect(),
                problems: d
                    .problems
                    .iter()
                    .map(|p| chrome.t(&format!("draft_problem.{p}")))
                    .collect(),
                stale: preview
                    .flags
                    .get(i)
                    .map(|f| f.stale_dates.join("、"))
                    .unwrap_or_default(),
                confirm_dates: false,
                unresolved: preview
                    .flags
                    .get(i)
                    .map(|f| f.unresolved.clone())
                    .unwrap_or_default(),
                keep_unlinked: false,
            }
        })
        .collect()
}

async fn show_preview(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    c: Campaign,
    draft: Result<hazardnet_domain::campaign::NoticeDraft, ApiError>,
    text: String,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "campaigns");
    let previewed = match draft {
        Ok(d) => preview(state, caller, &c, d).await,
        Err(e) => Err(e),
    };
    match previewed {
        Ok(p) => render(&PreviewPage {
            rows: draft_rows(&chrome, &p),
            unresolved: p
                .unresolved
                .iter()
                .map(|n| (n.clone(), mapping_choices(&chrome, &p.candidates)))
                .collect(),
            doc_number: p.doc_number.clone().unwrap_or_default(),
            chrome,
            c,
            errors: Vec::new(),
        }),
        Err(ApiError::Forbidden) => page_error(headers, Some(caller), ApiError::Forbidden),
        Err(e) => {
            let message = chrome.error_message(&e);
            render(&ImportPage {
                chrome,
                c,
                text,
                errors: vec![message],
            })
        }
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NoticeForm {
    text: String,
}

async fn preview_text(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<NoticeForm>,
) -> Response {
    let c = match state.store.campaign(&caller.principal, id).await {
        Ok(c) => c,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let draft = notice_draft(&c, &form.text);
    show_preview(&state, &headers, &caller, c, draft, form.text).await
}

async fn preview_upload(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let c = match state.store.campaign(&caller.principal, id).await {
        Ok(c) => c,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let draft = match crate::api::upload_bytes(multipart).await {
        Ok(bytes) => sheet_draft(&c, &bytes),
        Err(e) => Err(e),
    };
    show_preview(&state, &headers, &caller, c, draft, String::new()).await
}

/// The confirmed rows: fields named `text.N`, `lead.N`, `co.N`, `deadline.N`, `cadence.N`.
fn confirmed_inputs(fields: &[(String, String)]) -> Vec<TaskInput> {
    let mut rows: BTreeMap<usize, TaskInput> = BTreeMap::new();
    for (name, value) in fields {
        let Some((field, n)) = name.split_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else { continue };
        let row = rows.entry(n).or_default();
        let units = |v: &str| -> Vec<String> {
            v.split(['、', '，', ',', '；', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        match field {
            "text" => row.text = value.clone(),
            "lead" => row.lead_units = units(value),
            "co" => row.co_units = units(value),
            "deadline" => row.deadline = value.clone(),
            "cadence" => row.cadence = value.clone(),
            "confirm_dates" => row.confirm_dates = true,
            "keep_unlinked" => row.keep_unlinked = true,
            _ => {}
        }
    }
    rows.into_values().collect()
}

/// The mappings chosen on the preview: `map_name.K` (the name) and `map.K` (`org:ID` or
/// `class:regulators`; empty = not mapped).
fn chosen_aliases(fields: &[(String, String)]) -> Vec<AliasInput> {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut targets: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in fields {
        if let Some(k) = name.strip_prefix("map_name.") {
            names.insert(k.to_string(), value.clone());
        } else if let Some(k) = name.strip_prefix("map.") {
            targets.insert(k.to_string(), value.clone());
        }
    }
    names
        .into_iter()
        .filter_map(|(k, unit_name)| {
            let target = targets.get(&k)?;
            let (org_id, unit_class) = if let Some(id) = target.strip_prefix("org:") {
                (Some(id.parse().ok()?), None)
            } else if target == "class:regulators" {
                (None, Some(UnitClass::Regulators))
            } else {
                return None;
            };
            Some(AliasInput {
                unit_name,
                org_id,
                unit_class,
            })
        })
        .collect()
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let inputs = confirmed_inputs(&fields);
    // The clerk's mappings are remembered first (each audited), so the tasks resolve with them.
    let mut result = Ok(Vec::new());
    for alias in chosen_aliases(&fields) {
        if let Err(e) = state
            .store
            .save_unit_alias(&caller.principal, id, &alias)
            .await
        {
            result = Err(e);
            break;
        }
    }
    if result.is_ok() {
        result = state.store.add_tasks(&caller.principal, id, &inputs).await;
    }
    match result {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => {
            let c = match state.store.campaign(&caller.principal, id).await {
                Ok(c) => c,
                Err(e) => return page_error(&headers, Some(&caller), e.into()),
            };
            let chrome = Chrome::new(&headers, Some(&caller), "campaigns");
            let errors = match &e {
                StoreError::Rows(rows) => {
                    rows.iter().map(|r| row_message(chrome.lang, r)).collect()
                }
                _ => vec![chrome.error_message(&ApiError::from(e))],
            };
            // What still resolves to nobody, with the mapping choices again.
            let mut names: Vec<String> = Vec::new();
            for input in &inputs {
                for n in input.lead_units.iter().chain(input.co_units.iter()) {
                    if !names.contains(n) {
                        names.push(n.clone());
                    }
                }
            }
            let resolved = match hazardnet_domain::JurisdictionCode::parse(&c.jurisdiction_code) {
                Ok(area) => {
                    let units = state
                        .store
                        .resolve_units(&area, c.issuing_org_id, &names)
                        .await;
                    let candidates = state.store.area_organizations(&area).await;
                    match (units, candidates) {
                        (Ok(u), Ok(cands)) => (u, cands),
                        (Err(e), _) | (_, Err(e)) => {
                            return page_error(&headers, Some(&caller), e.into());
                        }
                    }
                }
                Err(e) => return page_error(&headers, Some(&caller), StoreError::from(e).into()),
            };
            let (units, candidates) = resolved;
            let unresolved: Vec<String> = units
                .iter()
                .filter(|m| m.orgs.is_empty())
                .map(|m| m.unit_name.clone())
                .collect();
            // Show the rows again as the clerk left them.
            let rows = inputs
                .iter()
                .enumerate()
                .map(|(i, input)| DraftRow {
                    n: i + 1,
                    number: i as u32 + 1,
                    text: input.text.clone(),
                    lead: input.lead_units.join("、"),
                    co: input.co_units.join("、"),
                    deadline: input.deadline.clone(),
                    deadline_note: String::new(),
                    cadence_label: if input.cadence.is_empty() {
                        chrome.t("ui.campaign_cadence")
                    } else {
                        cadence_label(chrome.lang, &input.cadence)
                    },
                    cadence: input.cadence.clone(),
                    units: Vec::new(),
                    problems: Vec::new(),
                    stale: String::new(),
                    confirm_dates: input.confirm_dates,
                    unresolved: input
                        .lead_units
                        .iter()
                        .chain(input.co_units.iter())
                        .filter(|n| unresolved.contains(n))
                        .cloned()
                        .collect(),
                    keep_unlinked: input.keep_unlinked,
                })
                .collect();
            render(&PreviewPage {
                unresolved: unresolved
                    .iter()
                    .map(|n| (n.clone(), mapping_choices(&chrome, &candidates)))
                    .collect(),
                chrome,
                c,
                doc_number: String::new(),
                rows,
                errors,
            })
        }
    }
}

/// What a task's page is built from.
type TaskView = (
    Campaign,
    hazardnet_store::Task,
    TaskReportGrid,
    Vec<Report>,
    Vec<ReportAttachment>,
    Vec<hazardnet_store::Task>,
);

pub struct ReportLine {
    pub r: Report,
    pub figures: Vec<(String, i64)>,
    pub attachments: Vec<ReportAttachment>,
    /// Filed by the viewer's unit: it may attach files and replace it.
    pub mine: bool,
    /// When it was filed, China time.
    pub submitted: String,
    /// This task's line in the return.
    pub task_line: String,
    /// The versions it replaced, oldest first.
    pub earlier: Vec<Report>,
}

pub struct GridRow {
    pub unit: String,
    pub cells: Vec<(String, String, Option<i64>)>,
}

/// A task of the caller's unit, with what the form holds for its line.
pub struct LineField {
    pub task_id: i64,
    pub number: i64,
    pub text: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    chrome: Chrome,
    c: Campaign,
    line: TaskLine,
    periods: Vec<Period>,
    grid: Vec<GridRow>,
    reports: Vec<ReportLine>,
    /// Periods the caller's unit may still report for.
    open_periods: Vec<Choice>,
    may_report: bool,
    figures: Vec<(String, String, String)>,
    /// One line per task of the caller's unit.
    lines: Vec<LineField>,
    form_body: String,
    /// The return being replaced (its id), when the form is a replacement.
    replacing: Option<i64>,
    expected_version: i64,
    reason: String,
    may_manage: bool,
    edit: TaskEditForm,
    errors: Vec<String>,
}

/// The return form's fields: `period_key`, `body`, the figures, `line.<task id>`, and for a
/// replacement `expected_version` and `reason`.
#[derive(Debug, Default, Clone)]
struct ReportForm {
    period_key: String,
    body: String,
    figures: BTreeMap<String, String>,
    lines: BTreeMap<i64, String>,
    expected_version: i64,
    reason: String,
}

impl ReportForm {
    fn from_pairs(fields: &[(String, String)]) -> ReportForm {
        let mut form = ReportForm::default();
        for (name, value) in fields {
            match name.as_str() {
                "period_key" => form.period_key = value.clone(),
                "body" => form.body = value.clone(),
                "reason" => form.reason = value.clone(),
                "expected_version" => form.expected_version = value.trim().parse().unwrap_or(-1),
                key if FILLED_FIGURES.contains(&key) => {
                    form.figures.insert(key.to_string(), value.clone());
                }
                other => {
                    if let Some(id) = other.strip_prefix("line.").and_then(|n| n.parse().ok()) {
                        form.lines.insert(id, value.clone());
                    }
                }
            }
        }
        form
    }

    fn from_report(r: &Report) -> ReportForm {
        ReportForm {
            period_key: r.period_key.clone(),
            body: r.body.clone(),
            figures: r
                .figures()
                .into_iter()
                .map(|(k, v)| (k, v.to_string()))
                .collect(),
            lines: r
                .lines
                .iter()
                .map(|l| (l.task_id, l.text.clone()))
                .collect(),
            expected_version: r.version,
            reason: String::new(),
        }
    }

    fn value(&self, key: &str) -> &str {
        self.figures.get(key).map_or("", String::as_str)
    }

    fn input(&self) -> Result<ReportInput, ApiError> {
        let mut figures = BTreeMap::new();
        for key in FILLED_FIGURES {
            let raw = self.value(key).trim();
            if raw.is_empty() {
                continue;
            }
            let value = raw.parse::<i64>().map_err(|_| {
                ApiError::Store(StoreError::Domain(
                    hazardnet_domain::DomainError::InvalidValue {
                        field: "figures",
                        value: format!("{key}={raw}"),
                    },
                ))
            })?;
            figures.insert(key.to_string(), value);
        }
        Ok(ReportInput {
            period_key: self.period_key.clone(),
            body: self.body.clone(),
            figures,
            lines: self
                .lines
                .iter()
                .map(|(task_id, text)| LineInput {
                    task_id: *task_id,
                    text: text.clone(),
                })
                .collect(),
        })
    }
}

/// The task correction form as typed.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct TaskEditForm {
    pub expected_version: i64,
    pub reason: String,
    pub text: String,
    pub lead: String,
    pub co: String,
    pub deadline: String,
    pub cadence: String,
    pub confirm_dates: Option<String>,
    pub keep_unlinked: Option<String>,
}

impl TaskEditForm {
    fn of(task: &hazardnet_store::Task) -> TaskEditForm {
        let names = |role: &str| {
            let mut out: Vec<&str> = Vec::new();
            for u in task.units.iter().filter(|u| u.role == role) {
                if !out.contains(&u.unit_name.as_str()) {
                    out.push(&u.unit_name);
                }
            }
            out.join("、")
        };
        TaskEditForm {
            expected_version: task.version,
            text: task.text.clone(),
            lead: names("lead"),
            co: names("co"),
            deadline: task.deadline_text.clone(),
            cadence: task.cadence.clone(),
            ..Default::default()
        }
    }

    fn correction(&self) -> TaskCorrection {
        TaskCorrection {
            expected_version: self.expected_version,
            reason: self.reason.clone(),
            task: TaskInput {
                text: self.text.clone(),
                lead_units: unit_list(&self.lead),
                co_units: unit_list(&self.co),
                deadline: self.deadline.clone(),
                cadence: self.cadence.clone(),
                confirm_dates: self.confirm_dates.is_some(),
                keep_unlinked: self.keep_unlinked.is_some(),
            },
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn task_page_with(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    task_id: i64,
    form: ReportForm,
    replacing: Option<i64>,
    edit: Option<TaskEditForm>,
    errors: Vec<String>,
) -> Response {
    let who = &caller.principal;
    let loaded: Result<TaskView, ApiError> = async {
        let c = state.store.campaign(who, id).await?;
        let task = state.store.task(who, id, task_id).await?;
        let grid = state.store.report_grid(who, &c, Some(&task)).await?;
        let reports = state.store.reports(who, id, Some(task_id)).await?;
        let attachments = state.store.report_attachments(who, id, None).await?;
        let mine = state.store.unit_tasks(who, id, who.org_id).await?;
        Ok((c, task, grid, reports, attachments, mine))
    }
    .await;
    let (c, task, grid, reports, attachments, unit_tasks) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e),
    };
    let chrome = Chrome::new(headers, Some(caller), "campaigns");
    let filed: Vec<&str> = reports
        .iter()
        .filter(|r| r.org_id == who.org_id)
        .map(|r| r.period_key.as_str())
        .collect();
    let open_periods: Vec<Choice> = grid
        .periods
        .iter()
        .rev()
        .filter(|p| !filed.contains(&p.key.as_str()))
        .map(|p| {
            Choice::new(
                p.key.clone(),
                format!(
                    "{} （{} {}）",
                    super::campaigns::period_label(chrome.lang, &p.key),
                    chrome.t("dispatch.due_on"),
                    p.due_on
                ),
                &form.period_key,
            )
        })
        .collect();
    let rows = grid
        .units
        .iter()
        .map(|(org, name)| GridRow {
            unit: name.clone(),
            cells: grid
                .periods
                .iter()
                .map(|p| match grid.cell(*org, &p.key) {
                    Some(cell) => (
                        cell.status.as_str().to_string(),
                        chrome.tk("return_status", cell.status.as_str()),
                        cell.report_id,
                    ),
                    None => (String::new(), String::new(), None),
                })
                .collect(),
        })
        .collect();
    let figures = FILLED_FIGURES
        .iter()
        .map(|k| {
            (
                k.to_string(),
                chrome.t(&format!("figure.{k}")),
                form.value(k).to_string(),
            )
        })
        .collect();
    let lines = unit_tasks
        .iter()
        .map(|t| LineField {
            task_id: t.id,
            number: t.number,
            text: t.text.chars().take(60).collect(),
            value: form.lines.get(&t.id).cloned().unwrap_or_default(),
        })
        .collect();
    let mut report_lines: Vec<ReportLine> = Vec::new();
    for r in reports {
        let earlier = if r.version > 1 {
            match state
                .store
                .report_history(who, id, r.org_id, &r.period_key)
                .await
            {
                Ok(h) => h.into_iter().filter(|v| v.id != r.id).collect(),
                Err(e) => return page_error(headers, Some(caller), e.into()),
            }
        } else {
            Vec::new()
        };
        report_lines.push(ReportLine {
            figures: r.figures().into_iter().collect(),
            attachments: attachments
                .iter()
                .filter(|a| a.report_id == r.id)
                .cloned()
                .collect(),
            mine: r.org_id == who.org_id,
            submitted: super::enterprises::china_time(&r.submitted_at),
            task_line: r.line(task_id).map(|l| l.text.clone()).unwrap_or_default(),
            earlier,
            r,
        });
    }
    let may_manage = state.store.may_manage_campaign(who, &c) && task.number > 0;
    let edit = edit.unwrap_or_else(|| TaskEditForm::of(&task));
    let line = TaskLine {
        units: unit_lines(&task),
        cadence: cadence_label(chrome.lang, &task.cadence),
        late: grid.late,
        missing: grid.missing,
        task,
    };
    render(&TaskPage {
        may_report: !unit_tasks.is_empty()
            && who.role.may_file_returns()
            && (replacing.is_some() || !open_periods.is_empty()),
        chrome,
        c,
        line,
        periods: grid.periods.clone(),
        grid: rows,
        reports: report_lines,
        open_periods,
        figures,
        lines,
        form_body: form.body.clone(),
        replacing,
        expected_version: form.expected_version,
        reason: form.reason.clone(),
        may_manage,
        edit,
        errors,
    })
}

async fn task_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id)): Path<(i64, i64)>,
) -> Response {
    task_page_with(
        &state,
        &headers,
        &caller,
        id,
        task_id,
        ReportForm::default(),
        None,
        None,
        Vec::new(),
    )
    .await
}

/// The return form filled with a filed return, to replace it.
async fn replace_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id, report)): Path<(i64, i64, i64)>,
) -> Response {
    match state.store.report(&caller.principal, id, report).await {
        Ok(r) => {
            task_page_with(
                &state,
                &headers,
                &caller,
                id,
                task_id,
                ReportForm::from_report(&r),
                Some(report),
                None,
                Vec::new(),
            )
            .await
        }
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

async fn file_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id)): Path<(i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = ReportForm::from_pairs(&fields);
    let result = match form.input() {
        Ok(input) => state
            .store
            .file_report(&caller.principal, id, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}/tasks/{task_id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            task_page_with(
                &state,
                &headers,
                &caller,
                id,
                task_id,
                form,
                None,
                None,
                vec![message],
            )
            .await
        }
    }
}

async fn replace_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id, report)): Path<(i64, i64, i64)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = ReportForm::from_pairs(&fields);
    let result = match form.input() {
        Ok(input) => state
            .store
            .replace_report(
                &caller.principal,
                id,
                report,
                &ReturnReplacement {
                    expected_version: form.expected_version,
                    reason: form.reason.clone(),
                    body: input.body,
                    figures: input.figures,
                    lines: input.lines,
                },
            )
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(new) => {
            Redirect::to(&format!("/campaigns/{id}/tasks/{task_id}#report-{new}")).into_response()
        }
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            task_page_with(
                &state,
                &headers,
                &caller,
                id,
                task_id,
                form,
                Some(report),
                None,
                vec![message],
            )
            .await
        }
    }
}

async fn correct_task(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id)): Path<(i64, i64)>,
    Form(form): Form<TaskEditForm>,
) -> Response {
    match state
        .store
        .correct_task(&caller.principal, id, task_id, &form.correction())
        .await
    {
        Ok(()) => Redirect::to(&format!("/campaigns/{id}/tasks/{task_id}")).into_response(),
        Err(e) => {
            let chrome = Chrome::new(&headers, Some(&caller), "");
            let errors = match &e {
                StoreError::Rows(rows) => {
                    rows.iter().map(|r| row_message(chrome.lang, r)).collect()
                }
                _ => vec![chrome.error_message(&ApiError::from(e))],
            };
            task_page_with(
                &state,
                &headers,
                &caller,
                id,
                task_id,
                ReportForm::default(),
                None,
                Some(form),
                errors,
            )
            .await
        }
    }
}

async fn attach(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id, report)): Path<(i64, i64, i64)>,
    multipart: Multipart,
) -> Response {
    let result = match crate::api::upload_part(multipart).await {
        Ok(upload) => state
            .store
            .attach_to_report(&caller.principal, id, report, upload)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}/tasks/{task_id}#report-{report}"))
            .into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            task_page_with(
                &state,
                &headers,
                &caller,
                id,
                task_id,
                ReportForm::default(),
                None,
                None,
                vec![message],
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confirmed_rows_are_read_in_their_numbers() {
        let fields: Vec<(String, String)> = [
            ("csrf", "x"),
            ("text.2", "第二项"),
            ("lead.2", "区应急管理局"),
            ("deadline.2", "长期坚持"),
            ("text.1", "第一项"),
            ("lead.1", "各街道办事处、区应急管理局"),
            ("co.1", ""),
            ("deadline.1", "2021年上半年"),
            ("cadence.1", "half-monthly"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let inputs = confirmed_inputs(&fields);
        assert_eq!(inputs.len(), 2);
        assert_eq!(inputs[0].text, "第一项");
        assert_eq!(inputs[0].lead_units, ["各街道办事处", "区应急管理局"]);
        assert_eq!(inputs[0].cadence, "half-monthly");
        assert_eq!(inputs[1].deadline, "长期坚持");
    }
}
