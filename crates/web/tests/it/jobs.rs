//! Deadlines that do not get lost: reminders before, escalation level by level after, exactly
//! once per due moment — across a restart and with two servers on one database.

use crate::helpers::{Session, TestApp};
use chrono::Duration;
use hazardnet_store::Store;
use reqwest::StatusCode;
use serde_json::json;

async fn inbox(session: &Session) -> Vec<(String, String)> {
    let (status, body) = session.get_json("/api/v1/inbox").await;
    assert_eq!(status, StatusCode::OK);
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_string(),
                m["body"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Reports a general hazard at the demo's first enterprise with a deadline 10 days out.
async fn hazard_due_in_ten_days(app: &TestApp) -> i64 {
    let manager = app.bearer("enterprise").await;
    let (_, me) = manager.get_json("/api/v1/me").await;
    let (status, created) = manager
        .post_json(
            "/api/v1/hazards",
            &json!({"enterprise_id": me["enterprise_id"], "title": "应急照明灯不亮", "level": "general", "category": "21", "source": "self_inspection"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_i64().unwrap();
    // The test clock stands at 2026-11-23 10:00 China time.
    let (status, _) = manager
        .post_json(
            &format!("/api/v1/hazards/{id}/transitions"),
            &json!({"action": "confirm", "deadline": "2026-12-03"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    id
}

#[tokio::test]
async fn reminders_come_before_the_deadline_and_escalation_climbs_after_it() {
    let app = TestApp::spawn_demo().await;
    let id = hazard_due_in_ten_days(&app).await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let district = app.bearer("district-office").await;
    let regulator = app.bearer("regulator").await;
    assert_eq!(
        app.store.run_due_jobs().await.unwrap(),
        0,
        "nothing is due yet"
    );

    // 2026-11-30 10:00: three days before the deadline.
    app.clock.advance(Duration::days(7));
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 1);
    assert_eq!(
        app.store.run_due_jobs().await.unwrap(),
        0,
        "once per due moment"
    );
    assert_eq!(inbox(&manager).await.len(), 1);
    let street_messages = inbox(&street).await;
    assert_eq!(street_messages.len(), 1);
    assert_eq!(street_messages[0].0, "deadline_reminder");
    assert!(inbox(&district).await.is_empty());

    // 2026-12-04: the day after the deadline — the street office hears first.
    app.clock.advance(Duration::days(4));
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 1);
    let street_messages = inbox(&street).await;
    assert_eq!(street_messages[0].0, "overdue_escalation");
    assert!(street_messages[0].1.contains("公园街道"));
    assert_eq!(inbox(&manager).await.len(), 2);
    assert!(inbox(&district).await.is_empty());
    // A week later still open: the district's office and the regulator of its industry.
    app.clock.advance(Duration::days(7));
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 1);
    for session in [&district, &regulator] {
        let messages = inbox(session).await;
        assert_eq!(messages.len(), 1);
        assert!(messages[0].1.contains("城中区"));
    }
    assert_eq!(
        inbox(&manager).await.len(),
        2,
        "the enterprise is told once that it is overdue"
    );
    let (_, history) = street
        .get_json(&format!("/api/v1/hazards/{id}/history"))
        .await;
    let escalations = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "hazard.overdue_escalation")
        .count();
    assert_eq!(escalations, 2);
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn a_closed_hazard_or_a_moved_deadline_stops_its_jobs() {
    let app = TestApp::spawn_demo().await;
    let id = hazard_due_in_ten_days(&app).await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    // Extension approved: the old deadline's jobs fall silent, the new one's take over.
    manager
        .post_json(&format!("/api/v1/hazards/{id}/transitions"), &json!({"action": "request_extension", "new_deadline": "2026-12-20", "reason": "等待配件"}))
        .await;
    let (status, _) = street
        .post_json(
            &format!("/api/v1/hazards/{id}/transitions"),
            &json!({"action": "decide_extension", "approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(Duration::days(12)); // past the old deadline, before the new one's reminder
    app.store.run_due_jobs().await.unwrap();
    assert!(
        inbox(&street).await.is_empty(),
        "the old deadline's jobs are skipped"
    );
    app.clock.advance(Duration::days(12)); // 2026-12-17, three days before the new deadline
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(inbox(&street).await.len(), 1);
    // The new deadline's three escalation steps wait, and the old one's last step (it will be
    // skipped when due).
    assert_eq!(app.store.pending_jobs().await.unwrap(), 4);
    // Closing it silences them.
    let (_, files) = manager
        .upload(
            &format!("/api/v1/hazards/{id}/evidence"),
            "a.pdf",
            b"%PDF-1.4".to_vec(),
        )
        .await;
    let evidence = files["id"].as_i64().unwrap();
    manager
        .post_json(
            &format!("/api/v1/hazards/{id}/transitions"),
            &json!({"action": "submit", "evidence": [evidence]}),
        )
        .await;
    let (status, _) = manager
        .post_json(
            &format!("/api/v1/hazards/{id}/transitions"),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(Duration::days(60));
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 4);
    assert_eq!(inbox(&street).await.len(), 1, "nothing after closing");
}

#[tokio::test]
async fn jobs_survive_a_restart_and_two_servers_deliver_each_once() {
    let app = TestApp::spawn_demo().await;
    hazard_due_in_ten_days(&app).await;
    hazard_due_in_ten_days(&app).await;
    // A "restarted" server: a new store on the same database, a moved clock.
    let files = tempfile::tempdir().unwrap();
    let restarted = Store::connect_with_clock(&app.db_url, app.clock.clone())
        .await
        .unwrap()
        .with_data_dir(files.path());
    let second = Store::connect_with_clock(&app.db_url, app.clock.clone())
        .await
        .unwrap()
        .with_data_dir(files.path());
    app.clock.advance(Duration::days(30));
    let (a, b) = tokio::join!(restarted.run_due_jobs(), second.run_due_jobs());
    let (a, b) = (a.unwrap(), b.unwrap());
    // Two hazards × (reminder + 3 escalation steps), each run by exactly one of the two.
    assert_eq!(a + b, 8, "{a} + {b}");
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 0);
    let street = app.bearer("street-office").await;
    let messages = inbox(&street).await;
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.0 == "deadline_reminder")
            .count(),
        2
    );
    assert_eq!(
        messages
            .iter()
            .filter(|m| m.0 == "overdue_escalation")
            .count(),
        2
    );
    restarted.close().await;
    second.close().await;
}

#[tokio::test]
async fn the_inbox_is_personal() {
    let app = TestApp::spawn_demo().await;
    hazard_due_in_ten_days(&app).await;
    app.clock.advance(Duration::days(7));
    app.store.run_due_jobs().await.unwrap();
    let street = app.bearer("street-office").await;
    let (_, body) = street.get_json("/api/v1/inbox?unread=true").await;
    assert_eq!(body["unread"], 1);
    let id = body["items"][0]["id"].as_i64().unwrap();
    let expert = app.bearer("expert").await;
    assert_eq!(
        expert
            .post_json(&format!("/api/v1/inbox/{id}/read"), &json!({}))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let (_, body) = street.get_json("/api/v1/inbox?unread=true").await;
    assert_eq!(
        body["unread"], 1,
        "someone else cannot mark my message read"
    );
    street
        .post_json(&format!("/api/v1/inbox/{id}/read"), &json!({}))
        .await;
    let (_, body) = street.get_json("/api/v1/inbox?unread=true").await;
    assert_eq!(body["unread"], 0);
    let session = app.login("street-office", "hazardnet-demo").await;
    let html = session.get("/inbox").await.text().await.unwrap();
    assert!(
        html.contains("应急照明灯不亮") && html.contains("2026-12-03"),
        "{html}"
    );
}

#[tokio::test]
async fn the_webhook_delivers_each_message_once_and_retries_a_failing_gateway() {
    use std::sync::{Arc, Mutex};
    let app = TestApp::spawn_demo().await;
    hazard_due_in_ten_days(&app).await;
    // A gateway stand-in on a free port: it refuses the first request, then takes the rest.
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let gateway = {
        let (received, calls) = (received.clone(), calls.clone());
        axum::Router::new().route(
            "/sms",
            axum::routing::post(move |axum::Json(body): axum::Json<serde_json::Value>| {
                let (received, calls) = (received.clone(), calls.clone());
                async move {
                    if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    received.lock().unwrap().push(body);
                    StatusCode::OK
                }
            }),
        )
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, gateway).await.unwrap() });

    let files = tempfile::tempdir().unwrap();
    let store = Store::connect_with_clock(&app.db_url, app.clock.clone())
        .await
        .unwrap()
        .with_data_dir(files.path())
        .with_webhook(true);
    app.clock.advance(Duration::days(7));
    store.run_due_jobs().await.unwrap(); // the reminder: enterprise manager + street office
    let client = reqwest::Client::new();
    let first = hazardnet_web::webhook::deliver_webhooks(&store, &client, &url)
        .await
        .unwrap();
    assert_eq!(first, 1, "the first try failed, the second went through");
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &client, &url)
            .await
            .unwrap(),
        0,
        "the failed one waits"
    );
    app.clock.advance(Duration::minutes(2));
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &client, &url)
            .await
            .unwrap(),
        1,
        "retried"
    );
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &client, &url)
            .await
            .unwrap(),
        0,
        "once each"
    );
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|m| m["text"].as_str().unwrap().contains("应急照明灯不亮"))
    );
    assert!(
        received
            .iter()
            .any(|m| m["to"]["username"] == "street-office")
    );
    store.close().await;
}
