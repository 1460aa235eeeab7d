//! A hazard as reported, and its validation into the fields the store writes: every field
//! checked, a refusal naming the field.

use super::{HazardLevel, HazardSource, check_category};
use crate::DomainError;
use crate::enterprise::text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A hazard as reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct HazardInput {
    pub enterprise_id: i64,
    pub title: String,
    pub description: String,
    /// Where on the site (e.g. 二楼KTV包厢走廊).
    pub place: String,
    /// general | major
    pub level: String,
    /// GB/T 13861 code, e.g. 21 (physical) or 43 (rules not in force).
    pub category: String,
    /// The judgement-standard clause it violates (free text until checklists exist).
    pub basis: String,
    /// self_inspection | department_inspection | supervision | unannounced_visit | law_enforcement | tip | expert
    pub source: String,
    /// YYYY-MM-DD
    pub found_at: String,
    pub found_by: String,
}

/// A validated report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HazardFields {
    pub enterprise_id: i64,
    pub title: String,
    pub description: String,
    pub place: String,
    pub level: HazardLevel,
    pub category: String,
    pub basis: String,
    pub source: HazardSource,
    pub found_at: NaiveDate,
    pub found_by: String,
}

impl HazardInput {
    pub fn validate(&self, today: NaiveDate) -> Result<HazardFields, DomainError> {
        let level =
            HazardLevel::parse(self.level.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "level",
                value: self.level.clone(),
            })?;
        let source =
            HazardSource::parse(self.source.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "source",
                value: self.source.clone(),
            })?;
        let found_text = self.found_at.trim();
        let found_at = if found_text.is_empty() {
            today
        } else {
            NaiveDate::parse_from_str(found_text, "%Y-%m-%d").map_err(|_| {
                DomainError::InvalidValue {
                    field: "found_at",
                    value: found_text.to_string(),
                }
            })?
        };
        if found_at > today {
            return Err(DomainError::InvalidValue {
                field: "found_at",
                value: found_text.to_string(),
            });
        }
        Ok(HazardFields {
            enterprise_id: self.enterprise_id,
            title: text("title", &self.title, 100, true)?,
            description: text("description", &self.description, 4000, false)?,
            place: text("place", &self.place, 200, false)?,
            level,
            category: check_category(&self.category)?,
            basis: text("basis", &self.basis, 500, false)?,
            source,
            found_at,
            found_by: text("found_by", &self.found_by, 50, false)?,
        })
    }
}
