//! Campaigns (专项行动) and their task lists: creating a campaign with its phases, targets and
//! dispatch return (task 0), saving tasks with their units resolved to organizations, the
//! progress reports units file per period, the dispatch table and the report jobs.
//!
//! Who sees a campaign: the offices whose area holds it, the offices inside its area (it applies
//! to them), any organization named as a unit of one of its tasks, and the enterprises it
//! targets. The condition is [`push_campaign_scope`], carried by every query here.

mod attachments;
mod dispatch;
mod jobs;
mod reports;
mod tasks;

pub use attachments::ReportAttachment;

pub use dispatch::{DispatchRow, DispatchTable, LedgerFigures, WorkFigures};
pub use reports::{PendingReturn, Report, ReportCell, ReportStatus, ReturnLine, TaskReportGrid};
pub use tasks::{Task, TaskUnit, UnitAlias, UnitMatch};

use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::{format_time, parse_day};
use crate::sql::Sql;
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use hazardnet_domain::campaign::{
    Cadence, CampaignCorrection, CampaignFields, CampaignInput, Period, PhaseInput,
    correction_reason,
};
use hazardnet_domain::{JurisdictionCode, Role, Scope};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct CampaignPhase {
    pub seq: i64,
    pub name: String,
    pub starts_on: String,
    pub ends_on: String,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct CampaignTarget {
    pub enterprise_id: i64,
    pub name: String,
    pub enterprise_type: String,
    pub risk_grade: Option<String>,
}

#[derive(Debug, Clone, FromRow)]
struct CampaignRow {
    id: i64,
    title: String,
    doc_number: String,
    issuing_org_id: i64,
    issuing_org_name: String,
    jurisdiction_code: String,
    jurisdiction_name: String,
    industries: String,
    summary: String,
    cadence: String,
    starts_on: String,
    ends_on: Option<String>,
    created_at: String,
    task_count: i64,
    version: i64,
}

/// A campaign as shown to a user; phases and targets are filled by [`Store::campaign`].
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: i64,
    pub title: String,
    pub doc_number: String,
    pub issuing_org_id: i64,
    pub issuing_org_name: String,
    pub jurisdiction_code: String,
    pub jurisdiction_name: String,
    pub industries: Vec<String>,
    pub summary: String,
    /// The dispatch return's cadence code.
    pub cadence: String,
    pub starts_on: String,
    pub ends_on: Option<String>,
    /// The phase today falls in, if any.
    pub current_phase: Option<String>,
    /// Tasks besides the dispatch return.
    pub task_count: i64,
    pub phases: Vec<CampaignPhase>,
    pub targets: Vec<CampaignTarget>,
    pub created_at: String,
    /// Raised by each correction; a correction names the version it was made on.
    pub version: i64,
}

impl Campaign {
    /// The phases as a correction form or input carries them.
    pub fn phase_inputs(&self) -> Vec<PhaseInput> {
        self.phases
            .iter()
            .map(|p| PhaseInput {
                name: p.name.clone(),
                starts_on: p.starts_on.clone(),
                ends_on: p.ends_on.clone(),
            })
            .collect()
    }

    pub fn cadence(&self) -> Cadence {
        Cadence::parse(&self.cadence).unwrap_or(Cadence::Monthly {
            due_day: 28,
            next_month: false,
        })
    }

    pub fn starts(&self) -> NaiveDate {
        parse_day(&self.starts_on).unwrap_or_default()
    }

    pub fn ends(&self) -> Option<NaiveDate> {
        self.ends_on.as_deref().and_then(parse_day)
    }

    /// The periods of `cadence` from the campaign's start to `until` (or its end, if sooner).
    pub fn periods(&self, cadence: &Cadence, until: NaiveDate) -> Vec<Period> {
        let until = self.ends().map_or(until, |end| end.min(until));
        if until < self.starts() {
            return Vec::new();
        }
        cadence.periods(self.starts(), until, 400)
    }
}

const SELECT: &str = "SELECT c.id, c.title, c.doc_number, c.issuing_org_id, o.name AS issuing_org_name, \
    c.jurisdiction_code, COALESCE(j.name, '') AS jurisdiction_name, c.industries, c.summary, c.cadence, \
    c.starts_on, c.ends_on, c.created_at, c.version, \
    (SELECT COUNT(*) FROM campaign_tasks t WHERE t.campaign_id = c.id AND t.number > 0) AS task_count \
    FROM campaigns c JOIN organizations o ON o.id = c.issuing_org_id \
    LEFT JOIN jurisdictions j ON j.code = c.jurisdiction_code";

/// Appends `(condition)` restricting campaigns (aliased `c`) to those `who` may see.
pub(crate) fn push_campaign_scope(sql: &mut Sql, who: &Principal) {
    let named_unit = |sql: &mut Sql| {
        sql.push(
            " OR EXISTS (SELECT 1 FROM campaign_tasks st JOIN task_units su ON su.task_id = st.id \
             WHERE st.campaign_id = c.id AND su.org_id = ",
        );
        sql.bind(who.org_id).push(")");
    };
    match &who.scope {
        Scope::Everything => {
            sql.push("(1 = 1)");
        }
        Scope::Nothing => {
            sql.push("(1 = 0)");
        }
        Scope::Government { jurisdiction, .. } => {
            let (low, high) = jurisdiction.subtree_bounds();
            sql.push("(c.jurisdiction_code BETWEEN ");
            sql.bind(low).push(" AND ").bind(high);
            let mut above = jurisdiction.parent();
            while let Some(code) = above {
                sql.push(" OR c.jurisdiction_code = ").bind(code.as_str());
                above = code.parent();
            }
            named_unit(sql);
            sql.push(")");
        }
        Scope::Enterprise { enterprise_id } => {
            sql.push(
                "(EXISTS (SELECT 1 FROM campaign_targets ct WHERE ct.campaign_id = c.id AND ct.enterprise_id = ",
            );
            sql.bind(*enterprise_id).push(")");
            named_unit(sql);
            sql.push(")");
        }
        Scope::Assigned { user_id } => {
            sql.push(
                "(EXISTS (SELECT 1 FROM campaign_targets ct JOIN expert_assignments ea \
                 ON ea.enterprise_id = ct.enterprise_id WHERE ct.campaign_id = c.id \
                 AND ea.ended_at IS NULL AND ea.user_id = ",
            );
            sql.bind(*user_id).push(")");
            named_unit(sql);
            sql.push(")");
        }
    }
}

/// Appends `(condition)` restricting units' returns to those `who` may read: the unit's own,
/// and for a government office those of units inside its area and of campaigns inside its area
/// (the office that issued the campaign and the levels above it). The unit's organization is
/// aliased `unit`, its campaign `c`. Another street's return, or any return but its own for an
/// enterprise or an expert, is absent (DESIGN.md, "Out of scope looks like absent").
pub(crate) fn push_return_scope(sql: &mut Sql, who: &Principal, unit: &str) {
    match &who.scope {
        Scope::Everything => {
            sql.push("(1 = 1)");
        }
        Scope::Government { jurisdiction, .. } => {
            let (low, high) = jurisdiction.subtree_bounds();
            sql.push("(").push(unit).push(".id = ").bind(who.org_id);
            sql.push(" OR c.jurisdiction_code BETWEEN ")
                .bind(low.clone())
                .push(" AND ")
                .bind(high.clone());
            sql.push(" OR ")
                .push(unit)
                .push(".jurisdiction_code BETWEEN ");
            sql.bind(low).push(" AND ").bind(high).push(")");
        }
        Scope::Enterprise { .. } | Scope::Assigned { .. } | Scope::Nothing => {
            sql.push("(")
                .push(unit)
                .push(".id = ")
                .bind(who.org_id)
                .push(")");
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct CampaignFilter {
    pub keyword: Option<String>,
    /// Only campaigns whose area is inside this jurisdiction.
    pub jurisdiction: Option<String>,
    /// Campaigns running on this day (started, not ended).
    pub active_on: Option<NaiveDate>,
    pub page: i64,
    pub per_page: i64,
}

impl Store {
    /// May `who` issue campaigns at `jurisdiction`? Government clerks inside their area, and
    /// the administrator.
    fn may_issue(who: &Principal, jurisdiction: &JurisdictionCode) -> bool {
        let clerk = who.role.is_clerk();
        let inside = match &who.scope {
            Scope::Everything => true,
            Scope::Government {
                jurisdiction: mine, ..
            } => mine.contains(jurisdiction),
            _ => false,
        };
        clerk && inside
    }

    /// Issues a campaign: its phases, targets (each inside the caller's scope) and dispatch
    /// return (task 0, filed by the reporting units on the campaign's cadence).
    pub async fn create_campaign(&self, who: &Principal, input: &CampaignInput) -> Result<i64> {
        let fields = input.validate()?;
        if self
            .jurisdiction(fields.jurisdiction.as_str())
            .await
            .is_err()
        {
            return Err(StoreError::UnknownJurisdiction(
                fields.jurisdiction.to_string(),
            ));
        }
        if !Self::may_issue(who, &fields.jurisdiction) {
            return Err(StoreError::OutOfScope);
        }
        for id in &fields.targets {
            // Out-of-scope and unknown enterprises alike are unknown to this caller.
            if self.enterprise(who, *id).await.is_err() {
                return Err(StoreError::UnknownEnterprise(id.to_string()));
            }
        }
        let units = self
            .resolve_units(&fields.jurisdiction, who.org_id, &fields.reporting_units)
            .await?;
        let mut tx = self.begin_write().await?;
        let id = self.insert_campaign(&mut tx, who, &fields).await?;
        let dispatch = hazardnet_domain::campaign::TaskFields {
            text: String::new(),
            lead_units: fields.reporting_units.clone(),
            co_units: Vec::new(),
            deadline: hazardnet_domain::campaign::parse_deadline("长期坚持", 2000),
            cadence: Some(fields.cadence),
        };
        self.insert_task(&mut tx, who, id, 0, &dispatch, &units, &fields)
            .await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn insert_campaign(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        f: &CampaignFields,
    ) -> Result<i64> {
        let now = format_time(self.clock().now());
        let industries = f
            .industries
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (title, doc_number, issuing_org_id, jurisdiction_code, industries, \
             summary, cadence, starts_on, ends_on, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(f.title.clone())
        .bind(f.doc_number.clone())
        .bind(who.org_id)
        .bind(f.jurisdiction.to_string())
        .bind(industries)
        .bind(f.summary.clone())
        .bind(f.cadence.as_code())
        .bind(f.starts_on.to_string())
        .bind(f.ends_on.map(|d| d.to_string()))
        .bind(who.user_id)
        .bind(now.clone())
        .bind(now)
        .fetch_one(&mut **tx)
        .await?;
        for (seq, phase) in f.phases.iter().enumerate() {
            sqlx::query(
                "INSERT INTO campaign_phases (campaign_id, seq, name, starts_on, ends_on) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(seq as i64 + 1)
            .bind(phase.name.clone())
            .bind(phase.starts_on.to_string())
            .bind(phase.ends_on.to_string())
            .execute(&mut **tx)
            .await?;
        }
        for enterprise_id in &f.targets {
            sqlx::query(
                "INSERT INTO campaign_targets (campaign_id, enterprise_id) VALUES ($1, $2)",
            )
            .bind(id)
            .bind(*enterprise_id)
            .execute(&mut **tx)
            .await?;
        }
        append(
            tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.create",
                entity: "campaign",
                entity_id: id.to_string(),
                jurisdiction: f.jurisdiction.as_str(),
                before: None,
                after: to_json(&serde_json::json!({
                    "title": f.title, "doc_number": f.doc_number, "cadence": f.cadence.as_code(),
                    "starts_on": f.starts_on, "ends_on": f.ends_on,
                    "phases": f.phases.iter().map(|p| serde_json::json!({
                        "name": p.name, "starts_on": p.starts_on, "ends_on": p.ends_on,
                    })).collect::<Vec<_>>(),
                    "targets": f.targets, "reporting_units": f.reporting_units,
                })),
            },
        )
        .await?;
        Ok(id)
    }

    /// One campaign with its phases and targets, if `who` may see it.
    pub async fn campaign(&self, who: &Principal, id: i64) -> Result<Campaign> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE c.id = ").bind(id).push(" AND ");
        push_campaign_scope(&mut sql, who);
        let row: CampaignRow = sql
            .query_as()
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let phases: Vec<CampaignPhase> = sqlx::query_as(
            "SELECT seq, name, starts_on, ends_on FROM campaign_phases WHERE campaign_id = $1 \
             AND retired = 0 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        // The targets the caller may see: a target list names enterprises, and an enterprise
        // outside the caller's scope is absent here as everywhere.
        let mut sql = Sql::new(
            "SELECT e.id AS enterprise_id, e.name, e.enterprise_type, e.risk_grade FROM campaign_targets t \
             JOIN enterprises e ON e.id = t.enterprise_id WHERE t.campaign_id = ",
        );
        sql.bind(id).push(" AND ");
        crate::sql::push_scope(&mut sql, &who.scope, &crate::sql::ENTERPRISE_SCOPE);
        sql.push(" ORDER BY e.id");
        let targets: Vec<CampaignTarget> = sql.query_as().fetch_all(&self.read).await?;
        Ok(self.campaign_from_row(row, phases, targets))
    }

    fn campaign_from_row(
        &self,
        row: CampaignRow,
        phases: Vec<CampaignPhase>,
        targets: Vec<CampaignTarget>,
    ) -> Campaign {
        let today = self.today().to_string();
        let current_phase = phases
            .iter()
            .find(|p| p.starts_on <= today && today <= p.ends_on)
            .map(|p| p.name.clone());
        Campaign {
            id: row.id,
            title: row.title,
            doc_number: row.doc_number,
            issuing_org_id: row.issuing_org_id,
            issuing_org_name: row.issuing_org_name,
            jurisdiction_code: row.jurisdiction_code,
            jurisdiction_name: row.jurisdiction_name,
            industries: row
                .industries
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            summary: row.summary,
            cadence: row.cadence,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            current_phase,
            task_count: row.task_count,
            phases,
            targets,
            created_at: row.created_at,
            version: row.version,
        }
    }

    /// The campaigns `who` may see, newest first, with the total.
    pub async fn list_campaigns(
        &self,
        who: &Principal,
        filter: &CampaignFilter,
    ) -> Result<(Vec<Campaign>, i64)> {
        let mut sql = Sql::new(SELECT);
        let mut count = Sql::new("SELECT COUNT(*) FROM campaigns c");
        for target in [&mut sql, &mut count] {
            target.push(" WHERE ");
            push_campaign_scope(target, who);
            if let Some(word) = filter
                .keyword
                .as_deref()
                .map(str::trim)
                .filter(|w| !w.is_empty())
            {
                let pattern = format!("%{}%", word.replace(['%', '_'], ""));
                target.push(" AND (c.title LIKE ").bind(pattern.clone());
                target
                    .push(" OR c.doc_number LIKE ")
                    .bind(pattern)
                    .push(")");
            }
            if let Some(code) = filter
                .jurisdiction
                .as_deref()
                .and_then(|c| JurisdictionCode::parse(c).ok())
            {
                let (low, high) = code.subtree_bounds();
                target.push(" AND c.jurisdiction_code BETWEEN ").bind(low);
                target.push(" AND ").bind(high);
            }
            if let Some(day) = filter.active_on {
                target.push(" AND c.starts_on <= ").bind(day.to_string());
                target
                    .push(" AND (c.ends_on IS NULL OR c.ends_on >= ")
                    .bind(day.to_string());
                target.push(")");
            }
        }
        let per_page = filter.per_page.clamp(1, 200);
        let page = filter.page.max(1);
        sql.push(" ORDER BY c.starts_on DESC, c.id DESC LIMIT ")
            .bind(per_page);
        sql.push(" OFFSET ")
            .bind(crate::sql::page_offset(page, per_page));
        let rows: Vec<CampaignRow> = sql.query_as().fetch_all(&self.read).await?;
        let total = count.query_scalar_i64().fetch_one(&self.read).await?;
        let campaigns = rows
            .into_iter()
            .map(|row| self.campaign_from_row(row, Vec::new(), Vec::new()))
            .collect();
        Ok((campaigns, total))
    }

    /// The enterprise in `who`'s scope whose name or credit code is exactly `text` (a target
    /// list pasted from a sheet).
    pub async fn find_enterprise(&self, who: &Principal, text: &str) -> Result<Option<i64>> {
        let text = text.trim();
        let mut sql = Sql::new("SELECT e.id FROM enterprises e WHERE (e.name = ");
        sql.bind(text)
            .push(" OR e.credit_code = ")
            .bind(text.to_uppercase());
        sql.push(") AND ");
        crate::sql::push_scope(&mut sql, &who.scope, &crate::sql::ENTERPRISE_SCOPE);
        sql.push(" ORDER BY e.id LIMIT 1");
        Ok(sql.query_scalar_i64().fetch_optional(&self.read).await?)
    }

    /// Corrects a campaign's title, document number, period and phases. Refused: a stale
    /// `expected_version` (409, nothing changed), no reason, fields that do not hold together
    /// (phases outside the period or overlapping). Phases no longer listed are retired, not
    /// deleted; the returns already filed keep the periods they were filed for.
    pub async fn correct_campaign(
        &self,
        who: &Principal,
        id: i64,
        input: &CampaignCorrection,
    ) -> Result<()> {
        let campaign = self.campaign(who, id).await?;
        if !Self::may_manage(who, &campaign) {
            return Err(StoreError::Forbidden);
        }
        let reason = correction_reason(&input.reason)?;
        if input.expected_version != campaign.version {
            return Err(StoreError::StaleVersion(campaign.version));
        }
        let current = CampaignInput {
            title: campaign.title.clone(),
            doc_number: campaign.doc_number.clone(),
            jurisdiction_code: campaign.jurisdiction_code.clone(),
            industries: campaign.industries.clone(),
            summary: campaign.summary.clone(),
            cadence: campaign.cadence.clone(),
            starts_on: campaign.starts_on.clone(),
            ends_on: campaign.ends_on.clone().unwrap_or_default(),
            phases: campaign.phase_inputs(),
            // The reporting units are the dispatch return's, which this correction keeps.
            reporting_units: "—".into(),
            targets: Vec::new(),
        };
        let fields = input.apply(&current)?.validate()?;
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE campaigns SET title = $1, doc_number = $2, starts_on = $3, ends_on = $4, \
             version = version + 1, updated_at = $5 WHERE id = $6 AND version = $7",
        )
        .bind(fields.title.clone())
        .bind(fields.doc_number.clone())
        .bind(fields.starts_on.to_string())
        .bind(fields.ends_on.map(|d| d.to_string()))
        .bind(format_time(self.clock().now()))
        .bind(id)
        .bind(campaign.version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::StaleVersion(campaign.version + 1));
        }
        let phases_before: Vec<(String, String, String)> = campaign
            .phases
            .iter()
            .map(|p| (p.name.clone(), p.starts_on.clone(), p.ends_on.clone()))
            .collect();
        let phases_after: Vec<(String, String, String)> = fields
            .phases
            .iter()
            .map(|p| {
                (
                    p.name.clone(),
                    p.starts_on.to_string(),
                    p.ends_on.to_string(),
                )
            })
            .collect();
        if phases_before != phases_after {
            sqlx::query(
                "UPDATE campaign_phases SET retired = 1 WHERE campaign_id = $1 AND retired = 0",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            let last: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM campaign_phases WHERE campaign_id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            for (i, (name, starts_on, ends_on)) in phases_after.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO campaign_phases (campaign_id, seq, name, starts_on, ends_on) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(last + 1 + i as i64)
                .bind(name.clone())
                .bind(starts_on.clone())
                .bind(ends_on.clone())
                .execute(&mut *tx)
                .await?;
            }
        }
        // A longer campaign needs its reminders to run on: schedule the next period's pair
        // (a no-op when it is scheduled already).
        let task0: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM campaign_tasks WHERE campaign_id = $1 AND number = 0",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(task0) = task0 {
            self.schedule_report_jobs(
                &mut tx,
                task0,
                &fields.cadence,
                fields.starts_on,
                fields.ends_on,
            )
            .await?;
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.correct",
                entity: "campaign",
                entity_id: id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: to_json(&serde_json::json!({
                    "version": campaign.version, "title": campaign.title,
                    "doc_number": campaign.doc_number, "starts_on": campaign.starts_on,
                    "ends_on": campaign.ends_on, "phases": phases_before,
                })),
                after: to_json(&serde_json::json!({
                    "version": campaign.version + 1, "reason": reason, "title": fields.title,
                    "doc_number": fields.doc_number, "starts_on": fields.starts_on,
                    "ends_on": fields.ends_on, "phases": phases_after,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// May `who` add tasks to the campaign?
    pub fn may_manage_campaign(&self, who: &Principal, campaign: &Campaign) -> bool {
        Self::may_manage(who, campaign)
    }

    /// May `who` change the campaign's task list? The issuing office's clerks and the admin.
    pub(crate) fn may_manage(who: &Principal, campaign: &Campaign) -> bool {
        who.role == Role::Admin
            || (who.org_id == campaign.issuing_org_id && who.role.may_manage_campaigns())
    }
}

/// A target enterprise's hazards since the campaign began, as far as the viewer may see.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TargetProgress {
    pub enterprise_id: i64,
    pub found: i64,
    pub open: i64,
    pub major_open: i64,
    pub overdue: i64,
}

impl Store {
    /// Per target enterprise: hazards found since the campaign began, still open, major and
    /// open, overdue — counted within the viewer's scope.
    pub async fn target_progress(
        &self,
        who: &Principal,
        campaign: &Campaign,
    ) -> Result<Vec<TargetProgress>> {
        let today = self.today().to_string();
        let mut sql = Sql::new(
            "SELECT h.enterprise_id, COUNT(*) AS found, \
             CAST(COALESCE(SUM(CASE WHEN h.state NOT IN ('closed', 'rejected') THEN 1 ELSE 0 END), 0) AS BIGINT) AS open, \
             CAST(COALESCE(SUM(CASE WHEN h.level = 'major' AND h.state NOT IN ('closed', 'rejected') THEN 1 ELSE 0 END), 0) AS BIGINT) AS major_open, \
             CAST(COALESCE(SUM(CASE WHEN h.state NOT IN ('closed', 'rejected') AND h.deadline < ",
        );
        sql.bind(today);
        sql.push(
            " THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue FROM hazards h \
             JOIN campaign_targets t ON t.enterprise_id = h.enterprise_id WHERE t.campaign_id = ",
        );
        sql.bind(campaign.id);
        sql.push(" AND h.found_at >= ")
            .bind(campaign.starts_on.clone());
        sql.push(" AND ");
        crate::sql::push_scope(&mut sql, &who.scope, &crate::hazards::HAZARD_SCOPE);
        sql.push(" GROUP BY h.enterprise_id");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }
}
