//! Searching the ledger the way clerks type: an enterprise's name, a pasted hazard number, a
//! two-character word — each finding what the caller's scope holds and nothing beyond it.

use crate::helpers::{Session, TestApp, credit_code, enterprise_body, record_hazard};
use reqwest::StatusCode;
use serde_json::Value;

/// Registers an enterprise as `session` and returns its id.
async fn register(session: &Session, name: &str, n: usize, place: &str, industry: &str) -> i64 {
    let (status, body) = session
        .post_json(
            "/api/v1/enterprises",
            &enterprise_body(name, &credit_code(n), place, industry),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_i64().expect("id")
}

/// The ids and total a search (with any further query string) returns, newest first.
async fn search(session: &Session, q: &str, more: &str) -> (Vec<i64>, i64) {
    let (status, list) = session
        .get_json(&format!(
            "/api/v1/hazards?per_page=100&q={}{more}",
            urlencoding::encode(q)
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{list}");
    (ids(&list), list["total"].as_i64().expect("total"))
}

fn ids(list: &Value) -> Vec<i64> {
    list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|h| h["id"].as_i64().expect("id"))
        .collect()
}

/// Every hazard of an enterprise the session sees, newest first.
async fn of_enterprise(session: &Session, enterprise: i64) -> Vec<i64> {
    let (_, list) = session
        .get_json(&format!(
            "/api/v1/hazards?per_page=100&enterprise_id={enterprise}"
        ))
        .await;
    let mut all = ids(&list);
    all.sort_unstable_by(|a, b| b.cmp(a));
    all
}

#[tokio::test]
async fn an_enterprise_name_finds_its_hazards_in_scope_and_nothing_beyond() {
    let app = TestApp::spawn_full_demo().await;
    let street = app.bearer("street-office").await;
    let district = app.bearer("district-office").await;
    let regulator = app.bearer("regulator").await;
    let manager = app.bearer("enterprise").await;
    let admin = app.bearer("admin").await;
    let ktv = crate::helpers::first_enterprise(&manager).await;
    // The demo's 佰迪乐KTV has hazards whose text never names it; one more, recorded now.
    let (own, _) = record_hazard(&manager, ktv, "包厢烟感报警器失效", "general").await;
    // A namesake in the same street but of an industry the regulator does not oversee, and
    // one in another street of the district.
    let food = register(&street, "佰迪乐食品加工厂", 61, "450202002000", "14").await;
    let (food_hazard, _) = record_hazard(&street, food, "原料仓库货架倾斜", "general").await;
    let other = register(&admin, "佰迪乐KTV（城中店）", 62, "450202001000", "62").await;
    let (other_hazard, _) = record_hazard(&admin, other, "屋顶风机护栏缺失", "general").await;

    let ktv_hazards = of_enterprise(&street, ktv).await;
    assert!(ktv_hazards.len() >= 2 && ktv_hazards.contains(&own));

    let mut street_sees = ktv_hazards.clone();
    street_sees.insert(0, food_hazard);
    let mut district_sees = street_sees.clone();
    district_sees.insert(0, other_hazard);
    // The district's regulator: both KTVs, not the food factory (not its industry).
    let mut regulator_sees = ktv_hazards.clone();
    regulator_sees.insert(0, other_hazard);
    for (who, session, expected) in [
        ("street office", &street, &street_sees),
        ("district office", &district, &district_sees),
        (
            "regulator (industries 52, 61, 62)",
            &regulator,
            &regulator_sees,
        ),
        ("佰迪乐KTV's own manager", &manager, &ktv_hazards),
    ] {
        let (found, total) = search(session, "佰迪乐", "").await;
        assert_eq!(&found, expected, "{who}");
        assert_eq!(total, expected.len() as i64, "{who}");
    }
    // The name as typed in a hurry: lower case, spaces around it.
    assert_eq!(search(&street, " 佰迪乐ktv ", "").await.0, ktv_hazards);
    // Other filters still narrow a name search, and its sorted pages hold the same rows.
    let (found, _) = search(&street, "佰迪乐", &format!("&enterprise_id={food}")).await;
    assert_eq!(found, vec![food_hazard]);
    let (mut by_number, _) = search(&street, "佰迪乐", "&sort=number").await;
    by_number.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(by_number, street_sees);
    let mut paged = Vec::new();
    for page in 1..=street_sees.len().div_ceil(2) {
        let (status, list) = street
            .get_json(&format!(
                "/api/v1/hazards?per_page=2&page={page}&q={}",
                urlencoding::encode("佰迪乐")
            ))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list["total"], street_sees.len());
        paged.extend(ids(&list));
    }
    assert_eq!(paged, street_sees);

    // The words of a hazard still find it, alone or together with the name's matches.
    assert_eq!(search(&street, "原料", "").await.0, vec![food_hazard]);
    assert_eq!(search(&district, "风机", "").await.0, vec![other_hazard]);
    assert_eq!(search(&street, "风机", "").await.0, Vec::<i64>::new());

    // The ledger page shows the name search's hazards too.
    let page = street.get("/hazards?q=%E4%BD%B0%E8%BF%AA%E4%B9%90").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains("原料仓库货架倾斜") && html.contains("包厢烟感报警器失效"));
    assert!(!html.contains("屋顶风机护栏缺失"));
}

#[tokio::test]
async fn a_pasted_hazard_number_finds_that_hazard_in_scope_only() {
    let app = TestApp::spawn_demo().await;
    let street = app.bearer("street-office").await;
    let regulator = app.bearer("regulator").await;
    let manager = app.bearer("enterprise").await;
    let ktv = crate::helpers::first_enterprise(&manager).await;
    let (id, number) = record_hazard(&manager, ktv, "配电箱未上锁", "general").await;
    let food = register(&street, "公园食品加工厂", 63, "450202002000", "14").await;
    let (food_id, food_number) = record_hazard(&street, food, "冷库门禁失灵", "general").await;

    let full_width: String = number
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            other => other,
        })
        .collect();
    for typed in [
        number.clone(),
        format!("  {number}\t"),
        number.to_lowercase(),
        full_width,
    ] {
        assert_eq!(
            search(&street, &typed, "").await,
            (vec![id], 1),
            "{typed:?}"
        );
        assert_eq!(
            search(&manager, &typed, "").await,
            (vec![id], 1),
            "{typed:?}"
        );
    }
    assert_eq!(search(&street, &food_number, "").await, (vec![food_id], 1));
    // Out of scope, a number finds nothing: not the enterprise's own user, not a regulator
    // of other industries.
    assert_eq!(search(&manager, &food_number, "").await, (vec![], 0));
    assert_eq!(search(&regulator, &food_number, "").await, (vec![], 0));
    // Filters still apply to the numbered hazard.
    assert_eq!(search(&street, &number, "&state=closed").await, (vec![], 0));
    // Only a whole number is looked up: a part of one finds nothing.
    let (_, total) = search(&street, &number[..number.len() - 2], "").await;
    assert_eq!(total, 0);
}
