//! Campaigns (专项行动) and responsibility task lists (责任清单): the rules that need no storage.
//! A campaign is an issued document with phases, a scope and target enterprises; its tasks
//! name lead and co-responsible units, a deadline as written, and a reporting cadence that cuts
//! time into periods, each with a due day for every responsible unit's progress report.

pub mod correction;
pub mod deadline;
pub mod notice;
pub mod period;
pub mod ranking;

pub use correction::{
    AliasInput, CampaignCorrection, ReturnReplacement, TaskCorrection, UnitClass,
    correction_reason, return_replaceable, stale_dates,
};
pub use deadline::{Deadline, Milestone, parse_deadline};
pub use notice::{NoticeDraft, TaskDraft, parse_assignment_notice};
pub use period::{Cadence, Period};
pub use ranking::{Placing, UnitScore, rank_units};
pub mod input;

pub use input::{
    COMPUTED_FIGURES, CampaignFields, CampaignInput, FILLED_FIGURES, LineInput, Phase, PhaseInput,
    ReportInput, TaskFields, TaskInput, unit_list,
};
