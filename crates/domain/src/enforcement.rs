//! Law enforcement (执法): cases filed, fines, suspension for rectification (停产整顿, which sets
//! the enterprise's status), blacklist entry and exit, referral to judicial organs. And the two
//! flags the seeds demand be put before the clerk: a repeat offender, and refused or overdue
//! rectification, for which the seeds ask the maximum penalty (顶格处罚).

use crate::DomainError;
use crate::enterprise::{EnterpriseStatus, text};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

text_enum!(EnforcementKind {
    CaseFiled => "case_filed",
    Fine => "fine",
    Suspension => "suspension",
    SuspensionLifted => "suspension_lifted",
    BlacklistEntry => "blacklist_entry",
    BlacklistExit => "blacklist_exit",
    JudicialReferral => "judicial_referral",
});

impl EnforcementKind {
    /// The status the enterprise takes on, if the action changes it.
    pub fn sets_status(self) -> Option<EnterpriseStatus> {
        match self {
            EnforcementKind::Suspension => Some(EnterpriseStatus::Suspended),
            EnforcementKind::SuspensionLifted => Some(EnterpriseStatus::Operating),
            _ => None,
        }
    }

    /// Counts as a penalty for the repeat-offender rule.
    pub fn is_penalty(self) -> bool {
        matches!(
            self,
            EnforcementKind::CaseFiled | EnforcementKind::Fine | EnforcementKind::Suspension
        )
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnforcementInput {
    pub enterprise_id: i64,
    /// case_filed | fine | suspension | suspension_lifted | blacklist_entry | blacklist_exit | judicial_referral
    pub kind: String,
    /// YYYY-MM-DD
    pub decided_on: String,
    /// Fines only, in yuan.
    pub amount_yuan: Option<i64>,
    /// The decision's document number (行政处罚决定书文号 …).
    pub doc_number: String,
    /// The legal basis, e.g. 《安全生产法》第一百零二条.
    pub basis: String,
    pub note: String,
    /// The inspection it follows from, if any.
    pub inspection_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnforcementFields {
    pub enterprise_id: i64,
    pub kind: EnforcementKind,
    pub decided_on: NaiveDate,
    pub amount_yuan: Option<i64>,
    pub doc_number: String,
    pub basis: String,
    pub note: String,
    pub inspection_id: Option<i64>,
}

impl EnforcementInput {
    pub fn validate(&self, today: NaiveDate) -> Result<EnforcementFields, DomainError> {
        let kind =
            EnforcementKind::parse(self.kind.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "kind",
                value: self.kind.clone(),
            })?;
        let decided_on = NaiveDate::parse_from_str(self.decided_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today)
            .ok_or_else(|| DomainError::InvalidValue {
                field: "decided_on",
                value: self.decided_on.clone(),
            })?;
        let amount_yuan = match (kind, self.amount_yuan) {
            (EnforcementKind::Fine, Some(a)) if a > 0 && a <= 100_000_000 => Some(a),
            (EnforcementKind::Fine, Some(a)) => {
                return Err(DomainError::InvalidValue {
                    field: "amount_yuan",
                    value: a.to_string(),
                });
            }
            (EnforcementKind::Fine, None) => {
                return Err(DomainError::Required {
                    field: "amount_yuan",
                });
            }
            (_, _) => None,
        };
        let basis_required = !matches!(
            kind,
            EnforcementKind::SuspensionLifted | EnforcementKind::BlacklistExit
        );
        Ok(EnforcementFields {
            enterprise_id: self.enterprise_id,
            kind,
            decided_on,
            amount_yuan,
            doc_number: text("doc_number", &self.doc_number, 60, false)?,
            basis: text("basis", &self.basis, 300, basis_required)?,
            note: crate::campaign::input::long_text("note", &self.note, 2000, false)?,
            inspection_id: self.inspection_id,
        })
    }
}

/// What the clerk is told before deciding on an enterprise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EnforcementFlags {
    /// Penalised (case, fine, suspension) within the year before `today`.
    pub repeat_offender: bool,
    pub prior_penalties: usize,
    /// Open hazards past their deadline, or notices whose deadline passed with hazards open.
    pub overdue_rectification: usize,
    /// The seeds' rule: refused or overdue rectification → the maximum penalty (顶格处罚).
    pub maximum_penalty: bool,
    pub blacklisted: bool,
}

/// Derives the flags from the enterprise's past actions (kind, date, in order) and its count of
/// overdue rectifications.
pub fn flags(
    history: &[(EnforcementKind, NaiveDate)],
    overdue_rectification: usize,
    today: NaiveDate,
) -> EnforcementFlags {
    let year_ago = today - Duration::days(365);
    let prior_penalties = history
        .iter()
        .filter(|(k, d)| k.is_penalty() && *d > year_ago && *d <= today)
        .count();
    let blacklisted = history
        .iter()
        .rfind(|(k, _)| {
            matches!(
                k,
                EnforcementKind::BlacklistEntry | EnforcementKind::BlacklistExit
            )
        })
        .is_some_and(|(k, _)| *k == EnforcementKind::BlacklistEntry);
    EnforcementFlags {
        repeat_offender: prior_penalties > 0,
        prior_penalties,
        overdue_rectification,
        maximum_penalty: overdue_rectification > 0,
        blacklisted,
    }
}

/// Is `kind` allowed given the enterprise's current state? Suspending a suspended enterprise,
/// lifting a suspension that is not in force, entering the blacklist twice or leaving it
/// without being on it are refused.
pub fn check_transition(
    kind: EnforcementKind,
    status: EnterpriseStatus,
    blacklisted: bool,
) -> Result<(), &'static str> {
    match kind {
        EnforcementKind::Suspension if status == EnterpriseStatus::Suspended => {
            Err("already_suspended")
        }
        EnforcementKind::Suspension if status == EnterpriseStatus::Closed => {
            Err("enterprise_closed")
        }
        EnforcementKind::SuspensionLifted if status != EnterpriseStatus::Suspended => {
            Err("not_suspended")
        }
        EnforcementKind::BlacklistEntry if blacklisted => Err("already_blacklisted"),
        EnforcementKind::BlacklistExit if !blacklisted => Err("not_blacklisted"),
        _ => Ok(()),
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
    fn a_fine_needs_its_amount_and_a_basis() {
        let today = d("2026-11-23");
        let fine = EnforcementInput {
            enterprise_id: 1,
            kind: "fine".into(),
            decided_on: "2026-11-20".into(),
            amount_yuan: Some(50_000),
            basis: "《安全生产法》第一百零二条".into(),
            ..Default::default()
        };
        assert!(fine.validate(today).is_ok());
        assert_eq!(
            EnforcementInput {
                amount_yuan: None,
                ..fine.clone()
            }
            .validate(today),
            Err(DomainError::Required {
                field: "amount_yuan"
            })
        );
        assert!(
            EnforcementInput {
                amount_yuan: Some(0),
                ..fine.clone()
            }
            .validate(today)
            .is_err()
        );
        assert!(
            EnforcementInput {
                basis: String::new(),
                ..fine.clone()
            }
            .validate(today)
            .is_err()
        );
        assert!(
            EnforcementInput {
                decided_on: "2026-11-24".into(),
                ..fine
            }
            .validate(today)
            .is_err()
        );
    }

    #[test]
    fn repeat_offenders_and_overdue_rectification_are_flagged() {
        let today = d("2026-11-23");
        let history = [
            (EnforcementKind::Fine, d("2025-06-01")),
            (EnforcementKind::CaseFiled, d("2026-03-01")),
            (EnforcementKind::BlacklistEntry, d("2026-03-02")),
        ];
        let f = flags(&history, 0, today);
        assert!(f.repeat_offender && f.blacklisted && !f.maximum_penalty);
        assert_eq!(
            f.prior_penalties, 1,
            "the 2025 fine is more than a year ago"
        );
        let f = flags(&[(EnforcementKind::Fine, d("2025-06-01"))], 2, today);
        assert!(!f.repeat_offender && f.maximum_penalty);
        let out = [
            (EnforcementKind::BlacklistEntry, d("2026-01-01")),
            (EnforcementKind::BlacklistExit, d("2026-06-01")),
        ];
        assert!(!flags(&out, 0, today).blacklisted);
    }

    #[test]
    fn suspensions_and_the_blacklist_follow_the_current_state() {
        use EnforcementKind::*;
        assert_eq!(
            EnforcementKind::Suspension.sets_status(),
            Some(EnterpriseStatus::Suspended)
        );
        assert_eq!(
            check_transition(Suspension, EnterpriseStatus::Suspended, false),
            Err("already_suspended")
        );
        assert_eq!(
            check_transition(SuspensionLifted, EnterpriseStatus::Operating, false),
            Err("not_suspended")
        );
        assert!(check_transition(SuspensionLifted, EnterpriseStatus::Suspended, false).is_ok());
        assert_eq!(
            check_transition(BlacklistEntry, EnterpriseStatus::Operating, true),
            Err("already_blacklisted")
        );
        assert_eq!(
            check_transition(BlacklistExit, EnterpriseStatus::Operating, false),
            Err("not_blacklisted")
        );
    }

    proptest! {
        /// Whatever happened, the blacklist flag is whether the last blacklist action was an entry.
        #[test]
        fn blacklisted_is_the_last_word(actions in proptest::collection::vec(0usize..7, 0..30)) {
            let today = d("2026-11-23");
            let history: Vec<(EnforcementKind, NaiveDate)> = actions.iter().enumerate()
                .map(|(i, k)| (EnforcementKind::ALL[*k], today - Duration::days(100 - i as i64))).collect();
            let last = history.iter().rev().find(|(k, _)| matches!(k, EnforcementKind::BlacklistEntry | EnforcementKind::BlacklistExit));
            prop_assert_eq!(flags(&history, 0, today).blacklisted, last.is_some_and(|(k, _)| *k == EnforcementKind::BlacklistEntry));
        }
    }
}
