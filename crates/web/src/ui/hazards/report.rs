//! The report form: a hazard recorded with a photo from the phone's camera, the form kept as
//! typed when it is refused.

use super::{choices, detail_page, form_fields};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::i18n::t;
use crate::ui::{Choice, Chrome, page_error, render};
use askama::Template;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hazardnet_domain::hazard::{CATEGORIES, HazardInput, HazardLevel, HazardSource};
use hazardnet_store::EnterpriseFilter;

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

pub(super) async fn new_form(
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

pub(super) async fn create(
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
