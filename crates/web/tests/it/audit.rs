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
