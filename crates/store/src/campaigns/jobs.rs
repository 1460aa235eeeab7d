//! Report reminders and escalation, on the same footing as hazard deadline jobs: a row per due
//! moment with a dedupe key, claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
//! Jobs run per campaign and period, on the row of the campaign's dispatch return (task 0): two
//! days before a period's due day the campaign's units (of any task) that have not filed their
//! return are reminded; the day after, the units still missing are told and the issuing office
//! hears which they are. One return per unit and period, so one reminder per unit and period,
//! however many tasks name it. Jobs roll forward: the reminder of one period schedules the next
//! period's pair.

use crate::WriteTx;
use crate::audit::{Change, append, to_json};
use crate::clock::{china_moment, format_time, parse_day};
use crate::{DbKind, Result, Store};
use chrono::{Duration, NaiveDate};
use hazardnet_domain::Role;
use hazardnet_domain::campaign::{Cadence, Period};
use sqlx::FromRow;

/// Days before a report's due day that its reminder goes out.
pub const REPORT_REMINDER_DAYS: i64 = 2;
const LEASE_MINUTES: i64 = 5;

#[derive(Debug, Clone, FromRow)]
struct ClaimedReportJob {
    id: i64,
    kind: String,
    task_id: i64,
    period_key: String,
}

#[derive(Debug, Clone, FromRow)]
struct JobTask {
    number: i64,
    cadence: String,
    campaign_id: i64,
    title: String,
    jurisdiction_code: String,
    issuing_org_id: i64,
    starts_on: String,
    ends_on: Option<String>,
}

impl Store {
    /// Schedules the reminder and escalation of the first period of `cadence` (from `starts_on`)
    /// whose due day is today or later.
    pub(crate) async fn schedule_report_jobs(
        &self,
        tx: &mut WriteTx,
        task_id: i64,
        cadence: &Cadence,
        starts_on: NaiveDate,
        ends_on: Option<NaiveDate>,
    ) -> Result<()> {
        let today = self.today();
        let horizon = ends_on.unwrap_or(today + Duration::days(800)).max(today);
        let next = cadence
            .periods(starts_on, horizon, 2000)
            .into_iter()
            .find(|p| p.due_on >= today);
        if let Some(period) = next {
            self.schedule_period_jobs(tx, task_id, &period).await?;
        }
        Ok(())
    }

    async fn schedule_period_jobs(
        &self,
        tx: &mut WriteTx,
        task_id: i64,
        period: &Period,
    ) -> Result<()> {
        let now = format_time(self.clock().now());
        let jobs = [
            (
                "remind",
                china_moment(period.due_on - Duration::days(REPORT_REMINDER_DAYS), 9),
            ),
            (
                "escalate",
                china_moment(period.due_on + Duration::days(1), 9),
            ),
        ];
        for (kind, due_at) in jobs {
            sqlx::query(
                "INSERT INTO report_jobs (kind, task_id, period_key, due_on, due_at, dedupe_key, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(kind.to_string())
            .bind(task_id)
            .bind(period.key.clone())
            .bind(period.due_on.to_string())
            .bind(due_at)
            .bind(format!("{kind}:{task_id}:{}", period.key))
            .bind(now.clone())
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Runs the report jobs due now; returns how many finished.
    pub(crate) async fn run_due_report_jobs(&self) -> Result<usize> {
        let now = self.clock().now();
        let now_text = format_time(now);
        let lease = format_time(now + Duration::minutes(LEASE_MINUTES));
        let lock = match self.kind() {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        };
        let claim = format!(
            "UPDATE report_jobs SET state = 'running', lease_until = $1 WHERE id IN (SELECT id FROM report_jobs \
             WHERE (state = 'pending' OR (state = 'running' AND lease_until < $2)) AND due_at <= $3 \
             ORDER BY due_at, id LIMIT 100{lock}) RETURNING id, kind, task_id, period_key"
        );
        let mut finished = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let claimed: Vec<ClaimedReportJob> = sqlx::query_as(sqlx::AssertSqlSafe(claim.clone()))
                .bind(lease.clone())
                .bind(now_text.clone())
                .bind(now_text.clone())
                .fetch_all(&mut *tx)
                .await?;
            tx.commit().await?;
            if claimed.is_empty() {
                break;
            }
            for job in claimed {
                self.finish_report_job(&job).await?;
                finished += 1;
            }
        }
        Ok(finished)
    }

    async fn finish_report_job(&self, job: &ClaimedReportJob) -> Result<()> {
        let task: JobTask = sqlx::query_as(
            "SELECT t.number, t.cadence, c.id AS campaign_id, c.title, c.jurisdiction_code, \
             c.issuing_org_id, c.starts_on, c.ends_on FROM campaign_tasks t \
             JOIN campaigns c ON c.id = t.campaign_id WHERE t.id = $1",
        )
        .bind(job.task_id)
        .fetch_one(&self.read)
        .await?;
        // The campaign's units (named on any of its tasks) that have not filed the period's return.
        let missing: Vec<(i64, String)> = sqlx::query_as(
            "SELECT DISTINCT o.id, o.name FROM task_units u JOIN organizations o ON o.id = u.org_id \
             JOIN campaign_tasks t ON t.id = u.task_id WHERE t.campaign_id = $1 AND u.retired = 0 \
             AND NOT EXISTS (SELECT 1 FROM unit_returns r WHERE r.campaign_id = t.campaign_id \
             AND r.org_id = u.org_id AND r.period_key = $2 AND r.is_current = 1) ORDER BY o.id",
        )
        .bind(task.campaign_id)
        .bind(job.period_key.clone())
        .fetch_all(&self.read)
        .await?;
        let cadence = Cadence::parse(&task.cadence).ok();
        let starts = parse_day(&task.starts_on).unwrap_or_default();
        let ends = task.ends_on.as_deref().and_then(parse_day);
        let period = cadence.and_then(|c| c.period_by_key(&job.period_key, starts));
        let missing_names: Vec<String> = missing.iter().map(|(_, n)| n.clone()).collect();
        let body = serde_json::json!({
            "campaign": task.title, "task": task.number, "period": job.period_key,
            "due_on": period.as_ref().map(|p| p.due_on.to_string()).unwrap_or_default(),
            "units": missing_names.join("、"),
        })
        .to_string();
        let title = format!("{} · {}", task.title, job.period_key);
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let mut notified: Vec<i64> = Vec::new();
        let kind = if job.kind == "remind" {
            "report_reminder"
        } else {
            "report_missing"
        };
        let mut orgs: Vec<i64> = missing.iter().map(|(id, _)| *id).collect();
        if job.kind == "escalate" && !missing.is_empty() {
            orgs.push(task.issuing_org_id);
        }
        for org_id in orgs {
            let users: Vec<(i64, String)> = sqlx::query_as(
                "SELECT id, role FROM users WHERE org_id = $1 AND disabled = 0 ORDER BY id",
            )
            .bind(org_id)
            .fetch_all(&self.read)
            .await?;
            for (user_id, role) in users {
                let role = Role::parse(&role).ok();
                if matches!(
                    role,
                    Some(Role::Leader | Role::Expert | Role::EnterpriseStaff)
                ) || notified.contains(&user_id)
                {
                    continue;
                }
                self.send_message(&mut tx, user_id, None, None, kind, &title, &body)
                    .await?;
                notified.push(user_id);
            }
        }
        if job.kind == "escalate" && !missing.is_empty() {
            append(
                &mut tx,
                self,
                &crate::Actor::system("jobs"),
                Change {
                    action: "campaign.report_missing",
                    entity: "campaign",
                    entity_id: task.campaign_id.to_string(),
                    jurisdiction: &task.jurisdiction_code,
                    before: None,
                    after: to_json(&serde_json::json!({
                        "job": job.id, "task": job.task_id, "period": job.period_key,
                        "missing": missing_names, "recipients": notified,
                    })),
                },
            )
            .await?;
        }
        // Roll forward: the next period's reminder and escalation.
        if job.kind == "remind"
            && let (Some(cadence), Some(period)) = (cadence, period.as_ref())
            && !matches!(cadence, Cadence::Once { .. })
        {
            let next = cadence.period_containing(period.ends_on + Duration::days(1));
            if ends.is_none_or(|end| next.starts_on <= end) {
                self.schedule_period_jobs(&mut tx, job.task_id, &next)
                    .await?;
            }
        }
        sqlx::query(
            "UPDATE report_jobs SET state = 'done', outcome = $1, done_at = $2 WHERE id = $3",
        )
        .bind(format!("notified {}", notified.len()))
        .bind(now)
        .bind(job.id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
