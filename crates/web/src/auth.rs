//! Who is calling. [`resolve_caller`] runs once per request: it reads an `Authorization:
//! Bearer` API token or the session cookie, enforces CSRF protection on cookie-authenticated
//! writes, and leaves the [`Caller`] in the request's extensions for the extractors.

use crate::AppState;
use crate::error::ApiError;
use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use hazardnet_store::Principal;

pub const SESSION_COOKIE: &str = "hn_session";
/// Form bodies read by the CSRF check are capped; uploads go through multipart instead.
const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Caller {
    pub principal: Principal,
    /// Present when the caller came with a session cookie (the web UI).
    pub session: Option<SessionAuth>,
}

#[derive(Debug, Clone)]
pub struct SessionAuth {
    pub token: String,
    pub csrf: String,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

fn form_field(body: &[u8], name: &str) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn query_field(uri: &axum::http::Uri, name: &str) -> Option<String> {
    uri.query().and_then(|q| form_field(q.as_bytes(), name))
}

/// Compares without stopping at the first difference.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn is_api(path: &str) -> bool {
    path.starts_with("/api/")
}

pub async fn resolve_caller(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let caller = if let Some(token) = bearer(&headers) {
        match state.store.principal_for_api_token(token).await {
            Ok(Some(principal)) => Some(Caller {
                principal,
                session: None,
            }),
            Ok(None) => return ApiError::Unauthenticated.into_response(),
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        match state.store.session(token).await {
            Ok(Some((principal, csrf))) => Some(Caller {
                principal,
                session: Some(SessionAuth {
                    token: token.to_string(),
                    csrf,
                }),
            }),
            Ok(None) => None,
            Err(e) => return ApiError::from(e).into_response(),
        }
    } else {
        None
    };

    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // Signing in authenticates afresh and carries its own protection (the login form's CSRF
    // pair; the API's JSON body, which a cross-site form cannot send), so a browser that still
    // holds a session may sign in again without that session's token.
    let sign_in = request.method() == Method::POST
        && matches!(request.uri().path(), "/login" | "/api/v1/session");
    if unsafe_method
        && !sign_in
        && let Some(SessionAuth { csrf, .. }) = caller.as_ref().and_then(|c| c.session.as_ref())
    {
        let mut presented = headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .or_else(|| query_field(request.uri(), "csrf"));
        let is_form = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if presented.is_none() && is_form {
            let (parts, body) = request.into_parts();
            let bytes = match to_bytes(body, MAX_FORM_BYTES).await {
                Ok(b) => b,
                Err(_) => return ApiError::TooLarge.into_response(),
            };
            presented = form_field(&bytes, "csrf");
            request = Request::from_parts(parts, Body::from(bytes));
        }
        if !presented.is_some_and(|p| same(&p, csrf)) {
            return if is_api(request.uri().path()) {
                ApiError::Csrf.into_response()
            } else {
                crate::ui::error_page(
                    &state,
                    &headers,
                    axum::http::StatusCode::FORBIDDEN,
                    "error.csrf",
                )
            };
        }
    }
    if let Some(caller) = caller {
        request.extensions_mut().insert(caller);
    }
    next.run(request).await
}

/// For the JSON API: 401 when nobody is signed in.
impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(ApiError::Unauthenticated)
    }
}

/// For web pages: a redirect to the login page when nobody is signed in.
pub struct PageCaller(pub Caller);

impl<S: Send + Sync> FromRequestParts<S> for PageCaller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<Caller>() {
            Some(c) => Ok(PageCaller(c.clone())),
            None => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let target = format!("/login?next={}", urlencoding::encode(next));
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

pub fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}
