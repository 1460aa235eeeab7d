//! User administration (admin only): list, create, disable and enable.

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::Role;
use hazardnet_store::{NewUser, UserRow};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{username}/disable", post(disable))
        .route("/users/{username}/enable", post(enable))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct UserForm {
    username: String,
    display_name: String,
    org_id: String,
    role: String,
    password: String,
    phone: String,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    chrome_username: String,
    users: Vec<UserRow>,
    orgs: Vec<Choice>,
    roles: Vec<Choice>,
    form: UserForm,
    errors: Vec<String>,
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    form: UserForm,
    errors: Vec<String>,
) -> Response {
    if !caller.principal.role.may_administer_users() {
        return page_error(headers, Some(caller), ApiError::Forbidden);
    }
    let chrome = Chrome::new(headers, Some(caller), "users");
    let lang = chrome.lang;
    let (users, orgs) = match (state.store.users().await, state.store.organizations().await) {
        (Ok(u), Ok(o)) => (u, o),
        (Err(e), _) | (_, Err(e)) => return page_error(headers, Some(caller), e.into()),
    };
    let refused = !errors.is_empty();
    let mut response = render(&UsersPage {
        chrome_username: caller.principal.username.clone(),
        users,
        orgs: orgs
            .iter()
            .map(|o| {
                Choice::new(
                    o.id.to_string(),
                    format!("{}（{}）", o.name, t(lang, &format!("org_kind.{}", o.kind))),
                    &form.org_id,
                )
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .map(|r| {
                Choice::new(
                    r.as_str(),
                    t(lang, &format!("role.{}", r.as_str())),
                    &form.role,
                )
            })
            .collect(),
        form,
        errors,
        chrome,
    });
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    page(&state, &headers, &caller, UserForm::default(), vec![]).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(mut form): Form<UserForm>,
) -> Response {
    if !caller.principal.role.may_administer_users() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let new = NewUser {
        username: form.username.clone(),
        display_name: form.display_name.clone(),
        org_id: form.org_id.trim().parse().unwrap_or(0),
        role: form.role.clone(),
        password: std::mem::take(&mut form.password),
        phone: form.phone.clone(),
    };
    match state
        .store
        .create_user(&caller.principal.actor(), new)
        .await
    {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            page(&state, &headers, &caller, form, vec![message]).await
        }
    }
}

async fn set_disabled(
    state: AppState,
    headers: HeaderMap,
    caller: Caller,
    username: String,
    disabled: bool,
) -> Response {
    if !caller.principal.role.may_administer_users() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    match state
        .store
        .set_disabled(&caller.principal.actor(), &username, disabled)
        .await
    {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

async fn disable(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(username): Path<String>,
) -> Response {
    set_disabled(state, headers, caller, username, true).await
}

async fn enable(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(username): Path<String>,
) -> Response {
    set_disabled(state, headers, caller, username, false).await
}
