//! Campaign pages: the list, the issuing form (which keeps what was typed when refused) and a
//! campaign's page with its phases, targets, tasks and the state of its returns.

use super::{Choice, Chrome, Pager, page_error, render};
use crate::AppState;
use crate::api::campaigns::CampaignQuery;
use crate::auth::PageCaller;
use crate::error::ApiError;
use crate::i18n::{Lang, t, t_args};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_domain::campaign::{Cadence, CampaignCorrection, CampaignInput, PhaseInput};
use hazardnet_store::{Campaign, DispatchRow, TargetProgress, Task};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list).post(create))
        .route("/campaigns/new", get(new_form))
        .route("/campaigns/{id}", get(detail))
        .route("/campaigns/{id}/edit", get(edit_form).post(correct))
        .merge(super::campaign_tasks::router())
}

/// A cadence code in words: 每月28日前报送 …
pub fn cadence_label(lang: Lang, code: &str) -> String {
    match Cadence::parse(code) {
        Ok(Cadence::Monthly {
            due_day,
            next_month: false,
        }) => t_args(lang, "cadence.monthly", &[("day", due_day.to_string())]),
        Ok(Cadence::Monthly {
            due_day,
            next_month: true,
        }) => t_args(
            lang,
            "cadence.monthly_next",
            &[("day", due_day.to_string())],
        ),
        Ok(Cadence::HalfMonthly) => t(lang, "cadence.half_monthly"),
        Ok(Cadence::Quarterly { due_day }) => {
            t_args(lang, "cadence.quarterly", &[("day", due_day.to_string())])
        }
        Ok(Cadence::Once { due_on }) => {
            t_args(lang, "cadence.once", &[("date", due_on.to_string())])
        }
        Err(_) => code.to_string(),
    }
}

/// A period key in words: 2026-10 → 2026年10月, 2026-10a → 2026年10月上半月, 2026Q4 → 2026年第4季度.
pub fn period_label(lang: Lang, key: &str) -> String {
    let month = |ym: &str| -> Option<(String, String)> {
        let (y, m) = ym.split_once('-')?;
        let m: u32 = m.parse().ok()?;
        Some((y.to_string(), m.to_string()))
    };
    if key == "once" {
        return t(lang, "period.once");
    }
    if let Some((y, q)) = key.split_once('Q') {
        return t_args(lang, "period.quarter", &[("year", y), ("q", q)]);
    }
    let (body, half) = match key.strip_suffix('a') {
        Some(b) => (b, Some("period.half_a")),
        None => match key.strip_suffix('b') {
            Some(b) => (b, Some("period.half_b")),
            None => (key, None),
        },
    };
    match month(body) {
        Some((y, m)) => t_args(
            lang,
            half.unwrap_or("period.month"),
            &[("year", y), ("month", m)],
        ),
        None => key.to_string(),
    }
}

/// A return owed, with its period in words.
pub struct PendingLine {
    pub r: hazardnet_store::PendingReturn,
    pub period: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_clerks_write_them() {
        assert_eq!(period_label(Lang::Zh, "2026-10"), "2026年10月");
        assert_eq!(period_label(Lang::Zh, "2026-03a"), "2026年3月上半月");
        assert_eq!(period_label(Lang::Zh, "2026-03b"), "2026年3月下半月");
        assert_eq!(period_label(Lang::Zh, "2026Q4"), "2026年第4季度");
        assert_eq!(period_label(Lang::Zh, "once"), "一次性报送");
    }
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Campaign>,
    pager: Pager,
    q: String,
    active: bool,
    may_issue: bool,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(query): Query<CampaignQuery>,
) -> Response {
    let filter = query.filter(state.store.today());
    match state.store.list_campaigns(&caller.principal, &filter).await {
        Ok((rows, total)) => {
            let chrome = Chrome::new(&headers, Some(&caller), "campaigns");
            let q = query.q.clone().unwrap_or_default();
            let active = query.active;
            let pager = Pager::new(
                chrome.lang,
                total,
                total.to_string(),
                filter.page.max(1),
                filter.per_page,
                |p| {
                    format!(
                        "/campaigns?q={}&active={active}&page={p}",
                        urlencoding::encode(&q)
                    )
                },
            );
            render(&ListPage {
                may_issue: caller.principal.role.is_clerk(),
                chrome,
                rows,
                pager,
                q,
                active,
            })
        }
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

/// The issuing form's fields, as typed.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub struct CampaignForm {
    title: String,
    doc_number: String,
    jurisdiction_code: String,
    cadence_kind: String,
    cadence_day: String,
    starts_on: String,
    ends_on: String,
    summary: String,
    reporting_units: String,
    targets: String,
    phase_name_1: String,
    phase_from_1: String,
    phase_to_1: String,
    phase_name_2: String,
    phase_from_2: String,
    phase_to_2: String,
    phase_name_3: String,
    phase_from_3: String,
    phase_to_3: String,
    phase_name_4: String,
    phase_from_4: String,
    phase_to_4: String,
}

pub struct PhaseRow {
    pub n: usize,
    pub name: String,
    pub from: String,
    pub to: String,
}

impl CampaignForm {
    fn cadence(&self) -> String {
        let day = self.cadence_day.trim();
        match self.cadence_kind.as_str() {
            "half-monthly" => "half-monthly".into(),
            kind => format!("{kind}:{day}"),
        }
    }

    fn phases(&self) -> Vec<PhaseRow> {
        [
            (&self.phase_name_1, &self.phase_from_1, &self.phase_to_1),
            (&self.phase_name_2, &self.phase_from_2, &self.phase_to_2),
            (&self.phase_name_3, &self.phase_from_3, &self.phase_to_3),
            (&self.phase_name_4, &self.phase_from_4, &self.phase_to_4),
        ]
        .iter()
        .enumerate()
        .map(|(i, (name, from, to))| PhaseRow {
            n: i + 1,
            name: name.to_string(),
            from: from.to_string(),
            to: to.to_string(),
        })
        .collect()
    }

    fn input(&self, targets: Vec<i64>) -> CampaignInput {
        CampaignInput {
            title: self.title.clone(),
            doc_number: self.doc_number.clone(),
            jurisdiction_code: self.jurisdiction_code.clone(),
            industries: Vec::new(),
            summary: self.summary.clone(),
            cadence: self.cadence(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            phases: self
                .phases()
                .into_iter()
                .map(|p| PhaseInput {
                    name: p.name,
                    starts_on: p.from,
                    ends_on: p.to,
                })
                .collect(),
            reporting_units: self.reporting_units.clone(),
            targets,
        }
    }
}

#[derive(Template)]
#[template(path = "campaign_form.html")]
struct FormPage {
    chrome: Chrome,
    form: CampaignForm,
    phases: Vec<PhaseRow>,
    jurisdictions: Vec<Choice>,
    cadences: Vec<Choice>,
    errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &crate::auth::Caller,
    form: CampaignForm,
    errors: Vec<String>,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "campaigns");
    let jurisdictions = match super::enterprises::jurisdiction_choices(
        &state.store,
        &caller.principal.scope,
        &form.jurisdiction_code,
    )
    .await
    {
        Ok(j) => j,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let kind = if form.cadence_kind.is_empty() {
        "monthly"
    } else {
        form.cadence_kind.as_str()
    };
    let cadences = ["monthly", "monthly-next", "half-monthly", "quarterly"]
        .iter()
        .map(|k| Choice::new(*k, chrome.tk("cadence_kind", k), kind))
        .collect();
    render(&FormPage {
        phases: form.phases(),
        chrome,
        form,
        jurisdictions,
        cadences,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    if !caller.principal.role.is_clerk() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let form = CampaignForm {
        cadence_kind: "monthly".into(),
        cadence_day: "28".into(),
        reporting_units: t(
            Chrome::new(&headers, None, "").lang,
            "ui.default_reporting_units",
        ),
        ..Default::default()
    };
    form_page(&state, &headers, &caller, form, Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(form): Form<CampaignForm>,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "campaigns");
    let lines: Vec<String> = form
        .targets
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let mut errors = Vec::new();
    let mut targets = Vec::new();
    for line in &lines {
        match state.store.find_enterprise(&caller.principal, line).await {
            Ok(Some(id)) => targets.push(id),
            Ok(None) => errors.push(t_args(
                chrome.lang,
                "error.unknown_target",
                &[("value", line)],
            )),
            Err(e) => return page_error(&headers, Some(&caller), e.into()),
        }
    }
    if !errors.is_empty() {
        return form_page(&state, &headers, &caller, form, errors).await;
    }
    match state
        .store
        .create_campaign(&caller.principal, &form.input(targets))
        .await
    {
        Ok(id) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => {
            let message = chrome.error_message(&e.into());
            form_page(&state, &headers, &caller, form, vec![message]).await
        }
    }
}

pub struct TaskLine {
    pub task: Task,
    pub units: Vec<UnitLine>,
    pub cadence: String,
    pub late: usize,
    pub missing: usize,
}

pub struct UnitLine {
    pub name: String,
    pub lead: bool,
    pub orgs: Vec<String>,
}

/// A task's units grouped by the name written, with the organizations each resolved to.
pub fn unit_lines(task: &Task) -> Vec<UnitLine> {
    let mut lines: Vec<UnitLine> = Vec::new();
    for u in &task.units {
        let org = u.org_name.clone();
        match lines.iter_mut().find(|l| l.name == u.unit_name) {
            Some(line) => line.orgs.extend(org),
            None => lines.push(UnitLine {
                name: u.unit_name.clone(),
                lead: u.role == "lead",
                orgs: org.into_iter().collect(),
            }),
        }
    }
    lines
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct DetailPage {
    chrome: Chrome,
    c: Campaign,
    cadence: String,
    today: String,
    tasks: Vec<TaskLine>,
    dispatch: Option<TaskLine>,
    may_manage: bool,
    /// The area's figures since the campaign began (offices only).
    progress: Option<DispatchRow>,
    /// Hazards at each target enterprise, in the target list's order.
    targets: Vec<(hazardnet_store::CampaignTarget, Option<TargetProgress>)>,
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    let who = &caller.principal;
    let result: Result<_, ApiError> = async {
        let c = state.store.campaign(who, id).await?;
        let tasks = state.store.tasks(who, id).await?;
        let mut lines = Vec::new();
        for task in tasks {
            let grid = state.store.report_grid(who, &c, Some(&task)).await?;
            lines.push(TaskLine {
                units: unit_lines(&task),
                cadence: cadence_label(Chrome::new(&headers, None, "").lang, &task.cadence),
                late: grid.late,
                missing: grid.missing,
                task,
            });
        }
        let progress = match state.store.dispatch_table(who, &c, None, None).await {
            Ok(table) => Some(table.total),
            Err(
                hazardnet_store::StoreError::Forbidden
                | hazardnet_store::StoreError::OutOfScope
                | hazardnet_store::StoreError::Refused { .. },
            ) => None,
            Err(e) => return Err(e.into()),
        };
        let per_target = state.store.target_progress(who, &c).await?;
        Ok((c, lines, progress, per_target))
    }
    .await;
    match result {
        Ok((c, mut lines, progress, per_target)) => {
            let targets = c
                .targets
                .iter()
                .map(|t| {
                    let p = per_target
                        .iter()
                        .find(|p| p.enterprise_id == t.enterprise_id)
                        .cloned();
                    (t.clone(), p)
                })
                .collect();
            let chrome = Chrome::new(&headers, Some(&caller), "campaigns");
            let dispatch =
                (!lines.is_empty() && lines[0].task.number == 0).then(|| lines.remove(0));
            render(&DetailPage {
                cadence: cadence_label(chrome.lang, &c.cadence),
                may_manage: state.store.may_manage_campaign(who, &c),
                today: state.store.today().to_string(),
                chrome,
                c,
                tasks: lines,
                dispatch,
                progress,
                targets,
            })
        }
        Err(e) => page_error(&headers, Some(&caller), e),
    }
}

#[derive(Template)]
#[template(path = "campaign_edit.html")]
struct EditPage {
    chrome: Chrome,
    c: Campaign,
    form: CampaignCorrection,
    errors: Vec<String>,
}

/// The correction form's fields: `expected_version`, `reason`, `title`, `doc_number`,
/// `starts_on`, `ends_on`, and per phase `phase_name.N`, `phase_starts_on.N`, `phase_ends_on.N`.
fn correction_from(fields: &[(String, String)]) -> CampaignCorrection {
    let mut form = CampaignCorrection::default();
    let mut phases: std::collections::BTreeMap<usize, PhaseInput> = Default::default();
    for (name, value) in fields {
        match name.as_str() {
            "expected_version" => form.expected_version = value.trim().parse().unwrap_or(-1),
            "reason" => form.reason = value.clone(),
            "title" => form.title = value.clone(),
            "doc_number" => form.doc_number = value.clone(),
            "starts_on" => form.starts_on = value.clone(),
            "ends_on" => form.ends_on = value.clone(),
            other => {
                if let Some((field, n)) = other.split_once('.')
                    && let Ok(n) = n.parse::<usize>()
                {
                    let phase = phases.entry(n).or_default();
                    match field {
                        "phase_name" => phase.name = value.clone(),
                        "phase_starts_on" => phase.starts_on = value.clone(),
                        "phase_ends_on" => phase.ends_on = value.clone(),
                        _ => {}
                    }
                }
            }
        }
    }
    form.phases = phases.into_values().collect();
    form
}

fn edit_page(
    headers: &HeaderMap,
    caller: &crate::auth::Caller,
    c: Campaign,
    mut form: CampaignCorrection,
    errors: Vec<String>,
) -> Response {
    // One blank row to add a phase.
    form.phases.push(PhaseInput::default());
    render(&EditPage {
        chrome: Chrome::new(headers, Some(caller), "campaigns"),
        c,
        form,
        errors,
    })
}

async fn edit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.campaign(&caller.principal, id).await {
        Ok(c) if state.store.may_manage_campaign(&caller.principal, &c) => {
            let form = CampaignCorrection {
                expected_version: c.version,
                reason: String::new(),
                title: c.title.clone(),
                doc_number: c.doc_number.clone(),
                starts_on: c.starts_on.clone(),
                ends_on: c.ends_on.clone().unwrap_or_default(),
                phases: c.phase_inputs(),
            };
            edit_page(&headers, &caller, c, form, Vec::new())
        }
        Ok(_) => page_error(&headers, Some(&caller), ApiError::Forbidden),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

async fn correct(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = correction_from(&fields);
    match state
        .store
        .correct_campaign(&caller.principal, id, &form)
        .await
    {
        Ok(()) => Redirect::to(&format!("/campaigns/{id}")).into_response(),
        Err(e) => {
            let message =
                Chrome::new(&headers, Some(&caller), "").error_message(&ApiError::from(e));
            match state.store.campaign(&caller.principal, id).await {
                Ok(c) => edit_page(&headers, &caller, c, form, vec![message]),
                Err(e) => page_error(&headers, Some(&caller), e.into()),
            }
        }
    }
}
