//! Offices keep the accounts of their area: the street office gives an enterprise its account,
//! is refused outside its area and for the administrator's role, disables and re-enables it;
//! the district office assigns an expert to an enterprise and takes them off again.

use crate::helpers::{TestApp, credit_code, enterprise_body, record_hazard};
use crate::ui::{csrf_of, page_login};
use reqwest::StatusCode;
use serde_json::json;

const PASSWORD: &str = "long-enough-pw";

/// An enterprise in 城中街道, outside 公园街道 (the street office's area), registered by the
/// district office.
async fn enterprise_outside_the_street(app: &TestApp) -> i64 {
    let district = app.bearer("district-office").await;
    let (status, body) = district
        .post_json(
            "/api/v1/enterprises",
            &enterprise_body("城中街道某餐馆", &credit_code(700), "450202001000", "62"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().unwrap()
}

/// The changes recorded for an entity (sign-ins left out).
async fn audit_actions(app: &TestApp, entity: &str, id: i64) -> Vec<String> {
    app.store
        .audit_history(entity, &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .filter(|a| a != "user.login")
        .collect()
}

#[tokio::test]
async fn a_street_office_gives_an_enterprise_in_its_area_its_account_and_can_take_it_away() {
    let app = TestApp::spawn_demo().await;
    let outside = enterprise_outside_the_street(&app).await;
    let street = app.login("street-office", "hazardnet-demo").await;
    let (_, mine) = street.get_json("/api/v1/enterprises?q=东都百货").await;
    let dongdu = mine["items"][0]["id"]
        .as_i64()
        .expect("东都百货 in the street's area");

    // The department store has no organization yet: its first account makes one.
    let (status, body) = street
        .post_json(
            "/api/v1/users",
            &json!({"username": "dongdu-safety", "display_name": "东都百货安全员",
                    "role": "enterprise_safety_manager", "password": PASSWORD,
                    "enterprise_id": dongdu}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let user_id = body["id"].as_i64().unwrap();
    assert_eq!(audit_actions(&app, "user", user_id).await, ["user.create"]);

    // The new account signs in and sees its own enterprise, and only it.
    let manager = app.login("dongdu-safety", PASSWORD).await;
    let (status, seen) = manager.get_json("/api/v1/enterprises").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["total"], 1);
    assert_eq!(seen["items"][0]["id"], dongdu);

    // The street office lists it among the accounts it keeps.
    let (status, list) = street
        .get_json("/api/v1/users?q=dongdu&status=active")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["total"], 1, "{list}");
    assert_eq!(list["items"][0]["username"], "dongdu-safety");
    let (_, all) = street.get_json("/api/v1/users").await;
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"street-office") && names.contains(&"enterprise"));
    assert!(!names.contains(&"district-office") && !names.contains(&"admin"));

    // Outside its area: absent, and nothing changes.
    let users_before = app.store.users().await.unwrap().len();
    let orgs_before = app.store.organizations().await.unwrap().len();
    let (status, body) = street
        .post_json(
            "/api/v1/users",
            &json!({"username": "outsider", "display_name": "越界账号",
                    "role": "enterprise_principal", "password": PASSWORD,
                    "enterprise_id": outside}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(app.store.users().await.unwrap().len(), users_before);
    assert_eq!(app.store.organizations().await.unwrap().len(), orgs_before);
    let district_org = app
        .store
        .organization_by_name("城中区安委办")
        .await
        .unwrap();
    let (status, _) = street
        .post_json(
            "/api/v1/users",
            &json!({"username": "outsider", "display_name": "越界账号",
                    "role": "committee_clerk", "password": PASSWORD,
                    "org_id": district_org.id}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The administrator's role, or its own office's leader: refused, with the reason.
    let own = app
        .store
        .organization_by_name("公园街道办事处")
        .await
        .unwrap();
    for role in ["admin", "leader"] {
        let (status, body) = street
            .post_json(
                "/api/v1/users",
                &json!({"username": "climber", "display_name": "越权账号",
                        "role": role, "password": PASSWORD, "org_id": own.id}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role}: {body}");
        assert_eq!(body["error"]["code"], "role_not_grantable");
        assert!(
            body["error"]["message"].as_str().unwrap().contains("无权"),
            "{body}"
        );
    }
    assert_eq!(app.store.users().await.unwrap().len(), users_before);
    assert!(app.store.user_by_username("climber").await.is_err());

    // A grid supervisor for its own office is the street's to give.
    let (status, _) = street
        .post_json(
            "/api/v1/users",
            &json!({"username": "grid-park", "display_name": "公园街道网格员",
                    "role": "grid_supervisor", "password": PASSWORD, "org_id": own.id}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Disabled: the session ends and signing in is refused; re-enabled: it works again.
    let (status, _) = street
        .post_json("/api/v1/users/dongdu-safety/disable", &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        manager.get("/api/v1/me").await.status(),
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = app
        .anonymous()
        .post_json(
            "/api/v1/session",
            &json!({"username": "dongdu-safety", "password": PASSWORD}),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = street.get_json("/api/v1/users?status=disabled").await;
    assert_eq!(list["items"][0]["username"], "dongdu-safety");
    let (status, _) = street
        .post_json("/api/v1/users/dongdu-safety/enable", &json!({}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    app.login("dongdu-safety", PASSWORD).await;
    assert_eq!(
        audit_actions(&app, "user", user_id).await,
        ["user.create", "user.disable", "user.enable"]
    );

    // Accounts outside its area are absent to the street office; its own stays its own.
    let (status, _) = street
        .post_json("/api/v1/users/district-office/disable", &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = street
        .post_json("/api/v1/users/street-office/disable", &json!({}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    app.login("district-office", "hazardnet-demo").await;

    // Enterprises and experts keep no accounts.
    for username in ["enterprise", "expert"] {
        let session = app.bearer(username).await;
        assert_eq!(
            session.get("/api/v1/users").await.status(),
            StatusCode::FORBIDDEN
        );
        let (status, _) = session
            .post_json(
                "/api/v1/users",
                &json!({"username": "someone-new", "display_name": "新员工",
                        "role": "enterprise_staff", "password": PASSWORD,
                        "enterprise_id": dongdu}),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{username}");
    }
}

#[tokio::test]
async fn a_district_office_assigns_an_expert_who_then_sees_the_enterprise_until_taken_off() {
    let app = TestApp::spawn_demo().await;
    let street = app.login("street-office", "hazardnet-demo").await;
    let (_, list) = street.get_json("/api/v1/enterprises?q=铂涛").await;
    let hotel = list["items"][0]["id"].as_i64().expect("铂涛精品酒店");
    let (hazard, _) = record_hazard(&street, hotel, "客房走廊疏散指示标志损坏", "general").await;
    let expert = app.login("expert", "hazardnet-demo").await;
    let hazard_path = format!("/api/v1/hazards/{hazard}");
    assert_eq!(
        expert.get(&hazard_path).await.status(),
        StatusCode::NOT_FOUND
    );

    let district = app.login("district-office", "hazardnet-demo").await;
    let experts_path = format!("/api/v1/enterprises/{hotel}/experts");
    let (status, _) = district
        .post_json(&experts_path, &json!({"expert": "expert"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, assigned) = district.get_json(&experts_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(assigned["items"][0]["username"], "expert");

    // At once: the expert sees the enterprise and its hazards.
    assert_eq!(expert.get(&hazard_path).await.status(), StatusCode::OK);
    let (_, hazards) = expert
        .get_json(&format!("/api/v1/hazards?enterprise_id={hotel}"))
        .await;
    assert!(
        hazards["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["id"] == hazard),
        "{hazards}"
    );
    assert_eq!(
        expert
            .get(&format!("/api/v1/enterprises/{hotel}"))
            .await
            .status(),
        StatusCode::OK
    );

    // Only an expert account can be assigned; only offices assign.
    let (status, body) = district
        .post_json(&experts_path, &json!({"expert": "regulator"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "not_an_expert");
    let manager = app.bearer("enterprise").await;
    let (status, _) = manager
        .post_json(
            &format!("/api/v1/enterprises/{hotel}/experts/expert/end"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Taken off: at once the hazard is absent to the expert again.
    let (status, _) = district
        .post_json(
            &format!("/api/v1/enterprises/{hotel}/experts/expert/end"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(
        expert.get(&hazard_path).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, assigned) = district.get_json(&experts_path).await;
    assert_eq!(assigned["total"], 0);
    assert_eq!(
        audit_actions(&app, "enterprise", hotel)
            .await
            .into_iter()
            .filter(|a| a.starts_with("expert."))
            .collect::<Vec<_>>(),
        ["expert.assign", "expert.unassign"]
    );

    // A street office assigns within its area only.
    let outside = enterprise_outside_the_street(&app).await;
    let (status, _) = street
        .post_json(
            &format!("/api/v1/enterprises/{outside}/experts"),
            &json!({"expert": "expert"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = street
        .post_json(&experts_path, &json!({"expert": "expert"}))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(expert.get(&hazard_path).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_accounts_page_gives_a_street_office_its_accounts_and_keeps_a_refused_form() {
    let app = TestApp::spawn_demo().await;
    let session = page_login(&app, "street-office").await;
    let home = session.get("/").await.text().await.unwrap();
    assert!(
        home.contains("href=\"/users\""),
        "the nav offers the accounts"
    );
    let page = session.get("/users").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("street-office") && !html.contains("district-office"));
    assert!(!html.contains("value=\"admin\""), "no admin role offered");
    let csrf = csrf_of(&html);

    // A weak password is refused; what was typed (but the password) stays.
    // 江海百鱼庄, the demo's third enterprise, in the street's area.
    let code = hazardnet_store::demo::demo_credit_code(2)
        .unwrap()
        .to_string();
    let r = session
        .client
        .post(app.url("/users"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "baiyu-boss"),
            ("display_name", "江海百鱼庄负责人"),
            ("credit_code", code.as_str()),
            ("role", "enterprise_principal"),
            ("password", "password12"),
            ("phone", "13800000000"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("密码强度不够"), "{html}");
    assert!(html.contains("value=\"baiyu-boss\"") && html.contains("value=\"江海百鱼庄负责人\""));
    assert!(html.contains(&format!("value=\"{code}\"")) && html.contains("value=\"13800000000\""));
    assert!(!html.contains("password12"));

    let r = session
        .client
        .post(app.url("/users"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("username", "baiyu-boss"),
            ("display_name", "江海百鱼庄负责人"),
            ("credit_code", code.as_str()),
            ("role", "enterprise_principal"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = session.get("/users?q=baiyu").await.text().await.unwrap();
    assert!(list.contains("baiyu-boss") && list.contains("/users/baiyu-boss/disable"));
    let r = session
        .client
        .post(app.url("/users/baiyu-boss/disable"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = session
        .get("/users?status=disabled")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("/users/baiyu-boss/enable"));

    // The enterprise page offers the expert form, and assigning lands back on it.
    let admin = app.store.principal_for_username("admin").await.unwrap();
    let baiyu = app
        .store
        .enterprise_id_by_credit_code(&admin, &code)
        .await
        .unwrap();
    let detail = session
        .get(&format!("/enterprises/{baiyu}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains(&format!("action=\"/enterprises/{baiyu}/experts\"")));
    let r = session
        .client
        .post(app.url(&format!("/enterprises/{baiyu}/experts")))
        .form(&[("csrf", csrf.as_str()), ("expert", "expert")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let detail = session
        .get(&format!("/enterprises/{baiyu}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains(&format!("/enterprises/{baiyu}/experts/expert/end")));
}
