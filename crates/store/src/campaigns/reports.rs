//! Progress reports: one per task, unit and period, filed by a member of the unit once the
//! period has started; late when filed after the period's due day. The grid of units × periods
//! shows what is filed, late, missing (due day passed, nothing filed) or not yet due.

use super::Campaign;
use super::tasks::Task;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::{Result, Store, StoreError};
use hazardnet_domain::Role;
use hazardnet_domain::campaign::{Period, ReportInput};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Report {
    pub id: i64,
    pub task_id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub period_key: String,
    pub period_starts_on: String,
    pub period_ends_on: String,
    pub due_on: String,
    pub body: String,
    pub figures_json: String,
    pub late: i64,
    pub submitted_by_name: String,
    pub submitted_at: String,
}

impl Report {
    pub fn figures(&self) -> BTreeMap<String, i64> {
        serde_json::from_str(&self.figures_json).unwrap_or_default()
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

const REPORT_SELECT: &str = "SELECT r.id, r.task_id, r.org_id, o.name AS org_name, r.period_key, \
    r.period_starts_on, r.period_ends_on, r.due_on, r.body, r.figures_json, r.late, \
    u.display_name AS submitted_by_name, r.submitted_at FROM task_reports r \
    JOIN organizations o ON o.id = r.org_id JOIN users u ON u.id = r.submitted_by";

impl Store {
    /// The periods of a task a report may be filed for today: started, inside the campaign.
    pub fn open_periods(&self, campaign: &Campaign, task: &Task) -> Vec<Period> {
        campaign.periods(&task.cadence(), self.today())
    }

    /// Files `who`'s unit's report on a task for a period. Refused: a unit not named on the
    /// task, a period not started or not the task's, a second report for the same period.
    pub async fn file_report(
        &self,
        who: &Principal,
        campaign_id: i64,
        task_id: i64,
        input: &ReportInput,
    ) -> Result<i64> {
        let (body, figures) = input.validate()?;
        let campaign = self.campaign(who, campaign_id).await?;
        let task = self.task(who, campaign_id, task_id).await?;
        if matches!(
            who.role,
            Role::Leader | Role::Expert | Role::EnterpriseStaff
        ) {
            return Err(StoreError::Forbidden);
        }
        if !task
            .reporting_orgs()
            .iter()
            .any(|(id, _)| *id == who.org_id)
        {
            return Err(StoreError::Refused {
                code: "not_task_unit",
                value: who.org_name.clone(),
            });
        }
        let key = input.period_key.trim();
        let cadence = task.cadence();
        let period = cadence
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
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let figures_json = serde_json::to_string(&figures).unwrap_or_else(|_| "{}".into());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO task_reports (task_id, org_id, period_key, period_starts_on, period_ends_on, \
             due_on, body, figures_json, late, submitted_by, submitted_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(task.id)
        .bind(who.org_id)
        .bind(period.key.clone())
        .bind(period.starts_on.to_string())
        .bind(period.ends_on.to_string())
        .bind(period.due_on.to_string())
        .bind(body.clone())
        .bind(figures_json)
        .bind(i64::from(late))
        .bind(who.user_id)
        .bind(now)
        .fetch_one(&mut *tx)
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
                    "report": id, "task": task.id, "number": task.number, "org": who.org_id,
                    "period": period.key, "due_on": period.due_on, "late": late,
                    "figures": figures, "body": body,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Reports on a task (all periods), or of the whole campaign when `task_id` is None.
    pub async fn reports(
        &self,
        who: &Principal,
        campaign_id: i64,
        task_id: Option<i64>,
    ) -> Result<Vec<Report>> {
        self.campaign(who, campaign_id).await?;
        let mut sql = crate::sql::Sql::new(REPORT_SELECT);
        sql.push(
            " JOIN campaign_tasks t ON t.id = r.task_id JOIN campaigns c ON c.id = t.campaign_id \
             WHERE t.campaign_id = ",
        )
        .bind(campaign_id);
        if let Some(task) = task_id {
            sql.push(" AND r.task_id = ").bind(task);
        }
        sql.push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        sql.push(" ORDER BY r.period_starts_on, r.org_id");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }

    pub async fn report(
        &self,
        who: &Principal,
        campaign_id: i64,
        report_id: i64,
    ) -> Result<Report> {
        self.reports(who, campaign_id, None)
            .await?
            .into_iter()
            .find(|r| r.id == report_id)
            .ok_or(StoreError::NotFound)
    }

    /// Units × periods of a task up to today, each cell on time, late, missing or not yet due.
    pub async fn report_grid(
        &self,
        who: &Principal,
        campaign: &Campaign,
        task: &Task,
    ) -> Result<TaskReportGrid> {
        let reports = self.reports(who, campaign.id, Some(task.id)).await?;
        let today = self.today();
        let periods = self.open_periods(campaign, task);
        // Only the units whose returns the caller may read: a unit it may not see would show
        // as missing, which is neither true nor the caller's business.
        let mut sql = crate::sql::Sql::new(
            "SELECT u.org_id FROM task_units u JOIN organizations o ON o.id = u.org_id \
             JOIN campaign_tasks t ON t.id = u.task_id JOIN campaigns c ON c.id = t.campaign_id \
             WHERE u.task_id = ",
        );
        sql.bind(task.id).push(" AND ");
        super::push_return_scope(&mut sql, who, "o");
        let visible: Vec<i64> = sql.query_scalar_i64().fetch_all(&self.read).await?;
        let units: Vec<(i64, String)> = task
            .reporting_orgs()
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

/// A return the caller's unit owes: the current period not yet filed, or a past one missed.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PendingReturn {
    pub campaign_id: i64,
    pub campaign_title: String,
    pub task_id: i64,
    /// 0 is the dispatch return.
    pub task_number: i64,
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
        let task_ids: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT DISTINCT t.id, t.campaign_id FROM task_units u JOIN campaign_tasks t ON t.id = u.task_id \
             WHERE u.org_id = $1 ORDER BY t.campaign_id, t.id",
        )
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?;
        let filed: Vec<(i64, String)> =
            sqlx::query_as("SELECT task_id, period_key FROM task_reports WHERE org_id = $1")
                .bind(who.org_id)
                .fetch_all(&self.read)
                .await?;
        let today = self.today();
        let mut campaign_ids: Vec<i64> = task_ids.iter().map(|(_, c)| *c).collect();
        campaign_ids.dedup();
        let mut out = Vec::new();
        // Each campaign and its tasks are read once, however many of its tasks name the unit.
        for campaign_id in campaign_ids {
            let campaign = self.campaign(who, campaign_id).await?;
            for task in self.tasks(who, campaign_id).await? {
                if !task_ids.contains(&(task.id, campaign_id)) {
                    continue;
                }
                for period in self.open_periods(&campaign, &task) {
                    if filed.iter().any(|(t, k)| *t == task.id && *k == period.key) {
                        continue;
                    }
                    out.push(PendingReturn {
                        campaign_id,
                        campaign_title: campaign.title.clone(),
                        task_id: task.id,
                        task_number: task.number,
                        overdue: today > period.due_on,
                        period_key: period.key,
                        due_on: period.due_on.to_string(),
                    });
                }
            }
        }
        out.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then(a.task_number.cmp(&b.task_number))
        });
        out.truncate(limit);
        Ok(out)
    }
}
