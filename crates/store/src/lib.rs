//! Persistence for hazardnet on SQLite (the embedded default) and PostgreSQL, behind one
//! [`Store`]. Every query over enterprise-owned data takes the caller's
//! [`Scope`](hazardnet_domain::Scope) and carries it as a condition in its SQL; every write
//! appends to the hash-chained audit log inside the same transaction.
//!
//! Both engines are reached through sqlx's `Any` driver with portable SQL: `$1, $2, …` numbered
//! in order of first use (SQLite numbers `$N` by appearance), TEXT times in UTC, 0/1 flags.

mod accidents;
mod accounts;
mod audit;
mod campaigns;
mod clock;
pub mod demo;
mod demo_campaign;
mod direct_reads;
mod enforcement;
mod enterprises;
mod error;
mod hazards;
mod inspections;
mod jobs;
mod reference;
mod sql;
pub mod synthetic;
mod writer;

pub use accidents::Accident;
pub use accounts::{
    AccountFilter, AssignedExpert, EnforcementDelegation, ExpertChoice, LoginOutcome, NewAccount,
    NewOrganization, NewUser, Organization, Principal, SessionInfo, UserRow,
};
pub use audit::checkpoints::{
    AuditReport, CHECKPOINT_FILE, CheckpointPost, append_checkpoint_line, checkpoint_file,
    parse_checkpoints,
};
pub use audit::{Actor, AuditBreak, AuditEntry};
pub use campaigns::{
    Campaign, CampaignFilter, CampaignPhase, CampaignTarget, DispatchRow, DispatchTable,
    LedgerFigures, PendingReturn, Report, ReportAttachment, ReportCell, ReportStatus, ReturnLine,
    TargetProgress, Task, TaskReportGrid, TaskUnit, UnitAlias, UnitMatch, WorkFigures,
};
pub use clock::Clock;
pub use enforcement::{EnforcementAction, EnforcementFilter, EnforcementStats, InspectorLoad};
pub use enterprises::{Enterprise, EnterpriseFilter, EnterpriseSort, EnterpriseStats};
pub use error::{RowError, StoreError};
pub use hazards::list::SEARCH_COUNT_CAP;
pub use hazards::{
    DUE_SOON_DAYS, Dashboard, DashboardCount, Evidence, EvidenceUpload, Followed, Hazard,
    HazardCreated, HazardFilter, HazardSort, HazardTodo, LedgerRow, ListingRecord, MAX_PIXELS,
    MonthPoint, OPEN_STATES, StepCount, TransitionFailure, check_upload, followed_filter,
};
pub use inspections::{
    ChecklistTemplate, Inspection, InspectionFilter, InspectionItem, InspectionPhoto,
    InspectionPlan, PlanCandidate, PlanCoverage, PlanLine, PlannedVisit, SHIPPED_STANDARDS,
    ShippedStandard, TemplateItem, standard_items,
};
pub use jobs::{
    ESCALATION_INTERVAL_DAYS, InboxMessage, OutboxItem, REMINDER_DAYS_BEFORE, escalation_chain,
};
pub use reference::{Industry, Jurisdiction, JurisdictionRow};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::sync::Arc;
use std::time::Duration;
pub(crate) use writer::WriteTx;
use writer::{GroupWriter, Writer};

/// Every SQLite connection's settings. Acknowledged means durable: FULL syncs the WAL on
/// every commit.
pub(crate) const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;";

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    Sqlite,
    Postgres,
}

/// The handle every layer above uses. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    kind: DbKind,
    /// Reads. On PostgreSQL also writes (the same pool).
    read: AnyPool,
    /// Writes: on SQLite one connection committing in groups, on PostgreSQL the pool.
    write: Writer,
    clock: Clock,
    /// Where evidence files are kept (`evidence/<sha256>`); None until configured. Shared, as
    /// every request clones the store a few times.
    data_dir: Option<Arc<std::path::Path>>,
    /// Queue inbox messages for the outgoing webhook.
    webhook: bool,
    /// On SQLite in a file: the reads before each write and the export's, off sqlx's pool.
    direct_reads: Option<Arc<direct_reads::DirectReads>>,
    /// Failed logins of usernames that do not exist (accounts/sign_in.rs).
    unknown_logins: Arc<accounts::UnknownLogins>,
}

impl Store {
    /// Opens `url`: `sqlite://path` (created if missing) or `postgres://…`.
    pub async fn connect(url: &str) -> Result<Store> {
        Self::connect_with_clock(url, Clock::system()).await
    }

    pub async fn connect_with_clock(url: &str, clock: Clock) -> Result<Store> {
        install_default_drivers();
        if url.starts_with("sqlite:") {
            let url = if url.contains('?') {
                url.to_string()
            } else {
                format!("{url}?mode=rwc")
            };
            let sqlite_pool = |max: u32| {
                AnyPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(Duration::from_secs(30))
                    // A local file has no other end to hang up; the ping before every
                    // acquire was one more round trip to the connection's thread per read.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(SQLITE_PRAGMAS).await?;
                            Ok(())
                        })
                    })
            };
            let read = sqlite_pool(8).connect(&url).await?;
            let write_connection = writer::connect_sqlite(&url).await?;
            let direct_reads = write_connection
                .file
                .clone()
                .map(|file| Arc::new(direct_reads::DirectReads::new(file)));
            let write = Writer::Group(GroupWriter::start(
                write_connection,
                hazards::BEFORE_GROUP_COMMIT,
                Some(read.clone()),
            )?);
            Ok(Store {
                kind: DbKind::Sqlite,
                read,
                write,
                clock,
                data_dir: None,
                webhook: false,
                direct_reads,
                unknown_logins: Arc::default(),
            })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect(url)
                .await?;
            Ok(Store {
                kind: DbKind::Postgres,
                read: pool.clone(),
                write: Writer::Pool(pool),
                clock,
                data_dir: None,
                webhook: false,
                direct_reads: None,
                unknown_logins: Arc::default(),
            })
        } else {
            Err(StoreError::UnsupportedUrl(
                url.split(':').next().unwrap_or("").to_string(),
            ))
        }
    }

    /// The same store seen through another clock (the demo files last month's returns on the
    /// days they were due).
    pub(crate) fn with_clock(&self, clock: Clock) -> Store {
        Store {
            clock,
            ..self.clone()
        }
    }

    /// Keeps evidence files under `dir` (created when needed).
    pub fn with_data_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Store {
        self.data_dir = Some(Arc::from(dir.into()));
        self
    }

    /// Queues every inbox message for the outgoing webhook (SMS/WeChat gateway).
    pub fn with_webhook(mut self, enabled: bool) -> Store {
        self.webhook = enabled;
        self
    }

    pub fn kind(&self) -> DbKind {
        self.kind
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Runs the embedded migrations of this engine, then loads the shipped reference data
    /// (jurisdictions, industries) where it is missing.
    pub async fn migrate(&self) -> Result<()> {
        match self.kind {
            DbKind::Sqlite => {
                self.write
                    .with_connection(async |conn| {
                        Ok(sqlx::migrate!("migrations/sqlite").run(conn).await?)
                    })
                    .await?
            }
            DbKind::Postgres => {
                self.write
                    .with_connection(async |conn| {
                        Ok(sqlx::migrate!("migrations/postgres").run(conn).await?)
                    })
                    .await?
            }
        }
        reference::load_shipped(self).await?;
        self.load_shipped_standards().await
    }

    /// Brings the query planner's statistics up to date where they have drifted (SQLite's
    /// `PRAGMA optimize`: every table is checked, and one never analyzed, or grown or shrunk
    /// many-fold since, is analyzed in full). A check that finds nothing costs milliseconds; a
    /// table is analyzed only a few times in a database's life (at 25-fold growth), the
    /// ledger's at a million hazards in about a second. A sampled analysis (SQLite's default
    /// limit for `optimize`) would be quicker, but misjudged the ledger's columns enough to
    /// double the time of the plan candidates (docs/performance.md). Runs on the write
    /// connection between two groups, as ANALYZE writes the statistics tables. PostgreSQL's
    /// autovacuum keeps its own statistics: nothing to do there.
    /// Returns the ANALYZE statements it ran (none when the statistics still hold).
    pub async fn refresh_planner_statistics(&self) -> Result<Vec<String>> {
        if self.kind != DbKind::Sqlite {
            return Ok(Vec::new());
        }
        // 0x10000: check every table, not only those this connection has used; 0x02: analyze
        // where it helps; without 0x10 the connection's own analysis limit applies, and 0 is
        // none. The debug bit (0x01) makes the same check list the ANALYZE statements it would
        // run, so they can be reported.
        self.write
            .with_connection(async |conn| {
                conn.execute("PRAGMA analysis_limit = 0").await?;
                let planned: Vec<String> = sqlx::query_scalar("PRAGMA optimize = 0x10003")
                    .fetch_all(&mut *conn)
                    .await?;
                conn.execute("PRAGMA optimize = 0x10002").await?;
                Ok(planned)
            })
            .await
    }

    /// Returns once everything committed so far is on disk. The web layer awaits this before
    /// sending any response, so no page shows data that a power cut could still take away.
    pub async fn wait_durable(&self) {
        self.write.wait_durable().await;
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }

    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A database nobody has analyzed (every real one) gets the planner's statistics from the
    /// first refresh; a second leaves the tables whose size has not changed alone (empty ones,
    /// such as the queues a group commit empties, are looked at again each time: they have
    /// no statistics to keep).
    #[tokio::test]
    async fn planner_statistics_are_gathered_once_and_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("stats.db").display());
        let store = Store::connect(&url)
            .await
            .unwrap()
            .with_data_dir(dir.path().join("files"));
        store.migrate().await.unwrap();
        demo::load_demo(&store).await.unwrap();
        let statistics_rows = async |table: &str| {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = $1")
                .bind(table.to_string())
                .fetch_one(&store.read)
                .await
        };
        // No statistics table at all yet.
        assert!(statistics_rows("hazards").await.is_err());
        let first = store.refresh_planner_statistics().await.unwrap();
        assert!(
            first
                .iter()
                .any(|statement| statement.contains("\"hazards\"")),
            "{first:?}"
        );
        assert!(statistics_rows("hazards").await.unwrap() > 0);
        let second = store.refresh_planner_statistics().await.unwrap();
        assert!(
            !second
                .iter()
                .any(|statement| statement.contains("\"hazards\"")
                    || statement.contains("\"enterprises\"")),
            "{second:?}"
        );
    }
}
