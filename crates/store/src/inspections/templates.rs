//! Checklist templates. The national judgement standards in `data/standards` ship with the
//! system and are loaded at migration (owner NULL); an office's own lists (a street's
//! 重点检查事项) belong to its organization. Changing a list makes a new version; the old one
//! stays, as the inspections that used it refer to it.

use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::{Result, RowError, Store, StoreError};
use chrono::NaiveDate;
use hazardnet_domain::inspection::{ChecklistItem, ChecklistItemInput, validate_items};
use hazardnet_domain::standard::{Edition, EditionInput, composite_rule};
use serde::Serialize;
use sqlx::FromRow;

/// A standard shipped in `data/standards`, with its edition (sources in the directory's README).
#[derive(Debug, Clone, Copy)]
pub struct ShippedStandard {
    pub key: &'static str,
    pub name: &'static str,
    /// The edition as cited: a document number or a standard's number and year.
    pub edition: &'static str,
    /// YYYY-MM-DD; None where the date could not be verified.
    pub effective_on: Option<&'static str>,
    /// The last day in force, once replaced.
    pub ends_on: Option<&'static str>,
    pub successor: &'static str,
    pub csv: &'static str,
}

impl ShippedStandard {
    pub fn edition(&self) -> Edition {
        let day = |d: Option<&str>| d.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        Edition {
            edition: self.edition.to_string(),
            effective_on: day(self.effective_on),
            ends_on: day(self.ends_on),
            successor: self.successor.to_string(),
        }
    }
}

pub const SHIPPED_STANDARDS: &[ShippedStandard] = &[
    ShippedStandard {
        key: "gongmao-2023",
        name: "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
        edition: "应急管理部令第10号",
        effective_on: Some("2023-05-15"),
        ends_on: None,
        successor: "",
        csv: include_str!("../../../../data/standards/gongmao-2023.csv"),
    },
    ShippedStandard {
        key: "huagong-2017",
        name: "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
        edition: "安监总管三〔2017〕121号",
        effective_on: None,
        ends_on: None,
        successor: "",
        csv: include_str!("../../../../data/standards/huagong-2017.csv"),
    },
    ShippedStandard {
        key: "fangwu-shizheng-2022",
        name: "房屋市政工程生产安全重大事故隐患判定标准（2022版）",
        edition: "建质规〔2022〕2号",
        effective_on: Some("2022-04-19"),
        ends_on: Some("2024-12-12"),
        successor: "建质规〔2024〕5号",
        csv: include_str!("../../../../data/standards/fangwu-shizheng-2022.csv"),
    },
    ShippedStandard {
        key: "fangwu-shizheng-2024",
        name: "房屋市政工程生产安全重大事故隐患判定标准（2024版）",
        edition: "建质规〔2024〕5号",
        effective_on: Some("2024-12-13"),
        ends_on: None,
        successor: "",
        csv: include_str!("../../../../data/standards/fangwu-shizheng-2024.csv"),
    },
    ShippedStandard {
        key: "yanhua-baozhu-2017",
        name: "烟花爆竹生产经营单位重大生产安全事故隐患判定标准（试行）",
        edition: "安监总管三〔2017〕121号",
        effective_on: None,
        ends_on: None,
        successor: "",
        csv: include_str!("../../../../data/standards/yanhua-baozhu-2017.csv"),
    },
    ShippedStandard {
        key: "zhongda-huozai-gb35181",
        name: "重大火灾隐患判定方法（GB 35181）",
        edition: "GB 35181-2017",
        effective_on: Some("2018-07-01"),
        ends_on: Some("2025-10-31"),
        successor: "GB 35181-2025",
        csv: include_str!("../../../../data/standards/zhongda-huozai-gb35181.csv"),
    },
];

/// Reads a standard's CSV (clause,text,major,category,industry,source). `major` is `1` for a
/// direct major hazard, `composite` for a composite element (综合判定要素), else `0`;
/// `industry` holds GB/T 4754 codes separated by `;`, empty for every industry.
pub fn standard_items(csv_text: &str) -> std::result::Result<Vec<ChecklistItemInput>, String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(csv_text.as_bytes());
    let mut items = Vec::new();
    for (n, record) in reader.records().enumerate() {
        let r = record.map_err(|e| e.to_string())?;
        let field = |i: usize| r.get(i).unwrap_or("").to_string();
        let (major, composite) = match field(2).trim() {
            "1" => (true, false),
            "0" => (false, false),
            "composite" => (false, true),
            other => return Err(format!("row {}: major = {other:?}", n + 2)),
        };
        items.push(ChecklistItemInput {
            clause: field(0),
            text: field(1),
            major,
            category: field(3),
            industry: field(4),
            source: field(5),
            composite,
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
    /// The edition of the standard, e.g. GB 35181-2017; empty for an office's own list.
    pub edition: String,
    /// YYYY-MM-DD the edition came into force; null where not on record.
    pub effective_on: Option<String>,
    /// YYYY-MM-DD, its last day in force once replaced.
    pub ends_on: Option<String>,
    /// What replaced it, as cited.
    pub successor: String,
    /// Replaced before today (已废止): inspections dated after `ends_on` cannot use it.
    #[sqlx(skip)]
    pub superseded: bool,
    pub item_count: i64,
    pub created_at: String,
}

impl ChecklistTemplate {
    /// The edition this template carries; a stored date that does not parse is an error.
    pub fn edition(&self) -> Result<Edition> {
        let day = |field: &str, v: &Option<String>| match v.as_deref() {
            None | Some("") => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| StoreError::Internal(format!("checklist {} {field}: {d:?}", self.id))),
        };
        Ok(Edition {
            edition: self.edition.clone(),
            effective_on: day("effective_on", &self.effective_on)?,
            ends_on: day("ends_on", &self.ends_on)?,
            successor: self.successor.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct TemplateItem {
    pub seq: i64,
    pub clause: String,
    pub text: String,
    pub major: i64,
    /// 1 = a composite element (综合判定要素), counted at sign-off.
    pub composite: i64,
    pub category: String,
    /// GB/T 4754 codes separated by `;`; empty = every industry.
    pub industry: String,
    pub source: String,
}

const SELECT: &str = "SELECT t.id, t.name, t.version, t.owner_org_id, o.name AS owner_name, t.standard_key, \
    t.edition, t.effective_on, t.ends_on, t.successor, \
    (SELECT COUNT(*) FROM checklist_items i WHERE i.template_id = t.id) AS item_count, t.created_at \
    FROM checklist_templates t LEFT JOIN organizations o ON o.id = t.owner_org_id";

impl Store {
    /// Loads the shipped standards that are not in the database yet (run at migration). A
    /// shipped standard whose items changed since it was loaded (clauses verified and added
    /// later, an item's industries corrected) is loaded as its next version; inspections keep the
    /// version they used. An end date set since (an administrator loaded the successor) is kept.
    pub(crate) async fn load_shipped_standards(&self) -> Result<()> {
        for standard in SHIPPED_STANDARDS {
            let key = standard.key;
            let inputs = standard_items(standard.csv)
                .map_err(|e| StoreError::Internal(format!("standard {key}: {e}")))?;
            let items = validate_items(&inputs).map_err(|(i, e)| {
                StoreError::Internal(format!("standard {key} item {}: {e}", i + 1))
            })?;
            let mut edition = standard.edition();
            let latest: Option<(i64, Option<String>, String)> = sqlx::query_as(
                "SELECT id, ends_on, successor FROM checklist_templates \
                 WHERE standard_key = $1 AND edition = $2 AND owner_org_id IS NULL \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(key.to_string())
            .bind(standard.edition.to_string())
            .fetch_optional(&self.read)
            .await?;
            if let Some((id, ends_on, successor)) = latest {
                let loaded: Vec<TemplateItem> = sqlx::query_as(
                    "SELECT seq, clause, text, major, composite, category, industry, source \
                     FROM checklist_items WHERE template_id = $1 ORDER BY seq",
                )
                .bind(id)
                .fetch_all(&self.read)
                .await?;
                let same = loaded.len() == items.len()
                    && loaded.iter().zip(&items).all(|(old, item)| {
                        old.clause == item.clause
                            && old.text == item.text
                            && (old.major != 0) == item.major
                            && (old.composite != 0) == item.composite
                            && old.industry == item.industry_text()
                            && old.source == item.source
                    });
                if same {
                    continue;
                }
                if edition.ends_on.is_none()
                    && let Some(end) = ends_on.as_deref().filter(|e| !e.is_empty())
                {
                    edition.ends_on = NaiveDate::parse_from_str(end, "%Y-%m-%d").ok();
                    edition.successor = successor;
                }
            }
            let mut tx = self.begin_write().await?;
            let version = next_version(&mut tx, standard.name, None).await?;
            let id = self
                .insert_template(
                    &mut tx,
                    standard.name,
                    version,
                    None,
                    Some(key),
                    None,
                    &edition,
                    &items,
                )
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
                    after: to_json(&serde_json::json!({
                        "standard": key, "version": version, "items": items.len(),
                        "edition": standard.edition, "effective_on": standard.effective_on,
                        "ends_on": standard.ends_on,
                    })),
                },
            )
            .await?;
            tx.commit().await?;
        }
        Ok(())
    }

    /// Loads an edition of a national standard from its CSV (the columns of `data/standards`):
    /// the administrator's path for a new edition such as GB 35181-2025. Earlier editions of
    /// the same key still in force on its first day end the day before, with it as their
    /// successor. Composite elements are accepted only for an edition whose counting rule the
    /// system knows. All or nothing, audited.
    pub async fn load_standard_edition(
        &self,
        who: &Principal,
        input: &EditionInput,
        inputs: &[ChecklistItemInput],
    ) -> Result<i64> {
        if !who.role.may_load_standard_editions() {
            return Err(StoreError::Forbidden);
        }
        let fields = input.validate()?;
        let items = validate_items(inputs).map_err(|(i, e)| rows_error(i, &e))?;
        if items.iter().any(|i| i.composite) && composite_rule(&fields.edition.edition).is_none() {
            return Err(StoreError::Refused {
                code: "composite_rule_unknown",
                value: fields.edition.edition.clone(),
            });
        }
        let Some(effective_on) = fields.edition.effective_on else {
            return Err(hazardnet_domain::DomainError::Required {
                field: "effective_on",
            }
            .into());
        };
        let mut tx = self.begin_write().await?;
        let earlier: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT id, edition, effective_on, ends_on FROM checklist_templates \
             WHERE standard_key = $1 AND owner_org_id IS NULL ORDER BY id",
        )
        .bind(fields.key.clone())
        .fetch_all(&mut *tx)
        .await?;
        if earlier
            .iter()
            .any(|(_, e, _, _)| *e == fields.edition.edition)
        {
            return Err(StoreError::Conflict {
                code: "edition_exists",
                value: fields.edition.edition.clone(),
            });
        }
        let last_day = effective_on.pred_opt().unwrap_or(effective_on).to_string();
        for (id, edition, started, ends_on) in &earlier {
            if started
                .as_deref()
                .is_some_and(|s| s >= effective_on.to_string().as_str())
            {
                return Err(StoreError::Refused {
                    code: "edition_order",
                    value: edition.clone(),
                });
            }
            if ends_on.as_deref().is_some_and(|e| e < last_day.as_str()) {
                continue;
            }
            sqlx::query(
                "UPDATE checklist_templates SET ends_on = $1, successor = $2 WHERE id = $3",
            )
            .bind(last_day.clone())
            .bind(fields.edition.edition.clone())
            .bind(*id)
            .execute(&mut *tx)
            .await?;
            append(
                &mut tx,
                self,
                &who.actor(),
                Change {
                    action: "checklist.supersede",
                    entity: "checklist",
                    entity_id: id.to_string(),
                    jurisdiction: "",
                    before: to_json(&serde_json::json!({"ends_on": ends_on})),
                    after: to_json(&serde_json::json!({
                        "ends_on": last_day, "successor": fields.edition.edition,
                    })),
                },
            )
            .await?;
        }
        let version = next_version(&mut tx, &fields.name, None).await?;
        let id = self
            .insert_template(
                &mut tx,
                &fields.name,
                version,
                None,
                Some(&fields.key),
                Some(who.user_id),
                &fields.edition,
                &items,
            )
            .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "checklist.load_edition",
                entity: "checklist",
                entity_id: id.to_string(),
                jurisdiction: "",
                before: None,
                after: to_json(&serde_json::json!({
                    "standard": fields.key, "name": fields.name, "version": version,
                    "edition": fields.edition.edition, "effective_on": effective_on,
                    "ends_on": fields.edition.ends_on, "items": items.len(),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
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
        edition: &Edition,
        items: &[ChecklistItem],
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO checklist_templates (name, version, owner_org_id, standard_key, created_by, created_at, \
             edition, effective_on, ends_on, successor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(name.to_string())
        .bind(version)
        .bind(owner)
        .bind(standard_key.map(str::to_string))
        .bind(created_by)
        .bind(format_time(self.clock().now()))
        .bind(edition.edition.clone())
        .bind(edition.effective_on.map(|d| d.to_string()))
        .bind(edition.ends_on.map(|d| d.to_string()))
        .bind(edition.successor.clone())
        .fetch_one(&mut **tx)
        .await?;
        for (i, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO checklist_items (template_id, seq, clause, text, major, category, industry, source, composite) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(id)
            .bind(i as i64 + 1)
            .bind(item.clause.clone())
            .bind(item.text.clone())
            .bind(i64::from(item.major))
            .bind(item.category.clone())
            .bind(item.industry_text())
            .bind(item.source.clone())
            .bind(i64::from(item.composite))
            .execute(&mut **tx)
            .await?;
        }
        Ok(id)
    }

    /// The templates `who` may use: the shipped standards and the caller's organization's own,
    /// newest version of each first; editions replaced before today are marked superseded.
    pub async fn checklist_templates(&self, who: &Principal) -> Result<Vec<ChecklistTemplate>> {
        let mut list: Vec<ChecklistTemplate> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE t.owner_org_id IS NULL OR t.owner_org_id = $1 \
             ORDER BY t.owner_org_id IS NULL, t.name, t.version DESC"
        )))
        .bind(who.org_id)
        .fetch_all(&self.read)
        .await?;
        let today = self.today();
        for t in &mut list {
            t.superseded = t.edition()?.superseded(today);
        }
        Ok(list)
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
        let mut template = template;
        template.superseded = template.edition()?.superseded(self.today());
        let items = sqlx::query_as(
            "SELECT seq, clause, text, major, composite, category, industry, source FROM checklist_items \
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
        let items = validate_items(inputs).map_err(|(i, e)| rows_error(i, &e))?;
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
                &Edition::default(),
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

/// A refused item as the row of the sheet it came from (row 1 is the header).
fn rows_error(i: usize, e: &hazardnet_domain::DomainError) -> StoreError {
    StoreError::Rows(vec![RowError {
        row: i + 2,
        code: e.code().to_string(),
        args: e
            .args()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }])
}

/// The next version of a template name (per owner; NULL = the shipped and loaded standards).
async fn next_version(tx: &mut WriteTx, name: &str, owner: Option<i64>) -> Result<i64> {
    let last: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM checklist_templates \
         WHERE name = $1 AND COALESCE(owner_org_id, 0) = COALESCE($2, 0)",
    )
    .bind(name.to_string())
    .bind(owner)
    .fetch_one(&mut **tx)
    .await?;
    Ok(last + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_standard_reads_and_passes_the_item_rules() {
        for ShippedStandard {
            key, csv: csv_text, ..
        } in SHIPPED_STANDARDS
        {
            let items = standard_items(csv_text).unwrap();
            assert!(items.len() >= 20, "{key}: {}", items.len());
            let checked = validate_items(&items).unwrap_or_else(|(i, e)| panic!("{key} {i}: {e}"));
            assert!(
                checked.iter().all(|i| !i.source.is_empty()),
                "{key} cites its source"
            );
            let standard = SHIPPED_STANDARDS.iter().find(|s| s.key == *key).unwrap();
            let edition = standard.edition();
            assert_eq!(
                edition.effective_on.is_some(),
                standard.effective_on.is_some(),
                "{key}: dates parse"
            );
            assert_eq!(edition.ends_on.is_some(), !standard.successor.is_empty());
            // Composite elements only where the counting rule is known.
            if checked.iter().any(|i| i.composite) {
                assert!(composite_rule(standard.edition).is_some(), "{key}");
            }
            // The citation names the edition, and carries no editorial note.
            for item in &checked {
                assert!(!item.source.contains("未取得"), "{key} {}", item.clause);
            }
        }
        let shipped = SHIPPED_STANDARDS
            .iter()
            .find(|s| s.key == "zhongda-huozai-gb35181")
            .unwrap();
        assert!(
            standard_items(shipped.csv)
                .unwrap()
                .iter()
                .all(|i| i.source.contains(shipped.edition))
        );
    }
}
