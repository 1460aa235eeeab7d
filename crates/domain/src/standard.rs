//! Judgement standards as versioned data: which edition of a standard may be used on a day, and
//! the composite judgement of GB 35181 (综合判定), where elements that are not hazards alone
//! make one major fire hazard when enough of them are found at one place.

use crate::DomainError;
use crate::enterprise::text;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// An edition of a standard: when it came into force and, once replaced, its last day and what
/// replaced it. A hazard is judged by the edition in force on the day it is found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Edition {
    /// e.g. `GB 35181-2017`, `应急管理部令第10号`.
    pub edition: String,
    /// None where the date is not on record.
    pub effective_on: Option<NaiveDate>,
    /// The last day it was in force; None while it is current.
    pub ends_on: Option<NaiveDate>,
    /// What replaced it, as cited (e.g. `GB 35181-2025`).
    pub successor: String,
}

/// Why an edition may not be used for an inspection on a given day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditionRefusal {
    /// Replaced: its last day was before the inspection.
    Superseded { ends_on: NaiveDate },
    /// Not yet in force on the inspection day.
    NotYetInForce { effective_on: NaiveDate },
}

impl Edition {
    /// May an inspection done on `day` be judged, and its notice cite, this edition?
    pub fn usable_on(&self, day: NaiveDate) -> Result<(), EditionRefusal> {
        if let Some(ends_on) = self.ends_on.filter(|end| *end < day) {
            return Err(EditionRefusal::Superseded { ends_on });
        }
        if let Some(effective_on) = self.effective_on.filter(|start| *start > day) {
            return Err(EditionRefusal::NotYetInForce { effective_on });
        }
        Ok(())
    }

    /// Replaced on or before `today` (shown as 已废止 in the lists).
    pub fn superseded(&self, today: NaiveDate) -> bool {
        self.ends_on.is_some_and(|end| end < today)
    }
}

/// What an administrator gives when loading an edition of a standard from its CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EditionInput {
    /// The standard's name as it is cited, e.g. 重大火灾隐患判定规则.
    pub name: String,
    /// The standard's key, shared by its editions, e.g. `zhongda-huozai-gb35181`.
    pub key: String,
    /// e.g. `GB 35181-2025`.
    pub edition: String,
    /// YYYY-MM-DD
    pub effective_on: String,
    /// YYYY-MM-DD; empty while in force.
    pub ends_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionFields {
    pub name: String,
    pub key: String,
    pub edition: Edition,
}

impl EditionInput {
    pub fn validate(&self) -> Result<EditionFields, DomainError> {
        let key = text("standard_key", &self.key, 60, true)?;
        if !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(DomainError::InvalidValue {
                field: "standard_key",
                value: key,
            });
        }
        let day = |field: &'static str, v: &str| {
            NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| DomainError::InvalidValue {
                field,
                value: v.to_string(),
            })
        };
        if self.effective_on.trim().is_empty() {
            return Err(DomainError::Required {
                field: "effective_on",
            });
        }
        let effective_on = day("effective_on", &self.effective_on)?;
        let ends_on = match self.ends_on.trim() {
            "" => None,
            v => Some(day("ends_on", v)?),
        };
        if ends_on.is_some_and(|end| end < effective_on) {
            return Err(DomainError::InvalidValue {
                field: "ends_on",
                value: self.ends_on.clone(),
            });
        }
        Ok(EditionFields {
            name: text("name", &self.name, 100, true)?,
            key,
            edition: Edition {
                edition: text("edition", &self.edition, 60, true)?,
                effective_on: Some(effective_on),
                ends_on,
                successor: String::new(),
            },
        })
    }
}

/// The kind of place a composite judgement is made for (GB 35181-2017 3.x terms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKind {
    /// 人员密集场所
    Crowded,
    /// 易燃易爆危险品场所
    Flammable,
    /// 其他场所
    Other,
}

impl PlaceKind {
    /// The place an enterprise is judged as, from its register flags: a crowded place (人员密集
    /// 场所) first; an enterprise flagged for key hazardous chemicals (两重点一重大) as a place of
    /// flammable and explosive goods; otherwise another place. The register has no flag for
    /// GB 35181's 重要场所, so such a place is judged as another place unless it is crowded.
    pub fn of_enterprise(crowded_place: bool, key_hazardous_chemicals: bool) -> Self {
        if crowded_place {
            PlaceKind::Crowded
        } else if key_hazardous_chemicals {
            PlaceKind::Flammable
        } else {
            PlaceKind::Other
        }
    }
}

/// A composite-judgement rule: for a place, how many of which elements make a major hazard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompositeCondition {
    pub places: &'static [PlaceKind],
    /// The clauses that count; empty = any composite element.
    pub clauses: &'static [&'static str],
    /// 以上 includes the number itself.
    pub at_least: usize,
    /// How it reads, for the hazard's basis.
    pub reads: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompositeRule {
    /// The edition the rule belongs to, e.g. `GB 35181-2017`.
    pub edition: &'static str,
    /// Where the rule stands in the standard, e.g. `5.3.3`.
    pub clause: &'static str,
    pub conditions: &'static [CompositeCondition],
}

/// GB 35181-2017 §5.3.3: a crowded place with 3 or more of the elements of 7.3.1–7.3.9, 7.5 and
/// 7.9.3; a place of flammable and explosive goods with 3 or more of 7.1.1–7.1.3, 7.4.5 and
/// 7.4.6; a crowded, flammable-goods or important place with any 4 or more; another place with
/// any 6 or more. "以上" includes the number.
pub const GB35181_2017: CompositeRule = CompositeRule {
    edition: "GB 35181-2017",
    clause: "5.3.3",
    conditions: &[
        CompositeCondition {
            places: &[PlaceKind::Crowded],
            clauses: &[
                "7.3.1", "7.3.2", "7.3.3", "7.3.4", "7.3.5", "7.3.6", "7.3.7", "7.3.8", "7.3.9",
                "7.5", "7.9.3",
            ],
            at_least: 3,
            reads: "人员密集场所存在7.3.1～7.3.9、7.5、7.9.3所列要素3项以上",
        },
        CompositeCondition {
            places: &[PlaceKind::Flammable],
            clauses: &["7.1.1", "7.1.2", "7.1.3", "7.4.5", "7.4.6"],
            at_least: 3,
            reads: "易燃易爆危险品场所存在7.1.1～7.1.3、7.4.5、7.4.6所列要素3项以上",
        },
        CompositeCondition {
            places: &[PlaceKind::Crowded, PlaceKind::Flammable],
            clauses: &[],
            at_least: 4,
            reads: "人员密集场所、易燃易爆危险品场所存在综合判定要素4项以上",
        },
        CompositeCondition {
            places: &[PlaceKind::Other],
            clauses: &[],
            at_least: 6,
            reads: "其他场所存在综合判定要素6项以上",
        },
    ],
};

/// The composite rule of an edition, where the system knows it. An edition whose rule is not
/// known cannot carry composite elements (its import is refused), so nothing is judged by a
/// guessed threshold.
pub fn composite_rule(edition: &str) -> Option<&'static CompositeRule> {
    [&GB35181_2017]
        .into_iter()
        .find(|r| r.edition == edition.trim())
}

/// The outcome of counting the composite elements found at one inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompositeVerdict {
    /// Composite elements found (failed).
    pub count: usize,
    /// The condition met, if any: then the elements together are one major hazard.
    pub met: Option<CompositeCondition>,
}

impl CompositeRule {
    /// Counts the failed composite elements `found` (their clauses) for a place of `place`.
    pub fn judge(&self, place: PlaceKind, found: &[&str]) -> CompositeVerdict {
        let met = self
            .conditions
            .iter()
            .filter(|c| c.places.contains(&place))
            .find(|c| {
                let counted = found
                    .iter()
                    .filter(|clause| c.clauses.is_empty() || c.clauses.contains(&clause.trim()))
                    .count();
                counted >= c.at_least
            })
            .copied();
        CompositeVerdict {
            count: found.len(),
            met,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn an_edition_is_usable_from_its_first_to_its_last_day() {
        let gb2017 = Edition {
            edition: "GB 35181-2017".into(),
            effective_on: Some(d("2018-07-01")),
            ends_on: Some(d("2025-10-31")),
            successor: "GB 35181-2025".into(),
        };
        assert_eq!(gb2017.usable_on(d("2025-10-31")), Ok(()));
        assert_eq!(gb2017.usable_on(d("2018-07-01")), Ok(()));
        assert_eq!(
            gb2017.usable_on(d("2025-11-01")),
            Err(EditionRefusal::Superseded {
                ends_on: d("2025-10-31")
            })
        );
        assert_eq!(
            gb2017.usable_on(d("2018-06-30")),
            Err(EditionRefusal::NotYetInForce {
                effective_on: d("2018-07-01")
            })
        );
        assert!(gb2017.superseded(d("2026-01-01")));
        assert!(!gb2017.superseded(d("2025-10-31")));
        let open = Edition::default();
        assert_eq!(open.usable_on(d("1990-01-01")), Ok(()));
        assert!(!open.superseded(d("2099-01-01")));
    }

    #[test]
    fn an_imported_edition_needs_a_key_a_start_and_an_end_after_it() {
        let input = EditionInput {
            name: "重大火灾隐患判定规则".into(),
            key: "zhongda-huozai-gb35181".into(),
            edition: "GB 35181-2025".into(),
            effective_on: "2025-11-01".into(),
            ends_on: String::new(),
        };
        let f = input.validate().unwrap();
        assert_eq!(f.edition.effective_on, Some(d("2025-11-01")));
        assert_eq!(f.edition.ends_on, None);
        for bad in [
            EditionInput {
                key: "GB 35181".into(),
                ..input.clone()
            },
            EditionInput {
                effective_on: String::new(),
                ..input.clone()
            },
            EditionInput {
                effective_on: "2025-13-01".into(),
                ..input.clone()
            },
            EditionInput {
                ends_on: "2025-10-31".into(),
                ..input.clone()
            },
            EditionInput {
                edition: " ".into(),
                ..input.clone()
            },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn places_follow_the_register_flags() {
        assert_eq!(PlaceKind::of_enterprise(true, true), PlaceKind::Crowded);
        assert_eq!(PlaceKind::of_enterprise(false, true), PlaceKind::Flammable);
        assert_eq!(PlaceKind::of_enterprise(false, false), PlaceKind::Other);
    }

    #[test]
    fn the_2017_thresholds_table() {
        let rule = composite_rule("GB 35181-2017").unwrap();
        use PlaceKind::*;
        // (place, elements found, major?)
        let table: &[(PlaceKind, &[&str], bool)] = &[
            (Crowded, &["7.3.6", "7.5"], false),
            (Crowded, &["7.3.6", "7.5", "7.3.1"], true),
            (Crowded, &["7.3.6", "7.5", "7.1.1"], false),
            (Crowded, &["7.3.6", "7.1.1", "7.1.2", "7.2.2"], true),
            (Flammable, &["7.1.1", "7.1.2", "7.4.6"], true),
            (Flammable, &["7.3.6", "7.5", "7.3.1"], false),
            (Flammable, &["7.3.6", "7.5", "7.3.1", "7.2.1"], true),
            (Other, &["7.1.1", "7.1.2", "7.1.3", "7.2.1", "7.2.2"], false),
            (
                Other,
                &["7.1.1", "7.1.2", "7.1.3", "7.2.1", "7.2.2", "7.2.3"],
                true,
            ),
            (Other, &["7.3.1", "7.3.2", "7.3.3", "7.3.4"], false),
            (Crowded, &[], false),
        ];
        for (place, found, major) in table {
            let verdict = rule.judge(*place, found);
            assert_eq!(verdict.count, found.len());
            assert_eq!(verdict.met.is_some(), *major, "{place:?} {found:?}");
        }
        assert!(composite_rule("GB 35181-2025").is_none());
    }

    proptest! {
        /// One more element never turns a major verdict back into none, for any place.
        #[test]
        fn more_elements_never_lower_the_verdict(
            picks in proptest::collection::vec(0usize..14, 0..10),
            extra in 0usize..14,
            place in 0usize..3,
        ) {
            const CLAUSES: [&str; 14] = ["7.1.1", "7.1.2", "7.1.3", "7.1.4", "7.2.1", "7.2.2",
                "7.2.3", "7.3.1", "7.3.5", "7.3.6", "7.3.7", "7.4.6", "7.5", "7.7.2"];
            let place = [PlaceKind::Crowded, PlaceKind::Flammable, PlaceKind::Other][place];
            let mut found: Vec<&str> = picks.iter().map(|i| CLAUSES[*i]).collect();
            found.sort_unstable();
            found.dedup();
            let before = GB35181_2017.judge(place, &found).met.is_some();
            if !found.contains(&CLAUSES[extra]) {
                found.push(CLAUSES[extra]);
            }
            let after = GB35181_2017.judge(place, &found).met.is_some();
            prop_assert!(!before || after);
            // Below the lowest threshold nothing is major; at any six everything is.
            prop_assert_eq!(GB35181_2017.judge(place, &found[..found.len().min(2)]).met, None);
            if found.len() >= 6 {
                prop_assert!(after);
            }
        }
    }
}
