//! Listing for supervision (挂牌督办) as a history: a district lists a hazard, the city lists
//! it again at a higher level, and the hazard page and the API show both, oldest first, the
//! latest current. Databases made before the history get it from their audit log.

use crate::helpers::{Session, TestApp, record_hazard};
use crate::ui::{csrf_of, page_login};
use hazardnet_store::{Actor, NewOrganization, NewUser};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The city's safety committee office (柳州市, above the demo's district) and its clerk.
async fn city_office(app: &TestApp) {
    let actor = Actor::system("test");
    let org = app
        .store
        .create_organization(
            &actor,
            NewOrganization {
                name: "柳州市安委办".into(),
                kind: "safety_committee_office".into(),
                jurisdiction_code: Some("450200000000".into()),
                industries: vec![],
                enterprise_id: None,
            },
        )
        .await
        .expect("city office");
    app.store
        .create_user(
            &actor,
            NewUser {
                username: "city-office".into(),
                display_name: "柳州市安委办督办科".into(),
                org_id: org,
                role: "committee_clerk".into(),
                password: hazardnet_store::demo::DEMO_PASSWORD.into(),
                phone: String::new(),
            },
        )
        .await
        .expect("city clerk");
}

/// The listings the API returns, each as (level, office, letter, listed by).
async fn listings(session: &Session, id: i64) -> Vec<(String, String, String, String)> {
    let (status, list) = session
        .get_json(&format!("/api/v1/hazards/{id}/listings"))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    list.as_array()
        .expect("a list")
        .iter()
        .map(|l| {
            let text = |k: &str| l[k].as_str().expect(k).to_string();
            (
                text("level"),
                text("office_name"),
                text("letter_number"),
                text("listed_by_name"),
            )
        })
        .collect()
}

fn row(level: &str, office: &str, letter: &str, by: &str) -> (String, String, String, String) {
    (level.into(), office.into(), letter.into(), by.into())
}

const DISTRICT_LETTER: &str = "城中安委督〔2026〕3号";
const CITY_LETTER: &str = "柳安委督〔2026〕12号";

/// A major hazard listed by the district (over the API), then by the city (on the page).
async fn listed_twice(app: &TestApp) -> i64 {
    city_office(app).await;
    let manager = app.bearer("enterprise").await;
    let district = app.bearer("district-office").await;
    let ktv = crate::helpers::first_enterprise(&manager).await;
    let (id, _) = record_hazard(&manager, ktv, "KTV包厢消防通道被占用", "major").await;
    let (status, h) = district
        .post_json(
            &format!("/api/v1/hazards/{id}/listing"),
            &json!({"level": "区级", "date": "2026-11-21", "letter_number": DISTRICT_LETTER}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{h}");

    // The city clerk sees the district's listing on the page and lists it again, higher.
    let city = page_login(app, "city-office").await;
    let html = city
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(DISTRICT_LETTER) && html.contains("再次挂牌督办（提级）"));
    let form = [
        ("csrf", csrf_of(&html)),
        ("level", "市级".to_string()),
        ("date", "2026-11-22".to_string()),
        ("letter_number", CITY_LETTER.to_string()),
    ];
    let r = city
        .client
        .post(app.url(&format!("/hazards/{id}/listing")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The same letter sent again is refused, and nothing is added.
    let r = city
        .client
        .post(app.url(&format!("/hazards/{id}/listing")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("已按督办函"));
    id
}

#[tokio::test]
async fn a_city_listing_after_the_districts_keeps_both_in_order() {
    let app = TestApp::spawn_demo().await;
    let id = listed_twice(&app).await;
    let both = vec![
        row("区级", "城中区安委办", DISTRICT_LETTER, "城中区安委办"),
        row("市级", "柳州市安委办", CITY_LETTER, "柳州市安委办督办科"),
    ];
    // Everyone who sees the hazard sees its history: the street office, the enterprise.
    for who in ["street-office", "enterprise", "district-office"] {
        let session = app.bearer(who).await;
        assert_eq!(listings(&session, id).await, both, "{who}");
    }
    // The current listing is the latest: the city's, and only the city accepts its closure.
    let district = app.bearer("district-office").await;
    let (_, h) = district.get_json(&format!("/api/v1/hazards/{id}")).await;
    assert_eq!(h["listing"]["level"], "市级");
    assert_eq!(h["listing"]["office_name"], "柳州市安委办");
    let (_, supervised) = district.get_json("/api/v1/hazards?supervised=true").await;
    assert_eq!(supervised["total"], 1);

    // The page shows both, the district's first, the city's marked current.
    let page = page_login(&app, "district-office").await;
    let html = page
        .get(&format!("/hazards/{id}"))
        .await
        .text()
        .await
        .unwrap();
    let (first, second) = (
        html.find(DISTRICT_LETTER).expect("district letter"),
        html.rfind(CITY_LETTER).expect("city letter"),
    );
    assert!(first < second);
    assert!(html.contains("挂牌督办记录（2）") && html.contains("现行"));

    // Each listing is audited, as before.
    let (_, history) = district
        .get_json(&format!("/api/v1/hazards/{id}/history"))
        .await;
    let listed: Vec<&Value> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "hazard.list_supervision")
        .collect();
    assert_eq!(listed.len(), 2);

    // Outside the caller's scope the history is absent, like the hazard.
    let missing = district.get("/api/v1/hazards/999999/listings").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn listings_made_before_the_history_are_rebuilt_from_the_audit_log() {
    let app = TestApp::spawn_demo().await;
    let id = listed_twice(&app).await;
    let street = app.bearer("street-office").await;
    let before = listings(&street, id).await;
    // Another hazard whose listing was written on its row with no audit entry behind it.
    let manager = app.bearer("enterprise").await;
    let ktv = crate::helpers::first_enterprise(&manager).await;
    let (unaudited, _) = record_hazard(&manager, ktv, "二楼疏散指示标志损坏", "general").await;
    let district = app
        .store
        .principal_for_username("district-office")
        .await
        .unwrap();
    let raw = app.raw().await;
    let listing = json!({"office_org_id": district.org_id, "office_name": "城中区安委办",
        "level": "区级", "date": "2026-10-01", "letter_number": "城中安委督〔2026〕1号"});
    sqlx::query("UPDATE hazards SET listing_org_id = $1, listing_json = $2 WHERE id = $3")
        .bind(district.org_id)
        .bind(listing.to_string())
        .bind(unaudited)
        .execute(&raw)
        .await
        .unwrap();
    // The schema as it was before the history (0023), then migrated again.
    sqlx::query("DROP TABLE hazard_listings")
        .execute(&raw)
        .await
        .unwrap();
    sqlx::query("DELETE FROM _sqlx_migrations WHERE version = 24")
        .execute(&raw)
        .await
        .unwrap();
    raw.close().await;
    app.store.migrate().await.unwrap();

    assert_eq!(listings(&street, id).await, before);
    assert_eq!(
        listings(&street, unaudited).await,
        vec![row("区级", "城中区安委办", "城中安委督〔2026〕1号", "")]
    );
    let (_, list) = street
        .get_json(&format!("/api/v1/hazards/{unaudited}/listings"))
        .await;
    assert_eq!(list[0]["listed_by"], Value::Null);
}
