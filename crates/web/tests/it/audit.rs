//! The audit chain: every write appends an entry in its own transaction, and any entry altered
//! or removed behind the application's back is found by verification, named by its number.

use crate::helpers::{TestApp, credit_code, enterprise_body};
use reqwest::StatusCode;

async fn app_with_history() -> TestApp {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    for n in 0..3 {
        let (status, _) = clerk
            .post_json(
                "/api/v1/enterprises",
                &enterprise_body(
                    &format!("审计企业{n}"),
                    &credit_code(300 + n),
                    "450202002000",
                    "62",
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    app
}

#[tokio::test]
async fn every_write_is_chained_and_the_intact_chain_verifies() {
    let app = app_with_history().await;
    let n = app
        .store
        .verify_audit_chain()
        .await
        .unwrap()
        .expect("intact");
    // migration: 1 jurisdiction import + 6 shipped standards; demo: 6 orgs + 7 users + 12
    // enterprises + 2 expert assignments; the clerk's token: 1; ours: 3.
    assert_eq!(n, 38);
}

#[tokio::test]
async fn an_altered_entry_is_named() {
    let app = app_with_history().await;
    let raw = app.raw().await;
    sqlx::query("UPDATE audit_log SET after_json = REPLACE(after_json, '审计企业1', '改过的名字') WHERE action = 'enterprise.create' AND after_json LIKE '%审计企业1%'")
        .execute(&raw)
        .await
        .unwrap();
    let seq: i64 =
        sqlx::query_scalar("SELECT seq FROM audit_log WHERE after_json LIKE '%改过的名字%'")
            .fetch_one(&raw)
            .await
            .unwrap();
    let broken = app.store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (seq, "hash_mismatch"));
}

#[tokio::test]
async fn a_recomputed_entry_breaks_the_next_link() {
    let app = app_with_history().await;
    let raw = app.raw().await;
    // Rewriting an entry's own hash to match its new content still breaks the next entry.
    sqlx::query("UPDATE audit_log SET hash = 'ffff' || SUBSTR(hash, 5) WHERE seq = 10")
        .execute(&raw)
        .await
        .unwrap();
    let broken = app.store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!(broken.seq, 10);
}

#[tokio::test]
async fn removed_entries_are_found_in_the_middle_and_at_the_end() {
    let app = app_with_history().await;
    let raw = app.raw().await;
    sqlx::query("DELETE FROM audit_log WHERE seq = 30")
        .execute(&raw)
        .await
        .unwrap();
    let broken = app.store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (30, "missing"));
    sqlx::query("DELETE FROM audit_log WHERE seq = 12")
        .execute(&raw)
        .await
        .unwrap();
    let broken = app.store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (12, "missing"));
}

// ---------------------------------------------------------------------------------------------
// Tampering by someone with write access to the database, which the chain alone cannot show:
// each is caught against a signed checkpoint of the head taken before it.

use crate::helpers::ScratchDatabase;
use hazardnet_domain::audit::checkpoint::{
    Checkpoint, CheckpointProblem, CheckpointVerifier, Ed25519Signer,
};
use hazardnet_domain::audit::{AuditFields, HashVersion};
use hazardnet_store::{AuditReport, DbKind, Store};

fn key() -> Ed25519Signer {
    Ed25519Signer::from_seed([7; 32])
}

async fn checkpoint(app: &TestApp) -> Checkpoint {
    app.store
        .take_audit_checkpoint(&key(), None, false)
        .await
        .unwrap()
        .expect("an intact chain is signed")
}

async fn verify(store: &Store, checkpoints: &[Checkpoint]) -> AuditReport {
    let public = key().verifier();
    store.verify_audit(checkpoints, &[&public]).await.unwrap()
}

/// One entry as the database holds it, for rewriting behind the application's back.
#[derive(Debug, Clone, sqlx::FromRow)]
struct RawEntry {
    seq: i64,
    at: String,
    actor_id: Option<i64>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    jurisdiction: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
    hash_version: i64,
}

impl RawEntry {
    fn fields(&self) -> AuditFields<'_> {
        AuditFields {
            seq: self.seq,
            at: &self.at,
            actor_id: self.actor_id,
            actor: &self.actor,
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            jurisdiction: &self.jurisdiction,
            before: self.before_json.as_deref(),
            after: self.after_json.as_deref(),
            prev_hash: &self.prev_hash,
        }
    }

    /// The hash under the entry's own recorded rule, by the public hash function.
    fn rehash(&mut self) {
        let version = HashVersion::from_stored(self.hash_version).expect("known version");
        self.hash = self.fields().hash(version);
    }
}

async fn raw_entries(raw: &sqlx::AnyPool) -> Vec<RawEntry> {
    sqlx::query_as(
        "SELECT seq, at, actor_id, actor, action, entity, entity_id, jurisdiction, before_json, \
         after_json, prev_hash, hash, hash_version FROM audit_log ORDER BY seq",
    )
    .fetch_all(raw)
    .await
    .unwrap()
}

/// Writes entries back as they are and moves the head to the last of them.
async fn write_back(raw: &sqlx::AnyPool, entries: &[RawEntry]) {
    for e in entries {
        sqlx::query(
            "UPDATE audit_log SET before_json = $1, after_json = $2, prev_hash = $3, hash = $4, \
             hash_version = $5 WHERE seq = $6",
        )
        .bind(e.before_json.clone())
        .bind(e.after_json.clone())
        .bind(e.prev_hash.clone())
        .bind(e.hash.clone())
        .bind(e.hash_version)
        .bind(e.seq)
        .execute(raw)
        .await
        .unwrap();
    }
    if let Some(last) = entries.last() {
        move_head(raw, last.seq, &last.hash).await;
    }
}

async fn move_head(raw: &sqlx::AnyPool, seq: i64, hash: &str) {
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(hash.to_string())
        .execute(raw)
        .await
        .unwrap();
}

async fn add_enterprise(app: &TestApp, n: usize) {
    let clerk = app.bearer("street-office").await;
    let (status, _) = clerk
        .post_json(
            "/api/v1/enterprises",
            &enterprise_body(
                &format!("检查点企业{n}"),
                &credit_code(400 + n),
                "450202002000",
                "62",
            ),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
}

#[tokio::test]
async fn a_checkpoint_is_signed_kept_and_extended_by_later_writes() {
    let app = app_with_history().await;
    let first = checkpoint(&app).await;
    assert_eq!((first.seq, first.entries), (38, 38));
    assert_eq!(first.instance, app.store.instance_id().await.unwrap());
    assert_eq!(first.key_id, key().verifier().key_id());
    // Kept in the data directory's file and listed from the database, the same line in both.
    let file = app.store.checkpoint_file().expect("a data directory");
    assert!(file.starts_with(app.files.path()));
    let kept =
        hazardnet_store::parse_checkpoints(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(kept, std::slice::from_ref(&first));
    assert_eq!(
        app.store.audit_checkpoints().await.unwrap(),
        std::slice::from_ref(&first)
    );

    add_enterprise(&app, 1).await;
    let report = verify(&app.store, std::slice::from_ref(&first)).await;
    assert!(report.holds(), "{report:?}");
    // The next checkpoint walks on from the first.
    let second = app
        .store
        .take_audit_checkpoint(&key(), Some(&first), false)
        .await
        .unwrap()
        .unwrap();
    assert!(second.seq > first.seq);
    assert_eq!(second.entries, second.seq);
    let report = verify(&app.store, &[first, second]).await;
    assert!(report.holds(), "{report:?}");
}

#[tokio::test]
async fn entries_cut_off_the_end_with_the_head_moved_back_fail_against_a_checkpoint() {
    let app = app_with_history().await;
    let signed = checkpoint(&app).await;
    let signed_copy = signed.clone();
    let raw = app.raw().await;
    sqlx::query("DELETE FROM audit_log WHERE seq > 30")
        .execute(&raw)
        .await
        .unwrap();
    let hash: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE seq = 30")
        .fetch_one(&raw)
        .await
        .unwrap();
    move_head(&raw, 30, &hash).await;
    // The chain agrees with itself: alone it cannot tell.
    assert_eq!(app.store.verify_audit_chain().await.unwrap(), Ok(30));
    let report = verify(&app.store, &[signed]).await;
    assert!(!report.holds());
    assert_eq!(
        report.checkpoints,
        [Err(CheckpointProblem::Truncated { head: 30, seq: 38 })]
    );
    // A server signing on from that checkpoint refuses the shortened chain.
    let next = app
        .store
        .take_audit_checkpoint(&key(), Some(&signed_copy), false)
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (next.seq, next.reason),
        (31, "shorter_than_last_checkpoint")
    );
}

#[tokio::test]
async fn a_wiped_log_with_its_head_reset_fails_against_a_checkpoint() {
    let app = app_with_history().await;
    let signed = checkpoint(&app).await;
    let raw = app.raw().await;
    sqlx::query("DELETE FROM audit_log")
        .execute(&raw)
        .await
        .unwrap();
    move_head(&raw, 0, hazardnet_domain::audit::GENESIS_HASH).await;
    assert_eq!(app.store.verify_audit_chain().await.unwrap(), Ok(0));
    let report = verify(&app.store, &[signed]).await;
    assert_eq!(
        report.checkpoints,
        [Err(CheckpointProblem::Truncated { head: 0, seq: 38 })]
    );
    assert!(!report.holds());
}

#[tokio::test]
async fn a_changed_entry_with_every_later_hash_recomputed_fails_against_a_checkpoint() {
    let app = app_with_history().await;
    let signed = checkpoint(&app).await;
    let raw = app.raw().await;
    let mut entries = raw_entries(&raw).await;
    // Rewrite entry 20 and recompute its hash and every later link with the public rule.
    let at = entries.iter().position(|e| e.seq == 20).unwrap();
    entries[at].after_json = Some(r#"{"rewritten":true}"#.into());
    for i in at..entries.len() {
        if i > 0 {
            entries[i].prev_hash = entries[i - 1].hash.clone();
        }
        entries[i].rehash();
    }
    write_back(&raw, &entries[at..]).await;
    // Consistent in itself …
    assert_eq!(app.store.verify_audit_chain().await.unwrap(), Ok(38));
    // … but no longer the chain that was signed.
    let report = verify(&app.store, &[signed]).await;
    assert_eq!(
        report.checkpoints,
        [Err(CheckpointProblem::Rewritten { seq: 38 })]
    );
    assert!(!report.holds());
}

#[tokio::test]
async fn a_null_swapped_for_the_text_nul_null_is_found_without_a_checkpoint() {
    let app = app_with_history().await;
    let raw = app.raw().await;
    let entries = raw_entries(&raw).await;
    let target = entries
        .iter()
        .find(|e| e.before_json.is_none() && e.hash_version == HashVersion::CURRENT.number())
        .expect("an entry with no before")
        .clone();
    let swapped = RawEntry {
        before_json: Some("\u{0}null".into()),
        ..target.clone()
    };
    // Under the old rule the swap kept the hash: verification could not see it.
    assert_eq!(
        target.fields().hash(HashVersion::V1),
        swapped.fields().hash(HashVersion::V1)
    );
    let stored = sqlx::query("UPDATE audit_log SET before_json = $1 WHERE seq = $2")
        .bind("\u{0}null".to_string())
        .bind(target.seq)
        .execute(&raw)
        .await;
    if app.store.kind() == DbKind::Postgres {
        // PostgreSQL's text cannot hold NUL: there the swap cannot even be stored.
        assert!(stored.is_err(), "PostgreSQL stored a NUL");
        return;
    }
    stored.unwrap();
    let held: Option<String> =
        sqlx::query_scalar("SELECT before_json FROM audit_log WHERE seq = $1")
            .bind(target.seq)
            .fetch_one(&raw)
            .await
            .unwrap();
    assert_eq!(held.as_deref(), Some("\u{0}null"));
    let broken = app.store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (target.seq, "hash_mismatch"));
}

#[tokio::test]
async fn a_checkpoint_altered_signed_by_another_key_or_of_another_database_fails() {
    let app = app_with_history().await;
    let signed = checkpoint(&app).await;
    let altered = Checkpoint {
        seq: 30,
        ..signed.clone()
    };
    let other_key = Ed25519Signer::from_seed([8; 32]);
    let foreign = app
        .store
        .take_audit_checkpoint(&other_key, None, false)
        .await
        .unwrap()
        .unwrap();
    let forged = Checkpoint {
        key_id: signed.key_id.clone(),
        ..foreign.clone()
    };
    let elsewhere = TestApp::spawn().await;
    let of_another = checkpoint(&elsewhere).await;
    let report = verify(
        &app.store,
        &[
            signed.clone(),
            altered,
            foreign.clone(),
            forged,
            of_another.clone(),
        ],
    )
    .await;
    assert!(report.chain.is_ok());
    assert!(!report.holds());
    let verdicts = report.checkpoints;
    assert_eq!(verdicts[0], Ok(()));
    assert_eq!(
        verdicts[1],
        Err(CheckpointProblem::BadSignature(signed.key_id.clone()))
    );
    assert_eq!(
        verdicts[2],
        Err(CheckpointProblem::UnknownKey {
            key_id: other_key.verifier().key_id(),
            alg: "ed25519".into(),
        })
    );
    assert_eq!(
        verdicts[3],
        Err(CheckpointProblem::BadSignature(signed.key_id.clone()))
    );
    assert_eq!(
        verdicts[4],
        Err(CheckpointProblem::OtherInstance {
            checkpoint: of_another.instance.clone(),
            database: app.store.instance_id().await.unwrap(),
        })
    );
    // With the other key given as well (a key since replaced), its checkpoint holds.
    let public = key().verifier();
    let old = other_key.verifier();
    let keys: [&dyn CheckpointVerifier; 2] = [&public, &old];
    assert!(
        app.store
            .verify_audit(&[signed, foreign], &keys)
            .await
            .unwrap()
            .holds()
    );
}

/// A database made before hash versions: its entries keep verifying under rule 1, new ones
/// are written under rule 2, and an entry moved back to rule 1 after them is refused.
#[tokio::test]
async fn entries_of_an_older_schema_keep_their_rule_and_a_downgrade_is_refused() {
    let scratch = ScratchDatabase::new().await;
    let engine = if scratch.sqlite_path().is_some() {
        "sqlite"
    } else {
        "postgres"
    };
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../store/migrations")
        .join(engine);
    let migrator = sqlx::migrate::Migrator::new(migrations).await.unwrap();
    sqlx::any::install_default_drivers();
    let url = match scratch.sqlite_path() {
        Some(_) => format!("{}?mode=rwc", scratch.url),
        None => scratch.url.clone(),
    };
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    // The schema as it was before hash versions, with three entries the old code wrote.
    migrator.run_to(19, &raw).await.unwrap();
    let mut prev = hazardnet_domain::audit::GENESIS_HASH.to_string();
    for seq in 1..=3_i64 {
        let after = format!(r#"{{"n":{seq}}}"#);
        let fields = AuditFields {
            seq,
            at: "2026-01-05T08:00:00Z",
            actor_id: None,
            actor: "cli:root",
            action: "organization.create",
            entity: "organization",
            entity_id: &seq.to_string(),
            jurisdiction: "",
            before: None,
            after: Some(&after),
            prev_hash: &prev,
        };
        let hash = fields.hash(HashVersion::V1);
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor_id, actor, action, entity, entity_id, \
             jurisdiction, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, NULL, $3, $4, $5, $6, $7, NULL, $8, $9, $10)",
        )
        .bind(seq)
        .bind(fields.at.to_string())
        .bind(fields.actor.to_string())
        .bind(fields.action.to_string())
        .bind(fields.entity.to_string())
        .bind(fields.entity_id.to_string())
        .bind(String::new())
        .bind(after.clone())
        .bind(prev.clone())
        .bind(hash.clone())
        .execute(&raw)
        .await
        .unwrap();
        prev = hash;
    }
    raw.close().await;

    // Upgraded: the old entries are marked rule 1, the next ones are written under rule 2.
    let store = Store::connect(&scratch.url).await.unwrap();
    store.migrate().await.unwrap();
    let n = store.verify_audit_chain().await.unwrap().expect("intact");
    assert!(n > 3);
    let raw = sqlx::AnyPool::connect(&url).await.unwrap();
    let mut entries = raw_entries(&raw).await;
    let versions: Vec<i64> = entries.iter().map(|e| e.hash_version).collect();
    assert_eq!(versions[..3], [1, 1, 1]);
    assert!(versions[3..].iter().all(|v| *v == 2), "{versions:?}");
    let checkpoint = store
        .take_audit_checkpoint(&key(), None, false)
        .await
        .unwrap()
        .unwrap();
    assert!(verify(&store, &[checkpoint]).await.holds());

    // The last entry rewritten under the ambiguous old rule after rule-2 entries: refused.
    let last = entries.last_mut().unwrap();
    last.hash_version = 1;
    last.rehash();
    write_back(&raw, std::slice::from_ref(last)).await;
    let broken = store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (n, "hash_version_downgrade"));
    // A rule number no version has names its entry too.
    sqlx::query("UPDATE audit_log SET hash_version = 9 WHERE seq = $1")
        .bind(n)
        .execute(&raw)
        .await
        .unwrap();
    let broken = store.verify_audit_chain().await.unwrap().unwrap_err();
    assert_eq!((broken.seq, broken.reason), (n, "unknown_hash_version"));
    raw.close().await;
    store.close().await;
}

/// Where a backup goes and how it comes back, per engine: SQLite's online backup (`VACUUM
/// INTO`, a consistent copy while the server writes) copied to another path; PostgreSQL's
/// `pg_dump` restored with `pg_restore` into another database. None when the tools are missing.
async fn back_up_and_restore(
    app: &TestApp,
    backups: &std::path::Path,
    name: &str,
) -> Option<ScratchDatabase> {
    let restored = ScratchDatabase::new().await;
    match restored.sqlite_path() {
        Some(target) => {
            let backup = backups.join(format!("{name}.db"));
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "VACUUM INTO '{}'",
                backup.display()
            )))
            .execute(&app.raw().await)
            .await
            .unwrap();
            std::fs::copy(&backup, &target).unwrap();
        }
        None => {
            let on_path = |tool: &str| {
                std::process::Command::new(tool)
                    .arg("--version")
                    .output()
                    .is_ok_and(|o| o.status.success())
            };
            if !on_path("pg_dump") || !on_path("pg_restore") {
                eprintln!("restore test skipped: pg_dump and pg_restore are not on PATH");
                return None;
            }
            let dump = backups.join(format!("{name}.dump"));
            let out = std::process::Command::new("pg_dump")
                .arg("--format=custom")
                .arg(format!("--file={}", dump.display()))
                .arg(format!("--dbname={}", app.db_url))
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = std::process::Command::new("pg_restore")
                .arg("--no-owner")
                .arg("--exit-on-error")
                .arg(format!("--dbname={}", restored.url))
                .arg(&dump)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "pg_restore: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
    Some(restored)
}

#[tokio::test]
async fn a_restored_backup_verifies_against_the_last_checkpoint() {
    let app = app_with_history().await;
    let backups = tempfile::tempdir().unwrap();
    let first = checkpoint(&app).await;
    add_enterprise(&app, 1).await;
    // A backup from before the last checkpoint, to show what a too-old restore looks like.
    let Some(older) = back_up_and_restore(&app, backups.path(), "older").await else {
        return;
    };
    add_enterprise(&app, 2).await;
    let last = checkpoint(&app).await;
    // The server goes on writing while the backup is taken.
    add_enterprise(&app, 3).await;
    let Some(restored) = back_up_and_restore(&app, backups.path(), "live").await else {
        return;
    };
    add_enterprise(&app, 4).await;

    let file = app.store.checkpoint_file().unwrap();
    let kept = hazardnet_store::parse_checkpoints(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(kept, [first.clone(), last.clone()]);

    let store = Store::connect(&restored.url).await.unwrap();
    store.migrate().await.unwrap();
    assert_eq!(
        store.instance_id().await.unwrap(),
        app.store.instance_id().await.unwrap()
    );
    let report = verify(&store, &kept).await;
    assert!(report.holds(), "{report:?}");
    assert!(report.chain.unwrap() > last.seq);
    store.close().await;

    // The older backup holds the first checkpoint but not the last: what it lost is named.
    let store = Store::connect(&older.url).await.unwrap();
    store.migrate().await.unwrap();
    let report = verify(&store, &kept).await;
    assert_eq!(report.checkpoints[0], Ok(()));
    assert!(
        matches!(report.checkpoints[1], Err(CheckpointProblem::Truncated { seq, .. }) if seq == last.seq),
        "{report:?}"
    );
    store.close().await;
}

/// What a checkpoint receiver saw: the attempts, and the bodies it accepted.
#[derive(Default)]
struct Receiver {
    attempts: std::sync::atomic::AtomicUsize,
    accepted: std::sync::Mutex<Vec<String>>,
}

/// A receiver that fails its first request and accepts the rest.
async fn spawn_receiver() -> (String, std::sync::Arc<Receiver>) {
    use axum::extract::State;
    use std::sync::Arc;
    let seen = Arc::new(Receiver::default());
    let app = axum::Router::new()
        .route(
            "/checkpoints",
            axum::routing::post(
                |State(seen): State<Arc<Receiver>>, body: String| async move {
                    let n = seen
                        .attempts
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if n == 0 {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    seen.accepted.lock().unwrap().push(body);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/checkpoints", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn the_server_signs_a_checkpoint_at_start_and_posts_it_until_accepted() {
    let (url, seen) = spawn_receiver().await;
    let post_url = url.clone();
    let app = TestApp::spawn_with(move |config| {
        config.audit_checkpoints = Some(hazardnet_web::audit_checkpoints::CheckpointSchedule {
            signer: std::sync::Arc::new(key()),
            every: std::time::Duration::from_secs(3600),
            post_url: Some(post_url),
        });
    })
    .await;
    // The first checkpoint comes at start; its first POST fails.
    let mut listed = Vec::new();
    for _ in 0..200 {
        listed = app.store.audit_checkpoints().await.unwrap();
        if !listed.is_empty() && seen.attempts.load(std::sync::atomic::Ordering::SeqCst) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(listed.len(), 1, "one checkpoint at start");
    assert_eq!(seen.attempts.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(seen.accepted.lock().unwrap().is_empty());
    let file = app.store.checkpoint_file().unwrap();
    let kept = hazardnet_store::parse_checkpoints(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(kept, listed);
    // Not retried before its time; retried after it.
    let client = reqwest::Client::new();
    let sent = hazardnet_web::audit_checkpoints::deliver_checkpoints(&app.store, &client, &url)
        .await
        .unwrap();
    assert_eq!(sent, 0);
    app.clock.advance(chrono::Duration::minutes(2));
    let sent = hazardnet_web::audit_checkpoints::deliver_checkpoints(&app.store, &client, &url)
        .await
        .unwrap();
    assert_eq!(sent, 1);
    let accepted = seen.accepted.lock().unwrap().clone();
    assert_eq!(accepted.len(), 1);
    // What the receiver holds verifies with the public key alone.
    let received = Checkpoint::from_line(&accepted[0]).unwrap();
    assert_eq!(received, listed[0]);
    assert_eq!(received.verify_signature(&[&key().verifier()]), Ok(()));
    assert!(verify(&app.store, &[received]).await.holds());
}
