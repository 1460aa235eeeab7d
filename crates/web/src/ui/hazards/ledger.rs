//! The hazard ledger page (filters, full-text search, paging) and the import of an
//! enterprise's existing ledger from Excel.

use super::{choices, form_fields};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t;
use crate::ui::{Choice, Chrome, page_error, render};
use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hazardnet_domain::hazard::{HazardLevel, HazardSource, HazardState, HazardStep};
use hazardnet_store::{EnterpriseFilter, Hazard, HazardFilter, HazardSort, StoreError};
use serde::Deserialize;

const PER_PAGE: i64 = 20;

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct LedgerQuery {
    q: String,
    level: String,
    state: String,
    source: String,
    jurisdiction: String,
    industry: String,
    flag: String,
    found_from: String,
    found_to: String,
    /// The to-do list's filters (links from the home and enterprise pages), kept as hidden
    /// fields when the visible filters change.
    enterprise_id: String,
    leader_user_id: String,
    awaiting: String,
    due_within: String,
    listing_org_id: String,
    pending_extension: String,
    overdue: String,
    sort: String,
    page: Option<i64>,
}

/// A yes/no filter from a link: blank is no filter; anything but true/false is refused.
fn typed_flag(field: &'static str, raw: &str) -> Result<Option<bool>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        other => Err(invalid(field, other)),
    }
}

fn invalid(field: &'static str, value: &str) -> ApiError {
    ApiError::Store(StoreError::Domain(
        hazardnet_domain::DomainError::InvalidValue {
            field,
            value: value.to_string(),
        },
    ))
}

impl LedgerQuery {
    fn filter(&self) -> Result<HazardFilter, ApiError> {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let awaiting = match self.awaiting.trim() {
            "" => None,
            raw => Some(HazardStep::parse(raw).ok_or_else(|| invalid("awaiting", raw))?),
        };
        let due_within = match crate::ui::typed_number("due_within", &self.due_within)? {
            None => None,
            Some(n) => Some(u16::try_from(n).map_err(|_| invalid("due_within", &n.to_string()))?),
        };
        let sort = match self.sort.trim() {
            "" => None,
            "deadline" => Some(HazardSort::Deadline),
            "found_at" => Some(HazardSort::FoundAt),
            "number" => Some(HazardSort::Number),
            "updated_at" => Some(HazardSort::UpdatedAt),
            raw => return Err(invalid("sort", raw)),
        };
        // The flag select and an explicit overdue=true|false (a to-do link's) are one filter.
        let overdue = match typed_flag("overdue", &self.overdue)? {
            Some(b) => Some(b),
            None => (self.flag == "overdue").then_some(true),
        };
        Ok(HazardFilter {
            q: some(&self.q),
            level: some(&self.level),
            state: some(&self.state),
            source: some(&self.source),
            jurisdiction: some(&self.jurisdiction),
            industry: some(&self.industry),
            overdue,
            supervised: (self.flag == "supervised").then_some(true),
            found_from: some(&self.found_from),
            found_to: some(&self.found_to),
            enterprise_id: crate::ui::typed_number("enterprise_id", &self.enterprise_id)?,
            leader_user_id: crate::ui::typed_number("leader_user_id", &self.leader_user_id)?,
            awaiting,
            due_within,
            listing_org_id: crate::ui::typed_number("listing_org_id", &self.listing_org_id)?,
            pending_extension: typed_flag("pending_extension", &self.pending_extension)?,
            sort,
            page: self.page,
            per_page: Some(PER_PAGE),
            ..Default::default()
        })
    }

    /// The to-do filters in force, as (name, value) pairs for hidden fields.
    fn kept(&self) -> Vec<(&'static str, String)> {
        [
            ("enterprise_id", &self.enterprise_id),
            ("leader_user_id", &self.leader_user_id),
            ("awaiting", &self.awaiting),
            ("due_within", &self.due_within),
            ("listing_org_id", &self.listing_org_id),
            ("pending_extension", &self.pending_extension),
            ("overdue", &self.overdue),
            ("sort", &self.sort),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim().to_string()))
        .collect()
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
        for (k, v) in self.kept() {
            pairs.append_pair(k, &v);
        }
        match self.flag.as_str() {
            "overdue" if self.overdue.trim().is_empty() => {
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

#[derive(Template)]
#[template(path = "hazards.html")]
struct LedgerPage {
    chrome: Chrome,
    f: LedgerQuery,
    rows: Vec<Hazard>,
    pager: crate::ui::Pager,
    query: String,
    filtered: bool,
    may_report: bool,
    levels: Vec<Choice>,
    states: Vec<Choice>,
    sources: Vec<Choice>,
    jurisdictions: Vec<Choice>,
    flags: Vec<Choice>,
    /// The to-do filters in force (hidden fields), and what they select, in words.
    kept: Vec<(&'static str, String)>,
    kept_label: Vec<String>,
}

pub(super) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<LedgerQuery>,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let lang = chrome.lang;
    let p = &caller.principal;
    let filter = match q.filter() {
        Ok(f) => f,
        Err(e) => return page_error(&headers, Some(&caller), e),
    };
    let (rows, total) = match state.store.hazards(p, &filter).await {
        Ok(r) => r,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let jurisdictions =
        match crate::ui::enterprises::jurisdiction_choices(&state.store, &p.scope, &q.jurisdiction)
            .await
        {
            Ok(list) => list,
            Err(e) => return page_error(&headers, Some(&caller), e.into()),
        };
    render(&LedgerPage {
        pager: crate::ui::Pager::new(
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
        kept: q.kept(),
        kept_label: kept_label(lang, &filter),
        rows,
        f: q,
        chrome,
    })
}

/// The to-do filters of a list, in words ("待我验收", "7 日内到期" …).
fn kept_label(lang: crate::i18n::Lang, f: &HazardFilter) -> Vec<String> {
    let mut words = Vec::new();
    if let Some(step) = f.awaiting {
        words.push(t(lang, &format!("todo.awaiting.{}", step.as_str())));
    }
    if let Some(days) = f.due_within {
        words.push(crate::i18n::t_args(
            lang,
            "todo.due_within",
            &[("days", days.to_string())],
        ));
    }
    if f.listing_org_id.is_some() {
        words.push(t(lang, "todo.listed_by_office"));
    }
    if f.pending_extension == Some(true) {
        words.push(t(lang, "todo.pending_extension"));
    }
    if f.leader_user_id.is_some() {
        words.push(t(lang, "todo.followed"));
    }
    if f.enterprise_id.is_some() {
        words.push(t(lang, "todo.one_enterprise"));
    }
    words
}

async fn ledger_import_page(
    state: &AppState,
    chrome: Chrome,
    caller: &Caller,
    current: &str,
) -> Result<crate::ui::import::ImportPage, StoreError> {
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
    Ok(crate::ui::import::ImportPage {
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

pub(super) async fn import_page(
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

pub(super) async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<crate::ui::import::ImportQuery>,
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
        result.map(|r| crate::ui::import::import_message(lang, r.dry_run, r.rows, r.imported));
    let crate::ui::import::ImportOutcome {
        success,
        error,
        rows,
        status,
    } = crate::ui::import::import_outcome(&chrome, message);
    let page = match ledger_import_page(&state, chrome, &caller, &enterprise).await {
        Ok(page) => page,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let mut response = render(&crate::ui::import::ImportPage {
        success,
        error,
        rows,
        ..page
    });
    *response.status_mut() = status;
    response
}
