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
use hazardnet_domain::campaign::{FILLED_FIGURES, Period, ReportInput, TaskInput};
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
        .route("/campaigns/{id}/tasks/{task}/reports", post(file_report))
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
}

#[derive(Template)]
#[template(path = "task_preview.html")]
struct PreviewPage {
    chrome: Chrome,
    c: Campaign,
    doc_number: String,
    rows: Vec<DraftRow>,
    errors: Vec<String>,
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
            _ => {}
        }
    }
    rows.into_values().collect()
}

async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let inputs = confirmed_inputs(&fields);
    match state.store.add_tasks(&caller.principal, id, &inputs).await {
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
                })
                .collect();
            render(&PreviewPage {
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
);

pub struct ReportLine {
    pub r: Report,
    pub figures: Vec<(String, i64)>,
    pub attachments: Vec<ReportAttachment>,
    /// Filed by the viewer's unit: it may attach files.
    pub mine: bool,
    /// When it was filed, China time.
    pub submitted: String,
}

pub struct GridRow {
    pub unit: String,
    pub cells: Vec<(String, String, Option<i64>)>,
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
    form_body: String,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct ReportForm {
    period_key: String,
    body: String,
    enterprises_checked: String,
    inspection_teams: String,
    cases_filed: String,
    fines_yuan: String,
    suspensions: String,
    drills: String,
    trainings: String,
}

impl ReportForm {
    fn value(&self, key: &str) -> &str {
        match key {
            "enterprises_checked" => &self.enterprises_checked,
            "inspection_teams" => &self.inspection_teams,
            "cases_filed" => &self.cases_filed,
            "fines_yuan" => &self.fines_yuan,
            "suspensions" => &self.suspensions,
            "drills" => &self.drills,
            "trainings" => &self.trainings,
            _ => "",
        }
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
        })
    }
}

async fn task_page_with(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    task_id: i64,
    form: ReportForm,
    errors: Vec<String>,
) -> Response {
    let who = &caller.principal;
    let loaded: Result<TaskView, ApiError> = async {
        let c = state.store.campaign(who, id).await?;
        let task = state.store.task(who, id, task_id).await?;
        let grid = state.store.report_grid(who, &c, &task).await?;
        let reports = state.store.reports(who, id, Some(task_id)).await?;
        let attachments = state
            .store
            .report_attachments(who, id, Some(task_id))
            .await?;
        Ok((c, task, grid, reports, attachments))
    }
    .await;
    let (c, task, grid, reports, attachments) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e),
    };
    let chrome = Chrome::new(headers, Some(caller), "campaigns");
    let mine = task
        .reporting_orgs()
        .iter()
        .any(|(org, _)| *org == who.org_id);
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
    let reports: Vec<ReportLine> = reports
        .into_iter()
        .map(|r| ReportLine {
            figures: r.figures().into_iter().collect(),
            attachments: attachments
                .iter()
                .filter(|a| a.report_id == r.id)
                .cloned()
                .collect(),
            mine: r.org_id == who.org_id,
            submitted: super::enterprises::china_time(&r.submitted_at),
            r,
        })
        .collect();
    let line = TaskLine {
        units: unit_lines(&task),
        cadence: cadence_label(chrome.lang, &task.cadence),
        late: grid.late,
        missing: grid.missing,
        task,
    };
    render(&TaskPage {
        may_report: mine && !open_periods.is_empty(),
        chrome,
        c,
        line,
        periods: grid.periods.clone(),
        grid: rows,
        reports,
        open_periods,
        figures,
        form_body: form.body.clone(),
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
        Vec::new(),
    )
    .await
}

async fn file_report(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, task_id)): Path<(i64, i64)>,
    Form(form): Form<ReportForm>,
) -> Response {
    let result = match form.input() {
        Ok(input) => state
            .store
            .file_report(&caller.principal, id, task_id, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/campaigns/{id}/tasks/{task_id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            task_page_with(&state, &headers, &caller, id, task_id, form, vec![message]).await
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
