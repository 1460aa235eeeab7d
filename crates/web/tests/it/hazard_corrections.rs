//! Correcting a hazard over HTTP: an expert judging a general hazard major, a correction made
//! on a stale copy, a closed hazard reopened before it is corrected, the scope, and the page's
//! form that keeps what was typed.

use crate::helpers::{Session, TestApp, record_hazard};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn own_enterprise(session: &Session) -> i64 {
    let (_, me) = session.get_json("/api/v1/me").await;
    me["enterprise_id"].as_i64().expect("an enterprise user")
}

async fn patch(session: &Session, hazard: i64, body: Value) -> (StatusCode, Value) {
    let mut request = session
        .client
        .patch(format!("{}/api/v1/hazards/{hazard}", session.base))
        .json(&body);
    if let Some(token) = &session.bearer {
        request = request.bearer_auth(token);
    }
    let r = request.send().await.expect("PATCH");
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn act(session: &Session, hazard: i64, action: Value) -> (StatusCode, Value) {
    session
        .post_json(&format!("/api/v1/hazards/{hazard}/transitions"), &action)
        .await
}

async fn read(session: &Session, hazard: i64) -> Value {
    let (status, h) = session.get_json(&format!("/api/v1/hazards/{hazard}")).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    h
}

async fn history(session: &Session, hazard: i64) -> Vec<Value> {
    let (_, entries) = session
        .get_json(&format!("/api/v1/hazards/{hazard}/history"))
        .await;
    entries.as_array().expect("history").clone()
}

/// The dashboard as kept by the tallies, checked against a live count of the ledger.
async fn dashboard(app: &TestApp, username: &str) -> hazardnet_store::Dashboard {
    let who = app.store.principal_for_username(username).await.unwrap();
    let tallied = app.store.dashboard(&who).await.unwrap();
    assert_eq!(
        tallied,
        app.store.dashboard_live(&who).await.unwrap(),
        "{username}"
    );
    tallied
}

/// A small JPEG (1×1), as evidence.
const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
    0xC0, 0, 17, 8, 0, 1, 0, 1, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9,
];

#[tokio::test]
async fn an_assigned_expert_upgrades_a_general_hazard_to_major_and_it_takes_the_major_path() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let expert = app.bearer("expert").await;
    let own = own_enterprise(&manager).await;
    let (id, number) = record_hazard(&manager, own, "安全出口上锁", "general").await;
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "confirm", "deadline": "2026-12-20"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let before = dashboard(&app, "regulator").await;
    let street_before = dashboard(&app, "street-office").await;

    let reason = "营业期间安全出口锁闭，依据GB 35181判定为重大火灾隐患";
    let (status, h) = patch(
        &expert,
        id,
        json!({"expected_version": h["version"], "level": "major", "reason": reason}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["level"], "major");
    // No five-element plan yet: back to be confirmed with one, the old deadline gone.
    assert_eq!(h["state"], "reported");
    assert!(h["deadline"].is_null());
    assert_eq!(read(&manager, id).await["level"], "major");

    // The dashboards of every office over it count one more open major hazard.
    let after = dashboard(&app, "regulator").await;
    assert_eq!(after.major_open, before.major_open + 1);
    assert_eq!(after.total, before.total);
    assert_eq!(
        dashboard(&app, "street-office").await.major_open,
        street_before.major_open + 1
    );
    let (_, majors) = app
        .bearer("regulator")
        .await
        .get_json("/api/v1/hazards?level=major&state=reported")
        .await;
    assert!(
        majors["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == id),
        "{majors}"
    );

    // The offices over it hear of it, as of a major hazard recorded.
    app.store.run_due_jobs().await.unwrap();
    for (user, told) in [
        ("street-office", true),
        ("district-office", true),
        ("enterprise", false),
    ] {
        let (_, inbox) = app.bearer(user).await.get_json("/api/v1/inbox").await;
        let heard = inbox["items"].as_array().unwrap().iter().any(|m| {
            m["kind"] == "major_reported" && m["title"].as_str().unwrap().contains(&number)
        });
        assert_eq!(heard, told, "{user}: {inbox}");
    }

    // The major-hazard path: confirmed only with a plan of five elements.
    let (status, err) = act(
        &manager,
        id,
        json!({"action": "confirm", "deadline": "2026-12-20"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");

    // The audit entry holds the change and its reason; the page's history shows it.
    let entry = history(&manager, id)
        .await
        .into_iter()
        .find(|e| e["action"] == "hazard.correct")
        .expect("a correction in the history");
    let before_json: Value = serde_json::from_str(entry["before_json"].as_str().unwrap()).unwrap();
    let after_json: Value = serde_json::from_str(entry["after_json"].as_str().unwrap()).unwrap();
    assert_eq!(before_json["level"], "general");
    assert_eq!(after_json["level"], "major");
    assert_eq!(after_json["reason"], reason);
    assert_eq!(
        (&before_json["state"], &after_json["state"]),
        (&json!("rectifying"), &json!("reported"))
    );
    let page = app.login("street-office", "hazardnet-demo").await;
    let html = page
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(&format!(
            "更正：等级 一般→重大；状态 整改中→待确认；整改期限 2026-12-20→—（原因：{reason}）"
        )),
        "{html}"
    );
    assert!(html.contains("安全生产专家"), "the expert is named");
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn a_correction_on_a_stale_version_is_refused_and_changes_nothing() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let own = own_enterprise(&manager).await;
    let (id, _) = record_hazard(&manager, own, "灭火器过期", "general").await;
    let read_at = read(&street, id).await["version"].as_i64().unwrap();
    // The manager corrects the place first (the hazard is still only reported).
    let (status, h) = patch(
        &manager,
        id,
        json!({"expected_version": read_at, "place": "一楼大堂", "reason": "部位写错"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["version"], read_at + 1);
    // The street office, working on its older copy, is refused.
    let (status, err) = patch(
        &street,
        id,
        json!({"expected_version": read_at, "place": "二楼包厢", "title": "灭火器失效", "reason": "现场核实"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    assert_eq!(err["error"]["code"], "stale_version");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("已被他人修改"),
        "{err}"
    );
    let h = read(&street, id).await;
    assert_eq!(
        (h["place"].as_str(), h["title"].as_str()),
        (Some("一楼大堂"), Some("灭火器过期"))
    );
    assert_eq!(h["version"], read_at + 1);
    let corrections = history(&street, id)
        .await
        .into_iter()
        .filter(|e| e["action"] == "hazard.correct")
        .count();
    assert_eq!(corrections, 1);
    // A reason is required, and a correction must change something.
    for (body, code) in [
        (
            json!({"expected_version": read_at + 1, "place": "二楼包厢", "reason": " "}),
            "required",
        ),
        (
            json!({"expected_version": read_at + 1, "place": "一楼大堂", "reason": "核实"}),
            "required",
        ),
        (
            json!({"expected_version": read_at + 1, "category": "99", "reason": "核实"}),
            "invalid_value",
        ),
    ] {
        let (status, err) = patch(&street, id, body).await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(code)),
            "{err}"
        );
    }
    // Once rectification is under way the enterprise no longer corrects; the street office does,
    // and the search index follows the new title.
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "confirm", "deadline": "2026-12-20"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let (status, err) = patch(
        &manager,
        id,
        json!({"expected_version": h["version"], "title": "灭火器失效", "reason": "名称不准"}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("correct_by_reporter_or_office")),
        "{err}"
    );
    let (status, h) = patch(
        &street,
        id,
        json!({"expected_version": h["version"], "title": "推车式灭火器失效", "reason": "名称不准"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "rectifying");
    let (_, found) = street.get_json("/api/v1/hazards?q=推车").await;
    assert_eq!(found["total"], 1, "{found}");
}

#[tokio::test]
async fn a_closed_hazard_is_reopened_by_an_office_then_corrected() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let own = own_enterprise(&manager).await;
    let (id, _) = record_hazard(&manager, own, "疏散通道堆放杂物", "general").await;
    let (status, photo) = manager
        .upload(
            &format!("/api/v1/hazards/{id}/evidence"),
            "现场.jpg",
            JPEG.to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let (status, h) = act(
        &manager,
        id,
        json!({"action": "immediate_fix", "evidence": [photo["id"]]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    let (status, h) = act(&street, id, json!({"action": "accept"})).await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "closed");
    let closed = dashboard(&app, "street-office").await;

    // Not edited while closed: the answer says to reopen it first.
    let (status, err) = patch(
        &street,
        id,
        json!({"expected_version": h["version"], "category": "32", "reason": "类别有误"}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("reopen_first"))
    );
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("重新打开"),
        "{err}"
    );
    assert_eq!(read(&street, id).await["category"], "21");
    // The enterprise does not reopen what an office accepted.
    let (status, err) = act(
        &manager,
        id,
        json!({"action": "reopen", "reason": "再改改"}),
    )
    .await;
    assert_eq!(
        (status, err["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("general_reopened_by_office"))
    );
    let (status, h) = act(
        &street,
        id,
        json!({"action": "reopen", "reason": "复查发现杂物未清理完毕，且类别登记有误"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["state"], "rectifying");
    assert!(h["closed_at"].is_null());
    let reopened = dashboard(&app, "street-office").await;
    assert_eq!(
        (reopened.closed, reopened.open),
        (closed.closed - 1, closed.open + 1)
    );

    let (status, h) = patch(
        &street,
        id,
        json!({"expected_version": h["version"], "category": "32", "reason": "类别有误"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["category"], "32");
    let actions: Vec<String> = history(&street, id)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "hazard.create",
            "evidence.upload",
            "hazard.immediate_fix",
            "hazard.accept",
            "hazard.reopen",
            "hazard.correct"
        ]
    );
    let page = app.login("street-office", "hazardnet-demo").await;
    let html = page
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("重新打开（原因：复查发现杂物未清理完毕"),
        "{html}"
    );
    assert!(
        html.contains(
            "更正：类别 21 物理性危险和有害因素→32 室外作业场地环境不良（原因：类别有误）"
        ),
        "{html}"
    );
    assert!(app.store.verify_audit_chain().await.unwrap().is_ok());
}

#[tokio::test]
async fn a_downgrade_is_for_a_regulator_and_out_of_scope_is_not_found() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let street = app.bearer("street-office").await;
    let regulator = app.bearer("regulator").await;
    let expert = app.bearer("expert").await;
    let own = own_enterprise(&manager).await;
    let (id, _) = record_hazard(&manager, own, "包厢隔断使用易燃材料", "major").await;
    let version = read(&street, id).await["version"].clone();
    let before = dashboard(&app, "regulator").await;
    for (who, session) in [
        ("street", &street),
        ("expert", &expert),
        ("enterprise", &manager),
    ] {
        let (status, err) = patch(
            session,
            id,
            json!({"expected_version": version, "level": "general", "reason": "不构成重大隐患"}),
        )
        .await;
        assert_eq!(
            (status, err["error"]["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("major_downgraded_by_regulator")),
            "{who}: {err}"
        );
    }
    let (status, h) = patch(
        &regulator,
        id,
        json!({"expected_version": version, "level": "general", "reason": "复核：隔断已拆除一半，不属重大隐患"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{h}");
    assert_eq!(h["level"], "general");
    assert_eq!(
        dashboard(&app, "regulator").await.major_open,
        before.major_open - 1
    );
    // A leader sees it but corrects nothing.
    let (status, _) = patch(
        &app.bearer("leader").await,
        id,
        json!({"expected_version": h["version"], "title": "改", "reason": "改"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An enterprise the expert is not assigned to: its hazards do not exist for the expert.
    let (_, all) = street.get_json("/api/v1/enterprises?per_page=50").await;
    let (_, assigned) = expert.get_json("/api/v1/enterprises?per_page=50").await;
    let assigned: Vec<&Value> = assigned["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .collect();
    let elsewhere = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["id"])
        .find(|id| !assigned.contains(id))
        .and_then(Value::as_i64)
        .expect("an enterprise the expert is not assigned to");
    let (other, _) = record_hazard(&street, elsewhere, "配电箱未接地", "general").await;
    let version = read(&street, other).await["version"].clone();
    let body = json!({"expected_version": version, "level": "major", "reason": "判定为重大"});
    for session in [&expert, &manager] {
        let (status, err) = patch(session, other, body.clone()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{err}");
    }
    assert_eq!(read(&street, other).await["level"], "general");
}

fn field(html: &str, name: &str) -> String {
    let start = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("field {name}"))
        + name.len()
        + 15;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn the_page_offers_the_form_by_the_rule_and_keeps_what_was_typed_on_a_conflict() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let own = own_enterprise(&manager).await;
    let (id, _) = record_hazard(&manager, own, "应急照明损坏", "general").await;
    let leader = app.login("leader", "hazardnet-demo").await;
    let html = leader
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !html.contains(&format!("/hazards/{id}/correct")),
        "no form for a leader"
    );

    let clerk = app.login("street-office", "hazardnet-demo").await;
    let html = clerk
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/hazards/{id}/correct")));
    let csrf = field(&html, "csrf");
    let version = field(&html, "expected_version");
    // Meanwhile the enterprise corrects the place.
    let (status, _) = patch(
        &manager,
        id,
        json!({"expected_version": version.parse::<i64>().unwrap(), "place": "三楼走廊", "reason": "部位写错"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let r = clerk
        .client
        .post(format!("{}/hazards/{id}/correct", clerk.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("expected_version", version.as_str()),
            ("title", "应急照明灯不亮"),
            ("place", "二楼走廊"),
            ("description", "检查中发现"),
            ("category", "21"),
            ("level", "major"),
            ("reason", "现场复核"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("已被他人修改"), "the conflict is explained");
    assert!(html.contains("三楼走廊"), "the current content is shown");
    assert!(
        html.contains("value=\"应急照明灯不亮\""),
        "what was typed is kept"
    );
    assert!(html.contains("现场复核"));
    let current = read(&manager, id).await;
    assert_eq!(current["title"], "应急照明损坏", "nothing changed");
    assert_eq!(
        field(&html, "expected_version"),
        current["version"].to_string()
    );
    // Sent again against the current version, it goes through.
    let r = clerk
        .client
        .post(format!("{}/hazards/{id}/correct", clerk.base))
        .form(&[
            ("csrf", csrf.as_str()),
            ("expected_version", current["version"].to_string().as_str()),
            ("title", "应急照明灯不亮"),
            ("place", "三楼走廊"),
            ("description", "检查中发现"),
            ("category", "21"),
            ("level", "major"),
            ("reason", "现场复核"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let h = read(&manager, id).await;
    assert_eq!(
        (h["title"].as_str(), h["level"].as_str()),
        (Some("应急照明灯不亮"), Some("major"))
    );
}
