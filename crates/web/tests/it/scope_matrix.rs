//! The first invariant, as a matrix: every role × every enterprise, in and out of scope, for
//! reads, lists, counts, exports and writes. The expected visibility is written out by hand
//! here — not derived from the code under test.

use crate::helpers::{Session, TestApp, credit_code, enterprise_body};
use hazardnet_store::{Actor, JurisdictionRow, NewOrganization, NewUser, Store};
use reqwest::StatusCode;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};

const PASSWORD: &str = "matrix-password";

/// Enterprises: two streets of 城中区 × two industries, one in a community, one in another
/// district.
const ENTERPRISES: [(&str, &str, &str); 5] = [
    ("A62", "450202002001", "6210"), // 公园街道, a community of it; 正餐服务 (in 62)
    ("A61", "450202002000", "61"),   // 公园街道; 住宿业
    ("B62", "450202001000", "62"),   // 城中街道; 餐饮业
    ("B61", "450202001000", "61"),   // 城中街道; 住宿业
    ("C62", "450203001000", "62"),   // 鱼峰区; 餐饮业
];

struct Fixture {
    app: TestApp,
    ids: BTreeMap<&'static str, i64>,
}

async fn org(
    store: &Store,
    name: &str,
    kind: &str,
    jurisdiction: Option<&str>,
    industries: &[&str],
    enterprise_id: Option<i64>,
) -> i64 {
    store
        .create_organization(
            &Actor::system("test"),
            NewOrganization {
                name: name.into(),
                kind: kind.into(),
                jurisdiction_code: jurisdiction.map(str::to_string),
                industries: industries.iter().map(|s| s.to_string()).collect(),
                enterprise_id,
            },
        )
        .await
        .expect("org")
}

async fn user(store: &Store, username: &str, org_id: i64, role: &str) {
    store
        .create_user(
            &Actor::system("test"),
            NewUser {
                username: username.into(),
                display_name: username.into(),
                org_id,
                role: role.into(),
                password: PASSWORD.into(),
                phone: String::new(),
            },
        )
        .await
        .expect("user");
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let store = &app.store;
    let actor = Actor::system("test");
    // Test-only divisions beside the shipped ones: a community and a second district.
    let rows = [
        ("450202002001", "测试社区"),
        ("450203000000", "鱼峰区"),
        ("450203001000", "测试街道"),
    ]
    .iter()
    .map(|(c, n)| JurisdictionRow {
        code: c.to_string(),
        name: n.to_string(),
        parent_code: String::new(),
    })
    .collect();
    store
        .import_jurisdictions(&actor, rows)
        .await
        .expect("jurisdictions");

    let system = org(store, "系统", "system", None, &[], None).await;
    user(store, "admin", system, "admin").await;
    let city_admin = org(
        store,
        "市安委办",
        "safety_committee_office",
        Some("450200000000"),
        &[],
        None,
    )
    .await;
    user(store, "city-clerk", city_admin, "committee_clerk").await;
    let committee = org(
        store,
        "城中区安委办",
        "safety_committee_office",
        Some("450202000000"),
        &[],
        None,
    )
    .await;
    user(store, "committee", committee, "committee_clerk").await;
    user(store, "leader", committee, "leader").await;
    let regulator = org(
        store,
        "城中区商务局",
        "industry_regulator",
        Some("450202000000"),
        &["62"],
        None,
    )
    .await;
    user(store, "regulator", regulator, "regulator_clerk").await;
    let section_regulator = org(
        store,
        "城中区文旅局",
        "industry_regulator",
        Some("450202000000"),
        &["H"],
        None,
    )
    .await;
    user(store, "regulator-h", section_regulator, "regulator_clerk").await;
    let street = org(
        store,
        "公园街道办事处",
        "street_office",
        Some("450202002000"),
        &[],
        None,
    )
    .await;
    user(store, "territorial", street, "territorial_clerk").await;
    user(store, "grid", street, "grid_supervisor").await;
    let community = org(
        store,
        "测试社区居委会",
        "community",
        Some("450202002001"),
        &[],
        None,
    )
    .await;
    user(store, "community", community, "territorial_clerk").await;
    let other_street = org(
        store,
        "城中街道办事处",
        "street_office",
        Some("450202001000"),
        &[],
        None,
    )
    .await;
    user(store, "street-b", other_street, "territorial_clerk").await;
    let experts = org(
        store,
        "专家组",
        "expert_panel",
        Some("450202000000"),
        &[],
        None,
    )
    .await;
    user(store, "expert", experts, "expert").await;

    let admin = store.principal_for_username("admin").await.unwrap();
    let mut ids = BTreeMap::new();
    for (i, (key, jurisdiction, industry)) in ENTERPRISES.iter().enumerate() {
        let input = hazardnet_domain::enterprise::EnterpriseInput {
            name: format!("企业{key}"),
            credit_code: credit_code(100 + i),
            jurisdiction_code: jurisdiction.to_string(),
            industry_code: industry.to_string(),
            ..Default::default()
        };
        ids.insert(
            *key,
            store
                .create_enterprise(&admin, &input)
                .await
                .expect("enterprise"),
        );
    }
    let own = org(store, "企业A62", "enterprise", None, &[], Some(ids["A62"])).await;
    user(store, "principal", own, "enterprise_principal").await;
    user(store, "safety", own, "enterprise_safety_manager").await;
    user(store, "staff", own, "enterprise_staff").await;
    let expert_id = store.user_by_username("expert").await.unwrap().id;
    store
        .assign_expert(&actor, expert_id, ids["A61"])
        .await
        .unwrap();
    Fixture { app, ids }
}

/// Who sees which enterprise — the specification, by hand.
const VISIBLE: [(&str, &[&str]); 15] = [
    ("admin", &["A62", "A61", "B62", "B61", "C62"]),
    ("city-clerk", &["A62", "A61", "B62", "B61", "C62"]),
    ("committee", &["A62", "A61", "B62", "B61"]),
    ("leader", &["A62", "A61", "B62", "B61"]),
    ("regulator", &["A62", "B62"]),
    ("regulator-h", &["A62", "A61", "B62", "B61"]),
    ("territorial", &["A62", "A61"]),
    ("grid", &["A62", "A61"]),
    ("community", &["A62"]),
    ("street-b", &["B62", "B61"]),
    ("expert", &["A61"]),
    ("principal", &["A62"]),
    ("safety", &["A62"]),
    ("staff", &["A62"]),
    ("nobody", &[]),
];

/// Roles that register and edit enterprises (within scope); the enterprise's own principal and
/// safety manager may edit their own contacts.
fn may_edit(username: &str, key: &str) -> bool {
    match username {
        "admin" | "city-clerk" | "committee" | "regulator" | "regulator-h" | "territorial"
        | "community" | "street-b" => true,
        "principal" | "safety" => key == "A62",
        _ => false,
    }
}

/// For each registering user: a place and industry inside their scope, and one outside.
/// (jurisdiction code, industry code)
type Place = (&'static str, &'static str);

const CREATE_CASES: [(&str, Place, Option<Place>); 7] = [
    ("admin", ("450203001000", "62"), None),
    ("city-clerk", ("450203001000", "61"), None),
    (
        "committee",
        ("450202001000", "61"),
        Some(("450203001000", "62")),
    ),
    (
        "regulator",
        ("450202001000", "6210"),
        Some(("450202001000", "61")),
    ),
    (
        "regulator-h",
        ("450202002000", "61"),
        Some(("450202002000", "52")),
    ),
    (
        "territorial",
        ("450202002000", "52"),
        Some(("450202001000", "52")),
    ),
    (
        "community",
        ("450202002001", "61"),
        Some(("450202002000", "61")),
    ),
];

async fn session_for(app: &TestApp, username: &str) -> Session {
    if username == "nobody" {
        return app.anonymous();
    }
    app.bearer(username).await
}

#[tokio::test]
async fn every_role_sees_reads_lists_counts_and_exports_exactly_its_scope() {
    let f = fixture().await;
    for (username, visible) in VISIBLE {
        let session = session_for(&f.app, username).await;
        let visible: BTreeSet<&str> = visible.iter().copied().collect();
        for (key, id) in &f.ids {
            let expected = if username == "nobody" {
                StatusCode::UNAUTHORIZED
            } else if visible.contains(key) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND // out of scope looks like absent
            };
            for path in [
                format!("/api/v1/enterprises/{id}"),
                format!("/api/v1/enterprises/{id}/history"),
                format!("/api/v1/enterprises/{id}/experts"),
            ] {
                assert_eq!(
                    session.get(&path).await.status(),
                    expected,
                    "{username} GET {path} ({key})"
                );
            }
        }
        if username == "nobody" {
            assert_eq!(
                session.get("/api/v1/enterprises").await.status(),
                StatusCode::UNAUTHORIZED
            );
            continue;
        }
        let (status, list) = session.get_json("/api/v1/enterprises?per_page=100").await;
        assert_eq!(status, StatusCode::OK);
        let listed: BTreeSet<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        let expected: BTreeSet<i64> = visible.iter().map(|k| f.ids[k]).collect();
        assert_eq!(listed, expected, "{username} list");
        assert_eq!(
            list["total"].as_i64().unwrap(),
            expected.len() as i64,
            "{username} count"
        );
        // A filter can narrow the scope but never widen it.
        let (_, other_district) = session
            .get_json("/api/v1/enterprises?jurisdiction=450203000000")
            .await;
        let wide = ["admin", "city-clerk"].contains(&username);
        assert_eq!(
            other_district["total"].as_i64().unwrap(),
            if wide { 1 } else { 0 },
            "{username} filter"
        );
        let principal = f.app.store.principal_for_username(username).await.unwrap();
        let stats = f.app.store.enterprise_stats(&principal).await.unwrap();
        assert_eq!(stats.total, expected.len() as i64, "{username} stats");
        let bytes = session
            .get("/api/v1/enterprises/export.xlsx")
            .await
            .bytes()
            .await
            .unwrap();
        let rows = hazardnet_web::sheets::read_rows(&bytes).unwrap();
        assert_eq!(rows.len() - 1, expected.len(), "{username} export");
    }
}

#[tokio::test]
async fn every_role_writes_exactly_within_its_scope() {
    let f = fixture().await;
    for (username, visible) in VISIBLE.iter().filter(|(u, _)| *u != "nobody") {
        let session = session_for(&f.app, username).await;
        for (key, id) in &f.ids {
            let (_, current) = f
                .app
                .bearer("admin")
                .await
                .get_json(&format!("/api/v1/enterprises/{id}"))
                .await;
            let mut body = json!({
                "name": current["name"], "credit_code": current["credit_code"],
                "jurisdiction_code": current["jurisdiction_code"], "industry_code": current["industry_code"],
                "address": format!("{username} 修改"),
            });
            if !may_edit(username, key) {
                body["address"] = json!("不应保存");
            }
            let (status, _) = session
                .put_json(&format!("/api/v1/enterprises/{id}"), &body, None)
                .await;
            let expected = if !visible.contains(key) {
                StatusCode::NOT_FOUND
            } else if may_edit(username, key) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, expected, "{username} PUT {key}");
        }
    }
    // No refused write left a trace.
    let admin = f.app.bearer("admin").await;
    let (_, all) = admin.get_json("/api/v1/enterprises?per_page=100").await;
    for e in all["items"].as_array().unwrap() {
        assert_ne!(e["address"], "不应保存");
    }
    // Moving an enterprise out of one's own scope is refused and changes nothing.
    let territorial = f.app.bearer("territorial").await;
    let id = f.ids["A61"];
    let (status, err) = territorial
        .put_json(
            &format!("/api/v1/enterprises/{id}"),
            &enterprise_body("企业A61", &credit_code(101), "450202001000", "61"),
            None,
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::FORBIDDEN, "out_of_scope")
    );
    let (_, e) = admin.get_json(&format!("/api/v1/enterprises/{id}")).await;
    assert_eq!(e["jurisdiction_code"], "450202002000");

    let mut n = 200;
    for (username, inside, outside) in CREATE_CASES {
        let session = session_for(&f.app, username).await;
        n += 1;
        let (status, body) = session
            .post_json(
                "/api/v1/enterprises",
                &enterprise_body("新企业", &credit_code(n), inside.0, inside.1),
            )
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "{username} create inside: {body}"
        );
        if let Some((j, i)) = outside {
            n += 1;
            let (status, body) = session
                .post_json(
                    "/api/v1/enterprises",
                    &enterprise_body("越界企业", &credit_code(n), j, i),
                )
                .await;
            assert_eq!(
                (status, body["error"]["code"].as_str().unwrap()),
                (StatusCode::FORBIDDEN, "out_of_scope"),
                "{username} create outside"
            );
        }
    }
    for username in ["leader", "grid", "expert", "principal", "safety", "staff"] {
        let session = session_for(&f.app, username).await;
        n += 1;
        let (status, _) = session
            .post_json(
                "/api/v1/enterprises",
                &enterprise_body("无权企业", &credit_code(n), "450202002001", "6210"),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username} may not register");
    }
}

#[tokio::test]
async fn a_regulator_without_industries_cannot_be_created() {
    let f = fixture().await;
    let admin = f.app.bearer("admin").await;
    let (status, err) = admin
        .post_json("/api/v1/organizations", &json!({"name": "空部门", "kind": "industry_regulator", "jurisdiction_code": "450202000000"}))
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "required")
    );
}

/// Inspection records and enforcement actions follow the same matrix: one of each per
/// enterprise, made by the administrator; every user lists, counts and reads exactly those of
/// the enterprises in `VISIBLE`.
#[tokio::test]
async fn every_role_sees_exactly_the_inspections_and_enforcement_of_its_scope() {
    let f = fixture().await;
    let admin = session_for(&f.app, "admin").await;
    let (_, templates) = admin.get_json("/api/v1/checklists").await;
    // A standard in force on the records' day (a replaced edition would be refused).
    let template = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["standard_key"] == "gongmao-2023")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut records: BTreeMap<&str, i64> = BTreeMap::new();
    for (key, id) in &f.ids {
        let (status, body) = admin
            .post_json(
                "/api/v1/inspections",
                // Every item, whatever the enterprise's trade: this is about who sees the record.
                &json!({"enterprise_id": id, "template_id": template, "kind": "routine", "all_items": true,
                        "inspected_on": "2026-11-23", "team": [{"name": "管理员"}]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        records.insert(key, body["id"].as_i64().unwrap());
        let (status, body) = admin
            .post_json(
                "/api/v1/enforcement",
                &json!({"enterprise_id": id, "kind": "case_filed", "decided_on": "2026-11-23", "basis": "《安全生产法》"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (status, body) = admin
            .post_json(
                &format!("/api/v1/enterprises/{id}/accidents"),
                &json!({"occurred_on": "2026-01-05", "kind": "other", "circumstances": "矩阵测试事故"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    for (username, visible) in VISIBLE {
        let session = session_for(&f.app, username).await;
        if username == "nobody" {
            for path in ["/api/v1/inspections", "/api/v1/enforcement"] {
                assert_eq!(session.get(path).await.status(), StatusCode::UNAUTHORIZED);
            }
            continue;
        }
        let expected: BTreeSet<i64> = visible.iter().map(|k| f.ids[k]).collect();
        for path in [
            "/api/v1/inspections?per_page=100",
            "/api/v1/enforcement?per_page=100",
        ] {
            let (status, list) = session.get_json(path).await;
            assert_eq!(status, StatusCode::OK, "{username} {path}");
            let seen: BTreeSet<i64> = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["enterprise_id"].as_i64().unwrap())
                .collect();
            assert_eq!(seen, expected, "{username} {path}");
            assert_eq!(
                list["total"].as_i64().unwrap(),
                expected.len() as i64,
                "{username} {path} count"
            );
        }
        for path in [
            "/api/v1/inspections/export.xlsx",
            "/api/v1/enforcement/export.xlsx",
        ] {
            let response = session.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{username} {path}");
            let rows = hazardnet_web::sheets::read_rows(&response.bytes().await.unwrap()).unwrap();
            assert_eq!(rows.len() - 1, expected.len(), "{username} {path} rows");
        }
        for (key, record) in &records {
            let status = session
                .get(&format!("/api/v1/inspections/{record}"))
                .await
                .status();
            let want = if visible.contains(key) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            assert_eq!(status, want, "{username} inspection of {key}");
            // Its document and the enterprise's enforcement flags follow the record's scope.
            let status = session
                .get(&format!("/api/v1/inspections/{record}/record.docx"))
                .await
                .status();
            assert_eq!(
                status, want,
                "{username} inspection record document of {key}"
            );
            let status = session
                .get(&format!("/api/v1/enterprises/{}/enforcement", f.ids[key]))
                .await
                .status();
            assert_eq!(status, want, "{username} enforcement flags of {key}");
            // An enterprise's accidents: read where the enterprise is, refused elsewhere.
            let (status, accidents) = session
                .get_json(&format!("/api/v1/enterprises/{}/accidents", f.ids[key]))
                .await;
            assert_eq!(status, want, "{username} accidents of {key}");
            if want == StatusCode::OK {
                assert_eq!(accidents.as_array().unwrap().len(), 1, "{username} {key}");
            }
        }
    }
}

/// Whose returns to a district campaign each user reads: the unit's own, and every return for
/// the offices at or above the campaign's level — by hand, like `VISIBLE`.
const RETURNS_SEEN: [(&str, &[&str]); 15] = [
    ("admin", &["公园街道办事处", "城中街道办事处"]),
    ("city-clerk", &["公园街道办事处", "城中街道办事处"]),
    ("committee", &["公园街道办事处", "城中街道办事处"]),
    ("leader", &["公园街道办事处", "城中街道办事处"]),
    ("regulator", &["公园街道办事处", "城中街道办事处"]),
    ("regulator-h", &["公园街道办事处", "城中街道办事处"]),
    ("territorial", &["公园街道办事处"]),
    ("grid", &["公园街道办事处"]),
    ("community", &[]),
    ("street-b", &["城中街道办事处"]),
    ("expert", &[]),
    ("principal", &[]),
    ("safety", &[]),
    ("staff", &[]),
    ("nobody", &[]),
];

/// A district campaign targets the district's four enterprises and asks both streets for a
/// monthly return, each with a signed scan attached. Every user sees the campaign's targets
/// only within `VISIBLE`, and reads the returns, the grid's units and the attachments only as
/// `RETURNS_SEEN` says; another unit's return is absent (404) for reading and for writing.
#[tokio::test]
async fn every_role_sees_exactly_the_campaign_targets_returns_and_attachments_of_its_scope() {
    let f = fixture().await;
    let committee = session_for(&f.app, "committee").await;
    let targets: Vec<i64> = ["A62", "A61", "B62", "B61"]
        .iter()
        .map(|k| f.ids[k])
        .collect();
    let (status, created) = committee
        .post_json(
            "/api/v1/campaigns",
            &json!({
                "title": "矩阵专项行动", "doc_number": "城中安委字〔2026〕1号",
                "jurisdiction_code": "450202000000", "cadence": "monthly:28",
                "starts_on": "2026-10-01", "ends_on": "2027-06-30",
                "reporting_units": "公园街道办事处、城中街道办事处",
                "phases": [{"name": "集中整治", "starts_on": "2026-10-01", "ends_on": "2027-06-30"}],
                "targets": targets,
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, detail) = committee.get_json(&format!("/api/v1/campaigns/{id}")).await;
    let task = detail["tasks"][0]["id"].as_i64().unwrap();
    let reports_path = format!("/api/v1/campaigns/{id}/tasks/{task}/reports");
    // unit name → (report id, attachment id)
    let mut filed: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for (username, unit) in [
        ("territorial", "公园街道办事处"),
        ("street-b", "城中街道办事处"),
    ] {
        let session = session_for(&f.app, username).await;
        let (status, body) = session
            .post_json(
                &format!("/api/v1/campaigns/{id}/returns"),
                &json!({"period_key": "2026-10", "body": format!("{unit}十月进展"), "figures": {"enterprises_checked": 2}}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{username}: {body}");
        let report = body["id"].as_i64().unwrap();
        let (status, body) = session
            .upload(
                &format!("/api/v1/campaigns/{id}/reports/{report}/attachments"),
                "盖章件.pdf",
                format!("%PDF-1.4 {unit}").into_bytes(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{username}: {body}");
        filed.insert(unit, (report, body["id"].as_i64().unwrap()));
    }
    let mut checked = 0;
    for ((username, visible), (seen_by, returns)) in VISIBLE.iter().zip(RETURNS_SEEN) {
        assert_eq!(*username, seen_by, "the two tables list the same users");
        let session = session_for(&f.app, username).await;
        if *username == "nobody" {
            for path in [format!("/api/v1/campaigns/{id}"), reports_path.clone()] {
                assert_eq!(session.get(&path).await.status(), StatusCode::UNAUTHORIZED);
            }
            continue;
        }
        let (status, detail) = session.get_json(&format!("/api/v1/campaigns/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{username} sees the campaign");
        let seen_targets: BTreeSet<i64> = detail["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["enterprise_id"].as_i64().unwrap())
            .collect();
        let expected_targets: BTreeSet<i64> = visible
            .iter()
            .map(|k| f.ids[k])
            .filter(|e| targets.contains(e))
            .collect();
        assert_eq!(seen_targets, expected_targets, "{username} targets");

        let (status, page) = session.get_json(&reports_path).await;
        assert_eq!(status, StatusCode::OK, "{username} reports");
        let names = |list: &serde_json::Value, field: &str| -> BTreeSet<String> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|r| r[field].as_str().unwrap().to_string())
                .collect()
        };
        let expected: BTreeSet<String> = returns.iter().map(|u| u.to_string()).collect();
        assert_eq!(
            names(&page["reports"], "org_name"),
            expected,
            "{username} returns"
        );
        let units: BTreeSet<String> = page["grid"]["units"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u[1].as_str().unwrap().to_string())
            .collect();
        assert_eq!(units, expected, "{username} grid units");
        let attachment_reports: BTreeSet<i64> = page["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["report_id"].as_i64().unwrap())
            .collect();
        let expected_reports: BTreeSet<i64> = returns.iter().map(|u| filed[u].0).collect();
        assert_eq!(
            attachment_reports, expected_reports,
            "{username} attachments"
        );
        for (unit, (report, attachment)) in &filed {
            let want = if returns.contains(unit) {
                StatusCode::OK
            } else {
                StatusCode::NOT_FOUND
            };
            let status = session
                .get(&format!("/api/v1/campaigns/{id}/attachments/{attachment}"))
                .await
                .status();
            assert_eq!(status, want, "{username} attachment of {unit}");
            let status = session
                .get(&format!("/api/v1/campaigns/{id}/returns/{report}"))
                .await
                .status();
            assert_eq!(status, want, "{username} return of {unit}");
            // Writing to another unit's return: absent, like an unknown id.
            let own = (*username == "territorial" && *unit == "公园街道办事处")
                || (*username == "street-b" && *unit == "城中街道办事处");
            if !own && want == StatusCode::NOT_FOUND {
                let (status, body) = session
                    .upload(
                        &format!("/api/v1/campaigns/{id}/reports/{report}/attachments"),
                        "冒名.pdf",
                        b"%PDF-1.4 not mine".to_vec(),
                    )
                    .await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{username} writes to {unit}: {body}"
                );
                let (status, body) = session
                    .put_json(
                        &format!("/api/v1/campaigns/{id}/returns/{report}"),
                        &json!({"expected_version": 1, "reason": "冒名更正", "body": "x"}),
                        None,
                    )
                    .await;
                assert_eq!(
                    status,
                    StatusCode::NOT_FOUND,
                    "{username} replaces {unit}'s return: {body}"
                );
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * (VISIBLE.len() - 1));
}
