//! The hazard lifecycle (DESIGN.md, "The hazard lifecycle — the spine") as a pure state
//! machine: which action may move a hazard from which state, who may fire it, and what it
//! changes. The store loads the facts, calls [`decide`], and writes the outcome together with
//! its audit entry.
//!
//! ```text
//! reported ──confirm──▶ rectifying ──submit──▶ awaiting_acceptance ──accept──▶ closed
//!    │                     ▲   │                       │
//!    └──reject──▶ rejected └───┴─extension (approved)   └──send_back──▶ rectifying
//! reported ──immediate_fix (立查立改, with evidence)──▶ awaiting_acceptance
//! closed ──reopen (with a reason, by who may accept it)──▶ rectifying
//! ```
//!
//! Corrections of what was recorded (title, description, place, category, level) are decided
//! in [`correct`].

mod correct;
mod input;
mod search;
mod steps;

pub use correct::{
    CorrectableFields, Correction, CorrectionOutcome, CorrectionRights, FieldChange,
    HazardCorrection, LevelChange, correct, correction_rights, may_correct,
};
pub use input::{HazardFields, HazardInput};
pub use search::{MAX_NAME_QUERY_CHARS, name_query, number_query, query_tokens, search_tokens};
pub use steps::{HazardStep, ListingClass, NotHandledBy, StepClass, step_classes, todo_steps};

use crate::enterprise::text;
use crate::{DomainError, Role};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

text_enum!(HazardState {
    Reported => "reported",
    Rectifying => "rectifying",
    AwaitingAcceptance => "awaiting_acceptance",
    Closed => "closed",
    Rejected => "rejected",
});

text_enum!(HazardLevel {
    General => "general",
    Major => "major",
});

text_enum!(HazardSource {
    SelfInspection => "self_inspection",
    DepartmentInspection => "department_inspection",
    Supervision => "supervision",
    UnannouncedVisit => "unannounced_visit",
    LawEnforcement => "law_enforcement",
    Tip => "tip",
    Expert => "expert",
});

/// GB/T 13861-2022 hazard factors: the four classes and their second-level groups.
pub const CATEGORIES: &[(&str, &str)] = &[
    ("1", "人的因素"),
    ("11", "心理、生理性危险和有害因素"),
    ("12", "行为性危险和有害因素"),
    ("2", "物的因素"),
    ("21", "物理性危险和有害因素"),
    ("22", "化学性危险和有害因素"),
    ("23", "生物性危险和有害因素"),
    ("3", "环境因素"),
    ("31", "室内作业场所环境不良"),
    ("32", "室外作业场地环境不良"),
    ("33", "地下（含水下）作业环境不良"),
    ("39", "其他作业环境不良"),
    ("4", "管理因素"),
    ("41", "职业安全卫生管理机构设置和人员配备不健全"),
    ("42", "职业安全卫生责任制不完善或未落实"),
    ("43", "职业安全卫生管理制度不完善或未落实"),
    ("44", "职业安全卫生投入不足"),
    ("45", "应急管理缺陷"),
    ("49", "其他管理因素缺陷"),
];

pub fn check_category(code: &str) -> Result<String, DomainError> {
    let code = code.trim();
    if CATEGORIES.iter().any(|(c, _)| *c == code) {
        Ok(code.to_string())
    } else {
        Err(DomainError::InvalidValue {
            field: "category",
            value: code.to_string(),
        })
    }
}

/// A rectification plan with the five elements (五落实) the 暂行规定 (安监总局令第16号, art. 15)
/// asks of a major hazard: responsible person, measures, funds, time limit, and safety and
/// emergency measures for the meantime.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RectificationPlan {
    pub responsible_person: String,
    pub measures: String,
    /// Funds in yuan.
    pub funds_yuan: Option<i64>,
    /// YYYY-MM-DD, China time.
    pub deadline: String,
    pub interim_measures: String,
}

impl RectificationPlan {
    /// Whether all five elements are filled in, whatever the deadline's date: a plan kept on a
    /// general hazard was never checked, and a major hazard may carry on under it only if so.
    pub fn has_five_elements(&self) -> bool {
        [
            &self.responsible_person,
            &self.measures,
            &self.deadline,
            &self.interim_measures,
        ]
        .iter()
        .all(|t| !t.trim().is_empty())
            && self.funds_yuan.is_some()
    }

    /// Checks all five elements; the first missing one is named.
    pub fn check(&self, today: NaiveDate) -> Result<NaiveDate, DomainError> {
        text(
            "plan.responsible_person",
            &self.responsible_person,
            50,
            true,
        )?;
        text("plan.measures", &self.measures, 2000, true)?;
        match self.funds_yuan {
            None => {
                return Err(DomainError::Required {
                    field: "plan.funds_yuan",
                });
            }
            Some(f) if !(0..=10_000_000_000).contains(&f) => {
                return Err(DomainError::InvalidValue {
                    field: "plan.funds_yuan",
                    value: f.to_string(),
                });
            }
            Some(_) => {}
        }
        let deadline = future_date("plan.deadline", &self.deadline, today)?;
        text("plan.interim_measures", &self.interim_measures, 2000, true)?;
        Ok(deadline)
    }
}

/// A calendar date that is today or later.
pub fn future_date(
    field: &'static str,
    value: &str,
    today: NaiveDate,
) -> Result<NaiveDate, DomainError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(DomainError::Required { field });
    }
    let date =
        NaiveDate::parse_from_str(value, "%Y-%m-%d").map_err(|_| DomainError::InvalidValue {
            field,
            value: value.to_string(),
        })?;
    if date < today {
        return Err(DomainError::DateInPast { field });
    }
    Ok(date)
}

/// Supervision listing (挂牌督办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Listing {
    pub office_org_id: i64,
    pub office_name: String,
    /// e.g. 区级 / 市级 / 省级
    pub level: String,
    pub date: String,
    pub letter_number: String,
}

/// A pending request to move the deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtensionRequest {
    pub new_deadline: String,
    pub reason: String,
    pub requested_by: i64,
}

/// What the machine needs to know about a hazard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HazardFacts {
    pub state: HazardState,
    pub level: HazardLevel,
    pub deadline: Option<NaiveDate>,
    /// It holds a rectification plan with all five elements (五落实).
    pub has_plan: bool,
    pub listing_office: Option<i64>,
    pub pending_extension: bool,
    /// The user who reported it; None where the row does not say (older records).
    pub reported_by: Option<i64>,
    /// The user who confirmed it with its plan or deadline.
    pub planned_by: Option<i64>,
    /// The user who submitted the rectification or fixed it on the spot.
    pub rectified_by: Option<i64>,
}

impl HazardFacts {
    /// Whether `user_id` reported, planned or rectified this hazard: such a user may not also
    /// accept it (four eyes, 四眼原则).
    pub fn handled_by(&self, user_id: i64) -> bool {
        [self.reported_by, self.planned_by, self.rectified_by].contains(&Some(user_id))
    }
}

/// What the machine needs to know about the person acting. Scope has already been checked
/// by the store (a hazard outside scope is not found at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorFacts {
    pub role: Role,
    pub org_id: i64,
    /// The hazard belongs to the actor's own enterprise.
    pub own_enterprise: bool,
    /// The actor is an expert assigned to the hazard's enterprise.
    pub assigned_expert: bool,
}

impl ActorFacts {
    fn enterprise_manager(&self) -> bool {
        self.own_enterprise
            && matches!(
                self.role,
                Role::EnterprisePrincipal | Role::EnterpriseSafetyManager
            )
    }
    fn enterprise_member(&self) -> bool {
        self.own_enterprise && self.role.is_enterprise_role()
    }
    fn government_clerk(&self) -> bool {
        matches!(
            self.role,
            Role::Admin
                | Role::CommitteeClerk
                | Role::RegulatorClerk
                | Role::TerritorialClerk
                | Role::GridSupervisor
        )
    }
    /// Who may accept a major hazard's rectification: a regulator clerk or an assigned expert.
    fn major_acceptor(&self) -> bool {
        self.role == Role::RegulatorClerk || (self.role == Role::Expert && self.assigned_expert)
    }
}

/// Every step of the lifecycle, with what it carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// reported → rectifying. A major hazard needs its plan (五落实); a general one a deadline.
    Confirm {
        #[serde(default)]
        plan: Option<RectificationPlan>,
        #[serde(default)]
        deadline: Option<String>,
        #[serde(default)]
        note: String,
    },
    /// reported → rejected: not a hazard.
    Reject { reason: String },
    /// reported → awaiting_acceptance: fixed on the spot (立查立改), with evidence.
    ImmediateFix {
        evidence: Vec<i64>,
        /// Required from anyone outside the hazard's own enterprise: why the fix is recorded
        /// on the enterprise's behalf.
        #[serde(default)]
        note: String,
    },
    /// rectifying → awaiting_acceptance, with evidence of the work.
    Submit {
        evidence: Vec<i64>,
        /// Required from anyone outside the hazard's own enterprise (a government clerk):
        /// why the rectification is submitted on the enterprise's behalf.
        #[serde(default)]
        note: String,
    },
    /// awaiting_acceptance → closed (销号).
    Accept {
        #[serde(default)]
        evidence: Vec<i64>,
        #[serde(default)]
        note: String,
    },
    /// awaiting_acceptance → rectifying.
    SendBack { reason: String },
    /// While rectifying: ask for a later deadline.
    RequestExtension {
        new_deadline: String,
        reason: String,
    },
    /// While rectifying with a request pending: grant or refuse it.
    DecideExtension {
        approve: bool,
        #[serde(default)]
        note: String,
    },
    /// closed → rectifying: the closure (销号) was wrong, or what was recorded must be
    /// corrected; by whoever may accept the hazard, never by who handled it.
    Reopen { reason: String },
}

impl Action {
    pub fn name(&self) -> &'static str {
        match self {
            Action::Confirm { .. } => "confirm",
            Action::Reject { .. } => "reject",
            Action::ImmediateFix { .. } => "immediate_fix",
            Action::Submit { .. } => "submit",
            Action::Accept { .. } => "accept",
            Action::SendBack { .. } => "send_back",
            Action::RequestExtension { .. } => "request_extension",
            Action::DecideExtension { .. } => "decide_extension",
            Action::Reopen { .. } => "reopen",
        }
    }

    pub fn evidence(&self) -> &[i64] {
        match self {
            Action::ImmediateFix { evidence, .. }
            | Action::Submit { evidence, .. }
            | Action::Accept { evidence, .. } => evidence,
            _ => &[],
        }
    }
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TransitionError {
    /// Not possible from the current state (HTTP 409).
    #[error("action {action} is not possible while the hazard is {state}")]
    WrongState {
        action: &'static str,
        state: &'static str,
    },
    /// The actor's role may not do this to this hazard (HTTP 403).
    #[error("{role} may not {action} this hazard")]
    NotPermitted {
        action: &'static str,
        role: &'static str,
        rule: &'static str,
    },
    /// The action's content is incomplete or invalid (HTTP 422).
    #[error(transparent)]
    Invalid(#[from] DomainError),
    /// A closed (销号) hazard is not edited: it is reopened first, with a reason (HTTP 409).
    #[error("the hazard is closed: reopen it before correcting it")]
    ReopenFirst,
}

/// What a permitted action changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub state: HazardState,
    /// Some(new) when the deadline changes.
    pub deadline: Option<NaiveDate>,
    pub plan: Option<RectificationPlan>,
    /// Some(None) clears a pending extension, Some(Some(..)) records one.
    pub pending_extension: Option<Option<ExtensionRequest>>,
    pub closed: bool,
    /// The hazard leaves `closed`: its closing time is cleared.
    pub reopened: bool,
}

fn wrong(action: &Action, state: HazardState) -> TransitionError {
    TransitionError::WrongState {
        action: action.name(),
        state: state.as_str(),
    }
}

fn refuse(action: &Action, actor: &ActorFacts, rule: &'static str) -> TransitionError {
    TransitionError::NotPermitted {
        action: action.name(),
        role: actor.role.as_str(),
        rule,
    }
}

fn needs_evidence(evidence: &[i64]) -> Result<(), TransitionError> {
    if evidence.is_empty() {
        Err(DomainError::Required { field: "evidence" }.into())
    } else {
        Ok(())
    }
}

/// Rectification is the enterprise's own work: anyone else who records it (a clerk, an
/// inspector, an expert) does so on the enterprise's behalf and must say why in the note.
fn needs_reason_on_behalf(actor: &ActorFacts, note: &str) -> Result<(), TransitionError> {
    if !actor.enterprise_member() && note.trim().is_empty() {
        Err(DomainError::Required { field: "note" }.into())
    } else {
        Ok(())
    }
}

/// Decides an action. Pure: the same facts always give the same answer.
pub fn decide(
    hazard: &HazardFacts,
    actor: &ActorFacts,
    action: &Action,
    user_id: i64,
    today: NaiveDate,
) -> Result<Outcome, TransitionError> {
    use HazardState::*;
    let major = hazard.level == HazardLevel::Major;
    let stay = |state| Outcome {
        state,
        deadline: None,
        plan: None,
        pending_extension: None,
        closed: false,
        reopened: false,
    };
    match action {
        Action::Confirm { plan, deadline, .. } => {
            if hazard.state != Reported {
                return Err(wrong(action, hazard.state));
            }
            if !(actor.enterprise_manager() || actor.government_clerk() || actor.major_acceptor()) {
                return Err(refuse(action, actor, "confirm_by_manager_or_government"));
            }
            if major {
                // A major hazard moves to rectifying only with all five elements.
                let plan = plan
                    .as_ref()
                    .ok_or(DomainError::Required { field: "plan" })?;
                let due = plan.check(today)?;
                Ok(Outcome {
                    deadline: Some(due),
                    plan: Some(plan.clone()),
                    ..stay(Rectifying)
                })
            } else {
                let due = match (deadline, plan) {
                    (Some(d), _) => future_date("deadline", d, today)?,
                    (None, Some(p)) => future_date("plan.deadline", &p.deadline, today)?,
                    (None, None) => return Err(DomainError::Required { field: "deadline" }.into()),
                };
                Ok(Outcome {
                    deadline: Some(due),
                    plan: plan.clone(),
                    ..stay(Rectifying)
                })
            }
        }
        Action::Reject { reason } => {
            if hazard.state != Reported {
                return Err(wrong(action, hazard.state));
            }
            text("reason", reason, 1000, true)?;
            let allowed = if major {
                actor.major_acceptor() || matches!(actor.role, Role::CommitteeClerk | Role::Admin)
            } else {
                actor.enterprise_manager() || actor.government_clerk() || actor.major_acceptor()
            };
            if !allowed {
                return Err(refuse(
                    action,
                    actor,
                    if major {
                        "major_rejected_by_regulator_or_expert"
                    } else {
                        "reject_by_manager_or_government"
                    },
                ));
            }
            Ok(Outcome {
                closed: true,
                ..stay(Rejected)
            })
        }
        Action::ImmediateFix { evidence, note } => {
            if hazard.state != Reported {
                return Err(wrong(action, hazard.state));
            }
            if major {
                return Err(refuse(action, actor, "major_needs_plan"));
            }
            if !(actor.enterprise_member() || actor.government_clerk() || actor.major_acceptor()) {
                return Err(refuse(action, actor, "fix_by_enterprise_or_inspector"));
            }
            needs_evidence(evidence)?;
            needs_reason_on_behalf(actor, note)?;
            Ok(stay(AwaitingAcceptance))
        }
        Action::Submit { evidence, note } => {
            if hazard.state != Rectifying {
                return Err(wrong(action, hazard.state));
            }
            if !actor.enterprise_member() && !actor.government_clerk() {
                return Err(refuse(action, actor, "submit_by_enterprise"));
            }
            needs_evidence(evidence)?;
            needs_reason_on_behalf(actor, note)?;
            Ok(Outcome {
                pending_extension: hazard.pending_extension.then_some(None),
                ..stay(AwaitingAcceptance)
            })
        }
        Action::Accept { .. } | Action::SendBack { .. } => {
            if hazard.state != AwaitingAcceptance {
                return Err(wrong(action, hazard.state));
            }
            if let Action::SendBack { reason } = action {
                text("reason", reason, 1000, true)?;
            }
            if let Some(office) = hazard.listing_office {
                // A listed hazard is closed only on the listing office's acceptance, given by
                // a clerk of that office who may list (never by its leader, who only follows).
                if !listing_office_clerk(actor, office) {
                    return Err(refuse(action, actor, "listed_accepted_by_listing_office"));
                }
            } else if major {
                if !actor.major_acceptor() {
                    return Err(refuse(
                        action,
                        actor,
                        "major_accepted_by_regulator_or_expert",
                    ));
                }
            } else if !(actor.enterprise_manager()
                || actor.government_clerk()
                || actor.major_acceptor())
            {
                return Err(refuse(action, actor, "general_accepted_by_manager"));
            }
            // Four eyes: whoever reported, planned or rectified the hazard does not also
            // accept it. Sending back is a check, open to anyone the rules above admit.
            if matches!(action, Action::Accept { .. }) && hazard.handled_by(user_id) {
                return Err(refuse(action, actor, "four_eyes_acceptance"));
            }
            if matches!(action, Action::Accept { .. }) {
                Ok(Outcome {
                    closed: true,
                    ..stay(Closed)
                })
            } else {
                Ok(stay(Rectifying))
            }
        }
        Action::RequestExtension {
            new_deadline,
            reason,
        } => {
            if hazard.state != Rectifying {
                return Err(wrong(action, hazard.state));
            }
            if !actor.enterprise_member() {
                return Err(refuse(action, actor, "extension_requested_by_enterprise"));
            }
            let new = future_date("new_deadline", new_deadline, today)?;
            if hazard.deadline.is_some_and(|d| new <= d) {
                return Err(DomainError::InvalidValue {
                    field: "new_deadline",
                    value: new_deadline.clone(),
                }
                .into());
            }
            let reason = text("reason", reason, 1000, true)?;
            Ok(Outcome {
                pending_extension: Some(Some(ExtensionRequest {
                    new_deadline: new.to_string(),
                    reason,
                    requested_by: user_id,
                })),
                ..stay(Rectifying)
            })
        }
        Action::DecideExtension { .. } => {
            if hazard.state != Rectifying || !hazard.pending_extension {
                return Err(wrong(action, hazard.state));
            }
            if !actor.role.may_decide_extension(major) {
                return Err(refuse(action, actor, "extension_decided_by_government"));
            }
            // The new deadline itself is filled in by the store from the pending request.
            Ok(Outcome {
                pending_extension: Some(None),
                ..stay(Rectifying)
            })
        }
        Action::Reopen { reason } => {
            if hazard.state != Closed {
                return Err(wrong(action, hazard.state));
            }
            text("reason", reason, 1000, true)?;
            // Reopened by an office that may accept it (never by the enterprise on its own:
            // it undoes a closure someone else verified): the listing office for a listed
            // hazard, a regulator clerk or assigned expert for a major one, a government
            // office's clerk or an assigned expert for a general one.
            let (allowed, rule) = if let Some(office) = hazard.listing_office {
                (
                    listing_office_clerk(actor, office),
                    "listed_reopened_by_listing_office",
                )
            } else if major {
                (
                    actor.major_acceptor(),
                    "major_reopened_by_regulator_or_expert",
                )
            } else {
                (
                    actor.role.is_clerk() || actor.major_acceptor(),
                    "general_reopened_by_office",
                )
            };
            if !allowed {
                return Err(refuse(action, actor, rule));
            }
            // Four eyes, as on acceptance: who handled the hazard does not reopen it either.
            if hazard.handled_by(user_id) {
                return Err(refuse(action, actor, "four_eyes_reopen"));
            }
            Ok(Outcome {
                reopened: true,
                ..stay(Rectifying)
            })
        }
    }
}

/// A clerk of the office that listed the hazard for supervision, who may list (not its leader).
fn listing_office_clerk(actor: &ActorFacts, office: i64) -> bool {
    actor.org_id == office && actor.role.may_list_for_supervision()
}

/// Overdue (逾期) is derived, never stored: the deadline has passed and the hazard is open.
pub fn is_overdue(state: HazardState, deadline: Option<NaiveDate>, today: NaiveDate) -> bool {
    !matches!(state, HazardState::Closed | HazardState::Rejected)
        && deadline.is_some_and(|d| d < today)
}

#[cfg(test)]
mod tests;
