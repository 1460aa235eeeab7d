//! Inspection plan pages: the plans, a new plan drawn from the enterprises in priority order,
//! and a plan's live coverage against its targets.

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_domain::inspection::{InspectionKind, PlanInput};
use hazardnet_store::{InspectionPlan, PlanCandidate, PlanCoverage};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections/plans", get(list).post(create))
        .route("/inspections/plans/new", get(new_form))
        .route("/inspections/plans/{id}", get(coverage))
}

#[derive(Template)]
#[template(path = "plans.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<InspectionPlan>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    match state.store.inspection_plans(&caller.principal).await {
        Ok(rows) => render(&ListPage {
            chrome: Chrome::new(&headers, Some(&caller), "inspections"),
            rows,
        }),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

#[derive(Debug, Default, Clone)]
struct PlanForm {
    name: String,
    kind: String,
    template_id: String,
    starts_on: String,
    ends_on: String,
    coverage_target: String,
    expert_target: String,
    enterprises: Vec<String>,
    /// enterprise id → planned day, inspector id, as typed
    dates: std::collections::BTreeMap<String, String>,
    inspectors: std::collections::BTreeMap<String, String>,
}

impl PlanForm {
    fn from_fields(fields: &[(String, String)]) -> PlanForm {
        let mut f = PlanForm::default();
        for (k, v) in fields {
            match k.as_str() {
                "name" => f.name = v.clone(),
                "kind" => f.kind = v.clone(),
                "template_id" => f.template_id = v.clone(),
                "starts_on" => f.starts_on = v.clone(),
                "ends_on" => f.ends_on = v.clone(),
                "coverage_target" => f.coverage_target = v.clone(),
                "expert_target" => f.expert_target = v.clone(),
                "enterprise" => f.enterprises.push(v.clone()),
                other => {
                    if let Some(id) = other.strip_prefix("date.") {
                        f.dates.insert(id.to_string(), v.clone());
                    } else if let Some(id) = other.strip_prefix("inspector.") {
                        f.inspectors.insert(id.to_string(), v.clone());
                    }
                }
            }
        }
        f
    }

    fn input(&self) -> PlanInput {
        PlanInput {
            name: self.name.clone(),
            kind: self.kind.clone(),
            template_id: self.template_id.trim().parse().unwrap_or(0),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            coverage_target: self.coverage_target.trim().parse().ok(),
            expert_target: self.expert_target.trim().parse().ok(),
            enterprises: self
                .enterprises
                .iter()
                .filter_map(|e| e.parse().ok())
                .collect(),
            visits: self
                .enterprises
                .iter()
                .filter_map(|e| {
                    let planned_on = self.dates.get(e).cloned().unwrap_or_default();
                    let inspector_id = self.inspectors.get(e).and_then(|i| i.parse().ok());
                    (!planned_on.is_empty() || inspector_id.is_some()).then(|| {
                        hazardnet_domain::inspection::PlanVisit {
                            enterprise_id: e.parse().unwrap_or(0),
                            planned_on,
                            inspector_id,
                        }
                    })
                })
                .collect(),
        }
    }
}

pub struct CandidateLine {
    pub c: PlanCandidate,
    pub checked: bool,
    pub date: String,
    pub inspectors: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "plan_form.html")]
struct FormPage {
    chrome: Chrome,
    form: PlanForm,
    kinds: Vec<Choice>,
    templates: Vec<Choice>,
    candidates: Vec<CandidateLine>,
    errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    form: PlanForm,
    errors: Vec<String>,
) -> Response {
    let who = &caller.principal;
    let loaded = async {
        let candidates = state.store.plan_candidates(who, 500).await?;
        let templates = state.store.checklist_templates(who).await?;
        let people = state.store.plan_inspectors(who).await?;
        Ok::<_, hazardnet_store::StoreError>((candidates, templates, people))
    }
    .await;
    let (candidates, templates, people) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let chrome = Chrome::new(headers, Some(caller), "inspections");
    let kind = if form.kind.is_empty() {
        "law_enforcement".to_string()
    } else {
        form.kind.clone()
    };
    render(&FormPage {
        kinds: InspectionKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), chrome.tk("inspection_kind", k.as_str()), &kind))
            .collect(),
        templates: templates
            .iter()
            .map(|t| {
                Choice::new(
                    t.id.to_string(),
                    format!("{}（{} {}）", t.name, chrome.t("ui.version"), t.version),
                    &form.template_id,
                )
            })
            .collect(),
        candidates: candidates
            .into_iter()
            .map(|c| {
                let key = c.enterprise_id.to_string();
                let chosen = form.inspectors.get(&key).cloned().unwrap_or_default();
                CandidateLine {
                    checked: form.enterprises.contains(&key),
                    date: form.dates.get(&key).cloned().unwrap_or_default(),
                    inspectors: people
                        .iter()
                        .map(|(id, name)| Choice::new(id.to_string(), name.clone(), &chosen))
                        .collect(),
                    c,
                }
            })
            .collect(),
        chrome,
        form,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let today = state.store.today();
    let form = PlanForm {
        starts_on: today.to_string(),
        ends_on: (today + chrono::Duration::days(90)).to_string(),
        coverage_target: "80".into(),
        expert_target: "80".into(),
        ..Default::default()
    };
    form_page(&state, &headers, &caller, form, Vec::new()).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let form = PlanForm::from_fields(&fields);
    match state
        .store
        .create_plan(&caller.principal, &form.input())
        .await
    {
        Ok(id) => Redirect::to(&format!("/inspections/plans/{id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            form_page(&state, &headers, &caller, form, vec![message]).await
        }
    }
}

#[derive(Template)]
#[template(path = "plan.html")]
struct CoveragePage {
    chrome: Chrome,
    p: PlanCoverage,
}

async fn coverage(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.plan_coverage(&caller.principal, id).await {
        Ok(p) => render(&CoveragePage {
            chrome: Chrome::new(&headers, Some(&caller), "inspections"),
            p,
        }),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}
