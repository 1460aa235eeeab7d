//! Command-line parsing and the subcommands.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use hazardnet_domain::audit::checkpoint::{
    CheckpointSigner, CheckpointVerifier, Ed25519Signer, Ed25519Verifier,
};
use hazardnet_store::{Actor, JurisdictionRow, NewOrganization, NewUser, Store, StoreError, demo};
use hazardnet_web::{Config, sheets};
use std::path::Path;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "hazardnet",
    version,
    about = "隐患排查治理一张网 — hazard investigation and rectification"
)]
struct Cli {
    /// Database URL: sqlite://PATH or postgres://USER:PASS@HOST/DB
    #[arg(
        long,
        global = true,
        env = "HAZARDNET_DB",
        default_value = "sqlite://hazardnet.db"
    )]
    db: String,
    /// Where evidence files are kept.
    #[arg(
        long,
        global = true,
        env = "HAZARDNET_DATA_DIR",
        default_value = "hazardnet-data"
    )]
    data_dir: std::path::PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (migrates first).
    Serve {
        #[arg(long, env = "HAZARDNET_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Fill an empty database with the demo data first.
        #[arg(long)]
        demo: bool,
        /// Mark cookies Secure (when served over HTTPS).
        #[arg(long, env = "HAZARDNET_SECURE_COOKIES")]
        secure_cookies: bool,
        /// POST every reminder and escalation, as JSON, to this URL (an SMS/WeChat gateway).
        #[arg(long, env = "HAZARDNET_WEBHOOK_URL")]
        webhook_url: Option<String>,
        /// CA certificates (PEM) the webhook trusts besides the system's, for a gateway
        /// signed by a private CA.
        #[arg(long, env = "HAZARDNET_WEBHOOK_CA")]
        webhook_ca: Option<std::path::PathBuf>,
        /// The secret key (from `audit keygen`, kept outside the database and its backups)
        /// that signs checkpoints of the audit chain's head, at start and on a schedule.
        #[arg(long, env = "HAZARDNET_AUDIT_KEY")]
        audit_key: Option<std::path::PathBuf>,
        /// Minutes between two audit checkpoints.
        #[arg(
            long,
            env = "HAZARDNET_AUDIT_CHECKPOINT_MINUTES",
            default_value_t = 60,
            value_parser = clap::value_parser!(u64).range(1..=10_080)
        )]
        audit_checkpoint_minutes: u64,
        /// POST every audit checkpoint, as JSON, to this URL (retried until it answers 2xx).
        #[arg(long, env = "HAZARDNET_AUDIT_CHECKPOINT_URL")]
        audit_checkpoint_url: Option<String>,
    },
    /// Apply the database migrations.
    Migrate,
    /// Fill an empty database with the demo data.
    Demo,
    /// Manage organizations (offices, regulators, enterprises, expert panels).
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Import reference data or enterprises from CSV or XLSX.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Export enterprises to XLSX.
    #[command(subcommand)]
    Export(ExportCommand),
    /// The audit chain.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Fill an empty ledger with a synthetic province (for `bench`; never on real data).
    BenchData {
        #[arg(long, default_value_t = 50_000)]
        enterprises: usize,
        #[arg(long, default_value_t = 1_000_000)]
        hazards: usize,
        #[arg(long, default_value_t = 7)]
        seed: u64,
    },
    /// Measure the ledger, search, dashboard, writes and export over HTTP on a bench database.
    Bench {
        /// Requests per read workload (and writes per client).
        #[arg(long, default_value_t = 1000)]
        requests: usize,
        /// Concurrent writing clients.
        #[arg(long, default_value_t = 8)]
        writers: usize,
        /// Only the write workload (for measuring changes to the write path).
        #[arg(long)]
        writes_only: bool,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organization. Kinds: system, safety_committee_office, industry_regulator,
    /// street_office, community, enterprise, expert_panel.
    Create {
        name: String,
        #[arg(long)]
        kind: String,
        /// 12-digit division code (government kinds).
        #[arg(long)]
        jurisdiction: Option<String>,
        /// GB/T 4754 codes a regulator covers, comma-separated (e.g. 61,62 or H).
        #[arg(long, value_delimiter = ',')]
        industries: Vec<String>,
        /// The enterprise's id (kind enterprise).
        #[arg(long)]
        enterprise: Option<i64>,
    },
    /// List organizations.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password comes from HAZARDNET_PASSWORD or a prompt.
    Create {
        username: String,
        #[arg(long)]
        name: String,
        /// Organization name or id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        role: String,
        #[arg(long, default_value = "")]
        phone: String,
    },
    /// Set a user's password (HAZARDNET_PASSWORD or a prompt).
    Passwd { username: String },
    /// Issue an API bearer token for a user; printed once.
    Token {
        username: String,
        #[arg(long, default_value = "integration")]
        name: String,
    },
    /// Disable a user and end their sessions and tokens.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
    /// List users.
    List,
    /// Assign an expert to an enterprise, acting as the given office user (whose scope must
    /// cover the enterprise).
    Assign {
        /// The expert's username.
        expert: String,
        /// The enterprise's credit code or id.
        #[arg(long)]
        enterprise: String,
        #[arg(long = "as")]
        as_user: String,
    },
    /// End an expert's assignment to an enterprise, acting as the given office user.
    Unassign {
        expert: String,
        #[arg(long)]
        enterprise: String,
        #[arg(long = "as")]
        as_user: String,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Jurisdictions: columns code, name[, parent_code] (or 代码, 名称, 上级代码).
    Jurisdictions { file: std::path::PathBuf },
    /// Enterprises, in the columns of the web import, acting as the given user.
    Enterprises {
        file: std::path::PathBuf,
        #[arg(long = "as")]
        as_user: String,
    },
    /// An edition of a national judgement standard: a CSV in the columns of data/standards
    /// (clause,text,major,category,industry,source), acting as a system administrator.
    /// Earlier editions of the key still in force end the day before it starts.
    Standard {
        file: std::path::PathBuf,
        /// The standard's name as cited, e.g. 重大火灾隐患判定规则.
        #[arg(long)]
        name: String,
        /// The key shared by its editions, e.g. zhongda-huozai-gb35181.
        #[arg(long)]
        key: String,
        /// e.g. "GB 35181-2025".
        #[arg(long)]
        edition: String,
        /// YYYY-MM-DD.
        #[arg(long)]
        effective_on: String,
        /// YYYY-MM-DD, if its end is known already.
        #[arg(long, default_value = "")]
        ends_on: String,
        #[arg(long = "as")]
        as_user: String,
    },
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Every enterprise in the given user's scope.
    Enterprises {
        file: std::path::PathBuf,
        #[arg(long = "as")]
        as_user: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the chain; exit 1 naming the first entry that no longer matches. With
    /// --checkpoint, also check that the chain still extends every checkpoint in the file
    /// (signed by one of the public keys given, its entry still there with the hash it signed).
    Verify {
        /// A file of checkpoints, one JSON object per line (the data directory's
        /// audit-checkpoints.jsonl, or a copy kept elsewhere).
        #[arg(long, requires = "public_key")]
        checkpoint: Option<std::path::PathBuf>,
        /// The public key the checkpoints were signed with: its text (ed25519:HEX, or HEX) or
        /// a file holding it. Repeat it, or separate with commas, for checkpoints signed by
        /// keys since replaced.
        #[arg(long, env = "HAZARDNET_AUDIT_PUBLIC_KEY", value_delimiter = ',')]
        public_key: Vec<String>,
    },
    /// Make a new checkpoint-signing key: the secret key is written to --out (mode 0600,
    /// never overwriting a file), the public key printed.
    Keygen {
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Print the public key of a secret key file.
    PublicKey {
        #[arg(long, env = "HAZARDNET_AUDIT_KEY")]
        key: std::path::PathBuf,
    },
    /// Verify the chain and sign a checkpoint of its head now; kept in the database and the
    /// data directory's audit-checkpoints.jsonl, and printed.
    Checkpoint {
        /// The secret key file (from `audit keygen`).
        #[arg(long, env = "HAZARDNET_AUDIT_KEY")]
        key: std::path::PathBuf,
        /// Also append the checkpoint to this file.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        /// Also POST the checkpoint, as JSON, to this URL.
        #[arg(long)]
        post: Option<String>,
    },
    /// Print every checkpoint recorded in the database, one JSON line each, oldest first.
    Checkpoints,
}

fn cli_actor() -> Actor {
    let who = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor::system(&format!("cli:{who}"))
}

fn read_password(prompt: &str) -> Result<String> {
    if let Ok(p) = std::env::var("HAZARDNET_PASSWORD") {
        return Ok(p);
    }
    let first = rpassword::prompt_password(prompt).context("reading password")?;
    let again = rpassword::prompt_password("again: ").context("reading password")?;
    if first != again {
        bail!("the two passwords differ");
    }
    Ok(first)
}

fn explain(e: StoreError) -> anyhow::Error {
    match e {
        StoreError::Rows(rows) => {
            let lines: Vec<String> = rows
                .iter()
                .map(|r| {
                    let args: Vec<String> =
                        r.args.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    format!("  row {}: {} {}", r.row, r.code, args.join(" "))
                })
                .collect();
            anyhow::anyhow!(
                "{} rows refused, nothing imported:\n{}",
                rows.len(),
                lines.join("\n")
            )
        }
        other => other.into(),
    }
}

/// Reads a checkpoint-signing key. A key file others may read is reported, not refused: the
/// operator decides where it lives.
fn load_signer(path: &Path) -> Result<Ed25519Signer> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {} can be read by others (mode {:o}); chmod 600 it",
                path.display(),
                mode & 0o777
            );
        }
    }
    Ed25519Signer::from_text(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A public key given as its text or as a file holding it.
fn load_verifier(given: &str) -> Result<Ed25519Verifier> {
    match Ed25519Verifier::from_text(given) {
        Ok(key) => Ok(key),
        Err(as_text) => {
            let path = Path::new(given);
            if !path.is_file() {
                bail!("public key {given:?}: not a key ({as_text}) nor a file");
            }
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            Ed25519Verifier::from_text(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        }
    }
}

/// Writes a new secret key that only its owner may read; an existing file is never replaced.
fn write_secret_key(path: &Path, signer: &Ed25519Signer) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| {
        format!(
            "creating {} (an existing file is never replaced)",
            path.display()
        )
    })?;
    file.write_all(format!("{}\n", signer.to_text()).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("writing {}", path.display()))
}

async fn audit_command(cmd: AuditCommand, db: &str, data_dir: &Path) -> Result<ExitCode> {
    match cmd {
        AuditCommand::Verify {
            checkpoint,
            public_key,
        } => {
            let store = open(db, data_dir).await?;
            let checkpoints = match &checkpoint {
                None => Vec::new(),
                Some(path) => {
                    let text = std::fs::read_to_string(path)
                        .with_context(|| format!("reading {}", path.display()))?;
                    let read = hazardnet_store::parse_checkpoints(&text).map_err(|(line, e)| {
                        anyhow::anyhow!("{} line {line}: {e}", path.display())
                    })?;
                    if read.is_empty() {
                        bail!("{} holds no checkpoint", path.display());
                    }
                    read
                }
            };
            let keys = public_key
                .iter()
                .map(|k| load_verifier(k))
                .collect::<Result<Vec<_>>>()?;
            let keys: Vec<&dyn CheckpointVerifier> =
                keys.iter().map(|k| k as &dyn CheckpointVerifier).collect();
            let report = store.verify_audit(&checkpoints, &keys).await?;
            match &report.chain {
                Ok(n) => println!("audit chain intact: {n} entries"),
                Err(b) => println!("audit chain broken at entry {}: {}", b.seq, b.reason),
            }
            for (n, (cp, verdict)) in checkpoints.iter().zip(&report.checkpoints).enumerate() {
                let which = format!(
                    "checkpoint {} of {} (entry {}, {}, key {})",
                    n + 1,
                    checkpoints.len(),
                    cp.seq,
                    cp.at,
                    cp.key_id
                );
                match verdict {
                    Ok(()) => println!("{which}: the chain extends it"),
                    Err(problem) => println!("{which}: FAILS: {problem}"),
                }
            }
            if report.holds() {
                Ok(ExitCode::SUCCESS)
            } else {
                Ok(ExitCode::FAILURE)
            }
        }
        AuditCommand::Keygen { out } => {
            let mut seed = [0_u8; 32];
            rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
            let signer = Ed25519Signer::from_seed(seed);
            write_secret_key(&out, &signer)?;
            eprintln!(
                "secret key written to {} (mode 0600): give it to `serve --audit-key`, keep it \
                 off the database server's backups; key id {}",
                out.display(),
                signer.key_id()
            );
            println!("{}", signer.verifier().to_text());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::PublicKey { key } => {
            println!("{}", load_signer(&key)?.verifier().to_text());
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoint { key, out, post } => {
            let signer = load_signer(&key)?;
            let store = open(db, data_dir).await?;
            let checkpoint = match store.take_audit_checkpoint(&signer, None, false).await? {
                Ok(checkpoint) => checkpoint,
                Err(b) => {
                    println!(
                        "audit chain broken at entry {}: {}; no checkpoint signed",
                        b.seq, b.reason
                    );
                    return Ok(ExitCode::FAILURE);
                }
            };
            let kept = store.checkpoint_file();
            if let Some(out) = &out {
                let same = kept.as_ref().is_some_and(|kept| {
                    std::fs::canonicalize(kept).ok() == std::fs::canonicalize(out).ok()
                });
                if !same {
                    hazardnet_store::append_checkpoint_line(out, &checkpoint)
                        .with_context(|| format!("appending to {}", out.display()))?;
                }
            }
            println!("{}", checkpoint.to_line());
            if let Some(kept) = &kept {
                eprintln!(
                    "checkpoint of entry {} appended to {}",
                    checkpoint.seq,
                    kept.display()
                );
            }
            if let Some(url) = post {
                let sent = reqwest::Client::new()
                    .post(&url)
                    .timeout(std::time::Duration::from_secs(10))
                    .header("content-type", "application/json")
                    .body(checkpoint.to_line())
                    .send()
                    .await;
                let failure = match sent {
                    Ok(r) if r.status().is_success() => None,
                    Ok(r) => Some(format!("HTTP {}", r.status())),
                    Err(e) => Some(e.to_string()),
                };
                if let Some(failure) = failure {
                    eprintln!("POST to {url} failed ({failure}); the checkpoint is kept");
                    return Ok(ExitCode::FAILURE);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCommand::Checkpoints => {
            let store = open(db, data_dir).await?;
            for checkpoint in store.audit_checkpoints().await? {
                println!("{}", checkpoint.to_line());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn open(db: &str, data_dir: &std::path::Path) -> Result<Store> {
    let store = Store::connect(db)
        .await
        .with_context(|| format!("opening {db}"))?
        .with_data_dir(data_dir);
    store.migrate().await.context("migrating")?;
    Ok(store)
}

pub async fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            demo: with_demo,
            secure_cookies,
            webhook_url,
            webhook_ca,
            audit_key,
            audit_checkpoint_minutes,
            audit_checkpoint_url,
        } => {
            let audit_checkpoints = match audit_key {
                Some(path) => Some(hazardnet_web::audit_checkpoints::CheckpointSchedule {
                    signer: std::sync::Arc::new(load_signer(&path)?),
                    every: std::time::Duration::from_secs(audit_checkpoint_minutes * 60),
                    post_url: audit_checkpoint_url,
                }),
                None if audit_checkpoint_url.is_some() => {
                    bail!("--audit-checkpoint-url needs --audit-key to sign the checkpoints")
                }
                None => {
                    eprintln!(
                        "warning: no --audit-key: the audit chain's head is not signed, so a log \
                         cut short, wiped or recomputed by someone with write access to the \
                         database would go unnoticed"
                    );
                    None
                }
            };
            let store = open(&cli.db, &cli.data_dir)
                .await?
                .with_webhook(webhook_url.is_some());
            if with_demo && demo::load_demo(&store).await? {
                eprintln!(
                    "demo data loaded; sign in as admin, district-office, street-office, chengzhong-street, regulator, enterprise, expert or leader with password {}",
                    demo::DEMO_PASSWORD
                );
            }
            let listener = tokio::net::TcpListener::bind(&listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            eprintln!("hazardnet listening on http://{}", listener.local_addr()?);
            hazardnet_web::serve(
                listener,
                store,
                Config {
                    secure_cookies,
                    job_interval: Some(std::time::Duration::from_secs(30)),
                    webhook_url,
                    webhook_ca,
                    statistics_interval: Some(std::time::Duration::from_secs(3600)),
                    audit_checkpoints,
                },
            )
            .await?;
        }
        Command::Migrate => {
            open(&cli.db, &cli.data_dir).await?;
            eprintln!("migrations applied");
        }
        Command::Demo => {
            let store = open(&cli.db, &cli.data_dir).await?;
            if demo::load_demo(&store).await? {
                eprintln!("demo data loaded (password {})", demo::DEMO_PASSWORD);
            } else {
                eprintln!("the database has users already; demo data not loaded");
            }
        }
        Command::Org(cmd) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            match cmd {
                OrgCommand::Create {
                    name,
                    kind,
                    jurisdiction,
                    industries,
                    enterprise,
                } => {
                    let id = store
                        .create_organization(
                            &cli_actor(),
                            NewOrganization {
                                name,
                                kind,
                                jurisdiction_code: jurisdiction,
                                industries,
                                enterprise_id: enterprise,
                            },
                        )
                        .await?;
                    println!("created organization {id}");
                }
                OrgCommand::List => {
                    for o in store.organizations().await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            o.id,
                            o.name,
                            o.kind,
                            o.jurisdiction_code.unwrap_or_default(),
                            o.industries
                        );
                    }
                }
            }
        }
        Command::User(cmd) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            let actor = cli_actor();
            match cmd {
                UserCommand::Create {
                    username,
                    name,
                    org,
                    role,
                    phone,
                } => {
                    let org_id = match org.parse::<i64>() {
                        Ok(id) => id,
                        Err(_) => {
                            store
                                .organization_by_name(&org)
                                .await
                                .with_context(|| format!("organization {org}"))?
                                .id
                        }
                    };
                    let password = read_password("password: ")?;
                    let id = store
                        .create_user(
                            &actor,
                            NewUser {
                                username,
                                display_name: name,
                                org_id,
                                role,
                                password,
                                phone,
                            },
                        )
                        .await?;
                    println!("created user {id}");
                }
                UserCommand::Passwd { username } => {
                    let password = read_password("new password: ")?;
                    store.set_password(&actor, &username, password).await?;
                    println!("password changed");
                }
                UserCommand::Token { username, name } => {
                    println!(
                        "{}",
                        store.create_api_token(&actor, &username, &name).await?
                    );
                }
                UserCommand::Disable { username } => {
                    store.set_disabled(&actor, &username, true).await?;
                    println!("disabled {username}");
                }
                UserCommand::Enable { username } => {
                    store.set_disabled(&actor, &username, false).await?;
                    println!("enabled {username}");
                }
                UserCommand::Assign {
                    expert,
                    enterprise,
                    as_user,
                } => set_assignment(&store, &expert, &enterprise, &as_user, true).await?,
                UserCommand::Unassign {
                    expert,
                    enterprise,
                    as_user,
                } => set_assignment(&store, &expert, &enterprise, &as_user, false).await?,
                UserCommand::List => {
                    for u in store.users().await? {
                        println!(
                            "{}\t{}\t{}\t{}\t{}",
                            u.username,
                            u.display_name,
                            u.role,
                            u.org_name,
                            if u.disabled != 0 {
                                "disabled"
                            } else {
                                "active"
                            }
                        );
                    }
                }
            }
        }
        Command::Import(ImportCommand::Jurisdictions { file }) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows = sheets::read_rows(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let Some((header, body)) = rows.split_first() else {
                bail!("empty file")
            };
            let col = |names: &[&str]| {
                header
                    .iter()
                    .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
            };
            let code = col(&["code", "代码", "区划代码", "统计用区划代码"])
                .context("no code column (code / 代码)")?;
            let name =
                col(&["name", "名称", "区划名称"]).context("no name column (name / 名称)")?;
            let parent = col(&["parent_code", "上级代码"]);
            let cell = |row: &Vec<String>, i: usize| row.get(i).cloned().unwrap_or_default();
            let parsed = body
                .iter()
                .map(|r| JurisdictionRow {
                    code: cell(r, code),
                    name: cell(r, name),
                    parent_code: parent.map(|p| cell(r, p)).unwrap_or_default(),
                })
                .collect();
            let n = store
                .import_jurisdictions(&cli_actor(), parsed)
                .await
                .map_err(explain)?;
            println!("{n} jurisdictions imported");
        }
        Command::Import(ImportCommand::Enterprises { file, as_user }) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            let who = store
                .principal_for_username(&as_user)
                .await
                .with_context(|| format!("user {as_user}"))?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let rows = sheets::read_rows(&bytes)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let lookup = store.industry_lookup().await?;
            let (inputs, cell_errors) =
                sheets::enterprise_inputs(&rows, &lookup).map_err(|e| anyhow::anyhow!("{e}"))?;
            if !cell_errors.is_empty() {
                return Err(explain(StoreError::Rows(cell_errors)));
            }
            let ids = store
                .import_enterprises(&who, &inputs, 2)
                .await
                .map_err(explain)?;
            println!("{} enterprises imported", ids.len());
        }
        Command::Import(ImportCommand::Standard {
            file,
            name,
            key,
            edition,
            effective_on,
            ends_on,
            as_user,
        }) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            let who = store
                .principal_for_username(&as_user)
                .await
                .with_context(|| format!("user {as_user}"))?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {} (UTF-8 CSV)", file.display()))?;
            let items = hazardnet_store::standard_items(&text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            let input = hazardnet_domain::standard::EditionInput {
                name,
                key,
                edition,
                effective_on,
                ends_on,
            };
            let id = store
                .load_standard_edition(&who, &input, &items)
                .await
                .map_err(explain)?;
            println!(
                "{} items of {} loaded as checklist {id}",
                items.len(),
                input.edition
            );
        }
        Command::Export(ExportCommand::Enterprises { file, as_user }) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            let who = store
                .principal_for_username(&as_user)
                .await
                .with_context(|| format!("user {as_user}"))?;
            let rows = store.enterprises_all(&who, &Default::default()).await?;
            let bytes = sheets::enterprises_workbook(hazardnet_web::i18n::Lang::Zh, &rows)?;
            std::fs::write(&file, bytes).with_context(|| format!("writing {}", file.display()))?;
            println!("{} enterprises exported to {}", rows.len(), file.display());
        }
        Command::BenchData {
            enterprises,
            hazards,
            seed,
        } => {
            let store = open(&cli.db, &cli.data_dir).await?;
            crate::bench::bench_data(&store, enterprises, hazards, seed).await?;
        }
        Command::Bench {
            requests,
            writers,
            writes_only,
        } => {
            let store = open(&cli.db, &cli.data_dir).await?;
            crate::bench::bench(&store, &cli.db, requests, writers, writes_only).await?;
        }
        Command::Audit(cmd) => return audit_command(cmd, &cli.db, &cli.data_dir).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Assigns an expert to an enterprise (or ends the assignment) as an office user would, through
/// the same rule and audit as the web.
async fn set_assignment(
    store: &Store,
    expert: &str,
    enterprise: &str,
    as_user: &str,
    assign: bool,
) -> anyhow::Result<()> {
    let who = store
        .principal_for_username(as_user)
        .await
        .with_context(|| format!("user {as_user}"))?;
    let id = match enterprise.parse::<i64>() {
        Ok(id) => id,
        Err(_) => store
            .enterprise_id_by_credit_code(&who, enterprise)
            .await
            .with_context(|| format!("enterprise {enterprise}"))?,
    };
    store
        .set_expert_assignment(&who, expert, id, assign)
        .await?;
    if assign {
        println!("assigned {expert} to enterprise {id}");
    } else {
        println!("ended the assignment of {expert} to enterprise {id}");
    }
    Ok(())
}
