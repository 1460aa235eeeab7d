//! The optional outgoing webhook for an SMS/WeChat gateway: every inbox message, rendered in
//! Chinese, POSTed as JSON to one URL, retried with backoff until the gateway answers 2xx.
//! Deliveries are claimed with a lease, so two servers do not send one twice.

use crate::i18n::{Lang, t_args};
use hazardnet_store::{OutboxItem, Store, StoreError};
use serde_json::json;
use std::time::Duration;

/// The HTTP client for the gateway: HTTPS through rustls, trusting the system's CA store and,
/// when given, the PEM bundle at `ca_bundle` (a gateway on a closed network is often signed by
/// the network's own CA). Redirects are not followed: a gateway that moves is a configuration
/// change, not something to chase with people's phone numbers in the body.
pub fn client(ca_bundle: Option<&std::path::Path>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .use_rustls_tls()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10));
    if let Some(path) = ca_bundle {
        let pem = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("{}: no certificate in the file", path.display()));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// The JSON a gateway receives.
pub fn payload(item: &OutboxItem) -> serde_json::Value {
    let params: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&item.body).unwrap_or_default();
    let args: Vec<(String, String)> = params
        .into_iter()
        .map(|(k, v)| {
            (
                k,
                v.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| v.to_string()),
            )
        })
        .collect();
    json!({
        "id": item.id,
        "kind": item.kind,
        "to": { "username": item.username, "name": item.display_name, "phone": item.phone },
        "title": item.title,
        "text": t_args(Lang::Zh, &format!("inbox.{}", item.kind), &args),
    })
}

/// Sends what is due; returns how many were delivered.
pub async fn deliver_webhooks(
    store: &Store,
    client: &reqwest::Client,
    url: &str,
) -> Result<usize, StoreError> {
    let mut delivered = 0;
    for item in store.claim_outbox(50).await? {
        let result = client
            .post(url)
            .timeout(Duration::from_secs(10))
            .json(&payload(&item))
            .send()
            .await;
        let error = match result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("HTTP {}", r.status())),
            Err(e) => Some(e.to_string()),
        };
        if error.is_none() {
            delivered += 1;
        }
        store.finish_outbox(&item, error.as_deref()).await?;
    }
    Ok(delivered)
}
