//! Production-safety accidents an enterprise has had (事故记录): the kind (GB 6441-1986's
//! twenty categories), casualties and direct loss, and the grade the regulations give them
//! (《生产安全事故报告和调查处理条例》第三条). An enterprise with an accident in the last three
//! years is inspected first among its peers (the seeds' "重点风险优先", see
//! [`crate::inspection::priority`]).

use crate::DomainError;
use crate::enterprise::text;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

text_enum!(AccidentKind {
    ObjectStrike => "object_strike",
    Vehicle => "vehicle",
    Machinery => "machinery",
    Lifting => "lifting",
    ElectricShock => "electric_shock",
    Drowning => "drowning",
    Scald => "scald",
    Fire => "fire",
    FallFromHeight => "fall_from_height",
    Collapse => "collapse",
    RoofFall => "roof_fall",
    WaterInrush => "water_inrush",
    Blasting => "blasting",
    ExplosiveExplosion => "explosive_explosion",
    GasExplosion => "gas_explosion",
    BoilerExplosion => "boiler_explosion",
    VesselExplosion => "vessel_explosion",
    OtherExplosion => "other_explosion",
    PoisoningAsphyxiation => "poisoning_asphyxiation",
    Other => "other",
});

text_enum!(AccidentGrade {
    General => "general",
    Larger => "larger",
    Major => "major",
    Extraordinary => "extraordinary",
});

/// The grade by 条例第三条: the highest grade any of deaths, serious injuries (including acute
/// industrial poisoning) or direct economic loss reaches; each bound includes its own number.
pub fn grade(deaths: i64, serious_injuries: i64, direct_loss_yuan: i64) -> AccidentGrade {
    const WAN: i64 = 10_000;
    if deaths >= 30 || serious_injuries >= 100 || direct_loss_yuan >= 10_000 * WAN {
        AccidentGrade::Extraordinary
    } else if deaths >= 10 || serious_injuries >= 50 || direct_loss_yuan >= 5_000 * WAN {
        AccidentGrade::Major
    } else if deaths >= 3 || serious_injuries >= 10 || direct_loss_yuan >= 1_000 * WAN {
        AccidentGrade::Larger
    } else {
        AccidentGrade::General
    }
}

/// How far back an accident still moves an enterprise up an inspection plan.
pub const RECENT_ACCIDENT_YEARS: i64 = 3;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AccidentInput {
    /// YYYY-MM-DD, not in the future.
    pub occurred_on: String,
    /// One of GB 6441's categories: object_strike, vehicle, machinery, lifting, electric_shock,
    /// drowning, scald, fire, fall_from_height, collapse, roof_fall, water_inrush, blasting,
    /// explosive_explosion, gas_explosion, boiler_explosion, vessel_explosion, other_explosion,
    /// poisoning_asphyxiation, other.
    pub kind: String,
    pub deaths: i64,
    /// Serious injuries, acute industrial poisoning included.
    pub serious_injuries: i64,
    pub direct_loss_yuan: i64,
    /// What happened, in a few sentences.
    pub circumstances: String,
    /// The investigation report or decision it is recorded from (调查报告 / 批复文号), if any.
    pub report_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccidentFields {
    pub occurred_on: NaiveDate,
    pub kind: AccidentKind,
    pub grade: AccidentGrade,
    pub deaths: i64,
    pub serious_injuries: i64,
    pub direct_loss_yuan: i64,
    pub circumstances: String,
    pub report_ref: String,
}

fn count(field: &'static str, value: i64, max: i64) -> Result<i64, DomainError> {
    if (0..=max).contains(&value) {
        Ok(value)
    } else {
        Err(DomainError::InvalidValue {
            field,
            value: value.to_string(),
        })
    }
}

impl AccidentInput {
    pub fn validate(&self, today: NaiveDate) -> Result<AccidentFields, DomainError> {
        let occurred_on = NaiveDate::parse_from_str(self.occurred_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today && d.year() >= 1949)
            .ok_or_else(|| DomainError::InvalidValue {
                field: "occurred_on",
                value: self.occurred_on.clone(),
            })?;
        let kind =
            AccidentKind::parse(self.kind.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "kind",
                value: self.kind.clone(),
            })?;
        let deaths = count("deaths", self.deaths, 10_000)?;
        let serious_injuries = count("serious_injuries", self.serious_injuries, 100_000)?;
        let direct_loss_yuan = count("direct_loss_yuan", self.direct_loss_yuan, 1_000_000_000_000)?;
        Ok(AccidentFields {
            occurred_on,
            kind,
            grade: grade(deaths, serious_injuries, direct_loss_yuan),
            deaths,
            serious_injuries,
            direct_loss_yuan,
            circumstances: crate::campaign::input::long_text(
                "circumstances",
                &self.circumstances,
                2000,
                true,
            )?,
            report_ref: text("report_ref", &self.report_ref, 100, false)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn grades_follow_the_regulation_bounds_including_their_own_number() {
        assert_eq!(grade(0, 0, 0), AccidentGrade::General);
        assert_eq!(grade(2, 9, 9_999_999), AccidentGrade::General);
        assert_eq!(grade(3, 0, 0), AccidentGrade::Larger);
        assert_eq!(grade(0, 10, 0), AccidentGrade::Larger);
        assert_eq!(grade(0, 0, 10_000_000), AccidentGrade::Larger);
        assert_eq!(grade(10, 0, 0), AccidentGrade::Major);
        assert_eq!(grade(0, 50, 0), AccidentGrade::Major);
        assert_eq!(grade(0, 0, 50_000_000), AccidentGrade::Major);
        assert_eq!(grade(29, 99, 99_999_999), AccidentGrade::Major);
        assert_eq!(grade(30, 0, 0), AccidentGrade::Extraordinary);
        assert_eq!(grade(0, 100, 0), AccidentGrade::Extraordinary);
        assert_eq!(grade(0, 0, 100_000_000), AccidentGrade::Extraordinary);
        // The highest criterion decides.
        assert_eq!(grade(1, 60, 0), AccidentGrade::Major);
    }

    #[test]
    fn an_accident_needs_a_past_date_a_known_kind_sane_counts_and_a_circumstances() {
        let today = day("2026-11-23");
        let input = AccidentInput {
            occurred_on: "2025-06-12".into(),
            kind: "fall_from_height".into(),
            deaths: 1,
            serious_injuries: 0,
            direct_loss_yuan: 1_200_000,
            circumstances: "外墙脚手架作业时一名工人坠落".into(),
            report_ref: String::new(),
        };
        let f = input.validate(today).unwrap();
        assert_eq!(
            (f.kind, f.grade),
            (AccidentKind::FallFromHeight, AccidentGrade::General)
        );
        for (bad, field) in [
            (
                AccidentInput {
                    occurred_on: "2026-11-24".into(),
                    ..input.clone()
                },
                "occurred_on",
            ),
            (
                AccidentInput {
                    kind: "explosion".into(),
                    ..input.clone()
                },
                "kind",
            ),
            (
                AccidentInput {
                    deaths: -1,
                    ..input.clone()
                },
                "deaths",
            ),
            (
                AccidentInput {
                    serious_injuries: -3,
                    ..input.clone()
                },
                "serious_injuries",
            ),
            (
                AccidentInput {
                    direct_loss_yuan: -1,
                    ..input.clone()
                },
                "direct_loss_yuan",
            ),
            (
                AccidentInput {
                    circumstances: "  ".into(),
                    ..input.clone()
                },
                "circumstances",
            ),
        ] {
            let err = bad.validate(today).unwrap_err();
            assert!(format!("{err:?}").contains(field), "{field}: {err:?}");
        }
    }
}
