//! Checklist templates. The national judgement standards in `data/standards` ship with the
//! system and are loaded at migration (owner NULL); an office's own lists (a street's
//! 重点检查事项) belong to its organization. Changing a list makes a new version; the old one
//! stays, as the inspections that used it refer to it.

use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::{Result, RowError, Store, StoreError};
use hazardnet_domain::inspection::{ChecklistItem, ChecklistItemInput, validate_items};
use serde::Serialize;
use sqlx::FromRow;

/// The standards shipped in `data/standards`: key, name, CSV.
pub const SHIPPED_STANDARDS: &[(&str, &str, &str)] = &[
    (
        "gongmao-2023",
        "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
        include_str!("../../../../data/standards/gongmao-2023.csv"),
    ),
    (
        "huagong-2017",
        "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
        include_str!("../../../../data/standards/huagong-2017.csv"),
    ),
    (
        "fangwu-shizheng-2022",
        "房屋市政工程生产安全重大事故隐患判定标准（2022版）",
        include_str!("../../../../data/standards/fangwu-shizheng-2022.csv"),
    ),
    (
        "fangwu-shizheng-2024",
        "房屋市政工程生产安全重大事故隐患判定标准（2024版）",
        include_str!("../../../../data/standards/fangwu-shizheng-2024.csv"),
    ),
    (
        "yanhua-baozhu-2017",
        "烟花爆竹生产经营单位重大生产安全事故隐患判定标准（试行）",
        include_str!("../../../../data/standards/yanhua-baozhu-2017.csv"),
    ),
    (
        "zhongda-huozai-gb35181",
        "重大火灾隐患判定方法（GB 35181）",
        include_str!("../../../../data/standards/zhongda-huozai-gb35181.csv"),
    ),
];

/// Reads a shipped standard's CSV (clause,text,major,category,industry,source).
pub fn standard_items(csv_text: &str) -> std::result::Result<Vec<ChecklistItemInput>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let mut items = Vec::new();
    for record in reader.records() {
        let r = record.map_err(|e| e.to_string())?;
        let field = |i: usize| r.get(i).unwrap_or("").to_string();
        items.push(ChecklistItemInput {
            clause: field(0),
            text: field(1),
            major: field(2).trim() == "1",
            category: field(3),
            industry: field(4),
            source: field(5),
        });
    }
    Ok(items)
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct ChecklistTemplate {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub owner_org_id: Option<i64>,
    pub owner_name: Option<String>,
    pub standard_key: Option<String>,
    pub item_count: i64,
    pub created_at: String,
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TemplateItem {
    pub seq: i64,
    pub clause: String,
    pub text: String,
    pub major: i64,
    pub category: String,
    pub industry: String,
    pub source: String,
}

const SELECT: &str = "SELECT t.id, t.name, t.version, t.owner_org_id, o.name AS owner_name, t.standard_key, \
    (SELECT COUNT(*) FROM checklist_items i WHERE i.template_id = t.id) AS item_count, t.created_at \
    FROM checklist_templates t LEFT JOIN organizations o ON o.id = t.owner_org_id";

impl Store {
    /// Loads the shipped standards that are not in the database yet (run at migration). A
    /// shipped standard whose items changed since it was loaded (clauses verified and added
    /// later) is loaded as its next version; inspections keep the version they used.
    pub(crate) async fn load_shipped_standards(&self) -> Result<()> {
        for (key, name, csv_text) in SHIPPED_STANDARDS {
            let inputs = standard_items(csv_text)
                .map_err(|e| StoreError::Internal(format!("standard {key}: {e}")))?;
            let items = validate_items(&inputs).map_err(|(i, e)| {
                StoreError::Internal(format!("standard {key} item {}: {e}", i + 1))
            })?;
            let latest: Option<(i64, i64)> = sqlx::query_as(
                "SELECT id, version FROM checklist_templates WHERE standard_key = $1 \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(key.to_string())
            .fetch_optional(&self.read)
            .await?;
            let version = match latest {
                None => 1,
                Some((id, version)) => {
                    let loaded: Vec<(String, String)> = sqlx::query_as(
                        "SELECT clause, text FROM checklist_items WHERE template_id = $1 ORDER BY seq",
                    )
                    .bind(id)
                    .fetch_all(&self.read)
                    .await?;
                    let same = loaded.len() == items.len()
                        && loaded.iter().zip(&items).all(|((clause, text), item)| {
                            *clause == item.clause && *text == item.text
                        });
                    if same {
                        continue;
                    }
                    version + 1
                }
            };
            let mut tx = self.begin_write().await?;
            let id = self
                .insert_template(&mut tx, name, version, None, Some(key), None, &items)
                .await?;
            append(
                &mut tx,
                self,
                &crate::Actor::system("migrate"),
                Change {
                    action: "checklist.load_standard",
                    entity: "checklist",
                    entity_id: id.to_string(),
                    jurisdiction: "",
                    before: None,
                    after: to_json(
                        &serde_json::json!({"standard": key, "version": version, "items": items.len()}),
                    ),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn insert_template(
        &self,
        tx: &mut WriteTx,
        name: &str,
        version: i64,
        owner: Option<i64>,
        standard_key: Option<&str>,
        created_by: Option<i64>,
        items: &[ChecklistItem],
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO checklist_templates (name, version, owner_org_id, standard_key, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name.to_string())
        .bind(version)
        .bind(owner)
        .bind(standard_key.map(str::to_string))
        .bind(created_by)
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut **tx)
        .await?;
        for (i, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO checklist_items (template_id, seq, clause, text, major, category, industry, source) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(item.clause.clone())
            .bind(item.text.clone())
            .bind(i64::from(item.major))
            .bind(item.category.clone())
            .bind(item.industry.as_ref().map(|c| c.to_string()).unwrap_or_default())
            .bind(item.source.clone())
            .execute(&mut **tx)
            .await?;
        }
        Ok(id)
    }

    /// The templates `who` may use: the shipped standards and the caller's organization's own,
    /// newest version of each first.
    pub async fn checklist_templates(&self, who: &Principal) -> Result<Vec<ChecklistTemplate>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.owner_org_id IS NULL OR t.owner_org_id = $1 \
             ORDER BY t.owner_org_id IS NULL, t.name, t.version DESC"
        )))
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn checklist_template(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<(ChecklistTemplate, Vec<TemplateItem>)> {
        let template: ChecklistTemplate = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.id = $1 AND (t.owner_org_id IS NULL OR t.owner_org_id = $2)"
        )))
        .bind(id)
        .bind(who.org_id)
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)?;
        let items = sqlx::query_as(
            "SELECT seq, clause, text, major, category, industry, source FROM checklist_items \
             WHERE template_id = $1 ORDER BY seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok((template, items))
    }

    /// Saves a list as the next version of the caller's organization's template `name`. Every
    /// item is checked (a clause is required, once); all or nothing.
    pub async fn save_checklist(
        &self,
        who: &Principal,
        name: &str,
        inputs: &[ChecklistItemInput],
    ) -> Result<i64> {
        if !who.role.is_clerk() {
            return Err(StoreError::Forbidden);
        }
        let name = hazardnet_domain::enterprise::text("name", name, 100, true)?;
        let items = validate_items(inputs).map_err(|(i, e)| {
            StoreError::Rows(vec![RowError {
                row: i + 2,
                code: e.code().to_string(),
                args: e
                    .args()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect(),
            }])
        })?;
        let mut tx = self.begin_write().await?;
        let last: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM checklist_templates \
             WHERE name = $1 AND owner_org_id = $2",
        )
        .bind(name.clone())
        .bind(who.org_id)
        .fetch_one(&mut *tx)
        .await?;
        let id = self
            .insert_template(
                &mut tx,
                &name,
                last + 1,
                Some(who.org_id),
                None,
                Some(who.user_id),
                &items,
            )
            .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "checklist.save",
                entity: "checklist",
                entity_id: id.to_string(),
                jurisdiction: "",
                before: None,
                after: to_json(
                    &serde_json::json!({"name": name, "version": last + 1, "items": items.len()}),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_standard_reads_and_passes_the_item_rules() {
        for (key, _, csv_text) in SHIPPED_STANDARDS {
            let items = standard_items(csv_text).unwrap();
            assert!(items.len() >= 20, "{key}: {}", items.len());
            let checked = validate_items(&items).unwrap_or_else(|(i, e)| panic!("{key} {i}: {e}"));
            assert!(
                checked.iter().all(|i| !i.source.is_empty()),
                "{key} cites its source"
            );
        }
    }
}
