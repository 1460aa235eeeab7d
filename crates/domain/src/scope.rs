//! Data scope — who sees what (DESIGN.md, "the first invariant").
//!
//! A scope is derived from the user's organization and role. The store turns it into a
//! condition inside every query over enterprise-owned data; [`Scope::admits`] is the same rule
//! as a predicate, used for checking the *new* values of a write and for tests.

use crate::{IndustryCode, JurisdictionCode, OrgKind, Role};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// The system administrator: every record.
    Everything,
    /// A government office: a jurisdiction subtree, in all industries (`industries` None) or
    /// only in the listed ones (an industry regulator).
    Government {
        jurisdiction: JurisdictionCode,
        industries: Option<Vec<IndustryCode>>,
    },
    /// An enterprise user: that enterprise only.
    Enterprise { enterprise_id: i64 },
    /// An expert: only the enterprises they are assigned to.
    Assigned { user_id: i64 },
    /// No organization or an organization that grants nothing.
    Nothing,
}

/// What the store knows about the organization a user belongs to.
#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub kind: OrgKind,
    pub jurisdiction: Option<JurisdictionCode>,
    pub industries: Vec<IndustryCode>,
    pub enterprise_id: Option<i64>,
}

impl Scope {
    pub fn derive(user_id: i64, role: Role, org: &OrgFacts) -> Scope {
        if role == Role::Admin && org.kind == OrgKind::System {
            return Scope::Everything;
        }
        match org.kind {
            OrgKind::System => Scope::Nothing,
            OrgKind::SafetyCommitteeOffice | OrgKind::StreetOffice | OrgKind::Community => {
                match &org.jurisdiction {
                    Some(j) => Scope::Government {
                        jurisdiction: j.clone(),
                        industries: None,
                    },
                    None => Scope::Nothing,
                }
            }
            OrgKind::IndustryRegulator => match &org.jurisdiction {
                // A regulator without industries regulates nothing, not everything.
                Some(j) if !org.industries.is_empty() => Scope::Government {
                    jurisdiction: j.clone(),
                    industries: Some(org.industries.clone()),
                },
                _ => Scope::Nothing,
            },
            OrgKind::Enterprise => match org.enterprise_id {
                Some(id) => Scope::Enterprise { enterprise_id: id },
                None => Scope::Nothing,
            },
            OrgKind::ExpertPanel => Scope::Assigned { user_id },
        }
    }

    /// Whether a record with these attributes lies in scope. `assigned` tells whether the
    /// record's enterprise is assigned to the (expert) user.
    pub fn admits(
        &self,
        enterprise_id: Option<i64>,
        jurisdiction: &JurisdictionCode,
        industry: &IndustryCode,
        assigned: bool,
    ) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Government {
                jurisdiction: root,
                industries,
            } => {
                root.contains(jurisdiction)
                    && industries
                        .as_ref()
                        .is_none_or(|list| list.iter().any(|i| i.covers(industry)))
            }
            Scope::Enterprise { enterprise_id: own } => enterprise_id == Some(*own),
            Scope::Assigned { .. } => assigned,
            Scope::Nothing => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(s: &str) -> JurisdictionCode {
        JurisdictionCode::parse(s).unwrap()
    }
    fn i(s: &str) -> IndustryCode {
        IndustryCode::parse(s).unwrap()
    }

    #[test]
    fn regulator_sees_its_industries_in_its_subtree_only() {
        let org = OrgFacts {
            kind: OrgKind::IndustryRegulator,
            jurisdiction: Some(j("450202000000")),
            industries: vec![i("61"), i("62")],
            enterprise_id: None,
        };
        let scope = Scope::derive(7, Role::RegulatorClerk, &org);
        assert!(scope.admits(None, &j("450202002000"), &i("6210"), false));
        assert!(!scope.admits(None, &j("450202002000"), &i("52"), false));
        assert!(!scope.admits(None, &j("450203001000"), &i("62"), false));
    }

    #[test]
    fn regulator_without_industries_sees_nothing() {
        let org = OrgFacts {
            kind: OrgKind::IndustryRegulator,
            jurisdiction: Some(j("450202000000")),
            industries: vec![],
            enterprise_id: None,
        };
        assert_eq!(Scope::derive(1, Role::RegulatorClerk, &org), Scope::Nothing);
    }

    #[test]
    fn enterprise_user_sees_own_enterprise_only() {
        let org = OrgFacts {
            kind: OrgKind::Enterprise,
            jurisdiction: Some(j("450202002000")),
            industries: vec![],
            enterprise_id: Some(3),
        };
        let scope = Scope::derive(1, Role::EnterpriseStaff, &org);
        assert!(scope.admits(Some(3), &j("450202002000"), &i("62"), false));
        assert!(!scope.admits(Some(4), &j("450202002000"), &i("62"), false));
    }

    #[test]
    fn admin_outside_the_system_org_gets_no_blanket_scope() {
        let org = OrgFacts {
            kind: OrgKind::Enterprise,
            jurisdiction: None,
            industries: vec![],
            enterprise_id: None,
        };
        assert_eq!(Scope::derive(1, Role::Admin, &org), Scope::Nothing);
    }
}
