//! Corrections and the checks an import passes before it is saved: deadlines outside the
//! campaign's period (a 2021 notice read into a 2026 campaign), the reason every correction
//! carries, how long a unit may replace a return, and the classes of units an alias may name.

use super::deadline::Deadline;
use super::input::{CampaignInput, PhaseInput, ReportInput, TaskInput};
use super::period::{Cadence, Period};
use crate::DomainError;
use crate::enterprise::text;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The dates a deadline names (milestones and due day) that fall outside the campaign's period:
/// before its start, or after its end when it has one.
pub fn stale_dates(
    deadline: &Deadline,
    starts_on: NaiveDate,
    ends_on: Option<NaiveDate>,
) -> Vec<NaiveDate> {
    let outside = |d: &NaiveDate| *d < starts_on || ends_on.is_some_and(|end| *d > end);
    let mut out: Vec<NaiveDate> = deadline
        .milestones
        .iter()
        .map(|m| m.on)
        .chain(deadline.due_on)
        .filter(outside)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The reason a correction is made: required, one paragraph.
pub fn correction_reason(value: &str) -> Result<String, DomainError> {
    text("reason", value, 500, true)
}

/// A unit may replace its return until the return of the next period falls due: by then the
/// issuing office has compiled the period's dispatch table and bulletin, and the period is
/// closed. A one-off return closes on its own due day's next day.
pub fn return_replaceable(today: NaiveDate, cadence: &Cadence, period: &Period) -> bool {
    let closes = match cadence {
        Cadence::Once { .. } => period.due_on + Duration::days(1),
        c => {
            c.period_containing(period.ends_on + Duration::days(1))
                .due_on
        }
    };
    today <= closes
}

/// What an alias maps a written unit name to, besides one organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitClass {
    /// Every industry regulator of the campaign's area ("区负有安全生产监督管理职责的部门").
    Regulators,
}

impl UnitClass {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitClass::Regulators => "regulators",
        }
    }

    pub fn parse(s: &str) -> Result<UnitClass, DomainError> {
        match s {
            "regulators" => Ok(UnitClass::Regulators),
            _ => Err(DomainError::InvalidValue {
                field: "unit_class",
                value: s.to_string(),
            }),
        }
    }
}

/// A clerk's mapping of a name a notice writes to an organization or to a class of units,
/// remembered for the clerk's office.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AliasInput {
    /// The name as written ("区安委会办公室").
    pub unit_name: String,
    /// The organization it means; or
    pub org_id: Option<i64>,
    /// the class of units it means (`regulators`).
    pub unit_class: Option<UnitClass>,
}

impl AliasInput {
    pub fn validate(&self) -> Result<(String, Option<i64>, Option<UnitClass>), DomainError> {
        let name = text("unit_name", &self.unit_name, 100, true)?;
        match (self.org_id, self.unit_class) {
            (Some(_), None) | (None, Some(_)) => Ok((name, self.org_id, self.unit_class)),
            _ => Err(DomainError::Required {
                field: "alias_target",
            }),
        }
    }
}

/// A correction of a campaign's name, document number, period and phases.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignCorrection {
    /// The version the correction was made on; a newer stored version refuses it (409).
    pub expected_version: i64,
    pub reason: String,
    pub title: String,
    pub doc_number: String,
    /// YYYY-MM-DD
    pub starts_on: String,
    /// YYYY-MM-DD, or empty for an open-ended campaign.
    pub ends_on: String,
    pub phases: Vec<PhaseInput>,
}

impl CampaignCorrection {
    /// The corrected campaign checked as a whole, the rest of it (`current`) kept.
    pub fn apply(&self, current: &CampaignInput) -> Result<CampaignInput, DomainError> {
        let corrected = CampaignInput {
            title: self.title.clone(),
            doc_number: self.doc_number.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            phases: self.phases.clone(),
            ..current.clone()
        };
        corrected.validate()?;
        Ok(corrected)
    }
}

/// A correction of one task: its text, deadline, units and cadence. (Unknown fields are
/// refused by the flattened task, as `deny_unknown_fields` does not combine with `flatten`.)
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TaskCorrection {
    pub expected_version: i64,
    pub reason: String,
    #[serde(flatten)]
    pub task: TaskInput,
}

/// A new version of a unit's return replacing a wrong one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ReturnReplacement {
    pub expected_version: i64,
    pub reason: String,
    pub body: String,
    pub figures: std::collections::BTreeMap<String, i64>,
    pub lines: Vec<super::input::LineInput>,
}

impl ReturnReplacement {
    /// The replacement as a return for `period_key`.
    pub fn as_report(&self, period_key: &str) -> ReportInput {
        ReportInput {
            period_key: period_key.to_string(),
            body: self.body.clone(),
            figures: self.figures.clone(),
            lines: self.lines.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::campaign::parse_deadline;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_outside_the_campaign_are_stale() {
        let start = day("2026-11-01");
        let end = Some(day("2027-06-30"));
        let cases = [
            ("长期坚持", vec![]),
            ("2021年上半年见成效，长期坚持", vec!["2021-06-30"]),
            ("2027年3月底前", vec![]),
            ("2027年底前", vec!["2027-12-31"]),
            ("2026年10月底前完成，2027年3月底前", vec!["2026-10-31"]),
        ];
        for (text, stale) in cases {
            let d = parse_deadline(text, 2026);
            let got: Vec<String> = stale_dates(&d, start, end)
                .iter()
                .map(|d| d.to_string())
                .collect();
            assert_eq!(got, stale, "{text}");
        }
        // An open-ended campaign has no late bound.
        let d = parse_deadline("2030年底前", 2026);
        assert!(stale_dates(&d, start, None).is_empty());
    }

    #[test]
    fn a_return_is_replaceable_until_the_next_one_falls_due() {
        let monthly = Cadence::parse("monthly:28").unwrap();
        let october = monthly.period_containing(day("2026-10-10"));
        assert!(return_replaceable(day("2026-11-28"), &monthly, &october));
        assert!(!return_replaceable(day("2026-11-29"), &monthly, &october));
        let next = Cadence::parse("monthly-next:1").unwrap();
        let october = next.period_containing(day("2026-10-10"));
        assert!(return_replaceable(day("2026-12-01"), &next, &october));
        assert!(!return_replaceable(day("2026-12-02"), &next, &october));
        let once = Cadence::Once {
            due_on: day("2026-12-15"),
        };
        let p = once.period_containing(day("2026-11-01"));
        assert!(return_replaceable(day("2026-12-16"), &once, &p));
        assert!(!return_replaceable(day("2026-12-17"), &once, &p));
    }

    #[test]
    fn a_correction_needs_a_reason_and_an_alias_one_target() {
        assert!(correction_reason("  ").is_err());
        assert_eq!(correction_reason(" 日期录错 ").unwrap(), "日期录错");
        let mut a = AliasInput {
            unit_name: "区安委会办公室".into(),
            org_id: Some(2),
            unit_class: None,
        };
        assert!(a.validate().is_ok());
        a.unit_class = Some(UnitClass::Regulators);
        assert!(a.validate().is_err());
        a.org_id = None;
        assert!(a.validate().is_ok());
        a.unit_class = None;
        assert!(a.validate().is_err());
    }
}
