//! Tasks and their units. A unit name from a notice is resolved to organizations when the task
//! is saved: an organization of that exact name; "各街道办事处"/"各社区" to every street office or
//! community inside the campaign's area; "区各…部门" to the area's industry regulators; "区应急
//! 管理局" to the area's organization whose name ends the same way. A name that matches nothing
//! is kept as written, unlinked, and shown as such.

use super::Campaign;
use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::clock::parse_day;
use crate::{Result, Store, StoreError};
use chrono::Datelike;
use hazardnet_domain::campaign::{Cadence, CampaignFields, Milestone, TaskFields, TaskInput};
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
    /// Resolves unit names to organizations for a campaign in `area` (see the module notes).
    pub async fn resolve_units(
        &self,
        area: &JurisdictionCode,
        names: &[String],
    ) -> Result<Vec<UnitMatch>> {
        let orgs: Vec<OrgCandidate> = sqlx::query_as(
            "SELECT id, name, kind, jurisdiction_code FROM organizations ORDER BY id",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(names
            .iter()
            .map(|name| UnitMatch {
                unit_name: name.clone(),
                orgs: resolve(name, area, &orgs),
            })
            .collect())
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
        let mut seq = 0_i64;
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
        self.schedule_report_jobs(tx, id, &cadence, campaign.starts_on, campaign.ends_on)
            .await?;
        Ok(id)
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
                Ok(task) => checked.push(task),
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
        for (i, task) in checked.iter().enumerate() {
            let names: Vec<String> = task
                .lead_units
                .iter()
                .chain(task.co_units.iter())
                .cloned()
                .collect();
            let units = self.resolve_units(&fields.jurisdiction, &names).await?;
            ids.push(
                self.insert_task(
                    &mut tx,
                    who,
                    campaign_id,
                    last + 1 + i as i64,
                    task,
                    &units,
                    &fields,
                )
                .await?,
            );
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The campaign's tasks with their units (task 0, the dispatch return, first).
    pub async fn tasks(&self, who: &Principal, campaign_id: i64) -> Result<Vec<Task>> {
        self.campaign(who, campaign_id).await?;
        let rows: Vec<TaskRow> = sqlx::query_as(
            "SELECT id, campaign_id, number, text, deadline_text, due_on, ongoing, milestones_json, cadence \
             FROM campaign_tasks WHERE campaign_id = $1 ORDER BY number",
        )
        .bind(campaign_id)
        .fetch_all(&self.read)
        .await?;
        let units: Vec<UnitRow> = sqlx::query_as(
            "SELECT u.task_id, u.unit_name, u.role, u.org_id, o.name AS org_name FROM task_units u \
             JOIN campaign_tasks t ON t.id = u.task_id LEFT JOIN organizations o ON o.id = u.org_id \
             WHERE t.campaign_id = $1 ORDER BY u.task_id, u.seq",
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
