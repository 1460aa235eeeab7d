//! Signing in, sessions, tokens, CSRF, lockout and the error format.

use crate::helpers::TestApp;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn login_me_and_logout() {
    let app = TestApp::spawn_demo().await;
    let session = app.login("street-office", "hazardnet-demo").await;
    let (status, me) = session.get_json("/api/v1/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["role"], "territorial_clerk");
    assert_eq!(me["organization"], "公园街道办事处");

    let r = session
        .client
        .delete(app.url("/api/v1/session"))
        .header("x-csrf-token", session.csrf.clone().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    // The server forgot the session: reusing the old cookie value is refused.
    let (status, body) = session.get_json("/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn wrong_password_is_refused_in_chinese_by_default_and_english_on_request() {
    let app = TestApp::spawn_demo().await;
    let anon = app.anonymous();
    let (status, body) = anon
        .post_json(
            "/api/v1/session",
            &json!({"username": "admin", "password": "wrong-password"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_credentials");
    assert_eq!(body["error"]["message"], "用户名或密码错误。");
    let r = anon
        .client
        .post(app.url("/api/v1/session"))
        .header("accept-language", "en-US,en;q=0.9")
        .json(&json!({"username": "nobody", "password": "wrong-password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["message"], "Wrong username or password.");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_until_the_lockout_passes() {
    let app = TestApp::spawn_demo().await;
    let anon = app.anonymous();
    for _ in 0..5 {
        let (status, _) = anon
            .post_json(
                "/api/v1/session",
                &json!({"username": "regulator", "password": "not-the-password"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Locked: even the right password is refused now.
    let (status, body) = anon
        .post_json(
            "/api/v1/session",
            &json!({"username": "regulator", "password": "hazardnet-demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "account_locked");
    app.clock.advance(chrono::Duration::minutes(16));
    app.login("regulator", "hazardnet-demo").await;
}

#[tokio::test]
async fn idle_sessions_expire() {
    let app = TestApp::spawn_demo().await;
    let session = app.login("admin", "hazardnet-demo").await;
    app.clock.advance(chrono::Duration::minutes(90));
    assert_eq!(session.get("/api/v1/me").await.status(), StatusCode::OK);
    app.clock.advance(chrono::Duration::minutes(121));
    assert_eq!(
        session.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_and_bearer_tokens_do_not() {
    let app = TestApp::spawn_demo().await;
    let mut session = app.login("street-office", "hazardnet-demo").await;
    let body = crate::helpers::enterprise_body(
        "新登记企业",
        &crate::helpers::credit_code(1),
        "450202002000",
        "62",
    );
    let csrf = session.csrf.take();
    let (status, err) = session.post_json("/api/v1/enterprises", &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(err["error"]["code"], "csrf");
    session.csrf = Some("forged".into());
    assert_eq!(
        session.post_json("/api/v1/enterprises", &body).await.0,
        StatusCode::FORBIDDEN
    );
    session.csrf = csrf;
    assert_eq!(
        session.post_json("/api/v1/enterprises", &body).await.0,
        StatusCode::CREATED
    );

    let token = app.bearer("street-office").await;
    let body = crate::helpers::enterprise_body(
        "另一家企业",
        &crate::helpers::credit_code(2),
        "450202002000",
        "61",
    );
    assert_eq!(
        token.post_json("/api/v1/enterprises", &body).await.0,
        StatusCode::CREATED
    );
    let mut bad = app.anonymous();
    bad.bearer = Some("hn_not-a-token".into());
    assert_eq!(
        bad.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions_and_tokens() {
    let app = TestApp::spawn_demo().await;
    let admin = app.login("admin", "hazardnet-demo").await;
    let victim = app.login("expert", "hazardnet-demo").await;
    let token = app.bearer("expert").await;
    let (status, _) = admin
        .post_json("/api/v1/users/expert/disable", &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        victim.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        token.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .anonymous()
        .post_json(
            "/api/v1/session",
            &json!({"username": "expert", "password": "hazardnet-demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_admin_keeps_every_account_and_offices_only_their_area() {
    let app = TestApp::spawn_demo().await;
    for username in ["enterprise", "expert", "leader"] {
        let session = app.bearer(username).await;
        assert_eq!(
            session.get("/api/v1/users").await.status(),
            StatusCode::FORBIDDEN,
            "{username}"
        );
    }
    let clerk = app.bearer("district-office").await;
    let (status, users) = clerk.get_json("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    // Every demo account but the administrator's (the system's office lies outside the district).
    assert_eq!(users["total"], 6);
    let admin = app.bearer("admin").await;
    let (status, users) = admin.get_json("/api/v1/users").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(users["total"], 7);
    let org = app
        .store
        .organization_by_name("公园街道办事处")
        .await
        .unwrap();
    let new = json!({"username": "grid-1", "display_name": "网格员一", "org_id": org.id, "role": "grid_supervisor", "password": "long-enough-pw"});
    assert_eq!(
        admin.post_json("/api/v1/users", &new).await.0,
        StatusCode::CREATED
    );
    let (status, body) = admin.post_json("/api/v1/users", &new).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "duplicate_username");
    let bad_role = json!({"username": "grid-2", "display_name": "x", "org_id": org.id, "role": "expert", "password": "long-enough-pw"});
    assert_eq!(
        admin.post_json("/api/v1/users", &bad_role).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let weak = json!({"username": "grid-3", "display_name": "x", "org_id": org.id, "role": "grid_supervisor", "password": "short"});
    let (status, body) = admin.post_json("/api/v1/users", &weak).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "weak_password");
    app.login("grid-1", "long-enough-pw").await;
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = TestApp::spawn().await;
    let (status, doc) = app.anonymous().get_json("/api/v1/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/session",
        "/api/v1/enterprises",
        "/api/v1/enterprises/{id}",
        "/api/v1/users",
        "/api/v1/jurisdictions",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    assert!(doc["components"]["schemas"]["EnterpriseInput"].is_object());
}

#[tokio::test]
async fn one_address_spraying_many_accounts_is_throttled() {
    let app = TestApp::spawn_demo().await;
    let anon = app.anonymous();
    for n in 0..hazardnet_web::throttle::MAX_FAILURES_PER_WINDOW {
        let (status, _) = anon
            .post_json(
                "/api/v1/session",
                &json!({"username": format!("guess-{n}"), "password": "Password123"}),
            )
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Now even a correct password from this address waits.
    let (status, body) = anon
        .post_json(
            "/api/v1/session",
            &json!({"username": "admin", "password": "hazardnet-demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["code"], "too_many_attempts");
}
