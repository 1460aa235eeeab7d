use super::*;
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
}

fn facts(level: HazardLevel) -> HazardFacts {
    HazardFacts {
        state: HazardState::Reported,
        level,
        deadline: None,
        has_plan: false,
        listing_office: None,
        pending_extension: false,
    }
}

fn actor(role: Role, own: bool) -> ActorFacts {
    ActorFacts {
        role,
        org_id: 10,
        own_enterprise: own,
        assigned_expert: role == Role::Expert,
    }
}

fn plan() -> RectificationPlan {
    RectificationPlan {
        responsible_person: "韦经理".into(),
        measures: "更换过期灭火器，清理消防通道".into(),
        funds_yuan: Some(3000),
        deadline: "2026-12-31".into(),
        interim_measures: "设专人值守，暂停使用二楼包厢".into(),
    }
}

#[test]
fn a_major_hazard_needs_every_element_of_its_plan_and_names_the_missing_one() {
    let manager = actor(Role::EnterpriseSafetyManager, true);
    let hazard = facts(HazardLevel::Major);
    let confirm = |plan: Option<RectificationPlan>| Action::Confirm {
        plan,
        deadline: Some("2026-12-31".into()),
        note: String::new(),
    };
    assert_eq!(
        decide(&hazard, &manager, &confirm(None), 1, today()).unwrap_err(),
        TransitionError::Invalid(DomainError::Required { field: "plan" })
    );
    for (field, broken) in [
        (
            "plan.responsible_person",
            RectificationPlan {
                responsible_person: " ".into(),
                ..plan()
            },
        ),
        (
            "plan.measures",
            RectificationPlan {
                measures: String::new(),
                ..plan()
            },
        ),
        (
            "plan.funds_yuan",
            RectificationPlan {
                funds_yuan: None,
                ..plan()
            },
        ),
        (
            "plan.deadline",
            RectificationPlan {
                deadline: String::new(),
                ..plan()
            },
        ),
        (
            "plan.interim_measures",
            RectificationPlan {
                interim_measures: String::new(),
                ..plan()
            },
        ),
    ] {
        assert_eq!(
            decide(&hazard, &manager, &confirm(Some(broken)), 1, today()).unwrap_err(),
            TransitionError::Invalid(DomainError::Required { field }),
            "{field}"
        );
    }
    let past = RectificationPlan {
        deadline: "2026-11-22".into(),
        ..plan()
    };
    assert_eq!(
        decide(&hazard, &manager, &confirm(Some(past)), 1, today()).unwrap_err(),
        TransitionError::Invalid(DomainError::DateInPast {
            field: "plan.deadline"
        })
    );
    let ok = decide(&hazard, &manager, &confirm(Some(plan())), 1, today()).unwrap();
    assert_eq!(ok.state, HazardState::Rectifying);
    assert_eq!(ok.deadline, NaiveDate::from_ymd_opt(2026, 12, 31));
}

#[test]
fn a_general_hazard_is_closed_by_its_own_safety_manager_with_evidence() {
    let manager = actor(Role::EnterpriseSafetyManager, true);
    let mut hazard = facts(HazardLevel::General);
    let fix = Action::ImmediateFix {
        evidence: vec![],
        note: String::new(),
    };
    assert_eq!(
        decide(&hazard, &manager, &fix, 1, today()).unwrap_err(),
        TransitionError::Invalid(DomainError::Required { field: "evidence" })
    );
    let fix = Action::ImmediateFix {
        evidence: vec![7],
        note: String::new(),
    };
    hazard.state = decide(&hazard, &manager, &fix, 1, today()).unwrap().state;
    assert_eq!(hazard.state, HazardState::AwaitingAcceptance);
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    let other = actor(Role::EnterpriseSafetyManager, false);
    assert!(matches!(
        decide(&hazard, &other, &accept, 1, today()),
        Err(TransitionError::NotPermitted { .. })
    ));
    let staff = actor(Role::EnterpriseStaff, true);
    assert!(matches!(
        decide(&hazard, &staff, &accept, 1, today()),
        Err(TransitionError::NotPermitted { .. })
    ));
    assert_eq!(
        decide(&hazard, &manager, &accept, 1, today())
            .unwrap()
            .state,
        HazardState::Closed
    );
}

#[test]
fn a_major_hazard_is_never_closed_by_the_enterprise() {
    let mut hazard = facts(HazardLevel::Major);
    hazard.state = HazardState::AwaitingAcceptance;
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    for role in [
        Role::EnterprisePrincipal,
        Role::EnterpriseSafetyManager,
        Role::TerritorialClerk,
        Role::GridSupervisor,
    ] {
        assert!(
            matches!(
                decide(&hazard, &actor(role, true), &accept, 1, today()),
                Err(TransitionError::NotPermitted { .. })
            ),
            "{role:?}"
        );
    }
    assert!(
        decide(
            &hazard,
            &actor(Role::RegulatorClerk, false),
            &accept,
            1,
            today()
        )
        .is_ok()
    );
    assert!(decide(&hazard, &actor(Role::Expert, false), &accept, 1, today()).is_ok());
    let unassigned = ActorFacts {
        assigned_expert: false,
        ..actor(Role::Expert, false)
    };
    assert!(decide(&hazard, &unassigned, &accept, 1, today()).is_err());
    assert!(matches!(
        decide(
            &hazard,
            &actor(Role::EnterpriseSafetyManager, true),
            &Action::ImmediateFix {
                evidence: vec![1],
                note: String::new()
            },
            1,
            today()
        ),
        Err(TransitionError::WrongState { .. })
    ));
}

#[test]
fn a_listed_hazard_needs_the_listing_office() {
    let mut hazard = facts(HazardLevel::Major);
    hazard.state = HazardState::AwaitingAcceptance;
    hazard.listing_office = Some(99);
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    let regulator = actor(Role::RegulatorClerk, false);
    assert_eq!(
        decide(&hazard, &regulator, &accept, 1, today()).unwrap_err(),
        TransitionError::NotPermitted {
            action: "accept",
            role: "regulator_clerk",
            rule: "listed_accepted_by_listing_office"
        }
    );
    let office = ActorFacts {
        org_id: 99,
        ..actor(Role::CommitteeClerk, false)
    };
    assert_eq!(
        decide(&hazard, &office, &accept, 1, today()).unwrap().state,
        HazardState::Closed
    );
}

#[test]
fn extensions_are_requested_and_decided_never_silent() {
    let mut hazard = facts(HazardLevel::General);
    hazard.state = HazardState::Rectifying;
    hazard.deadline = NaiveDate::from_ymd_opt(2026, 12, 1);
    let manager = actor(Role::EnterpriseSafetyManager, true);
    let earlier = Action::RequestExtension {
        new_deadline: "2026-11-30".into(),
        reason: "材料未到".into(),
    };
    assert!(decide(&hazard, &manager, &earlier, 1, today()).is_err());
    let later = Action::RequestExtension {
        new_deadline: "2026-12-20".into(),
        reason: "材料未到".into(),
    };
    let out = decide(&hazard, &manager, &later, 5, today()).unwrap();
    assert_eq!(out.state, HazardState::Rectifying);
    assert_eq!(out.deadline, None, "the deadline does not move on request");
    assert!(matches!(
        out.pending_extension,
        Some(Some(ExtensionRequest {
            requested_by: 5,
            ..
        }))
    ));
    let decide_ext = Action::DecideExtension {
        approve: true,
        note: String::new(),
    };
    assert!(
        decide(
            &hazard,
            &actor(Role::TerritorialClerk, false),
            &decide_ext,
            1,
            today()
        )
        .is_err(),
        "nothing pending"
    );
    hazard.pending_extension = true;
    assert!(
        decide(&hazard, &manager, &decide_ext, 1, today()).is_err(),
        "not by the enterprise"
    );
    assert!(
        decide(
            &hazard,
            &actor(Role::TerritorialClerk, false),
            &decide_ext,
            1,
            today()
        )
        .is_ok()
    );
}

#[test]
fn overdue_is_derived() {
    let d = NaiveDate::from_ymd_opt(2026, 11, 22);
    assert!(is_overdue(HazardState::Rectifying, d, today()));
    assert!(!is_overdue(HazardState::Closed, d, today()));
    assert!(!is_overdue(
        HazardState::Rectifying,
        NaiveDate::from_ymd_opt(2026, 11, 23),
        today()
    ));
    assert!(!is_overdue(HazardState::Reported, None, today()));
}

fn any_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}

fn any_action() -> impl Strategy<Value = Action> {
    let evidence = proptest::collection::vec(1i64..5, 0..2);
    prop_oneof![
        (
            proptest::option::of(Just(plan())),
            proptest::option::of(Just("2026-12-31".to_string()))
        )
            .prop_map(|(plan, deadline)| Action::Confirm {
                plan,
                deadline,
                note: String::new()
            }),
        Just(Action::Reject {
            reason: "不构成隐患".into()
        }),
        evidence.clone().prop_map(|evidence| Action::ImmediateFix {
            evidence,
            note: String::new()
        }),
        evidence.clone().prop_map(|evidence| Action::Submit {
            evidence,
            note: String::new()
        }),
        Just(Action::Accept {
            evidence: vec![],
            note: String::new()
        }),
        Just(Action::SendBack {
            reason: "整改不到位".into()
        }),
        Just(Action::RequestExtension {
            new_deadline: "2027-01-31".into(),
            reason: "等待设备".into()
        }),
        any::<bool>().prop_map(|approve| Action::DecideExtension {
            approve,
            note: String::new()
        }),
    ]
}

proptest! {
    /// Whatever anyone tries, in any order: a finished hazard stays finished, a major hazard
    /// is rectified only under a plan and closed only by a regulator or an assigned expert
    /// (or, when listed, by the listing office), and every closure passed through acceptance.
    #[test]
    fn the_lifecycle_invariants_hold_for_any_sequence(
        major in any::<bool>(),
        listed in any::<bool>(),
        steps in proptest::collection::vec((any_role(), any::<bool>(), any::<bool>(), any_action()), 1..40),
    ) {
        let level = if major { HazardLevel::Major } else { HazardLevel::General };
        let mut hazard = HazardFacts { listing_office: listed.then_some(99), ..facts(level) };
        for (role, own, listing_org, action) in steps {
            let who = ActorFacts {
                role,
                org_id: if listing_org { 99 } else { 10 },
                own_enterprise: own,
                assigned_expert: role == Role::Expert && own,
            };
            let before = hazard.clone();
            match decide(&hazard, &who, &action, 1, today()) {
                Ok(out) => {
                    prop_assert!(!matches!(before.state, HazardState::Closed | HazardState::Rejected), "left a final state");
                    if out.state == HazardState::Closed {
                        prop_assert_eq!(before.state, HazardState::AwaitingAcceptance);
                        prop_assert!(matches!(action, Action::Accept { .. }), "closed without acceptance");
                        if listed {
                            prop_assert_eq!(who.org_id, 99);
                        } else if major {
                            prop_assert!(role == Role::RegulatorClerk || (role == Role::Expert && who.assigned_expert));
                        }
                    }
                    if major && out.state == HazardState::Rectifying && before.state == HazardState::Reported {
                        prop_assert!(out.plan.is_some());
                    }
                    if out.state == HazardState::AwaitingAcceptance && before.state != HazardState::AwaitingAcceptance {
                        prop_assert!(!action.evidence().is_empty(), "no evidence");
                    }
                    hazard.state = out.state;
                    if let Some(d) = out.deadline { hazard.deadline = Some(d); }
                    if out.plan.is_some() { hazard.has_plan = true; }
                    if let Some(p) = out.pending_extension { hazard.pending_extension = p.is_some(); }
                }
                Err(_) => prop_assert_eq!(&hazard, &before),
            }
            if major && hazard.state == HazardState::Rectifying {
                prop_assert!(hazard.has_plan);
            }
        }
    }
}

#[test]
fn search_tokens_make_two_character_words_findable() {
    let indexed = search_tokens("二楼消防通道堆放杂物，灭火器过期 (ABC-4kg)");
    let words: std::collections::HashSet<&str> = indexed.split(' ').collect();
    for query in ["消防", "消防通道", "灭火器", "过期", "abc", "4kg", "杂"] {
        for token in query_tokens(query) {
            assert!(
                words.contains(token.as_str()),
                "{query}: {token} missing from {indexed}"
            );
        }
    }
    assert_eq!(
        query_tokens("灭火器"),
        vec!["火器".to_string(), "灭火".to_string()]
    );
    assert!(query_tokens("  ，。").is_empty());
}

#[test]
fn a_report_is_validated() {
    let input = HazardInput {
        enterprise_id: 1,
        title: "消防通道堆放杂物".into(),
        level: "general".into(),
        category: "32".into(),
        source: "self_inspection".into(),
        found_at: "2026-11-20".into(),
        ..Default::default()
    };
    assert!(input.validate(today()).is_ok());
    let future = HazardInput {
        found_at: "2026-11-24".into(),
        ..input.clone()
    };
    assert!(future.validate(today()).is_err());
    let bad_category = HazardInput {
        category: "5".into(),
        ..input.clone()
    };
    assert_eq!(
        bad_category.validate(today()).unwrap_err().code(),
        "invalid_value"
    );
    let no_title = HazardInput {
        title: " ".into(),
        ..input
    };
    assert_eq!(
        no_title.validate(today()).unwrap_err(),
        DomainError::Required { field: "title" }
    );
}

proptest! {
    #[test]
    fn tokenizing_never_panics_and_every_query_token_of_a_text_is_in_its_index(s in "\\PC{0,60}") {
        let indexed = search_tokens(&s);
        let words: std::collections::HashSet<&str> = indexed.split(' ').collect();
        for token in query_tokens(&s) {
            prop_assert!(words.contains(token.as_str()));
        }
    }
}

/// Who may take each step, by level and listing, written out by hand: every role × action ×
/// listed/unlisted × general/major. Enterprise roles act on their own enterprise's hazard, the
/// expert is assigned to it, and every other actor belongs to the listing office when the
/// hazard is listed — the most favourable facts each role can have, so a role missing from a
/// row is refused even then.
#[test]
fn who_may_take_each_step_by_level_and_listing() {
    use Role::*;
    const GOVERNMENT: &[Role] = &[
        Admin,
        CommitteeClerk,
        RegulatorClerk,
        TerritorialClerk,
        GridSupervisor,
    ];
    const CLOSERS_OF_GENERAL: &[Role] = &[
        Admin,
        CommitteeClerk,
        RegulatorClerk,
        TerritorialClerk,
        GridSupervisor,
        Expert,
        EnterprisePrincipal,
        EnterpriseSafetyManager,
    ];
    const LISTING_OFFICE: &[Role] = &[Admin, CommitteeClerk, RegulatorClerk];
    const ENTERPRISE: &[Role] = &[
        EnterprisePrincipal,
        EnterpriseSafetyManager,
        EnterpriseStaff,
    ];
    let government_and_enterprise: Vec<Role> = [GOVERNMENT, ENTERPRISE]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    let fixers: Vec<Role> = [GOVERNMENT, ENTERPRISE, &[Expert]]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    // (action, major, listed, the roles allowed)
    let table: Vec<(&str, bool, bool, &[Role])> = vec![
        ("confirm", false, false, CLOSERS_OF_GENERAL),
        ("confirm", false, true, CLOSERS_OF_GENERAL),
        ("confirm", true, false, CLOSERS_OF_GENERAL),
        ("confirm", true, true, CLOSERS_OF_GENERAL),
        ("reject", false, false, CLOSERS_OF_GENERAL),
        ("reject", false, true, CLOSERS_OF_GENERAL),
        (
            "reject",
            true,
            false,
            &[Admin, CommitteeClerk, RegulatorClerk, Expert],
        ),
        (
            "reject",
            true,
            true,
            &[Admin, CommitteeClerk, RegulatorClerk, Expert],
        ),
        ("immediate_fix", false, false, &fixers),
        ("immediate_fix", false, true, &fixers),
        ("immediate_fix", true, false, &[]),
        ("immediate_fix", true, true, &[]),
        ("submit", false, false, &government_and_enterprise),
        ("submit", false, true, &government_and_enterprise),
        ("submit", true, false, &government_and_enterprise),
        ("submit", true, true, &government_and_enterprise),
        ("accept", false, false, CLOSERS_OF_GENERAL),
        ("accept", false, true, LISTING_OFFICE),
        ("accept", true, false, &[RegulatorClerk, Expert]),
        ("accept", true, true, LISTING_OFFICE),
        ("send_back", false, false, CLOSERS_OF_GENERAL),
        ("send_back", false, true, LISTING_OFFICE),
        ("send_back", true, false, &[RegulatorClerk, Expert]),
        ("send_back", true, true, LISTING_OFFICE),
        ("request_extension", false, false, ENTERPRISE),
        ("request_extension", false, true, ENTERPRISE),
        ("request_extension", true, false, ENTERPRISE),
        ("request_extension", true, true, ENTERPRISE),
        (
            "decide_extension",
            false,
            false,
            &[CommitteeClerk, RegulatorClerk, TerritorialClerk],
        ),
        (
            "decide_extension",
            false,
            true,
            &[CommitteeClerk, RegulatorClerk, TerritorialClerk],
        ),
        (
            "decide_extension",
            true,
            false,
            &[CommitteeClerk, RegulatorClerk],
        ),
        (
            "decide_extension",
            true,
            true,
            &[CommitteeClerk, RegulatorClerk],
        ),
    ];
    let office = 99;
    let mut checked = 0;
    for (name, major, listed, allowed) in &table {
        let (state, action) = match *name {
            "confirm" => (
                HazardState::Reported,
                Action::Confirm {
                    plan: Some(plan()),
                    deadline: None,
                    note: String::new(),
                },
            ),
            "reject" => (
                HazardState::Reported,
                Action::Reject {
                    reason: "不是隐患".into(),
                },
            ),
            "immediate_fix" => (
                HazardState::Reported,
                Action::ImmediateFix {
                    evidence: vec![1],
                    note: String::new(),
                },
            ),
            "submit" => (
                HazardState::Rectifying,
                Action::Submit {
                    evidence: vec![1],
                    note: String::new(),
                },
            ),
            "accept" => (
                HazardState::AwaitingAcceptance,
                Action::Accept {
                    evidence: vec![],
                    note: String::new(),
                },
            ),
            "send_back" => (
                HazardState::AwaitingAcceptance,
                Action::SendBack {
                    reason: "证据不足".into(),
                },
            ),
            "request_extension" => (
                HazardState::Rectifying,
                Action::RequestExtension {
                    new_deadline: "2027-01-31".into(),
                    reason: "材料未到".into(),
                },
            ),
            "decide_extension" => (
                HazardState::Rectifying,
                Action::DecideExtension {
                    approve: true,
                    note: String::new(),
                },
            ),
            other => panic!("no such action in the table: {other}"),
        };
        assert_eq!(action.name(), *name);
        let hazard = HazardFacts {
            state,
            level: if *major {
                HazardLevel::Major
            } else {
                HazardLevel::General
            },
            deadline: NaiveDate::from_ymd_opt(2026, 12, 31),
            has_plan: *major,
            listing_office: listed.then_some(office),
            pending_extension: *name == "decide_extension",
        };
        for role in Role::ALL {
            let who = ActorFacts {
                role: *role,
                org_id: if *listed && !role.is_enterprise_role() {
                    office
                } else {
                    10
                },
                own_enterprise: role.is_enterprise_role(),
                assigned_expert: *role == Expert,
            };
            let got = decide(&hazard, &who, &action, 1, today());
            match (allowed.contains(role), &got) {
                (true, Ok(_)) | (false, Err(TransitionError::NotPermitted { .. })) => {}
                _ => panic!(
                    "{name} on a {} {} hazard by {}: expected {}, got {got:?}",
                    if *listed { "listed" } else { "unlisted" },
                    if *major { "major" } else { "general" },
                    role.as_str(),
                    if allowed.contains(role) {
                        "allowed"
                    } else {
                        "refused"
                    },
                ),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 8 * 2 * 2 * Role::ALL.len());
}

#[test]
fn a_leader_of_the_listing_office_never_closes_its_hazard() {
    let mut hazard = facts(HazardLevel::Major);
    hazard.state = HazardState::AwaitingAcceptance;
    hazard.has_plan = true;
    hazard.listing_office = Some(99);
    let leader = ActorFacts {
        org_id: 99,
        ..actor(Role::Leader, false)
    };
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    assert_eq!(
        decide(&hazard, &leader, &accept, 1, today()).unwrap_err(),
        TransitionError::NotPermitted {
            action: "accept",
            role: "leader",
            rule: "listed_accepted_by_listing_office"
        }
    );
}
