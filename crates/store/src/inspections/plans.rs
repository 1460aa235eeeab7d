//! Inspection plans and their live coverage. A plan lists enterprises in the caller's scope in
//! priority order (重点风险优先: risk grade, then overdue and open hazards, then the key flags);
//! coverage counts the planned enterprises with a signed-off inspection of the plan's kind in
//! its window, and the share of those inspections with an expert on the team.

use super::records::Inspection;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::sql::{ENTERPRISE_SCOPE, Sql, push_scope};
use crate::{Result, Store, StoreError};
use hazardnet_domain::Role;
use hazardnet_domain::inspection::{PlanInput, PriorityFacts, priority, risk_rank};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct InspectionPlan {
    pub id: i64,
    pub org_id: i64,
    pub org_name: String,
    pub name: String,
    pub kind: String,
    pub template_id: i64,
    pub template_name: String,
    pub starts_on: String,
    pub ends_on: String,
    pub coverage_target: i64,
    pub expert_target: i64,
    pub enterprise_count: i64,
}

/// One enterprise as a candidate for, or a line of, a plan.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct PlanCandidate {
    pub enterprise_id: i64,
    pub name: String,
    pub risk_grade: Option<String>,
    pub open: i64,
    pub open_major: i64,
    pub overdue: i64,
    /// Accidents in the last three years (事故记录).
    pub recent_accidents: i64,
    pub key_flags: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanLine {
    #[serde(flatten)]
    pub enterprise: PlanCandidate,
    /// The signed-off inspections of the plan's kind in its window.
    pub inspections: Vec<i64>,
    pub with_expert: bool,
    pub planned_on: Option<String>,
    pub inspector: Option<String>,
    /// Planned for a day that has passed, and not inspected.
    pub late: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanCoverage {
    pub plan: InspectionPlan,
    pub lines: Vec<PlanLine>,
    pub covered: usize,
    /// Percent of the planned enterprises inspected, one decimal.
    pub coverage: f64,
    /// Percent of the plan's inspections with an expert on the team.
    pub expert_share: f64,
    pub coverage_met: bool,
    pub expert_met: bool,
}

const PLAN_SELECT: &str = "SELECT p.id, p.org_id, o.name AS org_name, p.name, p.kind, p.template_id, \
    t.name AS template_name, p.starts_on, p.ends_on, p.coverage_target, p.expert_target, \
    (SELECT COUNT(*) FROM plan_enterprises pe WHERE pe.plan_id = p.id) AS enterprise_count \
    FROM inspection_plans p JOIN organizations o ON o.id = p.org_id \
    JOIN checklist_templates t ON t.id = p.template_id";

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

impl Store {
    /// Enterprises in the caller's scope with the facts that rank them, highest priority first.
    pub async fn plan_candidates(&self, who: &Principal, limit: i64) -> Result<Vec<PlanCandidate>> {
        let today = self.today().to_string();
        let mut sql = Sql::new(
            "SELECT e.id AS enterprise_id, e.name, e.risk_grade, \
             (SELECT COUNT(*) FROM hazards h WHERE h.enterprise_id = e.id AND h.state NOT IN ('closed', 'rejected')) AS open, \
             (SELECT COUNT(*) FROM hazards h WHERE h.enterprise_id = e.id AND h.level = 'major' AND h.state NOT IN ('closed', 'rejected')) AS open_major, \
             (SELECT COUNT(*) FROM hazards h WHERE h.enterprise_id = e.id AND h.state NOT IN ('closed', 'rejected') AND h.deadline < ",
        );
        sql.bind(today);
        sql.push(
            ") AS overdue, (SELECT COUNT(*) FROM enterprise_accidents a WHERE a.enterprise_id = e.id \
             AND a.occurred_on >= ",
        );
        let since = self.today()
            - chrono::Duration::days(365 * hazardnet_domain::accident::RECENT_ACCIDENT_YEARS);
        sql.bind(since.to_string());
        sql.push(
            ") AS recent_accidents, (e.key_hazardous_chemicals + e.crowded_place + e.high_risk) AS key_flags \
             FROM enterprises e WHERE e.status <> 'closed' AND ",
        );
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        let mut rows: Vec<PlanCandidate> = sql.query_as().fetch_all(&self.read).await?;
        rows.sort_by_key(|c| {
            std::cmp::Reverse(priority(&PriorityFacts {
                risk: risk_rank(c.risk_grade.as_deref()),
                recent_accidents: c.recent_accidents as u32,
                overdue: c.overdue as u32,
                open_major: c.open_major as u32,
                open: c.open as u32,
                key_flags: c.key_flags as u8,
            }))
        });
        rows.truncate(limit.max(1) as usize);
        Ok(rows)
    }

    pub async fn create_plan(&self, who: &Principal, input: &PlanInput) -> Result<i64> {
        if !who.role.is_clerk() {
            return Err(StoreError::Forbidden);
        }
        let f = input.validate()?;
        self.checklist_template(who, f.template_id).await?;
        let members = self.plan_inspectors(who).await?;
        for (_, _, inspector) in &f.visits {
            if let Some(user) = inspector
                && !members.iter().any(|(id, _)| id == user)
            {
                return Err(StoreError::Refused {
                    code: "inspector_not_in_office",
                    value: user.to_string(),
                });
            }
        }
        for id in &f.enterprises {
            if self.enterprise(who, *id).await.is_err() {
                return Err(StoreError::UnknownEnterprise(id.to_string()));
            }
        }
        // Kept in priority order.
        let ranked: Vec<i64> = self
            .plan_candidates(who, 100_000)
            .await?
            .into_iter()
            .map(|c| c.enterprise_id)
            .filter(|id| f.enterprises.contains(id))
            .collect();
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspection_plans (org_id, name, kind, template_id, starts_on, ends_on, coverage_target, \
             expert_target, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(who.org_id)
        .bind(f.name.clone())
        .bind(f.kind.as_str().to_string())
        .bind(f.template_id)
        .bind(f.starts_on.to_string())
        .bind(f.ends_on.to_string())
        .bind(i64::from(f.coverage_target))
        .bind(i64::from(f.expert_target))
        .bind(who.user_id)
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut *tx)
        .await?;
        for (rank, enterprise) in ranked.iter().enumerate() {
            let (planned_on, inspector) = f
                .visits
                .iter()
                .find(|(e, _, _)| e == enterprise)
                .map(|(_, d, i)| (d.map(|d| d.to_string()), *i))
                .unwrap_or((None, None));
            sqlx::query(
                "INSERT INTO plan_enterprises (plan_id, enterprise_id, priority_rank, planned_on, inspector_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(*enterprise)
            .bind(rank as i64 + 1)
            .bind(planned_on)
            .bind(inspector)
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection_plan.create",
                entity: "inspection_plan",
                entity_id: id.to_string(),
                jurisdiction: "",
                before: None,
                after: to_json(&serde_json::json!({
                    "name": f.name, "kind": f.kind.as_str(), "template": f.template_id,
                    "starts_on": f.starts_on, "ends_on": f.ends_on, "enterprises": ranked,
                    "coverage_target": f.coverage_target, "expert_target": f.expert_target,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The people of the caller's office who may be sent to inspect.
    pub async fn plan_inspectors(&self, who: &Principal) -> Result<Vec<(i64, String)>> {
        Ok(sqlx::query_as(
            "SELECT id, display_name FROM users WHERE org_id = $1 AND disabled = 0 \
             AND role IN ('committee_clerk', 'regulator_clerk', 'territorial_clerk', 'grid_supervisor') ORDER BY id",
        )
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// The plans of the caller's organization (all plans for the administrator).
    pub async fn inspection_plans(&self, who: &Principal) -> Result<Vec<InspectionPlan>> {
        let all = who.role == Role::Admin;
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{PLAN_SELECT} WHERE ($1 = 1 OR p.org_id = $2) ORDER BY p.starts_on DESC, p.id DESC"
        )))
        .bind(i64::from(all))
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn plan_coverage(&self, who: &Principal, plan_id: i64) -> Result<PlanCoverage> {
        let plan = self
            .inspection_plans(who)
            .await?
            .into_iter()
            .find(|p| p.id == plan_id)
            .ok_or(StoreError::NotFound)?;
        let ranked: Vec<(i64, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT pe.enterprise_id, pe.planned_on, u.display_name FROM plan_enterprises pe \
             LEFT JOIN users u ON u.id = pe.inspector_id WHERE pe.plan_id = $1 ORDER BY pe.priority_rank",
        )
        .bind(plan_id)
        .fetch_all(&self.read)
        .await?;
        let candidates = self.plan_candidates(who, 100_000).await?;
        let (inspections, _) = self
            .inspections(
                who,
                &super::InspectionFilter {
                    state: Some("signed_off".into()),
                    kind: Some(plan.kind.clone()),
                    from: Some(plan.starts_on.clone()),
                    to: Some(plan.ends_on.clone()),
                    page: 1,
                    per_page: 5000,
                    ..Default::default()
                },
            )
            .await?;
        let today = self.today().to_string();
        let mut lines = Vec::new();
        for (id, planned_on, inspector) in ranked {
            // An enterprise that has left the caller's scope is not shown.
            let Some(enterprise) = candidates.iter().find(|c| c.enterprise_id == id).cloned()
            else {
                continue;
            };
            let done: Vec<&Inspection> = inspections
                .iter()
                .filter(|i| i.enterprise_id == id)
                .collect();
            lines.push(PlanLine {
                late: done.is_empty() && planned_on.as_deref().is_some_and(|d| d < today.as_str()),
                planned_on,
                inspector,
                with_expert: done.iter().any(|i| i.team.iter().any(|m| m.expert)),
                inspections: done.iter().map(|i| i.id).collect(),
                enterprise,
            });
        }
        let covered = lines.iter().filter(|l| !l.inspections.is_empty()).count();
        let planned_inspections: Vec<&Inspection> = inspections
            .iter()
            .filter(|i| {
                lines
                    .iter()
                    .any(|l| l.enterprise.enterprise_id == i.enterprise_id)
            })
            .collect();
        let with_expert = planned_inspections
            .iter()
            .filter(|i| i.team.iter().any(|m| m.expert))
            .count();
        let coverage = percent(covered, lines.len());
        let expert_share = percent(with_expert, planned_inspections.len());
        Ok(PlanCoverage {
            coverage_met: coverage >= plan.coverage_target as f64,
            expert_met: !planned_inspections.is_empty()
                && expert_share >= plan.expert_target as f64,
            covered,
            coverage,
            expert_share,
            lines,
            plan,
        })
    }

    /// The visits the caller's office has planned between two days (for the calendar).
    pub async fn planned_visits(
        &self,
        who: &Principal,
        from: &str,
        to: &str,
    ) -> Result<Vec<PlannedVisit>> {
        Ok(sqlx::query_as(
            "SELECT pe.planned_on, pe.enterprise_id, e.name AS enterprise_name, p.id AS plan_id, p.name AS plan_name, \
             COALESCE(u.display_name, '') AS inspector FROM plan_enterprises pe JOIN inspection_plans p ON p.id = pe.plan_id \
             JOIN enterprises e ON e.id = pe.enterprise_id LEFT JOIN users u ON u.id = pe.inspector_id \
             WHERE p.org_id = $1 AND pe.planned_on >= $2 AND pe.planned_on <= $3 ORDER BY pe.planned_on, e.name",
        )
        .bind(who.org_id)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(&self.read)
        .await?)
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct PlannedVisit {
    pub planned_on: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub plan_id: i64,
    pub plan_name: String,
    pub inspector: String,
}
