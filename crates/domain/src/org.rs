//! Organizations and roles, and which role may do what at the foundation level.

use crate::DomainError;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($name:ident, $err:ident { $($variant:ident => $text:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Result<Self, DomainError> {
                match s { $($text => Ok($name::$variant),)+ other => Err(DomainError::$err(other.to_string())) }
            }
        }
    };
}

string_enum!(OrgKind, UnknownOrgKind {
    System => "system",
    SafetyCommitteeOffice => "safety_committee_office",
    IndustryRegulator => "industry_regulator",
    StreetOffice => "street_office",
    Community => "community",
    Enterprise => "enterprise",
    ExpertPanel => "expert_panel",
});

string_enum!(Role, UnknownRole {
    Admin => "admin",
    CommitteeClerk => "committee_clerk",
    RegulatorClerk => "regulator_clerk",
    TerritorialClerk => "territorial_clerk",
    GridSupervisor => "grid_supervisor",
    Leader => "leader",
    Expert => "expert",
    EnterprisePrincipal => "enterprise_principal",
    EnterpriseSafetyManager => "enterprise_safety_manager",
    EnterpriseStaff => "enterprise_staff",
});

impl OrgKind {
    /// Government kinds see a jurisdiction subtree (regulators only in their industries).
    pub fn is_government(self) -> bool {
        matches!(
            self,
            OrgKind::SafetyCommitteeOffice
                | OrgKind::IndustryRegulator
                | OrgKind::StreetOffice
                | OrgKind::Community
        )
    }

    /// The roles a member of this kind of organization may hold.
    pub fn allowed_roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            OrgKind::System => &[Admin],
            OrgKind::SafetyCommitteeOffice => &[CommitteeClerk, Leader],
            OrgKind::IndustryRegulator => &[RegulatorClerk, Leader],
            OrgKind::StreetOffice => &[TerritorialClerk, GridSupervisor, Leader],
            OrgKind::Community => &[TerritorialClerk, GridSupervisor],
            OrgKind::Enterprise => &[
                EnterprisePrincipal,
                EnterpriseSafetyManager,
                EnterpriseStaff,
            ],
            OrgKind::ExpertPanel => &[Expert],
        }
    }

    pub fn check_role(self, role: Role) -> Result<(), DomainError> {
        if self.allowed_roles().contains(&role) {
            Ok(())
        } else {
            Err(DomainError::RoleNotAllowedInOrg {
                role: role.as_str(),
                kind: self.as_str(),
            })
        }
    }
}

impl Role {
    /// May create and edit enterprises within scope (government clerks and the admin).
    pub fn may_register_enterprises(self) -> bool {
        self.is_clerk()
    }

    /// The government clerks and the administrator: they register enterprises, issue
    /// campaigns, keep checklists, plan inspections and record enforcement decisions.
    pub fn is_clerk(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::CommitteeClerk | Role::RegulatorClerk | Role::TerritorialClerk
        )
    }

    /// May edit the contact details of the enterprise the user belongs to.
    pub fn may_edit_own_enterprise(self) -> bool {
        matches!(
            self,
            Role::EnterprisePrincipal | Role::EnterpriseSafetyManager
        )
    }

    /// May list a hazard for supervision (挂牌督办) on behalf of its office, and so accept or
    /// send back the closure of a hazard its office listed: the safety committee office's and
    /// the regulators' clerks, and the administrator. A leader of the same office follows
    /// hazards (包挂) but never lists or closes them.
    pub fn may_list_for_supervision(self) -> bool {
        matches!(
            self,
            Role::CommitteeClerk | Role::RegulatorClerk | Role::Admin
        )
    }

    /// May grant or refuse a request to move a rectification deadline: the regulators' and the
    /// safety committee office's clerks, and for a general hazard the territorial office too.
    pub fn may_decide_extension(self, major: bool) -> bool {
        match self {
            Role::RegulatorClerk | Role::CommitteeClerk => true,
            Role::TerritorialClerk => !major,
            _ => false,
        }
    }

    /// May manage users and organizations (the system administrator only).
    pub fn may_administer_users(self) -> bool {
        self == Role::Admin
    }

    /// May file (and replace) its unit's returns on a campaign: every member of a responsible
    /// unit but a leader (who follows, not reports), an expert and an enterprise's staff.
    pub fn may_file_returns(self) -> bool {
        !matches!(self, Role::Leader | Role::Expert | Role::EnterpriseStaff)
    }

    /// May correct a campaign, its tasks and its units' aliases: the issuing office's clerks
    /// (the caller's organization is checked beside this) and the administrator.
    pub fn may_manage_campaigns(self) -> bool {
        matches!(
            self,
            Role::Admin | Role::CommitteeClerk | Role::RegulatorClerk | Role::TerritorialClerk
        )
    }

    pub fn is_enterprise_role(self) -> bool {
        matches!(
            self,
            Role::EnterprisePrincipal | Role::EnterpriseSafetyManager | Role::EnterpriseStaff
        )
    }
}

/// Minimum password length (OWASP ASVS 5.0, 6.2.1 asks for at least 8; we keep 10).
pub const MIN_PASSWORD_LEN: usize = 10;

/// The longest password accepted, in bytes — the same bound at creation and at login, so a
/// password that was accepted can always be used.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// The least strength accepted, as zxcvbn's score (0–4): 3 means more than 10^8 guesses are
/// estimated even against a list of common passwords, words and keyboard patterns.
const MIN_PASSWORD_SCORE: u8 = 3;

/// Checks a new password as NIST SP 800-63B (5.1.1.2) advises: long enough, not too long, not
/// made only of blanks, and not guessable — not a common password, a dictionary word with
/// digits, a keyboard run or the user's own name (`user_inputs`: username, display name).
pub fn check_password_strength(password: &str, user_inputs: &[&str]) -> Result<(), DomainError> {
    let weak = || DomainError::WeakPassword {
        min: MIN_PASSWORD_LEN,
    };
    if password.chars().count() < MIN_PASSWORD_LEN
        || password.len() > MAX_PASSWORD_BYTES
        || password.trim().is_empty()
    {
        return Err(weak());
    }
    // zxcvbn's cost grows with length; its estimate of a long password's first 100 characters
    // is already far above the bar.
    let head: String = password.chars().take(100).collect();
    if u8::from(zxcvbn::zxcvbn(&head, user_inputs).score()) < MIN_PASSWORD_SCORE {
        return Err(weak());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_and_kind_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), *role);
        }
        for kind in OrgKind::ALL {
            assert_eq!(OrgKind::parse(kind.as_str()).unwrap(), *kind);
        }
        assert!(Role::parse("root").is_err());
    }

    #[test]
    fn who_files_returns_and_who_manages_campaigns() {
        use Role::*;
        let table = [
            (Admin, true, true),
            (CommitteeClerk, true, true),
            (RegulatorClerk, true, true),
            (TerritorialClerk, true, true),
            (Leader, false, false),
            (Expert, false, false),
            (EnterpriseStaff, false, false),
            (EnterprisePrincipal, true, false),
            (GridSupervisor, true, false),
        ];
        for (role, files, manages) in table {
            assert_eq!(role.may_file_returns(), files, "{role:?}");
            assert_eq!(role.may_manage_campaigns(), manages, "{role:?}");
        }
    }

    #[test]
    fn every_role_has_a_home() {
        for role in Role::ALL {
            assert!(
                OrgKind::ALL
                    .iter()
                    .any(|k| k.allowed_roles().contains(role)),
                "{role:?}"
            );
        }
        assert!(OrgKind::Enterprise.check_role(Role::Admin).is_err());
        assert!(
            OrgKind::StreetOffice
                .check_role(Role::GridSupervisor)
                .is_ok()
        );
    }

    #[test]
    fn short_common_blank_and_overlong_passwords_are_refused() {
        for weak in [
            "short",
            "1234567890",
            "password12",
            "            ",
            "qwertyuiop",
            "aaaaaaaaaaaa",
            "Password123",
            "1qaz2wsx3edc",
        ] {
            assert!(check_password_strength(weak, &[]).is_err(), "{weak:?}");
        }
        assert!(check_password_strength(&"x".repeat(MAX_PASSWORD_BYTES + 1), &[]).is_err());
        // The user's own name is no secret.
        assert!(check_password_strength("wangxiaoming2026", &["wangxiaoming"]).is_err());
        for strong in [
            "hazardnet-demo",
            "matrix-password",
            "long-enough-pw",
            "隐患排查治理一张网平台",
        ] {
            assert!(
                check_password_strength(strong, &["someone"]).is_ok(),
                "{strong:?}"
            );
        }
    }
}
