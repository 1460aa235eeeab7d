//! Which hazards await a person's step — the to-do lists of the home page and the ledger's
//! "awaiting my step" filter. Nothing here restates who may do what: each answer is found by
//! asking [`decide`] about a representative hazard of every kind (level × listing), so the
//! lists follow the lifecycle rules wherever those rules change.

use super::{Action, ActorFacts, HazardFacts, HazardLevel, HazardState, TransitionError, decide};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A lifecycle step a hazard can wait for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HazardStep {
    /// Reported, to be confirmed (a major hazard with its 五落实 plan) or rejected.
    Confirm,
    /// Under rectification, the work to be done and submitted.
    Submit,
    /// Rectified, awaiting acceptance (销号).
    Accept,
    /// A request to move the deadline, to be granted or refused.
    DecideExtension,
}

impl HazardStep {
    pub const ALL: &'static [HazardStep] = &[
        HazardStep::Confirm,
        HazardStep::Submit,
        HazardStep::Accept,
        HazardStep::DecideExtension,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HazardStep::Confirm => "confirm",
            HazardStep::Submit => "submit",
            HazardStep::Accept => "accept",
            HazardStep::DecideExtension => "decide_extension",
        }
    }

    pub fn parse(s: &str) -> Option<HazardStep> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// The state a hazard waiting for this step is in.
    pub fn state(self) -> HazardState {
        match self {
            HazardStep::Confirm => HazardState::Reported,
            HazardStep::Submit | HazardStep::DecideExtension => HazardState::Rectifying,
            HazardStep::Accept => HazardState::AwaitingAcceptance,
        }
    }

    /// Only a hazard with a pending extension request waits for a decision on it.
    pub fn needs_pending_extension(self) -> bool {
        self == HazardStep::DecideExtension
    }

    /// The action that takes the step, with empty content (only who may fire it matters).
    fn probe(self) -> Action {
        match self {
            HazardStep::Confirm => Action::Confirm {
                plan: None,
                deadline: None,
                note: String::new(),
            },
            HazardStep::Submit => Action::Submit {
                evidence: vec![],
                note: String::new(),
            },
            HazardStep::Accept => Action::Accept {
                evidence: vec![],
                note: String::new(),
            },
            HazardStep::DecideExtension => Action::DecideExtension {
                approve: false,
                note: String::new(),
            },
        }
    }
}

/// How a hazard stands towards supervision listing (挂牌督办), from the actor's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListingClass {
    Unlisted,
    /// Listed by the actor's own office.
    ByOwnOffice,
    /// Listed by another office.
    ByOtherOffice,
}

impl ListingClass {
    pub const ALL: &'static [ListingClass] = &[
        ListingClass::Unlisted,
        ListingClass::ByOwnOffice,
        ListingClass::ByOtherOffice,
    ];
}

/// Which of the hazard's handlers the actor must not be for the step (four eyes, 四眼原则).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct NotHandledBy {
    pub reporter: bool,
    pub planner: bool,
    pub rectifier: bool,
}

impl NotHandledBy {
    pub fn any(self) -> bool {
        self.reporter || self.planner || self.rectifier
    }
}

/// One kind of hazard the actor may take a step on: of this level, listed so, and (where the
/// four-eyes rule applies) not handled by the actor in the named ways.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepClass {
    pub level: HazardLevel,
    /// The listings admitted (never empty).
    pub listings: Vec<ListingClass>,
    pub not_handled_by: NotHandledBy,
}

fn permitted(result: Result<super::Outcome, TransitionError>) -> bool {
    // Refused only for missing content (the empty probe), the step is still the actor's.
    matches!(result, Ok(_) | Err(TransitionError::Invalid(_)))
}

/// The kinds of hazard on which `actor` (as it stands towards every hazard of its scope) may
/// take `step`; empty when the step is never theirs.
pub fn step_classes(
    step: HazardStep,
    actor: &ActorFacts,
    user_id: i64,
    today: NaiveDate,
) -> Vec<StepClass> {
    let other_office = if actor.org_id == i64::MAX {
        actor.org_id - 1
    } else {
        actor.org_id + 1
    };
    let action = step.probe();
    let mut classes = Vec::new();
    for level in HazardLevel::ALL {
        let facts = |listing: ListingClass| HazardFacts {
            state: step.state(),
            level: *level,
            deadline: None,
            has_plan: step != HazardStep::Confirm,
            listing_office: match listing {
                ListingClass::Unlisted => None,
                ListingClass::ByOwnOffice => Some(actor.org_id),
                ListingClass::ByOtherOffice => Some(other_office),
            },
            pending_extension: step.needs_pending_extension(),
            reported_by: None,
            planned_by: None,
            rectified_by: None,
        };
        let listings: Vec<ListingClass> = ListingClass::ALL
            .iter()
            .copied()
            .filter(|l| permitted(decide(&facts(*l), actor, &action, user_id, today)))
            .collect();
        let Some(first) = listings.first().copied() else {
            continue;
        };
        // Would handling the hazard oneself take the step away?
        let refused_when = |f: HazardFacts| !permitted(decide(&f, actor, &action, user_id, today));
        let me = Some(user_id);
        let not_handled_by = NotHandledBy {
            reporter: refused_when(HazardFacts {
                reported_by: me,
                ..facts(first)
            }),
            planner: refused_when(HazardFacts {
                planned_by: me,
                ..facts(first)
            }),
            rectifier: refused_when(HazardFacts {
                rectified_by: me,
                ..facts(first)
            }),
        };
        classes.push(StepClass {
            level: *level,
            listings,
            not_handled_by,
        });
    }
    classes
}

/// The steps that make a person's to-do list: every step they may take, except rectifying on
/// an enterprise's behalf — rectification is the enterprise's own work, which anyone else only
/// records for it (see `needs_reason_on_behalf`).
pub fn todo_steps(actor: &ActorFacts) -> Vec<HazardStep> {
    HazardStep::ALL
        .iter()
        .copied()
        .filter(|s| *s != HazardStep::Submit || actor.enterprise_member())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Role;

    fn actor(role: Role, own_enterprise: bool, assigned_expert: bool) -> ActorFacts {
        ActorFacts {
            role,
            org_id: 7,
            own_enterprise,
            assigned_expert,
        }
    }

    fn levels(classes: &[StepClass]) -> Vec<HazardLevel> {
        classes.iter().map(|c| c.level).collect()
    }

    const TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2026, 3, 1) {
        Some(d) => d,
        None => panic!(),
    };

    #[test]
    fn each_role_awaits_the_steps_the_lifecycle_gives_it() {
        use HazardLevel::*;
        use HazardStep::*;
        let manager = actor(Role::EnterpriseSafetyManager, true, false);
        let staff = actor(Role::EnterpriseStaff, true, false);
        let street = actor(Role::TerritorialClerk, false, false);
        let regulator = actor(Role::RegulatorClerk, false, false);
        let expert = actor(Role::Expert, false, true);
        let leader = actor(Role::Leader, false, false);
        // (who, step, levels it may take the step on)
        let table: &[(&ActorFacts, HazardStep, &[HazardLevel])] = &[
            (&manager, Confirm, &[General, Major]),
            (&manager, Submit, &[General, Major]),
            (&manager, Accept, &[General]),
            (&manager, DecideExtension, &[]),
            (&staff, Confirm, &[]),
            (&staff, Submit, &[General, Major]),
            (&street, Confirm, &[General, Major]),
            (&street, Accept, &[General]),
            (&street, DecideExtension, &[General]),
            (&regulator, Accept, &[General, Major]),
            (&regulator, DecideExtension, &[General, Major]),
            (&expert, Confirm, &[General, Major]),
            (&expert, Accept, &[General, Major]),
            (&expert, Submit, &[]),
            (&leader, Confirm, &[]),
            (&leader, Accept, &[]),
            (&leader, DecideExtension, &[]),
        ];
        for (who, step, expected) in table {
            assert_eq!(
                levels(&step_classes(*step, who, 1, TODAY)),
                expected.to_vec(),
                "{:?} {step:?}",
                who.role
            );
        }
    }

    #[test]
    fn rectifying_is_on_the_enterprise_list_only() {
        let manager = actor(Role::EnterpriseSafetyManager, true, false);
        let street = actor(Role::TerritorialClerk, false, false);
        assert!(todo_steps(&manager).contains(&HazardStep::Submit));
        assert!(!todo_steps(&street).contains(&HazardStep::Submit));
        assert!(todo_steps(&street).contains(&HazardStep::Accept));
    }

    #[test]
    fn acceptance_excludes_what_the_actor_handled_and_other_offices_listings() {
        let regulator = actor(Role::RegulatorClerk, false, false);
        let classes = step_classes(HazardStep::Accept, &regulator, 1, TODAY);
        for class in &classes {
            // A listed hazard is accepted by its listing office only.
            assert_eq!(
                class.listings,
                vec![ListingClass::Unlisted, ListingClass::ByOwnOffice]
            );
            assert_eq!(
                class.not_handled_by,
                NotHandledBy {
                    reporter: true,
                    planner: true,
                    rectifier: true
                }
            );
        }
        // A street office may not accept listed hazards at all (it does not list).
        let street = actor(Role::TerritorialClerk, false, false);
        let classes = step_classes(HazardStep::Accept, &street, 1, TODAY);
        assert_eq!(classes[0].listings, vec![ListingClass::Unlisted]);
        // Confirming is no acceptance: the four-eyes rule does not apply, nor the listing.
        let classes = step_classes(HazardStep::Confirm, &street, 1, TODAY);
        assert!(classes.iter().all(|c| !c.not_handled_by.any()));
        assert!(classes.iter().all(|c| c.listings.len() == 3));
    }
}
