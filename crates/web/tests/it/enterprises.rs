//! The enterprise registry over HTTP: create, edit, list with filters and paging, and the
//! refusals of bad input, each of which leaves the data unchanged.

use crate::helpers::{TestApp, credit_code, enterprise_body};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn create_read_update_with_version_check_and_history() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let body = enterprise_body("柳州市测试餐馆", &credit_code(10), "450202002000", "6210");
    let (status, created) = clerk.post_json("/api/v1/enterprises", &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, e) = clerk.get_json(&format!("/api/v1/enterprises/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(e["industry_name"], "正餐服务");
    assert_eq!(e["jurisdiction_name"], "公园街道");
    assert_eq!(e["version"], 1);

    let mut changed = body.clone();
    changed["address"] = json!("柳州市城中区测试路1号");
    changed["risk_grade"] = json!("orange");
    let (status, e) = clerk
        .put_json(&format!("/api/v1/enterprises/{id}"), &changed, Some(1))
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["version"], 2);
    // A second edit made on the old copy is refused, not silently applied.
    let (status, err) = clerk
        .put_json(&format!("/api/v1/enterprises/{id}"), &body, Some(1))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["error"]["code"], "stale_version");

    let (status, history) = clerk
        .get_json(&format!("/api/v1/enterprises/{id}/history"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["enterprise.create", "enterprise.update"]);
    assert!(
        history[1]["before_json"]
            .as_str()
            .unwrap()
            .contains("\"address\":\"\"")
    );
}

#[tokio::test]
async fn bad_input_is_refused_with_a_reason_and_changes_nothing() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, before) = clerk.get_json("/api/v1/enterprises").await;
    let total = before["total"].as_i64().unwrap();
    let cases = [
        (
            enterprise_body("", &credit_code(20), "450202002000", "62"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "required",
        ),
        (
            enterprise_body(&"长".repeat(101), &credit_code(21), "450202002000", "62"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_long",
        ),
        (
            enterprise_body("甲", "91450202MA5L000102", "450202002000", "62"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_credit_code",
        ),
        (
            enterprise_body("甲", &credit_code(22), "4502020020", "62"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_jurisdiction_code",
        ),
        (
            enterprise_body("甲", &credit_code(23), "450202002000", "99"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_industry_code",
        ),
        (
            enterprise_body("甲", &credit_code(24), "450202002000", "0999"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_industry",
        ),
        (
            enterprise_body("甲", "91450202MA5L000101", "450202002000", "62"),
            StatusCode::CONFLICT,
            "duplicate_credit_code",
        ),
        (
            enterprise_body("甲", &credit_code(25), "450202001000", "62"),
            StatusCode::FORBIDDEN,
            "out_of_scope",
        ),
        (
            json!({"name": "甲", "credit_code": credit_code(26), "jurisdiction_code": "450202002000", "industry_code": "62", "colour": "red"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({"name": "甲", "credit_code": credit_code(27), "jurisdiction_code": "450202002000", "industry_code": "62", "employees": "many"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
        (
            json!({"name": "甲", "credit_code": credit_code(28), "jurisdiction_code": "450202002000", "industry_code": "62", "risk_grade": "purple"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_value",
        ),
    ];
    for (body, status, code) in cases {
        let (got, err) = clerk.post_json("/api/v1/enterprises", &body).await;
        assert_eq!(
            (got, err["error"]["code"].as_str().unwrap_or("")),
            (status, code),
            "{body}"
        );
        assert!(!err["error"]["message"].as_str().unwrap_or("").is_empty());
    }
    let (status, err) = clerk
        .post_raw(
            "/api/v1/enterprises",
            "application/json",
            b"{\"name\": ".to_vec(),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let (status, _) = clerk
        .post_raw("/api/v1/enterprises", "text/plain", b"hello".to_vec())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = clerk
        .post_raw(
            "/api/v1/enterprises",
            "application/json",
            vec![b' '; hazardnet_web::MAX_BODY_BYTES + 10],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, err) = clerk.get_json("/api/v1/enterprises/99999").await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, _) = clerk.get_json("/api/v1/enterprises?page=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (_, after) = clerk.get_json("/api/v1/enterprises").await;
    assert_eq!(after["total"].as_i64().unwrap(), total);
    // The server is still serving.
    assert_eq!(
        app.anonymous().get("/healthz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, all) = clerk
        .get_json("/api/v1/enterprises?per_page=5&page=1")
        .await;
    assert_eq!(all["total"], 12);
    assert_eq!(all["items"].as_array().unwrap().len(), 5);
    let (_, page3) = clerk
        .get_json("/api/v1/enterprises?per_page=5&page=3")
        .await;
    assert_eq!(page3["items"].as_array().unwrap().len(), 2);
    let (_, hotels) = clerk.get_json("/api/v1/enterprises?industry=61").await;
    assert_eq!(hotels["total"], 8);
    let (_, section) = clerk.get_json("/api/v1/enterprises?industry=H").await;
    assert_eq!(section["total"], 10);
    let (_, retail) = clerk.get_json("/api/v1/enterprises?industry=F").await;
    assert_eq!(retail["total"], 2);
    let (_, orange) = clerk
        .get_json("/api/v1/enterprises?risk_grade=orange")
        .await;
    assert_eq!(orange["total"], 2);
    let (_, search) = clerk
        .get_json(&format!(
            "/api/v1/enterprises?q={}",
            urlencoding::encode("酒店")
        ))
        .await;
    assert!(search["total"].as_i64().unwrap() >= 5);
    let (_, not_crowded) = clerk
        .get_json("/api/v1/enterprises?crowded_place=false")
        .await;
    assert_eq!(not_crowded["total"], 1);
    let (_, sorted) = clerk
        .get_json("/api/v1/enterprises?sort=credit_code&desc=true&per_page=2")
        .await;
    let codes: Vec<&str> = sorted["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["credit_code"].as_str().unwrap())
        .collect();
    assert!(codes[0] > codes[1]);
    let (_, in_street) = clerk
        .get_json("/api/v1/enterprises?jurisdiction=450202002000")
        .await;
    assert_eq!(in_street["total"], 12);
    let (_, elsewhere) = clerk
        .get_json("/api/v1/enterprises?jurisdiction=450202001000")
        .await;
    assert_eq!(elsewhere["total"], 0);
}

#[tokio::test]
async fn enterprise_staff_edit_contacts_but_not_registration_facts() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let (_, me) = manager.get_json("/api/v1/me").await;
    let id = me["enterprise_id"].as_i64().unwrap();
    let (_, e) = manager.get_json(&format!("/api/v1/enterprises/{id}")).await;
    let mut body = json!({
        "name": "改名企业", "credit_code": e["credit_code"], "jurisdiction_code": e["jurisdiction_code"],
        "industry_code": "52", "risk_grade": "blue", "safety_manager_name": "韦安全", "safety_manager_phone": "0772-2871139",
    });
    let (status, updated) = manager
        .put_json(&format!("/api/v1/enterprises/{id}"), &body, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{updated}");
    assert_eq!(updated["safety_manager_name"], "韦安全");
    assert_eq!(updated["name"], "佰迪乐KTV");
    assert_eq!(updated["industry_code"], "62");
    assert_eq!(updated["risk_grade"], "orange");
    body["safety_manager_phone"] = json!("call me");
    assert_eq!(
        manager
            .put_json(&format!("/api/v1/enterprises/{id}"), &body, None)
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Creating enterprises is for government clerks.
    let new = enterprise_body("甲", &credit_code(30), "450202002000", "62");
    assert_eq!(
        manager.post_json("/api/v1/enterprises", &new).await.0,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn reference_data_is_shipped() {
    let app = TestApp::spawn_demo().await;
    let user = app.bearer("enterprise").await;
    let (_, streets) = user
        .get_json("/api/v1/jurisdictions?parent=450202000000")
        .await;
    let names: Vec<&str> = streets["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"公园街道"), "{names:?}");
    for code in ["350400000000", "370400000000", "510100000000"] {
        assert_eq!(
            user.get(&format!("/api/v1/jurisdictions/{code}"))
                .await
                .status(),
            StatusCode::OK,
            "{code}"
        );
    }
    let (_, industries) = user.get_json("/api/v1/industries").await;
    let items = industries["items"].as_array().unwrap();
    assert!(
        items
            .iter()
            .any(|i| i["code"] == "62" && i["name"] == "餐饮业")
    );
    assert_eq!(
        items.iter().filter(|i| i["level"] == "division").count(),
        97
    );
}

/// A community the official table does not list yet: the administrator adds it below its
/// street, marked local, and the community's office can then be created; an import of the
/// official table that carries the code makes it official.
#[tokio::test]
async fn an_administrator_adds_a_local_community_and_its_office() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    let office = serde_json::json!({"name": "测试社区居委会", "kind": "community", "jurisdiction_code": "450202002001"});
    let (status, body) = admin.post_json("/api/v1/organizations", &office).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_jurisdiction")
        )
    );
    let community = serde_json::json!({"code": "450202002001", "name": "测试社区"});
    let (status, _) = app
        .bearer("district-office")
        .await
        .post_json("/api/v1/jurisdictions", &community)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "only the administrator");
    let (status, orphan) = admin
        .post_json(
            "/api/v1/jurisdictions",
            &serde_json::json!({"code": "450299001001", "name": "无上级社区"}),
        )
        .await;
    assert_eq!(
        (status, orphan["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_jurisdiction")
        )
    );
    let (status, added) = admin.post_json("/api/v1/jurisdictions", &community).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    assert_eq!(
        (added["local"].as_i64(), added["level"].as_str()),
        (Some(1), Some("community"))
    );
    let (status, again) = admin.post_json("/api/v1/jurisdictions", &community).await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("jurisdiction_exists"))
    );
    let (status, body) = admin.post_json("/api/v1/organizations", &office).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The official table confirms the code: no longer local.
    app.store
        .import_jurisdictions(
            &hazardnet_store::Actor::system("test"),
            vec![hazardnet_store::JurisdictionRow {
                code: "450202002001".into(),
                name: "测试社区".into(),
                parent_code: String::new(),
            }],
        )
        .await
        .unwrap();
    let (_, read) = admin.get_json("/api/v1/jurisdictions/450202002001").await;
    assert_eq!(read["local"], 0);
}
