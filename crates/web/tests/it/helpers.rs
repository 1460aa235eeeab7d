//! `TestApp::spawn()`: a real server on port 0 over a fresh database.

use chrono::{TimeZone, Utc};
use hazardnet_store::{Clock, Store};
use hazardnet_web::Config;
use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use std::time::Duration;

pub struct TestApp {
    pub base: String,
    pub store: Store,
    pub db_url: String,
    pub clock: Clock,
    /// The store's data directory (evidence files, the audit checkpoint file).
    pub files: tempfile::TempDir,
    _database: TestDatabase,
}

/// An empty database of the engine under test, removed when dropped: for restoring a backup
/// into, or for building a database the way an earlier version did.
pub struct ScratchDatabase {
    pub url: String,
    _database: TestDatabase,
}

impl ScratchDatabase {
    pub async fn new() -> ScratchDatabase {
        let (url, database) = fresh_database().await;
        ScratchDatabase {
            url,
            _database: database,
        }
    }

    /// The SQLite file's path (None on PostgreSQL).
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        self.url
            .strip_prefix("sqlite://")
            .map(std::path::PathBuf::from)
    }
}

/// What a test's database is kept in, removed when the test ends: a temporary directory, or
/// a PostgreSQL database of its own (dropped, so that repeated runs do not fill the disk).
enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime, which cannot be blocked on: a thread of its
            // own with a small runtime does the work. FORCE ends the server's connections.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    use sqlx::Connection;
                    let mut conn = sqlx::PgConnection::connect(&admin_url).await.ok()?;
                    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&mut conn)
                    .await
                    .ok()
                })
            });
            let _ = dropped.join();
        }
    }
}

async fn fresh_database() -> (String, TestDatabase) {
    match std::env::var("HAZARDNET_TEST_PG") {
        Ok(admin_url) if !admin_url.is_empty() => {
            use sqlx::Connection;
            let name = format!("hn_test_{:016x}", rand::random::<u64>());
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("connect to HAZARDNET_TEST_PG");
            sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .expect("create test database");
            let base = admin_url
                .rsplit_once('/')
                .map(|(b, _)| b)
                .unwrap_or(&admin_url);
            let url = format!("{base}/{name}");
            (url, TestDatabase::Postgres { admin_url, name })
        }
        _ => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            (url, TestDatabase::Sqlite(dir))
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// A server whose configuration `configure` changes first.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        let (db_url, dir) = fresh_database().await;
        // A fixed clock lets tests move time (idle sessions, lockouts) without sleeping.
        let clock = Clock::fixed(Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0).unwrap());
        let files = tempfile::tempdir().expect("tempdir");
        let store = Store::connect_with_clock(&db_url, clock.clone())
            .await
            .expect("connect")
            .with_data_dir(files.path());
        store.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let server_store = store.clone();
        let mut config = Config {
            secure_cookies: false,
            job_interval: None,
            webhook_url: None,
            webhook_ca: None,
            statistics_interval: None,
            audit_checkpoints: None,
        };
        configure(&mut config);
        tokio::spawn(async move {
            hazardnet_web::serve(listener, server_store, config)
                .await
                .expect("serve");
        });
        let app = TestApp {
            base,
            store,
            db_url,
            clock,
            files,
            _database: dir,
        };
        let client = Client::new();
        for _ in 0..100 {
            if let Ok(r) = client.get(app.url("/healthz")).send().await
                && r.status().is_success()
            {
                return app;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("server did not become healthy");
    }

    /// A server with the demo's registry (organizations, accounts, enterprises) and an empty
    /// hazard ledger.
    pub async fn spawn_demo() -> TestApp {
        let app = TestApp::spawn().await;
        let loaded = hazardnet_store::demo::load_demo_registry(&app.store)
            .await
            .expect("demo");
        assert!(loaded.is_some());
        app
    }

    /// A server with the whole demo, hazards included.
    pub async fn spawn_full_demo() -> TestApp {
        let app = TestApp::spawn().await;
        assert!(
            hazardnet_store::demo::load_demo(&app.store)
                .await
                .expect("demo")
        );
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn anonymous(&self) -> Session {
        Session {
            client: Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            base: self.base.clone(),
            csrf: None,
            bearer: None,
        }
    }

    /// Signs in through `POST /api/v1/session` and keeps the cookie and CSRF token.
    pub async fn login(&self, username: &str, password: &str) -> Session {
        let mut session = self.anonymous();
        let response = session
            .client
            .post(self.url("/api/v1/session"))
            .json(&serde_json::json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("login request");
        assert_eq!(response.status(), StatusCode::OK, "login as {username}");
        let body: Value = response.json().await.expect("json");
        session.csrf = body["csrf_token"].as_str().map(str::to_string);
        session
    }

    /// A session that authenticates with a fresh API token (no cookie, no CSRF).
    pub async fn bearer(&self, username: &str) -> Session {
        let token = self
            .store
            .create_api_token(&hazardnet_store::Actor::system("test"), username, "test")
            .await
            .expect("token");
        let mut session = self.anonymous();
        session.bearer = Some(token);
        session
    }

    /// A raw connection to the same database, for tampering behind the application's back.
    pub async fn raw(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.db_url)
            .await
            .expect("raw connect")
    }
}

pub struct Session {
    pub client: Client,
    pub base: String,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl Session {
    fn with_auth(&self, mut request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(csrf) = &self.csrf {
            request = request.header("x-csrf-token", csrf);
        }
        request
    }

    pub async fn get(&self, path: &str) -> Response {
        self.with_auth(self.client.get(format!("{}{}", self.base, path)))
            .send()
            .await
            .expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let r = self.get(path).await;
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        let r = self
            .with_auth(self.client.post(format!("{}{}", self.base, path)))
            .json(body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn put_json(
        &self,
        path: &str,
        body: &Value,
        if_match: Option<i64>,
    ) -> (StatusCode, Value) {
        let mut request = self
            .with_auth(self.client.put(format!("{}{}", self.base, path)))
            .json(body);
        if let Some(v) = if_match {
            request = request.header("if-match", v.to_string());
        }
        let r = request.send().await.expect("PUT");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Value) {
        let r = self
            .with_auth(self.client.post(format!("{}{}", self.base, path)))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    pub async fn upload(&self, path: &str, filename: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(filename.to_string()),
        );
        let r = self
            .with_auth(self.client.post(format!("{}{}", self.base, path)))
            .multipart(form)
            .send()
            .await
            .expect("upload");
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// Records a hazard through the API, as `session`, at `enterprise`; its id and number.
pub async fn record_hazard(
    session: &Session,
    enterprise: i64,
    title: &str,
    level: &str,
) -> (i64, String) {
    let (status, body) = session
        .post_json(
            "/api/v1/hazards",
            &serde_json::json!({
                "enterprise_id": enterprise, "title": title, "description": "检查中发现", "place": "二楼走廊",
                "level": level, "category": "21", "source": "self_inspection", "found_at": "2026-11-20",
                "basis": "GB 35181-2025 第5.1条",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (
        body["id"].as_i64().expect("id"),
        body["number"].as_str().expect("number").to_string(),
    )
}

/// The first enterprise `session` sees.
pub async fn first_enterprise(session: &Session) -> i64 {
    let (_, list) = session.get_json("/api/v1/enterprises?per_page=1").await;
    list["items"][0]["id"]
        .as_i64()
        .expect("an enterprise in scope")
}

/// A valid enterprise body for the API.
pub fn enterprise_body(name: &str, credit_code: &str, jurisdiction: &str, industry: &str) -> Value {
    serde_json::json!({
        "name": name,
        "credit_code": credit_code,
        "jurisdiction_code": jurisdiction,
        "industry_code": industry,
    })
}

/// The n-th valid credit code of a test series.
pub fn credit_code(n: usize) -> String {
    hazardnet_domain::CreditCode::with_check_char(&format!("91450202MA7T{:04}0", n))
        .expect("code")
        .to_string()
}
