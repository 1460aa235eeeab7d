//! The rules of the domain, each broken rule a variant. The web layer maps every variant to an
//! HTTP status and a translated message in one place; `code()` is the stable machine name.

use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("invalid unified social credit code: {0}")]
    InvalidCreditCode(String),
    #[error("invalid jurisdiction code: {0}")]
    InvalidJurisdictionCode(String),
    #[error("invalid industry code: {0}")]
    InvalidIndustryCode(String),
    #[error("field {field} is required")]
    Required { field: &'static str },
    #[error("field {field} is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("field {field} has an invalid value: {value}")]
    InvalidValue { field: &'static str, value: String },
    #[error("unknown role: {0}")]
    UnknownRole(String),
    #[error("unknown organization kind: {0}")]
    UnknownOrgKind(String),
    #[error("role {role} does not belong in an organization of kind {kind}")]
    RoleNotAllowedInOrg {
        role: &'static str,
        kind: &'static str,
    },
    /// The acting user may not give (or take away) an account with this role in this kind
    /// of organization.
    #[error("role {role} in an organization of kind {kind} is not the caller's to grant")]
    RoleNotGrantable {
        role: &'static str,
        kind: &'static str,
    },
    #[error("field {field} is a date in the past")]
    DateInPast { field: &'static str },
    #[error("password must be at least {min} characters")]
    WeakPassword { min: usize },
}

impl DomainError {
    /// Stable machine-readable code; also the key of the translated message.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::InvalidCreditCode(_) => "invalid_credit_code",
            DomainError::InvalidJurisdictionCode(_) => "invalid_jurisdiction_code",
            DomainError::InvalidIndustryCode(_) => "invalid_industry_code",
            DomainError::Required { .. } => "required",
            DomainError::TooLong { .. } => "too_long",
            DomainError::InvalidValue { .. } => "invalid_value",
            DomainError::UnknownRole(_) => "unknown_role",
            DomainError::UnknownOrgKind(_) => "unknown_org_kind",
            DomainError::RoleNotAllowedInOrg { .. } => "role_not_allowed_in_org",
            DomainError::RoleNotGrantable { .. } => "role_not_grantable",
            DomainError::WeakPassword { .. } => "weak_password",
            DomainError::DateInPast { .. } => "date_in_past",
        }
    }

    /// The named arguments a translated message may interpolate.
    pub fn args(&self) -> Vec<(&'static str, String)> {
        match self {
            DomainError::InvalidCreditCode(v)
            | DomainError::InvalidJurisdictionCode(v)
            | DomainError::InvalidIndustryCode(v)
            | DomainError::UnknownRole(v)
            | DomainError::UnknownOrgKind(v) => vec![("value", v.clone())],
            DomainError::Required { field } | DomainError::DateInPast { field } => {
                vec![("field", (*field).to_string())]
            }
            DomainError::TooLong { field, max } => {
                vec![("field", (*field).to_string()), ("max", max.to_string())]
            }
            DomainError::InvalidValue { field, value } => {
                vec![("field", (*field).to_string()), ("value", value.clone())]
            }
            DomainError::RoleNotAllowedInOrg { role, kind }
            | DomainError::RoleNotGrantable { role, kind } => {
                vec![("role", (*role).to_string()), ("kind", (*kind).to_string())]
            }
            DomainError::WeakPassword { min } => vec![("min", min.to_string())],
        }
    }
}
