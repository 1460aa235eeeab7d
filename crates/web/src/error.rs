//! The web layer's one error type, mapped to HTTP once. A handler returns [`ApiError`]; its
//! response carries the error as an extension, and [`localize_errors`] renders the JSON body
//! `{"error": {"code", "message"}}` in the caller's language (Chinese unless asked otherwise).
//! Internal errors are logged and never shown.

use crate::i18n::{Lang, t_args};
use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hazardnet_store::{RowError, StoreError};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("not signed in")]
    Unauthenticated,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("account locked")]
    Locked { until: String },
    #[error("too many failed sign-ins from this address")]
    TooManyAttempts,
    #[error("csrf token missing or wrong")]
    Csrf,
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("bad request: {code}")]
    BadRequest { code: &'static str, detail: String },
    #[error("unprocessable: {code}")]
    Unprocessable { code: &'static str, detail: String },
    #[error("payload too large")]
    TooLarge,
    #[error(transparent)]
    Transition(#[from] hazardnet_domain::hazard::TransitionError),
}

impl From<hazardnet_store::TransitionFailure> for ApiError {
    fn from(e: hazardnet_store::TransitionFailure) -> Self {
        match e {
            hazardnet_store::TransitionFailure::Rule(rule) => ApiError::Transition(rule),
            hazardnet_store::TransitionFailure::Store(store) => ApiError::Store(store),
        }
    }
}

/// What the localizing middleware needs to render an error.
#[derive(Debug, Clone)]
pub struct ErrorPayload {
    pub code: String,
    pub args: Vec<(String, String)>,
    pub rows: Vec<RowError>,
}

impl ApiError {
    pub fn status_and_payload(&self) -> (StatusCode, ErrorPayload) {
        let simple = |status, code: &str| {
            (
                status,
                ErrorPayload {
                    code: code.to_string(),
                    args: vec![],
                    rows: vec![],
                },
            )
        };
        let with = |status, code: &str, args: Vec<(String, String)>| {
            (
                status,
                ErrorPayload {
                    code: code.to_string(),
                    args,
                    rows: vec![],
                },
            )
        };
        match self {
            ApiError::Unauthenticated => simple(StatusCode::UNAUTHORIZED, "unauthenticated"),
            ApiError::InvalidCredentials => simple(StatusCode::UNAUTHORIZED, "invalid_credentials"),
            ApiError::Locked { until } => with(
                StatusCode::TOO_MANY_REQUESTS,
                "account_locked",
                vec![("until".into(), until.clone())],
            ),
            ApiError::TooManyAttempts => simple(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::Csrf => simple(StatusCode::FORBIDDEN, "csrf"),
            ApiError::Forbidden | ApiError::Store(StoreError::Forbidden) => {
                simple(StatusCode::FORBIDDEN, "forbidden")
            }
            ApiError::NotFound | ApiError::Store(StoreError::NotFound) => {
                simple(StatusCode::NOT_FOUND, "not_found")
            }
            ApiError::BadRequest { code, detail } => with(
                StatusCode::BAD_REQUEST,
                code,
                vec![("detail".into(), detail.clone())],
            ),
            ApiError::Unprocessable { code, detail } => with(
                StatusCode::UNPROCESSABLE_ENTITY,
                code,
                vec![("detail".into(), detail.clone())],
            ),
            ApiError::TooLarge => simple(StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::Transition(rule) => {
                use hazardnet_domain::hazard::TransitionError;
                match rule {
                    TransitionError::WrongState { action, state } => with(
                        StatusCode::CONFLICT,
                        "wrong_state",
                        vec![
                            ("action".into(), action.to_string()),
                            ("state".into(), state.to_string()),
                        ],
                    ),
                    TransitionError::NotPermitted { action, rule, .. } => with(
                        StatusCode::FORBIDDEN,
                        rule,
                        vec![("action".into(), action.to_string())],
                    ),
                    TransitionError::ReopenFirst => simple(StatusCode::CONFLICT, "reopen_first"),
                    TransitionError::Invalid(d) => with(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        d.code(),
                        d.args()
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    ),
                }
            }
            ApiError::Store(err) => match err {
                // A role the caller may not give is a refusal of the caller's rights.
                StoreError::Domain(d @ hazardnet_domain::DomainError::RoleNotGrantable { .. }) => {
                    with(
                        StatusCode::FORBIDDEN,
                        d.code(),
                        d.args()
                            .into_iter()
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    )
                }
                StoreError::Domain(d) => with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    d.code(),
                    d.args()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                ),
                StoreError::Conflict { code, value } => with(
                    StatusCode::CONFLICT,
                    code,
                    vec![("value".into(), value.clone())],
                ),
                StoreError::Refused { code, value } => with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    code,
                    vec![("value".into(), value.clone())],
                ),
                StoreError::StaleVersion(v) => with(
                    StatusCode::CONFLICT,
                    "stale_version",
                    vec![("value".into(), v.to_string())],
                ),
                StoreError::OutOfScope => simple(StatusCode::FORBIDDEN, "out_of_scope"),
                StoreError::Denied { code, value } => with(
                    StatusCode::FORBIDDEN,
                    code,
                    vec![("value".into(), value.clone())],
                ),
                StoreError::UnknownJurisdiction(v) => with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_jurisdiction",
                    vec![("value".into(), v.clone())],
                ),
                StoreError::BadFile("file_too_large") => {
                    simple(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large")
                }
                StoreError::BadFile(code) => simple(StatusCode::UNPROCESSABLE_ENTITY, code),
                StoreError::UnknownEnterprise(v) => with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_enterprise",
                    vec![("value".into(), v.clone())],
                ),
                StoreError::UnknownIndustry(v) => with(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_industry",
                    vec![("value".into(), v.clone())],
                ),
                StoreError::FileTampered(sha256) => {
                    tracing::error!(sha256, "refused to serve a tampered file");
                    with(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "file_tampered",
                        vec![("value".into(), sha256.clone())],
                    )
                }
                StoreError::Rows(rows) => (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorPayload {
                        code: "rows_refused".into(),
                        args: vec![("count".into(), rows.len().to_string())],
                        rows: rows.clone(),
                    },
                ),
                other => {
                    tracing::error!(error = %other, "internal error");
                    simple(StatusCode::INTERNAL_SERVER_ERROR, "internal")
                }
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, payload) = self.status_and_payload();
        let mut response = status.into_response();
        response.extensions_mut().insert(payload);
        response
    }
}

/// The message of one refused row, in `lang`.
pub fn row_message(lang: Lang, row: &RowError) -> String {
    t_args(lang, &format!("error.{}", row.code), &row.args)
}

pub fn error_body(lang: Lang, payload: &ErrorPayload) -> serde_json::Value {
    let message = t_args(lang, &format!("error.{}", payload.code), &payload.args);
    let mut error = json!({ "code": payload.code, "message": message });
    if !payload.rows.is_empty() {
        error["rows"] = payload
            .rows
            .iter()
            .map(|r| json!({ "row": r.row, "code": r.code, "message": row_message(lang, r) }))
            .collect();
    }
    json!({ "error": error })
}

/// The error code of an API answer that the framework made rather than a handler (a path
/// that does not parse, a body over the limit, a method the route lacks).
fn framework_error_code(status: StatusCode) -> &'static str {
    match status {
        StatusCode::BAD_REQUEST => "bad_request",
        StatusCode::NOT_FOUND => "not_found",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid_body",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    }
}

/// Renders the JSON body of every error response in the language the request asked for. An
/// API error the framework answered in plain text (or with no body) gets the same JSON shape,
/// its text kept as the detail, so that every API error reads alike.
pub async fn localize_errors(request: Request, next: Next) -> Response {
    let lang = Lang::from_headers(request.headers());
    let api = request.uri().path().starts_with("/api/");
    let mut response = next.run(request).await;
    let status = response.status();
    if api
        && (status.is_client_error() || status.is_server_error())
        && response.extensions().get::<ErrorPayload>().is_none()
        && !response
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json"))
    {
        let body = std::mem::take(response.body_mut());
        let detail = axum::body::to_bytes(body, 4096)
            .await
            .map(|b| String::from_utf8_lossy(&b).trim().to_string())
            .unwrap_or_default();
        let payload = ErrorPayload {
            code: framework_error_code(status).to_string(),
            args: vec![("detail".into(), detail)],
            rows: vec![],
        };
        let mut rendered = (status, axum::Json(error_body(lang, &payload))).into_response();
        for name in [
            axum::http::header::ALLOW,
            axum::http::header::WWW_AUTHENTICATE,
        ] {
            if let Some(value) = response.headers().get(&name) {
                rendered.headers_mut().insert(name, value.clone());
            }
        }
        return rendered;
    }
    if let Some(payload) = response.extensions_mut().remove::<ErrorPayload>() {
        let status = response.status();
        let mut rendered = (status, axum::Json(error_body(lang, &payload))).into_response();
        if let Some(retry) = response.headers().get(axum::http::header::WWW_AUTHENTICATE) {
            rendered
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, retry.clone());
        }
        return rendered;
    }
    response
}
