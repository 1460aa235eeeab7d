//! Checklists (judgement standards and an office's own lists) and inspection records. See
//! `templates` for the lists and `records` for the inspections and their sign-off.

mod photos;
mod plans;
mod records;
mod templates;

pub use photos::InspectionPhoto;
pub use plans::{InspectionPlan, PlanCandidate, PlanCoverage, PlanLine, PlannedVisit};
pub(crate) use records::INSPECTION_SCOPE;
pub use records::{Inspection, InspectionFilter, InspectionItem};
pub use templates::{
    ChecklistTemplate, SHIPPED_STANDARDS, ShippedStandard, TemplateItem, standard_items,
};
