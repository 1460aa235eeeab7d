//! Law-enforcement actions, scoped like the enterprises they concern. Each is a row that never
//! changes; a suspension or its lifting sets the enterprise's status in the same transaction.
//! The flags (repeat offender, overdue rectification → maximum penalty, blacklisted) are
//! derived by `domain::enforcement::flags` from the rows and the ledger.

use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::inspections::INSPECTION_SCOPE;
use crate::sql::{ScopeColumns, Sql, push_scope};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use hazardnet_domain::enforcement::{
    EnforcementFlags, EnforcementInput, EnforcementKind, check_transition, flags,
};
use hazardnet_domain::enterprise::EnterpriseStatus;
use serde::Serialize;
use sqlx::FromRow;

/// Scope columns of a table aliased `a` whose rows copy their enterprise's place and industry
/// (enforcement actions, accidents).
pub(crate) const SCOPE: ScopeColumns<'static> = ScopeColumns {
    enterprise_id: "a.enterprise_id",
    jurisdiction: "a.jurisdiction_code",
    industry_code: "a.industry_code",
    industry_section: "a.industry_section",
};

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct EnforcementAction {
    pub id: i64,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub inspection_id: Option<i64>,
    pub kind: String,
    pub decided_on: String,
    pub amount_yuan: Option<i64>,
    pub doc_number: String,
    pub basis: String,
    pub note: String,
    pub org_name: String,
    pub created_at: String,
}

#[derive(Debug, Clone, Default)]
pub struct EnforcementFilter {
    pub enterprise_id: Option<i64>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: i64,
    pub per_page: i64,
}

/// Counts for a scope and period.
#[derive(Debug, Clone, Default, Serialize, FromRow, utoipa::ToSchema)]
pub struct EnforcementStats {
    pub cases: i64,
    pub fines: i64,
    pub fines_yuan: i64,
    pub suspensions: i64,
    pub blacklist_entries: i64,
    pub referrals: i64,
    /// Enterprises in scope suspended now.
    pub suspended_now: i64,
}

const SELECT: &str = "SELECT a.id, a.enterprise_id, e.name AS enterprise_name, a.inspection_id, a.kind, \
    a.decided_on, a.amount_yuan, a.doc_number, a.basis, a.note, o.name AS org_name, a.created_at \
    FROM enforcement_actions a JOIN enterprises e ON e.id = a.enterprise_id \
    JOIN organizations o ON o.id = a.org_id";

fn push_filter(sql: &mut Sql, f: &EnforcementFilter) {
    if let Some(e) = f.enterprise_id {
        sql.push(" AND a.enterprise_id = ").bind(e);
    }
    sql.push_filled(" AND a.kind = ", f.kind.as_deref())
        .push_filled(" AND a.decided_on >= ", f.from.as_deref())
        .push_filled(" AND a.decided_on <= ", f.to.as_deref());
}

impl Store {
    /// Records a decision on an enterprise in the caller's scope. Refused: a role that does
    /// not enforce, an office without enforcement power (a street office the power was not
    /// delegated to), an action the enterprise's state does not allow (a second suspension …),
    /// an inspection of another enterprise.
    pub async fn record_enforcement(
        &self,
        who: &Principal,
        input: &EnforcementInput,
    ) -> Result<i64> {
        if !who.may_record_enforcement() {
            // A clerk is told why: the office, not the role, lacks the power.
            return Err(if who.role.is_clerk() {
                StoreError::Denied {
                    code: "no_enforcement_power",
                    value: who.org_name.clone(),
                }
            } else {
                StoreError::Forbidden
            });
        }
        let f = input.validate(self.today())?;
        let enterprise = self.enterprise(who, f.enterprise_id).await?;
        if let Some(inspection) = f.inspection_id {
            let (record, _) = self.inspection(who, inspection).await?;
            if record.enterprise_id != enterprise.id {
                return Err(StoreError::Refused {
                    code: "inspection_of_another_enterprise",
                    value: record.number,
                });
            }
        }
        let status =
            EnterpriseStatus::parse(&enterprise.status).unwrap_or(EnterpriseStatus::Operating);
        let (_, current) = self.enforcement_flags(who, enterprise.id).await?;
        check_transition(f.kind, status, current.blacklisted).map_err(|code| {
            StoreError::Refused {
                code,
                value: enterprise.name.clone(),
            }
        })?;
        let now = format_time(self.clock().now());
        let section = hazardnet_domain::IndustryCode::parse(&enterprise.industry_code)
            .map(|c| c.section().to_string())
            .unwrap_or_default();
        let mut tx = self.begin_write().await?;
        // A document number names one decision of one office (the year is part of the number,
        // 〔2026〕): a second decision under the same number is a typing error or a forgery.
        if !f.doc_number.is_empty() {
            let taken: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM enforcement_actions WHERE org_id = $1 AND doc_number = $2",
            )
            .bind(who.org_id)
            .bind(f.doc_number.clone())
            .fetch_optional(&mut *tx)
            .await?;
            if taken.is_some() {
                return Err(StoreError::Conflict {
                    code: "duplicate_doc_number",
                    value: f.doc_number.clone(),
                });
            }
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO enforcement_actions (enterprise_id, jurisdiction_code, industry_code, industry_section, \
             inspection_id, kind, decided_on, amount_yuan, doc_number, basis, note, org_id, user_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id",
        )
        .bind(enterprise.id)
        .bind(enterprise.jurisdiction_code.clone())
        .bind(enterprise.industry_code.clone())
        .bind(section)
        .bind(f.inspection_id)
        .bind(f.kind.as_str().to_string())
        .bind(f.decided_on.to_string())
        .bind(f.amount_yuan)
        .bind(f.doc_number.clone())
        .bind(f.basis.clone())
        .bind(f.note.clone())
        .bind(who.org_id)
        .bind(who.user_id)
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        if let Some(new_status) = f.kind.sets_status() {
            sqlx::query(
                "UPDATE enterprises SET status = $1, version = version + 1, updated_at = $2 WHERE id = $3",
            )
            .bind(new_status.as_str().to_string())
            .bind(now.clone())
            .bind(enterprise.id)
            .execute(&mut *tx)
            .await?;
            append(
                &mut tx,
                self,
                &who.actor(),
                Change {
                    action: "enterprise.status",
                    entity: "enterprise",
                    entity_id: enterprise.id.to_string(),
                    jurisdiction: &enterprise.jurisdiction_code,
                    before: to_json(&serde_json::json!({"status": enterprise.status})),
                    after: to_json(
                        &serde_json::json!({"status": new_status.as_str(), "enforcement": id}),
                    ),
                },
            )
            .await?;
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "enforcement.record",
                entity: "enterprise",
                entity_id: enterprise.id.to_string(),
                jurisdiction: &enterprise.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "id": id, "kind": f.kind.as_str(), "decided_on": f.decided_on, "amount_yuan": f.amount_yuan,
                    "doc_number": f.doc_number, "basis": f.basis, "inspection": f.inspection_id,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An enterprise's actions (oldest first) and the flags they and the ledger raise.
    pub async fn enforcement_flags(
        &self,
        who: &Principal,
        enterprise_id: i64,
    ) -> Result<(Vec<EnforcementAction>, EnforcementFlags)> {
        self.enterprise(who, enterprise_id).await?;
        let actions: Vec<EnforcementAction> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE a.enterprise_id = $1 ORDER BY a.decided_on, a.id"
        )))
        .bind(enterprise_id)
        .fetch_all(&self.read)
        .await?;
        let today = self.today();
        let overdue_hazards: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM hazards WHERE enterprise_id = $1 AND state NOT IN ('closed', 'rejected') \
             AND deadline IS NOT NULL AND deadline < $2",
        )
        .bind(enterprise_id)
        .bind(today.to_string())
        .fetch_one(&self.read)
        .await?;
        // Notices whose deadline has passed while a hazard they ordered fixed is still open.
        let overdue_notices: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT i.id) FROM inspections i JOIN inspection_results r ON r.inspection_id = i.id \
             JOIN hazards h ON h.id = r.hazard_id WHERE i.enterprise_id = $1 AND i.notice_deadline < $2 \
             AND h.state NOT IN ('closed', 'rejected')",
        )
        .bind(enterprise_id)
        .bind(today.to_string())
        .fetch_one(&self.read)
        .await?;
        let history: Vec<(EnforcementKind, NaiveDate)> = actions
            .iter()
            .filter_map(|a| {
                Some((
                    EnforcementKind::parse(&a.kind)?,
                    NaiveDate::parse_from_str(&a.decided_on, "%Y-%m-%d").ok()?,
                ))
            })
            .collect();
        let flags = flags(
            &history,
            (overdue_hazards + overdue_notices) as usize,
            today,
        );
        Ok((actions, flags))
    }

    pub async fn enforcement_actions(
        &self,
        who: &Principal,
        filter: &EnforcementFilter,
    ) -> Result<(Vec<EnforcementAction>, i64)> {
        let mut sql = Sql::new(SELECT);
        let mut count = Sql::new("SELECT COUNT(*) FROM enforcement_actions a");
        for target in [&mut sql, &mut count] {
            target.push(" WHERE ");
            push_scope(target, &who.scope, &SCOPE);
            push_filter(target, filter);
        }
        let per_page = filter.per_page.clamp(1, 5000);
        sql.push(" ORDER BY a.decided_on DESC, a.id DESC LIMIT ")
            .bind(per_page);
        sql.push(" OFFSET ")
            .bind(crate::sql::page_offset(filter.page, per_page));
        let rows = sql.query_as().fetch_all(&self.read).await?;
        let total = count.query_scalar_i64().fetch_one(&self.read).await?;
        Ok((rows, total))
    }

    /// Cases, fines, suspensions, blacklistings and referrals in the caller's scope for a period.
    pub async fn enforcement_stats(
        &self,
        who: &Principal,
        filter: &EnforcementFilter,
    ) -> Result<EnforcementStats> {
        let count = |kind: &str| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN a.kind = '{kind}' THEN 1 ELSE 0 END), 0) AS BIGINT)"
            )
        };
        let mut sql = Sql::new(&format!(
            "SELECT {} AS cases, {} AS fines, CAST(COALESCE(SUM(CASE WHEN a.kind = 'fine' THEN a.amount_yuan ELSE 0 END), 0) AS BIGINT) AS fines_yuan, \
             {} AS suspensions, {} AS blacklist_entries, {} AS referrals, 0 AS suspended_now FROM enforcement_actions a WHERE ",
            count("case_filed"),
            count("fine"),
            count("suspension"),
            count("blacklist_entry"),
            count("judicial_referral"),
        ));
        push_scope(&mut sql, &who.scope, &SCOPE);
        push_filter(&mut sql, filter);
        let mut stats: EnforcementStats = sql.query_as().fetch_one(&self.read).await?;
        let mut suspended =
            Sql::new("SELECT COUNT(*) FROM enterprises e WHERE e.status = 'suspended' AND ");
        push_scope(&mut suspended, &who.scope, &crate::sql::ENTERPRISE_SCOPE);
        stats.suspended_now = suspended.query_scalar_i64().fetch_one(&self.read).await?;
        Ok(stats)
    }
}

/// Inspections per inspector in the caller's scope for a period: (name, records, signed off,
/// items failed, with an expert on the team).
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct InspectorLoad {
    pub inspector: String,
    pub org_name: String,
    pub inspections: i64,
    pub signed_off: i64,
    pub failed_items: i64,
}

impl Store {
    pub async fn inspector_workload(
        &self,
        who: &Principal,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<InspectorLoad>> {
        let mut sql = Sql::new(
            "SELECT u.display_name AS inspector, o.name AS org_name, COUNT(*) AS inspections, \
             CAST(COALESCE(SUM(CASE WHEN i.state = 'signed_off' THEN 1 ELSE 0 END), 0) AS BIGINT) AS signed_off, \
             CAST(COALESCE(SUM((SELECT COUNT(*) FROM inspection_results r WHERE r.inspection_id = i.id AND r.result = 'fail')), 0) AS BIGINT) AS failed_items \
             FROM inspections i JOIN users u ON u.id = i.inspector_id JOIN organizations o ON o.id = i.org_id WHERE ",
        );
        push_scope(&mut sql, &who.scope, &INSPECTION_SCOPE);
        sql.push_filled(" AND i.inspected_on >= ", from)
            .push_filled(" AND i.inspected_on <= ", to);
        sql.push(" GROUP BY u.display_name, o.name ORDER BY inspections DESC, inspector");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }
}
