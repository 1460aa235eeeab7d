//! An enterprise as a clerk registers it, validated into [`EnterpriseFields`].

use crate::{CreditCode, DomainError, IndustryCode, JurisdictionCode};
use serde::{Deserialize, Serialize};

/// Risk colour of an enterprise (red 重大, orange 较大, yellow 一般, blue 低).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskGrade {
    Red,
    Orange,
    Yellow,
    Blue,
}

impl RiskGrade {
    pub const ALL: [RiskGrade; 4] = [
        RiskGrade::Red,
        RiskGrade::Orange,
        RiskGrade::Yellow,
        RiskGrade::Blue,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            RiskGrade::Red => "red",
            RiskGrade::Orange => "orange",
            RiskGrade::Yellow => "yellow",
            RiskGrade::Blue => "blue",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnterpriseStatus {
    Operating,
    /// 停产整顿
    Suspended,
    Closed,
}

impl EnterpriseStatus {
    pub const ALL: [EnterpriseStatus; 3] = [
        EnterpriseStatus::Operating,
        EnterpriseStatus::Suspended,
        EnterpriseStatus::Closed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EnterpriseStatus::Operating => "operating",
            EnterpriseStatus::Suspended => "suspended",
            EnterpriseStatus::Closed => "closed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// What a client sends to create or replace an enterprise; every field is text as typed so a
/// refused form can be shown again exactly as it was.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct EnterpriseInput {
    pub name: String,
    pub credit_code: String,
    pub jurisdiction_code: String,
    pub industry_code: String,
    pub enterprise_type: String,
    pub address: String,
    pub risk_grade: Option<String>,
    pub status: Option<String>,
    pub key_hazardous_chemicals: bool,
    pub crowded_place: bool,
    pub high_risk: bool,
    pub principal_name: String,
    pub principal_phone: String,
    pub safety_manager_name: String,
    pub safety_manager_phone: String,
    pub employees: Option<i64>,
}

/// A validated enterprise.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnterpriseFields {
    pub name: String,
    pub credit_code: CreditCode,
    pub jurisdiction_code: JurisdictionCode,
    pub industry_code: IndustryCode,
    pub enterprise_type: String,
    pub address: String,
    pub risk_grade: Option<RiskGrade>,
    pub status: EnterpriseStatus,
    pub key_hazardous_chemicals: bool,
    pub crowded_place: bool,
    pub high_risk: bool,
    pub principal_name: String,
    pub principal_phone: String,
    pub safety_manager_name: String,
    pub safety_manager_phone: String,
    pub employees: Option<i64>,
}

pub fn text(
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> Result<String, DomainError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(DomainError::Required { field });
    }
    if value.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    if value
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(DomainError::InvalidValue {
            field,
            value: value.escape_debug().to_string(),
        });
    }
    Ok(value.to_string())
}

/// Characters that change how text looks without being seen: zero-width characters and the
/// bidirectional overrides and isolates. In a name they let two records look identical, or a
/// file name or amount read backwards on screen ("Trojan Source"), so no text field takes them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{061C}'
            | '\u{FEFF}'
            | '\u{180E}'
    )
}

fn phone(field: &'static str, value: &str) -> Result<String, DomainError> {
    let value = text(field, value, 20, false)?;
    if value
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')'))
    {
        Ok(value)
    } else {
        Err(DomainError::InvalidValue { field, value })
    }
}

impl EnterpriseInput {
    pub fn validate(&self) -> Result<EnterpriseFields, DomainError> {
        let risk_grade = match self.risk_grade.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(
                RiskGrade::parse(s).ok_or_else(|| DomainError::InvalidValue {
                    field: "risk_grade",
                    value: s.to_string(),
                })?,
            ),
        };
        let status = match self.status.as_deref().map(str::trim) {
            None | Some("") => EnterpriseStatus::Operating,
            Some(s) => EnterpriseStatus::parse(s).ok_or_else(|| DomainError::InvalidValue {
                field: "status",
                value: s.to_string(),
            })?,
        };
        if let Some(n) = self.employees
            && !(0..=10_000_000).contains(&n)
        {
            return Err(DomainError::InvalidValue {
                field: "employees",
                value: n.to_string(),
            });
        }
        if self.credit_code.trim().is_empty() {
            return Err(DomainError::Required {
                field: "credit_code",
            });
        }
        if self.jurisdiction_code.trim().is_empty() {
            return Err(DomainError::Required {
                field: "jurisdiction_code",
            });
        }
        if self.industry_code.trim().is_empty() {
            return Err(DomainError::Required {
                field: "industry_code",
            });
        }
        Ok(EnterpriseFields {
            name: text("name", &self.name, 100, true)?,
            credit_code: CreditCode::parse(&self.credit_code)?,
            jurisdiction_code: JurisdictionCode::parse(&self.jurisdiction_code)?,
            industry_code: IndustryCode::parse(&self.industry_code)?,
            enterprise_type: text("enterprise_type", &self.enterprise_type, 50, false)?,
            address: text("address", &self.address, 200, false)?,
            risk_grade,
            status,
            key_hazardous_chemicals: self.key_hazardous_chemicals,
            crowded_place: self.crowded_place,
            high_risk: self.high_risk,
            principal_name: text("principal_name", &self.principal_name, 50, false)?,
            principal_phone: phone("principal_phone", &self.principal_phone)?,
            safety_manager_name: text("safety_manager_name", &self.safety_manager_name, 50, false)?,
            safety_manager_phone: phone("safety_manager_phone", &self.safety_manager_phone)?,
            employees: self.employees,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn valid() -> EnterpriseInput {
        EnterpriseInput {
            name: "柳州市东都百货有限责任公司".into(),
            credit_code: "91350100M000100Y43".into(),
            jurisdiction_code: "450202002000".into(),
            industry_code: "52".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_complete_input_validates() {
        let fields = valid().validate().unwrap();
        assert_eq!(fields.status, EnterpriseStatus::Operating);
        assert_eq!(fields.industry_code.section(), 'F');
    }

    #[test]
    fn each_broken_rule_is_named() {
        let mut e = valid();
        e.name = "  ".into();
        assert_eq!(
            e.validate().unwrap_err(),
            DomainError::Required { field: "name" }
        );
        let mut e = valid();
        e.name = "名".repeat(101);
        assert_eq!(
            e.validate().unwrap_err(),
            DomainError::TooLong {
                field: "name",
                max: 100
            }
        );
        let mut e = valid();
        e.risk_grade = Some("purple".into());
        assert_eq!(e.validate().unwrap_err().code(), "invalid_value");
        let mut e = valid();
        e.principal_phone = "call me".into();
        assert_eq!(e.validate().unwrap_err().code(), "invalid_value");
        let mut e = valid();
        e.credit_code = "91350100M000100Y44".into();
        assert_eq!(e.validate().unwrap_err().code(), "invalid_credit_code");
    }

    proptest! {
        #[test]
        fn validation_never_panics(name in ".{0,120}", code in ".{0,20}", j in "[0-9]{0,13}", i in "[A-Z0-9]{0,5}") {
            let input = EnterpriseInput { name, credit_code: code, jurisdiction_code: j, industry_code: i, ..Default::default() };
            let _ = input.validate();
        }
    }
}
