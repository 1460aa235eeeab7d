//! Login, logout and the language switch.

use super::{Chrome, render};
use crate::AppState;
use crate::api::session_login;
use crate::auth::{Caller, clear_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::i18n::Lang;
use crate::throttle::ClientAddr;
use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Extension, Router};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(super::home::home))
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
    /// The form's half of the login CSRF pair; the other half is the `hn_login` cookie.
    login_csrf: String,
}

/// The cookie holding the login form's CSRF token. A cross-site page cannot read it nor set
/// it, so it cannot post a login form that signs the victim into the attacker's account
/// (login CSRF); SameSite=Strict keeps it off cross-site requests altogether.
const LOGIN_CSRF_COOKIE: &str = "hn_login";

fn login_csrf_cookie(token: &str, secure: bool) -> String {
    format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=7200{}",
        if secure { "; Secure" } else { "" }
    )
}

fn new_login_csrf() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut bytes = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The login page with a fresh CSRF pair: the token in the form and in its cookie.
fn login_form(
    state: &AppState,
    chrome: Chrome,
    error: Option<String>,
    username: String,
    next: String,
) -> Response {
    let token = new_login_csrf();
    let mut response = render(&LoginPage {
        chrome,
        error,
        username,
        next,
        login_csrf: token.clone(),
    });
    if let Ok(value) =
        header::HeaderValue::from_str(&login_csrf_cookie(&token, state.config.secure_cookies))
    {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize, Default)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only same-origin relative paths are followed after login (no open redirect). Decided by
/// parsing, as a browser would: the path is resolved against a placeholder origin and kept
/// only if it stays there. Control characters and whitespace are refused outright, since
/// browsers drop tabs and newlines (`/\t/evil.example/` is `//evil.example/` to them) and a
/// header cannot carry them. What is returned is the parser's serialisation, never the input.
pub(crate) fn safe_next(next: &str) -> String {
    const BASE: &str = "http://hazardnet.invalid/";
    let home = || "/".to_string();
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return home();
    }
    let Ok(base) = url::Url::parse(BASE) else {
        return home();
    };
    match base.join(next) {
        Ok(target) if target.origin() == base.origin() => {
            target[url::Position::BeforePath..].to_string()
        }
        _ => home(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_same_origin_paths_are_followed() {
        for (next, want) in [
            ("/hazards?state=open", "/hazards?state=open"),
            ("/campaigns/3#tasks", "/campaigns/3#tasks"),
            ("/", "/"),
            ("//evil.example/", "/"),
            ("/\t/evil.example/", "/"),
            ("/\n/x", "/"),
            ("/\\evil.example", "/"),
            ("\\/evil.example", "/"),
            ("https://evil.example/", "/"),
            ("javascript:alert(1)", "/"),
            ("/ /evil.example", "/"),
            ("", "/"),
            ("/%2F%2Fevil.example", "/%2F%2Fevil.example"),
        ] {
            assert_eq!(safe_next(next), want, "{next:?}");
        }
    }

    proptest::proptest! {
        /// Whatever is asked, the answer is a local path a header can carry.
        #[test]
        fn any_next_stays_on_this_server(next in "\\PC{0,40}") {
            let out = safe_next(&next);
            proptest::prop_assert!(out.starts_with('/') && !out.starts_with("//") && !out.starts_with("/\\"));
            proptest::prop_assert!(out.chars().all(|c| !c.is_control() && !c.is_whitespace()));
        }
    }
}

async fn login_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Response {
    login_form(
        &state,
        Chrome::new(&headers, None, ""),
        None,
        String::new(),
        safe_next(&q.next),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    login_csrf: String,
}

async fn login(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    headers: HeaderMap,
    caller: Option<Extension<Caller>>,
    Form(form): Form<LoginForm>,
) -> Response {
    let paired = crate::auth::cookie(&headers, LOGIN_CSRF_COOKIE)
        .is_some_and(|c| !form.login_csrf.is_empty() && c == form.login_csrf);
    let result = if paired {
        session_login(&state, client, &form.username, &form.password).await
    } else {
        Err(ApiError::Csrf)
    };
    match result {
        Ok((session, _)) => {
            // Signing in again ends the session the browser held before.
            if let Some(Extension(caller)) = caller
                && let Some(old) = caller.session
                && let Err(e) = state.store.revoke_session(&old.token).await
            {
                return ApiError::from(e).into_response();
            }
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(&session.token, state.config.secure_cookies),
                )],
                Redirect::to(&safe_next(&form.next)),
            )
                .into_response()
        }
        Err(error) => {
            let chrome = Chrome::new(&headers, None, "");
            let message = chrome.error_message(&error);
            let status = error.status_and_payload().0;
            let mut response = login_form(
                &state,
                chrome,
                Some(message),
                form.username,
                safe_next(&form.next),
            );
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
