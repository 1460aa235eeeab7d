use super::*;
use HazardState::*;
use LevelChange::*;

const REPORTER: i64 = 1;
const OTHER: i64 = 7;
const LISTING_OFFICE: i64 = 99;

fn hazard(state: HazardState, level: HazardLevel) -> HazardFacts {
    HazardFacts {
        state,
        level,
        deadline: None,
        has_plan: false,
        listing_office: None,
        pending_extension: false,
        reported_by: Some(REPORTER),
        planned_by: None,
        rectified_by: None,
    }
}

fn actor(role: Role, own: bool, assigned: bool) -> ActorFacts {
    ActorFacts {
        role,
        org_id: 10,
        own_enterprise: own,
        assigned_expert: role == Role::Expert && assigned,
    }
}

fn current(level: HazardLevel) -> CorrectableFields {
    CorrectableFields {
        title: "安全出口上锁".into(),
        description: "二楼东侧安全出口被铁链锁闭".into(),
        place: "二楼东侧".into(),
        category: "43".into(),
        level,
    }
}

/// Who may make which correction in which state: `F` fields, `U` upgrade, `D` downgrade;
/// `R` a closed hazard answers "reopen first", `W` a rejected one "wrong state".
#[test]
fn who_may_correct_what_in_which_state() {
    let manager = actor(Role::EnterpriseSafetyManager, true, false);
    let principal = actor(Role::EnterprisePrincipal, true, false);
    let staff = actor(Role::EnterpriseStaff, true, false);
    let other_manager = actor(Role::EnterpriseSafetyManager, false, false);
    let street = actor(Role::TerritorialClerk, false, false);
    let grid = actor(Role::GridSupervisor, false, false);
    let regulator = actor(Role::RegulatorClerk, false, false);
    let committee = actor(Role::CommitteeClerk, false, false);
    let expert = actor(Role::Expert, false, true);
    let stranger_expert = actor(Role::Expert, false, false);
    let leader = actor(Role::Leader, false, false);
    // (who, user id, state, what each of fields / upgrade / downgrade gives)
    let table: &[(&str, &ActorFacts, i64, HazardState, &str)] = &[
        ("manager", &manager, OTHER, Reported, "FU-"),
        ("manager", &manager, OTHER, Rectifying, "---"),
        ("manager", &manager, OTHER, AwaitingAcceptance, "---"),
        ("principal", &principal, OTHER, Reported, "FU-"),
        ("staff, not the reporter", &staff, OTHER, Reported, "---"),
        ("staff who reported it", &staff, REPORTER, Reported, "FU-"),
        ("staff who reported it", &staff, REPORTER, Rectifying, "---"),
        (
            "another enterprise's manager",
            &other_manager,
            OTHER,
            Reported,
            "---",
        ),
        ("street office", &street, OTHER, Reported, "FU-"),
        ("street office", &street, OTHER, Rectifying, "FU-"),
        ("street office", &street, OTHER, AwaitingAcceptance, "FU-"),
        ("grid supervisor", &grid, OTHER, Reported, "---"),
        (
            "grid supervisor who reported it",
            &grid,
            REPORTER,
            Reported,
            "FU-",
        ),
        (
            "grid supervisor who reported it",
            &grid,
            REPORTER,
            Rectifying,
            "---",
        ),
        ("regulator", &regulator, OTHER, Reported, "FUD"),
        ("regulator", &regulator, OTHER, Rectifying, "FUD"),
        (
            "committee office",
            &committee,
            OTHER,
            AwaitingAcceptance,
            "FUD",
        ),
        ("assigned expert", &expert, OTHER, Reported, "FU-"),
        ("assigned expert", &expert, OTHER, Rectifying, "FU-"),
        ("assigned expert", &expert, OTHER, AwaitingAcceptance, "FU-"),
        (
            "unassigned expert",
            &stranger_expert,
            OTHER,
            Rectifying,
            "---",
        ),
        ("leader", &leader, OTHER, Reported, "---"),
        ("regulator", &regulator, OTHER, Closed, "RRR"),
        ("manager", &manager, OTHER, Closed, "RRR"),
        ("assigned expert", &expert, OTHER, Closed, "RRR"),
        ("regulator", &regulator, OTHER, Rejected, "WWW"),
    ];
    for (who, actor, user, state, expected) in table {
        let got: String = [
            (true, Unchanged, 'F'),
            (false, Upgrade, 'U'),
            (false, Downgrade, 'D'),
        ]
        .iter()
        .map(|(descriptive, level, mark)| {
            match may_correct(
                &hazard(*state, HazardLevel::General),
                actor,
                *user,
                *descriptive,
                *level,
            ) {
                Ok(()) => *mark,
                Err(TransitionError::ReopenFirst) => 'R',
                Err(TransitionError::WrongState { .. }) => 'W',
                Err(TransitionError::NotPermitted { .. }) => '-',
                Err(other) => panic!("{who}: {other}"),
            }
        })
        .collect();
        assert_eq!(&got, expected, "{who} in {state:?}");
    }
}

#[test]
fn a_listed_major_hazard_is_downgraded_only_by_the_listing_office() {
    let listed = HazardFacts {
        listing_office: Some(LISTING_OFFICE),
        ..hazard(Rectifying, HazardLevel::Major)
    };
    let elsewhere = actor(Role::RegulatorClerk, false, false);
    let listing = ActorFacts {
        org_id: LISTING_OFFICE,
        ..elsewhere.clone()
    };
    assert!(may_correct(&listed, &listing, OTHER, false, Downgrade).is_ok());
    assert!(matches!(
        may_correct(&listed, &elsewhere, OTHER, false, Downgrade),
        Err(TransitionError::NotPermitted {
            rule: "major_downgraded_by_regulator",
            ..
        })
    ));
    // Anyone else who may correct still fixes a wording.
    assert!(may_correct(&listed, &elsewhere, OTHER, true, Unchanged).is_ok());
}

#[test]
fn an_expert_upgrading_a_hazard_in_rectification_without_a_plan_sends_it_back_to_be_planned() {
    let expert = actor(Role::Expert, false, true);
    let upgrade = HazardCorrection {
        expected_version: 3,
        reason: "涉及安全出口锁闭，符合重大火灾隐患判定规则".into(),
        level: Some("major".into()),
        ..Default::default()
    };
    let rectifying = hazard(Rectifying, HazardLevel::General);
    let (correction, outcome) = correct(
        &rectifying,
        &current(HazardLevel::General),
        &expert,
        OTHER,
        &upgrade,
    )
    .unwrap();
    assert_eq!(correction.level, Upgrade);
    assert_eq!(
        correction.changes,
        vec![FieldChange {
            field: "level",
            before: "general".into(),
            after: "major".into()
        }]
    );
    assert_eq!(
        outcome,
        CorrectionOutcome {
            state: Reported,
            replan: true,
            notify_major: true
        }
    );
    // With a five-element plan already in place, rectification carries on under it.
    let planned = HazardFacts {
        has_plan: true,
        ..rectifying.clone()
    };
    let (_, outcome) = correct(
        &planned,
        &current(HazardLevel::General),
        &expert,
        OTHER,
        &upgrade,
    )
    .unwrap();
    assert_eq!(outcome.state, Rectifying);
    assert!(!outcome.replan && outcome.notify_major);
    // Still reported: nothing to send back.
    let (_, outcome) = correct(
        &hazard(Reported, HazardLevel::General),
        &current(HazardLevel::General),
        &expert,
        OTHER,
        &upgrade,
    )
    .unwrap();
    assert_eq!(outcome.state, Reported);
    assert!(!outcome.replan);
}

#[test]
fn a_correction_names_its_reason_changes_something_and_is_checked_like_a_report() {
    let street = actor(Role::TerritorialClerk, false, false);
    let reported = hazard(Reported, HazardLevel::General);
    let fields = current(HazardLevel::General);
    let ask = |c: HazardCorrection| correct(&reported, &fields, &street, OTHER, &c);
    let base = HazardCorrection {
        expected_version: 1,
        reason: "部位记录有误".into(),
        place: Some("二楼西侧".into()),
        ..Default::default()
    };
    let (correction, outcome) = ask(base.clone()).unwrap();
    assert_eq!(correction.fields.place, "二楼西侧");
    assert_eq!(correction.changes.len(), 1);
    assert_eq!(correction.reason, "部位记录有误");
    assert!(!outcome.notify_major);
    for (broken, error) in [
        (
            HazardCorrection {
                reason: "  ".into(),
                ..base.clone()
            },
            DomainError::Required { field: "reason" },
        ),
        (
            HazardCorrection {
                place: Some("二楼东侧".into()),
                title: Some("安全出口上锁".into()),
                ..base.clone()
            },
            DomainError::Required {
                field: "correction",
            },
        ),
        (
            HazardCorrection {
                title: Some(" ".into()),
                ..base.clone()
            },
            DomainError::Required { field: "title" },
        ),
        (
            HazardCorrection {
                category: Some("5".into()),
                ..base.clone()
            },
            DomainError::InvalidValue {
                field: "category",
                value: "5".into(),
            },
        ),
        (
            HazardCorrection {
                level: Some("huge".into()),
                ..base.clone()
            },
            DomainError::InvalidValue {
                field: "level",
                value: "huge".into(),
            },
        ),
    ] {
        assert_eq!(ask(broken).unwrap_err(), TransitionError::Invalid(error));
    }
}

#[test]
fn a_closed_hazard_answers_reopen_first_before_anything_else() {
    let manager = actor(Role::EnterpriseSafetyManager, true, false);
    let empty = HazardCorrection::default();
    for who in [&manager, &actor(Role::RegulatorClerk, false, false)] {
        assert_eq!(
            correct(
                &hazard(Closed, HazardLevel::Major),
                &current(HazardLevel::Major),
                who,
                OTHER,
                &empty
            )
            .unwrap_err(),
            TransitionError::ReopenFirst
        );
    }
}

#[test]
fn the_form_is_offered_by_the_same_rule() {
    let expert = actor(Role::Expert, false, true);
    let general = hazard(Rectifying, HazardLevel::General);
    assert_eq!(
        correction_rights(&general, &expert, OTHER),
        CorrectionRights {
            fields: true,
            upgrade: true,
            downgrade: false
        }
    );
    let major = hazard(Rectifying, HazardLevel::Major);
    let regulator = actor(Role::RegulatorClerk, false, false);
    assert_eq!(
        correction_rights(&major, &regulator, OTHER),
        CorrectionRights {
            fields: true,
            upgrade: false,
            downgrade: true
        }
    );
    assert!(!correction_rights(&hazard(Closed, HazardLevel::General), &regulator, OTHER).any());
    assert!(!correction_rights(&general, &actor(Role::Leader, false, false), OTHER).any());
}
