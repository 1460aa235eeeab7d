//! The enterprise registry. Every read carries the caller's scope in its SQL; every write
//! checks that the new values stay in scope, and appends to the audit chain in the same
//! transaction.

use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::reference::row_error;
use crate::sql::{ENTERPRISE_SCOPE, Sql, push_scope};
use crate::{Result, RowError, Store, StoreError};
use hazardnet_domain::Scope;
use hazardnet_domain::enterprise::{EnterpriseFields, EnterpriseInput};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;
use std::collections::HashMap;

#[derive(Debug, Clone, FromRow, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Enterprise {
    pub id: i64,
    pub name: String,
    pub credit_code: String,
    pub jurisdiction_code: String,
    pub jurisdiction_name: String,
    pub industry_code: String,
    pub industry_name: String,
    pub enterprise_type: String,
    pub address: String,
    pub risk_grade: Option<String>,
    pub status: String,
    pub key_hazardous_chemicals: i64,
    pub crowded_place: i64,
    pub high_risk: i64,
    pub principal_name: String,
    pub principal_phone: String,
    pub safety_manager_name: String,
    pub safety_manager_phone: String,
    pub employees: Option<i64>,
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// What a hazard's record takes from its enterprise.
#[derive(Debug, Clone, FromRow, Deserialize)]
pub(crate) struct EnterprisePlace {
    pub(crate) id: i64,
    pub(crate) jurisdiction_code: String,
    pub(crate) industry_code: String,
}

impl Enterprise {
    /// The record as an input form, for editing.
    pub fn to_input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            jurisdiction_code: self.jurisdiction_code.clone(),
            industry_code: self.industry_code.clone(),
            enterprise_type: self.enterprise_type.clone(),
            address: self.address.clone(),
            risk_grade: self.risk_grade.clone(),
            status: Some(self.status.clone()),
            key_hazardous_chemicals: self.key_hazardous_chemicals != 0,
            crowded_place: self.crowded_place != 0,
            high_risk: self.high_risk != 0,
            principal_name: self.principal_name.clone(),
            principal_phone: self.principal_phone.clone(),
            safety_manager_name: self.safety_manager_name.clone(),
            safety_manager_phone: self.safety_manager_phone.clone(),
            employees: self.employees,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseSort {
    #[default]
    Name,
    CreditCode,
    Jurisdiction,
    RiskGrade,
    UpdatedAt,
}

/// List filters, all optional; paging is 1-based.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct EnterpriseFilter {
    pub q: Option<String>,
    pub jurisdiction: Option<String>,
    pub industry: Option<String>,
    /// One grade, or several separated by commas (`red,orange`).
    pub risk_grade: Option<String>,
    pub status: Option<String>,
    /// Any of the three key flags.
    pub key: Option<bool>,
    pub key_hazardous_chemicals: Option<bool>,
    pub crowded_place: Option<bool>,
    pub high_risk: Option<bool>,
    pub sort: Option<EnterpriseSort>,
    pub desc: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const MAX_PER_PAGE: i64 = 500;

const SELECT: &str = "SELECT e.id, e.name, e.credit_code, e.jurisdiction_code, \
    COALESCE(j.name, '') AS jurisdiction_name, e.industry_code, \
    COALESCE(i.name, '') AS industry_name, e.enterprise_type, e.address, e.risk_grade, \
    e.status, e.key_hazardous_chemicals, e.crowded_place, e.high_risk, e.principal_name, \
    e.principal_phone, e.safety_manager_name, e.safety_manager_phone, e.employees, e.version, \
    e.created_at, e.updated_at FROM enterprises e \
    LEFT JOIN jurisdictions j ON j.code = e.jurisdiction_code \
    LEFT JOIN industries i ON i.code = e.industry_code";

fn push_filters(sql: &mut Sql, f: &EnterpriseFilter) {
    if let Some(q) = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.replace(['%', '_'], ""));
        sql.push(" AND (e.name LIKE ").bind(pattern.clone());
        sql.push(" OR e.credit_code LIKE ").bind(pattern.clone());
        sql.push(" OR e.address LIKE ").bind(pattern).push(")");
    }
    crate::sql::push_place_filters(sql, "e", f.jurisdiction.as_deref(), f.industry.as_deref());
    if let Some(grades) = f.risk_grade.as_deref().filter(|s| !s.is_empty()) {
        sql.push(" AND e.risk_grade IN (");
        for (i, grade) in grades.split(',').enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(grade.trim());
        }
        sql.push(")");
    }
    if f.key == Some(true) {
        sql.push(" AND (e.key_hazardous_chemicals = 1 OR e.crowded_place = 1 OR e.high_risk = 1)");
    }
    sql.push_filled(" AND e.status = ", f.status.as_deref());
    for (flag, column) in [
        (f.key_hazardous_chemicals, "e.key_hazardous_chemicals"),
        (f.crowded_place, "e.crowded_place"),
        (f.high_risk, "e.high_risk"),
    ] {
        if let Some(value) = flag {
            sql.push(" AND ")
                .push(column)
                .push(" = ")
                .bind(i64::from(value));
        }
    }
}

impl EnterpriseFilter {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE)
    }
}

/// Fields a principal or safety manager may change on their own enterprise; the registration
/// facts (name, code, place, industry, grade, status, flags) stay with the authorities.
fn merge_own_enterprise_edit(
    current: &Enterprise,
    mut wanted: EnterpriseFields,
) -> Result<EnterpriseFields> {
    let registered = current.to_input().validate()?;
    wanted.name = registered.name;
    wanted.credit_code = registered.credit_code;
    wanted.jurisdiction_code = registered.jurisdiction_code;
    wanted.industry_code = registered.industry_code;
    wanted.risk_grade = registered.risk_grade;
    wanted.status = registered.status;
    wanted.key_hazardous_chemicals = registered.key_hazardous_chemicals;
    wanted.crowded_place = registered.crowded_place;
    wanted.high_risk = registered.high_risk;
    Ok(wanted)
}

impl Store {
    pub async fn enterprise(&self, who: &Principal, id: i64) -> Result<Enterprise> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE e.id = ").bind(id).push(" AND ");
        crate::sql::push_scope_of_row(&mut sql, self.kind(), &who.scope, &ENTERPRISE_SCOPE);
        self.read_row(&sql).await?.ok_or(StoreError::NotFound)
    }

    /// Where an enterprise in the caller's scope is and what it does: all a hazard's record
    /// takes from it. One row of one table, read before hazards are recorded (a report, an
    /// import, an inspection's findings).
    pub(crate) async fn enterprise_place(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<EnterprisePlace> {
        let mut sql = Sql::new(
            "SELECT e.id, e.jurisdiction_code, e.industry_code FROM enterprises e WHERE e.id = ",
        );
        sql.bind(id).push(" AND ");
        crate::sql::push_scope_of_row(&mut sql, self.kind(), &who.scope, &ENTERPRISE_SCOPE);
        self.read_row(&sql).await?.ok_or(StoreError::NotFound)
    }

    pub async fn enterprises(
        &self,
        who: &Principal,
        filter: &EnterpriseFilter,
    ) -> Result<(Vec<Enterprise>, i64)> {
        let mut count = Sql::new("SELECT COUNT(*) FROM enterprises e WHERE ");
        push_scope(&mut count, &who.scope, &ENTERPRISE_SCOPE);
        push_filters(&mut count, filter);
        let total = count.query_scalar_i64().fetch_one(&self.read).await?;

        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE ");
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        push_filters(&mut sql, filter);
        let column = match filter.sort.unwrap_or_default() {
            EnterpriseSort::Name => "e.name",
            EnterpriseSort::CreditCode => "e.credit_code",
            EnterpriseSort::Jurisdiction => "e.jurisdiction_code",
            EnterpriseSort::RiskGrade => "e.risk_grade",
            EnterpriseSort::UpdatedAt => "e.updated_at",
        };
        let direction = if filter.desc.unwrap_or(false) {
            " DESC"
        } else {
            " ASC"
        };
        sql.push(" ORDER BY ")
            .push(column)
            .push(direction)
            .push(", e.id");
        sql.push(direction).push(" LIMIT ").bind(filter.per_page());
        sql.push(" OFFSET ")
            .bind(crate::sql::page_offset(filter.page(), filter.per_page()));
        let items = sql.query_as().fetch_all(&self.read).await?;
        Ok((items, total))
    }

    /// Every enterprise the filter selects within scope, for export (no paging).
    pub async fn enterprises_all(
        &self,
        who: &Principal,
        filter: &EnterpriseFilter,
    ) -> Result<Vec<Enterprise>> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE ");
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        push_filters(&mut sql, filter);
        sql.push(" ORDER BY e.jurisdiction_code, e.name, e.id");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }

    /// Refuses a write whose new values the caller may not place there.
    async fn check_writable(&self, who: &Principal, fields: &EnterpriseFields) -> Result<()> {
        if !who.role.may_register_enterprises() {
            return Err(StoreError::Forbidden);
        }
        if !who.scope.admits(
            None,
            &fields.jurisdiction_code,
            &fields.industry_code,
            false,
        ) {
            return Err(StoreError::OutOfScope);
        }
        self.jurisdiction(fields.jurisdiction_code.as_str())
            .await
            .map_err(|_| StoreError::UnknownJurisdiction(fields.jurisdiction_code.to_string()))?;
        self.industry(fields.industry_code.as_str())
            .await
            .map_err(|_| StoreError::UnknownIndustry(fields.industry_code.to_string()))?;
        Ok(())
    }

    pub async fn create_enterprise(&self, who: &Principal, input: &EnterpriseInput) -> Result<i64> {
        let fields = input.validate()?;
        self.check_writable(who, &fields).await?;
        let mut tx = self.begin_write().await?;
        let id = self.insert_enterprise(&mut tx, who, &fields).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn insert_enterprise(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        f: &EnterpriseFields,
    ) -> Result<i64> {
        let now = format_time(self.clock().now());
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO enterprises (name, credit_code, jurisdiction_code, industry_code, \
             industry_section, enterprise_type, address, risk_grade, status, \
             key_hazardous_chemicals, crowded_place, high_risk, principal_name, principal_phone, \
             safety_manager_name, safety_manager_phone, employees, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
             $18, $19) RETURNING id",
        )
        .bind(f.name.clone())
        .bind(f.credit_code.to_string())
        .bind(f.jurisdiction_code.to_string())
        .bind(f.industry_code.to_string())
        .bind(f.industry_code.section().to_string())
        .bind(f.enterprise_type.clone())
        .bind(f.address.clone())
        .bind(f.risk_grade.map(|g| g.as_str().to_string()))
        .bind(f.status.as_str().to_string())
        .bind(i64::from(f.key_hazardous_chemicals))
        .bind(i64::from(f.crowded_place))
        .bind(i64::from(f.high_risk))
        .bind(f.principal_name.clone())
        .bind(f.principal_phone.clone())
        .bind(f.safety_manager_name.clone())
        .bind(f.safety_manager_phone.clone())
        .bind(f.employees)
        .bind(now.clone())
        .bind(now)
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict {
                    code: "duplicate_credit_code",
                    value: f.credit_code.to_string(),
                }
            } else {
                e.into()
            }
        })?;
        append(
            tx,
            self,
            &who.actor(),
            Change {
                action: "enterprise.create",
                entity: "enterprise",
                entity_id: id.to_string(),
                jurisdiction: f.jurisdiction_code.as_str(),
                before: None,
                after: to_json(f),
            },
        )
        .await?;
        Ok(id)
    }

    /// Replaces an enterprise's fields. `expected_version` (optimistic locking) refuses an edit
    /// made on a stale copy instead of silently overwriting a colleague's change.
    pub async fn update_enterprise(
        &self,
        who: &Principal,
        id: i64,
        input: &EnterpriseInput,
        expected_version: Option<i64>,
    ) -> Result<()> {
        let current = self.enterprise(who, id).await?;
        let mut fields = input.validate()?;
        let own = matches!(who.scope, Scope::Enterprise { enterprise_id } if enterprise_id == id);
        if own && who.role.may_edit_own_enterprise() {
            fields = merge_own_enterprise_edit(&current, fields)?;
        } else {
            self.check_writable(who, &fields).await?;
        }
        if let Some(v) = expected_version
            && v != current.version
        {
            return Err(StoreError::StaleVersion(current.version));
        }
        let before = current.to_input().validate().ok();
        let mut tx = self.begin_write().await?;
        let mut sql = Sql::new("UPDATE enterprises SET name = ");
        sql.bind(fields.name.clone());
        sql.push(", credit_code = ")
            .bind(fields.credit_code.to_string());
        sql.push(", jurisdiction_code = ")
            .bind(fields.jurisdiction_code.to_string());
        sql.push(", industry_code = ")
            .bind(fields.industry_code.to_string());
        sql.push(", industry_section = ")
            .bind(fields.industry_code.section().to_string());
        sql.push(", enterprise_type = ")
            .bind(fields.enterprise_type.clone());
        sql.push(", address = ").bind(fields.address.clone());
        sql.push(", risk_grade = ")
            .bind(fields.risk_grade.map(|g| g.as_str().to_string()));
        sql.push(", status = ").bind(fields.status.as_str());
        sql.push(", key_hazardous_chemicals = ")
            .bind(i64::from(fields.key_hazardous_chemicals));
        sql.push(", crowded_place = ")
            .bind(i64::from(fields.crowded_place));
        sql.push(", high_risk = ").bind(i64::from(fields.high_risk));
        sql.push(", principal_name = ")
            .bind(fields.principal_name.clone());
        sql.push(", principal_phone = ")
            .bind(fields.principal_phone.clone());
        sql.push(", safety_manager_name = ")
            .bind(fields.safety_manager_name.clone());
        sql.push(", safety_manager_phone = ")
            .bind(fields.safety_manager_phone.clone());
        sql.push(", employees = ");
        match fields.employees {
            Some(n) => sql.bind(n),
            None => sql.push("NULL"),
        };
        sql.push(", updated_at = ")
            .bind(format_time(self.clock().now()));
        sql.push(", version = version + 1 WHERE id = ").bind(id);
        sql.push(" AND version = ").bind(current.version);
        // The scope condition again, inside the write itself.
        sql.push(" AND id IN (SELECT e.id FROM enterprises e WHERE ");
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        sql.push(") RETURNING id");
        let updated: Option<(i64,)> =
            sql.query_as().fetch_optional(&mut *tx).await.map_err(|e| {
                if StoreError::is_unique_violation(&e) {
                    StoreError::Conflict {
                        code: "duplicate_credit_code",
                        value: fields.credit_code.to_string(),
                    }
                } else {
                    e.into()
                }
            })?;
        if updated.is_none() {
            return Err(StoreError::StaleVersion(current.version));
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "enterprise.update",
                entity: "enterprise",
                entity_id: id.to_string(),
                jurisdiction: fields.jurisdiction_code.as_str(),
                before: before.as_ref().and_then(to_json),
                after: to_json(&fields),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Imports many enterprises at once: every row is checked (fields, scope, reference data,
    /// duplicates within the file and against the registry) and if any row is bad, nothing is
    /// written and every bad row is reported. `first_row` is the sheet row of `inputs[0]`.
    pub async fn import_enterprises(
        &self,
        who: &Principal,
        inputs: &[EnterpriseInput],
        first_row: usize,
    ) -> Result<Vec<i64>> {
        let valid = self.check_enterprise_import(who, inputs, first_row).await?;
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(valid.len());
        for fields in &valid {
            ids.push(self.insert_enterprise(&mut tx, who, fields).await?);
        }
        tx.commit().await?;
        Ok(ids)
    }

    /// The checks of [`Store::import_enterprises`] without writing: the validated rows, or
    /// every refused row with its reason.
    pub async fn check_enterprise_import(
        &self,
        who: &Principal,
        inputs: &[EnterpriseInput],
        first_row: usize,
    ) -> Result<Vec<EnterpriseFields>> {
        if !who.role.may_register_enterprises() {
            return Err(StoreError::Forbidden);
        }
        let mut errors: Vec<RowError> = Vec::new();
        let mut valid = Vec::with_capacity(inputs.len());
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, input) in inputs.iter().enumerate() {
            let row = first_row + i;
            let fields = match input.validate() {
                Ok(f) => f,
                Err(e) => {
                    errors.push(row_error(row, &e));
                    continue;
                }
            };
            let refusal = match self.check_writable(who, &fields).await {
                Ok(()) => None,
                Err(StoreError::OutOfScope) => {
                    Some(("out_of_scope", fields.jurisdiction_code.to_string()))
                }
                Err(StoreError::UnknownJurisdiction(v)) => Some(("unknown_jurisdiction", v)),
                Err(StoreError::UnknownIndustry(v)) => Some(("unknown_industry", v)),
                Err(other) => return Err(other),
            };
            if let Some((code, value)) = refusal {
                errors.push(RowError {
                    row,
                    code: code.into(),
                    args: vec![("value".into(), value)],
                });
                continue;
            }
            let credit = fields.credit_code.to_string();
            if let Some(earlier) = seen.insert(credit.clone(), row) {
                errors.push(RowError {
                    row,
                    code: "duplicate_in_file".into(),
                    args: vec![
                        ("value".into(), credit),
                        ("row".into(), earlier.to_string()),
                    ],
                });
                continue;
            }
            let exists: Option<i64> =
                sqlx::query_scalar("SELECT id FROM enterprises WHERE credit_code = $1")
                    .bind(credit.clone())
                    .fetch_optional(&self.read)
                    .await?;
            if exists.is_some() {
                errors.push(RowError {
                    row,
                    code: "duplicate_credit_code".into(),
                    args: vec![("value".into(), credit)],
                });
                continue;
            }
            valid.push(fields);
        }
        if !errors.is_empty() {
            return Err(StoreError::Rows(errors));
        }
        Ok(valid)
    }

    /// Whether `who` may edit enterprise `id` at all (for showing an edit button).
    pub fn may_edit_enterprise(who: &Principal, id: i64) -> bool {
        who.role.may_register_enterprises()
            || (who.role.may_edit_own_enterprise() && who.enterprise_id == Some(id))
    }
}

/// Headline figures of the registry within a caller's scope.
#[derive(Debug, Clone, Default, FromRow, Serialize, utoipa::ToSchema)]
pub struct EnterpriseStats {
    pub total: i64,
    pub key: i64,
    pub red_orange: i64,
    pub suspended: i64,
}

impl Store {
    pub async fn enterprise_stats(&self, who: &Principal) -> Result<EnterpriseStats> {
        let mut sql = Sql::new(
            "SELECT COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN e.key_hazardous_chemicals = 1 OR e.crowded_place = 1 \
               OR e.high_risk = 1 THEN 1 ELSE 0 END), 0) AS key, \
             COALESCE(SUM(CASE WHEN e.risk_grade IN ('red', 'orange') THEN 1 ELSE 0 END), 0) AS red_orange, \
             COALESCE(SUM(CASE WHEN e.status = 'suspended' THEN 1 ELSE 0 END), 0) AS suspended \
             FROM enterprises e WHERE ",
        );
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        Ok(sql.query_as().fetch_one(&self.read).await?)
    }
}

impl Store {
    /// The id of the enterprise with this credit code, within the caller's scope.
    pub async fn enterprise_id_by_credit_code(
        &self,
        who: &Principal,
        credit_code: &str,
    ) -> Result<i64> {
        let mut sql = Sql::new("SELECT e.id FROM enterprises e WHERE e.credit_code = ");
        sql.bind(credit_code.trim().to_ascii_uppercase())
            .push(" AND ");
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        sql.query_scalar_i64()
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)
    }
}
