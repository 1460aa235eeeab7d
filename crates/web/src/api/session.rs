//! Signing in and out: `POST /api/v1/session` opens a cookie session, `DELETE` ends it,
//! `GET /api/v1/me` says who is calling.

use super::ApiJson;
use crate::AppState;
use crate::auth::{Caller, clear_session_cookie, session_cookie};
use crate::error::ApiError;
use crate::throttle::ClientAddr;
use axum::extract::State;
use axum::http::header::SET_COOKIE;
use axum::response::{AppendHeaders, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use hazardnet_store::{LoginOutcome, Principal, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(create_session).delete(delete_session))
        .route("/me", get(me))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub organization_id: i64,
    pub organization: String,
    pub organization_kind: String,
    pub enterprise_id: Option<i64>,
}

impl From<&Principal> for Me {
    fn from(p: &Principal) -> Me {
        Me {
            id: p.user_id,
            username: p.username.clone(),
            display_name: p.display_name.clone(),
            role: p.role.as_str().to_string(),
            organization_id: p.org_id,
            organization: p.org_name.clone(),
            organization_kind: p.org_kind.as_str().to_string(),
            enterprise_id: p.enterprise_id,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCreated {
    pub user: Me,
    /// Send back as `X-CSRF-Token` on every write made with the session cookie.
    pub csrf_token: String,
}

/// Shared by the API and the login page: a login attempt, throttled by client address and
/// mapped to our errors.
pub async fn attempt_login(
    state: &AppState,
    client: Option<std::net::IpAddr>,
    username: &str,
    password: &str,
) -> Result<(hazardnet_store::SessionInfo, Principal), ApiError> {
    if !state.login_throttle.allows(client) {
        return Err(ApiError::TooManyAttempts);
    }
    let result = login_outcome(&state.store, username, password).await;
    if matches!(result, Err(ApiError::InvalidCredentials)) {
        state.login_throttle.record_failure(client);
    }
    result
}

async fn login_outcome(
    store: &Store,
    username: &str,
    password: &str,
) -> Result<(hazardnet_store::SessionInfo, Principal), ApiError> {
    if username.len() > 64 || password.len() > 1024 {
        return Err(ApiError::InvalidCredentials);
    }
    match store.login(username, password).await? {
        LoginOutcome::Success(session, principal) => Ok((session, *principal)),
        LoginOutcome::InvalidCredentials => Err(ApiError::InvalidCredentials),
        LoginOutcome::Locked { until } => Err(ApiError::Locked {
            until: until
                .with_timezone(
                    &chrono::FixedOffset::east_opt(8 * 3600)
                        .unwrap_or(chrono::FixedOffset::east_opt(0).expect("zero offset")),
                )
                .format("%Y-%m-%d %H:%M")
                .to_string(),
        }),
    }
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = Credentials,
    responses((status = 200, body = SessionCreated), (status = 401, description = "wrong username or password"),
              (status = 429, description = "account locked, or too many failures from this address")))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(client): ClientAddr,
    caller: Option<axum::Extension<Caller>>,
    ApiJson(credentials): ApiJson<Credentials>,
) -> Result<impl IntoResponse, ApiError> {
    let (session, principal) =
        attempt_login(&state, client, &credentials.username, &credentials.password).await?;
    // Signing in again ends the session the client held before.
    if let Some(axum::Extension(caller)) = caller
        && let Some(old) = caller.session
    {
        state.store.revoke_session(&old.token).await?;
    }
    Ok((
        AppendHeaders([(
            SET_COOKIE,
            session_cookie(&session.token, state.config.secure_cookies),
        )]),
        Json(SessionCreated {
            user: Me::from(&principal),
            csrf_token: session.csrf_token,
        }),
    ))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "signed out")))]
pub async fn delete_session(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(session) = &caller.session {
        state.store.revoke_session(&session.token).await?;
    }
    Ok((
        axum::http::StatusCode::NO_CONTENT,
        AppendHeaders([(SET_COOKIE, clear_session_cookie())]),
    ))
}

#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = Me), (status = 401, description = "not signed in")),
    security(("bearer" = []), ("session" = [])))]
pub async fn me(caller: Caller) -> Json<Me> {
    Json(Me::from(&caller.principal))
}
