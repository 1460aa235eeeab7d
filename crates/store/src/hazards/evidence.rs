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
pub const MAX_PIXELS: u64 = 50_000_000;

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

/// Width × height of an accepted image, read from its header without decoding anything
/// (imagesize reads the PNG IHDR, the JPEG start-of-frame and the WebP VP8/VP8L/VP8X header).
/// `Err` when the header does not say: a photo whose size cannot be known is not accepted,
/// since a decoder could be asked to allocate anything for it. `Ok(None)` for documents.
fn pixels(content_type: &str, bytes: &[u8]) -> std::result::Result<Option<u64>, &'static str> {
    let expected = match content_type {
        "image/png" => imagesize::ImageType::Png,
        "image/jpeg" => imagesize::ImageType::Jpeg,
        "image/webp" => imagesize::ImageType::Webp,
        _ => return Ok(None),
    };
    if imagesize::image_type(bytes).ok() != Some(expected) {
        return Err("file_type");
    }
    // A PNG's size is in its first chunk, which must be IHDR; anything else would be read
    // as a size that no decoder uses.
    if expected == imagesize::ImageType::Png && bytes.get(12..16) != Some(b"IHDR") {
        return Err("file_type");
    }
    let size = imagesize::blob_size(bytes).map_err(|_| "file_type")?;
    Ok(Some((size.width as u64).saturating_mul(size.height as u64)))
}

/// Checks an upload before anything stores or decodes it: not empty, at most
/// `MAX_EVIDENCE_BYTES`, a type its extension names and its bytes confirm, and for an image at
/// most `MAX_PIXELS` by its header. The content type, or the code of the refusal
/// (`file_empty`, `file_too_large`, `file_type`, `file_pixels`).
pub fn check_upload(
    file_name: &str,
    bytes: &[u8],
) -> std::result::Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("file_empty");
    }
    if bytes.len() > MAX_EVIDENCE_BYTES {
        return Err("file_too_large");
    }
    let content_type = sniff(file_name, bytes)?;
    if pixels(content_type, bytes)?.is_some_and(|p| p > MAX_PIXELS) {
        return Err("file_pixels");
    }
    Ok(content_type)
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
        let file_name = safe_name(&upload.file_name);
        let content_type = check_upload(&file_name, &upload.bytes).map_err(StoreError::BadFile)?;
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

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&width.to_be_bytes());
        png.extend_from_slice(&height.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png
    }

    fn jpeg(width: u16, height: u16, frame_marker: u8) -> Vec<u8> {
        let mut jpeg = vec![0xFF, 0xD8];
        // APP0 (JFIF) and a comment before the frame header, as cameras write them.
        jpeg.extend_from_slice(&[0xFF, 0xE0, 0, 16]);
        jpeg.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        jpeg.extend_from_slice(&[0xFF, 0xFE, 0, 6, b'h', b'i', b'!', b'!']);
        jpeg.extend_from_slice(&[0xFF, frame_marker, 0, 17, 8]);
        jpeg.extend_from_slice(&height.to_be_bytes());
        jpeg.extend_from_slice(&width.to_be_bytes());
        jpeg.extend_from_slice(&[3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9]);
        jpeg
    }

    fn webp(chunk: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut webp = b"RIFF".to_vec();
        webp.extend_from_slice(&(4 + 8 + payload.len() as u32).to_le_bytes());
        webp.extend_from_slice(b"WEBP");
        webp.extend_from_slice(chunk);
        webp.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        webp.extend_from_slice(payload);
        webp
    }

    /// Lossy: a key frame tag, the start code, 14-bit width and height.
    fn webp_vp8(width: u16, height: u16) -> Vec<u8> {
        let mut payload = vec![0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A];
        payload.extend_from_slice(&width.to_le_bytes());
        payload.extend_from_slice(&height.to_le_bytes());
        payload.extend_from_slice(&[0; 8]);
        webp(b"VP8 ", &payload)
    }

    /// Lossless: the signature byte, then width − 1 and height − 1 in 14 bits each.
    fn webp_vp8l(width: u32, height: u32) -> Vec<u8> {
        let bits = (width - 1) | ((height - 1) << 14);
        let mut payload = vec![0x2F];
        payload.extend_from_slice(&bits.to_le_bytes());
        payload.extend_from_slice(&[0; 8]);
        webp(b"VP8L", &payload)
    }

    /// Extended: flags, reserved bytes, canvas width − 1 and height − 1 in 24 bits each.
    fn webp_vp8x(width: u32, height: u32) -> Vec<u8> {
        let mut payload = vec![0x10, 0, 0, 0];
        payload.extend_from_slice(&(width - 1).to_le_bytes()[..3]);
        payload.extend_from_slice(&(height - 1).to_le_bytes()[..3]);
        webp(b"VP8X", &payload)
    }

    #[test]
    fn png_dimensions_are_read_from_the_header() {
        assert_eq!(
            pixels("image/png", &png(100_000, 100_000)),
            Ok(Some(10_000_000_000))
        );
        assert_eq!(
            check_upload("a.png", &png(100_000, 100_000)),
            Err("file_pixels")
        );
        assert_eq!(check_upload("a.png", &png(4000, 3000)), Ok("image/png"));
        // The size is only believed from an IHDR chunk in first place.
        let mut other_chunk = png(1, 1);
        other_chunk[12..16].copy_from_slice(b"CgBI");
        assert_eq!(check_upload("a.png", &other_chunk), Err("file_type"));
        assert_eq!(check_upload("a.png", &png(1, 1)[..20]), Err("file_type"));
    }

    #[test]
    fn jpeg_dimensions_are_read_from_the_frame_header() {
        assert_eq!(
            pixels("image/jpeg", &jpeg(4000, 3000, 0xC0)),
            Ok(Some(12_000_000))
        );
        assert_eq!(
            check_upload("a.jpg", &jpeg(4000, 3000, 0xC0)),
            Ok("image/jpeg")
        );
        // Baseline and progressive frames alike.
        assert_eq!(
            check_upload("a.jpg", &jpeg(65_535, 65_535, 0xC0)),
            Err("file_pixels")
        );
        assert_eq!(
            check_upload("a.jpeg", &jpeg(65_535, 65_535, 0xC2)),
            Err("file_pixels")
        );
        // No frame header, or one cut short: the size is unknown and the file refused.
        let no_frame = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0,
            0xFF, 0xD9,
        ];
        assert_eq!(check_upload("a.jpg", &no_frame), Err("file_type"));
        let cut = jpeg(100, 100, 0xC0);
        assert_eq!(
            check_upload("a.jpg", &cut[..cut.len() - 18]),
            Err("file_type")
        );
        // A segment length pointing backwards or past the end does not loop or panic.
        assert_eq!(
            check_upload("a.jpg", &[0xFF, 0xD8, 0xFF, 0xE1, 0, 0, 0xFF, 0xE1, 0, 1]),
            Err("file_type")
        );
    }

    #[test]
    fn webp_dimensions_are_read_for_every_kind() {
        assert_eq!(
            pixels("image/webp", &webp_vp8(1000, 800)),
            Ok(Some(800_000))
        );
        assert_eq!(
            pixels("image/webp", &webp_vp8l(1000, 800)),
            Ok(Some(800_000))
        );
        assert_eq!(
            pixels("image/webp", &webp_vp8x(1000, 800)),
            Ok(Some(800_000))
        );
        for small in [
            webp_vp8(1000, 800),
            webp_vp8l(1000, 800),
            webp_vp8x(1000, 800),
        ] {
            assert_eq!(check_upload("a.webp", &small), Ok("image/webp"));
        }
        // The largest each header can declare: 16383², 16384², 2^24 × 2^24.
        for flood in [
            webp_vp8(16_383, 16_383),
            webp_vp8l(16_384, 16_384),
            webp_vp8x(1 << 24, 1 << 24),
        ] {
            assert_eq!(check_upload("a.webp", &flood), Err("file_pixels"));
        }
        // A header cut short, or a chunk that is not an image.
        let vp8x = webp_vp8x(10, 10);
        assert_eq!(check_upload("a.webp", &vp8x[..26]), Err("file_type"));
        assert_eq!(
            check_upload("a.webp", &webp(b"VP8Z", &[0; 10])),
            Err("file_type")
        );
    }

    #[test]
    fn an_image_must_be_the_type_its_name_says() {
        assert_eq!(check_upload("a.jpg", &png(1, 1)), Err("file_type"));
        assert_eq!(check_upload("a.webp", &png(1, 1)), Err("file_type"));
        // GIF is not an accepted type, under its own name or another.
        let gif = b"GIF89a\x10\x27\x10\x27\0\0\0;";
        assert_eq!(check_upload("a.gif", gif), Err("file_type"));
        assert_eq!(check_upload("a.png", gif), Err("file_type"));
        assert_eq!(check_upload("a.png", b""), Err("file_empty"));
        assert_eq!(check_upload("a.pdf", b"%PDF-1.7\n"), Ok("application/pdf"));
    }

    #[test]
    fn names_lose_their_paths() {
        assert_eq!(safe_name("../../etc/passwd"), "passwd");
        assert_eq!(safe_name("C:\\x\\照片.jpg"), "照片.jpg");
        assert_eq!(safe_name(""), "file");
    }
}
