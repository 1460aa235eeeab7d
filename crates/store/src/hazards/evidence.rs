//! Evidence files (photos and documents) of a hazard. The bytes are stored under the data
//! directory, named by their SHA-256, written and synced before the row that references them
//! is committed; the type is checked against the file's own magic bytes, never trusted from
//! the name or the client, and images are checked for pixel floods.

use super::HAZARD_SCOPE;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::sql::{Sql, push_scope};
use crate::{Result, Store, StoreError};
use hazardnet_domain::Role;
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::FromRow;
use std::io::Write;
use std::path::PathBuf;

pub const MAX_EVIDENCE_BYTES: usize = 10 * 1024 * 1024;
/// Larger images are refused before anything decodes them (a "pixel flood").
const MAX_PIXELS: u64 = 50_000_000;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Evidence {
    pub id: i64,
    pub hazard_id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

pub struct EvidenceUpload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// The content type a file's extension promises, if its bytes keep the promise.
fn sniff(file_name: &str, bytes: &[u8]) -> std::result::Result<&'static str, &'static str> {
    let ext = file_name
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let (content_type, ok) = match ext.as_str() {
        "jpg" | "jpeg" => ("image/jpeg", bytes.starts_with(&[0xFF, 0xD8, 0xFF])),
        "png" => ("image/png", bytes.starts_with(b"\x89PNG\r\n\x1a\n")),
        "webp" => (
            "image/webp",
            bytes.len() > 12 && &bytes[0..4] == b"RIFF" && &bytes[8..12] == b"WEBP",
        ),
        "pdf" => ("application/pdf", bytes.starts_with(b"%PDF-")),
        "docx" => (
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            bytes.starts_with(b"PK\x03\x04"),
        ),
        "xlsx" => (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            bytes.starts_with(b"PK\x03\x04"),
        ),
        _ => return Err("file_type"),
    };
    if ok {
        Ok(content_type)
    } else {
        Err("file_type")
    }
}

/// Width × height from the image header, without decoding the image.
fn pixels(content_type: &str, bytes: &[u8]) -> Option<u64> {
    match content_type {
        "image/png" if bytes.len() >= 24 => {
            let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
            let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
            Some(u64::from(w) * u64::from(h))
        }
        "image/jpeg" => {
            // Walk the segments to the first start-of-frame marker.
            let mut i = 2;
            while i + 9 < bytes.len() {
                if bytes[i] != 0xFF {
                    return None;
                }
                let marker = bytes[i + 1];
                let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]));
                if matches!(marker, 0xC0..=0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF) {
                    let h = u16::from_be_bytes([bytes[i + 5], bytes[i + 6]]);
                    let w = u16::from_be_bytes([bytes[i + 7], bytes[i + 8]]);
                    return Some(u64::from(w) * u64::from(h));
                }
                i += 2 + len;
            }
            None
        }
        _ => None,
    }
}

fn safe_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("file");
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(120).collect();
    if cleaned.trim().is_empty() {
        "file".into()
    } else {
        cleaned
    }
}

/// A file written under the data directory, named by its hash.
pub(crate) struct StoredFile {
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: i64,
}

impl Store {
    /// Checks an upload (size, type by its bytes, pixel count) and writes it, synced, under
    /// its SHA-256 — before any row refers to it, so a committed row always has its bytes.
    pub(crate) async fn save_file(&self, upload: EvidenceUpload) -> Result<StoredFile> {
        if upload.bytes.is_empty() {
            return Err(StoreError::BadFile("file_empty"));
        }
        if upload.bytes.len() > MAX_EVIDENCE_BYTES {
            return Err(StoreError::BadFile("file_too_large"));
        }
        let file_name = safe_name(&upload.file_name);
        let content_type = sniff(&file_name, &upload.bytes).map_err(StoreError::BadFile)?;
        if pixels(content_type, &upload.bytes).is_some_and(|p| p > MAX_PIXELS) {
            return Err(StoreError::BadFile("file_pixels"));
        }
        let sha256 = hex::encode(Sha256::digest(&upload.bytes));
        let path = self.evidence_path(&sha256)?;
        let size = upload.bytes.len() as i64;
        let bytes = upload.bytes;
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            if path.exists() {
                return Ok(());
            }
            let dir = path
                .parent()
                .ok_or_else(|| std::io::Error::other("no parent"))?;
            std::fs::create_dir_all(dir)?;
            let tmp = dir.join(format!(".{}.tmp", rand::random::<u64>()));
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &path)?;
            std::fs::File::open(dir)?.sync_all()
        })
        .await
        .map_err(|e| StoreError::Internal(e.to_string()))?
        .map_err(|e| StoreError::Internal(format!("writing evidence: {e}")))?;
        Ok(StoredFile {
            file_name,
            content_type: content_type.to_string(),
            sha256,
            size,
        })
    }

    /// The bytes stored under `sha256`, checked against it (tamper-evident files).
    pub(crate) async fn load_file(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.evidence_path(sha256)?;
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(StoreError::Internal(format!("reading file {sha256}: {e}"))),
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            tracing::error!(sha256, "a stored file does not match its recorded hash");
            self.alert_tampered_file(sha256).await?;
            return Err(StoreError::FileTampered(sha256.to_string()));
        }
        Ok(bytes)
    }

    /// Tells every administrator, once per file, that a stored file was changed or removed,
    /// and records it in the audit log.
    async fn alert_tampered_file(&self, sha256: &str) -> Result<()> {
        let body = serde_json::json!({ "file": sha256 }).to_string();
        let admins: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM users WHERE role = 'admin' AND disabled = 0 AND id NOT IN \
             (SELECT user_id FROM inbox WHERE kind = 'file_tampered' AND body = $1) ORDER BY id",
        )
        .bind(body.clone())
        .fetch_all(&self.read)
        .await?;
        if admins.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for admin in admins {
            self.send_message(
                &mut tx,
                admin,
                None,
                None,
                "file_tampered",
                "存储文件被改动",
                &body,
            )
            .await?;
        }
        crate::audit::append(
            &mut tx,
            self,
            &crate::audit::Actor::system("integrity"),
            crate::audit::Change {
                action: "file.tampered",
                entity: "file",
                entity_id: sha256.to_string(),
                jurisdiction: "",
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    fn evidence_path(&self, sha256: &str) -> Result<PathBuf> {
        let root = self
            .data_dir
            .as_ref()
            .ok_or_else(|| StoreError::Internal("no data directory configured".into()))?;
        Ok(root.join("evidence").join(&sha256[..2]).join(sha256))
    }

    pub async fn attach_evidence(
        &self,
        who: &Principal,
        hazard_id: i64,
        upload: EvidenceUpload,
    ) -> Result<Evidence> {
        if who.role == Role::Leader {
            return Err(StoreError::Forbidden);
        }
        let hazard = self.hazard(who, hazard_id).await?;
        let StoredFile {
            file_name,
            content_type,
            sha256,
            size,
        } = self.save_file(upload).await?;
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO evidence (hazard_id, jurisdiction_code, file_name, content_type, size_bytes, \
             sha256, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(hazard_id)
        .bind(hazard.jurisdiction_code.clone())
        .bind(file_name.clone())
        .bind(content_type.clone())
        .bind(size)
        .bind(sha256.clone())
        .bind(who.user_id)
        .bind(now.clone())
        .fetch_one(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "evidence.upload",
                entity: "hazard",
                entity_id: hazard_id.to_string(),
                jurisdiction: &hazard.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "evidence_id": id, "file_name": file_name, "sha256": sha256, "size_bytes": size,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Evidence {
            id,
            hazard_id,
            file_name,
            content_type,
            size_bytes: size,
            sha256,
            uploaded_at: now,
        })
    }

    pub async fn hazard_evidence(&self, who: &Principal, hazard_id: i64) -> Result<Vec<Evidence>> {
        self.hazard(who, hazard_id).await?;
        Ok(sqlx::query_as(
            "SELECT id, hazard_id, file_name, content_type, size_bytes, sha256, uploaded_at \
             FROM evidence WHERE hazard_id = $1 ORDER BY id",
        )
        .bind(hazard_id)
        .fetch_all(&self.read)
        .await?)
    }

    /// One evidence file and its bytes, if its hazard is in scope. The bytes are checked
    /// against the recorded SHA-256 (tamper-evident evidence).
    pub async fn evidence_file(
        &self,
        who: &Principal,
        evidence_id: i64,
    ) -> Result<(Evidence, Vec<u8>)> {
        let mut sql = Sql::new(
            "SELECT v.id, v.hazard_id, v.file_name, v.content_type, v.size_bytes, v.sha256, v.uploaded_at \
             FROM evidence v JOIN hazards h ON h.id = v.hazard_id WHERE v.id = ",
        );
        sql.bind(evidence_id).push(" AND ");
        push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
        let evidence: Evidence = sql
            .query_as()
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let bytes = self.load_file(&evidence.sha256).await?;
        Ok((evidence, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_sniffed_not_trusted() {
        assert_eq!(sniff("a.JPG", &[0xFF, 0xD8, 0xFF, 0xE0]), Ok("image/jpeg"));
        assert_eq!(sniff("a.jpg", b"%PDF-1.7"), Err("file_type"));
        assert_eq!(sniff("a.pdf", b"%PDF-1.7"), Ok("application/pdf"));
        assert_eq!(sniff("a.exe", b"MZ"), Err("file_type"));
        assert_eq!(sniff("noext", b"%PDF-"), Err("file_type"));
    }

    #[test]
    fn png_dimensions_are_read_from_the_header() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&100_000u32.to_be_bytes());
        png.extend_from_slice(&100_000u32.to_be_bytes());
        assert_eq!(pixels("image/png", &png), Some(10_000_000_000));
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\x\\照片.jpg"), "照片.jpg");
        assert_eq!(safe_name(""), "file");
    }
}
