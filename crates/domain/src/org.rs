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

    /// Whether an office of this kind holds administrative enforcement power (行政执法权) in work
    /// safety — the power to order rectification by a 责令限期整改指令书 and to file cases, fine,
    /// suspend (安全生产法 第六十五条: "应急管理部门和其他负有安全生产监督管理职责的部门").
    /// A regulator holds it by law. A street office holds it only where it was delegated under
    /// the 综合执法 reform (第九条: streets "协助……或者按照授权依法履行安全生产监督管理职责"),
    /// which is the office's `delegated` setting. The safety committee office coordinates and a
    /// community is a self-governing body: neither enforces. The system organization is the
    /// administrator's, who enters decisions of every office (paper files, corrections).
    pub fn holds_enforcement_power(self, delegated: bool) -> bool {
        match self {
            OrgKind::IndustryRegulator | OrgKind::System => true,
            OrgKind::StreetOffice => delegated,
            OrgKind::SafetyCommitteeOffice
            | OrgKind::Community
            | OrgKind::Enterprise
            | OrgKind::ExpertPanel => false,
        }
    }

    /// Whether enforcement power can be delegated to an office of this kind (行政处罚法
    /// 第二十四条: to 乡镇人民政府、街道办事处). A regulator has it anyway; other kinds cannot
    /// receive it.
    pub fn may_receive_delegated_enforcement(self) -> bool {
        self == OrgKind::StreetOffice
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
    /// campaigns, keep checklists and plan inspections; those of an office with enforcement
    /// power also record enforcement decisions (`may_record_enforcement`).
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

    /// Follows hazards personally (包挂) when the safety committee office assigns them: a
    /// leader, whose home page is the list of those hazards.
    pub fn follows_hazards(self) -> bool {
        self == Role::Leader
    }

    /// May record an enforcement decision (立案, 罚款, 停产整顿, 黑名单, 移送) on behalf of its
    /// office: a clerk of an office that holds enforcement power.
    pub fn may_record_enforcement(self, kind: OrgKind, delegated: bool) -> bool {
        self.is_clerk() && kind.holds_enforcement_power(delegated)
    }

    /// May manage users and organizations (the system administrator only).
    pub fn may_administer_users(self) -> bool {
        self == Role::Admin
    }

    /// Rank within one organization: the administrator above everyone, a leader above the
    /// clerks of the office, a clerk above its grid supervisors; an enterprise's principal above
    /// its safety manager above its staff. Only compared within one organization.
    fn rank(self) -> u8 {
        match self {
            Role::Admin => 4,
            Role::Leader | Role::EnterprisePrincipal => 3,
            Role::CommitteeClerk
            | Role::RegulatorClerk
            | Role::TerritorialClerk
            | Role::EnterpriseSafetyManager => 2,
            Role::GridSupervisor | Role::Expert | Role::EnterpriseStaff => 1,
        }
    }

    /// Whether this role stands above `other` within one organization.
    pub fn outranks(self, other: Role) -> bool {
        self.rank() > other.rank()
    }

    /// The organizations whose accounts a user of this role, in an organization of kind `own`,
    /// keeps: its own organization's, and those of the kinds listed that lie inside its scope.
    /// The safety committee office (安委办) keeps every office, regulator, enterprise and
    /// expert panel of its area; a regulator, its own office and the enterprises of its
    /// industries; a street office, its own office, its communities and its enterprises; a
    /// community, itself and its enterprises. Enterprises, experts, leaders and grid
    /// supervisors keep no accounts: their office does.
    pub fn account_reach(self, own: OrgKind) -> AccountReach {
        use OrgKind::*;
        let (own_org, below): (bool, &'static [OrgKind]) = match (self, own) {
            (Role::Admin, System) => return AccountReach::Everything,
            (Role::CommitteeClerk, SafetyCommitteeOffice) => (
                true,
                &[
                    SafetyCommitteeOffice,
                    IndustryRegulator,
                    StreetOffice,
                    Community,
                    Enterprise,
                    ExpertPanel,
                ],
            ),
            (Role::RegulatorClerk, IndustryRegulator) => (true, &[Enterprise]),
            (Role::TerritorialClerk, StreetOffice) => (true, &[Community, Enterprise]),
            (Role::TerritorialClerk, Community) => (true, &[Enterprise]),
            _ => return AccountReach::Nothing,
        };
        AccountReach::Offices { own_org, below }
    }

    /// May see the accounts page and keep some accounts.
    pub fn may_manage_accounts(self, own: OrgKind) -> bool {
        self.account_reach(own) != AccountReach::Nothing
    }

    /// Whether a user of this role in an organization of kind `own` may give (or take away,
    /// by disabling) an account with `role` in an organization of kind `target` lying at
    /// `relation` to its own. No one but the administrator grants the administrator's role,
    /// and within its own office nobody grants a role above their own (a clerk does not make
    /// the office's leader).
    pub fn may_grant(
        self,
        own: OrgKind,
        target: OrgKind,
        relation: OrgRelation,
        role: Role,
    ) -> Result<(), GrantRefusal> {
        if relation == OrgRelation::Outside {
            return Err(GrantRefusal::Outside);
        }
        if role == Role::Admin && self != Role::Admin {
            return Err(GrantRefusal::NotGrantable);
        }
        let reachable = match self.account_reach(own) {
            AccountReach::Everything => true,
            AccountReach::Nothing => false,
            AccountReach::Offices { own_org, below } => match relation {
                // The actor's own organization is of its own kind.
                OrgRelation::Own => own_org && target == own,
                _ => below.contains(&target),
            },
        };
        if !reachable {
            return Err(GrantRefusal::NotGrantable);
        }
        if target.check_role(role).is_err() {
            return Err(GrantRefusal::RoleNotInOrg);
        }
        // Ranks compare within one office; an office below the actor's stands below it as a
        // whole, so its leader's account is the actor's to give.
        if relation == OrgRelation::Own && role.outranks(self) {
            return Err(GrantRefusal::NotGrantable);
        }
        Ok(())
    }

    /// May assign an expert to an enterprise in its scope, and end the assignment: the
    /// government clerks and the administrator.
    pub fn may_assign_experts(self) -> bool {
        self.is_clerk()
    }

    /// May load an edition of a national judgement standard (and so end the edition it
    /// replaces): the system administrator only, since every office inspects against it.
    pub fn may_load_standard_editions(self) -> bool {
        self == Role::Admin
    }

    /// May open an inspection record: government clerks, grid staff and experts — not
    /// enterprises, leaders or the security and audit administrators.
    pub fn may_inspect(self) -> bool {
        matches!(
            self,
            Role::Admin
                | Role::CommitteeClerk
                | Role::RegulatorClerk
                | Role::TerritorialClerk
                | Role::GridSupervisor
                | Role::Expert
        )
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

/// Which organizations' accounts a role keeps (see [`Role::account_reach`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountReach {
    /// The administrator: every organization.
    Everything,
    /// Its own organization (when `own_org`) and, inside its scope, organizations of the kinds
    /// in `below`.
    Offices {
        own_org: bool,
        below: &'static [OrgKind],
    },
    Nothing,
}

/// Where an organization lies from the acting user's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgRelation {
    /// The actor's own organization.
    Own,
    /// Another organization inside the actor's data scope: its jurisdiction inside the actor's
    /// subtree or, for an enterprise's organization, the enterprise inside the actor's scope.
    Inside,
    /// Anywhere else.
    Outside,
}

/// Why an account may not be given or taken away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantRefusal {
    /// The organization lies outside the actor's scope (answered as absent).
    Outside,
    /// The role does not belong in that kind of organization.
    RoleNotInOrg,
    /// The actor may not give this role in this organization.
    NotGrantable,
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

    /// Who may give which account where: actor (role, own kind) × target kind × relation ×
    /// role, by hand. Every combination not listed is refused.
    #[test]
    fn which_accounts_each_office_may_give() {
        use GrantRefusal::{NotGrantable, RoleNotInOrg};
        use OrgKind::*;
        use OrgRelation::*;
        use Role::*;
        let enterprise_roles = [
            EnterprisePrincipal,
            EnterpriseSafetyManager,
            EnterpriseStaff,
        ];
        // (actor role, actor kind, target kind, relation, role) → allowed
        let mut allowed: Vec<(Role, OrgKind, OrgKind, OrgRelation, Role)> = vec![];
        for kind in OrgKind::ALL {
            for role in kind.allowed_roles() {
                for relation in [Own, Inside] {
                    allowed.push((Admin, System, *kind, relation, *role));
                }
            }
        }
        // The district safety committee office: its own office's clerks, and every office,
        // regulator, enterprise and expert panel of its area with any role but the admin's.
        allowed.push((
            CommitteeClerk,
            SafetyCommitteeOffice,
            SafetyCommitteeOffice,
            Own,
            CommitteeClerk,
        ));
        for kind in [
            SafetyCommitteeOffice,
            IndustryRegulator,
            StreetOffice,
            Community,
            Enterprise,
            ExpertPanel,
        ] {
            for role in kind.allowed_roles() {
                allowed.push((CommitteeClerk, SafetyCommitteeOffice, kind, Inside, *role));
            }
        }
        allowed.push((
            RegulatorClerk,
            IndustryRegulator,
            IndustryRegulator,
            Own,
            RegulatorClerk,
        ));
        for role in enterprise_roles {
            allowed.push((RegulatorClerk, IndustryRegulator, Enterprise, Inside, role));
            allowed.push((TerritorialClerk, StreetOffice, Enterprise, Inside, role));
            allowed.push((TerritorialClerk, Community, Enterprise, Inside, role));
        }
        for role in [TerritorialClerk, GridSupervisor] {
            allowed.push((TerritorialClerk, StreetOffice, StreetOffice, Own, role));
            allowed.push((TerritorialClerk, StreetOffice, Community, Inside, role));
            allowed.push((TerritorialClerk, Community, Community, Own, role));
        }

        let mut checked = 0;
        for actor in Role::ALL {
            for own in OrgKind::ALL {
                for target in OrgKind::ALL {
                    for relation in [Own, Inside, Outside] {
                        for role in Role::ALL {
                            let key = (*actor, *own, *target, relation, *role);
                            let got = actor.may_grant(*own, *target, relation, *role);
                            if allowed.contains(&key) {
                                assert_eq!(got, Ok(()), "{key:?}");
                            } else {
                                assert!(got.is_err(), "{key:?} should be refused");
                            }
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert_eq!(checked, 10 * 7 * 7 * 3 * 10);

        // The reasons, for the cases a clerk meets.
        let street = |target, relation, role| {
            TerritorialClerk.may_grant(StreetOffice, target, relation, role)
        };
        assert_eq!(
            street(Enterprise, Outside, EnterpriseStaff),
            Err(GrantRefusal::Outside)
        );
        assert_eq!(street(System, Inside, Admin), Err(NotGrantable));
        assert_eq!(street(Enterprise, Inside, Admin), Err(NotGrantable));
        assert_eq!(
            street(Enterprise, Inside, TerritorialClerk),
            Err(RoleNotInOrg)
        );
        assert_eq!(street(StreetOffice, Own, Leader), Err(NotGrantable));
        assert_eq!(
            street(StreetOffice, Inside, TerritorialClerk),
            Err(NotGrantable)
        );
        assert_eq!(
            street(IndustryRegulator, Inside, RegulatorClerk),
            Err(NotGrantable)
        );
        assert_eq!(
            EnterprisePrincipal.may_grant(Enterprise, Enterprise, Own, EnterpriseStaff),
            Err(NotGrantable)
        );
        assert_eq!(
            CommitteeClerk.may_grant(SafetyCommitteeOffice, SafetyCommitteeOffice, Own, Leader),
            Err(NotGrantable)
        );
    }

    #[test]
    fn the_accounts_page_is_for_those_who_keep_accounts() {
        let keepers: Vec<(Role, OrgKind)> = Role::ALL
            .iter()
            .flat_map(|r| OrgKind::ALL.iter().map(move |k| (*r, *k)))
            .filter(|(r, k)| k.allowed_roles().contains(r) && r.may_manage_accounts(*k))
            .collect();
        assert_eq!(
            keepers,
            vec![
                (Role::Admin, OrgKind::System),
                (Role::CommitteeClerk, OrgKind::SafetyCommitteeOffice),
                (Role::RegulatorClerk, OrgKind::IndustryRegulator),
                (Role::TerritorialClerk, OrgKind::StreetOffice),
                (Role::TerritorialClerk, OrgKind::Community),
            ]
        );
    }

    #[test]
    fn only_the_administrator_loads_standard_editions() {
        for role in Role::ALL {
            assert_eq!(
                role.may_load_standard_editions(),
                *role == Role::Admin,
                "{role:?}"
            );
            if role.may_load_standard_editions() {
                assert!(role.may_inspect(), "the loader can also use what it loads");
            }
        }
        assert!(Role::GridSupervisor.may_inspect() && Role::Expert.may_inspect());
        assert!(!Role::EnterprisePrincipal.may_inspect() && !Role::Leader.may_inspect());
    }

    #[test]
    fn only_offices_with_enforcement_power_order_and_file_cases() {
        use OrgKind::*;
        // (kind, delegated setting, holds the power, a clerk may record enforcement)
        let table = [
            (IndustryRegulator, false, true, true),
            (IndustryRegulator, true, true, true),
            (StreetOffice, false, false, false),
            (StreetOffice, true, true, true),
            (Community, false, false, false),
            (Community, true, false, false),
            (SafetyCommitteeOffice, false, false, false),
            (SafetyCommitteeOffice, true, false, false),
            (System, false, true, true),
            (Enterprise, true, false, false),
            (ExpertPanel, true, false, false),
        ];
        for (kind, delegated, power, clerk_may) in table {
            assert_eq!(
                kind.holds_enforcement_power(delegated),
                power,
                "{kind:?} {delegated}"
            );
            let clerk = match kind {
                IndustryRegulator => Role::RegulatorClerk,
                StreetOffice | Community => Role::TerritorialClerk,
                SafetyCommitteeOffice => Role::CommitteeClerk,
                System => Role::Admin,
                Enterprise => Role::EnterprisePrincipal,
                ExpertPanel => Role::Expert,
            };
            assert_eq!(
                clerk.may_record_enforcement(kind, delegated),
                clerk_may,
                "{kind:?} {delegated}"
            );
        }
        // Grid staff and leaders of a delegated street do not decide; only its clerks do.
        for role in [Role::GridSupervisor, Role::Leader] {
            assert!(!role.may_record_enforcement(StreetOffice, true), "{role:?}");
        }
        assert!(!Role::Leader.may_record_enforcement(IndustryRegulator, false));
        let receivers: Vec<OrgKind> = OrgKind::ALL
            .iter()
            .copied()
            .filter(|k| k.may_receive_delegated_enforcement())
            .collect();
        assert_eq!(receivers, vec![StreetOffice]);
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
