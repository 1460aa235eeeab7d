//! Acknowledged means durable (DESIGN.md): writes acknowledged with 2xx survive `kill -9` of
//! the server in the middle of a stream of writes. Runs the real binary on SQLite.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// The binary, with evidence files kept beside the test's database.
fn hazardnet(db: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_hazardnet"));
    command.env(
        "HAZARDNET_DATA_DIR",
        format!("{}.files", db.trim_start_matches("sqlite://")),
    );
    command
}

fn start(db: &str) -> (Child, String) {
    let mut child = hazardnet(db)
        .args(["--db", db, "serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let stderr = child.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines.next().expect("server output").expect("line");
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_string();
        }
    };
    // Keep draining stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, base)
}

fn credit_code(n: usize) -> String {
    hazardnet_domain::CreditCode::with_check_char(&format!("91450202MA9D{n:04}0"))
        .expect("code")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_kill_minus_nine() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("durable.db").display());
    assert!(
        hazardnet(&db)
            .args(["--db", &db, "demo"])
            .output()
            .unwrap()
            .status
            .success()
    );
    let token = String::from_utf8(
        hazardnet(&db)
            .args(["--db", &db, "user", "token", "street-office"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();

    let (mut server, base) = start(&db);
    let client = reqwest::Client::new();
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for worker in 0..4 {
        let (client, base, token, acknowledged) = (
            client.clone(),
            base.clone(),
            token.clone(),
            acknowledged.clone(),
        );
        writers.push(tokio::spawn(async move {
            for i in 0..1000 {
                let n = worker * 1000 + i;
                let body = serde_json::json!({
                    "name": format!("耐久企业{n}"), "credit_code": credit_code(n),
                    "jurisdiction_code": "450202002000", "industry_code": "62",
                });
                match client
                    .post(format!("{base}/api/v1/enterprises"))
                    .bearer_auth(&token)
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                        acknowledged.lock().unwrap().push(credit_code(n))
                    }
                    _ => break, // the server is gone
                }
            }
        }));
    }
    // Let some writes through, then kill the server without warning.
    while acknowledged.lock().unwrap().len() < 100 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    for w in writers {
        w.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(acknowledged.len() >= 100);

    let (mut server, base) = start(&db);
    let r: serde_json::Value = client
        .get(format!("{base}/api/v1/enterprises?q=耐久企业&per_page=500"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let total = r["total"].as_i64().unwrap() as usize;
    let mut found = std::collections::HashSet::new();
    let mut page = 1;
    while found.len() < total {
        let r: serde_json::Value = client
            .get(format!(
                "{base}/api/v1/enterprises?q=耐久企业&per_page=500&page={page}"
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for e in r["items"].as_array().unwrap() {
            found.insert(e["credit_code"].as_str().unwrap().to_string());
        }
        page += 1;
    }
    for code in &acknowledged {
        assert!(found.contains(code), "acknowledged write {code} was lost");
    }
    // And the audit chain is whole after the crash.
    server.kill().unwrap();
    server.wait().unwrap();
    let out = hazardnet(&db)
        .args(["--db", &db, "audit", "verify"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
