//! The dashboard for the caller's scope: counts by state and level, closure rate, overdue,
//! major hazards outstanding per place and industry, and the 12-month trend, each linked to the
//! ledger filtered to it.

use crate::AppState;
use crate::auth::PageCaller;
use crate::ui::{Chrome, page_error, render};
use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use hazardnet_domain::Scope;
use hazardnet_store::Dashboard;

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

pub(super) async fn dashboard(
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
                found_width: bar_step(m.found, peak),
                closed_width: bar_step(m.closed, peak),
                month: m.month.clone(),
                found: m.found,
                closed: m.closed,
            })
            .collect(),
        d,
        chrome,
    })
}

/// A bar's width as a multiple of 5 % (the stylesheet's `.w0` … `.w100`): the Content-Security-
/// Policy allows no inline style, so widths are classes.
fn bar_step(value: i64, peak: i64) -> i64 {
    if peak <= 0 {
        return 0;
    }
    ((value.clamp(0, peak) * 100 / peak + 2) / 5) * 5
}
