//! The home page: the person's to-do list first (我的待办) — each line a count and a link to
//! the list where they act, filtered to exactly what was counted — then the figures of their
//! scope: an enterprise's own hazards, an office's enterprises.

use super::{Chrome, render};
use crate::AppState;
use crate::auth::PageCaller;
use crate::error::ApiError;
use crate::i18n::{t, t_args};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hazardnet_domain::Scope;
use hazardnet_store::{
    DUE_SOON_DAYS, Dashboard, EnterpriseStats, Hazard, HazardTodo, OPEN_STATES, Principal,
};

/// One line of the to-do list.
pub struct TodoLine {
    pub label: String,
    pub count: i64,
    pub href: String,
}

/// The overview below the to-do list.
enum Overview {
    /// An enterprise user: its own hazards.
    Own(Dashboard),
    /// Everyone else: the enterprises of the scope.
    Enterprises(EnterpriseStats),
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    welcome: String,
    scope_label: String,
    todo: Vec<TodoLine>,
    /// The hazards the person follows (包挂), overdue first; None when they follow none by role.
    followed: Option<Vec<Hazard>>,
    followed_href: String,
    own: Option<Dashboard>,
    stats: Option<EnterpriseStats>,
    /// Returns the user's unit still owes, most urgent first.
    pending: Vec<super::campaigns::PendingLine>,
}

/// The to-do lines of the hazards a person works on, in the order of the work.
fn hazard_lines(lang: crate::i18n::Lang, p: &Principal, todo: &HazardTodo) -> Vec<TodoLine> {
    let mut lines: Vec<TodoLine> = todo
        .steps
        .iter()
        .map(|s| TodoLine {
            label: t(
                lang,
                &format!("todo.step.{}.{}", s.step.as_str(), s.level.as_str()),
            ),
            count: s.count,
            href: format!(
                "/hazards?awaiting={}&level={}",
                s.step.as_str(),
                s.level.as_str()
            ),
        })
        .collect();
    if let Some(followed) = &todo.followed {
        let href = format!(
            "/hazards?leader_user_id={}&state={OPEN_STATES}&sort=deadline",
            p.user_id
        );
        lines.push(TodoLine {
            label: t(lang, "todo.followed_open"),
            count: followed.open,
            href: href.clone(),
        });
        lines.push(TodoLine {
            label: t(lang, "todo.followed_overdue"),
            count: followed.overdue,
            href: format!("{href}&overdue=true"),
        });
    }
    lines.push(TodoLine {
        label: t(lang, "todo.overdue"),
        count: todo.overdue,
        href: "/hazards?overdue=true".into(),
    });
    let soon = [("days", DUE_SOON_DAYS.to_string())];
    if let Some(n) = todo.due_soon {
        lines.push(TodoLine {
            label: t_args(lang, "todo.due_soon", &soon),
            count: n,
            href: format!("/hazards?due_within={DUE_SOON_DAYS}&overdue=false"),
        });
    }
    if let Some(n) = todo.extensions_pending {
        lines.push(TodoLine {
            label: t(lang, "todo.extensions_pending"),
            count: n,
            href: "/hazards?state=rectifying&pending_extension=true".into(),
        });
    }
    if let Some(n) = todo.listed_due {
        lines.push(TodoLine {
            label: t_args(lang, "todo.listed_due", &soon),
            count: n,
            href: format!(
                "/hazards?listing_org_id={}&due_within={DUE_SOON_DAYS}",
                p.org_id
            ),
        });
    }
    lines
}

pub(super) async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    match page(&state, &headers, &caller).await {
        Ok(r) => r,
        Err(e) => super::page_error(&headers, Some(&caller), e),
    }
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &crate::auth::Caller,
) -> Result<Response, ApiError> {
    let chrome = Chrome::new(headers, Some(caller), "home");
    let lang = chrome.lang;
    let p = &caller.principal;
    let store = &state.store;
    let hazards = store.hazard_todo(p).await?;
    let mut todo = hazard_lines(lang, p, &hazards);
    let own_enterprise = matches!(p.scope, Scope::Enterprise { .. });
    if own_enterprise {
        todo.push(TodoLine {
            label: t(lang, "todo.notices_open"),
            count: store.open_notice_count(p).await?,
            href: "/inspections?notice_open=true".into(),
        });
    }
    let pending = store.pending_returns(p, 50).await?;
    let late = pending.iter().filter(|r| r.overdue).count() as i64;
    todo.push(TodoLine {
        label: t(lang, "todo.returns_due"),
        count: pending.len() as i64 - late,
        href: "#returns".into(),
    });
    todo.push(TodoLine {
        label: t(lang, "todo.returns_late"),
        count: late,
        href: "#returns".into(),
    });
    if p.role.may_administer_users() {
        todo.push(TodoLine {
            label: t(lang, "todo.locked_accounts"),
            count: store.locked_user_count().await?,
            href: "/users".into(),
        });
    }
    let (_, unread) = store.inbox(p.user_id, true, 1).await?;
    todo.push(TodoLine {
        label: t(lang, "todo.unread"),
        count: unread,
        href: "/inbox".into(),
    });
    let overview = if own_enterprise {
        Overview::Own(store.dashboard_live(p).await?)
    } else {
        Overview::Enterprises(store.enterprise_stats(p).await?)
    };
    let jurisdiction_name = match &p.scope {
        Scope::Government { jurisdiction, .. } => store
            .jurisdiction(jurisdiction.as_str())
            .await
            .map(|j| j.name)
            .unwrap_or_else(|_| jurisdiction.to_string()),
        _ => String::new(),
    };
    let pending = pending
        .into_iter()
        .take(20)
        .map(|r| super::campaigns::PendingLine {
            period: super::campaigns::period_label(lang, &r.period_key),
            r,
        })
        .collect();
    let (own, stats) = match overview {
        Overview::Own(d) => (Some(d), None),
        Overview::Enterprises(s) => (None, Some(s)),
    };
    Ok(render(&HomePage {
        pending,
        welcome: t_args(lang, "ui.welcome", &[("name", p.display_name.as_str())]),
        scope_label: chrome.scope_label(&p.scope, &jurisdiction_name),
        todo,
        followed: hazards.followed.map(|f| f.first),
        followed_href: format!(
            "/hazards?leader_user_id={}&state={OPEN_STATES}&sort=deadline",
            p.user_id
        ),
        own,
        stats,
        chrome,
    }))
}
