//! Pure rules of hazardnet: the codes a record is identified by (credit codes, jurisdictions,
//! industries), organizations and roles, who sees what (scope), enterprise validation and the
//! audit-chain hash. Nothing here performs I/O; every type that holds a code is valid once built.

/// A closed set of values stored as text: `as_str`, `parse` and `ALL`.
macro_rules! text_enum {
    ($name:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str { match self { $($name::$variant => $text),+ } }
            pub fn parse(s: &str) -> Option<Self> { Self::ALL.iter().copied().find(|v| v.as_str() == s) }
        }
    };
}

pub mod accident;
pub mod audit;
pub mod campaign;
pub mod codes;
pub mod enforcement;
pub mod enterprise;
pub mod error;
pub mod hazard;
pub mod inspection;
pub mod org;
pub mod scope;
pub mod standard;

pub use codes::{CreditCode, IndustryCode, JurisdictionCode, JurisdictionLevel};
pub use error::DomainError;
pub use org::{OrgKind, Role};
pub use scope::Scope;
