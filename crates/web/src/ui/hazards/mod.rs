//! Hazard pages. Here: a hazard with the next steps the user may take (lifecycle actions,
//! supervision listing, the leader who follows it). Beside it: the ledger with filters, search
//! and import (`ledger`), the report form (`report`), the correction form and the history's
//! details (`correct`) and the dashboard (`dashboard`).

mod correct;
mod dashboard;
mod ledger;
mod report;

use correct::{CorrectionForm, correct_hazard, hazard_history_lines};
use dashboard::dashboard;
use ledger::{import, import_page, list};
use report::{create, new_form};

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::api::upload_part_from;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::{Lang, t};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::hazard::{Action, CATEGORIES, RectificationPlan};
use hazardnet_store::{Evidence, EvidenceUpload, Hazard, StoreError};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/hazards", get(list).post(create))
        .route("/hazards/new", get(new_form))
        .route("/hazards/import", get(import_page).post(import))
        .route("/hazards/{id}", get(detail))
        .route("/hazards/{id}/act", post(act))
        .route("/hazards/{id}/correct", post(correct_hazard))
        .route("/hazards/{id}/listing", post(listing))
        .route("/hazards/{id}/leader", post(leader))
        .route("/dashboard", get(dashboard))
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
#[template(path = "hazard.html")]
struct DetailPage {
    chrome: Chrome,
    h: Hazard,
    category: String,
    evidence: Vec<Evidence>,
    actions: Vec<&'static str>,
    /// The caller is not of the hazard's enterprise: rectifying, they act on its behalf and
    /// must say why.
    on_behalf: bool,
    may_list: bool,
    /// Every listing for supervision, oldest first (the last is current), times in China time.
    listings: Vec<ListingLine>,
    leaders: Vec<Choice>,
    today: String,
    error: Option<String>,
    history: Vec<crate::ui::HistoryLine>,
    /// The correction form, when the domain lets the caller correct anything now.
    correction: Option<CorrectionForm>,
}

/// A listing for supervision as the hazard page shows it.
struct ListingLine {
    office_name: String,
    level: String,
    date: String,
    letter_number: String,
    listed_by_name: String,
    listed_at: String,
    current: bool,
}

async fn detail_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    error: Option<String>,
) -> Response {
    detail_page_with(state, headers, caller, id, error, None).await
}

/// The hazard's page; `typed` is a correction form refused, shown again as it was typed (with
/// its error, and after a conflict with the current version to submit against).
async fn detail_page_with(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    error: Option<String>,
    typed: Option<CorrectionForm>,
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
            state.store.hazard_listings(p, id).await?,
            state.store.hazard_correction_rights(p, id).await?,
        ))
    }
    .await;
    let (h, evidence, actions, history, listings, rights) = match loaded {
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
    let correction = rights
        .any()
        .then(|| CorrectionForm::for_hazard(lang, &h, rights, typed));
    let mut response = render(&DetailPage {
        on_behalf: p.enterprise_id != Some(h.enterprise_id),
        // A listed hazard may be listed again (raised to a higher office); the page keeps
        // every listing in its history.
        may_list: !finished && p.role.may_list_for_supervision(),
        listings: {
            let last = listings.len();
            listings
                .into_iter()
                .enumerate()
                .map(|(i, l)| ListingLine {
                    office_name: l.office_name,
                    level: l.level,
                    date: l.date,
                    letter_number: l.letter_number,
                    listed_by_name: l.listed_by_name,
                    listed_at: crate::ui::enterprises::china_time(&l.listed_at),
                    current: i + 1 == last,
                })
                .collect()
        },
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
        history: hazard_history_lines(lang, history),
        correction,
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
        "reopen" => Action::Reopen {
            reason: get("reason"),
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
