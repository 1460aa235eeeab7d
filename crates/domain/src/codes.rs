//! Identifying codes, each parsed on construction: once you hold one it is valid.
//!
//! - [`CreditCode`]: the 18-character unified social credit code of GB 32100-2015.
//! - [`JurisdictionCode`]: the 12-digit statistical division code (2 province, 4 city,
//!   6 county, 9 township/street, 12 community).
//! - [`IndustryCode`]: a GB/T 4754-2017 section letter (A–T) or a 2-, 3- or 4-digit code.

use crate::DomainError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Characters allowed in a credit code (GB 32100-2015, table 1): digits and capital letters
/// without I, O, Z, S and V. A character's value is its index here.
const CREDIT_ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights of positions 1..=17 (3^(i-1) mod 31).
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_ascii_uppercase();
        let invalid = || DomainError::InvalidCreditCode(input.trim().to_string());
        if code.chars().count() != 18 {
            return Err(invalid());
        }
        let values: Vec<u32> = code
            .chars()
            .map(|c| CREDIT_ALPHABET.find(c).map(|i| i as u32))
            .collect::<Option<_>>()
            .ok_or_else(invalid)?;
        // Positions 3..=8 are the administrative division code: digits only.
        if !code[2..8].bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        if values[17] != Self::check_value(&values[..17]) {
            return Err(invalid());
        }
        Ok(CreditCode(code))
    }

    /// The check character for the first 17 characters (GB 32100-2015, 5.3.2):
    /// 31 − (Σ value × weight mod 31), where 31 becomes 0.
    fn check_value(values: &[u32]) -> u32 {
        let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
        (31 - sum % 31) % 31
    }

    /// Completes 17 valid characters with their check character (used by the demo and tests).
    pub fn with_check_char(first17: &str) -> Result<Self, DomainError> {
        let values: Vec<u32> = first17
            .chars()
            .map(|c| CREDIT_ALPHABET.find(c).map(|i| i as u32))
            .collect::<Option<_>>()
            .filter(|v: &Vec<u32>| v.len() == 17)
            .ok_or_else(|| DomainError::InvalidCreditCode(first17.to_string()))?;
        let check = Self::check_value(&values) as usize;
        let check_char = CREDIT_ALPHABET[check..].chars().next().unwrap_or('0');
        Self::parse(&format!("{first17}{check_char}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CreditCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<CreditCode> for String {
    fn from(value: CreditCode) -> Self {
        value.0
    }
}
impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JurisdictionLevel {
    Province,
    City,
    County,
    Township,
    Community,
}

impl JurisdictionLevel {
    /// How many leading digits identify a division of this level.
    pub fn prefix_len(self) -> usize {
        match self {
            JurisdictionLevel::Province => 2,
            JurisdictionLevel::City => 4,
            JurisdictionLevel::County => 6,
            JurisdictionLevel::Township => 9,
            JurisdictionLevel::Community => 12,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            JurisdictionLevel::Province => "province",
            JurisdictionLevel::City => "city",
            JurisdictionLevel::County => "county",
            JurisdictionLevel::Township => "township",
            JurisdictionLevel::Community => "community",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            JurisdictionLevel::Province,
            JurisdictionLevel::City,
            JurisdictionLevel::County,
            JurisdictionLevel::Township,
            JurisdictionLevel::Community,
        ]
        .into_iter()
        .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct JurisdictionCode(String);

impl JurisdictionCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        let invalid = || DomainError::InvalidJurisdictionCode(code.to_string());
        if code.len() != 12 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        // A code whose province part is 00 names nothing; a lower part that is non-zero under
        // a zero higher part (e.g. 45 00 02 …) skips a level and is not a real division.
        let parts = [
            &code[0..2],
            &code[2..4],
            &code[4..6],
            &code[6..9],
            &code[9..12],
        ];
        if parts[0] == "00" {
            return Err(invalid());
        }
        let first_zero = parts
            .iter()
            .position(|p| p.bytes().all(|b| b == b'0'))
            .unwrap_or(parts.len());
        if parts[first_zero..]
            .iter()
            .any(|p| p.bytes().any(|b| b != b'0'))
        {
            return Err(invalid());
        }
        Ok(JurisdictionCode(code.to_string()))
    }

    pub fn level(&self) -> JurisdictionLevel {
        let c = &self.0;
        if &c[2..] == "0000000000" {
            JurisdictionLevel::Province
        } else if &c[4..] == "00000000" {
            JurisdictionLevel::City
        } else if &c[6..] == "000000" {
            JurisdictionLevel::County
        } else if &c[9..] == "000" {
            JurisdictionLevel::Township
        } else {
            JurisdictionLevel::Community
        }
    }

    /// The digits every code in this division's subtree starts with.
    pub fn prefix(&self) -> &str {
        &self.0[..self.level().prefix_len()]
    }

    /// The parent division, computed from the code (None for a province).
    pub fn parent(&self) -> Option<JurisdictionCode> {
        let keep = match self.level() {
            JurisdictionLevel::Province => return None,
            JurisdictionLevel::City => 2,
            JurisdictionLevel::County => 4,
            JurisdictionLevel::Township => 6,
            JurisdictionLevel::Community => 9,
        };
        Some(JurisdictionCode(format!("{:0<12}", &self.0[..keep])))
    }

    /// Inclusive bounds of the subtree as a range of codes, so that a scoped query can use an
    /// ordinary index (`code BETWEEN low AND high`).
    pub fn subtree_bounds(&self) -> (String, String) {
        let prefix = self.prefix();
        (format!("{prefix:0<12}"), format!("{prefix:9<12}"))
    }

    pub fn contains(&self, other: &JurisdictionCode) -> bool {
        other.0.starts_with(self.prefix())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for JurisdictionCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<JurisdictionCode> for String {
    fn from(value: JurisdictionCode) -> Self {
        value.0
    }
}
impl fmt::Display for JurisdictionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A GB/T 4754-2017 code: a section letter or a division (2 digits), group (3) or class (4).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IndustryCode(String);

impl IndustryCode {
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim().to_ascii_uppercase();
        let invalid = || DomainError::InvalidIndustryCode(input.trim().to_string());
        let ok = match code.len() {
            1 => ('A'..='T').contains(&code.chars().next().unwrap_or('Z')),
            2..=4 => {
                code.bytes().all(|b| b.is_ascii_digit())
                    && code[..2]
                        .parse::<u32>()
                        .is_ok_and(|d| (1..=97).contains(&d))
            }
            _ => false,
        };
        if ok {
            Ok(IndustryCode(code))
        } else {
            Err(invalid())
        }
    }

    pub fn is_section(&self) -> bool {
        self.0.len() == 1
    }

    /// The section (门类) letter this code belongs to (GB/T 4754-2017 table of divisions).
    pub fn section(&self) -> char {
        if self.is_section() {
            return self.0.chars().next().unwrap_or('A');
        }
        let division: u32 = self.0[..2].parse().unwrap_or(0);
        const UPPER_BOUNDS: [(u32, char); 20] = [
            (5, 'A'),
            (12, 'B'),
            (43, 'C'),
            (46, 'D'),
            (50, 'E'),
            (52, 'F'),
            (60, 'G'),
            (62, 'H'),
            (65, 'I'),
            (69, 'J'),
            (70, 'K'),
            (72, 'L'),
            (75, 'M'),
            (79, 'N'),
            (82, 'O'),
            (83, 'P'),
            (85, 'Q'),
            (90, 'R'),
            (96, 'S'),
            (97, 'T'),
        ];
        UPPER_BOUNDS
            .iter()
            .find(|(upper, _)| division <= *upper)
            .map(|(_, s)| *s)
            .unwrap_or('T')
    }

    /// Whether an enterprise classified under `other` falls within this code: a section covers
    /// all its divisions; a division, group or class covers the codes it prefixes.
    pub fn covers(&self, other: &IndustryCode) -> bool {
        if self.is_section() {
            other.section().to_string() == self.0
        } else {
            !other.is_section() && other.0.starts_with(&self.0)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IndustryCode {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}
impl From<IndustryCode> for String {
    fn from(value: IndustryCode) -> Self {
        value.0
    }
}
impl fmt::Display for IndustryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_published_credit_codes() {
        // Codes printed on public business licences.
        for code in [
            "91350100M000100Y43",
            "9144030071526726XG",
            "91110108551385082Q",
        ] {
            assert!(CreditCode::parse(code).is_ok(), "{code}");
        }
    }

    #[test]
    fn rejects_wrong_check_char_letters_and_length() {
        assert!(CreditCode::parse("91350100M000100Y44").is_err());
        assert!(CreditCode::parse("91350100M000100Y4").is_err());
        assert!(CreditCode::parse("9135010OM000100Y43").is_err()); // letter O is not allowed
        assert!(CreditCode::parse("91AB0100M000100Y43").is_err()); // division part not digits
        assert!(CreditCode::parse("").is_err());
    }

    #[test]
    fn lowercase_and_spaces_are_normalised() {
        let code = CreditCode::parse(" 91350100m000100y43 ").unwrap();
        assert_eq!(code.as_str(), "91350100M000100Y43");
    }

    proptest! {
        #[test]
        fn completed_codes_are_valid_and_any_single_change_is_caught(
            body in proptest::collection::vec(0usize..31, 15),
            pos in 0usize..18, delta in 1usize..31,
        ) {
            let mut first17: String = "91".to_string();
            first17.extend(body.iter().map(|i| CREDIT_ALPHABET.as_bytes()[*i] as char));
            // positions 3..=8 must be digits
            let first17: String = first17.chars().enumerate()
                .map(|(i, c)| if (2..8).contains(&i) && !c.is_ascii_digit() { '4' } else { c })
                .collect();
            let code = CreditCode::with_check_char(&first17).unwrap();
            prop_assert!(CreditCode::parse(code.as_str()).is_ok());
            // Changing any one character to another allowed one breaks the check, because
            // every weight is invertible modulo 31.
            let mut chars: Vec<char> = code.as_str().chars().collect();
            let old = CREDIT_ALPHABET.find(chars[pos]).unwrap();
            chars[pos] = CREDIT_ALPHABET.as_bytes()[(old + delta) % 31] as char;
            let changed: String = chars.into_iter().collect();
            prop_assert!(CreditCode::parse(&changed).is_err());
        }

        #[test]
        fn credit_code_parse_never_panics(s in ".{0,30}") {
            let _ = CreditCode::parse(&s);
        }

        #[test]
        fn jurisdiction_parse_never_panics(s in "[0-9]{0,14}") {
            if let Ok(code) = JurisdictionCode::parse(&s) {
                let (low, high) = code.subtree_bounds();
                prop_assert!(low.as_str() <= code.as_str() && code.as_str() <= high.as_str());
            }
        }
    }

    #[test]
    fn jurisdiction_levels_and_parents() {
        let street = JurisdictionCode::parse("450202002000").unwrap();
        assert_eq!(street.level(), JurisdictionLevel::Township);
        assert_eq!(street.prefix(), "450202002");
        assert_eq!(street.parent().unwrap().as_str(), "450202000000");
        assert_eq!(
            street.parent().unwrap().parent().unwrap().as_str(),
            "450200000000"
        );
        let province = JurisdictionCode::parse("450000000000").unwrap();
        assert_eq!(province.level(), JurisdictionLevel::Province);
        assert!(province.parent().is_none());
        assert!(province.contains(&street));
        assert!(!street.contains(&province));
        assert_eq!(
            street.subtree_bounds(),
            ("450202002000".into(), "450202002999".into())
        );
    }

    #[test]
    fn jurisdiction_rejects_malformed() {
        for bad in [
            "45020200200",
            "4502020020001",
            "45020200200a",
            "000000000000",
            "450002000000",
        ] {
            assert!(JurisdictionCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn industry_sections_and_coverage() {
        let h = IndustryCode::parse("H").unwrap();
        let catering = IndustryCode::parse("62").unwrap();
        let restaurant = IndustryCode::parse("6210").unwrap();
        let retail = IndustryCode::parse("52").unwrap();
        assert_eq!(restaurant.section(), 'H');
        assert_eq!(retail.section(), 'F');
        assert_eq!(IndustryCode::parse("26").unwrap().section(), 'C');
        assert_eq!(IndustryCode::parse("97").unwrap().section(), 'T');
        assert!(h.covers(&restaurant));
        assert!(catering.covers(&restaurant));
        assert!(!restaurant.covers(&catering));
        assert!(!retail.covers(&restaurant));
        assert!(IndustryCode::parse("98").is_err());
        assert!(IndustryCode::parse("U").is_err());
        assert!(IndustryCode::parse("62101").is_err());
    }
}
