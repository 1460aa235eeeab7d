//! The hazard ledger over HTTP: the closed loop for general and major hazards, the role
//! rules, supervision listing, extensions, evidence files, search, filters and the dashboard.

use crate::helpers::{Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A JPEG header that names its size (1×1 in its start-of-frame), as uploads must.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
    0xC0, 0, 17, 8, 0, 1, 0, 1, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9,
];

async fn enterprise_id(session: &Session) -> i64 {
    let (_, me) = session.get_json("/api/v1/me").await;
    me["enterprise_id"].as_i64().unwrap()
}

async fn report(session: &Session, enterprise: i64, title: &str, level: &str) -> i64 {
    let (id, number) = crate::helpers::record_hazard(session, enterprise, title, level).await;
    // Township, year, then a serial of at least five digits, as both engines write it.
    let serial = number.strip_prefix("YH450202002-2026-").unwrap();
    assert!(
        serial.len() >= 5 && serial.bytes().all(|b| b.is_ascii_digit()),
        "{number}"
    );
    id
}

async fn evidence(session: &Session, hazard: i64) -> i64 {
    let (status, body) = session
        .upload(
            &format!("/api/v1/hazards/{hazard}/evidence"),
            "现场照片.jpg",
            JPEG.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

async fn act(session: &Session, hazard: i64, action: Value) -> (StatusCode, Value) {
    session
        .post_json(&format!("/api/v1/hazards/{hazard}/transitions"), &action)
        .await
}

fn plan() -> Value {
    json!({
        "responsible_person": "韦经理", "measures": "更换疏散指示标志，拆除包厢内违规隔断",
        "funds_yuan": 12000, "deadline": "2026-12-31", "interim_measures": "停用二楼包厢，安排专人巡查",
    })
}

#[tokio::test]
async fn a_general_hazard_is_fixed_on_the_spot_and_closed_on_the_street_offices_acceptance() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "灭火器压力不足", "general").await;
    let (status, err) = act(
        &manager,
        id,
        json!({"action": "immediate_fix", "evidence": []}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "required")
    );
    let photo = evidence(&manager, id).await;
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "immediate_fix", "evidence": [photo], "note": "已更换"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "awaiting_acceptance");
    let (status, h) = act(&street, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "closed");
    assert!(h["closed_at"].is_string());
    // Finished is finished.
    let (status, err) = act(
        &manager,
        id,
        json!({"action": "send_back", "reason": "再看看"}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::CONFLICT, "wrong_state")
    );
    assert!(err["error"]["message"].as_str().unwrap().contains("已销号"));
    let (_, history) = manager
        .get_json(&format!("/api/v1/hazards/{id}/history"))
        .await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "hazard.create",
            "evidence.upload",
            "hazard.immediate_fix",
            "hazard.accept"
        ]
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn a_major_hazard_needs_a_full_plan_and_a_regulators_acceptance() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let regulator = app.bearer("regulator").await;
    let street = app.bearer("street-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "安全出口被封堵", "major").await;
    // Visible upward from the moment it is recorded.
    for session in [&regulator, &street] {
        let (_, list) = session
            .get_json("/api/v1/hazards?level=major&state=reported")
            .await;
        assert_eq!(list["total"], 1);
    }
    let (status, err) = act(&manager, id, json!({"action": "confirm"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "required")
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("整改方案")
    );
    let mut partial = plan();
    partial.as_object_mut().unwrap().remove("funds_yuan");
    let (status, err) = act(&manager, id, json!({"action": "confirm", "plan": partial})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("整改资金"),
        "{err}"
    );
    let mut past = plan();
    past["deadline"] = json!("2026-11-01");
    let (_, err) = act(&manager, id, json!({"action": "confirm", "plan": past})).await;
    assert_eq!(err["error"]["code"], "date_in_past");
    let (status, h) = act(&manager, id, json!({"action": "confirm", "plan": plan()})).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(
        (h["state"].as_str(), h["deadline"].as_str()),
        (Some("rectifying"), Some("2026-12-31"))
    );
    assert_eq!(h["plan"]["funds_yuan"], 12000);
    let (status, _) = act(
        &manager,
        id,
        json!({"action": "immediate_fix", "evidence": []}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let photo = evidence(&manager, id).await;
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "submit", "evidence": [photo]}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("awaiting_acceptance"))
    );
    let (status, err) = act(&manager, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (
            StatusCode::FORBIDDEN,
            "major_accepted_by_regulator_or_expert"
        )
    );
    let (status, _) = act(&street, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, h) = act(
        &regulator,
        id,
        json!({"action": "send_back", "reason": "隔断未拆除完"}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("rectifying"))
    );
    let (_, _) = act(
        &manager,
        id,
        json!({"action": "submit", "evidence": [photo]}),
    )
    .await;
    let (status, h) = act(
        &regulator,
        id,
        json!({"action": "accept", "note": "现场复核合格"}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
}

#[tokio::test]
async fn a_listed_hazard_is_accepted_only_by_the_listing_office() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let district = app.bearer("district-office").await;
    let regulator = app.bearer("regulator").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "消防控制室无人值守", "major").await;
    let listing =
        json!({"level": "区级", "date": "2026-11-21", "letter_number": "城中安委督〔2026〕3号"});
    let (status, _) = manager
        .post_json(&format!("/api/v1/hazards/{id}/listing"), &listing)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, h) = district
        .post_json(&format!("/api/v1/hazards/{id}/listing"), &listing)
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["listing"]["office_name"], "城中区安委办");
    let (_, supervised) = regulator.get_json("/api/v1/hazards?supervised=true").await;
    assert_eq!(supervised["total"], 1);
    act(&manager, id, json!({"action": "confirm", "plan": plan()})).await;
    let photo = evidence(&manager, id).await;
    act(
        &manager,
        id,
        json!({"action": "submit", "evidence": [photo]}),
    )
    .await;
    let (status, err) = act(&regulator, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "listed_accepted_by_listing_office")
    );
    let (status, h) = act(&district, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
}

/// The path of the daily-work issue: the enterprise reports, plans and submits its own
/// rectification; its own acceptance is refused (four eyes), the street office accepts.
#[tokio::test]
async fn the_enterprise_does_not_accept_its_own_rectification_the_street_office_does() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "配电箱前堆放杂物", "general").await;
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "confirm", "deadline": "2026-11-30"}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("rectifying"))
    );
    let photo = evidence(&manager, id).await;
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "submit", "evidence": [photo]}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("awaiting_acceptance")),
        "the enterprise submits its own work without a reason"
    );
    let (status, err) = act(&manager, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "four_eyes_acceptance")
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("四眼原则"),
        "{err}"
    );
    let (_, h) = manager.get_json(&format!("/api/v1/hazards/{id}")).await;
    assert_eq!(h["state"], "awaiting_acceptance", "nothing changed");
    let (status, h) = act(&street, id, json!({"action": "accept", "note": "复查合格"})).await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("closed"))
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

/// The district clerk who listed a major hazard may submit its rectification on the
/// enterprise's behalf, saying why, but then may not accept it too: another clerk of the
/// listing office does.
#[tokio::test]
async fn a_district_clerk_no_longer_submits_and_accepts_a_listed_major_hazard_alone() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let district = app.bearer("district-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "消防控制室无人值守", "major").await;
    let listing =
        json!({"level": "区级", "date": "2026-11-21", "letter_number": "城中安委督〔2026〕4号"});
    let (status, _) = district
        .post_json(&format!("/api/v1/hazards/{id}/listing"), &listing)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = act(&manager, id, json!({"action": "confirm", "plan": plan()})).await;
    assert_eq!(status, StatusCode::OK);
    let photo = evidence(&district, id).await;
    let (status, err) = act(
        &district,
        id,
        json!({"action": "submit", "evidence": [photo]}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "required"),
        "{err}"
    );
    let (status, h) = act(
        &district,
        id,
        json!({"action": "submit", "evidence": [photo], "note": "企业账号停用，由区安委办代为提交整改材料"}),
    )
    .await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("awaiting_acceptance")),
        "{h}"
    );
    let (status, err) = act(&district, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "four_eyes_acceptance")
    );
    // A second clerk of the listing office accepts.
    let office = app
        .store
        .principal_for_username("district-office")
        .await
        .unwrap()
        .org_id;
    app.store
        .create_user(
            &hazardnet_store::Actor::system("test"),
            hazardnet_store::NewUser {
                username: "district-office-2".into(),
                display_name: "城中区安委办复核员".into(),
                org_id: office,
                role: "committee_clerk".into(),
                password: "Correct-Horse-9".into(),
                phone: String::new(),
            },
        )
        .await
        .unwrap();
    let second = app.bearer("district-office-2").await;
    let (status, h) = act(&second, id, json!({"action": "accept"})).await;
    assert_eq!(
        (status, h["state"].as_str()),
        (StatusCode::OK, Some("closed")),
        "{h}"
    );
}

#[tokio::test]
async fn deadlines_move_only_by_an_approved_extension_and_overdue_is_derived() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "疏散指示标志损坏", "general").await;
    let (_, h) = act(
        &manager,
        id,
        json!({"action": "confirm", "deadline": "2026-11-30"}),
    )
    .await;
    assert_eq!(h["deadline"], "2026-11-30");
    let (status, h) = act(&manager, id, json!({"action": "request_extension", "new_deadline": "2026-12-15", "reason": "配件需订货"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["deadline"], "2026-11-30", "a request alone moves nothing");
    assert_eq!(h["pending_extension"]["new_deadline"], "2026-12-15");
    let (status, _) = act(
        &manager,
        id,
        json!({"action": "decide_extension", "approve": true}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, h) = act(
        &street,
        id,
        json!({"action": "decide_extension", "approve": true}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h["deadline"], "2026-12-15");
    assert!(h["pending_extension"].is_null());
    let (_, list) = street.get_json("/api/v1/hazards?overdue=true").await;
    assert_eq!(list["total"], 0);
    app.clock.advance(chrono::Duration::days(30));
    let (_, list) = street.get_json("/api/v1/hazards?overdue=true").await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["overdue"], true);
    let (_, d) = street.get_json("/api/v1/dashboard").await;
    assert_eq!(
        d["overdue"], 1,
        "an office's count, from the open-deadline index"
    );
    let (_, d) = manager.get_json("/api/v1/dashboard").await;
    assert_eq!(d["overdue"], 1, "the enterprise's own count, from its rows");
}

#[tokio::test]
async fn hazards_are_scoped_like_their_enterprises() {
    let app = TestApp::spawn_demo().await;
    let street = app.bearer("street-office").await;
    let expert = app.bearer("expert").await;
    let manager = app.bearer("enterprise").await;
    let (_, enterprises) = street
        .get_json("/api/v1/enterprises?per_page=20&sort=credit_code")
        .await;
    let ids: Vec<i64> = enterprises["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    // The expert is assigned to the first two enterprises of the demo (ids 1 and 2).
    let outside = *ids.iter().find(|i| **i > 2).unwrap();
    let hazard = report(&street, outside, "厨房燃气管道老化", "general").await;
    for session in [&expert, &manager] {
        assert_eq!(
            session
                .get(&format!("/api/v1/hazards/{hazard}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
        let (_, list) = session.get_json("/api/v1/hazards").await;
        assert_eq!(list["total"], 0);
        let (_, d) = session.get_json("/api/v1/dashboard").await;
        assert_eq!(d["total"], 0);
    }
    // An enterprise user cannot report at another enterprise (it is not even visible).
    let (status, _) = manager
        .post_json("/api/v1/hazards", &json!({"enterprise_id": outside, "title": "x", "level": "general", "category": "21", "source": "self_inspection"}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let photo = evidence(&street, hazard).await;
    assert_eq!(
        manager
            .get(&format!("/api/v1/evidence/{photo}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = street.get(&format!("/api/v1/evidence/{photo}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().as_ref(), JPEG);
}

#[tokio::test]
async fn chinese_full_text_search_finds_two_character_words() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let own = enterprise_id(&manager).await;
    report(&manager, own, "灭火器过期未检", "general").await;
    report(&manager, own, "消防通道堆放杂物", "general").await;
    report(&manager, own, "电梯年检标志缺失", "general").await;
    for (q, expected) in [
        ("灭火器", 1),
        ("消防", 1),
        ("消防通道", 1),
        ("杂物", 1),
        ("检", 3),
        ("年检", 1),
        ("电气", 0),
        ("走廊", 3),
        ("火器过期", 1),
    ] {
        let (status, list) = manager
            .get_json(&format!("/api/v1/hazards?q={}", urlencoding::encode(q)))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], expected, "q={q}");
    }
}

#[tokio::test]
async fn bad_evidence_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "配电箱未上锁", "general").await;
    let (status, err) = manager
        .upload(
            &format!("/api/v1/hazards/{id}/evidence"),
            "photo.jpg",
            b"%PDF-1.4 not a photo".to_vec(),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "file_type")
    );
    let (status, _) = manager
        .upload(
            &format!("/api/v1/hazards/{id}/evidence"),
            "run.exe",
            b"MZ".to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = JPEG.to_vec();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let (status, _) = manager
        .upload(&format!("/api/v1/hazards/{id}/evidence"), "big.jpg", big)
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (_, files) = manager
        .get_json(&format!("/api/v1/hazards/{id}/evidence"))
        .await;
    assert_eq!(files.as_array().unwrap().len(), 0);
    // Evidence of another hazard cannot be passed off as this one's.
    let other = report(&manager, own, "另一处隐患", "general").await;
    let photo = evidence(&manager, other).await;
    let (status, err) = act(
        &manager,
        id,
        json!({"action": "immediate_fix", "evidence": [photo]}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_value")
    );
    let (status, err) = act(&manager, id, json!({"action": "fly_away"})).await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
    );
}

#[tokio::test]
async fn the_dashboard_counts_the_scope() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let regulator = app.bearer("regulator").await;
    let street = app.bearer("street-office").await;
    let own = enterprise_id(&manager).await;
    let general = report(&manager, own, "一般隐患甲", "general").await;
    report(&manager, own, "重大隐患乙", "major").await;
    let photo = evidence(&manager, general).await;
    act(
        &manager,
        general,
        json!({"action": "immediate_fix", "evidence": [photo]}),
    )
    .await;
    let (status, _) = act(&street, general, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, d) = regulator.get_json("/api/v1/dashboard").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            d["total"].as_i64(),
            d["closed"].as_i64(),
            d["open"].as_i64(),
            d["major_open"].as_i64()
        ),
        (Some(2), Some(1), Some(1), Some(1))
    );
    assert_eq!(d["closure_rate"], 0.5);
    assert_eq!(d["majors_by_jurisdiction"][0]["name"], "公园街道");
    assert_eq!(d["majors_by_industry"][0]["key"], "H");
    assert_eq!(d["trend"].as_array().unwrap().len(), 12);
    assert_eq!(d["trend"][11]["month"], "2026-11");
    assert_eq!(d["trend"][11]["found"], 2);
}

#[tokio::test]
async fn the_demo_holds_hazards_in_every_state() {
    let app = TestApp::spawn_full_demo().await;
    let street = app.bearer("street-office").await;
    for state in [
        "reported",
        "rectifying",
        "awaiting_acceptance",
        "closed",
        "rejected",
    ] {
        let (_, list) = street
            .get_json(&format!("/api/v1/hazards?state={state}"))
            .await;
        assert!(
            list["total"].as_i64().unwrap() >= 1,
            "no {state} hazard in the demo"
        );
    }
    let (_, majors) = app
        .bearer("regulator")
        .await
        .get_json("/api/v1/hazards?level=major")
        .await;
    // Two reported by hand, one from the demo's inspection of 佰迪乐KTV.
    assert_eq!(majors["total"], 3);
    let (_, listed) = street.get_json("/api/v1/hazards?supervised=true").await;
    assert_eq!(listed["total"], 1);
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn the_maintained_tallies_agree_with_a_live_count() {
    let app = TestApp::spawn_full_demo().await;
    // More movement on top of the demo: a listing, a closure, an extension, a rejection.
    let manager = app.bearer("enterprise").await;
    let own = enterprise_id(&manager).await;
    let a = report(&manager, own, "甲", "general").await;
    let b = report(&manager, own, "乙", "major").await;
    app.bearer("district-office")
        .await
        .post_json(
            &format!("/api/v1/hazards/{b}/listing"),
            &json!({"level": "区级", "date": "2026-11-22", "letter_number": "测试〔2026〕9号"}),
        )
        .await;
    let photo = evidence(&manager, a).await;
    act(
        &manager,
        a,
        json!({"action": "immediate_fix", "evidence": [photo]}),
    )
    .await;
    let (status, _) = act(
        &app.bearer("street-office").await,
        a,
        json!({"action": "accept"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    act(
        &app.bearer("regulator").await,
        b,
        json!({"action": "reject", "reason": "复核不属于重大隐患"}),
    )
    .await;
    for username in ["admin", "district-office", "street-office", "regulator"] {
        let who = app.store.principal_for_username(username).await.unwrap();
        let tallied = app.store.dashboard(&who).await.unwrap();
        let live = app.store.dashboard_live(&who).await.unwrap();
        assert_eq!(tallied, live, "{username}");
        assert!(tallied.total >= 9);
    }
}

#[tokio::test]
async fn the_ledger_exports_in_its_columns_and_reads_back() {
    let app = TestApp::spawn_full_demo().await;
    let street = app.bearer("street-office").await;
    let (_, list) = street.get_json("/api/v1/hazards").await;
    let r = street.get("/api/v1/hazards/export.xlsx").await;
    assert_eq!(r.status(), StatusCode::OK);
    let rows = hazardnet_web::sheets::read_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len() as i64 - 1, list["total"].as_i64().unwrap());
    assert_eq!(rows[0][1], "隐患编号");
    // The serial is a number cell, counting from 1 below the header.
    assert_eq!((rows[1][0].as_str(), rows[2][0].as_str()), ("1", "2"));
    assert!(
        rows.iter()
            .any(|r| r[4] == "KTV包厢区安全出口被封堵" && r[14].contains("拆除临时隔断"))
    );
    let r = street.get("/api/v1/hazards/export.xlsx?level=major").await;
    let rows = hazardnet_web::sheets::read_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len(), 4, "a header and the demo's three major hazards");
    // The export reads its own, narrower set of columns: two months on (so that open
    // hazards are overdue), each row of a whole-system export says what the ledger's JSON
    // says about the same hazard.
    app.clock.advance(chrono::Duration::days(60));
    let admin = app.bearer("admin").await;
    let (_, all) = admin.get_json("/api/v1/hazards?per_page=100").await;
    let items = all["items"].as_array().unwrap();
    let r = admin.get("/api/v1/hazards/export.xlsx").await;
    let rows = hazardnet_web::sheets::read_rows(&r.bytes().await.unwrap()).unwrap();
    assert_eq!(rows.len() - 1, items.len());
    let some = |key: &str| items.iter().filter(|i| !i[key].is_null()).count();
    let overdue = items.iter().filter(|i| i["overdue"] == true).count();
    assert!(some("plan") > 0 && some("listing") > 0 && some("closed_at") > 0 && overdue > 0);
    for item in items {
        let text = |key: &str| item[key].as_str().unwrap_or_default().to_string();
        let row = rows
            .iter()
            .find(|r| r[1] == text("number"))
            .unwrap_or_else(|| panic!("{} is in the export", text("number")));
        let expected = [
            (2, text("enterprise_name")),
            (3, text("jurisdiction_name")),
            (4, text("title")),
            (5, text("place")),
            (6, text("description")),
            (8, text("category")),
            (11, text("found_at")),
            (
                13,
                item["plan"]["responsible_person"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
            ),
            (16, text("deadline")),
            (18, if item["overdue"] == true { "是" } else { "" }.into()),
            (
                19,
                item["listing"]["letter_number"]
                    .as_str()
                    .unwrap_or("")
                    .into(),
            ),
            (20, text("closed_at").chars().take(10).collect()),
        ];
        for (column, value) in expected {
            assert!(
                row[column].contains(&value) && value.is_empty() == row[column].is_empty(),
                "{}: column {column} is {:?}, expected {value:?}",
                text("number"),
                row[column]
            );
        }
    }
}

#[tokio::test]
async fn a_leader_is_assigned_by_the_committee_office_and_told() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let district = app.bearer("district-office").await;
    let own = enterprise_id(&manager).await;
    let id = report(&manager, own, "疏散通道被占用", "major").await;
    let (status, _) = app
        .bearer("street-office")
        .await
        .post_json(
            &format!("/api/v1/hazards/{id}/leader"),
            &json!({"username": "leader"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = district
        .post_json(
            &format!("/api/v1/hazards/{id}/leader"),
            &json!({"username": "expert"}),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_value")
    );
    let (status, h) = district
        .post_json(
            &format!("/api/v1/hazards/{id}/leader"),
            &json!({"username": "leader"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["leader_name"], "城中区分管副区长");
    let leader = app.bearer("leader").await;
    let (_, inbox) = leader.get_json("/api/v1/inbox").await;
    assert_eq!(inbox["items"][0]["kind"], "leader_assigned");
    let leader_id = app.store.user_by_username("leader").await.unwrap().id;
    let (_, mine) = leader
        .get_json(&format!("/api/v1/hazards?leader_user_id={leader_id}"))
        .await;
    assert_eq!(mine["total"], 1);
    let (_, history) = district
        .get_json(&format!("/api/v1/hazards/{id}/history"))
        .await;
    assert!(
        history
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "hazard.assign_leader")
    );
}

#[tokio::test]
async fn ledger_totals_from_tallies_match_counting_the_rows() {
    let app = TestApp::spawn_full_demo().await;
    for username in ["admin", "district-office", "street-office", "regulator"] {
        let session = app.bearer(username).await;
        for filter in [
            "",
            "state=reported",
            "level=major",
            "supervised=true",
            "industry=H",
            "industry=61",
            "jurisdiction=450202002000&state=closed,rejected",
            "level=general&state=rectifying,awaiting_acceptance",
        ] {
            let (_, tallied) = session.get_json(&format!("/api/v1/hazards?{filter}")).await;
            // A date bound every hazard meets makes the store count rows instead.
            let (_, counted) = session
                .get_json(&format!("/api/v1/hazards?{filter}&found_from=2000-01-01"))
                .await;
            assert_eq!(tallied["total"], counted["total"], "{username} {filter}");
        }
    }
}

/// Every row of the four tally tables that is not zero, as text, in a fixed order.
async fn tally_rows(db_url: &str) -> Vec<String> {
    use sqlx::{Connection, Row};
    let mut conn = sqlx::AnyConnection::connect(db_url).await.expect("connect");
    let mut rows = Vec::new();
    for query in [
        "SELECT jurisdiction_code || '/' || industry_code || '/' || industry_section || '/' || level || '/' || state \
         || '/' || CAST(listed AS TEXT) || '=' || CAST(n AS TEXT) FROM hazard_tallies WHERE n <> 0",
        "SELECT jurisdiction_code || '/' || level || '/' || state || '/' || CAST(listed AS TEXT) || '=' || CAST(n AS TEXT) \
         FROM hazard_place_tallies WHERE n <> 0",
        "SELECT jurisdiction_code || '/' || industry_code || '/' || industry_section || '/' || month || '=' \
         || CAST(found AS TEXT) || ',' || CAST(closed AS TEXT) FROM hazard_monthly WHERE found <> 0 OR closed <> 0",
        "SELECT month || '/' || jurisdiction_code || '=' || CAST(found AS TEXT) || ',' || CAST(closed AS TEXT) \
         FROM hazard_place_monthly WHERE found <> 0 OR closed <> 0",
    ] {
        for row in sqlx::query(query)
            .fetch_all(&mut conn)
            .await
            .expect("tallies")
        {
            rows.push(row.get::<String, _>(0));
        }
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn tallies_kept_by_the_triggers_equal_a_rebuild_from_the_ledger() {
    // The demo reports, plans, rectifies, closes, rejects and lists hazards through the API's
    // store calls; the triggers keep the tallies. Recounting from scratch must agree.
    let app = TestApp::spawn_full_demo().await;
    let kept = tally_rows(&app.db_url).await;
    assert!(kept.len() > 10, "{kept:?}");
    assert!(kept.iter().any(|r| r.contains("/closed/")), "{kept:?}");
    app.store.rebuild_tallies().await.expect("rebuild");
    assert_eq!(kept, tally_rows(&app.db_url).await);
}

#[tokio::test]
async fn a_common_word_finds_the_same_newest_page_for_the_province_and_the_street() {
    // Over a thousand matches fill the capped count; on PostgreSQL a broad scope then walks
    // the primary key instead of the GIN bitmap. Both ways must give the same page.
    let app = TestApp::spawn_demo().await;
    let clerk = app
        .store
        .principal_for_username("street-office")
        .await
        .unwrap();
    let (_, list) = app
        .bearer("street-office")
        .await
        .get_json("/api/v1/enterprises?per_page=1")
        .await;
    let enterprise = list["items"][0]["id"].as_i64().unwrap();
    let inputs: Vec<hazardnet_domain::hazard::HazardInput> = (0..1_050)
        .map(|i| hazardnet_domain::hazard::HazardInput {
            enterprise_id: enterprise,
            title: format!("灭火器压力不足 第{i}号"),
            level: "general".into(),
            category: "21".into(),
            source: "self_inspection".into(),
            ..Default::default()
        })
        .collect();
    app.store
        .import_hazards(&clerk, enterprise, &inputs, 2, false)
        .await
        .unwrap();
    let path = format!(
        "/api/v1/hazards?q={}&per_page=50&page=2",
        urlencoding::encode("灭火器")
    );
    let (status, broad) = app.bearer("admin").await.get_json(&path).await;
    assert_eq!(status, StatusCode::OK, "{broad}");
    let (_, narrow) = app.bearer("street-office").await.get_json(&path).await;
    assert_eq!(broad["total_is_capped"], true);
    let ids = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids(&broad).len(), 50);
    assert_eq!(ids(&broad), ids(&narrow));
    // Newest first, consecutive: the imported rows, the second fifty of them.
    assert!(ids(&broad).windows(2).all(|w| w[0] == w[1] + 1));
}
