//! The web pages over HTTP: login, navigation by role, the enterprise list, a refused form that
//! keeps what was typed, and the language switch.

use crate::helpers::{TestApp, credit_code};
use reqwest::StatusCode;

/// The login form's hidden CSRF token (its cookie is kept by the session's cookie store).
pub fn login_csrf_of(html: &str) -> String {
    let start = html
        .find("name=\"login_csrf\" value=\"")
        .expect("login csrf field")
        + 25;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

pub(crate) async fn page_login(app: &TestApp, username: &str) -> crate::helpers::Session {
    let session = app.anonymous();
    let form = session.get("/login").await.text().await.unwrap();
    let token = login_csrf_of(&form);
    let r = session
        .client
        .post(app.url("/login"))
        .form(&[
            ("username", username),
            ("password", "hazardnet-demo"),
            ("next", "/enterprises"),
            ("login_csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/enterprises");
    session
}

pub(crate) fn csrf_of(html: &str) -> String {
    let start = html.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

#[tokio::test]
async fn pages_need_a_login_and_show_the_scope() {
    let app = TestApp::spawn_demo().await;
    let anon = app.anonymous();
    let r = anon.get("/enterprises").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    let login = anon.get("/login").await.text().await.unwrap();
    assert!(login.contains("登录隐患排查治理一张网"));

    let session = page_login(&app, "street-office").await;
    let html = session.get("/enterprises").await.text().await.unwrap();
    assert!(html.contains("佰迪乐KTV") && html.contains("东都好酒店"));
    assert!(html.contains("共 12 条"));
    assert!(
        html.contains("用户管理") && !html.contains("href=\"/organizations\""),
        "a clerk keeps its area's accounts, not the organizations"
    );
    let home = session.get("/").await.text().await.unwrap();
    assert!(home.contains("数据范围：公园街道"));

    let admin = page_login(&app, "admin").await;
    let html = admin.get("/users").await.text().await.unwrap();
    assert!(html.contains("用户管理") && html.contains("street-office"));
    let clerk_orgs = session.get("/organizations").await;
    assert_eq!(clerk_orgs.status(), StatusCode::FORBIDDEN);
    let enterprise = page_login(&app, "enterprise").await;
    let html = enterprise.get("/").await.text().await.unwrap();
    assert!(
        !html.contains("用户管理"),
        "an enterprise keeps no accounts"
    );
    assert_eq!(
        enterprise.get("/users").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_refused_form_keeps_what_was_typed() {
    let app = TestApp::spawn_demo().await;
    let session = page_login(&app, "street-office").await;
    let form_html = session.get("/enterprises/new").await.text().await.unwrap();
    let csrf = csrf_of(&form_html);
    let r = session
        .client
        .post(app.url("/enterprises"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "柳州市新开饭店"),
            ("credit_code", "91450202MA5L000102"),
            ("jurisdiction_code", "450202002000"),
            ("industry_code", "62"),
            ("address", "公园路 8 号"),
            ("crowded_place", "on"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("统一社会信用代码“91450202MA5L000102”不正确"),
        "{html}"
    );
    assert!(html.contains("value=\"柳州市新开饭店\"") && html.contains("value=\"公园路 8 号\""));
    assert!(html.contains("name=\"crowded_place\" value=\"on\" checked"));

    let good = credit_code(400);
    let r = session
        .client
        .post(app.url("/enterprises"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "柳州市新开饭店"),
            ("credit_code", good.as_str()),
            ("jurisdiction_code", "450202002000"),
            ("industry_code", "62"),
            ("status", "operating"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let detail = session
        .get(r.headers()["location"].to_str().unwrap())
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("柳州市新开饭店") && detail.contains("登记"));

    // Without the CSRF token the page write is refused.
    let r = session
        .client
        .post(app.url("/enterprises"))
        .form(&[("name", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_language_switch_turns_pages_english() {
    let app = TestApp::spawn_demo().await;
    let session = page_login(&app, "admin").await;
    let html = session.get("/enterprises").await.text().await.unwrap();
    let csrf = csrf_of(&html);
    let r = session
        .client
        .post(app.url("/lang"))
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = session.get("/enterprises").await.text().await.unwrap();
    assert!(html.contains("Export to Excel"), "{html}");
}

#[tokio::test]
async fn static_assets_are_embedded() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/static/app.css").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

#[tokio::test]
async fn the_admin_creates_organizations_from_the_web() {
    let app = TestApp::spawn_demo().await;
    let admin = page_login(&app, "admin").await;
    let html = admin.get("/organizations").await.text().await.unwrap();
    assert!(html.contains("城中区应急管理局"));
    let csrf = csrf_of(&html);
    // A regulator without industries is refused, and the form keeps its name.
    let r = admin
        .client
        .post(app.url("/organizations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "城中区市场监管局"),
            ("kind", "industry_regulator"),
            ("jurisdiction_code", "450202000000"),
            ("industries", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("value=\"城中区市场监管局\"") && html.contains("监管行业"),
        "{html}"
    );
    let r = admin
        .client
        .post(app.url("/organizations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "城中区市场监管局"),
            ("kind", "industry_regulator"),
            ("jurisdiction_code", "450202000000"),
            ("industries", "52，62"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let org = app
        .store
        .organization_by_name("城中区市场监管局")
        .await
        .unwrap();
    assert_eq!(org.industries, "52,62");
    // An enterprise organization is named by its credit code.
    let r = admin
        .client
        .post(app.url("/organizations"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "东都百货"),
            ("kind", "enterprise"),
            ("credit_code", "91450202MA5L000202"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let clerk = page_login(&app, "street-office").await;
    assert_eq!(
        clerk.get("/organizations").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_ledger_detail_and_dashboard_pages_work_through_forms() {
    let app = TestApp::spawn_full_demo().await;
    let session = page_login(&app, "enterprise").await;
    let ledger = session.get("/hazards").await.text().await.unwrap();
    assert!(ledger.contains("KTV包厢区安全出口被封堵"));
    assert!(
        !ledger.contains("灭火器压力不足"),
        "another enterprise's hazard"
    );
    let csrf = csrf_of(&session.get("/hazards/new").await.text().await.unwrap());
    let photo: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xFF,
        0xC0, 0, 17, 8, 0, 1, 0, 1, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xFF, 0xD9,
    ];
    let form = reqwest::multipart::Form::new()
        .text("title", "吧台电源插座破损")
        .text("level", "general")
        .text("category", "21")
        .text("source", "self_inspection")
        .text("place", "一楼吧台")
        .text("found_at", "2026-11-23")
        .part(
            "file",
            reqwest::multipart::Part::bytes(photo.to_vec()).file_name("photo.jpg"),
        );
    let r = session
        .client
        .post(app.url(&format!("/hazards?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let detail = session.get(&location).await.text().await.unwrap();
    assert!(detail.contains("吧台电源插座破损") && detail.contains("/api/v1/evidence/"));
    assert!(detail.contains("立查立改") && detail.contains("确认并开始整改"));
    // Confirm without a deadline: refused on the page, nothing changes.
    let form = reqwest::multipart::Form::new()
        .text("action", "confirm")
        .text("deadline", "");
    let r = session
        .client
        .post(app.url(&format!("{location}/act?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("整改期限"));
    let form = reqwest::multipart::Form::new()
        .text("action", "confirm")
        .text("deadline", "2026-12-10");
    let r = session
        .client
        .post(app.url(&format!("{location}/act?csrf={csrf}")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let detail = session.get(&location).await.text().await.unwrap();
    assert!(detail.contains("整改中") && detail.contains("2026-12-10"));
    assert!(
        !detail.contains("代企业办理的原因"),
        "the enterprise submits for itself"
    );

    // The street office may submit it too, but only saying why it acts for the enterprise.
    let street = page_login(&app, "street-office").await;
    let on_behalf = street.get(&location).await.text().await.unwrap();
    assert!(on_behalf.contains("代企业办理的原因") && on_behalf.contains("验收销号须由他人进行"));
    let dashboard = street.get("/dashboard").await.text().await.unwrap();
    assert!(dashboard.contains("整改率") && dashboard.contains("公园街道"));
    let search = street
        .get(&format!("/hazards?q={}", urlencoding::encode("消防通道")))
        .await
        .text()
        .await
        .unwrap();
    assert!(search.contains("消防通道堆放货物") && search.contains("共 1 条"));
}

#[tokio::test]
async fn a_refused_accident_keeps_what_was_typed_and_a_good_one_lands_on_the_enterprise_page() {
    let app = TestApp::spawn_demo().await;
    let session = page_login(&app, "street-office").await;
    let form_html = session
        .get("/enterprises/1/accidents/new")
        .await
        .text()
        .await
        .unwrap();
    assert!(form_html.contains("登记事故") && form_html.contains("中毒和窒息"));
    let csrf = csrf_of(&form_html);
    let post = |date: &'static str| {
        session
            .client
            .post(app.url("/enterprises/1/accidents"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("occurred_on", date),
                ("kind", "poisoning_asphyxiation"),
                ("deaths", "0"),
                ("serious_injuries", "3"),
                ("direct_loss_yuan", "80000"),
                ("circumstances", "清理污水池时两名工人晕倒，一人施救时中毒"),
            ])
            .send()
    };
    let r = post("2027-01-01").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("发生日期"), "{html}");
    assert!(
        html.contains("清理污水池时两名工人晕倒，一人施救时中毒")
            && html.contains("value=\"80000\"")
    );
    assert!(html.contains("value=\"poisoning_asphyxiation\" selected"));
    let r = post("2026-10-08").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = session.get("/enterprises/1").await.text().await.unwrap();
    assert!(page.contains("清理污水池时两名工人晕倒") && page.contains("一般事故"));
}

/// A record's history names the person and their office, not a login name.
#[tokio::test]
async fn history_names_the_person_and_the_office() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let enterprise = crate::helpers::first_enterprise(&clerk).await;
    let (id, _) =
        crate::helpers::record_hazard(&clerk, enterprise, "消防通道堆放杂物", "general").await;
    let (_, history) = clerk
        .get_json(&format!("/api/v1/hazards/{id}/history"))
        .await;
    assert_eq!(
        history[0]["actor"], "street-office",
        "the recorded actor stays"
    );
    assert_eq!(
        history[0]["actor_label"],
        "公园街道公共安全办（公园街道办事处）"
    );
    let session = page_login(&app, "district-office").await;
    let html = session
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("公园街道公共安全办（公园街道办事处）"),
        "{html}"
    );
    assert!(!html.contains(">street-office<"));
}

#[tokio::test]
async fn a_stale_campaign_correction_keeps_what_was_typed() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let (status, created) = district
        .post_json(
            "/api/v1/campaigns",
            &serde_json::json!({
                "title": "专项整治", "jurisdiction_code": "450202000000", "cadence": "monthly:28",
                "starts_on": "2026-10-01", "ends_on": "2027-06-30", "reporting_units": "各街道办事处",
            }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let session = page_login(&app, "district-office").await;
    let form_html = session
        .get(&format!("/campaigns/{id}/edit"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&form_html);
    assert!(form_html.contains("name=\"expected_version\" value=\"1\""));
    let post = |title: &'static str, version: &'static str| {
        session
            .client
            .post(app.url(&format!("/campaigns/{id}/edit")))
            .form(&[
                ("csrf", csrf.as_str()),
                ("expected_version", version),
                ("reason", "名称更正"),
                ("title", title),
                ("starts_on", "2026-10-01"),
                ("ends_on", "2027-06-30"),
            ])
            .send()
    };
    let r = post("重大事故隐患专项整治", "1").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/campaigns/{id}")
    );
    // A colleague's copy made before that correction is refused, and keeps what was typed.
    let html = post("专项整治（改）", "1")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("专项整治（改）"), "{html}");
    assert!(html.contains("role=\"alert\""), "{html}");
    let (_, detail) = district.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(detail["title"], "重大事故隐患专项整治");
    assert_eq!(detail["version"], 2);
}
