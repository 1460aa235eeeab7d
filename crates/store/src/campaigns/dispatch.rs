//! The dispatch table (调度表) of a campaign for one period: a row per unit one level below the
//! chosen office (its streets, or its communities), plus the area's regulators that file the
//! return, and a total. Hazard figures are computed from the ledger for each row's area (and a
//! regulator's industries) within the caller's scope; the figures the ledger does not hold are
//! those the unit filed in its return for the period, or, where the unit itself did not file,
//! the sum of what the units below it filed — the roll-up community → street → district → city.
//!
//! The work the system records itself — signed-off inspections and law-enforcement decisions —
//! is computed too ([`WorkFigures`]), for the same area as the hazards: enterprises inspected
//! are counted once each however many inspections and units visited them, within a row and in
//! the total, which is counted afresh for the whole area, never summed from the rows.

use super::Campaign;
use super::reports::ReportStatus;
use crate::accounts::Principal;
use crate::clock::china_moment;
use crate::enforcement::SCOPE as ENFORCEMENT_SCOPE;
use crate::hazards::HAZARD_SCOPE;
use crate::inspections::INSPECTION_SCOPE;
use crate::sql::{Sql, push_scope};
use crate::{Result, Store, StoreError};
use chrono::Duration;
use hazardnet_domain::campaign::Period;
use hazardnet_domain::enforcement::EnforcementKind;
use hazardnet_domain::{IndustryCode, JurisdictionCode, OrgKind, Scope};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Serialize, FromRow, utoipa::ToSchema)]
pub struct LedgerFigures {
    pub hazards_found: i64,
    pub major_found: i64,
    pub rectified: i64,
    pub major_rectified: i64,
    pub cumulative_found: i64,
    pub cumulative_rectified: i64,
    pub overdue: i64,
}

impl LedgerFigures {
    fn add(&mut self, o: &LedgerFigures) {
        self.hazards_found += o.hazards_found;
        self.major_found += o.major_found;
        self.rectified += o.rectified;
        self.major_rectified += o.major_rectified;
        self.cumulative_found += o.cumulative_found;
        self.cumulative_rectified += o.cumulative_rectified;
        self.overdue += o.overdue;
    }
}

/// The work recorded in the system for a row's area in the period: signed-off inspections
/// (`inspected_on` in the period) and enforcement decisions (`decided_on` in the period).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, FromRow, utoipa::ToSchema)]
pub struct WorkFigures {
    /// Distinct enterprises with a signed-off inspection: an enterprise that a street and a
    /// regulator both inspected counts once.
    pub enterprises_inspected: i64,
    /// Signed-off inspections.
    pub inspections: i64,
    /// Cases filed (立案).
    pub cases: i64,
    /// Fines imposed, and their sum in yuan.
    pub fines: i64,
    pub fines_yuan: i64,
    /// Suspensions for rectification (责令停产整顿).
    pub suspensions: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DispatchRow {
    pub unit: String,
    pub jurisdiction_code: Option<String>,
    pub org_id: Option<i64>,
    #[serde(flatten)]
    pub ledger: LedgerFigures,
    /// Cumulative rectification rate since the campaign began, in percent (one decimal).
    pub rectification_rate: Option<f64>,
    /// Inspections and enforcement recorded in the system (computed, de-duplicated).
    pub work: WorkFigures,
    /// What the unit filed (or its units below, summed).
    pub filled: BTreeMap<String, i64>,
    /// on_time | late | missing | not_due | rolled_up | none
    pub return_status: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DispatchTable {
    pub campaign_id: i64,
    pub campaign_title: String,
    pub doc_number: String,
    pub office_code: String,
    pub office_name: String,
    pub period: Period,
    /// Every period of the campaign so far, for choosing another.
    pub periods: Vec<Period>,
    pub rows: Vec<DispatchRow>,
    pub total: DispatchRow,
}

fn rate(f: &LedgerFigures) -> Option<f64> {
    (f.cumulative_found > 0).then(|| {
        (f.cumulative_rectified as f64 * 1000.0 / f.cumulative_found as f64).round() / 10.0
    })
}

#[derive(Debug, Clone, FromRow)]
struct UnitOrg {
    id: i64,
    name: String,
    kind: String,
    jurisdiction_code: Option<String>,
    industries: String,
}

#[derive(Debug, Clone, FromRow)]
struct ReturnRow {
    org_id: i64,
    figures_json: String,
    late: i64,
}

impl Store {
    /// The dispatch table of `campaign` for the period `period_key` (default: the latest one
    /// begun) at `office` (default: the campaign's area, or the caller's own when that is
    /// narrower). The office must be inside both the campaign's area and the caller's scope.
    pub async fn dispatch_table(
        &self,
        who: &Principal,
        campaign: &Campaign,
        period_key: Option<&str>,
        office: Option<&str>,
    ) -> Result<DispatchTable> {
        let area = JurisdictionCode::parse(&campaign.jurisdiction_code)?;
        let cadence = campaign.cadence();
        let periods = campaign.periods(&cadence, self.today());
        let period = match period_key.map(str::trim).filter(|k| !k.is_empty()) {
            Some(key) => periods
                .iter()
                .find(|p| p.key == key)
                .cloned()
                .ok_or_else(|| StoreError::Refused {
                    code: "unknown_period",
                    value: key.to_string(),
                })?,
            None => periods.last().cloned().ok_or_else(|| StoreError::Refused {
                code: "period_not_started",
                value: campaign.starts_on.clone(),
            })?,
        };
        let mine = match &who.scope {
            Scope::Everything => None,
            Scope::Government { jurisdiction, .. } => Some(jurisdiction.clone()),
            _ => return Err(StoreError::Forbidden),
        };
        let office = match office.map(str::trim).filter(|o| !o.is_empty()) {
            Some(code) => JurisdictionCode::parse(code)?,
            None => match &mine {
                Some(m) if area.contains(m) => m.clone(),
                _ => area.clone(),
            },
        };
        if !area.contains(&office) || mine.as_ref().is_some_and(|m| !m.contains(&office)) {
            return Err(StoreError::OutOfScope);
        }
        let office_name = self
            .jurisdiction(office.as_str())
            .await
            .map(|j| j.name)
            .unwrap_or_else(|_| office.to_string());

        // The units: the office's children (or the office itself at the bottom), then the
        // regulators at the office that file the return.
        let children: Vec<(String, String)> = sqlx::query_as(
            "SELECT code, name FROM jurisdictions WHERE parent_code = $1 ORDER BY code",
        )
        .bind(office.to_string())
        .fetch_all(&self.read)
        .await?;
        let places = if children.is_empty() {
            vec![(office.to_string(), office_name.clone())]
        } else {
            children
        };
        let task0: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM campaign_tasks WHERE campaign_id = $1 AND number = 0",
        )
        .bind(campaign.id)
        .fetch_optional(&self.read)
        .await?;
        let unit_orgs: Vec<UnitOrg> = sqlx::query_as(
            "SELECT DISTINCT o.id, o.name, o.kind, o.jurisdiction_code, o.industries FROM task_units u \
             JOIN organizations o ON o.id = u.org_id WHERE u.task_id = $1 AND u.retired = 0 ORDER BY o.id",
        )
        .bind(task0.unwrap_or(-1))
        .fetch_all(&self.read)
        .await?;
        let returns: Vec<ReturnRow> = sqlx::query_as(
            "SELECT org_id, figures_json, late FROM unit_returns WHERE campaign_id = $1 \
             AND period_key = $2 AND is_current = 1",
        )
        .bind(campaign.id)
        .bind(period.key.clone())
        .fetch_all(&self.read)
        .await?;
        let today = self.today();
        let org_place = |o: &UnitOrg| o.jurisdiction_code.clone().unwrap_or_default();

        let mut rows = Vec::new();
        for (code, name) in &places {
            let place = JurisdictionCode::parse(code)?;
            let ledger = self
                .ledger_figures(who, campaign, &period, &place, None)
                .await?;
            let work = self
                .work_figures(who, campaign, &period, &place, None)
                .await?;
            // The territorial unit at exactly this place, if it files the return.
            let own = unit_orgs.iter().find(|o| {
                org_place(o) == *code
                    && OrgKind::parse(&o.kind).is_ok_and(|k| k != OrgKind::IndustryRegulator)
            });
            let own_return = own.and_then(|o| returns.iter().find(|r| r.org_id == o.id));
            let (filled, status) = match (own, own_return) {
                (_, Some(r)) => (
                    serde_json::from_str(&r.figures_json).unwrap_or_default(),
                    if r.late != 0 {
                        ReportStatus::Late
                    } else {
                        ReportStatus::OnTime
                    }
                    .as_str()
                    .to_string(),
                ),
                (own, None) => {
                    let below: Vec<&ReturnRow> = returns
                        .iter()
                        .filter(|r| {
                            // Every filing unit inside the place but the place's own
                            // (regulators at the place itself included).
                            unit_orgs.iter().any(|o| {
                                o.id == r.org_id
                                    && own.is_none_or(|own| own.id != o.id)
                                    && JurisdictionCode::parse(&org_place(o))
                                        .is_ok_and(|j| place.contains(&j))
                            })
                        })
                        .collect();
                    let mut sum: BTreeMap<String, i64> = BTreeMap::new();
                    for r in &below {
                        let figures: BTreeMap<String, i64> =
                            serde_json::from_str(&r.figures_json).unwrap_or_default();
                        for (k, v) in figures {
                            *sum.entry(k).or_default() += v;
                        }
                    }
                    let status = if !below.is_empty() {
                        "rolled_up"
                    } else if own.is_some() && today > period.due_on {
                        ReportStatus::Missing.as_str()
                    } else if own.is_some() {
                        ReportStatus::NotDue.as_str()
                    } else {
                        "none"
                    };
                    (sum, status.to_string())
                }
            };
            rows.push(DispatchRow {
                unit: name.clone(),
                jurisdiction_code: Some(code.clone()),
                org_id: own.map(|o| o.id),
                rectification_rate: rate(&ledger),
                ledger,
                work,
                filled,
                return_status: status,
            });
        }
        for org in unit_orgs.iter().filter(|o| {
            OrgKind::parse(&o.kind).is_ok_and(|k| k == OrgKind::IndustryRegulator)
                && org_place(o) == office.as_str()
        }) {
            let industries: Vec<IndustryCode> = org
                .industries
                .split(',')
                .filter_map(|c| IndustryCode::parse(c).ok())
                .collect();
            let ledger = self
                .ledger_figures(who, campaign, &period, &office, Some(&industries))
                .await?;
            let work = self
                .work_figures(who, campaign, &period, &office, Some(&industries))
                .await?;
            let filed = returns.iter().find(|r| r.org_id == org.id);
            let status = match filed {
                Some(r) if r.late != 0 => ReportStatus::Late,
                Some(_) => ReportStatus::OnTime,
                None if today > period.due_on => ReportStatus::Missing,
                None => ReportStatus::NotDue,
            };
            rows.push(DispatchRow {
                unit: org.name.clone(),
                jurisdiction_code: None,
                org_id: Some(org.id),
                rectification_rate: rate(&ledger),
                ledger,
                work,
                filled: filed
                    .map(|r| serde_json::from_str(&r.figures_json).unwrap_or_default())
                    .unwrap_or_default(),
                return_status: status.as_str().to_string(),
            });
        }
        // The total: places only (a regulator's hazards are already in the places' figures),
        // plus what the regulators filed.
        let mut ledger = LedgerFigures::default();
        let mut filled: BTreeMap<String, i64> = BTreeMap::new();
        for row in &rows {
            if row.jurisdiction_code.is_some() {
                ledger.add(&row.ledger);
            }
            for (k, v) in &row.filled {
                *filled.entry(k.clone()).or_default() += v;
            }
        }
        // Work figures of the whole area counted afresh: an enterprise two units inspected is
        // one enterprise.
        let work = self
            .work_figures(who, campaign, &period, &office, None)
            .await?;
        let total = DispatchRow {
            unit: office_name.clone(),
            jurisdiction_code: Some(office.to_string()),
            org_id: None,
            rectification_rate: rate(&ledger),
            ledger,
            work,
            filled,
            return_status: String::new(),
        };
        Ok(DispatchTable {
            campaign_id: campaign.id,
            campaign_title: campaign.title.clone(),
            doc_number: campaign.doc_number.clone(),
            office_code: office.to_string(),
            office_name,
            period,
            periods,
            rows,
            total,
        })
    }

    /// The hazard figures of one place (and optionally industries) for a period, within the
    /// campaign's industries and the caller's scope.
    async fn ledger_figures(
        &self,
        who: &Principal,
        campaign: &Campaign,
        period: &Period,
        place: &JurisdictionCode,
        industries: Option<&[IndustryCode]>,
    ) -> Result<LedgerFigures> {
        let start = period.starts_on.to_string();
        let end = period.ends_on.min(self.today()).to_string();
        let start_ts = china_moment(period.starts_on, 0);
        let end_ts = china_moment(period.ends_on.min(self.today()) + Duration::days(1), 0);
        let mut sql = Sql::new("SELECT ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.found_at >= ")
            .bind(start.clone());
        sql.push(" AND h.found_at <= ").bind(end.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS hazards_found, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.level = 'major' AND h.found_at >= ")
            .bind(start);
        sql.push(" AND h.found_at <= ").bind(end.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS major_found, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.state = 'closed' AND h.closed_at >= ")
            .bind(start_ts.clone());
        sql.push(" AND h.closed_at < ").bind(end_ts.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS rectified, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.level = 'major' AND h.state = 'closed' AND h.closed_at >= ")
            .bind(start_ts);
        sql.push(" AND h.closed_at < ").bind(end_ts.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS major_rectified, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.found_at <= ")
            .bind(end.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS cumulative_found, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.found_at <= ")
            .bind(end.clone());
        sql.push(" AND h.state = 'closed' AND h.closed_at < ")
            .bind(end_ts.clone());
        sql.push(" THEN 1 ELSE 0 END), 0) AS BIGINT) AS cumulative_rectified, ");
        sql.push("CAST(COALESCE(SUM(CASE WHEN h.deadline IS NOT NULL AND h.deadline < ")
            .bind(end);
        sql.push(" AND (h.closed_at IS NULL OR h.closed_at >= ")
            .bind(end_ts);
        sql.push(") THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue ");
        sql.push("FROM hazards h WHERE h.state <> 'rejected' AND h.found_at >= ")
            .bind(campaign.starts_on.clone());
        let (low, high) = place.subtree_bounds();
        sql.push(" AND h.jurisdiction_code BETWEEN ").bind(low);
        sql.push(" AND ").bind(high);
        push_industries(&mut sql, "h", campaign, industries);
        sql.push(" AND ");
        push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
        Ok(sql.query_as().fetch_one(&self.read).await?)
    }

    /// The inspections and enforcement decisions recorded for one place (and optionally
    /// industries) in a period, within the campaign's industries and the caller's scope.
    /// Enterprises inspected are distinct enterprises, whichever unit inspected them.
    async fn work_figures(
        &self,
        who: &Principal,
        campaign: &Campaign,
        period: &Period,
        place: &JurisdictionCode,
        industries: Option<&[IndustryCode]>,
    ) -> Result<WorkFigures> {
        let start = period.starts_on.to_string();
        let end = period.ends_on.min(self.today()).to_string();
        let (low, high) = place.subtree_bounds();
        let mut sql = Sql::new(
            "SELECT CAST(COUNT(DISTINCT i.enterprise_id) AS BIGINT) AS enterprises, \
             CAST(COUNT(*) AS BIGINT) AS inspections FROM inspections i \
             WHERE i.state = 'signed_off' AND i.inspected_on >= ",
        );
        sql.bind(start.clone());
        sql.push(" AND i.inspected_on <= ").bind(end.clone());
        sql.push(" AND i.jurisdiction_code BETWEEN ")
            .bind(low.clone());
        sql.push(" AND ").bind(high.clone());
        push_industries(&mut sql, "i", campaign, industries);
        sql.push(" AND ");
        push_scope(&mut sql, &who.scope, &INSPECTION_SCOPE);
        let (enterprises_inspected, inspections): (i64, i64) =
            sql.query_as().fetch_one(&self.read).await?;

        let count = |kind: &str| {
            format!(
                "CAST(COALESCE(SUM(CASE WHEN a.kind = '{kind}' THEN 1 ELSE 0 END), 0) AS BIGINT)"
            )
        };
        let mut sql = Sql::new(&format!(
            "SELECT {} AS cases, {} AS fines, \
             CAST(COALESCE(SUM(CASE WHEN a.kind = 'fine' THEN a.amount_yuan ELSE 0 END), 0) AS BIGINT) AS fines_yuan, \
             {} AS suspensions FROM enforcement_actions a WHERE a.decided_on >= ",
            count(EnforcementKind::CaseFiled.as_str()),
            count(EnforcementKind::Fine.as_str()),
            count(EnforcementKind::Suspension.as_str()),
        ));
        sql.bind(start);
        sql.push(" AND a.decided_on <= ").bind(end);
        sql.push(" AND a.jurisdiction_code BETWEEN ").bind(low);
        sql.push(" AND ").bind(high);
        push_industries(&mut sql, "a", campaign, industries);
        sql.push(" AND ");
        push_scope(&mut sql, &who.scope, &ENFORCEMENT_SCOPE);
        let (cases, fines, fines_yuan, suspensions): (i64, i64, i64, i64) =
            sql.query_as().fetch_one(&self.read).await?;
        Ok(WorkFigures {
            enterprises_inspected,
            inspections,
            cases,
            fines,
            fines_yuan,
            suspensions,
        })
    }
}

/// Restricts rows of the table aliased `alias` (with `industry_code` and `industry_section`
/// columns) to the campaign's industries and, when given, a regulator's.
fn push_industries(
    sql: &mut Sql,
    alias: &str,
    campaign: &Campaign,
    industries: Option<&[IndustryCode]>,
) {
    let own: Vec<IndustryCode> = campaign
        .industries
        .iter()
        .filter_map(|c| IndustryCode::parse(c).ok())
        .collect();
    for list in [Some(own), industries.map(<[IndustryCode]>::to_vec)]
        .into_iter()
        .flatten()
        .filter(|l| !l.is_empty())
    {
        sql.push(" AND (1 = 0");
        for code in &list {
            if code.is_section() {
                sql.push(&format!(" OR {alias}.industry_section = "))
                    .bind(code.as_str());
            } else {
                sql.push(&format!(" OR {alias}.industry_code LIKE "))
                    .bind(format!("{}%", code.as_str()));
            }
        }
        sql.push(")");
    }
}
