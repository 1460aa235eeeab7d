//! `bench-data` and `bench`: province-scale figures, measured end to end over HTTP against a
//! separate server process (so its memory is measured alone), beside the raw store call for
//! the same ledger page as the floor.

use anyhow::{Context, Result, bail};
use hazardnet_store::{Actor, HazardFilter, HazardSort, NewOrganization, NewUser, Store};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BENCH_PASSWORD: &str = "hazardnet-bench";
const FIRST_STREET: &str = "460101001000";

pub async fn bench_data(
    store: &Store,
    enterprises: usize,
    hazards: usize,
    seed: u64,
) -> Result<()> {
    let started = Instant::now();
    let report = store.load_synthetic(enterprises, hazards, seed).await?;
    let actor = Actor::system("bench-data");
    let org = |name: &str, kind: &str, jurisdiction: Option<&str>, enterprise_id: Option<i64>| {
        NewOrganization {
            name: name.into(),
            kind: kind.into(),
            jurisdiction_code: jurisdiction.map(str::to_string),
            industries: vec![],
            enterprise_id,
        }
    };
    let user = |username: &str, org_id: i64, role: &str| NewUser {
        username: username.into(),
        display_name: username.into(),
        org_id,
        role: role.into(),
        password: BENCH_PASSWORD.into(),
        phone: String::new(),
    };
    let province = store
        .create_organization(
            &actor,
            org(
                "基准测试省安委办",
                "safety_committee_office",
                Some("460000000000"),
                None,
            ),
        )
        .await?;
    let street = store
        .create_organization(
            &actor,
            org("基准测试街道办", "street_office", Some(FIRST_STREET), None),
        )
        .await?;
    store
        .create_user(&actor, user("bench-province", province, "committee_clerk"))
        .await?;
    store
        .create_user(&actor, user("bench-street", street, "territorial_clerk"))
        .await?;
    println!(
        "loaded {} jurisdictions, {} enterprises, {} hazards in {:.1} s; users bench-province and bench-street (password {BENCH_PASSWORD})",
        report.jurisdictions,
        report.enterprises,
        report.hazards,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server(db: &str, data_dir: &std::path::Path) -> Result<Server> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["--db", db, "--data-dir"])
        .arg(data_dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .spawn()
        .context("starting the server")?;
    let stderr = child.stderr.take().context("server stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let Some(line) = lines.next() else {
            bail!("the server exited before listening")
        };
        let line = line?;
        if let Some(url) = line.split("listening on ").nth(1) {
            break url.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(Server { child, base })
}

fn peak_rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

struct Figures {
    name: String,
    samples: Vec<Duration>,
    elapsed: Duration,
}

impl Figures {
    fn percentile(&self, p: f64) -> f64 {
        let mut sorted = self.samples.clone();
        sorted.sort();
        let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
        sorted
            .get(i)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    }
    fn print(&self) {
        println!(
            "{:<44} n={:<6} p50={:>8.2} ms  p99={:>8.2} ms  {:>9.0} req/s",
            self.name,
            self.samples.len(),
            self.percentile(0.5),
            self.percentile(0.99),
            self.samples.len() as f64 / self.elapsed.as_secs_f64()
        );
    }
}

async fn measure<F, Fut>(name: &str, n: usize, mut request: F) -> Result<Figures>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    // Warm the caches first, as a real server would be.
    for i in 0..n.min(20) {
        request(i).await?;
    }
    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for i in 0..n {
        let t = Instant::now();
        request(i).await?;
        samples.push(t.elapsed());
    }
    let figures = Figures {
        name: name.to_string(),
        samples,
        elapsed: started.elapsed(),
    };
    figures.print();
    Ok(figures)
}

async fn get_ok(client: &reqwest::Client, token: &str, url: &str) -> Result<bytes_len::Len> {
    let r = client.get(url).bearer_auth(token).send().await?;
    if !r.status().is_success() {
        bail!("GET {url}: {}", r.status());
    }
    Ok(bytes_len::Len(r.bytes().await?.len()))
}

mod bytes_len {
    pub struct Len(pub usize);
}

/// The HTTP side of a run: the server, a client and the two users' tokens.
struct Session<'a> {
    store: &'a Store,
    client: reqwest::Client,
    base: String,
    province: hazardnet_store::Principal,
    province_token: String,
    street_token: String,
}

pub async fn bench(
    store: &Store,
    db: &str,
    requests: usize,
    writers: usize,
    writes_only: bool,
) -> Result<()> {
    let files = std::env::temp_dir().join(format!("hazardnet-bench-{}", std::process::id()));
    let actor = Actor::system("bench");
    let province_token = store
        .create_api_token(&actor, "bench-province", "bench")
        .await
        .context("run bench-data first")?;
    let street_token = store
        .create_api_token(&actor, "bench-street", "bench")
        .await?;
    let province = store.principal_for_username("bench-province").await?;
    let total: i64 = store
        .hazards(
            &province,
            &HazardFilter {
                per_page: Some(1),
                ..Default::default()
            },
        )
        .await?
        .1;
    println!("hazards in the database: {total}");
    let server = start_server(db, &files)?;
    let session = Session {
        store,
        client: reqwest::Client::new(),
        base: server.base.clone(),
        province,
        province_token,
        street_token,
    };
    if !writes_only {
        read_workloads(&session, requests).await?;
    }
    write_workload(&session, requests, writers, server.child.id()).await?;
    if !writes_only {
        export_workload(&session).await?;
    }
    if let Some(mb) = peak_rss_mb(server.child.id()) {
        println!("server peak RSS: {mb:.0} MB");
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&files);
    Ok(())
}

/// The ledger (with the raw store call as its floor), search, dashboards and plan candidates,
/// one request at a time.
async fn read_workloads(session: &Session<'_>, requests: usize) -> Result<()> {
    let Session {
        store,
        client,
        base,
        province,
        province_token,
        street_token,
    } = session;
    let titles = [
        "灭火器",
        "消防通道",
        "安全出口",
        "电气线路",
        "燃气",
        "有限空间",
        "应急照明",
        "脚手架",
    ];

    // The floor: the same ledger page through the store, no HTTP.
    let floor = measure("raw store call: ledger page (province)", requests, |i| {
        let filter = HazardFilter {
            state: Some("rectifying".into()),
            sort: Some(HazardSort::FoundAt),
            page: Some((i % 20) as i64 + 1),
            per_page: Some(50),
            ..Default::default()
        };
        let province = (*province).clone();
        async move {
            store.hazards(&province, &filter).await?;
            Ok(())
        }
    })
    .await?;
    let ledger = measure("HTTP ledger page, 50 rows (province)", requests, |i| {
        let url = format!(
            "{base}/api/v1/hazards?state=rectifying&sort=found_at&per_page=50&page={}",
            i % 20 + 1
        );
        let (client, token) = (client.clone(), province_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    measure("HTTP ledger page, 50 rows (street)", requests, |i| {
        let url = format!("{base}/api/v1/hazards?per_page=50&page={}", i % 3 + 1);
        let (client, token) = (client.clone(), street_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    measure("HTTP full-text search, 50 rows (province)", requests, |i| {
        let url = format!(
            "{base}/api/v1/hazards?per_page=50&q={}",
            titles[i % titles.len()]
        );
        let (client, token) = (client.clone(), province_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    measure("HTTP dashboard (province)", requests / 10, |_| {
        let url = format!("{base}/api/v1/dashboard");
        let (client, token) = (client.clone(), province_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    // The inspection plan's candidates: every enterprise of the province ranked by risk,
    // accidents and open, major and overdue hazards.
    measure("HTTP plan candidates (province)", requests / 25, |_| {
        let url = format!("{base}/api/v1/inspection-plans/candidates");
        let (client, token) = (client.clone(), province_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    measure("HTTP dashboard (street)", requests / 10, |_| {
        let url = format!("{base}/api/v1/dashboard");
        let (client, token) = (client.clone(), street_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    // The home page: the to-do counts (awaiting my step, overdue, listed by my office,
    // returns, inbox) and the enterprise figures, on every sign-in.
    measure("HTTP home page (province)", requests / 10, |_| {
        let url = format!("{base}/");
        let (client, token) = (client.clone(), province_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;
    measure("HTTP home page (street)", requests / 10, |_| {
        let url = format!("{base}/");
        let (client, token) = (client.clone(), street_token.clone());
        async move { get_ok(&client, &token, &url).await.map(|_| ()) }
    })
    .await?;

    println!(
        "ledger page: HTTP p99 / raw p99 = {:.2} (p50 {:.2})",
        ledger.percentile(0.99) / floor.percentile(0.99).max(1e-9),
        ledger.percentile(0.5) / floor.percentile(0.5).max(1e-9)
    );
    Ok(())
}

/// Audited durable writes from `writers` concurrent clients, with the server's CPU time per
/// write (steadier than the rate on a shared machine).
async fn write_workload(
    session: &Session<'_>,
    requests: usize,
    writers: usize,
    server_pid: u32,
) -> Result<()> {
    let Session {
        store,
        client,
        base,
        street_token,
        ..
    } = session;
    // Writes: each is a report or a transition, each audited and durable, from `writers`
    // concurrent clients.
    let street = store.principal_for_username("bench-street").await?;
    let enterprises = store.enterprises_all(&street, &Default::default()).await?;
    let enterprise_ids: Vec<i64> = enterprises.iter().map(|e| e.id).collect();
    if enterprise_ids.is_empty() {
        bail!("the bench street has no enterprises");
    }
    let per_writer = requests;
    let cpu_before = cpu_seconds(server_pid);
    let client_cpu_before = cpu_seconds(std::process::id());
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..writers {
        let (client, token, base, ids) = (
            client.clone(),
            street_token.clone(),
            base.clone(),
            enterprise_ids.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            for i in 0..per_writer / 2 {
                let t = Instant::now();
                let body = serde_json::json!({
                    "enterprise_id": ids[(w * 7919 + i) % ids.len()], "title": "基准写入隐患", "level": "general",
                    "category": "21", "source": "self_inspection",
                });
                let r = client.post(format!("{base}/api/v1/hazards")).bearer_auth(&token).json(&body).send().await?;
                let created: serde_json::Value = r.json().await?;
                let id = created["id"].as_i64().context("create failed")?;
                samples.push(t.elapsed());
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/api/v1/hazards/{id}/transitions"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"action": "reject", "reason": "基准测试"}))
                    .send()
                    .await?;
                if !r.status().is_success() {
                    bail!("transition: {}", r.status());
                }
                samples.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(samples)
        }));
    }
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await??);
    }
    Figures {
        name: format!("HTTP audited writes ({writers} clients)"),
        samples,
        elapsed: started.elapsed(),
    }
    .print();

    let writes = (writers * (requests / 2) * 2).max(1) as f64;
    for (name, pid, before) in [
        ("server CPU (user + system)", server_pid, cpu_before),
        (
            "bench client CPU (user + system)",
            std::process::id(),
            client_cpu_before,
        ),
    ] {
        if let (Some(before), Some(after)) = (before, cpu_seconds(pid)) {
            println!(
                "{name:<44} {:.3} ms CPU per write",
                (after - before) * 1000.0 / writes
            );
        }
    }
    Ok(())
}

/// An Excel export of about 100,000 rows of the province.
async fn export_workload(session: &Session<'_>) -> Result<()> {
    let Session {
        store,
        client,
        base,
        province,
        province_token,
        ..
    } = session;
    // Export: about 100,000 rows.
    let mut filter_from = chrono::Utc::now().date_naive();
    let mut rows = 0i64;
    while rows < 100_000
        && filter_from > chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
    {
        filter_from -= chrono::Duration::days(7);
        rows = store
            .hazards(
                province,
                &HazardFilter {
                    found_from: Some(filter_from.to_string()),
                    per_page: Some(1),
                    ..Default::default()
                },
            )
            .await?
            .1;
    }
    let url = format!("{base}/api/v1/hazards/export.xlsx?found_from={filter_from}");
    let t = Instant::now();
    let size = get_ok(client, province_token, &url).await?.0;
    println!(
        "{:<44} rows={rows:<6} {:>8.2} s  {:.1} MB xlsx",
        "HTTP Excel export (province)",
        t.elapsed().as_secs_f64(),
        size as f64 / 1e6
    );
    Ok(())
}

/// User plus system CPU seconds of a process so far, from `/proc`.
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and 15th.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // In clock ticks: USER_HZ, which is 100 on Linux.
    Some(ticks / 100.0)
}
