//! The holes found by trying the server as an attacker would, each kept closed: parallel
//! password guesses, username enumeration, login CSRF, session fixation after a second login,
//! the redirect after login, password changes and strength, security headers, the JSON shape of
//! every API error, the OpenAPI document's references, and invisible characters in names.

use crate::helpers::{TestApp, credit_code, enterprise_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn try_login(app: &TestApp, username: &str, password: &str) -> StatusCode {
    app.anonymous()
        .post_json(
            "/api/v1/session",
            &json!({"username": username, "password": password}),
        )
        .await
        .0
}

#[tokio::test]
async fn thirty_parallel_guesses_lock_the_account_after_five() {
    let app = TestApp::spawn_demo().await;
    let url = app.url("/api/v1/session");
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..30 {
        let url = url.clone();
        guesses.spawn(async move {
            reqwest::Client::new()
                .post(url)
                .json(&json!({"username": "street-office", "password": format!("wrong-guess-{n}")}))
                .send()
                .await
                .expect("login request")
                .status()
        });
    }
    let statuses = guesses.join_all().await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let locked = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(checked + locked, 30, "{statuses:?}");
    assert!(checked <= 5, "{checked} guesses were verified");
    // The lock holds: even the right password waits.
    assert_eq!(
        try_login(&app, "street-office", "hazardnet-demo").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    let pool = app.raw().await;
    let locked_until: Option<String> =
        sqlx::query_scalar("SELECT locked_until FROM users WHERE username = 'street-office'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(locked_until.is_some());
    // After the lockout, the right password works again.
    app.clock.advance(chrono::Duration::minutes(16));
    assert_eq!(
        try_login(&app, "street-office", "hazardnet-demo").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn an_unknown_username_answers_like_a_real_one() {
    let app = TestApp::spawn_demo().await;
    let mut real = vec![];
    let mut unknown = vec![];
    for n in 0..7 {
        real.push(try_login(&app, "regulator", &format!("wrong-{n}")).await);
        unknown.push(try_login(&app, "no-such-user", &format!("wrong-{n}")).await);
    }
    assert_eq!(real, unknown);
    assert_eq!(real[4], StatusCode::UNAUTHORIZED);
    assert_eq!(real[5], StatusCode::TOO_MANY_REQUESTS);
}

fn login_csrf_of(html: &str) -> String {
    crate::ui::login_csrf_of(html)
}

#[tokio::test]
async fn a_cross_site_login_form_signs_nobody_in() {
    let app = TestApp::spawn_demo().await;
    // A hostile page posts the form without the token (it cannot read the cookie's pair).
    let victim = app.anonymous();
    let r = victim
        .client
        .post(app.url("/login"))
        .form(&[("username", "enterprise"), ("password", "hazardnet-demo")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.headers()
            .get("set-cookie")
            .is_none_or(|c| { !c.to_str().unwrap().starts_with("hn_session=") })
    );
    // A token from another browser's form does not pair with this browser's cookie.
    let other = app.anonymous();
    let token = login_csrf_of(&other.get("/login").await.text().await.unwrap());
    victim.get("/login").await;
    let r = victim
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "enterprise"),
            ("password", "hazardnet-demo"),
            ("login_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        victim.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

/// Signs in through the form with `next`, returning the Location answered and the session id
/// the server set.
async fn form_login_to(app: &TestApp, next: &str) -> (crate::helpers::Session, String, String) {
    let session = app.anonymous();
    let token = login_csrf_of(&session.get("/login").await.text().await.unwrap());
    let r = session
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "street-office"),
            ("password", "hazardnet-demo"),
            ("next", next),
            ("login_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "next={next:?}");
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let cookie = session_id_set_by(&r);
    (session, location, cookie)
}

fn session_id_set_by(r: &reqwest::Response) -> String {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|c| c.to_str().ok()?.strip_prefix("hn_session="))
        .map(|c| c.split(';').next().unwrap_or("").to_string())
        .next()
        .expect("a session cookie")
}

#[tokio::test]
async fn after_login_only_local_paths_are_followed_and_the_old_session_ends() {
    let app = TestApp::spawn_demo().await;
    for (next, want) in [
        ("/hazards", "/hazards"),
        ("/\t/evil.example/", "/"),
        ("/\n/x", "/"),
        ("//evil.example", "/"),
        ("/\\evil.example", "/"),
        ("https://evil.example/", "/"),
    ] {
        let (_, location, _) = form_login_to(&app, next).await;
        assert_eq!(location, want, "next={next:?}");
    }
    // Signing in again in the same browser ends the first session.
    let (session, _, old_cookie) = form_login_to(&app, "/").await;
    assert_eq!(session.get("/api/v1/me").await.status(), StatusCode::OK);
    let token = login_csrf_of(&session.get("/login").await.text().await.unwrap());
    let r = session
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", "street-office"),
            ("password", "hazardnet-demo"),
            ("login_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let replay = reqwest::Client::new()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("hn_session={old_cookie}"))
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(session.get("/api/v1/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn changing_ones_own_password_needs_the_current_one_and_a_strong_new_one() {
    let app = TestApp::spawn_demo().await;
    let me = app.bearer("street-office").await;
    let path = "/api/v1/users/street-office/password";
    let (status, body) = me
        .post_json(path, &json!({"password": "a-new-long-passphrase-2026"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = me
        .post_json(
            path,
            &json!({"password": "a-new-long-passphrase-2026", "current_password": "not-it-at-all"}),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("wrong_current_password")
        )
    );
    for weak in ["1234567890", "password12", "            ", "street-office1"] {
        let (status, body) = me
            .post_json(
                path,
                &json!({"password": weak, "current_password": "hazardnet-demo"}),
            )
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("weak_password")),
            "{weak:?}"
        );
    }
    // A password over the login bound is refused at creation too.
    let (status, _) = me
        .post_json(
            path,
            &json!({"password": "长".repeat(400), "current_password": "hazardnet-demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = me
        .post_json(
            path,
            &json!({"password": "a-new-long-passphrase-2026", "current_password": "hazardnet-demo"}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    assert_eq!(
        try_login(&app, "street-office", "a-new-long-passphrase-2026").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let app = TestApp::spawn_demo().await;
    let session = app.login("street-office", "hazardnet-demo").await;
    for path in [
        "/",
        "/login",
        "/hazards",
        "/api/v1/me",
        "/api/v1/hazards",
        "/nope",
    ] {
        let r = session.get(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && csp.contains("frame-ancestors 'none'")
                && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["cache-control"], "no-store", "{path}");
    }
    let css = session.get("/static/app.css").await;
    assert_eq!(css.headers()["x-content-type-options"], "nosniff");
    assert_ne!(css.headers()["cache-control"], "no-store");
    // No page carries inline script or style that the policy would block.
    for path in [
        "/",
        "/hazards",
        "/hazards/dashboard",
        "/enterprises",
        "/campaigns",
    ] {
        let html = session.get(path).await.text().await.unwrap();
        assert!(
            !html.contains("<script>") && !html.contains("style=\""),
            "{path}"
        );
    }
}

#[tokio::test]
async fn every_api_error_is_json() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    let json_error = |r: &reqwest::Response| {
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    };
    for (method, path, body) in [
        ("GET", "/api/v1/hazards/not-a-number", None),
        ("GET", "/api/v1/no-such-thing", None),
        ("DELETE", "/api/v1/enterprises", None),
        (
            "POST",
            "/api/v1/enterprises",
            Some(vec![b'x'; 30 * 1024 * 1024]),
        ),
    ] {
        let request = admin
            .client
            .request(method.parse().unwrap(), app.url(path))
            .bearer_auth(admin.bearer.clone().unwrap());
        let request = match body {
            Some(b) => request.header("content-type", "application/json").body(b),
            None => request,
        };
        let r = request.send().await.unwrap();
        let status = r.status();
        assert!(status.is_client_error(), "{method} {path}: {status}");
        assert!(json_error(&r), "{method} {path}: {status}");
        let body: Value = r.json().await.unwrap();
        assert!(body["error"]["code"].is_string(), "{method} {path}: {body}");
        assert!(
            body["error"]["message"].is_string(),
            "{method} {path}: {body}"
        );
    }
}

#[tokio::test]
async fn the_openapi_document_has_no_dangling_references() {
    let app = TestApp::spawn().await;
    let (_, doc) = app.anonymous().get_json("/api/v1/openapi.json").await;
    fn refs(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref"
                        && let Some(s) = v.as_str()
                    {
                        out.push(s.to_string());
                    }
                    refs(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| refs(i, out)),
            _ => {}
        }
    }
    let mut all = vec![];
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {r}"
        );
    }
}

#[tokio::test]
async fn names_with_invisible_or_bidirectional_characters_are_refused() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    for (n, name) in [
        "佰迪乐\u{200B}KTV",
        "东都\u{202E}店酒好",
        "好\u{2066}酒店\u{2069}",
        "\u{FEFF}酒店",
    ]
    .iter()
    .enumerate()
    {
        let (status, body) = admin
            .post_json(
                "/api/v1/enterprises",
                &enterprise_body(name, &credit_code(900 + n), "450202002000", "61"),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}: {body}");
        assert_eq!(body["error"]["code"], "invalid_value");
    }
}

#[tokio::test]
async fn an_administrator_cannot_disable_their_own_account() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    let (status, body) = admin
        .post_json("/api/v1/users/admin/disable", &json!({}))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("cannot_disable_self")
        )
    );
    assert_eq!(admin.get("/api/v1/me").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_largest_page_number_is_an_empty_page() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    for list in [
        "/api/v1/hazards",
        "/api/v1/enterprises",
        "/api/v1/inspections",
        "/api/v1/enforcement",
        "/api/v1/campaigns",
    ] {
        let path = format!("{list}?page={}&per_page=27", i64::MAX);
        let (status, body) = admin.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{path}");
    }
    let page = admin
        .get(&format!("/hazards?page={}", i64::MAX))
        .await
        .status();
    assert!(page.is_success() || page.is_redirection(), "{page}");
}

#[tokio::test]
async fn a_tampered_evidence_file_is_refused_clearly_and_the_administrators_are_told() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let enterprise = crate::helpers::first_enterprise(&clerk).await;
    let (hazard, _) =
        crate::helpers::record_hazard(&clerk, enterprise, "配电箱未接地", "general").await;
    let photo = b"%PDF-1.4 the signed rectification report".to_vec();
    let (status, body) = clerk
        .upload(
            &format!("/api/v1/hazards/{hazard}/evidence"),
            "整改报告.pdf",
            photo,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (id, sha) = (
        body["id"].as_i64().unwrap(),
        body["sha256"].as_str().unwrap().to_string(),
    );
    // A document is downloaded, never rendered from this origin.
    let download = clerk.get(&format!("/api/v1/evidence/{id}")).await;
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment;")
    );
    let path = app.files.path().join("evidence").join(&sha[..2]).join(&sha);
    std::fs::write(&path, b"%PDF-1.4 a different report").unwrap();
    for _ in 0..2 {
        let (status, body) = clerk.get_json(&format!("/api/v1/evidence/{id}")).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::INTERNAL_SERVER_ERROR, Some("file_tampered")),
            "{body}"
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("SHA-256")
        );
    }
    // A removed file is told the same way.
    std::fs::remove_file(&path).unwrap();
    let (_, body) = clerk.get_json(&format!("/api/v1/evidence/{id}")).await;
    assert_eq!(body["error"]["code"], "file_tampered");
    // The administrator hears of it once.
    let (_, inbox) = app.bearer("admin").await.get_json("/api/v1/inbox").await;
    let alerts: Vec<&Value> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "file_tampered")
        .collect();
    assert_eq!(alerts.len(), 1, "{inbox}");
}
