//! What a clerk submits — a campaign, a task, a progress report — and the checks each passes
//! before anything is stored.

use super::deadline::{Deadline, parse_deadline};
use super::period::Cadence;
use crate::enterprise::text;
use crate::{DomainError, IndustryCode, JurisdictionCode};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

fn day(field: &'static str, value: &str) -> Result<NaiveDate, DomainError> {
    NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d").map_err(|_| DomainError::InvalidValue {
        field,
        value: value.to_string(),
    })
}

/// Free text of several lines: control characters other than line breaks and tabs refused.
pub fn long_text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, DomainError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(DomainError::Required { field });
    }
    if value.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    if value.chars().any(|c| {
        (c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            || crate::enterprise::is_invisible_format(c)
    }) {
        return Err(DomainError::InvalidValue {
            field,
            value: value.escape_debug().to_string(),
        });
    }
    Ok(value.replace("\r\n", "\n"))
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PhaseInput {
    pub name: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD
    pub ends_on: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignInput {
    pub title: String,
    /// 发文字号, e.g. 城中公发〔2023〕4号
    pub doc_number: String,
    pub jurisdiction_code: String,
    /// GB/T 4754 sections or codes the campaign covers; empty = all.
    pub industries: Vec<String>,
    pub summary: String,
    /// The dispatch return's cadence: monthly:28, monthly-next:1, half-monthly, quarterly:5.
    pub cadence: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD, or empty for an open-ended campaign.
    pub ends_on: String,
    pub phases: Vec<PhaseInput>,
    /// The units that file the dispatch return, as a notice names them ("各街道办事处、区应急管理局").
    pub reporting_units: String,
    /// Target enterprises (ids).
    pub targets: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phase {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignFields {
    pub title: String,
    pub doc_number: String,
    pub jurisdiction: JurisdictionCode,
    pub industries: Vec<IndustryCode>,
    pub summary: String,
    pub cadence: Cadence,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub phases: Vec<Phase>,
    pub reporting_units: Vec<String>,
    pub targets: Vec<i64>,
}

impl CampaignInput {
    pub fn validate(&self) -> Result<CampaignFields, DomainError> {
        let title = text("title", &self.title, 200, true)?;
        let doc_number = text("doc_number", &self.doc_number, 60, false)?;
        let jurisdiction = JurisdictionCode::parse(self.jurisdiction_code.trim())?;
        let industries = self
            .industries
            .iter()
            .filter(|c| !c.trim().is_empty())
            .map(|c| IndustryCode::parse(c.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        let summary = long_text("summary", &self.summary, 20_000, false)?;
        let cadence = Cadence::parse(&self.cadence)?;
        let starts_on = day("starts_on", &self.starts_on)?;
        let ends_on = match self.ends_on.trim() {
            "" => None,
            s => Some(day("ends_on", s)?),
        };
        if ends_on.is_some_and(|end| end < starts_on) {
            return Err(DomainError::InvalidValue {
                field: "ends_on",
                value: self.ends_on.clone(),
            });
        }
        let mut phases = Vec::new();
        for p in &self.phases {
            if p.name.trim().is_empty()
                && p.starts_on.trim().is_empty()
                && p.ends_on.trim().is_empty()
            {
                continue;
            }
            let phase = Phase {
                name: text("phase_name", &p.name, 100, true)?,
                starts_on: day("phase_starts_on", &p.starts_on)?,
                ends_on: day("phase_ends_on", &p.ends_on)?,
            };
            let outside = phase.starts_on < starts_on
                || ends_on.is_some_and(|end| phase.ends_on > end)
                || phase.ends_on < phase.starts_on;
            let overlaps = phases
                .last()
                .is_some_and(|prev: &Phase| phase.starts_on <= prev.ends_on);
            if outside || overlaps {
                return Err(DomainError::InvalidValue {
                    field: "phases",
                    value: format!("{} {}–{}", phase.name, phase.starts_on, phase.ends_on),
                });
            }
            phases.push(phase);
        }
        let reporting_units = unit_list(&self.reporting_units);
        if reporting_units.is_empty() {
            return Err(DomainError::Required {
                field: "reporting_units",
            });
        }
        let mut targets = self.targets.clone();
        targets.sort_unstable();
        targets.dedup();
        Ok(CampaignFields {
            title,
            doc_number,
            jurisdiction,
            industries,
            summary,
            cadence,
            starts_on,
            ends_on,
            phases,
            reporting_units,
            targets,
        })
    }
}

/// Splits "各街道办事处、区应急管理局，区消防救援大队" into unit names.
pub fn unit_list(text: &str) -> Vec<String> {
    let (lead, co) = super::notice::split_units(text);
    lead.into_iter().chain(co).collect()
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TaskInput {
    pub text: String,
    pub lead_units: Vec<String>,
    pub co_units: Vec<String>,
    /// As written: 长期坚持, 2021年上半年见成效，长期坚持, 2022年年底前 …
    pub deadline: String,
    /// Empty = the campaign's cadence.
    pub cadence: String,
    /// Keep unit names that resolve to no organization as written, unlinked (nobody reports
    /// on them); without it, saving a task with such a name is refused.
    pub keep_unlinked: bool,
    /// The deadline's dates lie outside the campaign's period and are meant so; without it,
    /// such a task is refused.
    pub confirm_dates: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFields {
    pub text: String,
    pub lead_units: Vec<String>,
    pub co_units: Vec<String>,
    pub deadline: Deadline,
    pub cadence: Option<Cadence>,
}

fn units(field: &'static str, list: &[String]) -> Result<Vec<String>, DomainError> {
    let mut out: Vec<String> = Vec::new();
    for unit in list {
        let unit = text(field, unit, 100, false)?;
        if !unit.is_empty() && !out.contains(&unit) {
            out.push(unit);
        }
    }
    Ok(out)
}

impl TaskInput {
    /// `year` is the campaign's, for deadlines written without one.
    pub fn validate(&self, year: i32) -> Result<TaskFields, DomainError> {
        let text_value = long_text("task_text", &self.text, 5_000, true)?;
        let lead_units = units("lead_units", &self.lead_units)?;
        let co_units = units("co_units", &self.co_units)?;
        if lead_units.is_empty() {
            return Err(DomainError::Required {
                field: "lead_units",
            });
        }
        let deadline_text = text("deadline", &self.deadline, 300, true)?;
        let deadline = parse_deadline(&deadline_text, year);
        if deadline.due_on.is_none() && !deadline.ongoing {
            return Err(DomainError::InvalidValue {
                field: "deadline",
                value: deadline_text,
            });
        }
        let cadence = match self.cadence.trim() {
            "" => None,
            code => Some(Cadence::parse(code)?),
        };
        Ok(TaskFields {
            text: text_value,
            lead_units,
            co_units,
            deadline,
            cadence,
        })
    }
}

/// The figures of the dispatch table that units fill in themselves (the rest are computed from
/// the ledger). Keys are stable; labels live in the translation files (`figure.<key>`).
pub const FILLED_FIGURES: &[&str] = &[
    "enterprises_checked",
    "inspection_teams",
    "cases_filed",
    "fines_yuan",
    "suspensions",
    "drills",
    "trainings",
];

/// The figures computed from the hazard ledger for a unit and period.
pub const COMPUTED_FIGURES: &[&str] = &[
    "hazards_found",
    "major_found",
    "rectified",
    "major_rectified",
    "rectification_rate",
    "overdue",
];

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReportInput {
    pub period_key: String,
    pub body: String,
    /// Figures by key (see FILLED_FIGURES); non-negative whole numbers.
    pub figures: BTreeMap<String, i64>,
    /// Progress on each of the unit's tasks (optional per task).
    pub lines: Vec<LineInput>,
}

/// One task's progress in a unit's return.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LineInput {
    pub task_id: i64,
    pub text: String,
}

impl ReportInput {
    /// The summary, the figures and the non-empty lines (each task once).
    #[allow(clippy::type_complexity)]
    pub fn validate(
        &self,
    ) -> Result<(String, BTreeMap<String, i64>, Vec<(i64, String)>), DomainError> {
        let body = long_text("report_body", &self.body, 20_000, true)?;
        let mut lines: Vec<(i64, String)> = Vec::new();
        for line in &self.lines {
            let text = long_text("report_line", &line.text, 5_000, false)?;
            if text.is_empty() {
                continue;
            }
            if lines.iter().any(|(t, _)| *t == line.task_id) {
                return Err(DomainError::InvalidValue {
                    field: "lines",
                    value: line.task_id.to_string(),
                });
            }
            lines.push((line.task_id, text));
        }
        for (key, value) in &self.figures {
            if !FILLED_FIGURES.contains(&key.as_str()) || *value < 0 || *value > 1_000_000_000_000 {
                return Err(DomainError::InvalidValue {
                    field: "figures",
                    value: format!("{key}={value}"),
                });
            }
        }
        Ok((body, self.figures.clone(), lines))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> CampaignInput {
        CampaignInput {
            title: "公园街道重大事故隐患专项排查整治2023行动".into(),
            doc_number: "城中公发〔2023〕4号".into(),
            jurisdiction_code: "450202002000".into(),
            cadence: "monthly:28".into(),
            starts_on: "2023-05-01".into(),
            ends_on: "2023-12-31".into(),
            phases: vec![
                PhaseInput {
                    name: "动员部署".into(),
                    starts_on: "2023-05-01".into(),
                    ends_on: "2023-05-31".into(),
                },
                PhaseInput {
                    name: "自查自改".into(),
                    starts_on: "2023-06-01".into(),
                    ends_on: "2023-10-31".into(),
                },
            ],
            reporting_units: "各社区居委会".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_campaign_with_ordered_phases_is_accepted() {
        let f = campaign().validate().unwrap();
        assert_eq!(f.phases.len(), 2);
        assert_eq!(f.reporting_units, ["各社区居委会"]);
    }

    #[test]
    fn overlapping_or_outlying_phases_and_missing_units_are_refused() {
        let mut c = campaign();
        c.phases[1].starts_on = "2023-05-20".into();
        assert!(matches!(
            c.validate(),
            Err(DomainError::InvalidValue {
                field: "phases",
                ..
            })
        ));
        let mut c = campaign();
        c.phases[1].ends_on = "2024-01-31".into();
        assert!(c.validate().is_err());
        let mut c = campaign();
        c.reporting_units = " ".into();
        assert_eq!(
            c.validate(),
            Err(DomainError::Required {
                field: "reporting_units"
            })
        );
        let mut c = campaign();
        c.cadence = "weekly".into();
        assert!(c.validate().is_err());
    }

    #[test]
    fn a_task_needs_a_lead_unit_and_a_readable_deadline() {
        let task = TaskInput {
            text: "开展隐患排查".into(),
            lead_units: vec!["区应急管理局".into()],
            deadline: "长期坚持".into(),
            ..Default::default()
        };
        assert!(task.validate(2021).is_ok());
        let no_unit = TaskInput {
            lead_units: vec![" ".into()],
            ..task.clone()
        };
        assert_eq!(
            no_unit.validate(2021),
            Err(DomainError::Required {
                field: "lead_units"
            })
        );
        let vague = TaskInput {
            deadline: "尽快".into(),
            ..task
        };
        assert!(vague.validate(2021).is_err());
    }

    #[test]
    fn reports_take_known_non_negative_figures() {
        let mut r = ReportInput {
            period_key: "2023-05".into(),
            body: "本月检查企业12家。\n发现隐患3处。".into(),
            ..Default::default()
        };
        r.figures.insert("enterprises_checked".into(), 12);
        assert!(r.validate().is_ok());
        r.figures.insert("drills".into(), -1);
        assert!(r.validate().is_err());
        r.figures.remove("drills");
        r.figures.insert("profit".into(), 1);
        assert!(r.validate().is_err());
    }
}
