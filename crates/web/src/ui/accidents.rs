//! Recording an enterprise's accident (事故记录) from its page: the form keeps what was typed
//! when it is refused. The list itself is shown on the enterprise page.

use super::{Choice, Chrome, page_error, render, typed_number};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_domain::accident::{AccidentInput, AccidentKind};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/enterprises/{id}/accidents/new", get(new_form))
        .route("/enterprises/{id}/accidents", axum::routing::post(record))
}

/// The form as typed: numbers stay text so that a refused one is shown back unchanged.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct AccidentForm {
    occurred_on: String,
    kind: String,
    deaths: String,
    serious_injuries: String,
    direct_loss_yuan: String,
    circumstances: String,
    report_ref: String,
}

impl AccidentForm {
    fn input(&self) -> Result<AccidentInput, ApiError> {
        Ok(AccidentInput {
            occurred_on: self.occurred_on.clone(),
            kind: self.kind.clone(),
            deaths: typed_number("deaths", &self.deaths)?.unwrap_or(0),
            serious_injuries: typed_number("serious_injuries", &self.serious_injuries)?
                .unwrap_or(0),
            direct_loss_yuan: typed_number("direct_loss_yuan", &self.direct_loss_yuan)?
                .unwrap_or(0),
            circumstances: self.circumstances.clone(),
            report_ref: self.report_ref.clone(),
        })
    }
}

#[derive(Template)]
#[template(path = "accident_form.html")]
struct FormPage {
    chrome: Chrome,
    enterprise_id: i64,
    enterprise_name: String,
    form: AccidentForm,
    kinds: Vec<Choice>,
    errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    enterprise_id: i64,
    form: AccidentForm,
    errors: Vec<String>,
) -> Response {
    let enterprise = match state
        .store
        .enterprise(&caller.principal, enterprise_id)
        .await
    {
        Ok(e) => e,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let chrome = Chrome::new(headers, Some(caller), "enterprises");
    render(&FormPage {
        kinds: AccidentKind::ALL
            .iter()
            .map(|k| {
                Choice::new(
                    k.as_str(),
                    chrome.tk("accident_kind", k.as_str()),
                    &form.kind,
                )
            })
            .collect(),
        chrome,
        enterprise_id,
        enterprise_name: enterprise.name,
        form,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    if !caller.principal.role.is_clerk() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let form = AccidentForm {
        occurred_on: state.store.today().to_string(),
        ..Default::default()
    };
    form_page(&state, &headers, &caller, id, form, Vec::new()).await
}

async fn record(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<AccidentForm>,
) -> Response {
    let result = match form.input() {
        Ok(input) => state
            .store
            .record_accident(&caller.principal, id, &input)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to(&format!("/enterprises/{id}#accidents")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            let mut response = form_page(&state, &headers, &caller, id, form, vec![message]).await;
            // The page shows the refusal; the status says it too (422, 403 …).
            if response.status().is_success() {
                *response.status_mut() = e.status_and_payload().0;
            }
            response
        }
    }
}
