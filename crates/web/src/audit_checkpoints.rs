//! The server's signed checkpoints of the audit chain's head: one at start, then one every
//! interval, each kept in the data directory's file and the database
//! ([`Store::take_audit_checkpoint`]) and, when a URL is configured, POSTed there as JSON
//! (`Content-Type: application/json`, the checkpoint's line as the body), retried with backoff
//! until the receiver answers 2xx. All of it runs in its own task, outside every business
//! transaction: a slow or failing receiver never holds up a write.

use hazardnet_domain::audit::checkpoint::{Checkpoint, CheckpointSigner};
use hazardnet_store::{Store, StoreError};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the server signs checkpoints; `None` in [`crate::Config`] signs none.
#[derive(Clone)]
pub struct CheckpointSchedule {
    /// The secret key, read at start from a file outside the database.
    pub signer: Arc<dyn CheckpointSigner>,
    /// Between two checkpoints (the first is taken at start).
    pub every: Duration,
    /// Where each checkpoint is POSTed, if anywhere.
    pub post_url: Option<String>,
}

impl std::fmt::Debug for CheckpointSchedule {
    // Names the key by its id only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckpointSchedule")
            .field("key_id", &self.signer.key_id())
            .field("every", &self.every)
            .field("post_url", &self.post_url)
            .finish()
    }
}

/// Longest wait between two looks at the POST queue.
const POST_POLL: Duration = Duration::from_secs(30);

/// Runs for as long as the server does.
pub async fn run(store: Store, schedule: CheckpointSchedule) {
    let client = reqwest::Client::new();
    // The last checkpoint this process signed: the next walk starts at its entry. The first
    // walks the whole chain, so a server signs nothing over a chain that does not verify.
    let mut last: Option<Checkpoint> = None;
    let mut due = Instant::now();
    loop {
        if Instant::now() >= due {
            let queue_post = schedule.post_url.is_some();
            match store
                .take_audit_checkpoint(schedule.signer.as_ref(), last.as_ref(), queue_post)
                .await
            {
                Ok(Ok(checkpoint)) => {
                    tracing::info!(
                        seq = checkpoint.seq,
                        key_id = %checkpoint.key_id,
                        "audit checkpoint signed"
                    );
                    last = Some(checkpoint);
                }
                Ok(Err(broken)) => tracing::error!(
                    seq = broken.seq,
                    reason = broken.reason,
                    "the audit chain does not verify: no checkpoint signed (run `hazardnet audit verify`)"
                ),
                Err(e) => tracing::error!(error = %e, "taking an audit checkpoint failed"),
            }
            due = Instant::now() + schedule.every;
        }
        if let Some(url) = &schedule.post_url
            && let Err(e) = deliver_checkpoints(&store, &client, url).await
        {
            tracing::error!(error = %e, "delivering audit checkpoints failed");
        }
        let wait = due.saturating_duration_since(Instant::now());
        tokio::time::sleep(wait.min(POST_POLL)).await;
    }
}

/// POSTs the checkpoints that are due; returns how many the receiver accepted.
pub async fn deliver_checkpoints(
    store: &Store,
    client: &reqwest::Client,
    url: &str,
) -> Result<usize, StoreError> {
    let mut delivered = 0;
    for post in store.claim_checkpoint_posts(20).await? {
        let result = client
            .post(url)
            .timeout(Duration::from_secs(10))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(post.body.clone())
            .send()
            .await;
        let error = match result {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("HTTP {}", r.status())),
            Err(e) => Some(e.to_string()),
        };
        match &error {
            None => delivered += 1,
            Some(e) => tracing::warn!(
                checkpoint = post.id,
                attempt = post.attempts + 1,
                error = %e,
                "audit checkpoint POST failed; it will be retried"
            ),
        }
        if !store
            .finish_checkpoint_post(&post, error.as_deref())
            .await?
        {
            tracing::error!(
                checkpoint = post.id,
                "audit checkpoint POST given up after its last retry"
            );
        }
    }
    Ok(delivered)
}
