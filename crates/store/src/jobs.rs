//! Deadlines that do not get lost: a persistent job table and the in-app inbox.
//!
//! When a hazard gets a deadline, its jobs are written in the same transaction: a reminder
//! before the deadline, then, once it has passed with the hazard still open, escalation one
//! level up at a time (community → street → district → city). A job's `dedupe_key` makes each
//! due moment exist once; [`Store::run_due_jobs`] claims due jobs atomically (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL, the single writer on SQLite), so several servers on one database
//! deliver each once, and a job claimed by a server that died is taken over when its lease
//! runs out. Tests call `run_due_jobs` directly with a moved clock.

use crate::WriteTx;
use crate::audit::{Change, append, to_json};
use crate::clock::{china_moment, format_time};
use crate::{DbKind, Result, Store, StoreError};
use chrono::{Duration, NaiveDate};
use hazardnet_domain::{IndustryCode, JurisdictionCode, OrgKind, Role};
use serde::Serialize;
use sqlx::FromRow;

/// Days before the deadline that the reminder goes out.
pub const REMINDER_DAYS_BEFORE: i64 = 3;
/// Days between escalations once a deadline has passed.
pub const ESCALATION_INTERVAL_DAYS: i64 = 7;
const LEASE_MINUTES: i64 = 5;

/// The offices an overdue hazard escalates to, lowest first, ending at the city.
pub fn escalation_chain(jurisdiction: &JurisdictionCode) -> Vec<JurisdictionCode> {
    let mut chain = vec![jurisdiction.clone()];
    let mut current = jurisdiction.clone();
    while let Some(parent) = current.parent() {
        if parent.level() < hazardnet_domain::JurisdictionLevel::City {
            break;
        }
        chain.push(parent.clone());
        current = parent;
    }
    chain
}

/// The office a job speaks to: the hazard's own for the reminder, the k-th of the escalation
/// chain for escalation step k.
fn job_office(job: &ClaimedJob, h: &JobHazard) -> Option<JurisdictionCode> {
    let chain = JurisdictionCode::parse(&h.jurisdiction_code)
        .map(|j| escalation_chain(&j))
        .unwrap_or_default();
    if job.kind == "remind" {
        chain.into_iter().next()
    } else {
        chain.into_iter().nth((job.step - 1) as usize)
    }
}

/// Writes the reminder and escalation jobs of a deadline inside the caller's transaction.
pub(crate) async fn schedule_deadline_jobs<E: crate::writer::Exec>(
    tx: &mut E,
    store: &Store,
    hazard_id: i64,
    jurisdiction: &str,
    deadline: NaiveDate,
) -> Result<()> {
    let now = format_time(store.clock().now());
    let chain = JurisdictionCode::parse(jurisdiction)
        .map(|j| escalation_chain(&j))
        .unwrap_or_default();
    let mut jobs = vec![(
        "remind",
        0_i64,
        china_moment(deadline - Duration::days(REMINDER_DAYS_BEFORE), 9),
    )];
    for step in 0..chain.len() as i64 {
        let day = deadline + Duration::days(1 + step * ESCALATION_INTERVAL_DAYS);
        jobs.push(("escalate", step + 1, china_moment(day, 0)));
    }
    for (kind, step, due_at) in jobs {
        tx.rows(
            "INSERT INTO jobs (kind, hazard_id, deadline, step, due_at, dedupe_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
            vec![
                kind.into(),
                hazard_id.into(),
                deadline.to_string().into(),
                step.into(),
                due_at.into(),
                format!("{kind}:{hazard_id}:{deadline}:{step}").into(),
                now.as_str().into(),
            ],
        )
        .await?;
    }
    Ok(())
}

/// A notice about a hazard that someone must hear of at once. Each is a job written in the
/// transaction of the step that causes it, so no crash can lose it, and due at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Notice {
    /// A major hazard was recorded: the offices over it hear of it (DESIGN.md: a major hazard
    /// "is reported to the regulator the moment it is recorded").
    MajorReported,
    /// The enterprise asked to move a deadline: those who may decide hear of it.
    ExtensionRequested,
    /// The request was granted or refused: the enterprise hears of it.
    ExtensionApproved,
    ExtensionRefused,
}

impl Notice {
    const ALL: [Notice; 4] = [
        Notice::MajorReported,
        Notice::ExtensionRequested,
        Notice::ExtensionApproved,
        Notice::ExtensionRefused,
    ];

    /// The job kind, which is also the inbox message's kind.
    fn kind(self) -> &'static str {
        match self {
            Notice::MajorReported => "major_reported",
            Notice::ExtensionRequested => "extension_requested",
            Notice::ExtensionApproved => "extension_approved",
            Notice::ExtensionRefused => "extension_refused",
        }
    }

    fn of_kind(kind: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|n| n.kind() == kind)
    }
}

/// Writes `notice` about a hazard as a job due now, inside the caller's transaction. `occasion`
/// tells one occurrence from the next (the hazard's version for a transition).
pub(crate) async fn schedule_notice<E: crate::writer::Exec>(
    tx: &mut E,
    store: &Store,
    notice: Notice,
    hazard_id: i64,
    occasion: i64,
) -> Result<()> {
    let now = format_time(store.clock().now());
    tx.rows(
        "INSERT INTO jobs (kind, hazard_id, deadline, step, due_at, dedupe_key, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
        vec![
            notice.kind().into(),
            hazard_id.into(),
            "".into(),
            occasion.into(),
            now.as_str().into(),
            format!("{}:{hazard_id}:{occasion}", notice.kind()).into(),
            now.as_str().into(),
        ],
    )
    .await?;
    Ok(())
}

/// The divisions whose offices hear of a major hazard at once: its own (community or street),
/// up to and including its county.
fn major_report_offices(jurisdiction: &JurisdictionCode) -> Vec<String> {
    let mut offices = Vec::new();
    let mut current = Some(jurisdiction.clone());
    while let Some(code) = current {
        let county = code.level() <= hazardnet_domain::JurisdictionLevel::County;
        offices.push(code.to_string());
        if county {
            break;
        }
        current = code.parent();
    }
    offices
}

#[derive(Debug, Clone, FromRow)]
struct ClaimedJob {
    id: i64,
    kind: String,
    hazard_id: i64,
    deadline: String,
    step: i64,
}

#[derive(Debug, Clone, FromRow)]
struct JobHazard {
    number: String,
    title: String,
    state: String,
    deadline: Option<String>,
    enterprise_id: i64,
    jurisdiction_code: String,
    industry_code: String,
    level: String,
}

#[derive(Debug, Clone, FromRow)]
struct Recipient {
    user_id: i64,
    role: String,
    kind: String,
    jurisdiction_code: Option<String>,
    industries: String,
    enterprise_id: Option<i64>,
}

/// The users who may hear of a hazard, with their office; the caller adds the condition.
const RECIPIENT_SELECT: &str = "SELECT u.id AS user_id, u.role, o.kind, o.jurisdiction_code, \
    o.industries, o.enterprise_id FROM users u JOIN organizations o ON o.id = u.org_id \
    WHERE u.disabled = 0";

impl Recipient {
    /// Whether the recipient's office answers for `industry`: every office does, but a
    /// regulator only for its own industries.
    fn covers(&self, industry: Option<&IndustryCode>) -> bool {
        OrgKind::parse(&self.kind).ok() != Some(OrgKind::IndustryRegulator)
            || industry.is_some_and(|i| {
                self.industries
                    .split(',')
                    .filter_map(|c| IndustryCode::parse(c).ok())
                    .any(|c| c.covers(i))
            })
    }
}

/// One message in a user's inbox. `kind` and `params` are rendered in the reader's language.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct InboxMessage {
    pub id: i64,
    pub hazard_id: Option<i64>,
    pub kind: String,
    pub title: String,
    /// JSON object of the message's parameters (deadline, office …).
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A notification waiting for the webhook, with what a gateway needs to reach the person.
#[derive(Debug, Clone, FromRow, Serialize)]
pub struct OutboxItem {
    pub id: i64,
    pub attempts: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub username: String,
    pub display_name: String,
    pub phone: String,
}

/// How long to wait before the n-th retry of a webhook delivery; after the last, give up.
const WEBHOOK_BACKOFF_MINUTES: [i64; 6] = [1, 5, 15, 60, 240, 1440];

impl Store {
    /// Puts a message in a user's inbox, and on the webhook's outbox when one is configured,
    /// inside the caller's transaction.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn send_message(
        &self,
        tx: &mut WriteTx,
        user_id: i64,
        hazard_id: Option<i64>,
        job_id: Option<i64>,
        kind: &str,
        title: &str,
        body: &str,
    ) -> Result<()> {
        let now = format_time(self.clock().now());
        let inbox_id: i64 = sqlx::query_scalar(
            "INSERT INTO inbox (user_id, hazard_id, job_id, kind, title, body, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(user_id)
        .bind(hazard_id)
        .bind(job_id)
        .bind(kind.to_string())
        .bind(title.to_string())
        .bind(body.to_string())
        .bind(now.clone())
        .fetch_one(&mut **tx)
        .await?;
        if self.webhook {
            sqlx::query(
                "INSERT INTO outbox (inbox_id, next_attempt_at, created_at) VALUES ($1, $2, $3)",
            )
            .bind(inbox_id)
            .bind(now.clone())
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Claims due webhook deliveries (leased, so two servers do not send one twice).
    pub async fn claim_outbox(&self, limit: i64) -> Result<Vec<OutboxItem>> {
        let now = self.clock().now();
        let lock = match self.kind() {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        };
        let claim = format!(
            "UPDATE outbox SET state = 'sending', next_attempt_at = $1 WHERE id IN (SELECT id FROM outbox \
             WHERE state IN ('pending', 'sending') AND next_attempt_at <= $2 ORDER BY id LIMIT $3{lock}) \
             RETURNING id"
        );
        let mut tx = self.begin_write().await?;
        let ids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(claim))
            .bind(format_time(now + Duration::minutes(LEASE_MINUTES)))
            .bind(format_time(now))
            .bind(limit)
            .fetch_all(&mut *tx)
            .await?;
        tx.commit().await?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            let item: OutboxItem = sqlx::query_as(
                "SELECT o.id, o.attempts, i.kind, i.title, i.body, u.username, u.display_name, u.phone \
                 FROM outbox o JOIN inbox i ON i.id = o.inbox_id JOIN users u ON u.id = i.user_id WHERE o.id = $1",
            )
            .bind(id)
            .fetch_one(&self.read)
            .await?;
            items.push(item);
        }
        Ok(items)
    }

    /// Records the result of one delivery: sent, or retried later (given up after the last try).
    pub async fn finish_outbox(&self, item: &OutboxItem, error: Option<&str>) -> Result<()> {
        let now = self.clock().now();
        match error {
            None => {
                let mut tx = self.begin_write().await?;
                sqlx::query("UPDATE outbox SET state = 'sent', attempts = attempts + 1, sent_at = $1 WHERE id = $2")
                    .bind(format_time(now))
                    .bind(item.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Some(error) => {
                let attempt = item.attempts as usize;
                let (state, next) = match WEBHOOK_BACKOFF_MINUTES.get(attempt) {
                    Some(minutes) => ("pending", now + Duration::minutes(*minutes)),
                    None => ("failed", now),
                };
                let mut tx = self.begin_write().await?;
                sqlx::query(
                    "UPDATE outbox SET state = $1, attempts = attempts + 1, next_attempt_at = $2, last_error = $3 \
                     WHERE id = $4",
                )
                .bind(state.to_string())
                .bind(format_time(next))
                .bind(error.chars().take(500).collect::<String>())
                .bind(item.id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Runs every job that is due now; returns how many were finished. Safe to call from
    /// several servers at once.
    pub async fn run_due_jobs(&self) -> Result<usize> {
        let now = self.clock().now();
        let now_text = format_time(now);
        let lease = format_time(now + Duration::minutes(LEASE_MINUTES));
        let lock = match self.kind() {
            DbKind::Postgres => " FOR UPDATE SKIP LOCKED",
            DbKind::Sqlite => "",
        };
        let claim = format!(
            "UPDATE jobs SET state = 'running', lease_until = $1 WHERE id IN (SELECT id FROM jobs \
             WHERE (state = 'pending' OR (state = 'running' AND lease_until < $2)) AND due_at <= $3 \
             ORDER BY due_at, id LIMIT 100{lock}) RETURNING id, kind, hazard_id, deadline, step"
        );
        let mut finished = 0;
        loop {
            let mut tx = self.begin_write().await?;
            let claimed: Vec<ClaimedJob> = sqlx::query_as(sqlx::AssertSqlSafe(claim.clone()))
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
                self.finish_job(&job).await?;
                finished += 1;
            }
        }
        Ok(finished + self.run_due_report_jobs().await?)
    }

    async fn finish_job(&self, job: &ClaimedJob) -> Result<()> {
        let hazard: Option<JobHazard> = sqlx::query_as(
            "SELECT number, title, state, deadline, enterprise_id, jurisdiction_code, industry_code, level \
             FROM hazards WHERE id = $1",
        )
        .bind(job.hazard_id)
        .fetch_optional(&self.read)
        .await?;
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let outcome = match (hazard, Notice::of_kind(&job.kind)) {
            (None, _) => "skipped".to_string(),
            (Some(h), Some(notice)) => {
                let recipients = self.notice_recipients(notice, &h).await?;
                let enterprise: Option<String> =
                    sqlx::query_scalar("SELECT name FROM enterprises WHERE id = $1")
                        .bind(h.enterprise_id)
                        .fetch_optional(&self.read)
                        .await?;
                let body = serde_json::json!({
                    "number": h.number, "title": h.title,
                    "enterprise": enterprise.unwrap_or_default(),
                    "deadline": h.deadline.clone().unwrap_or_default(),
                })
                .to_string();
                for user_id in &recipients {
                    self.send_message(
                        &mut tx,
                        *user_id,
                        Some(job.hazard_id),
                        Some(job.id),
                        notice.kind(),
                        &format!("{} {}", h.number, h.title),
                        &body,
                    )
                    .await?;
                }
                append(
                    &mut tx,
                    self,
                    &crate::Actor::system("jobs"),
                    Change {
                        action: &format!("hazard.{}_notice", notice.kind()),
                        entity: "hazard",
                        entity_id: job.hazard_id.to_string(),
                        jurisdiction: &h.jurisdiction_code,
                        before: None,
                        after: to_json(&serde_json::json!({
                            "job": job.id, "recipients": recipients,
                        })),
                    },
                )
                .await?;
                format!("notified {}", recipients.len())
            }
            // A finished hazard, or one whose deadline has moved since, needs nothing.
            (Some(h), None)
                if matches!(h.state.as_str(), "closed" | "rejected")
                    || h.deadline.as_deref() != Some(job.deadline.as_str()) =>
            {
                "skipped".to_string()
            }
            (Some(h), None) => {
                let office = job_office(job, &h);
                let recipients = self.job_recipients(job, &h, office.as_ref()).await?;
                let (office, kind) = match (job.kind.as_str(), office) {
                    ("remind", _) => (String::new(), "deadline_reminder"),
                    (_, office) => {
                        let code = office.map(|c| c.to_string()).unwrap_or_default();
                        let name = self
                            .jurisdiction(&code)
                            .await
                            .map(|j| j.name)
                            .unwrap_or(code);
                        (name, "overdue_escalation")
                    }
                };
                let body = serde_json::json!({
                    "number": h.number, "title": h.title, "deadline": job.deadline,
                    "office": office, "level": h.level, "step": job.step,
                })
                .to_string();
                for user_id in &recipients {
                    self.send_message(
                        &mut tx,
                        *user_id,
                        Some(job.hazard_id),
                        Some(job.id),
                        kind,
                        &format!("{} {}", h.number, h.title),
                        &body,
                    )
                    .await?;
                }
                append(
                    &mut tx,
                    self,
                    &crate::Actor::system("jobs"),
                    Change {
                        action: if job.kind == "remind" { "hazard.deadline_reminder" } else { "hazard.overdue_escalation" },
                        entity: "hazard",
                        entity_id: job.hazard_id.to_string(),
                        jurisdiction: &h.jurisdiction_code,
                        before: None,
                        after: to_json(&serde_json::json!({
                            "job": job.id, "step": job.step, "deadline": job.deadline, "office": office,
                            "recipients": recipients,
                        })),
                    },
                )
                .await?;
                format!("notified {}", recipients.len())
            }
        };
        sqlx::query("UPDATE jobs SET state = 'done', outcome = $1, done_at = $2 WHERE id = $3")
            .bind(outcome)
            .bind(now)
            .bind(job.id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Who hears of a job: for the reminder, the enterprise's principal and safety manager and
    /// the territorial office where the hazard is; for escalation step k, the government offices
    /// of the k-th level of the chain (a regulator only for its industries), and at the first
    /// step the enterprise's managers too.
    async fn job_recipients(
        &self,
        job: &ClaimedJob,
        h: &JobHazard,
        office: Option<&JurisdictionCode>,
    ) -> Result<Vec<i64>> {
        let rows: Vec<Recipient> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RECIPIENT_SELECT} AND (o.enterprise_id = $1 OR o.jurisdiction_code = $2)"
        )))
        .bind(h.enterprise_id)
        .bind(office.as_ref().map(|o| o.to_string()).unwrap_or_default())
        .fetch_all(&self.read)
        .await?;
        let industry = IndustryCode::parse(&h.industry_code).ok();
        let mut ids: Vec<i64> = rows
            .into_iter()
            .filter(|r| {
                let role = Role::parse(&r.role).ok();
                if r.enterprise_id == Some(h.enterprise_id) {
                    let manager = matches!(
                        role,
                        Some(Role::EnterprisePrincipal | Role::EnterpriseSafetyManager)
                    );
                    return manager && (job.kind == "remind" || job.step == 1);
                }
                let kind = OrgKind::parse(&r.kind).ok();
                let at_office =
                    r.jurisdiction_code.as_deref() == office.as_ref().map(|o| o.as_str());
                let reminder_office = job.kind != "remind"
                    || matches!(kind, Some(OrgKind::StreetOffice | OrgKind::Community));
                let covers = r.covers(industry.as_ref());
                at_office
                    && reminder_office
                    && covers
                    && kind.is_some_and(|k| k.is_government())
                    && role != Some(Role::Leader)
            })
            .map(|r| r.user_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Who hears of a notice. Of a major hazard: the clerks of the government offices at its
    /// community, street and county (a regulator only for its industries; leaders follow the
    /// hazards they are assigned, they are not told of each one). Of an extension request:
    /// those of them who may decide it. Of the decision: the enterprise's principal and safety
    /// managers.
    async fn notice_recipients(&self, notice: Notice, h: &JobHazard) -> Result<Vec<i64>> {
        if matches!(notice, Notice::ExtensionApproved | Notice::ExtensionRefused) {
            let mut sql = crate::sql::Sql::new(RECIPIENT_SELECT);
            sql.push(" AND o.enterprise_id = ").bind(h.enterprise_id);
            sql.push(" AND u.role IN ('enterprise_principal', 'enterprise_safety_manager') ORDER BY u.id");
            let rows: Vec<Recipient> = sql.query_as().fetch_all(&self.read).await?;
            return Ok(rows.into_iter().map(|r| r.user_id).collect());
        }
        let major = h.level == "major";
        let place = JurisdictionCode::parse(&h.jurisdiction_code)?;
        let offices = major_report_offices(&place);
        let mut sql = crate::sql::Sql::new(RECIPIENT_SELECT);
        sql.push(" AND o.jurisdiction_code IN (");
        for (i, office) in offices.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(office.clone());
        }
        sql.push(")");
        let rows: Vec<Recipient> = sql.query_as().fetch_all(&self.read).await?;
        let industry = IndustryCode::parse(&h.industry_code).ok();
        let mut ids: Vec<i64> = rows
            .into_iter()
            .filter(|r| {
                let kind = OrgKind::parse(&r.kind).ok();
                let role = Role::parse(&r.role).ok();
                let decides = notice != Notice::ExtensionRequested
                    || role.is_some_and(|r| r.may_decide_extension(major));
                kind.is_some_and(|k| k.is_government())
                    && role != Some(Role::Leader)
                    && decides
                    && r.covers(industry.as_ref())
            })
            .map(|r| r.user_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    pub async fn inbox(
        &self,
        user_id: i64,
        unread_only: bool,
        limit: i64,
    ) -> Result<(Vec<InboxMessage>, i64)> {
        let filter = if unread_only {
            " AND read_at IS NULL"
        } else {
            ""
        };
        let items = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id, hazard_id, kind, title, body, created_at, read_at FROM inbox \
             WHERE user_id = $1{filter} ORDER BY id DESC LIMIT $2"
        )))
        .bind(user_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.read)
        .await?;
        let unread: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE user_id = $1 AND read_at IS NULL")
                .bind(user_id)
                .fetch_one(&self.read)
                .await?;
        Ok((items, unread))
    }

    /// Marks one of the user's own messages read (again is harmless). Another user's message,
    /// like an unknown id, is not found.
    pub async fn mark_read(&self, user_id: i64, message_id: i64) -> Result<()> {
        // A message never changes hands, so its owner is read before the write.
        let own: Option<i64> =
            sqlx::query_scalar("SELECT id FROM inbox WHERE id = $1 AND user_id = $2")
                .bind(message_id)
                .bind(user_id)
                .fetch_optional(&self.read)
                .await?;
        if own.is_none() {
            return Err(StoreError::NotFound);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE inbox SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
        )
        .bind(format_time(self.clock().now()))
        .bind(message_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Jobs not yet done (for operators and tests).
    pub async fn pending_jobs(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE state <> 'done'")
                .fetch_one(&self.read)
                .await?,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escalation_climbs_from_the_community_to_the_city() {
        let chain = escalation_chain(&JurisdictionCode::parse("450202002001").unwrap());
        let codes: Vec<&str> = chain.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            codes,
            [
                "450202002001",
                "450202002000",
                "450202000000",
                "450200000000"
            ]
        );
        let chain = escalation_chain(&JurisdictionCode::parse("450202002000").unwrap());
        assert_eq!(chain.len(), 3);
    }

    #[test]
    fn china_moments_are_stored_in_utc() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(china_moment(d, 9), "2026-12-01T01:00:00Z");
        assert_eq!(china_moment(d, 0), "2026-11-30T16:00:00Z");
    }
}
