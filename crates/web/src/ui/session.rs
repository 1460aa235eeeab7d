//! Login, logout and the language switch.

use super::{Chrome, render};
use crate::AppState;
use crate::api::session_login;
use crate::auth::{Caller, PageCaller, clear_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::i18n::{Lang, t_args};
use crate::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use hazardnet_store::EnterpriseStats;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(login))
        .route("/logout", axum::routing::post(logout))
        .route("/lang", get(switch_language).post(switch_language))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    error: Option<String>,
    username: String,
    next: String,
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after login (no open redirect).
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/".to_string()
    }
}

async fn login_page(headers: HeaderMap, Query(q): Query<NextQuery>) -> Response {
    render(&LoginPage {
        chrome: Chrome::new(&headers, None, ""),
        error: None,
        username: String::new(),
        next: safe_next(&q.next),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    match session_login(&state, client, &form.username, &form.password).await {
        Ok((session, _)) => (
            [(
                header::SET_COOKIE,
                session_cookie(&session.token, state.config.secure_cookies),
            )],
            Redirect::to(&safe_next(&form.next)),
        )
            .into_response(),
        Err(error) => {
            let chrome = Chrome::new(&headers, None, "");
            let message = chrome.error_message(&error);
            let status = error.status_and_payload().0;
            let mut response = render(&LoginPage {
                chrome,
                error: Some(message),
                username: form.username,
                next: safe_next(&form.next),
            });
            *response.status_mut() = status;
            response
        }
    }
}

async fn logout(State(state): State<AppState>, caller: Option<Extension<Caller>>) -> Response {
    if let Some(Extension(caller)) = caller
        && let Some(session) = caller.session
        && let Err(e) = state.store.revoke_session(&session.token).await
    {
        return ApiError::from(e).into_response();
    }
    (
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
struct LangQuery {
    to: Option<String>,
}

/// Flips between Chinese and English (or sets `?to=`), remembered in a cookie.
async fn switch_language(headers: HeaderMap, Query(q): Query<LangQuery>) -> Response {
    let target = match q.to.as_deref() {
        Some(to) if to.starts_with("en") => Lang::En,
        Some(_) => Lang::Zh,
        None if Lang::from_headers(&headers) == Lang::En => Lang::Zh,
        None => Lang::En,
    };
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("://").map(|i| &r[i + 3..]))
        .and_then(|r| r.find('/').map(|i| r[i..].to_string()))
        .map(|p| safe_next(&p))
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!(
                "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
                target.code()
            ),
        )],
        Redirect::to(&back),
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    chrome: Chrome,
    welcome: String,
    scope_label: String,
    stats: EnterpriseStats,
    /// Returns the user's unit still owes, most urgent first.
    pending: Vec<super::campaigns::PendingLine>,
}

async fn home(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    let chrome = Chrome::new(&headers, Some(&caller), "home");
    let p = &caller.principal;
    let stats = match state.store.enterprise_stats(p).await {
        Ok(s) => s,
        Err(e) => return super::page_error(&headers, Some(&caller), e.into()),
    };
    let jurisdiction_name = match &p.scope {
        hazardnet_domain::Scope::Government { jurisdiction, .. } => state
            .store
            .jurisdiction(jurisdiction.as_str())
            .await
            .map(|j| j.name)
            .unwrap_or_else(|_| jurisdiction.to_string()),
        _ => String::new(),
    };
    let pending = match state.store.pending_returns(p, 20).await {
        Ok(v) => v,
        Err(e) => return super::page_error(&headers, Some(&caller), e.into()),
    };
    let pending = pending
        .into_iter()
        .map(|r| super::campaigns::PendingLine {
            period: super::campaigns::period_label(chrome.lang, &r.period_key),
            r,
        })
        .collect();
    render(&HomePage {
        pending,
        welcome: t_args(
            chrome.lang,
            "ui.welcome",
            &[("name", p.display_name.as_str())],
        ),
        scope_label: chrome.scope_label(&p.scope, &jurisdiction_name),
        stats,
        chrome,
    })
}
