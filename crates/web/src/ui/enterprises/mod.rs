//! Enterprise pages: list with filters and paging, detail with history, and the Excel import
//! and its template. The new and edit forms are in `form`.

mod form;

use crate::ui::import::{ImportOutcome, ImportPage, ImportQuery, import_message, import_outcome};
use form::{create, edit_form, new_form, update};

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::api::{import_sheet, upload_bytes, xlsx_response};
use crate::auth::PageCaller;
use crate::error::ApiError;
use crate::i18n::{Lang, t};
use crate::sheets;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_domain::Scope;
use hazardnet_domain::enforcement::EnforcementKind;
use hazardnet_domain::enterprise::{EnterpriseStatus, RiskGrade};
use hazardnet_store::{Enterprise, EnterpriseFilter, EnterpriseSort, Store, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises", get(list).post(create))
        .route("/enterprises/mine", get(mine))
        .route("/enterprises/new", get(new_form))
        .route("/enterprises/import", get(import_page).post(import))
        .route("/enterprises/import-template.xlsx", get(template))
        .route("/enterprises/{id}", get(detail).post(update))
        .route("/enterprises/{id}/edit", get(edit_form))
        .route(
            "/enterprises/{id}/experts",
            axum::routing::post(assign_expert),
        )
        .route(
            "/enterprises/{id}/experts/{username}/end",
            axum::routing::post(end_expert_assignment),
        )
}

const PER_PAGE: i64 = 20;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    jurisdiction: String,
    industry: String,
    risk_grade: String,
    status: String,
    flag: String,
    key: Option<bool>,
    sort: String,
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> EnterpriseFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let (sort, desc) = match self.sort.as_str() {
            "updated" => (EnterpriseSort::UpdatedAt, true),
            "risk" => (EnterpriseSort::RiskGrade, false),
            "jurisdiction" => (EnterpriseSort::Jurisdiction, false),
            _ => (EnterpriseSort::Name, false),
        };
        EnterpriseFilter {
            q: some(&self.q),
            jurisdiction: some(&self.jurisdiction),
            industry: some(&self.industry),
            risk_grade: some(&self.risk_grade),
            status: some(&self.status),
            key: self.key,
            key_hazardous_chemicals: (self.flag == "key_hazardous_chemicals").then_some(true),
            crowded_place: (self.flag == "crowded_place").then_some(true),
            high_risk: (self.flag == "high_risk").then_some(true),
            sort: Some(sort),
            desc: Some(desc),
            page: self.page,
            per_page: Some(PER_PAGE),
        }
    }

    /// The query string of this filter, for export and paging links.
    fn to_query(&self, page: Option<i64>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("jurisdiction", &self.jurisdiction),
            ("industry", &self.industry),
            ("risk_grade", &self.risk_grade),
            ("status", &self.status),
            ("sort", &self.sort),
        ] {
            if !v.is_empty() {
                pairs.append_pair(k, v);
            }
        }
        if !self.flag.is_empty() {
            pairs.append_pair(&self.flag, "true");
            if page.is_some() {
                pairs.append_pair("flag", &self.flag);
            }
        }
        if self.key == Some(true) {
            pairs.append_pair("key", "true");
        }
        if let Some(p) = page {
            pairs.append_pair("page", &p.to_string());
        }
        pairs.finish()
    }
}

fn indent(level: &str) -> &'static str {
    match level {
        "city" | "division" => "　",
        "county" | "group" => "　　",
        "township" | "class" => "　　　",
        "community" => "　　　　",
        _ => "",
    }
}

/// The divisions a caller may pick from: their scope's subtree (all for the admin).
pub(super) async fn jurisdiction_choices(
    store: &Store,
    scope: &Scope,
    current: &str,
) -> Result<Vec<Choice>, StoreError> {
    let list = match scope {
        Scope::Everything => store.all_jurisdictions().await?,
        Scope::Government { jurisdiction, .. } => store.jurisdiction_subtree(jurisdiction).await?,
        _ => Vec::new(),
    };
    Ok(list
        .into_iter()
        .map(|j| {
            Choice::new(
                j.code.clone(),
                format!("{}{}", indent(&j.level), j.name),
                current,
            )
        })
        .collect())
}

async fn industry_choices(
    store: &Store,
    current: &str,
    all_levels: bool,
) -> Result<Vec<Choice>, StoreError> {
    Ok(store
        .industries()
        .await?
        .into_iter()
        .filter(|i| all_levels || i.level == "section" || i.level == "division")
        .map(|i| {
            Choice::new(
                i.code.clone(),
                format!("{}{} {}", indent(&i.level), i.code, i.name),
                current,
            )
        })
        .collect())
}

fn risk_choices(lang: Lang, current: &str) -> Vec<Choice> {
    RiskGrade::ALL
        .iter()
        .map(|g| {
            Choice::new(
                g.as_str(),
                t(lang, &format!("risk.{}", g.as_str())),
                current,
            )
        })
        .collect()
}

fn status_choices(lang: Lang, current: &str) -> Vec<Choice> {
    EnterpriseStatus::ALL
        .iter()
        .map(|s| {
            Choice::new(
                s.as_str(),
                t(lang, &format!("status.{}", s.as_str())),
                current,
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "enterprises.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Enterprise>,
    pager: super::Pager,
    query: String,
    filter_q: String,
    filtered: bool,
    may_register: bool,
    jurisdictions: Vec<Choice>,
    industries: Vec<Choice>,
    risk_grades: Vec<Choice>,
    statuses: Vec<Choice>,
    flags: Vec<Choice>,
    sorts: Vec<Choice>,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<ListQuery>,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "enterprises");
    let lang = chrome.lang;
    let p = &caller.principal;
    let filter = q.filter();
    let result = async {
        let (rows, total) = state.store.enterprises(p, &filter).await?;
        let jurisdictions = jurisdiction_choices(&state.store, &p.scope, &q.jurisdiction).await?;
        let industries = industry_choices(&state.store, &q.industry, false).await?;
        Ok::<_, StoreError>((rows, total, jurisdictions, industries))
    }
    .await;
    let (rows, total, jurisdictions, industries) = match result {
        Ok(r) => r,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    render(&ListPage {
        pager: super::Pager::new(
            lang,
            total,
            total.to_string(),
            filter.page(),
            PER_PAGE,
            |n| format!("/enterprises?{}", q.to_query(Some(n))),
        ),
        query: q.to_query(None),
        filter_q: q.q.clone(),
        filtered: !q.to_query(None).is_empty(),
        may_register: p.role.may_register_enterprises(),
        jurisdictions,
        industries,
        risk_grades: risk_choices(lang, &q.risk_grade),
        statuses: status_choices(lang, &q.status),
        flags: ["key_hazardous_chemicals", "crowded_place", "high_risk"]
            .iter()
            .map(|f| Choice::new(*f, t(lang, &format!("field.{f}")), &q.flag))
            .collect(),
        sorts: [
            ("name", "ui.sort_name"),
            ("updated", "ui.sort_updated"),
            ("risk", "ui.sort_risk"),
            ("jurisdiction", "ui.sort_jurisdiction"),
        ]
        .iter()
        .map(|(v, k)| Choice::new(*v, t(lang, k), &q.sort))
        .collect(),
        rows,
        chrome,
    })
}

async fn mine(PageCaller(caller): PageCaller) -> Response {
    match caller.principal.enterprise_id {
        Some(id) => Redirect::to(&format!("/enterprises/{id}")).into_response(),
        None => Redirect::to("/enterprises").into_response(),
    }
}

/// UTC text from the database, shown in China time.
pub fn china_time(utc: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(utc)
        .map(|t| {
            t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(*t.offset()))
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| utc.to_string())
}

#[derive(Template)]
#[template(path = "enterprise.html")]
struct DetailPage {
    chrome: Chrome,
    e: Enterprise,
    flags: Vec<String>,
    may_edit: bool,
    /// Government staff: links to the enterprise's inspections and enforcement.
    may_inspect: bool,
    /// The caller's office may record enforcement decisions (enforcement power).
    may_enforce: bool,
    updated_at: String,
    history: Vec<crate::ui::HistoryLine>,
    accidents: Vec<hazardnet_store::Accident>,
    /// Office clerks record accidents.
    may_record_accident: bool,
    /// On the blacklist (黑名单), and the decision that put it there.
    blacklisted: bool,
    blacklist_entry: Option<hazardnet_store::EnforcementAction>,
    /// Its open hazards, earliest deadline first, and how many there are.
    open_hazards: Vec<hazardnet_store::Hazard>,
    open_total: i64,
    /// The experts assigned to the enterprise (seen by the offices and the administrator).
    experts: Vec<hazardnet_store::AssignedExpert>,
    /// Offices assign experts to the enterprises in their scope, and take them off.
    may_assign_experts: bool,
    expert_choices: Vec<Choice>,
    errors: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ExpertForm {
    expert: String,
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    detail_page(&state, &headers, &caller, id, ExpertForm::default(), vec![]).await
}

async fn detail_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &crate::auth::Caller,
    id: i64,
    expert_form: ExpertForm,
    errors: Vec<String>,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "enterprises");
    let lang = chrome.lang;
    let p = &caller.principal;
    let may_assign_experts = p.role.may_assign_experts();
    let result = async {
        let e = state.store.enterprise(p, id).await?;
        let history = state
            .store
            .audit_history("enterprise", &id.to_string())
            .await?;
        let accidents = state.store.accidents(p, id).await?;
        let experts = if may_assign_experts {
            let mut experts = state.store.enterprise_experts(p, id).await?;
            for x in &mut experts {
                x.assigned_at = crate::ui::china_day(&x.assigned_at);
            }
            experts
        } else {
            vec![]
        };
        let choices = if may_assign_experts {
            state.store.expert_choices().await?
        } else {
            vec![]
        };
        Ok::<_, StoreError>((e, history, accidents, experts, choices))
    }
    .await;
    let (e, history, accidents, experts, choices) = match result {
        Ok(r) => r,
        Err(err) => return page_error(headers, Some(caller), err.into()),
    };
    let (actions, enforcement) = match state.store.enforcement_flags(&caller.principal, id).await {
        Ok(v) => v,
        Err(err) => return page_error(headers, Some(caller), err.into()),
    };
    // The entry in force is the last one: leaving the blacklist ends it.
    let blacklist_entry = enforcement
        .blacklisted
        .then(|| {
            actions
                .into_iter()
                .rev()
                .find(|a| a.kind == EnforcementKind::BlacklistEntry.as_str())
        })
        .flatten();
    let open_filter = hazardnet_store::HazardFilter {
        enterprise_id: Some(id),
        state: Some(hazardnet_store::OPEN_STATES.to_string()),
        sort: Some(hazardnet_store::HazardSort::Deadline),
        per_page: Some(10),
        ..Default::default()
    };
    let (open_hazards, open_total) =
        match state.store.hazards(&caller.principal, &open_filter).await {
            Ok(v) => v,
            Err(err) => return page_error(headers, Some(caller), err.into()),
        };
    let flags = [
        (e.key_hazardous_chemicals, "field.key_hazardous_chemicals"),
        (e.crowded_place, "field.crowded_place"),
        (e.high_risk, "field.high_risk"),
    ]
    .iter()
    .filter(|(on, _)| *on != 0)
    .map(|(_, k)| t(lang, k))
    .collect();
    let refused = !errors.is_empty();
    let mut response = render(&DetailPage {
        may_edit: Store::may_edit_enterprise(p, id),
        may_record_accident: p.role.is_clerk(),
        accidents,
        blacklisted: enforcement.blacklisted,
        blacklist_entry,
        open_hazards,
        open_total,
        may_enforce: caller.principal.may_record_enforcement(),
        may_inspect: !caller.principal.role.is_enterprise_role()
            && caller.principal.role != hazardnet_domain::Role::Leader,
        updated_at: china_time(&e.updated_at),
        history: crate::ui::history_lines(lang, history),
        flags,
        expert_choices: choices
            .iter()
            .filter(|c| !experts.iter().any(|a| a.user_id == c.user_id))
            .map(|c| {
                Choice::new(
                    c.username.clone(),
                    format!("{}（{}）", c.display_name, c.org_name),
                    &expert_form.expert,
                )
            })
            .collect(),
        experts,
        may_assign_experts,
        errors,
        e,
        chrome,
    });
    if refused {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn set_expert(
    state: AppState,
    headers: HeaderMap,
    caller: crate::auth::Caller,
    id: i64,
    form: ExpertForm,
    assign: bool,
) -> Response {
    match state
        .store
        .set_expert_assignment(&caller.principal, &form.expert, id, assign)
        .await
    {
        Ok(()) => Redirect::to(&format!("/enterprises/{id}#experts")).into_response(),
        Err(e @ (StoreError::NotFound | StoreError::Forbidden)) => {
            page_error(&headers, Some(&caller), e.into())
        }
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            detail_page(&state, &headers, &caller, id, form, vec![message]).await
        }
    }
}

async fn assign_expert(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    axum::extract::Form(form): axum::extract::Form<ExpertForm>,
) -> Response {
    set_expert(state, headers, caller, id, form, true).await
}

async fn end_expert_assignment(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path((id, username)): Path<(i64, String)>,
) -> Response {
    let form = ExpertForm { expert: username };
    set_expert(state, headers, caller, id, form, false).await
}

impl ImportPage {
    fn enterprises(chrome: Chrome) -> ImportPage {
        ImportPage {
            title: chrome.t("ui.import_title"),
            help: chrome.t("ui.import_help"),
            action: "/enterprises/import",
            extra_query: String::new(),
            template_href: Some("/enterprises/import-template.xlsx"),
            enterprises: vec![],
            success: None,
            error: None,
            rows: vec![],
            chrome,
        }
    }
}

async fn import_page(headers: HeaderMap, PageCaller(caller): PageCaller) -> Response {
    if !caller.principal.role.may_register_enterprises() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    render(&ImportPage::enterprises(Chrome::new(
        &headers,
        Some(&caller),
        "enterprises",
    )))
}

async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<ImportQuery>,
    multipart: Multipart,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "enterprises");
    let dry_run = q.mode == "check";
    let result = match upload_bytes(multipart).await {
        Ok(bytes) => import_sheet(&state, &caller, &bytes, dry_run).await,
        Err(e) => Err(e),
    };
    let message = result.map(|r| import_message(chrome.lang, r.dry_run, r.rows, r.imported));
    let ImportOutcome {
        success,
        error,
        rows,
        status,
    } = import_outcome(&chrome, message);
    let mut response = render(&ImportPage {
        success,
        error,
        rows,
        ..ImportPage::enterprises(chrome)
    });
    *response.status_mut() = status;
    response
}

async fn template(headers: HeaderMap, PageCaller(_caller): PageCaller) -> Response {
    let lang = Lang::from_headers(&headers);
    match sheets::enterprises_workbook(lang, &[]) {
        Ok(bytes) => {
            xlsx_response(bytes, &format!("{}.xlsx", t(lang, "ui.import_title"))).into_response()
        }
        Err(e) => ApiError::Store(StoreError::Internal(e.to_string())).into_response(),
    }
}
