//! Tasks and their units. A unit name from a notice is resolved to organizations when the task
//! is saved: an organization of that exact name; "各街道办事处"/"各社区" to every street office or
//! community inside the campaign's area; "区各…部门" to the area's industry regulators; "区应急
//! 管理局" to the area's organization whose name ends the same way. Before those rules, the
//! issuing office's aliases: a name a clerk once mapped (to an organization, or to the area's
//! regulators) resolves the same way on the next import. A name that matches nothing is refused
//! on saving unless the clerk keeps it, unlinked, on purpose; so is a deadline outside the
//! campaign's period unless confirmed.

use super::Campaign;
use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::clock::parse_day;
use crate::{Result, Store, StoreError};
use chrono::Datelike;
use hazardnet_domain::campaign::{
    AliasInput, Cadence, CampaignFields, Milestone, TaskCorrection, TaskFields, TaskInput,
    UnitClass, correction_reason, stale_dates,
};
use hazardnet_domain::{JurisdictionCode, OrgKind};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TaskUnit {
    pub unit_name: String,
    /// lead | co
    pub role: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub campaign_id: i64,
    /// The item's number; 0 is the campaign's dispatch return.
    pub number: i64,
    pub text: String,
    pub deadline_text: String,
    pub due_on: Option<String>,
    pub ongoing: bool,
    pub milestones: Vec<Milestone>,
    pub cadence: String,
    pub units: Vec<TaskUnit>,
    /// Raised by each correction; a correction names the version it was made on.
    pub version: i64,
}

impl Task {
    pub fn cadence(&self) -> Cadence {
        Cadence::parse(&self.cadence).unwrap_or(Cadence::Monthly {
            due_day: 28,
            next_month: false,
        })
    }

    /// The organizations that report on this task (each once).
    pub fn reporting_orgs(&self) -> Vec<(i64, String)> {
        let mut out: Vec<(i64, String)> = Vec::new();
        for u in &self.units {
            if let (Some(id), Some(name)) = (u.org_id, u.org_name.as_ref())
                && !out.iter().any(|(o, _)| *o == id)
            {
                out.push((id, name.clone()));
            }
        }
        out
    }
}

#[derive(Debug, Clone, FromRow)]
struct TaskRow {
    id: i64,
    campaign_id: i64,
    number: i64,
    text: String,
    deadline_text: String,
    due_on: Option<String>,
    ongoing: i64,
    milestones_json: String,
    cadence: String,
    version: i64,
}

#[derive(Debug, Clone, FromRow)]
struct UnitRow {
    task_id: i64,
    #[sqlx(flatten)]
    unit: TaskUnit,
}

/// What a unit name resolves to.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitMatch {
    pub unit_name: String,
    pub orgs: Vec<(i64, String)>,
    /// Resolved by an alias the office remembered.
    pub via_alias: bool,
}

/// A name an office mapped once, used on its next imports.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct UnitAlias {
    pub id: i64,
    pub unit_name: String,
    pub org_id: Option<i64>,
    pub org_name: Option<String>,
    /// `regulators`: the area's industry regulators.
    pub unit_class: Option<String>,
    pub created_at: String,
}

#[derive(Debug, Clone, FromRow)]
struct OrgCandidate {
    id: i64,
    name: String,
    kind: String,
    jurisdiction_code: Option<String>,
}

fn resolve(name: &str, area: &JurisdictionCode, orgs: &[OrgCandidate]) -> Vec<(i64, String)> {
    let inside = |o: &OrgCandidate| {
        o.jurisdiction_code
            .as_deref()
            .and_then(|j| JurisdictionCode::parse(j).ok())
            .is_some_and(|j| area.contains(&j))
    };
    let pick = |f: &dyn Fn(&OrgCandidate) -> bool| -> Vec<(i64, String)> {
        orgs.iter()
            .filter(|o| f(o))
            .map(|o| (o.id, o.name.clone()))
            .collect()
    };
    let exact = pick(&|o| o.name == name);
    if !exact.is_empty() {
        return exact;
    }
    let kind_is = |o: &OrgCandidate, k: OrgKind| OrgKind::parse(&o.kind).ok() == Some(k);
    if name.starts_with('各') && name.contains("街道") {
        return pick(&|o| kind_is(o, OrgKind::StreetOffice) && inside(o));
    }
    if name.starts_with('各') && name.contains("社区") {
        return pick(&|o| kind_is(o, OrgKind::Community) && inside(o));
    }
    let at_area = |o: &OrgCandidate| o.jurisdiction_code.as_deref() == Some(area.as_str());
    if name.contains('各') && (name.contains("部门") || name.contains("主管")) {
        return pick(&|o| kind_is(o, OrgKind::IndustryRegulator) && at_area(o));
    }
    // "区应急管理局" names the area's own office: match on what follows the level word.
    let core = name.trim_start_matches(['区', '市', '县', '街']);
    if core.chars().count() >= 3 {
        return pick(&|o| at_area(o) && o.name.ends_with(core));
    }
    Vec::new()
}

impl Store {
    /// Resolves unit names to organizations for a campaign of `office` in `area` (see the
    /// module notes): the office's latest alias of a name first, then the rules.
    pub async fn resolve_units(
        &self,
        area: &JurisdictionCode,
        office: i64,
        names: &[String],
    ) -> Result<Vec<UnitMatch>> {
        let orgs: Vec<OrgCandidate> = sqlx::query_as(
            "SELECT id, name, kind, jurisdiction_code FROM organizations ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        let aliases = self.office_aliases(office).await?;
        let mut out = Vec::new();
        for name in names {
            let alias = aliases.iter().find(|a| &a.unit_name == name);
            let orgs = match alias {
                Some(UnitAlias {
                    org_id: Some(id), ..
                }) => orgs
                    .iter()
                    .filter(|o| o.id == *id)
                    .map(|o| (o.id, o.name.clone()))
                    .collect(),
                Some(UnitAlias {
                    unit_class: Some(class),
                    ..
                }) => match UnitClass::parse(class)? {
                    UnitClass::Regulators => resolve("区各部门", area, &orgs),
                },
                _ => resolve(name, area, &orgs),
            };
            out.push(UnitMatch {
                unit_name: name.clone(),
                orgs,
                via_alias: alias.is_some(),
            });
        }
        Ok(out)
    }

    /// The organizations a written unit name may be mapped to for a campaign in `area`: the
    /// government offices inside the area, and those above it.
    pub async fn area_organizations(&self, area: &JurisdictionCode) -> Result<Vec<(i64, String)>> {
        let orgs: Vec<OrgCandidate> = sqlx::query_as(
            "SELECT id, name, kind, jurisdiction_code FROM organizations ORDER BY jurisdiction_code, id",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(orgs
            .into_iter()
            .filter(|o| {
                OrgKind::parse(&o.kind).is_ok_and(|k| k.is_government())
                    && o.jurisdiction_code
                        .as_deref()
                        .and_then(|j| JurisdictionCode::parse(j).ok())
                        .is_some_and(|j| area.contains(&j) || j.contains(area))
            })
            .map(|o| (o.id, o.name))
            .collect())
    }

    /// The office's aliases, the latest mapping of each name first (a name mapped again
    /// supersedes its earlier mapping, which stays as history).
    pub async fn office_aliases(&self, office: i64) -> Result<Vec<UnitAlias>> {
        let all: Vec<UnitAlias> = sqlx::query_as(
            "SELECT a.id, a.unit_name, a.org_id, o.name AS org_name, a.unit_class, a.created_at \
             FROM unit_aliases a LEFT JOIN organizations o ON o.id = a.org_id \
             WHERE a.office_org_id = $1 ORDER BY a.id DESC",
        )
        .bind(office)
        .fetch_all(&self.read)
        .await?;
        let mut latest: Vec<UnitAlias> = Vec::new();
        for a in all {
            if !latest.iter().any(|l| l.unit_name == a.unit_name) {
                latest.push(a);
            }
        }
        Ok(latest)
    }

    /// Remembers, for the campaign's issuing office, what a written unit name means: one
    /// organization of the campaign's area (or above it), or the area's regulators. Audited.
    pub async fn save_unit_alias(
        &self,
        who: &Principal,
        campaign_id: i64,
        input: &AliasInput,
    ) -> Result<i64> {
        let (name, org_id, class) = input.validate()?;
        let campaign = self.campaign(who, campaign_id).await?;
        if !Self::may_manage(who, &campaign) {
            return Err(StoreError::Forbidden);
        }
        let area = JurisdictionCode::parse(&campaign.jurisdiction_code)?;
        if let Some(id) = org_id {
            // The organization must belong to the campaign's area (or an office above it that
            // the area reports to); anything else is unknown to this mapping.
            let place: Option<Option<String>> =
                sqlx::query_scalar("SELECT jurisdiction_code FROM organizations WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
            let fits = place
                .flatten()
                .and_then(|j| JurisdictionCode::parse(&j).ok())
                .is_some_and(|j| area.contains(&j) || j.contains(&area));
            if !fits {
                return Err(StoreError::Refused {
                    code: "alias_org_outside",
                    value: id.to_string(),
                });
            }
        }
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO unit_aliases (office_org_id, unit_name, org_id, unit_class, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(campaign.issuing_org_id)
        .bind(name.clone())
        .bind(org_id)
        .bind(class.map(|c| c.as_str().to_string()))
        .bind(who.user_id)
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.unit_alias",
                entity: "organization",
                entity_id: campaign.issuing_org_id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "alias": id, "unit_name": name, "org": org_id,
                    "unit_class": class.map(|c| c.as_str()), "campaign": campaign_id,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The refusals of one task about to be saved: dates outside the campaign unless
    /// confirmed, names that resolve to nobody unless kept unlinked on purpose.
    fn task_refusals(
        row: usize,
        input: &TaskInput,
        task: &TaskFields,
        units: &[UnitMatch],
        campaign: &CampaignFields,
    ) -> Vec<crate::RowError> {
        let mut out = Vec::new();
        let stale = stale_dates(&task.deadline, campaign.starts_on, campaign.ends_on);
        if !stale.is_empty() && !input.confirm_dates {
            out.push(crate::RowError {
                row,
                code: "stale_deadline".into(),
                args: vec![
                    (
                        "value".into(),
                        stale
                            .iter()
                            .map(|d| d.to_string())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ),
                    ("starts_on".into(), campaign.starts_on.to_string()),
                    (
                        "ends_on".into(),
                        campaign
                            .ends_on
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "—".into()),
                    ),
                ],
            });
        }
        let unresolved: Vec<&str> = task
            .lead_units
            .iter()
            .chain(task.co_units.iter())
            .filter(|n| {
                units
                    .iter()
                    .find(|m| &&m.unit_name == n)
                    .is_none_or(|m| m.orgs.is_empty())
            })
            .map(String::as_str)
            .collect();
        if !unresolved.is_empty() && !input.keep_unlinked {
            out.push(crate::RowError {
                row,
                code: "unresolved_units".into(),
                args: vec![("value".into(), unresolved.join("、"))],
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn insert_task(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        campaign_id: i64,
        number: i64,
        task: &TaskFields,
        units: &[UnitMatch],
        campaign: &CampaignFields,
    ) -> Result<i64> {
        let now = format_time(self.clock().now());
        // A one-off task (a deadline, not ongoing) reports once, by its deadline, unless told
        // otherwise; everything else reports on the campaign's cadence.
        let cadence = match (task.cadence, task.deadline.due_on) {
            (Some(c), _) => c,
            (None, Some(due_on)) if !task.deadline.ongoing => Cadence::Once { due_on },
            (None, _) => campaign.cadence,
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO campaign_tasks (campaign_id, number, text, deadline_text, due_on, ongoing, \
             milestones_json, cadence, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(campaign_id)
        .bind(number)
        .bind(task.text.clone())
        .bind(task.deadline.text.clone())
        .bind(task.deadline.due_on.map(|d| d.to_string()))
        .bind(i64::from(task.deadline.ongoing))
        .bind(serde_json::to_string(&task.deadline.milestones).unwrap_or_else(|_| "[]".into()))
        .bind(cadence.as_code())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict {
                    code: "duplicate_task_number",
                    value: number.to_string(),
                }
            } else {
                e.into()
            }
        })?;
        let linked = self.insert_units(tx, id, 0, task, units).await?;
        append(
            tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.task_add",
                entity: "campaign",
                entity_id: campaign_id.to_string(),
                jurisdiction: campaign.jurisdiction.as_str(),
                before: None,
                after: to_json(&serde_json::json!({
                    "task": id, "number": number, "text": task.text,
                    "lead_units": task.lead_units, "co_units": task.co_units,
                    "deadline": task.deadline.text, "cadence": cadence.as_code(), "orgs": linked,
                })),
            },
        )
        .await?;
        // Reminders run per unit and period on the dispatch return's row (see `jobs.rs`).
        if number == 0 {
            self.schedule_report_jobs(tx, id, &cadence, campaign.starts_on, campaign.ends_on)
                .await?;
        }
        Ok(id)
    }

    /// Inserts a task's units after `seq`, each name once per organization it resolves to
    /// (or once, unlinked); returns the organizations linked.
    async fn insert_units(
        &self,
        tx: &mut WriteTx,
        id: i64,
        mut seq: i64,
        task: &TaskFields,
        units: &[UnitMatch],
    ) -> Result<Vec<i64>> {
        let roles = task
            .lead_units
            .iter()
            .map(|u| (u, "lead"))
            .chain(task.co_units.iter().map(|u| (u, "co")));
        let mut linked = Vec::new();
        for (unit, role) in roles {
            let orgs = units
                .iter()
                .find(|m| &m.unit_name == unit)
                .map(|m| m.orgs.clone())
                .unwrap_or_default();
            let targets: Vec<Option<(i64, String)>> = if orgs.is_empty() {
                vec![None]
            } else {
                orgs.into_iter().map(Some).collect()
            };
            for org in targets {
                seq += 1;
                sqlx::query(
                    "INSERT INTO task_units (task_id, seq, unit_name, role, org_id) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(seq)
                .bind(unit.clone())
                .bind(role.to_string())
                .bind(org.as_ref().map(|(o, _)| *o))
                .execute(&mut **tx)
                .await?;
                if let Some((org_id, _)) = org {
                    linked.push(org_id);
                }
            }
        }
        Ok(linked)
    }

    /// Adds tasks to a campaign, all or none, numbered after its last.
    pub async fn add_tasks(
        &self,
        who: &Principal,
        campaign_id: i64,
        inputs: &[TaskInput],
    ) -> Result<Vec<i64>> {
        let campaign = self.campaign(who, campaign_id).await?;
        if !Self::may_manage(who, &campaign) {
            return Err(StoreError::Forbidden);
        }
        if inputs.is_empty() {
            return Err(StoreError::Refused {
                code: "no_tasks",
                value: String::new(),
            });
        }
        let fields = campaign_fields(&campaign)?;
        let year = fields.starts_on.year();
        let mut checked = Vec::new();
        let mut refused = Vec::new();
        for (i, input) in inputs.iter().enumerate() {
            match input.validate(year) {
                Ok(task) => {
                    let units = self
                        .resolve_units(
                            &fields.jurisdiction,
                            campaign.issuing_org_id,
                            &unit_names(&task),
                        )
                        .await?;
                    refused.extend(Self::task_refusals(i + 1, input, &task, &units, &fields));
                    checked.push((task, units));
                }
                Err(e) => refused.push(crate::RowError {
                    row: i + 1,
                    code: e.code().to_string(),
                    args: e
                        .args()
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                }),
            }
        }
        if !refused.is_empty() {
            return Err(StoreError::Rows(refused));
        }
        let mut ids = Vec::new();
        let mut tx = self.begin_write().await?;
        let last: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(number), 0) AS BIGINT) FROM campaign_tasks WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        for (i, (task, units)) in checked.iter().enumerate() {
            ids.push(
                self.insert_task(
                    &mut tx,
                    who,
                    campaign_id,
                    last + 1 + i as i64,
                    task,
                    units,
                    &fields,
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// Corrects a task's text, deadline, units and cadence. Refused: a stale
    /// `expected_version` (409, nothing changed), no reason, the dispatch return (corrected
    /// with its campaign), and what refuses a new task (dates outside the campaign, unit names
    /// that resolve to nobody) unless confirmed. Units no longer named are retired, not
    /// deleted; the returns already filed stay as they were.
    pub async fn correct_task(
        &self,
        who: &Principal,
        campaign_id: i64,
        task_id: i64,
        input: &TaskCorrection,
    ) -> Result<()> {
        let campaign = self.campaign(who, campaign_id).await?;
        let current = self.task(who, campaign_id, task_id).await?;
        if !Self::may_manage(who, &campaign) {
            return Err(StoreError::Forbidden);
        }
        let reason = correction_reason(&input.reason)?;
        if current.number == 0 {
            return Err(StoreError::Refused {
                code: "dispatch_task_fixed",
                value: String::new(),
            });
        }
        if input.expected_version != current.version {
            return Err(StoreError::StaleVersion(current.version));
        }
        let fields = campaign_fields(&campaign)?;
        let task = input.task.validate(fields.starts_on.year())?;
        let units = self
            .resolve_units(
                &fields.jurisdiction,
                campaign.issuing_org_id,
                &unit_names(&task),
            )
            .await?;
        let refused = Self::task_refusals(1, &input.task, &task, &units, &fields);
        if !refused.is_empty() {
            return Err(StoreError::Rows(refused));
        }
        let cadence = match (task.cadence, task.deadline.due_on) {
            (Some(c), _) => c,
            (None, Some(due_on)) if !task.deadline.ongoing => Cadence::Once { due_on },
            (None, _) => fields.cadence,
        };
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE campaign_tasks SET text = $1, deadline_text = $2, due_on = $3, ongoing = $4, \
             milestones_json = $5, cadence = $6, version = version + 1, updated_at = $7 \
             WHERE id = $8 AND version = $9",
        )
        .bind(task.text.clone())
        .bind(task.deadline.text.clone())
        .bind(task.deadline.due_on.map(|d| d.to_string()))
        .bind(i64::from(task.deadline.ongoing))
        .bind(
            serde_json::to_string(&task.deadline.milestones)
                .map_err(|e| StoreError::Internal(e.to_string()))?,
        )
        .bind(cadence.as_code())
        .bind(format_time(self.clock().now()))
        .bind(task_id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() != 1 {
            return Err(StoreError::StaleVersion(current.version + 1));
        }
        let before_units: Vec<(String, String, Option<i64>)> = current
            .units
            .iter()
            .map(|u| (u.unit_name.clone(), u.role.clone(), u.org_id))
            .collect();
        let mut after_units = Vec::new();
        for (name, role) in task
            .lead_units
            .iter()
            .map(|u| (u, "lead"))
            .chain(task.co_units.iter().map(|u| (u, "co")))
        {
            let orgs = units
                .iter()
                .find(|m| &m.unit_name == name)
                .map(|m| m.orgs.clone())
                .unwrap_or_default();
            if orgs.is_empty() {
                after_units.push((name.clone(), role.to_string(), None));
            }
            for (id, _) in orgs {
                after_units.push((name.clone(), role.to_string(), Some(id)));
            }
        }
        if before_units != after_units {
            sqlx::query("UPDATE task_units SET retired = 1 WHERE task_id = $1 AND retired = 0")
                .bind(task_id)
                .execute(&mut *tx)
                .await?;
            let last: i64 = sqlx::query_scalar(
                "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM task_units WHERE task_id = $1",
            )
            .bind(task_id)
            .fetch_one(&mut *tx)
            .await?;
            self.insert_units(&mut tx, task_id, last, &task, &units)
                .await?;
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.task_correct",
                entity: "campaign",
                entity_id: campaign_id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: to_json(&serde_json::json!({
                    "task": task_id, "number": current.number, "version": current.version,
                    "text": current.text, "deadline": current.deadline_text,
                    "cadence": current.cadence, "units": before_units,
                })),
                after: to_json(&serde_json::json!({
                    "task": task_id, "version": current.version + 1, "reason": reason,
                    "text": task.text, "deadline": task.deadline.text,
                    "cadence": cadence.as_code(), "units": after_units,
                    "dates_confirmed": input.task.confirm_dates,
                    "kept_unlinked": input.task.keep_unlinked,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The campaign's tasks with their units (task 0, the dispatch return, first).
    pub async fn tasks(&self, who: &Principal, campaign_id: i64) -> Result<Vec<Task>> {
        self.campaign(who, campaign_id).await?;
        let rows: Vec<TaskRow> = sqlx::query_as(
            "SELECT id, campaign_id, number, text, deadline_text, due_on, ongoing, milestones_json, cadence, \
             version FROM campaign_tasks WHERE campaign_id = $1 ORDER BY number",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        let units: Vec<UnitRow> = sqlx::query_as(
            "SELECT u.task_id, u.unit_name, u.role, u.org_id, o.name AS org_name FROM task_units u \
             JOIN campaign_tasks t ON t.id = u.task_id LEFT JOIN organizations o ON o.id = u.org_id \
             WHERE t.campaign_id = $1 AND u.retired = 0 ORDER BY u.task_id, u.seq",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| Task {
                units: units
                    .iter()
                    .filter(|u| u.task_id == r.id)
                    .map(|u| u.unit.clone())
                    .collect(),
                id: r.id,
                campaign_id: r.campaign_id,
                number: r.number,
                text: r.text,
                deadline_text: r.deadline_text,
                due_on: r.due_on,
                ongoing: r.ongoing != 0,
                milestones: serde_json::from_str(&r.milestones_json).unwrap_or_default(),
                cadence: r.cadence,
                version: r.version,
            })
            .collect())
    }

    pub async fn task(&self, who: &Principal, campaign_id: i64, task_id: i64) -> Result<Task> {
        self.tasks(who, campaign_id)
            .await?
            .into_iter()
            .find(|t| t.id == task_id)
            .ok_or(StoreError::NotFound)
    }
}

/// A task's unit names, leads first.
fn unit_names(task: &TaskFields) -> Vec<String> {
    task.lead_units
        .iter()
        .chain(task.co_units.iter())
        .cloned()
        .collect()
}

/// The stored campaign back as fields, for the rules that need its dates and cadence.
pub(crate) fn campaign_fields(c: &Campaign) -> Result<CampaignFields> {
    Ok(CampaignFields {
        title: c.title.clone(),
        doc_number: c.doc_number.clone(),
        jurisdiction: JurisdictionCode::parse(&c.jurisdiction_code)?,
        industries: Vec::new(),
        summary: String::new(),
        cadence: c.cadence(),
        starts_on: parse_day(&c.starts_on).unwrap_or_default(),
        ends_on: c.ends(),
        phases: Vec::new(),
        reporting_units: Vec::new(),
        targets: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: i64, name: &str, kind: &str, j: &str) -> OrgCandidate {
        OrgCandidate {
            id,
            name: name.into(),
            kind: kind.into(),
            jurisdiction_code: Some(j.into()),
        }
    }

    #[test]
    fn unit_names_resolve_to_the_areas_organizations() {
        let orgs = [
            org(1, "城中区安委办", "safety_committee_office", "450202000000"),
            org(2, "公园街道办事处", "street_office", "450202002000"),
            org(3, "城中街道办事处", "street_office", "450202001000"),
            org(4, "城中区应急管理局", "industry_regulator", "450202000000"),
            org(5, "鱼峰区应急管理局", "industry_regulator", "450203000000"),
            org(6, "五里亭街道办事处", "street_office", "450203001000"),
        ];
        let area = JurisdictionCode::parse("450202000000").unwrap();
        let ids = |name: &str| -> Vec<i64> {
            resolve(name, &area, &orgs)
                .into_iter()
                .map(|o| o.0)
                .collect()
        };
        assert_eq!(ids("各街道办事处"), [2, 3]);
        assert_eq!(ids("区应急管理局"), [4]);
        assert_eq!(ids("区各负有安全生产监督管理职责的部门"), [4]);
        assert_eq!(ids("公园街道办事处"), [2]);
        assert!(ids("区交警大队").is_empty());
    }
}
