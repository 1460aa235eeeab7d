//! Pure rules of hazardnet: the codes a record is identified by (credit codes, jurisdictions,
//! industries), organizations and roles, who sees what (scope), enterprise validation and the
//! audit-chain hash. Nothing here performs I/O; every type that holds a code is valid once built.

pub mod audit;
pub mod campaign;
pub mod codes;
pub mod enterprise;
pub mod error;
pub mod hazard;
pub mod org;
pub mod scope;

pub use codes::{CreditCode, IndustryCode, JurisdictionCode, JurisdictionLevel};
pub use error::DomainError;
pub use org::{OrgKind, Role};
pub use scope::Scope;
