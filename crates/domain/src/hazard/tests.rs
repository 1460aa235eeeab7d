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
        reported_by: None,
        planned_by: None,
        rectified_by: None,
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
fn a_general_hazard_is_closed_by_its_own_enterprise_with_evidence() {
    // User 1 is the safety manager who fixes it; user 2 the enterprise's principal.
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
    hazard.rectified_by = Some(1);
    assert_eq!(hazard.state, HazardState::AwaitingAcceptance);
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    let other = actor(Role::EnterpriseSafetyManager, false);
    assert!(matches!(
        decide(&hazard, &other, &accept, 2, today()),
        Err(TransitionError::NotPermitted { .. })
    ));
    let staff = actor(Role::EnterpriseStaff, true);
    assert!(matches!(
        decide(&hazard, &staff, &accept, 2, today()),
        Err(TransitionError::NotPermitted { .. })
    ));
    assert_eq!(
        decide(&hazard, &manager, &accept, 1, today()).unwrap_err(),
        TransitionError::NotPermitted {
            action: "accept",
            role: "enterprise_safety_manager",
            rule: "four_eyes_acceptance"
        },
        "not by the one who fixed it"
    );
    let principal = actor(Role::EnterprisePrincipal, true);
    assert_eq!(
        decide(&hazard, &principal, &accept, 2, today())
            .unwrap()
            .state,
        HazardState::Closed
    );
}

#[test]
fn rectification_outside_the_enterprise_says_why_it_is_done_on_its_behalf() {
    let mut hazard = facts(HazardLevel::General);
    let fix = |note: &str| Action::ImmediateFix {
        evidence: vec![7],
        note: note.into(),
    };
    let submit = |note: &str| Action::Submit {
        evidence: vec![7],
        note: note.into(),
    };
    let clerk = actor(Role::TerritorialClerk, false);
    let expert = actor(Role::Expert, false);
    let staff = actor(Role::EnterpriseStaff, true);
    for who in [&clerk, &expert] {
        assert_eq!(
            decide(&hazard, who, &fix(" \n "), 1, today()).unwrap_err(),
            TransitionError::Invalid(DomainError::Required { field: "note" }),
            "{:?}",
            who.role
        );
        assert!(
            decide(
                &hazard,
                who,
                &fix("检查时当场督促整改，企业负责人在场"),
                1,
                today()
            )
            .is_ok()
        );
    }
    assert!(decide(&hazard, &staff, &fix(""), 1, today()).is_ok());
    hazard.state = HazardState::Rectifying;
    assert_eq!(
        decide(&hazard, &clerk, &submit(""), 1, today()).unwrap_err(),
        TransitionError::Invalid(DomainError::Required { field: "note" })
    );
    assert!(
        decide(
            &hazard,
            &clerk,
            &submit("企业无账号，代为上传整改照片"),
            1,
            today()
        )
        .is_ok()
    );
    assert!(decide(&hazard, &staff, &submit(""), 1, today()).is_ok());
}

/// Four eyes (四眼原则) on acceptance, written out by hand: every role, as the hazard's
/// reporter, its planner, its rectifier, or someone else, on a general hazard, a major one,
/// and a listed major one. Every actor has the most favourable facts otherwise (own
/// enterprise, assigned expert, member of the listing office), so a refusal for the role
/// itself shows where a role may not accept at all.
#[test]
fn acceptance_is_by_someone_other_than_the_reporter_planner_or_rectifier() {
    use Role::*;
    const OK: Option<&str> = None;
    const FOUR: Option<&str> = Some("four_eyes_acceptance");
    const GENERAL: Option<&str> = Some("general_accepted_by_manager");
    const MAJOR: Option<&str> = Some("major_accepted_by_regulator_or_expert");
    const LISTED: Option<&str> = Some("listed_accepted_by_listing_office");
    // (major, listed, role, [as reporter, as planner, as rectifier, as someone else]):
    // None is accepted, Some(rule) refused by that rule.
    let table: Vec<(bool, bool, Role, [Option<&str>; 4])> = vec![
        (false, false, Admin, [FOUR, FOUR, FOUR, OK]),
        (false, false, CommitteeClerk, [FOUR, FOUR, FOUR, OK]),
        (false, false, RegulatorClerk, [FOUR, FOUR, FOUR, OK]),
        (false, false, TerritorialClerk, [FOUR, FOUR, FOUR, OK]),
        (false, false, GridSupervisor, [FOUR, FOUR, FOUR, OK]),
        (false, false, Leader, [GENERAL, GENERAL, GENERAL, GENERAL]),
        (false, false, Expert, [FOUR, FOUR, FOUR, OK]),
        (false, false, EnterprisePrincipal, [FOUR, FOUR, FOUR, OK]),
        (
            false,
            false,
            EnterpriseSafetyManager,
            [FOUR, FOUR, FOUR, OK],
        ),
        (
            false,
            false,
            EnterpriseStaff,
            [GENERAL, GENERAL, GENERAL, GENERAL],
        ),
        (true, false, Admin, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, false, CommitteeClerk, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, false, RegulatorClerk, [FOUR, FOUR, FOUR, OK]),
        (true, false, TerritorialClerk, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, false, GridSupervisor, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, false, Leader, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, false, Expert, [FOUR, FOUR, FOUR, OK]),
        (
            true,
            false,
            EnterprisePrincipal,
            [MAJOR, MAJOR, MAJOR, MAJOR],
        ),
        (
            true,
            false,
            EnterpriseSafetyManager,
            [MAJOR, MAJOR, MAJOR, MAJOR],
        ),
        (true, false, EnterpriseStaff, [MAJOR, MAJOR, MAJOR, MAJOR]),
        (true, true, Admin, [FOUR, FOUR, FOUR, OK]),
        (true, true, CommitteeClerk, [FOUR, FOUR, FOUR, OK]),
        (true, true, RegulatorClerk, [FOUR, FOUR, FOUR, OK]),
        (
            true,
            true,
            TerritorialClerk,
            [LISTED, LISTED, LISTED, LISTED],
        ),
        (true, true, GridSupervisor, [LISTED, LISTED, LISTED, LISTED]),
        (true, true, Leader, [LISTED, LISTED, LISTED, LISTED]),
        (true, true, Expert, [LISTED, LISTED, LISTED, LISTED]),
        (
            true,
            true,
            EnterprisePrincipal,
            [LISTED, LISTED, LISTED, LISTED],
        ),
        (
            true,
            true,
            EnterpriseSafetyManager,
            [LISTED, LISTED, LISTED, LISTED],
        ),
        (
            true,
            true,
            EnterpriseStaff,
            [LISTED, LISTED, LISTED, LISTED],
        ),
    ];
    let office = 99;
    let accept = Action::Accept {
        evidence: vec![],
        note: String::new(),
    };
    // The acting user is 5; the other steps were taken by users 2, 3 and 4.
    let me = 5;
    let relations = ["reporter", "planner", "rectifier", "someone else"];
    let mut checked = 0;
    for (major, listed, role, expected) in &table {
        for (i, relation) in relations.iter().enumerate() {
            let hazard = HazardFacts {
                state: HazardState::AwaitingAcceptance,
                level: if *major {
                    HazardLevel::Major
                } else {
                    HazardLevel::General
                },
                deadline: NaiveDate::from_ymd_opt(2026, 12, 31),
                has_plan: *major,
                listing_office: listed.then_some(office),
                pending_extension: false,
                reported_by: Some(if i == 0 { me } else { 2 }),
                planned_by: Some(if i == 1 { me } else { 3 }),
                rectified_by: Some(if i == 2 { me } else { 4 }),
            };
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
            let got = decide(&hazard, &who, &accept, me, today());
            let ok = match (expected[i], &got) {
                (None, Ok(out)) => out.state == HazardState::Closed,
                (Some(rule), Err(TransitionError::NotPermitted { rule: got, .. })) => rule == *got,
                _ => false,
            };
            assert!(
                ok,
                "accept on a {} {} hazard by {} as {relation}: expected {:?}, got {got:?}",
                if *listed { "listed" } else { "unlisted" },
                if *major { "major" } else { "general" },
                role.as_str(),
                expected[i],
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 3 * Role::ALL.len() * relations.len());
}

#[test]
fn sending_back_is_open_to_whoever_handled_the_hazard() {
    let mut hazard = facts(HazardLevel::General);
    hazard.state = HazardState::AwaitingAcceptance;
    hazard.reported_by = Some(1);
    hazard.planned_by = Some(1);
    hazard.rectified_by = Some(1);
    let manager = actor(Role::EnterpriseSafetyManager, true);
    let send_back = Action::SendBack {
        reason: "照片看不清".into(),
    };
    assert_eq!(
        decide(&hazard, &manager, &send_back, 1, today())
            .unwrap()
            .state,
        HazardState::Rectifying
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
        (
            evidence.clone(),
            proptest::sample::select(vec!["", "代企业提交"])
        )
            .prop_map(|(evidence, note)| Action::ImmediateFix {
                evidence,
                note: note.into()
            }),
        (
            evidence.clone(),
            proptest::sample::select(vec!["", "代企业提交"])
        )
            .prop_map(|(evidence, note)| Action::Submit {
                evidence,
                note: note.into()
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
        Just(Action::Reopen {
            reason: "验收后复查发现仍未整改到位".into()
        }),
    ]
}

proptest! {
    /// Whatever anyone tries, in any order: a rejected hazard stays rejected, a closed one
    /// leaves `closed` only when reopened by someone who could have accepted it and did not
    /// handle it, a major hazard
    /// is rectified only under a plan and closed only by a regulator or an assigned expert
    /// (or, when listed, by the listing office), every closure passed through acceptance, and
    /// nobody accepts what they reported, planned or rectified.
    #[test]
    fn the_lifecycle_invariants_hold_for_any_sequence(
        major in any::<bool>(),
        listed in any::<bool>(),
        steps in proptest::collection::vec((any_role(), any::<bool>(), any::<bool>(), 1i64..4, any_action()), 1..40),
    ) {
        let level = if major { HazardLevel::Major } else { HazardLevel::General };
        let mut hazard = HazardFacts {
            listing_office: listed.then_some(99),
            reported_by: Some(1),
            ..facts(level)
        };
        for (role, own, listing_org, user, action) in steps {
            let who = ActorFacts {
                role,
                org_id: if listing_org { 99 } else { 10 },
                own_enterprise: own,
                assigned_expert: role == Role::Expert && own,
            };
            let before = hazard.clone();
            match decide(&hazard, &who, &action, user, today()) {
                Ok(out) => {
                    prop_assert!(before.state != HazardState::Rejected, "left rejected");
                    if before.state == HazardState::Closed {
                        prop_assert!(matches!(action, Action::Reopen { .. }), "left closed without reopening");
                        prop_assert_eq!(out.state, HazardState::Rectifying);
                        prop_assert!(!before.handled_by(user), "reopened by whoever handled it");
                        prop_assert!(!role.is_enterprise_role(), "reopened by the enterprise");
                        if listed {
                            prop_assert_eq!(who.org_id, 99);
                        } else if major {
                            prop_assert!(role == Role::RegulatorClerk || (role == Role::Expert && who.assigned_expert));
                        }
                    }
                    if out.state == HazardState::Closed {
                        prop_assert_eq!(before.state, HazardState::AwaitingAcceptance);
                        prop_assert!(matches!(action, Action::Accept { .. }), "closed without acceptance");
                        prop_assert!(!before.handled_by(user), "accepted by whoever handled it");
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
                    // Who took each step, as the store records it.
                    match action {
                        Action::Confirm { .. } => hazard.planned_by = Some(user),
                        Action::Submit { .. } | Action::ImmediateFix { .. } => hazard.rectified_by = Some(user),
                        _ => {}
                    }
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

/// What a pasted hazard number looks like, and what is not one.
#[test]
fn a_query_names_a_hazard_number_only_when_it_is_a_whole_number() {
    use super::number_query;
    let cases: &[(&str, Option<&str>)] = &[
        ("YH450202002-2026-00001", Some("YH450202002-2026-00001")),
        ("  YH450202002-2026-00001\n", Some("YH450202002-2026-00001")),
        ("yh450202002-2026-00001", Some("YH450202002-2026-00001")),
        // Typed with a Chinese input method, or pasted from a document.
        (
            "ＹＨ４５０２０２００２－２０２６－００００１",
            Some("YH450202002-2026-00001"),
        ),
        ("YH450202002—2026—00001", Some("YH450202002-2026-00001")),
        ("YH 450202002-2026-00001", Some("YH450202002-2026-00001")),
        // Serials past five digits, and the benchmark's lettered ones.
        ("YH450202002-2026-123456", Some("YH450202002-2026-123456")),
        (
            "YH460101001-2025-B0000042",
            Some("YH460101001-2025-B0000042"),
        ),
        // Not whole numbers: no prefix, a short township, no serial, extra parts, words.
        ("450202002-2026-00001", None),
        ("YH45020200-2026-00001", None),
        ("YH450202002-2026-", None),
        ("YH450202002-2026", None),
        ("YH450202002-26-00001", None),
        ("YH450202002-2026-00001-2", None),
        ("YH", None),
        ("消防通道", None),
        ("", None),
    ];
    for (query, want) in cases {
        assert_eq!(number_query(query).as_deref(), *want, "{query:?}");
    }
}

/// What a query looks for inside enterprise names.
#[test]
fn a_query_looks_for_enterprise_names_of_two_characters_or_more() {
    use super::{MAX_NAME_QUERY_CHARS, name_query};
    let cases: &[(&str, Option<&str>)] = &[
        ("佰迪乐", Some("佰迪乐")),
        (" 佰迪乐KTV ", Some("佰迪乐ktv")),
        ("\u{3000}东都\u{3000}", Some("东都")),
        ("雅钥酒店（香桥分店）", Some("雅钥酒店（香桥分店）")),
        ("如家 neo", Some("如家 neo")),
        ("消防", Some("消防")),
        ("厂", None),
        ("  ", None),
        ("", None),
    ];
    for (query, want) in cases {
        assert_eq!(name_query(query).as_deref(), *want, "{query:?}");
    }
    assert!(name_query(&"企".repeat(MAX_NAME_QUERY_CHARS)).is_some());
    assert!(name_query(&"企".repeat(MAX_NAME_QUERY_CHARS + 1)).is_none());
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
/// expert is assigned to it, every other actor belongs to the listing office when the hazard
/// is listed, someone else reported, planned and rectified it, and a rectification recorded
/// from outside the enterprise says why — the most favourable facts each role can have, so a
/// role missing from a row is refused even then.
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
                    note: "检查时当场整改".into(),
                },
            ),
            "submit" => (
                HazardState::Rectifying,
                Action::Submit {
                    evidence: vec![1],
                    note: "代企业提交整改材料".into(),
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
            // The acting user (1) took none of the earlier steps.
            reported_by: Some(2),
            planned_by: Some(3),
            rectified_by: Some(4),
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

#[test]
fn a_closed_hazard_is_reopened_by_who_may_accept_it_never_by_who_handled_it() {
    let closed = |level| HazardFacts {
        state: HazardState::Closed,
        reported_by: Some(1),
        planned_by: Some(2),
        rectified_by: Some(3),
        ..facts(level)
    };
    let reopen = Action::Reopen {
        reason: "复查发现安全出口仍被锁闭".into(),
    };
    let regulator = actor(Role::RegulatorClerk, false);
    let out = decide(&closed(HazardLevel::Major), &regulator, &reopen, 9, today()).unwrap();
    assert_eq!(out.state, HazardState::Rectifying);
    assert!(out.reopened && !out.closed);
    for (who, level, user, rule) in [
        (
            actor(Role::EnterpriseSafetyManager, true),
            HazardLevel::General,
            9,
            "general_reopened_by_office",
        ),
        (
            actor(Role::GridSupervisor, false),
            HazardLevel::General,
            9,
            "general_reopened_by_office",
        ),
        (
            actor(Role::TerritorialClerk, false),
            HazardLevel::Major,
            9,
            "major_reopened_by_regulator_or_expert",
        ),
        (
            actor(Role::RegulatorClerk, false),
            HazardLevel::Major,
            2,
            "four_eyes_reopen",
        ),
        (
            actor(Role::TerritorialClerk, false),
            HazardLevel::General,
            3,
            "four_eyes_reopen",
        ),
    ] {
        match decide(&closed(level), &who, &reopen, user, today()) {
            Err(TransitionError::NotPermitted { rule: got, .. }) => assert_eq!(got, rule),
            other => panic!("{:?} {user}: {other:?}", who.role),
        }
    }
    assert!(
        decide(
            &closed(HazardLevel::General),
            &actor(Role::TerritorialClerk, false),
            &reopen,
            9,
            today()
        )
        .is_ok()
    );
    // A listed hazard: its listing office only.
    let listed = HazardFacts {
        listing_office: Some(99),
        ..closed(HazardLevel::Major)
    };
    assert!(decide(&listed, &regulator, &reopen, 9, today()).is_err());
    let listing = ActorFacts {
        org_id: 99,
        ..regulator.clone()
    };
    assert!(decide(&listed, &listing, &reopen, 9, today()).is_ok());
    // With its reason, and only from closed.
    let no_reason = Action::Reopen { reason: " ".into() };
    assert_eq!(
        decide(
            &closed(HazardLevel::Major),
            &regulator,
            &no_reason,
            9,
            today()
        )
        .unwrap_err(),
        TransitionError::Invalid(DomainError::Required { field: "reason" })
    );
    let rejected = HazardFacts {
        state: HazardState::Rejected,
        ..closed(HazardLevel::General)
    };
    assert!(matches!(
        decide(&rejected, &regulator, &reopen, 9, today()),
        Err(TransitionError::WrongState { .. })
    ));
}
