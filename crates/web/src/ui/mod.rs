//! The server-rendered web UI. Pages are askama templates in `templates/`; every page gets a
//! [`Chrome`] (language, signed-in user, CSRF token, navigation by role). Handlers call the
//! same store functions as the API, with the caller's scope.

mod accidents;
mod campaign_tasks;
pub mod campaigns;
mod checklists;
mod dispatch;
mod enforcement;
mod enterprises;
mod hazards;
mod home;
mod import;
mod inbox;
mod inspections;
mod organizations;
mod plans;
mod session;
mod users;

use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, t, t_args};
use askama::Template;
use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use hazardnet_domain::{Role, Scope};
use rust_embed::RustEmbed;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/static/{*path}", get(static_asset))
        .merge(session::router())
        .merge(enterprises::router())
        .merge(hazards::router())
        .merge(campaigns::router())
        .merge(dispatch::router())
        .merge(checklists::router())
        .merge(inspections::router())
        .merge(enforcement::router())
        .merge(accidents::router())
        .merge(plans::router())
        .merge(inbox::router())
        .merge(users::router())
        .merge(organizations::router())
}

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

async fn static_asset(axum::extract::Path(path): axum::extract::Path<String>) -> Response {
    match Assets::get(&path) {
        Some(file) => (
            [
                (
                    header::CONTENT_TYPE,
                    mime_guess::from_path(&path)
                        .first_or_octet_stream()
                        .to_string(),
                ),
                (header::CACHE_CONTROL, "public, max-age=3600".to_string()),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

pub struct NavItem {
    pub href: String,
    pub label: String,
    pub active: bool,
}

pub struct UserChrome {
    pub display_name: String,
    pub role_label: String,
}

/// What every page's frame needs.
pub struct Chrome {
    pub lang: Lang,
    pub user: Option<UserChrome>,
    pub csrf: String,
    pub nav: Vec<NavItem>,
    pub flash: Option<String>,
}

impl Chrome {
    pub fn new(headers: &HeaderMap, caller: Option<&Caller>, section: &str) -> Chrome {
        let lang = Lang::from_headers(headers);
        let Some(caller) = caller else {
            return Chrome {
                lang,
                user: None,
                csrf: String::new(),
                nav: vec![],
                flash: None,
            };
        };
        let p = &caller.principal;
        let mut nav = vec![
            ("/", "ui.home", "home"),
            ("/dashboard", "ui.dashboard", "dashboard"),
            ("/hazards", "ui.hazards", "hazards"),
        ];
        match (p.role.is_enterprise_role(), p.enterprise_id) {
            (true, Some(_)) => nav.push(("/enterprises/mine", "ui.my_enterprise", "enterprises")),
            _ => nav.push(("/enterprises", "ui.enterprises", "enterprises")),
        }
        if p.scope != Scope::Nothing && !p.role.is_enterprise_role() && p.role != Role::Leader {
            nav.push(("/inspections", "ui.inspections", "inspections"));
        }
        nav.push(("/campaigns", "ui.campaigns", "campaigns"));
        nav.push(("/inbox", "ui.inbox", "inbox"));
        if p.role.may_manage_accounts(p.org_kind) {
            nav.push(("/users", "ui.users", "users"));
        }
        if p.role == Role::Admin {
            nav.push(("/organizations", "ui.organizations", "organizations"));
        }
        Chrome {
            lang,
            user: Some(UserChrome {
                display_name: p.display_name.clone(),
                role_label: t(lang, &format!("role.{}", p.role.as_str())),
            }),
            csrf: caller
                .session
                .as_ref()
                .map(|s| s.csrf.clone())
                .unwrap_or_default(),
            nav: nav
                .into_iter()
                .map(|(href, key, id)| NavItem {
                    href: href.to_string(),
                    label: t(lang, key),
                    active: id == section,
                })
                .collect(),
            flash: None,
        }
    }

    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// The translation of `value` within a group of keys (`hazard_state`, `hazard_level` …).
    pub fn tk(&self, group: &str, value: &str) -> String {
        t(self.lang, &format!("{group}.{value}"))
    }

    /// The translation of `key` with its `{n}` filled in.
    pub fn tn(&self, key: &str, n: &i64) -> String {
        crate::i18n::t_args(self.lang, key, &[("n", n.to_string())])
    }

    pub fn risk(&self, grade: &str) -> String {
        t(self.lang, &format!("risk.{grade}"))
    }

    pub fn status(&self, status: &str) -> String {
        t(self.lang, &format!("status.{status}"))
    }

    pub fn role(&self, role: &str) -> String {
        t(self.lang, &format!("role.{role}"))
    }

    /// A stored UTC time in China time, to the minute.
    pub fn china_time(&self, utc: &str) -> String {
        enterprises::china_time(utc)
    }

    pub fn with_flash(mut self, flash: Option<String>) -> Chrome {
        self.flash = flash;
        self
    }

    /// The translated message of an error, for showing on a page.
    pub fn error_message(&self, error: &ApiError) -> String {
        let (_, payload) = error.status_and_payload();
        t_args(self.lang, &format!("error.{}", payload.code), &payload.args)
    }

    pub fn scope_label(&self, scope: &Scope, jurisdiction_name: &str) -> String {
        match scope {
            Scope::Everything => self.t("ui.scope_everything"),
            Scope::Government {
                industries: None, ..
            } => t_args(
                self.lang,
                "ui.scope_government",
                &[("jurisdiction", jurisdiction_name)],
            ),
            Scope::Government {
                industries: Some(list),
                ..
            } => t_args(
                self.lang,
                "ui.scope_government_industries",
                &[
                    ("jurisdiction", jurisdiction_name.to_string()),
                    (
                        "industries",
                        list.iter()
                            .map(|i| i.as_str())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                ],
            ),
            Scope::Enterprise { .. } => self.t("ui.scope_enterprise"),
            Scope::Assigned { .. } => self.t("ui.scope_assigned"),
            Scope::Nothing => self.t("ui.scope_nothing"),
        }
    }
}

/// The paging line of a list page: "共 N 条", "第 p / n 页" and the neighbours' links.
pub struct Pager {
    pub total_label: String,
    pub page_label: String,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

impl Pager {
    /// `total_text` is the total as shown (e.g. "1000+" for a capped search); `href` gives the
    /// link of page n.
    pub fn new(
        lang: Lang,
        total: i64,
        total_text: String,
        page: i64,
        per_page: i64,
        href: impl Fn(i64) -> String,
    ) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        Pager {
            total_label: t_args(lang, "ui.total", &[("total", total_text)]),
            page_label: t_args(
                lang,
                "ui.page_of",
                &[("page", page.to_string()), ("pages", pages.to_string())],
            ),
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }
}

/// One line of a record's change history (its audit entries), for the history table of the
/// hazard and enterprise pages: when in China time, who, and the action in the user's language.
pub struct HistoryLine {
    pub at: String,
    pub actor: String,
    pub action: String,
}

pub fn history_lines(lang: Lang, entries: Vec<hazardnet_store::AuditEntry>) -> Vec<HistoryLine> {
    entries
        .into_iter()
        .map(|entry| HistoryLine {
            at: enterprises::china_time(&entry.at),
            actor: entry.actor_label,
            action: t(lang, &format!("ui.action.{}", entry.action)),
        })
        .collect()
}

/// An `<option>` of a select.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Choice {
    pub fn new(value: impl Into<String>, label: impl Into<String>, current: &str) -> Choice {
        let value = value.into();
        Choice {
            selected: value == current,
            label: label.into(),
            value,
        }
    }
}

/// The China-time day (YYYY-MM-DD) of a stored UTC time.
pub fn china_day(utc: &str) -> String {
    enterprises::china_time(utc).chars().take(10).collect()
}

/// A number typed into a form: blank is `None`; anything else must be a whole number, or the
/// form is refused naming the field (and shown again as typed).
pub fn typed_number(field: &'static str, raw: &str) -> Result<Option<i64>, ApiError> {
    match raw.trim() {
        "" => Ok(None),
        text => text.parse().map(Some).map_err(|_| {
            ApiError::Store(hazardnet_store::StoreError::Domain(
                hazardnet_domain::DomainError::InvalidValue {
                    field,
                    value: text.to_string(),
                },
            ))
        }),
    }
}

pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    message: String,
}

/// A full HTML error page (used where a JSON error would make no sense to a person).
pub fn error_page(
    _state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    key: &str,
) -> Response {
    let chrome = Chrome::new(headers, None, "");
    let message = chrome.t(key);
    let mut response = render(&ErrorPage { chrome, message });
    *response.status_mut() = status;
    response
}

/// Renders an [`ApiError`] met by a page handler as a page.
pub fn page_error(headers: &HeaderMap, caller: Option<&Caller>, error: ApiError) -> Response {
    let (status, _) = error.status_and_payload();
    let chrome = Chrome::new(headers, caller, "");
    let message = chrome.error_message(&error);
    let mut response = render(&ErrorPage { chrome, message });
    *response.status_mut() = status;
    response
}
