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
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "enterprises");
    let lang = chrome.lang;
    let e = match state.store.enterprise(&caller.principal, id).await {
        Ok(e) => e,
        Err(err) => return page_error(&headers, Some(&caller), err.into()),
    };
    let history = match state
        .store
        .audit_history("enterprise", &id.to_string())
        .await
    {
        Ok(h) => h,
        Err(err) => return page_error(&headers, Some(&caller), err.into()),
    };
    let accidents = match state.store.accidents(&caller.principal, id).await {
        Ok(a) => a,
        Err(err) => return page_error(&headers, Some(&caller), err.into()),
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
    render(&DetailPage {
        may_edit: Store::may_edit_enterprise(&caller.principal, id),
        may_record_accident: caller.principal.role.is_clerk(),
        accidents,
        may_enforce: caller.principal.may_record_enforcement(),
        may_inspect: !caller.principal.role.is_enterprise_role()
            && caller.principal.role != hazardnet_domain::Role::Leader,
        updated_at: china_time(&e.updated_at),
        history: crate::ui::history_lines(lang, history),
        flags,
        e,
        chrome,
    })
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
