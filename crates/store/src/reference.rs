//! Reference data: jurisdictions (statistical division codes) and GB/T 4754 industries.
//! The shipped tables in `data/` are loaded on first migration; other jurisdiction lists are
//! loaded with [`Store::import_jurisdictions`].

use crate::audit::{Actor, Change, append};
use crate::clock::format_time;
use crate::{Result, RowError, Store, StoreError};
use hazardnet_domain::{JurisdictionCode, enterprise::text};
use serde::Serialize;
use sqlx::FromRow;
use std::collections::{BTreeMap, HashSet};

const SHIPPED_JURISDICTIONS: &str = include_str!("../../../data/jurisdictions.csv");
const SHIPPED_INDUSTRIES: &str = include_str!("../../../data/industries.csv");
const SHIPPED_INDUSTRY_LABELS: &str = include_str!("../../../data/industry_labels.csv");

#[derive(Debug, Clone, FromRow, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Jurisdiction {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub level: String,
    /// Added locally by an administrator, not yet confirmed by an official table (1), or
    /// official (0).
    pub local: i64,
}

#[derive(Debug, Clone, FromRow, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Industry {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub level: String,
}

/// A jurisdiction row as read from a file, before checking.
#[derive(Debug, Clone, Default)]
pub struct JurisdictionRow {
    pub code: String,
    pub name: String,
    pub parent_code: String,
}

fn csv_records(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(text.as_bytes())
        .records()
        .filter_map(|r| r.ok())
        .map(|r| r.iter().map(|f| f.trim().to_string()).collect())
        .collect()
}

pub(crate) async fn load_shipped(store: &Store) -> Result<()> {
    let industries: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM industries")
        .fetch_one(&store.read)
        .await?;
    if industries == 0 {
        let mut tx = store.begin_write().await?;
        for rec in csv_records(SHIPPED_INDUSTRIES) {
            let [code, name, parent, level] = &rec[..] else {
                continue;
            };
            sqlx::query(
                "INSERT INTO industries (code, name, parent_code, level) VALUES ($1, $2, $3, $4)",
            )
            .bind(code.clone())
            .bind(name.clone())
            .bind(Some(parent.clone()).filter(|p| !p.is_empty()))
            .bind(level.clone())
            .execute(&mut *tx)
            .await?;
        }
        for rec in csv_records(SHIPPED_INDUSTRY_LABELS) {
            let [label, code] = &rec[..] else { continue };
            sqlx::query("INSERT INTO industry_labels (label, code) VALUES ($1, $2)")
                .bind(label.clone())
                .bind(code.clone())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    }
    let jurisdictions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM jurisdictions")
        .fetch_one(&store.read)
        .await?;
    if jurisdictions == 0 {
        let rows: Vec<JurisdictionRow> = csv_records(SHIPPED_JURISDICTIONS)
            .into_iter()
            .filter_map(|rec| match &rec[..] {
                [code, name, parent, _level] => Some(JurisdictionRow {
                    code: code.clone(),
                    name: name.clone(),
                    parent_code: parent.clone(),
                }),
                _ => None,
            })
            .collect();
        store
            .import_jurisdictions(&Actor::system("migrate"), rows)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Checks every row, then inserts or renames them all in one transaction; if any row is
    /// bad nothing is written and every bad row is reported (rows numbered from 2, as in a
    /// sheet with a header line).
    pub async fn import_jurisdictions(
        &self,
        actor: &Actor,
        rows: Vec<JurisdictionRow>,
    ) -> Result<usize> {
        let mut errors = Vec::new();
        let mut parsed: BTreeMap<(usize, String), (JurisdictionCode, String, usize)> =
            BTreeMap::new();
        let mut in_file = HashSet::new();
        for (i, row) in rows.iter().enumerate() {
            let line = i + 2;
            let code = match JurisdictionCode::parse(&row.code) {
                Ok(c) => c,
                Err(e) => {
                    errors.push(row_error(line, &e));
                    continue;
                }
            };
            let name = match text("name", &row.name, 60, true) {
                Ok(n) => n,
                Err(e) => {
                    errors.push(row_error(line, &e));
                    continue;
                }
            };
            if !row.parent_code.trim().is_empty()
                && code.parent().map(|p| p.as_str().to_string())
                    != Some(row.parent_code.trim().to_string())
            {
                errors.push(RowError {
                    row: line,
                    code: "parent_mismatch".into(),
                    args: vec![("value".into(), row.parent_code.clone())],
                });
                continue;
            }
            if !in_file.insert(code.as_str().to_string()) {
                errors.push(RowError {
                    row: line,
                    code: "duplicate_in_file".into(),
                    args: vec![("value".into(), code.to_string())],
                });
                continue;
            }
            let depth = code.level().prefix_len();
            parsed.insert((depth, code.to_string()), (code, name, line));
        }
        // Every parent must exist, in the file or already in the database.
        let existing: HashSet<String> = sqlx::query_scalar("SELECT code FROM jurisdictions")
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .collect();
        for (code, _, line) in parsed.values() {
            if let Some(parent) = code.parent()
                && !in_file.contains(parent.as_str())
                && !existing.contains(parent.as_str())
            {
                errors.push(RowError {
                    row: *line,
                    code: "unknown_parent".into(),
                    args: vec![("value".into(), parent.to_string())],
                });
            }
        }
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.row);
            return Err(StoreError::Rows(errors));
        }
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        // Parents before children: the map is ordered by depth.
        for (code, name, _) in parsed.values() {
            sqlx::query(
                "INSERT INTO jurisdictions (code, name, parent_code, level, updated_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, local = 0, \
                 updated_at = excluded.updated_at",
            )
            .bind(code.to_string())
            .bind(name.clone())
            .bind(code.parent().map(|p| p.to_string()))
            .bind(code.level().as_str().to_string())
            .bind(now.clone())
            .execute(&mut *tx)
            .await?;
        }
        append(
            &mut tx,
            self,
            actor,
            Change {
                action: "jurisdiction.import",
                entity: "jurisdiction",
                entity_id: format!("{} rows", parsed.len()),
                jurisdiction: "",
                before: None,
                after: crate::audit::to_json(
                    &parsed
                        .values()
                        .map(|(c, n, _)| (c.as_str(), n.as_str()))
                        .collect::<Vec<_>>(),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(parsed.len())
    }

    /// An administrator adds a division below the shipped tree (a new community, a development
    /// zone's street), marked local until an official table confirms it. Its parent must
    /// exist; an existing code is refused rather than renamed.
    pub async fn add_local_jurisdiction(
        &self,
        who: &crate::Principal,
        code: &str,
        name: &str,
    ) -> Result<Jurisdiction> {
        if !who.role.may_administer_users() {
            return Err(StoreError::Forbidden);
        }
        let code = JurisdictionCode::parse(code.trim())?;
        let name = text("name", name, 60, true)?;
        let parent = code.parent().ok_or(StoreError::Refused {
            code: "province_not_local",
            value: code.to_string(),
        })?;
        if self.jurisdiction(parent.as_str()).await.is_err() {
            return Err(StoreError::UnknownJurisdiction(parent.to_string()));
        }
        if self.jurisdiction(code.as_str()).await.is_ok() {
            return Err(StoreError::Conflict {
                code: "jurisdiction_exists",
                value: code.to_string(),
            });
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO jurisdictions (code, name, parent_code, level, updated_at, local) \
             VALUES ($1, $2, $3, $4, $5, 1)",
        )
        .bind(code.to_string())
        .bind(name.clone())
        .bind(parent.to_string())
        .bind(code.level().as_str().to_string())
        .bind(format_time(self.clock().now()))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "jurisdiction.add_local",
                entity: "jurisdiction",
                entity_id: code.to_string(),
                jurisdiction: code.as_str(),
                before: None,
                after: crate::audit::to_json(&serde_json::json!({ "name": name, "local": true })),
            },
        )
        .await?;
        tx.commit().await?;
        self.jurisdiction(code.as_str()).await
    }

    pub async fn jurisdiction(&self, code: &str) -> Result<Jurisdiction> {
        sqlx::query_as(
            "SELECT code, name, parent_code, level, local FROM jurisdictions WHERE code = $1",
        )
        .bind(code.to_string())
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)
    }

    /// The children of a division (the provinces when `parent` is None).
    pub async fn jurisdiction_children(&self, parent: Option<&str>) -> Result<Vec<Jurisdiction>> {
        let rows = match parent {
            Some(p) => {
                sqlx::query_as(
                    "SELECT code, name, parent_code, level, local FROM jurisdictions \
                     WHERE parent_code = $1 ORDER BY code",
                )
                .bind(p.to_string())
                .fetch_all(&self.read)
                .await?
            }
            None => {
                sqlx::query_as(
                    "SELECT code, name, parent_code, level, local FROM jurisdictions \
                     WHERE parent_code IS NULL ORDER BY code",
                )
                .fetch_all(&self.read)
                .await?
            }
        };
        Ok(rows)
    }

    /// Every division in the subtree of `root`, in code order (for pickers).
    pub async fn jurisdiction_subtree(&self, root: &JurisdictionCode) -> Result<Vec<Jurisdiction>> {
        let (low, high) = root.subtree_bounds();
        Ok(sqlx::query_as(
            "SELECT code, name, parent_code, level, local FROM jurisdictions \
             WHERE code BETWEEN $1 AND $2 ORDER BY code",
        )
        .bind(low)
        .bind(high)
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn all_jurisdictions(&self) -> Result<Vec<Jurisdiction>> {
        Ok(sqlx::query_as(
            "SELECT code, name, parent_code, level, local FROM jurisdictions ORDER BY code",
        )
        .fetch_all(&self.read)
        .await?)
    }

    pub async fn industries(&self) -> Result<Vec<Industry>> {
        Ok(
            sqlx::query_as("SELECT code, name, parent_code, level FROM industries ORDER BY code")
                .fetch_all(&self.read)
                .await?,
        )
    }

    pub async fn industry(&self, code: &str) -> Result<Industry> {
        sqlx::query_as("SELECT code, name, parent_code, level FROM industries WHERE code = $1")
            .bind(code.to_string())
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Turns what a clerk typed into an industry code: a code, a label (餐饮业), or a name.
    pub async fn resolve_industry(&self, typed: &str) -> Result<Option<String>> {
        let typed = typed.trim().to_string();
        let found: Option<String> = sqlx::query_scalar(
            "SELECT code FROM industries WHERE code = $1 \
             UNION ALL SELECT code FROM industry_labels WHERE label = $2 \
             UNION ALL SELECT code FROM industries WHERE name = $3",
        )
        .bind(typed.to_ascii_uppercase())
        .bind(typed.clone())
        .bind(typed)
        .fetch_optional(&self.read)
        .await?;
        Ok(found)
    }
}

pub(crate) fn row_error(row: usize, e: &hazardnet_domain::DomainError) -> RowError {
    RowError {
        row,
        code: e.code().to_string(),
        args: e
            .args()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    }
}

impl Store {
    /// Everything a clerk might type for an industry (code, label, official name) mapped to
    /// its code, for reading whole sheets without a query per row.
    pub async fn industry_lookup(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut map = std::collections::HashMap::new();
        for industry in self.industries().await? {
            map.insert(industry.name.clone(), industry.code.clone());
            map.insert(industry.code.clone(), industry.code);
        }
        let labels: Vec<(String, String)> =
            sqlx::query_as("SELECT label, code FROM industry_labels")
                .fetch_all(&self.read)
                .await?;
        map.extend(labels);
        Ok(map)
    }
}
