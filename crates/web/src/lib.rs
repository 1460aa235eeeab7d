//! HTTP for hazardnet: the JSON API under `/api/v1` (described at `/api/v1/openapi.json`) and
//! the server-rendered web UI. Both call the same store functions with the caller's scope.
//!
//! - `auth`: who is calling (session cookie or bearer token) and CSRF protection.
//! - `error`: the one error type and its localized JSON rendering.
//! - `i18n`: zh-CN and en text from `locales/`.
//! - `api/`: JSON endpoints, one module per resource.
//! - `ui/`: HTML pages (askama templates in `templates/`), one module per resource.
//! - `sheets`: reading and writing Excel (and CSV) safely.

pub mod api;
pub mod audit_checkpoints;
pub mod auth;
pub mod campaign_sheets;
pub mod documents;
pub mod error;
pub mod i18n;
pub mod sheets;
pub mod throttle;
pub mod ui;
pub mod webhook;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use hazardnet_store::Store;
use std::sync::Arc;
use tokio::net::TcpListener;

/// Request bodies larger than this are refused (uploads included).
pub const MAX_BODY_BYTES: usize = 20 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Config {
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// How often the server looks for due deadline jobs; None runs no job loop (tests drive
    /// jobs directly).
    pub job_interval: Option<std::time::Duration>,
    /// Where to POST every inbox message (an SMS/WeChat gateway); the store must have been
    /// opened `with_webhook(true)` for messages to be queued.
    pub webhook_url: Option<String>,
    /// A PEM bundle of CA certificates the webhook trusts besides the system's.
    pub webhook_ca: Option<std::path::PathBuf>,
    /// How often the server refreshes the query planner's statistics, first at start
    /// ([`Store::refresh_planner_statistics`]); None never does (tests).
    pub statistics_interval: Option<std::time::Duration>,
    /// Signed checkpoints of the audit chain's head, at start and on a schedule
    /// ([`audit_checkpoints`]); None signs none.
    pub audit_checkpoints: Option<audit_checkpoints::CheckpointSchedule>,
}

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub login_throttle: Arc<throttle::LoginThrottle>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api::router())
        .merge(ui::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::resolve_caller,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            durable_responses,
        ))
        .layer(axum::middleware::from_fn(error::localize_errors))
        .layer(axum::middleware::from_fn(security_headers))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The Content-Security-Policy of every answer: scripts, styles, images and forms only from
/// this server, no plugins, never inside a frame. No page has inline script or style.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Security headers on every response (OWASP ASVS 5.0 V3.4): the policy above, no framing,
/// no type sniffing, no referrer sent off-site, and nothing personal kept in caches — every
/// page and API answer is `no-store`; only the embedded static assets (which set their own
/// `Cache-Control`) may be cached.
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// Holds each response until everything committed before it is on disk: on SQLite a group of
/// writes becomes visible to readers a moment before its sync returns (the store's writer),
/// and no page may show data that a power cut could still take away.
async fn durable_responses(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let response = next.run(request).await;
    state.store.wait_durable().await;
    response
}

async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<&'static str, error::ApiError> {
    state.store.ping().await?;
    Ok("ok")
}

/// Serves until the process is told to stop. The listener is the seam tests use (port 0).
pub async fn serve(listener: TcpListener, store: Store, config: Config) -> std::io::Result<()> {
    if let Some(url) = config.webhook_url.clone() {
        let outbox = store.clone();
        let client =
            webhook::client(config.webhook_ca.as_deref()).map_err(std::io::Error::other)?;
        tokio::spawn(async move {
            loop {
                if let Err(e) = webhook::deliver_webhooks(&outbox, &client, &url).await {
                    tracing::error!(error = %e, "webhook delivery failed");
                }
                tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            }
        });
    }
    if let Some(every) = config.job_interval {
        let jobs = store.clone();
        tokio::spawn(async move {
            loop {
                match jobs.run_due_jobs().await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(jobs = n, "deadline jobs run"),
                    Err(e) => tracing::error!(error = %e, "deadline jobs failed"),
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    if let Some(schedule) = config.audit_checkpoints.clone() {
        tokio::spawn(audit_checkpoints::run(store.clone(), schedule));
    }
    if let Some(every) = config.statistics_interval {
        let planner = store.clone();
        tokio::spawn(async move {
            loop {
                let started = std::time::Instant::now();
                match planner.refresh_planner_statistics().await {
                    Ok(ran) => {
                        // Writes waited this long; the routine check (empty queue tables
                        // included) is a few milliseconds and not worth a line.
                        let ms = started.elapsed().as_millis() as u64;
                        if ms >= 100 {
                            tracing::info!(statements = ?ran, ms, "planner statistics refreshed");
                        } else {
                            tracing::debug!(statements = ?ran, ms, "planner statistics checked");
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "refreshing planner statistics failed"),
                }
                tokio::time::sleep(every).await;
            }
        });
    }
    let app = router(AppState {
        store,
        config: Arc::new(config),
        login_throttle: Arc::default(),
    });
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
