//! Attachments of progress reports (the signed, stamped scan of a return, photos of a drill):
//! stored like hazard evidence, by hash under the data directory, type checked by the bytes.
//! Only the unit that filed a report attaches to it; whoever may read the report reads them
//! ([`super::push_return_scope`]).

use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::hazards::{EvidenceUpload, StoredFile};
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ReportAttachment {
    pub id: i64,
    pub report_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub created_at: String,
}

const SELECT: &str = "SELECT a.id, a.return_id AS report_id, a.file_name, a.content_type, a.size, \
    a.sha256, a.created_at FROM return_attachments a";

impl Store {
    pub async fn attach_to_report(
        &self,
        who: &Principal,
        campaign_id: i64,
        report_id: i64,
        upload: EvidenceUpload,
    ) -> Result<ReportAttachment> {
        let campaign = self.campaign(who, campaign_id).await?;
        let report = self.report(who, campaign_id, report_id).await?;
        if report.org_id != who.org_id || !who.role.may_file_returns() {
            return Err(StoreError::Refused {
                code: "not_report_unit",
                value: report.org_name,
            });
        }
        let StoredFile {
            file_name,
            content_type,
            sha256,
            size,
        } = self.save_file(upload).await?;
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO return_attachments (return_id, sha256, file_name, content_type, size, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(report_id)
        .bind(sha256.clone())
        .bind(file_name.clone())
        .bind(content_type.clone())
        .bind(size)
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "campaign.report_attachment",
                entity: "campaign",
                entity_id: campaign_id.to_string(),
                jurisdiction: &campaign.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "report": report_id, "attachment": id, "file_name": file_name, "sha256": sha256,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(ReportAttachment {
            id,
            report_id,
            file_name,
            content_type,
            size,
            sha256,
            created_at: now,
        })
    }

    /// The attachments of a campaign's returns (every version), or of one return's versions'
    /// when `report_id` is given.
    pub async fn report_attachments(
        &self,
        who: &Principal,
        campaign_id: i64,
        report_id: Option<i64>,
    ) -> Result<Vec<ReportAttachment>> {
        self.campaign(who, campaign_id).await?;
        let mut sql = crate::sql::Sql::new(SELECT);
        sql.push(
            " JOIN unit_returns r ON r.id = a.return_id JOIN campaigns c ON c.id = r.campaign_id \
             JOIN organizations unit ON unit.id = r.org_id WHERE r.campaign_id = ",
        )
        .bind(campaign_id);
        if let Some(report) = report_id {
            sql.push(" AND r.id = ").bind(report);
        }
        sql.push(" AND ");
        super::push_return_scope(&mut sql, who, "unit");
        sql.push(" ORDER BY a.id");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }

    /// One attachment and its bytes, if its report is visible to `who`.
    pub async fn report_attachment_file(
        &self,
        who: &Principal,
        campaign_id: i64,
        attachment_id: i64,
    ) -> Result<(ReportAttachment, Vec<u8>)> {
        let attachment = self
            .report_attachments(who, campaign_id, None)
            .await?
            .into_iter()
            .find(|a| a.id == attachment_id)
            .ok_or(StoreError::NotFound)?;
        let bytes = self.load_file(&attachment.sha256).await?;
        Ok((attachment, bytes))
    }
}
