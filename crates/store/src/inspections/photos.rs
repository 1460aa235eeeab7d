//! Photos of inspection items: taken while the record is a draft, stored by hash like hazard
//! evidence, and handed to the hazard a failed item becomes at sign-off.

use super::records::Inspection;
use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::hazards::{EvidenceUpload, StoredFile};
use crate::{Result, Store, StoreError};
use serde::Serialize;
use sqlx::FromRow;

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct InspectionPhoto {
    pub id: i64,
    pub inspection_id: i64,
    pub item_seq: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

const SELECT: &str = "SELECT id, inspection_id, item_seq, file_name, content_type, size_bytes, sha256, \
    uploaded_at FROM inspection_photos";

impl Store {
    /// Adds a photo to an item of a draft the caller's office is doing.
    pub async fn attach_item_photo(
        &self,
        who: &Principal,
        inspection_id: i64,
        item_seq: i64,
        upload: EvidenceUpload,
    ) -> Result<InspectionPhoto> {
        let (inspection, items) = self.inspection(who, inspection_id).await?;
        Self::editable(who, &inspection)?;
        if !items.iter().any(|i| i.seq == item_seq) {
            return Err(StoreError::NotFound);
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
            "INSERT INTO inspection_photos (inspection_id, item_seq, sha256, file_name, content_type, size_bytes, \
             uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(inspection_id)
        .bind(item_seq)
        .bind(sha256.clone())
        .bind(file_name.clone())
        .bind(content_type.clone())
        .bind(size)
        .bind(who.user_id)
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection.photo",
                entity: "inspection",
                entity_id: inspection_id.to_string(),
                jurisdiction: &inspection.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({"item": item_seq, "photo": id, "sha256": sha256, "file_name": file_name})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(InspectionPhoto {
            id,
            inspection_id,
            item_seq,
            file_name,
            content_type,
            size_bytes: size,
            sha256,
            uploaded_at: now,
        })
    }

    pub async fn inspection_photos(
        &self,
        who: &Principal,
        inspection_id: i64,
    ) -> Result<Vec<InspectionPhoto>> {
        self.inspection(who, inspection_id).await?;
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE inspection_id = $1 ORDER BY item_seq, id"
        )))
        .bind(inspection_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn inspection_photo_file(
        &self,
        who: &Principal,
        inspection_id: i64,
        photo_id: i64,
    ) -> Result<(InspectionPhoto, Vec<u8>)> {
        let photo = self
            .inspection_photos(who, inspection_id)
            .await?
            .into_iter()
            .find(|p| p.id == photo_id)
            .ok_or(StoreError::NotFound)?;
        let bytes = self.load_file(&photo.sha256).await?;
        Ok((photo, bytes))
    }

    /// Inside sign-off: the photos of a failed item become the evidence of its hazard.
    pub(crate) async fn photos_to_evidence(
        &self,
        tx: &mut WriteTx,
        inspection: &Inspection,
        item_seq: i64,
        hazard_id: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO evidence (hazard_id, jurisdiction_code, file_name, content_type, size_bytes, sha256, \
             uploaded_by, uploaded_at) SELECT $1, $2, file_name, content_type, size_bytes, sha256, uploaded_by, \
             uploaded_at FROM inspection_photos WHERE inspection_id = $3 AND item_seq = $4 ORDER BY id",
        )
        .bind(hazard_id)
        .bind(inspection.jurisdiction_code.clone())
        .bind(inspection.id)
        .bind(item_seq)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
