//! Correcting what was recorded about a hazard: its title, description, place, category and
//! level. Nothing is overwritten silently: a correction names its reason, is made on the
//! version the person read, and its audit entry keeps each changed field before and after.
//!
//! Who may correct what, by state (the same answer shows the page's form and refuses a request):
//!
//! | who | reported | rectifying, awaiting acceptance | closed | rejected |
//! |---|---|---|---|---|
//! | its reporter; its enterprise's principal or safety manager | fields, upgrade | — | reopen first | — |
//! | a government office's clerk (street, district, regulator, committee office, admin) | fields, upgrade | fields, upgrade | reopen first | — |
//! | an expert assigned to its enterprise | fields, upgrade | fields, upgrade | reopen first | — |
//! | a regulator's or the safety committee office's clerk (the listing office's, if listed) | downgrade | downgrade | reopen first | — |
//!
//! "fields" are title, description, place and category; "upgrade" is general → major (an
//! expert judging a hazard major is routine); "downgrade" is major → general, kept to the
//! offices that verify and supervise major hazards, since it takes a hazard off the
//! major-hazard path and off every dashboard's count of majors.

use super::{ActorFacts, HazardFacts, HazardLevel, HazardState, TransitionError, check_category};
use crate::enterprise::text;
use crate::{DomainError, Role};
use serde::{Deserialize, Serialize};

/// A correction as sent: the fields to change (absent ones stay as they are), why, and the
/// version of the hazard it was made on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HazardCorrection {
    /// The hazard's `version` as read. A hazard changed since (by a transition or another
    /// correction) refuses the correction with 409 `stale_version`, and nothing changes.
    pub expected_version: i64,
    /// Why it is corrected (required): kept in the audit log and shown in the history.
    pub reason: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub place: Option<String>,
    /// GB/T 13861 code, e.g. 21 or 43.
    #[serde(default)]
    pub category: Option<String>,
    /// general | major
    #[serde(default)]
    pub level: Option<String>,
}

/// The correctable fields of a hazard as they stand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectableFields {
    pub title: String,
    pub description: String,
    pub place: String,
    pub category: String,
    pub level: HazardLevel,
}

/// One changed field, before and after (the level as `general` / `major`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// What a correction does to the level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelChange {
    Unchanged,
    /// general → major
    Upgrade,
    /// major → general
    Downgrade,
}

/// A checked correction: the fields as they will be, what changed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub fields: CorrectableFields,
    /// Only the fields whose value changes, in the order title, description, place, category, level.
    pub changes: Vec<FieldChange>,
    pub level: LevelChange,
    pub reason: String,
}

/// What a permitted correction does beyond the fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionOutcome {
    pub state: HazardState,
    /// Upgraded to major while in rectification without a five-element plan (五落实): it goes
    /// back to `reported`, its deadline and any pending extension request are cleared, and it
    /// moves on only when confirmed with a plan, as every major hazard does.
    pub replan: bool,
    /// Upgraded to major: the offices over it are told at once, as of a major hazard recorded.
    pub notify_major: bool,
}

/// What the caller may correct of a hazard now, for showing the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrectionRights {
    /// Title, description, place and category.
    pub fields: bool,
    pub upgrade: bool,
    pub downgrade: bool,
}

impl CorrectionRights {
    pub fn any(&self) -> bool {
        self.fields || self.upgrade || self.downgrade
    }
}

impl HazardCorrection {
    /// Checks each field sent by the rules of a report and keeps those that change. A
    /// correction that changes nothing is refused (`required`, field `correction`).
    pub fn validate(&self, current: &CorrectableFields) -> Result<Correction, DomainError> {
        let reason = text("reason", &self.reason, 1000, true)?;
        let mut fields = current.clone();
        let mut changes = Vec::new();
        let mut change = |field: &'static str, before: &mut String, after: String| {
            if *before != after {
                changes.push(FieldChange {
                    field,
                    before: std::mem::replace(before, after.clone()),
                    after,
                });
            }
        };
        if let Some(title) = &self.title {
            change("title", &mut fields.title, text("title", title, 100, true)?);
        }
        if let Some(description) = &self.description {
            let value = text("description", description, 4000, false)?;
            change("description", &mut fields.description, value);
        }
        if let Some(place) = &self.place {
            change(
                "place",
                &mut fields.place,
                text("place", place, 200, false)?,
            );
        }
        if let Some(category) = &self.category {
            change("category", &mut fields.category, check_category(category)?);
        }
        let mut level = LevelChange::Unchanged;
        if let Some(raw) = &self.level {
            let new = HazardLevel::parse(raw.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "level",
                value: raw.clone(),
            })?;
            if new != current.level {
                level = if new == HazardLevel::Major {
                    LevelChange::Upgrade
                } else {
                    LevelChange::Downgrade
                };
                changes.push(FieldChange {
                    field: "level",
                    before: current.level.as_str().to_string(),
                    after: new.as_str().to_string(),
                });
                fields.level = new;
            }
        }
        if changes.is_empty() {
            return Err(DomainError::Required {
                field: "correction",
            });
        }
        Ok(Correction {
            fields,
            changes,
            level,
            reason,
        })
    }
}

/// May downgrade a major hazard to general: the clerks of the offices that verify major
/// hazards' closure and list them for supervision (a regulator, the safety committee office).
/// Not a street office, not an expert, not the enterprise: a downgrade takes the hazard off
/// the major-hazard path (plan, acceptance by a regulator) and off the dashboards' majors.
fn may_downgrade_major(role: Role) -> bool {
    matches!(role, Role::RegulatorClerk | Role::CommitteeClerk)
}

fn refuse(actor: &ActorFacts, rule: &'static str) -> TransitionError {
    TransitionError::NotPermitted {
        action: "correct",
        role: actor.role.as_str(),
        rule,
    }
}

/// Whether `actor` (user `user_id`) may make a correction of this kind to this hazard now:
/// `descriptive` when it changes title, description, place or category. See the module's table.
pub fn may_correct(
    hazard: &HazardFacts,
    actor: &ActorFacts,
    user_id: i64,
    descriptive: bool,
    level: LevelChange,
) -> Result<(), TransitionError> {
    match hazard.state {
        HazardState::Closed => return Err(TransitionError::ReopenFirst),
        HazardState::Rejected => {
            return Err(TransitionError::WrongState {
                action: "correct",
                state: HazardState::Rejected.as_str(),
            });
        }
        HazardState::Reported | HazardState::Rectifying | HazardState::AwaitingAcceptance => {}
    }
    // While only reported, whoever recorded it (or the enterprise's managers) may still put
    // it right; once rectification is under way, the supervising offices and the experts.
    let recorder = hazard.state == HazardState::Reported
        && (hazard.reported_by == Some(user_id) || actor.enterprise_manager());
    let office = actor.role.is_clerk();
    let expert = actor.role == Role::Expert && actor.assigned_expert;
    if (descriptive || level == LevelChange::Upgrade) && !(recorder || office || expert) {
        return Err(refuse(actor, "correct_by_reporter_or_office"));
    }
    if level == LevelChange::Downgrade {
        let listing_ok = hazard.listing_office.is_none_or(|o| o == actor.org_id);
        if !(may_downgrade_major(actor.role) && listing_ok) {
            return Err(refuse(actor, "major_downgraded_by_regulator"));
        }
    }
    Ok(())
}

/// Decides a correction. Pure: the state first (a closed hazard is reopened, not edited), then
/// the content, then who may make it.
pub fn correct(
    hazard: &HazardFacts,
    current: &CorrectableFields,
    actor: &ActorFacts,
    user_id: i64,
    input: &HazardCorrection,
) -> Result<(Correction, CorrectionOutcome), TransitionError> {
    // The state rule is answered before the content, so a closed hazard always gives the
    // reopen hint.
    may_correct(hazard, actor, user_id, false, LevelChange::Unchanged).or_else(|e| match e {
        TransitionError::NotPermitted { .. } => Ok(()),
        other => Err(other),
    })?;
    let correction = input.validate(current)?;
    let descriptive = correction.changes.iter().any(|c| c.field != "level");
    may_correct(hazard, actor, user_id, descriptive, correction.level)?;
    let upgrade = correction.level == LevelChange::Upgrade;
    let replan = upgrade && hazard.state != HazardState::Reported && !hazard.has_plan;
    let outcome = CorrectionOutcome {
        state: if replan {
            HazardState::Reported
        } else {
            hazard.state
        },
        replan,
        notify_major: upgrade,
    };
    Ok((correction, outcome))
}

/// What the caller may correct now: each kind probed with [`may_correct`].
pub fn correction_rights(
    hazard: &HazardFacts,
    actor: &ActorFacts,
    user_id: i64,
) -> CorrectionRights {
    let ok = |descriptive, level| may_correct(hazard, actor, user_id, descriptive, level).is_ok();
    CorrectionRights {
        fields: ok(true, LevelChange::Unchanged),
        upgrade: hazard.level == HazardLevel::General && ok(false, LevelChange::Upgrade),
        downgrade: hazard.level == HazardLevel::Major && ok(false, LevelChange::Downgrade),
    }
}

#[cfg(test)]
mod tests;
