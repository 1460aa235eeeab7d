//! Command-line parsing and the subcommands.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use hazardnet_store::{Actor, JurisdictionRow, NewOrganization, NewUser, Store, StoreError, demo};
use hazardnet_web::{Config, sheets};
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
    /// Walk the chain; exit 1 naming the first entry that no longer matches.
    Verify,
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
        } => {
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
        Command::Audit(AuditCommand::Verify) => {
            let store = open(&cli.db, &cli.data_dir).await?;
            match store.verify_audit_chain().await? {
                Ok(n) => println!("audit chain intact: {n} entries"),
                Err(b) => {
                    println!("audit chain broken at entry {}: {}", b.seq, b.reason);
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
