//! Returns: a unit owes one return per period of its campaign's cadence, covering every task
//! it is named on — the dispatch figures, a summary and a line per task. Filed by a member of
//! the unit once the period has started; late when filed after the period's due day. A wrong
//! return is replaced by its unit with a new version (the old one stays, shown as history)
//! until the next period's return falls due. The grid of units × periods shows what is filed,
//! late, missing (due day passed, nothing filed) or not yet due.

use super::Campaign;
use super::tasks::Task;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::{Result, Store, StoreError};
use hazardnet_domain::campaign::{
    Period, ReportInput, ReturnReplacement, correction_reason, return_replaceable,
};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, FromRow)]
struct ReportRow {
    id: i64,
    campaign_id: i64,
    org_id: i64,
    org_name: String,
    period_key: String,
    period_starts_on: String,
    period_ends_on: String,
    due_on: String,
    version: i64,
    is_current: i64,
    body: String,
    figures_json: String,
    late: i64,
    reason: String,
    submitted_by_name: String,
    submitted_at: String,
}

/// One task's progress in a return.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct ReturnLine {
    #[serde(skip)]
    pub return_id: i64,
    pub task_id: i64,
    pub task_number: i64,
    pub text: String,
}

/// A unit's return for a period (one version of it).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub campaign_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub period_key: String,
    pub period_starts_on: String,
    pub period_ends_on: String,
    pub due_on: String,
    /// 1 for the return as first filed; each replacement adds one.
    pub version: i64,
    /// False for a version a later one replaced.
    pub current: bool,
    pub body: String,
    pub figures_json: String,
    pub late: i64,
    /// Why this version replaced the one before (empty for the first).
    pub reason: String,
    pub submitted_by_name: String,
    pub submitted_at: String,
    pub lines: Vec<ReturnLine>,
}

impl Report {
    pub fn figures(&self) -> BTreeMap<String, i64> {
        serde_json::from_str(&self.figures_json).unwrap_or_default()
    }

    pub fn line(&self, task_id: i64) -> Option<&ReturnLine> {
        self.lines.iter().find(|l| l.task_id == task_id)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    OnTime,
    Late,
    Missing,
    NotDue,
}

impl ReportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::OnTime => "on_time",
            ReportStatus::Late => "late",
            ReportStatus::Missing => "missing",
            ReportStatus::NotDue => "not_due",
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReportCell {
    pub org_id: i64,
    pub period_key: String,
    pub status: ReportStatus,
    pub report_id: Option<i64>,
}

/// Units down, periods across.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TaskReportGrid {
    pub periods: Vec<Period>,
    pub units: Vec<(i64, String)>,
    pub cells: Vec<ReportCell>,
    pub late: usize,
    pub missing: usize,
}

impl TaskReportGrid {
    pub fn cell(&self, org_id: i64, period_key: &str) -> Option<&ReportCell> {
        self.cells
            .iter()
            .find(|c| c.org_id == org_id && c.period_key == period_key)
    }
}

const REPORT_SELECT: &str = "SELECT r.id, r.campaign_id, r.org_id, o.name AS org_name, r.period_key, \
    r.period_starts_on, r.period_ends_on, r.due_on, r.version, r.is_current, r.body, r.figures_json, \
    r.late, r.reason, u.display_name AS submitted_by_name, r.submitted_at FROM unit_returns r \
    JOIN organizations o ON o.id = r.org_id JOIN users u ON u.id = r.submitted_by \
    JOIN campaigns c ON c.id = r.campaign_id";

impl Store {
    /// The periods of the campaign a return may be filed for today: started, inside it.
    pub fn open_periods(&self, campaign: &Campaign) -> Vec<Period> {
        campaign.periods(&campaign.cadence(), self.today())
    }

    /// The campaign's tasks `org_id` is named on (the dispatch return first).
    pub async fn unit_tasks(
        &self,
        who: &Principal,
        campaign_id: i64,
        org_id: i64,
    ) -> Result<Vec<Task>> {
        Ok(self
            .tasks(who, campaign_id)
            .await?
            .into_iter()
            .filter(|t| t.reporting_orgs().iter().any(|(o, _)| *o == org_id))
            .collect())
    }

    /// Files `who`'s unit's return for a period, covering its tasks. Refused: a unit named on
    /// none of the campaign's tasks (or a line on a task not its own), a period not started or
    /// not the campaign's, a second return for the same period (replace it instead).
    pub async fn file_report(
        &self,
        who: &Principal,
        campaign_id: i64,
        input: &ReportInput,
    ) -> Result<i64> {
        let (body, figures, lines) = input.validate()?;
        let campaign = self.campaign(who, campaign_id).await?;
        if !who.role.may_file_returns() {
            return Err(StoreError::Forbidden);
        }
        let tasks = self.unit_tasks(who, campaign_id, who.org_id).await?;
        if tasks.is_empty() {
            return Err(StoreError::Refused {
                code: "not_task_unit",
                value: who.org_name.clone(),
            });
        }
        let lines = checked_lines(&tasks, lines)?;
        let key = input.period_key.trim();
        let period = campaign
            .cadence()
            .period_by_key(key, campaign.starts())
            .filter(|p| campaign.ends().is_none_or(|end| p.starts_on <= end))
            .ok_or_else(|| StoreError::Refused {
                code: "unknown_period",
                value: key.to_string(),
            })?;
        let today = self.today();
        if period.starts_on > today {
            return Err(StoreError::Refused {
                code: "period_not_started",
                value: key.to_string(),
            });
        }
        let late = today > period.due_on;
        let mut tx = self.begin_write().await?;
        let id = self
            .insert_return(
                &mut tx,
                who,
                campaign_id,
                &period,
                1,
                (&body, &figures, &lines),
                late,
                "",
            )
            .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.report",
                entity: "campaign",
                entity_id: campaign_id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "report": id, "org": who.org_id, "period": period.key, "version": 1,
                    "due_on": period.due_on, "late": late, "figures": figures, "body": body,
                    "lines": lines,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_return(
        &self,
        tx: &mut crate::WriteTx,
        who: &Principal,
        campaign_id: i64,
        period: &Period,
        version: i64,
        (body, figures, lines): (&str, &BTreeMap<String, i64>, &[(i64, String)]),
        late: bool,
        reason: &str,
    ) -> Result<i64> {
        let now = format_time(self.clock().now());
        let figures_json =
            serde_json::to_string(figures).map_err(|e| StoreError::Internal(e.to_string()))?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unit_returns (campaign_id, org_id, period_key, period_starts_on, period_ends_on, \
             due_on, version, is_current, body, figures_json, late, reason, submitted_by, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $10, $11, $12, $13) RETURNING id",
        )
        .bind(campaign_id)
        .bind(who.org_id)
        .bind(period.key.clone())
        .bind(period.starts_on.to_string())
        .bind(period.ends_on.to_string())
        .bind(period.due_on.to_string())
        .bind(version)
        .bind(body.to_string())
        .bind(figures_json)
        .bind(i64::from(late))
        .bind(reason.to_string())
        .bind(who.user_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict {
                    code: "report_exists",
                    value: period.key.clone(),
                }
            } else {
                e.into()
            }
        })?;
        for (task_id, text) in lines {
            sqlx::query("INSERT INTO return_lines (return_id, task_id, text) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(*task_id)
                .bind(text.clone())
                .execute(&mut **tx)
                .await?;
        }
        Ok(id)
    }

    /// Replaces a wrong return with a new version, by its unit, until the period closes
    /// ([`return_replaceable`]). `expected_version` must be the current one (else 409, nothing
    /// changed); the old version stays readable as history, the reason goes in the audit log.
    pub async fn replace_report(
        &self,
        who: &Principal,
        campaign_id: i64,
        report_id: i64,
        input: &ReturnReplacement,
    ) -> Result<i64> {
        let reason = correction_reason(&input.reason)?;
        let old = self.report(who, campaign_id, report_id).await?;
        let (body, figures, lines) = input.as_report(&old.period_key).validate()?;
        let campaign = self.campaign(who, campaign_id).await?;
        if old.org_id != who.org_id || !who.role.may_file_returns() {
            return Err(StoreError::Refused {
                code: "not_report_unit",
                value: old.org_name,
            });
        }
        let history = self
            .report_history(who, campaign_id, old.org_id, &old.period_key)
            .await?;
        let latest = history
            .iter()
            .map(|r| r.version)
            .max()
            .unwrap_or(old.version);
        if !old.current || input.expected_version != latest {
            return Err(StoreError::StaleVersion(latest));
        }
        let cadence = campaign.cadence();
        let period = cadence
            .period_by_key(&old.period_key, campaign.starts())
            .ok_or_else(|| {
                StoreError::Internal(format!("return {} has period {}", old.id, old.period_key))
            })?;
        if !return_replaceable(self.today(), &cadence, &period) {
            return Err(StoreError::Refused {
                code: "return_closed",
                value: old.period_key,
            });
        }
        let tasks = self.unit_tasks(who, campaign_id, who.org_id).await?;
        let lines = checked_lines(&tasks, lines)?;
        let mut tx = self.begin_write().await?;
        let retired = sqlx::query(
            "UPDATE unit_returns SET is_current = 0 WHERE id = $1 AND is_current = 1 AND version = $2",
        )
        .bind(old.id)
        .bind(old.version)
        .execute(&mut *tx)
        .await?;
        if retired.rows_affected() != 1 {
            return Err(StoreError::StaleVersion(old.version + 1));
        }
        let id = self
            .insert_return(
                &mut tx,
                who,
                campaign_id,
                &period,
                old.version + 1,
                (&body, &figures, &lines),
                old.late != 0,
                &reason,
            )
            .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.report_replace",
                entity: "campaign",
                entity_id: campaign_id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: to_json(&serde_json::json!({
                    "report": old.id, "version": old.version, "figures": old.figures(),
                    "body": old.body, "lines": old.lines.iter().map(|l| (l.task_id, l.text.clone())).collect::<Vec<_>>(),
                })),
                after: to_json(&serde_json::json!({
                    "report": id, "org": who.org_id, "period": period.key, "version": old.version + 1,
                    "reason": reason, "figures": figures, "body": body, "lines": lines,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn load_reports(&self, sql: crate::sql::Sql) -> Result<Vec<Report>> {
        let rows: Vec<ReportRow> = sql.query_as().fetch_all(&self.read).await?;
        let mut lines: Vec<ReturnLine> = Vec::new();
        if !rows.is_empty() {
            let mut q = crate::sql::Sql::new(
                "SELECT l.return_id, l.task_id, t.number AS task_number, l.text FROM return_lines l \
                 JOIN campaign_tasks t ON t.id = l.task_id WHERE l.return_id IN (",
            );
            for (i, r) in rows.iter().enumerate() {
                if i > 0 {
                    q.push(", ");
                }
                q.bind(r.id);
            }
            q.push(") ORDER BY t.number");
            lines = q.query_as().fetch_all(&self.read).await?;
        }
        Ok(rows
            .into_iter()
            .map(|r| Report {
                lines: lines
                    .iter()
                    .filter(|l| l.return_id == r.id)
                    .cloned()
                    .collect(),
                id: r.id,
                campaign_id: r.campaign_id,
                org_id: r.org_id,
                org_name: r.org_name,
                period_key: r.period_key,
                period_starts_on: r.period_starts_on,
                period_ends_on: r.period_ends_on,
                due_on: r.due_on,
                version: r.version,
                current: r.is_current != 0,
                body: r.body,
                figures_json: r.figures_json,
                late: r.late,
                reason: r.reason,
                submitted_by_name: r.submitted_by_name,
                submitted_at: r.submitted_at,
            })
            .collect())
    }

    /// The current returns of a campaign the caller may read; with `task_id`, those of the
    /// task's units and those with a line on it.
    pub async fn reports(
        &self,
        who: &Principal,
        campaign_id: i64,
        task_id: Option<i64>,
    ) -> Result<Vec<Report>> {
        self.campaign(who, campaign_id).await?;
        let mut sql = crate::sql::Sql::new(REPORT_SELECT);
        sql.push(" WHERE r.is_current = 1 AND r.campaign_id = ")
            .bind(campaign_id);
        sql.push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        sql.push(" ORDER BY r.period_starts_on, r.org_id");
        let all = self.load_reports(sql).await?;
        Ok(match task_id {
            None => all,
            Some(task_id) => {
                let task = self.task(who, campaign_id, task_id).await?;
                let orgs = task.reporting_orgs();
                all.into_iter()
                    .filter(|r| {
                        r.line(task_id).is_some() || orgs.iter().any(|(o, _)| *o == r.org_id)
                    })
                    .collect()
            }
        })
    }

    /// Every version of one unit's return for a period, oldest first.
    pub async fn report_history(
        &self,
        who: &Principal,
        campaign_id: i64,
        org_id: i64,
        period_key: &str,
    ) -> Result<Vec<Report>> {
        let mut sql = crate::sql::Sql::new(REPORT_SELECT);
        sql.push(" WHERE r.campaign_id = ").bind(campaign_id);
        sql.push(" AND r.org_id = ").bind(org_id);
        sql.push(" AND r.period_key = ")
            .bind(period_key.to_string());
        sql.push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        sql.push(" ORDER BY r.version");
        self.load_reports(sql).await
    }

    /// One return (any version) the caller may read.
    pub async fn report(
        &self,
        who: &Principal,
        campaign_id: i64,
        report_id: i64,
    ) -> Result<Report> {
        self.campaign(who, campaign_id).await?;
        let mut sql = crate::sql::Sql::new(REPORT_SELECT);
        sql.push(" WHERE r.id = ").bind(report_id);
        sql.push(" AND r.campaign_id = ").bind(campaign_id);
        sql.push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        self.load_reports(sql)
            .await?
            .pop()
            .ok_or(StoreError::NotFound)
    }

    /// Units × periods up to today, each cell on time, late, missing or not yet due: the units
    /// of one task, or of the whole campaign when `task` is None.
    pub async fn report_grid(
        &self,
        who: &Principal,
        campaign: &Campaign,
        task: Option<&Task>,
    ) -> Result<TaskReportGrid> {
        let reports = self.reports(who, campaign.id, None).await?;
        let today = self.today();
        let periods = self.open_periods(campaign);
        let named: Vec<(i64, String)> = match task {
            Some(t) => t.reporting_orgs(),
            None => {
                let mut all: Vec<(i64, String)> = Vec::new();
                for t in self.tasks(who, campaign.id).await? {
                    for org in t.reporting_orgs() {
                        if !all.iter().any(|(o, _)| *o == org.0) {
                            all.push(org);
                        }
                    }
                }
                all
            }
        };
        // Only the units whose returns the caller may read: a unit it may not see would show
        // as missing, which is neither true nor the caller's business.
        let mut sql = crate::sql::Sql::new(
            "SELECT DISTINCT u.org_id FROM task_units u JOIN organizations o ON o.id = u.org_id \
             JOIN campaign_tasks t ON t.id = u.task_id JOIN campaigns c ON c.id = t.campaign_id \
             WHERE u.retired = 0 AND t.campaign_id = ",
        );
        sql.bind(campaign.id).push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        let visible: Vec<i64> = sql.query_scalar_i64().fetch_all(&self.read).await?;
        let units: Vec<(i64, String)> = named
            .into_iter()
            .filter(|(id, _)| visible.contains(id))
            .collect();
        let mut cells = Vec::new();
        let (mut late, mut missing) = (0, 0);
        for (org_id, _) in &units {
            for period in &periods {
                let filed = reports
                    .iter()
                    .find(|r| r.org_id == *org_id && r.period_key == period.key);
                let status = match filed {
                    Some(r) if r.late != 0 => ReportStatus::Late,
                    Some(_) => ReportStatus::OnTime,
                    None if today > period.due_on => ReportStatus::Missing,
                    None => ReportStatus::NotDue,
                };
                late += usize::from(status == ReportStatus::Late);
                missing += usize::from(status == ReportStatus::Missing);
                cells.push(ReportCell {
                    org_id: *org_id,
                    period_key: period.key.clone(),
                    status,
                    report_id: filed.map(|r| r.id),
                });
            }
        }
        Ok(TaskReportGrid {
            periods,
            units,
            cells,
            late,
            missing,
        })
    }
}

/// The lines of a return, each on a task of the unit's.
fn checked_lines(tasks: &[Task], lines: Vec<(i64, String)>) -> Result<Vec<(i64, String)>> {
    for (task_id, _) in &lines {
        if !tasks.iter().any(|t| t.id == *task_id) {
            return Err(StoreError::Refused {
                code: "not_task_unit",
                value: task_id.to_string(),
            });
        }
    }
    Ok(lines)
}

/// A return the caller's unit owes: one per campaign and period, covering its tasks.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingReturn {
    pub campaign_id: i64,
    pub campaign_title: String,
    /// How many of the campaign's tasks the return covers (the dispatch return included).
    pub tasks: usize,
    /// The first of those tasks, whose page holds the return's form.
    pub task_id: i64,
    pub period_key: String,
    pub due_on: String,
    /// The due day has passed.
    pub overdue: bool,
}

impl Store {
    /// What the caller's unit still has to report, most urgent first (at most `limit`).
    pub async fn pending_returns(
        &self,
        who: &Principal,
        limit: usize,
    ) -> Result<Vec<PendingReturn>> {
        let campaign_ids: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT t.campaign_id FROM task_units u JOIN campaign_tasks t ON t.id = u.task_id \
             WHERE u.org_id = $1 AND u.retired = 0 ORDER BY t.campaign_id",
        )
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?;
        let filed: Vec<(i64, String)> = sqlx::query_as(
            "SELECT campaign_id, period_key FROM unit_returns WHERE org_id = $1 AND is_current = 1",
        )
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?;
        let today = self.today();
        let mut out = Vec::new();
        for campaign_id in campaign_ids {
            let campaign = self.campaign(who, campaign_id).await?;
            let unit_tasks = self.unit_tasks(who, campaign_id, who.org_id).await?;
            let (tasks, task_id) = (unit_tasks.len(), unit_tasks.first().map_or(0, |t| t.id));
            for period in self.open_periods(&campaign) {
                if filed
                    .iter()
                    .any(|(c, k)| *c == campaign_id && *k == period.key)
                {
                    continue;
                }
                out.push(PendingReturn {
                    campaign_id,
                    campaign_title: campaign.title.clone(),
                    tasks,
                    task_id,
                    overdue: today > period.due_on,
                    period_key: period.key,
                    due_on: period.due_on.to_string(),
                });
            }
        }
        out.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then(a.campaign_id.cmp(&b.campaign_id))
        });
        out.truncate(limit);
        Ok(out)
    }
}
