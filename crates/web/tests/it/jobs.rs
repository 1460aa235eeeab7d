//! Deadlines that do not get lost: reminders before, escalation level by level after, exactly
//! once per due moment — across a restart and with two servers on one database.

use crate::helpers::{Session, TestApp};
use chrono::Duration;
use hazardnet_store::Store;
use reqwest::StatusCode;
use serde_json::json;

/// The deadline reminders and escalations in a user's inbox (not the notices of requests).
async fn deadline_inbox(session: &Session) -> Vec<(String, String)> {
    inbox(session)
        .await
        .into_iter()
        .filter(|(kind, _)| matches!(kind.as_str(), "deadline_reminder" | "overdue_escalation"))
        .collect()
}

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
        deadline_inbox(&street).await.is_empty(),
        "the old deadline's jobs are skipped"
    );
    app.clock.advance(Duration::days(12)); // 2026-12-17, three days before the new deadline
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(deadline_inbox(&street).await.len(), 1);
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
    // Accepted by someone other than the enterprise that submitted it (four eyes).
    let (status, _) = street
        .post_json(
            &format!("/api/v1/hazards/{id}/transitions"),
            &json!({"action": "accept"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.clock.advance(Duration::days(60));
    assert_eq!(app.store.run_due_jobs().await.unwrap(), 4);
    assert_eq!(
        deadline_inbox(&street).await.len(),
        1,
        "nothing after closing"
    );
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
        StatusCode::NOT_FOUND,
        "another user's message is absent, like an unknown one"
    );
    assert_eq!(
        street
            .post_json("/api/v1/inbox/999999/read", &json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
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

/// A stand-in HTTPS gateway on a free port, with a certificate signed by a CA of its own.
/// Answers 200 to every request and keeps each body. Returns its URL and the CA's PEM.
async fn https_gateway(
    received: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
) -> (String, String) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "hazardnet test gateway CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let mut leaf_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf_params.subject_alt_names = vec![SanType::IpAddress(std::net::IpAddr::V4(
        std::net::Ipv4Addr::LOCALHOST,
    ))];
    let leaf = leaf_params.signed_by(&leaf_key, &ca, &ca_key).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![leaf.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(std::sync::Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}/sms", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let received = received.clone();
            tokio::spawn(async move {
                // A client that does not trust the CA hangs up during the handshake.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let body_start = loop {
                    let n = tls.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(i) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break i + 4;
                    }
                };
                let head = String::from_utf8_lossy(&request[..body_start]).to_lowercase();
                let length: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .and_then(|v| v.trim().parse().ok())
                    .unwrap_or(0);
                while request.len() < body_start + length {
                    let n = tls.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                if let Ok(body) = serde_json::from_slice(&request[body_start..body_start + length])
                {
                    received.lock().unwrap().push(body);
                }
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, ca.pem())
}

#[tokio::test]
async fn the_webhook_reaches_an_https_gateway_signed_by_its_own_ca() {
    use std::sync::{Arc, Mutex};
    let app = TestApp::spawn_demo().await;
    hazard_due_in_ten_days(&app).await;
    let received: Arc<Mutex<Vec<serde_json::Value>>> = Arc::default();
    let (url, ca_pem) = https_gateway(received.clone()).await;
    let files = tempfile::tempdir().unwrap();
    let ca_file = files.path().join("gateway-ca.pem");
    std::fs::write(&ca_file, &ca_pem).unwrap();
    let junk_file = files.path().join("junk.pem");
    std::fs::write(&junk_file, "not a certificate").unwrap();
    assert!(hazardnet_web::webhook::client(Some(&junk_file)).is_err());
    assert!(hazardnet_web::webhook::client(Some(&files.path().join("missing.pem"))).is_err());

    let store = Store::connect_with_clock(&app.db_url, app.clock.clone())
        .await
        .unwrap()
        .with_data_dir(files.path())
        .with_webhook(true);
    app.clock.advance(Duration::days(7));
    store.run_due_jobs().await.unwrap(); // the reminder: enterprise manager + street office
    // Without the gateway's CA the handshake fails: nothing is sent, nothing is lost.
    let untrusting = hazardnet_web::webhook::client(None).unwrap();
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &untrusting, &url)
            .await
            .unwrap(),
        0
    );
    assert!(received.lock().unwrap().is_empty());
    // With it, both messages go through on the retry, once each.
    app.clock.advance(Duration::minutes(2));
    let trusting = hazardnet_web::webhook::client(Some(&ca_file)).unwrap();
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &trusting, &url)
            .await
            .unwrap(),
        2
    );
    app.clock.advance(Duration::hours(1));
    assert_eq!(
        hazardnet_web::webhook::deliver_webhooks(&store, &trusting, &url)
            .await
            .unwrap(),
        0,
        "once each"
    );
    let received = received.lock().unwrap().clone();
    assert_eq!(received.len(), 2);
    let ids: std::collections::BTreeSet<i64> =
        received.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 2, "no message twice");
    store.close().await;
}

/// A major hazard recorded by the enterprise: the street office and the district's offices hear
/// at once (on the runner's next turn), each once, and the enterprise is not told of its own.
#[tokio::test]
async fn a_major_hazard_reported_notifies_the_offices_over_it_at_once() {
    let app = TestApp::spawn_full_demo().await;
    let enterprise = app.bearer("enterprise").await;
    let (_, me) = enterprise.get_json("/api/v1/me").await;
    let own = me["enterprise_id"].as_i64().unwrap();
    let (_, number) =
        crate::helpers::record_hazard(&enterprise, own, "安全出口被锁闭", "major").await;
    app.store.run_due_jobs().await.unwrap();
    app.store.run_due_jobs().await.unwrap();
    for (user, told) in [
        ("street-office", true),
        ("district-office", true),
        ("chengzhong-street", false),
        ("enterprise", false),
        ("leader", false),
    ] {
        let (_, inbox) = app.bearer(user).await.get_json("/api/v1/inbox").await;
        let notices: Vec<&serde_json::Value> = inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| {
                m["kind"] == "major_reported"
                    && m["title"].as_str().is_some_and(|t| t.contains(&number))
            })
            .collect();
        assert_eq!(notices.len(), usize::from(told), "{user}: {inbox}");
    }
}

/// The messages of `kind` about hazard `number` in `user`'s inbox.
async fn notices(app: &TestApp, user: &str, kind: &str, number: &str) -> Vec<serde_json::Value> {
    let (_, inbox) = app.bearer(user).await.get_json("/api/v1/inbox").await;
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == kind && m["title"].as_str().is_some_and(|t| t.contains(number)))
        .cloned()
        .collect()
}

/// An extension request reaches those who may decide it; the decision reaches the enterprise.
#[tokio::test]
async fn an_extension_request_and_its_decision_are_told_to_who_must_hear() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let (_, me) = manager.get_json("/api/v1/me").await;
    let own = me["enterprise_id"].as_i64().unwrap();
    let (id, number) =
        crate::helpers::record_hazard(&manager, own, "疏散指示标志损坏", "general").await;
    let path = format!("/api/v1/hazards/{id}/transitions");
    let (status, _) = manager
        .post_json(
            &path,
            &json!({"action": "confirm", "deadline": "2026-11-30"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = manager
        .post_json(
            &path,
            &json!({"action": "request_extension", "new_deadline": "2026-12-15", "reason": "配件需订货"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.store.run_due_jobs().await.unwrap();
    for (user, told) in [
        ("street-office", true),
        ("district-office", true),
        ("enterprise", false),
    ] {
        let got = notices(&app, user, "extension_requested", &number).await;
        assert_eq!(got.len(), usize::from(told), "{user}: {got:?}");
    }
    let street = app.bearer("street-office").await;
    let (status, _) = street
        .post_json(
            &path,
            &json!({"action": "decide_extension", "approve": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    app.store.run_due_jobs().await.unwrap();
    let approved = notices(&app, "enterprise", "extension_approved", &number).await;
    assert_eq!(approved.len(), 1);
    assert!(approved[0]["body"].as_str().unwrap().contains("2026-12-15"));
    assert!(
        notices(&app, "street-office", "extension_approved", &number)
            .await
            .is_empty()
    );
}
