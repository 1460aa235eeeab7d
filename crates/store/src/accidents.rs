//! An enterprise's accident record (事故记录), scoped like the enterprise. Each accident is a
//! row that never changes, recorded by an office clerk with its audit entry; the count of
//! recent ones feeds the inspection plans' priority (`inspections::plans`).

use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::enforcement::SCOPE;
use crate::hazards::tallies::industry_section;
use crate::sql::{Sql, push_scope};
use crate::{Result, Store, StoreError};
use hazardnet_domain::accident::AccidentInput;
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct Accident {
    pub id: i64,
    pub enterprise_id: i64,
    pub occurred_on: String,
    pub kind: String,
    /// general | larger | major | extraordinary (条例第三条).
    pub grade: String,
    pub deaths: i64,
    pub serious_injuries: i64,
    pub direct_loss_yuan: i64,
    pub circumstances: String,
    pub report_ref: String,
    /// The office that recorded it.
    pub org_name: String,
    pub created_at: String,
}

impl Store {
    /// Records an accident of an enterprise in the caller's scope; office clerks only.
    pub async fn record_accident(
        &self,
        who: &Principal,
        enterprise_id: i64,
        input: &AccidentInput,
    ) -> Result<i64> {
        if !who.role.is_clerk() {
            return Err(StoreError::Forbidden);
        }
        let f = input.validate(self.today())?;
        let enterprise = self.enterprise(who, enterprise_id).await?;
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO enterprise_accidents (enterprise_id, jurisdiction_code, industry_code, industry_section, \
             occurred_on, kind, grade, deaths, serious_injuries, direct_loss_yuan, circumstances, report_ref, org_id, \
             user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             RETURNING id",
        )
        .bind(enterprise.id)
        .bind(enterprise.jurisdiction_code.clone())
        .bind(enterprise.industry_code.clone())
        .bind(industry_section(&enterprise.industry_code))
        .bind(f.occurred_on.to_string())
        .bind(f.kind.as_str().to_string())
        .bind(f.grade.as_str().to_string())
        .bind(f.deaths)
        .bind(f.serious_injuries)
        .bind(f.direct_loss_yuan)
        .bind(f.circumstances.clone())
        .bind(f.report_ref.clone())
        .bind(who.org_id)
        .bind(who.user_id)
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "accident.record",
                entity: "enterprise",
                entity_id: enterprise.id.to_string(),
                jurisdiction: &enterprise.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({ "id": id, "accident": f })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// An enterprise's accidents, newest first (its own staff see them too).
    pub async fn accidents(&self, who: &Principal, enterprise_id: i64) -> Result<Vec<Accident>> {
        let mut sql = Sql::new(
            "SELECT a.id, a.enterprise_id, a.occurred_on, a.kind, a.grade, a.deaths, a.serious_injuries, \
             a.direct_loss_yuan, a.circumstances, a.report_ref, o.name AS org_name, a.created_at \
             FROM enterprise_accidents a JOIN organizations o ON o.id = a.org_id WHERE a.enterprise_id = ",
        );
        sql.bind(enterprise_id).push(" AND ");
        push_scope(&mut sql, &who.scope, &SCOPE);
        sql.push(" ORDER BY a.occurred_on DESC, a.id DESC");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }
}
