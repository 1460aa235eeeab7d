//! Enforcement pages: statistics, the list and its export, recording a decision with the
//! enterprise's flags in front of the clerk; and the inspectors' workload and the inspection
//! calendar.

use super::{Choice, Chrome, Pager, page_error, render, typed_number};
use crate::AppState;
use crate::api::enforcement::{EnforcementQuery, PeriodQuery};
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chrono::{Datelike, Duration, NaiveDate};
use hazardnet_domain::enforcement::{EnforcementFlags, EnforcementInput, EnforcementKind};
use hazardnet_store::{
    EnforcementAction, EnforcementStats, EnterpriseFilter, Inspection, InspectionFilter,
    InspectorLoad,
};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enforcement", get(list).post(record))
        .route("/enforcement/new", get(new_form))
        .route("/inspections/workload", get(workload))
        .route("/inspections/calendar", get(calendar))
}

#[derive(Template)]
#[template(path = "enforcement.html")]
struct ListPage {
    chrome: Chrome,
    stats: EnforcementStats,
    rows: Vec<EnforcementAction>,
    pager: Pager,
    kinds: Vec<Choice>,
    from: String,
    to: String,
    query: String,
    may_enforce: bool,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(mut q): Query<EnforcementQuery>,
) -> Response {
    let today = state.store.today();
    if q.from.is_none() {
        q.from = NaiveDate::from_ymd_opt(today.year(), 1, 1).map(|d| d.to_string());
    }
    let filter = q.filter();
    let loaded: Result<_, ApiError> = async {
        let stats = state
            .store
            .enforcement_stats(&caller.principal, &filter)
            .await?;
        let (rows, total) = state
            .store
            .enforcement_actions(&caller.principal, &filter)
            .await?;
        Ok((stats, rows, total))
    }
    .await;
    let (stats, rows, total) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(&headers, Some(&caller), e),
    };
    let chrome = Chrome::new(&headers, Some(&caller), "inspections");
    let kind = q.kind.clone().unwrap_or_default();
    let from = q.from.clone().unwrap_or_default();
    let to = q.to.clone().unwrap_or_default();
    let query = format!("kind={kind}&from={from}&to={to}");
    let pager = Pager::new(
        chrome.lang,
        total,
        total.to_string(),
        filter.page.max(1),
        filter.per_page,
        |p| format!("/enforcement?{query}&page={p}"),
    );
    render(&ListPage {
        may_enforce: caller.principal.may_record_enforcement(),
        kinds: EnforcementKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), chrome.tk("enforcement_kind", k.as_str()), &kind))
            .collect(),
        chrome,
        stats,
        rows,
        pager,
        from,
        to,
        query,
    })
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct DecisionForm {
    enterprise_id: String,
    inspection_id: String,
    kind: String,
    decided_on: String,
    amount_yuan: String,
    doc_number: String,
    basis: String,
    note: String,
}

impl DecisionForm {
    fn input(&self) -> Result<EnforcementInput, ApiError> {
        let amount_yuan = typed_number("amount_yuan", &self.amount_yuan)?;
        Ok(EnforcementInput {
            enterprise_id: self.enterprise_id.trim().parse().unwrap_or(0),
            kind: self.kind.clone(),
            decided_on: self.decided_on.clone(),
            amount_yuan,
            doc_number: self.doc_number.clone(),
            basis: self.basis.clone(),
            note: self.note.clone(),
            inspection_id: self.inspection_id.trim().parse().ok(),
        })
    }
}

#[derive(Template)]
#[template(path = "enforcement_form.html")]
struct FormPage {
    chrome: Chrome,
    form: DecisionForm,
    enterprises: Vec<Choice>,
    enterprise_name: String,
    flags: Option<EnforcementFlags>,
    history: Vec<EnforcementAction>,
    inspections: Vec<Choice>,
    kinds: Vec<Choice>,
    errors: Vec<String>,
    may_enforce: bool,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    form: DecisionForm,
    errors: Vec<String>,
) -> Response {
    let who = &caller.principal;
    let enterprise_id: Option<i64> = form.enterprise_id.trim().parse().ok();
    let loaded: Result<_, ApiError> = async {
        let (enterprises, _) = state
            .store
            .enterprises(
                who,
                &EnterpriseFilter {
                    per_page: Some(500),
                    ..Default::default()
                },
            )
            .await?;
        let (flags, history, inspections): (
            Option<EnforcementFlags>,
            Vec<EnforcementAction>,
            Vec<Inspection>,
        ) = match enterprise_id {
            Some(id) => {
                let (history, flags) = state.store.enforcement_flags(who, id).await?;
                let (inspections, _) = state
                    .store
                    .inspections(
                        who,
                        &InspectionFilter {
                            enterprise_id: Some(id),
                            page: 1,
                            per_page: 50,
                            ..Default::default()
                        },
                    )
                    .await?;
                (Some(flags), history, inspections)
            }
            None => (None, Vec::new(), Vec::new()),
        };
        Ok((enterprises, flags, history, inspections))
    }
    .await;
    let (enterprises, flags, history, inspections) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e),
    };
    let chrome = Chrome::new(headers, Some(caller), "inspections");
    let kind = if form.kind.is_empty() {
        "case_filed".to_string()
    } else {
        form.kind.clone()
    };
    render(&FormPage {
        may_enforce: who.may_record_enforcement(),
        enterprise_name: enterprises
            .iter()
            .find(|e| Some(e.id) == enterprise_id)
            .map(|e| e.name.clone())
            .unwrap_or_default(),
        enterprises: enterprises
            .iter()
            .map(|e| Choice::new(e.id.to_string(), e.name.clone(), &form.enterprise_id))
            .collect(),
        inspections: inspections
            .iter()
            .filter(|i| i.state == "signed_off")
            .map(|i| {
                Choice::new(
                    i.id.to_string(),
                    format!("{} {}", i.inspected_on, i.number),
                    &form.inspection_id,
                )
            })
            .collect(),
        kinds: EnforcementKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), chrome.tk("enforcement_kind", k.as_str()), &kind))
            .collect(),
        chrome,
        form,
        flags,
        history,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(mut form): Query<DecisionForm>,
) -> Response {
    if form.decided_on.is_empty() {
        form.decided_on = state.store.today().to_string();
    }
    form_page(&state, &headers, &caller, form, Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(form): Form<DecisionForm>,
) -> Response {
    let result = match form.input() {
        Ok(input) => state
            .store
            .record_enforcement(&caller.principal, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!(
            "/enforcement/new?enterprise_id={}&saved=1",
            form.enterprise_id.trim()
        ))
        .into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            form_page(&state, &headers, &caller, form, vec![message]).await
        }
    }
}

#[derive(Template)]
#[template(path = "workload.html")]
struct WorkloadPage {
    chrome: Chrome,
    rows: Vec<InspectorLoad>,
    from: String,
    to: String,
}

async fn workload(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let today = state.store.today();
    let from = q.from.clone().unwrap_or_else(|| {
        NaiveDate::from_ymd_opt(today.year(), 1, 1)
            .unwrap_or(today)
            .to_string()
    });
    let to = q.to.clone().unwrap_or_else(|| today.to_string());
    match state
        .store
        .inspector_workload(&caller.principal, Some(&from), Some(&to))
        .await
    {
        Ok(rows) => render(&WorkloadPage {
            chrome: Chrome::new(&headers, Some(&caller), "inspections"),
            rows,
            from,
            to,
        }),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

pub struct CalendarDay {
    pub day: Option<u32>,
    pub today: bool,
    pub inspections: Vec<Inspection>,
    /// Visits the office planned for the day.
    pub planned: Vec<hazardnet_store::PlannedVisit>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    month: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<CalendarDay>>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct MonthQuery {
    month: String,
}

async fn calendar(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<MonthQuery>,
) -> Response {
    let today = state.store.today();
    let first = NaiveDate::parse_from_str(&format!("{}-01", q.month.trim()), "%Y-%m-%d")
        .unwrap_or_else(|_| today.with_day(1).unwrap_or(today));
    let next_first = (first + Duration::days(32)).with_day(1).unwrap_or(first);
    let last = next_first - Duration::days(1);
    let filter = InspectionFilter {
        from: Some(first.to_string()),
        to: Some(last.to_string()),
        page: 1,
        per_page: 2000,
        ..Default::default()
    };
    let loaded = async {
        let (rows, _) = state.store.inspections(&caller.principal, &filter).await?;
        let planned = state
            .store
            .planned_visits(&caller.principal, &first.to_string(), &last.to_string())
            .await?;
        Ok::<_, hazardnet_store::StoreError>((rows, planned))
    }
    .await;
    let (rows, planned) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    // Weeks start on Monday, as Chinese calendars do.
    let lead = first.weekday().num_days_from_monday() as usize;
    let mut cells: Vec<CalendarDay> = (0..lead)
        .map(|_| CalendarDay {
            day: None,
            today: false,
            inspections: Vec::new(),
            planned: Vec::new(),
        })
        .collect();
    let mut day = first;
    while day <= last {
        let text = day.to_string();
        cells.push(CalendarDay {
            day: Some(day.day()),
            today: day == today,
            inspections: rows
                .iter()
                .filter(|i| i.inspected_on == text)
                .cloned()
                .collect(),
            planned: planned
                .iter()
                .filter(|v| v.planned_on == text)
                .cloned()
                .collect(),
        });
        day += Duration::days(1);
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(CalendarDay {
            day: None,
            today: false,
            inspections: Vec::new(),
            planned: Vec::new(),
        });
    }
    let mut weeks = Vec::new();
    let mut it = cells.into_iter().peekable();
    while it.peek().is_some() {
        weeks.push(it.by_ref().take(7).collect());
    }
    let prev = (first - Duration::days(1)).format("%Y-%m").to_string();
    render(&CalendarPage {
        chrome: Chrome::new(&headers, Some(&caller), "inspections"),
        month: first.format("%Y-%m").to_string(),
        prev,
        next: next_first.format("%Y-%m").to_string(),
        weeks,
    })
}
