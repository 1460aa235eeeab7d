//! The dispatch table page of a campaign: one period at one office, its rows drilled down a
//! level at a time, with the Excel, DOCX and PDF exports one click away.

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::api::campaigns::{DispatchQuery, dispatch_table};
use crate::auth::PageCaller;
use crate::error::ApiError;
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use hazardnet_store::{Campaign, DispatchTable};

pub fn router() -> Router<AppState> {
    Router::new().route("/campaigns/{id}/dispatch", get(dispatch_page))
}

pub struct DispatchLine {
    pub unit: String,
    pub drill: Option<String>,
    pub values: Vec<String>,
    pub status: String,
    pub status_label: String,
}

#[derive(Template)]
#[template(path = "dispatch.html")]
struct DispatchPage {
    chrome: Chrome,
    c: Campaign,
    table: DispatchTable,
    headers: Vec<String>,
    lines: Vec<DispatchLine>,
    total: DispatchLine,
    periods: Vec<Choice>,
    query: String,
}

fn dispatch_line(
    chrome: &Chrome,
    row: &hazardnet_store::DispatchRow,
    drill: Option<String>,
) -> DispatchLine {
    DispatchLine {
        unit: row.unit.clone(),
        drill,
        values: crate::campaign_sheets::figure_columns()
            .iter()
            .map(|k| match crate::campaign_sheets::figure(row, k) {
                Some(v) if *k == "rectification_rate" => format!("{v:.1}%"),
                Some(v) => format!("{v}"),
                None => "—".into(),
            })
            .collect(),
        status: row.return_status.clone(),
        status_label: if row.return_status.is_empty() {
            String::new()
        } else {
            chrome.tk("return_status", &row.return_status)
        },
    }
}

async fn dispatch_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Query(query): Query<DispatchQuery>,
) -> Response {
    let loaded: Result<(Campaign, DispatchTable, Vec<String>), ApiError> = async {
        let c = state.store.campaign(&caller.principal, id).await?;
        let table = dispatch_table(&state, &caller, id, &query).await?;
        // Rows whose place has places below it can be opened one level down.
        let mut drillable = Vec::new();
        for row in &table.rows {
            if let Some(code) = &row.jurisdiction_code
                && code != &table.office_code
                && !state
                    .store
                    .jurisdiction_children(Some(code))
                    .await?
                    .is_empty()
            {
                drillable.push(code.clone());
            }
        }
        Ok((c, table, drillable))
    }
    .await;
    match loaded {
        Ok((c, table, drillable)) => {
            let chrome = Chrome::new(&headers, Some(&caller), "campaigns");
            let lines = table
                .rows
                .iter()
                .map(|r| {
                    let drill = r
                        .jurisdiction_code
                        .as_ref()
                        .filter(|code| drillable.contains(code))
                        .map(|code| {
                            format!(
                                "/campaigns/{id}/dispatch?period={}&office={code}",
                                table.period.key
                            )
                        });
                    dispatch_line(&chrome, r, drill)
                })
                .collect();
            let total = dispatch_line(&chrome, &table.total, None);
            let headers_row = crate::campaign_sheets::figure_columns()
                .iter()
                .map(|k| chrome.t(&format!("figure.{k}")))
                .collect();
            let periods = table
                .periods
                .iter()
                .rev()
                .map(|p| {
                    Choice::new(
                        p.key.clone(),
                        super::campaigns::period_label(chrome.lang, &p.key),
                        &table.period.key,
                    )
                })
                .collect();
            let query = format!("period={}&office={}", table.period.key, table.office_code);
            render(&DispatchPage {
                chrome,
                c,
                headers: headers_row,
                lines,
                total,
                periods,
                query,
                table,
            })
        }
        Err(e) => page_error(&headers, Some(&caller), e),
    }
}
