//! Hazard pages: the ledger with filters and search, a hazard with the next steps the user
//! may take, the report form (a photo from the phone's camera included), and the dashboard.

use super::enterprises::china_time;
use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::api::upload_part_from;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::{Lang, t};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::Scope;
use hazardnet_domain::hazard::{
    Action, CATEGORIES, HazardInput, HazardLevel, HazardSource, HazardState, RectificationPlan,
};
use hazardnet_store::{
    Dashboard, EnterpriseFilter, Evidence, EvidenceUpload, Hazard, HazardFilter, StoreError,
};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hazards", get(list).post(create))
        .route("/hazards/new", get(new_form))
        .route("/hazards/import", get(import_page).post(import))
        .route("/hazards/{id}", get(detail))
        .route("/hazards/{id}/act", post(act))
        .route("/hazards/{id}/listing", post(listing))
        .route("/hazards/{id}/leader", post(leader))
        .route("/dashboard", get(dashboard))
}

const PER_PAGE: i64 = 20;

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct LedgerQuery {
    q: String,
    level: String,
    state: String,
    source: String,
    jurisdiction: String,
    industry: String,
    flag: String,
    found_from: String,
    found_to: String,
    page: Option<i64>,
}

impl LedgerQuery {
    fn filter(&self) -> HazardFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        HazardFilter {
            q: some(&self.q),
            level: some(&self.level),
            state: some(&self.state),
            source: some(&self.source),
            jurisdiction: some(&self.jurisdiction),
            industry: some(&self.industry),
            overdue: (self.flag == "overdue").then_some(true),
            supervised: (self.flag == "supervised").then_some(true),
            found_from: some(&self.found_from),
            found_to: some(&self.found_to),
            page: self.page,
            per_page: Some(PER_PAGE),
            ..Default::default()
        }
    }

    fn to_query(&self, page: Option<i64>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("level", &self.level),
            ("state", &self.state),
            ("source", &self.source),
            ("jurisdiction", &self.jurisdiction),
            ("industry", &self.industry),
            ("found_from", &self.found_from),
            ("found_to", &self.found_to),
        ] {
            if !v.is_empty() {
                pairs.append_pair(k, v);
            }
        }
        match self.flag.as_str() {
            "overdue" => {
                pairs.append_pair("overdue", "true");
            }
            "supervised" => {
                pairs.append_pair("supervised", "true");
            }
            _ => {}
        }
        if let Some(p) = page {
            if !self.flag.is_empty() {
                pairs.append_pair("flag", &self.flag);
            }
            pairs.append_pair("page", &p.to_string());
        }
        pairs.finish()
    }
}

fn choices<T: Copy>(
    lang: Lang,
    prefix: &str,
    all: &[T],
    name: fn(T) -> &'static str,
    current: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|v| {
            Choice::new(
                name(*v),
                t(lang, &format!("{prefix}.{}", name(*v))),
                current,
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "hazards.html")]
struct LedgerPage {
    chrome: Chrome,
    f: LedgerQuery,
    rows: Vec<Hazard>,
    pager: super::Pager,
    query: String,
    filtered: bool,
    may_report: bool,
    levels: Vec<Choice>,
    states: Vec<Choice>,
    sources: Vec<Choice>,
    jurisdictions: Vec<Choice>,
    flags: Vec<Choice>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let lang = chrome.lang;
    let p = &caller.principal;
    let filter = q.filter();
    let (rows, total) = match state.store.hazards(p, &filter).await {
        Ok(r) => r,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let jurisdictions =
        match super::enterprises::jurisdiction_choices(&state.store, &p.scope, &q.jurisdiction)
            .await
        {
            Ok(list) => list,
            Err(e) => return page_error(&headers, Some(&caller), e.into()),
        };
    render(&LedgerPage {
        pager: super::Pager::new(
            lang,
            total,
            if filter.q.is_some() && total >= hazardnet_store::SEARCH_COUNT_CAP {
                format!("{total}+")
            } else {
                total.to_string()
            },
            filter.page(),
            PER_PAGE,
            |n| format!("/hazards?{}", q.to_query(Some(n))),
        ),
        query: q.to_query(None),
        filtered: !q.to_query(None).is_empty(),
        may_report: p.role != hazardnet_domain::Role::Leader,
        levels: choices(
            lang,
            "hazard_level",
            HazardLevel::ALL,
            HazardLevel::as_str,
            &q.level,
        ),
        states: choices(
            lang,
            "hazard_state",
            HazardState::ALL,
            HazardState::as_str,
            &q.state,
        ),
        sources: choices(
            lang,
            "hazard_source",
            HazardSource::ALL,
            HazardSource::as_str,
            &q.source,
        ),
        jurisdictions,
        flags: [("overdue", "ui.overdue"), ("supervised", "ui.supervised")]
            .iter()
            .map(|(v, k)| Choice::new(*v, t(lang, k), &q.flag))
            .collect(),
        rows,
        f: q,
        chrome,
    })
}

struct HistoryLine {
    at: String,
    actor: String,
    action: String,
}

#[derive(Template)]
#[template(path = "hazard.html")]
struct DetailPage {
    chrome: Chrome,
    h: Hazard,
    category: String,
    evidence: Vec<Evidence>,
    actions: Vec<&'static str>,
    may_list: bool,
    leaders: Vec<Choice>,
    today: String,
    error: Option<String>,
    history: Vec<HistoryLine>,
}

async fn detail_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    error: Option<String>,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "hazards");
    let lang = chrome.lang;
    let p = &caller.principal;
    let loaded = async {
        Ok::<_, StoreError>((
            state.store.hazard(p, id).await?,
            state.store.hazard_evidence(p, id).await?,
            state.store.available_actions(p, id).await?,
            state.store.audit_history("hazard", &id.to_string()).await?,
        ))
    }
    .await;
    let (h, evidence, actions, history) = match loaded {
        Ok(l) => l,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let category = CATEGORIES
        .iter()
        .find(|(c, _)| *c == h.category)
        .map(|(c, n)| format!("{c} {n}"))
        .unwrap_or_else(|| h.category.clone());
    let finished = matches!(h.state.as_str(), "closed" | "rejected");
    let leaders = if !finished
        && matches!(
            p.role,
            hazardnet_domain::Role::CommitteeClerk | hazardnet_domain::Role::Admin
        ) {
        match state.store.leader_candidates(p, id).await {
            Ok(list) => list,
            Err(e) => return page_error(headers, Some(caller), e.into()),
        }
    } else {
        vec![]
    };
    let current_leader = h.leader_name.clone();
    let mut response = render(&DetailPage {
        may_list: !finished
            && h.listing.is_none()
            && matches!(
                p.role,
                hazardnet_domain::Role::CommitteeClerk | hazardnet_domain::Role::RegulatorClerk
            ),
        leaders: leaders
            .into_iter()
            .map(|(username, name)| {
                let selected = name == current_leader;
                Choice {
                    value: username,
                    label: name,
                    selected,
                }
            })
            .collect(),
        today: state.store.today().to_string(),
        history: history
            .into_iter()
            .map(|e| HistoryLine {
                at: china_time(&e.at),
                actor: e.actor,
                action: t(lang, &format!("ui.action.{}", e.action)),
            })
            .collect(),
        category,
        evidence,
        actions,
        error: error.clone(),
        h,
        chrome,
    });
    if error.is_some() {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &headers, &caller, id, None).await
}

/// The fields of a multipart form, and its file if one was chosen.
async fn form_fields(
    mut multipart: Multipart,
) -> Result<(HashMap<String, String>, Option<EvidenceUpload>), ApiError> {
    let mut fields = HashMap::new();
    let mut file = None;
    let invalid = || ApiError::BadRequest {
        code: "invalid_upload",
        detail: String::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| invalid())? {
        let name = field.name().unwrap_or("").to_string();
        if name == "file" {
            let upload = upload_part_from(field).await?;
            if !upload.bytes.is_empty() {
                file = Some(upload);
            }
        } else {
            let value = field.text().await.map_err(|_| invalid())?;
            fields.insert(name, value);
        }
    }
    Ok((fields, file))
}

fn action_from(fields: &HashMap<String, String>, evidence: Vec<i64>) -> Option<Action> {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let note = get("note");
    Some(match get("action").as_str() {
        "confirm" => {
            let plan = fields
                .contains_key("plan_measures")
                .then(|| RectificationPlan {
                    responsible_person: get("plan_responsible_person"),
                    measures: get("plan_measures"),
                    funds_yuan: get("plan_funds_yuan").trim().parse().ok(),
                    deadline: get("plan_deadline"),
                    interim_measures: get("plan_interim_measures"),
                });
            let deadline = fields.get("deadline").cloned();
            Action::Confirm {
                plan,
                deadline,
                note,
            }
        }
        "reject" => Action::Reject {
            reason: get("reason"),
        },
        "immediate_fix" => Action::ImmediateFix { evidence, note },
        "submit" => Action::Submit { evidence, note },
        "accept" => Action::Accept { evidence, note },
        "send_back" => Action::SendBack {
            reason: get("reason"),
        },
        "request_extension" => Action::RequestExtension {
            new_deadline: get("new_deadline"),
            reason: get("reason"),
        },
        "decide_extension" => Action::DecideExtension {
            approve: get("approve") == "true",
            note,
        },
        _ => return None,
    })
}

async fn act(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let result: Result<(), ApiError> = async {
        let (fields, file) = form_fields(multipart).await?;
        let mut evidence = Vec::new();
        if let Some(upload) = file {
            evidence.push(
                state
                    .store
                    .attach_evidence(&caller.principal, id, upload)
                    .await?
                    .id,
            );
        }
        let action = action_from(&fields, evidence).ok_or(ApiError::BadRequest {
            code: "invalid_upload",
            detail: String::new(),
        })?;
        state
            .store
            .transition_hazard(&caller.principal, id, &action)
            .await?;
        Ok(())
    }
    .await;
    match result {
        Ok(()) => Redirect::to(&format!("/hazards/{id}")).into_response(),
        Err(e @ ApiError::Store(StoreError::NotFound)) => page_error(&headers, Some(&caller), e),
        Err(e) => {
            detail_page(
                &state,
                &headers,
                &caller,
                id,
                Some(chrome.error_message(&e)),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct ListingForm {
    level: String,
    date: String,
    letter_number: String,
}

async fn listing(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<ListingForm>,
) -> Response {
    match state
        .store
        .list_hazard_for_supervision(
            &caller.principal,
            id,
            &form.level,
            &form.date,
            &form.letter_number,
        )
        .await
    {
        Ok(_) => Redirect::to(&format!("/hazards/{id}")).into_response(),
        Err(StoreError::NotFound) => page_error(&headers, Some(&caller), ApiError::NotFound),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            detail_page(&state, &headers, &caller, id, Some(message)).await
        }
    }
}

#[derive(Template)]
#[template(path = "hazard_form.html")]
struct FormPage {
    chrome: Chrome,
    input: HazardInput,
    today: String,
    errors: Vec<String>,
    enterprises: Vec<Choice>,
    levels: Vec<Choice>,
    categories: Vec<Choice>,
    sources: Vec<Choice>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    input: HazardInput,
    errors: Vec<String>,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "hazards");
    let lang = chrome.lang;
    let filter = EnterpriseFilter {
        per_page: Some(500),
        ..Default::default()
    };
    let enterprises = match state
        .store
        .enterprises_all(&caller.principal, &filter)
        .await
    {
        Ok(list) => list,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let current = input.enterprise_id.to_string();
    let refused = !errors.is_empty();
    let mut response = render(&FormPage {
        today: state.store.today().to_string(),
        enterprises: enterprises
            .iter()
            .map(|e| {
                Choice::new(
                    e.id.to_string(),
                    format!("{}（{}）", e.name, e.jurisdiction_name),
                    &current,
                )
            })
            .collect(),
        levels: choices(
            lang,
            "hazard_level",
            HazardLevel::ALL,
            HazardLevel::as_str,
            &input.level,
        ),
        categories: CATEGORIES
            .iter()
            .map(|(c, n)| {
                Choice::new(
                    *c,
                    format!("{}{} {}", if c.len() == 2 { "　" } else { "" }, c, n),
                    &input.category,
                )
            })
            .collect(),
        sources: choices(
            lang,
            "hazard_source",
            HazardSource::ALL,
            HazardSource::as_str,
            &input.source,
        ),
        input,
        errors,
        chrome,
    });
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let source = if caller.principal.role.is_enterprise_role() {
        "self_inspection"
    } else {
        "department_inspection"
    };
    let input = HazardInput {
        enterprise_id: caller.principal.enterprise_id.unwrap_or(0),
        level: "general".into(),
        category: "21".into(),
        source: source.into(),
        found_at: state.store.today().to_string(),
        found_by: caller.principal.display_name.clone(),
        ..Default::default()
    };
    form_page(&state, &headers, &caller, input, vec![]).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    multipart: Multipart,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let (fields, file) = match form_fields(multipart).await {
        Ok(f) => f,
        Err(e) => return page_error(&headers, Some(&caller), e),
    };
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let input = HazardInput {
        // An enterprise's own people report at their enterprise.
        enterprise_id: get("enterprise_id")
            .trim()
            .parse()
            .ok()
            .or(caller.principal.enterprise_id)
            .unwrap_or(0),
        title: get("title"),
        description: get("description"),
        place: get("place"),
        level: get("level"),
        category: get("category"),
        basis: get("basis"),
        source: get("source"),
        found_at: get("found_at"),
        found_by: get("found_by"),
    };
    let id = match state.store.create_hazard(&caller.principal, &input).await {
        Ok(created) => created.id,
        Err(e) => {
            let message = chrome.error_message(&e.into());
            return form_page(&state, &headers, &caller, input, vec![message]).await;
        }
    };
    if let Some(upload) = file
        && let Err(e) = state
            .store
            .attach_evidence(&caller.principal, id, upload)
            .await
    {
        // The report stands; say why its photo was not kept.
        let message = format!(
            "{}{}",
            t(chrome.lang, "ui.photo_refused"),
            chrome.error_message(&e.into())
        );
        return detail_page(&state, &headers, &caller, id, Some(message)).await;
    }
    Redirect::to(&format!("/hazards/{id}")).into_response()
}

struct TrendRow {
    month: String,
    from: String,
    to: String,
    found: i64,
    closed: i64,
    found_width: i64,
    closed_width: i64,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    scope_label: String,
    closure_rate: String,
    trend: Vec<TrendRow>,
    d: Dashboard,
}

async fn dashboard(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "dashboard");
    let p = &caller.principal;
    let d = match state.store.dashboard(p).await {
        Ok(d) => d,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let jurisdiction_name = match &p.scope {
        Scope::Government { jurisdiction, .. } => state
            .store
            .jurisdiction(jurisdiction.as_str())
            .await
            .map(|j| j.name)
            .unwrap_or_else(|_| jurisdiction.to_string()),
        _ => String::new(),
    };
    let peak = d
        .trend
        .iter()
        .map(|m| m.found.max(m.closed))
        .max()
        .unwrap_or(0)
        .max(1);
    render(&DashboardPage {
        scope_label: chrome.scope_label(&p.scope, &jurisdiction_name),
        closure_rate: format!("{:.1}%", d.closure_rate * 100.0),
        trend: d
            .trend
            .iter()
            .map(|m| TrendRow {
                from: format!("{}-01", m.month),
                to: format!("{}-31", m.month),
                found_width: m.found * 100 / peak,
                closed_width: m.closed * 100 / peak,
                month: m.month.clone(),
                found: m.found,
                closed: m.closed,
            })
            .collect(),
        d,
        chrome,
    })
}

async fn ledger_import_page(
    state: &AppState,
    chrome: Chrome,
    caller: &Caller,
    current: &str,
) -> Result<super::enterprises::ImportPage, StoreError> {
    let enterprises = if caller.principal.enterprise_id.is_some() {
        vec![]
    } else {
        let filter = EnterpriseFilter {
            per_page: Some(500),
            ..Default::default()
        };
        state
            .store
            .enterprises_all(&caller.principal, &filter)
            .await?
            .into_iter()
            .map(|e| {
                Choice::new(
                    e.id.to_string(),
                    format!("{}（{}）", e.name, e.jurisdiction_name),
                    current,
                )
            })
            .collect()
    };
    Ok(super::enterprises::ImportPage {
        title: chrome.t("ui.ledger_import_title"),
        help: chrome.t("ui.ledger_import_help"),
        action: "/hazards/import",
        extra_query: String::new(),
        template_href: None,
        enterprises,
        success: None,
        error: None,
        rows: vec![],
        chrome,
    })
}

async fn import_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    match ledger_import_page(&state, chrome, &caller, "").await {
        Ok(page) => render(&page),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<super::enterprises::ImportQuery>,
    multipart: Multipart,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let lang = chrome.lang;
    let dry_run = q.mode == "check";
    let (fields, file) = match form_fields(multipart).await {
        Ok(f) => f,
        Err(e) => return page_error(&headers, Some(&caller), e),
    };
    let enterprise = fields.get("enterprise_id").cloned().unwrap_or_default();
    let result = match file {
        Some(upload) => {
            crate::api::import_ledger(
                &state,
                &caller,
                enterprise.trim().parse().ok(),
                &upload.bytes,
                dry_run,
            )
            .await
        }
        None => Err(ApiError::BadRequest {
            code: "invalid_upload",
            detail: String::new(),
        }),
    };
    let message =
        result.map(|r| super::enterprises::import_message(lang, r.dry_run, r.rows, r.imported));
    let super::enterprises::ImportOutcome {
        success,
        error,
        rows,
        status,
    } = super::enterprises::import_outcome(&chrome, message);
    let page = match ledger_import_page(&state, chrome, &caller, &enterprise).await {
        Ok(page) => page,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let mut response = render(&super::enterprises::ImportPage {
        success,
        error,
        rows,
        ..page
    });
    *response.status_mut() = status;
    response
}

#[derive(Deserialize)]
struct LeaderForm {
    username: String,
}

async fn leader(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<LeaderForm>,
) -> Response {
    match state
        .store
        .assign_leader(&caller.principal, id, &form.username)
        .await
    {
        Ok(_) => Redirect::to(&format!("/hazards/{id}")).into_response(),
        Err(StoreError::NotFound) => page_error(&headers, Some(&caller), ApiError::NotFound),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            detail_page(&state, &headers, &caller, id, Some(message)).await
        }
    }
}
