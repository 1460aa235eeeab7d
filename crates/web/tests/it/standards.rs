//! Judgement standards as a clerk meets them: a checklist lists only the items that fit the
//! enterprise (the inspector may list them all, on the record), an edition that ended before the
//! inspection day is refused and shown as 已废止, GB 35181 composite elements are counted at
//! sign-off, and the administrator loads a new edition that can then be used.

use crate::helpers::{Session, TestApp, credit_code, enterprise_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn template(session: &Session, key: &str) -> (i64, i64) {
    let (_, list) = session.get_json("/api/v1/checklists").await;
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["standard_key"] == key)
        .unwrap_or_else(|| panic!("{key} in {list}"));
    (t["id"].as_i64().unwrap(), t["item_count"].as_i64().unwrap())
}

async fn enterprise_named(session: &Session, name: &str) -> i64 {
    let (_, page) = session
        .get_json(&format!(
            "/api/v1/enterprises?q={}",
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        ))
        .await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {page}"))["id"]
        .as_i64()
        .unwrap()
}

fn clauses(record: &Value) -> Vec<String> {
    record["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["clause"].as_str().unwrap().to_string())
        .collect()
}

async fn open(session: &Session, body: Value) -> (StatusCode, Value) {
    session.post_json("/api/v1/inspections", &body).await
}

#[tokio::test]
async fn a_department_store_inspected_against_the_trade_standard_sees_only_its_items() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (gongmao, all) = template(&clerk, "gongmao-2023").await;
    assert_eq!(all, 65);
    let store = enterprise_named(&clerk, "柳州市东都百货有限责任公司").await;
    let (status, opened) = open(
        &clerk,
        json!({"enterprise_id": store, "template_id": gongmao, "kind": "special",
               "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let path = format!("/api/v1/inspections/{}", opened["id"]);
    let (_, record) = clerk.get_json(&path).await;
    let listed = clauses(&record);
    // Retail (F 52): the general management items, ammonia refrigeration, confined spaces and
    // the catch-all article — no metallurgy, non-ferrous, building materials or dust items.
    assert_eq!(
        listed,
        [
            "第三条（一）",
            "第三条（二）",
            "第十二条（一）",
            "第十二条（二）",
            "第十三条（一）",
            "第十三条（二）",
            "第十四条"
        ],
        "{record}"
    );
    assert_eq!(record["items_left_out"], 58);
    assert_eq!(record["all_items"], false);
    assert_eq!(record["standard_edition"], "应急管理部令第10号");

    // A steel works (31) gets its own article but not the non-ferrous one.
    let admin = app.bearer("admin").await;
    let (_, steel) = admin
        .post_json(
            "/api/v1/enterprises",
            &enterprise_body("柳州某钢铁厂", &credit_code(311), "450202002000", "31"),
        )
        .await;
    let (status, opened_steel) = open(
        &clerk,
        json!({"enterprise_id": steel["id"], "template_id": gongmao, "kind": "special",
               "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened_steel}");
    let (_, steel_record) = clerk
        .get_json(&format!("/api/v1/inspections/{}", opened_steel["id"]))
        .await;
    let steel_clauses = clauses(&steel_record);
    assert!(steel_clauses.iter().any(|c| c.starts_with("第四条")));
    assert!(steel_clauses.contains(&"第三条（三）".to_string()));
    assert!(!steel_clauses.iter().any(|c| c.starts_with("第五条")));
    assert!(steel_clauses.iter().any(|c| c.starts_with("第十一条")));

    // The page says how many were left out; the inspector lists them all, on the record.
    let session = app.login("street-office", "hazardnet-demo").await;
    let page = session
        .get(&format!("/inspections/{}", opened["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("已按企业行业筛除 58 项不适用条目"), "{page}");
    assert!(page.contains("列出全部条目"));
    let csrf = session.csrf.clone().unwrap();
    let response = session
        .client
        .post(app.url(&format!(
            "/inspections/{}/all-items?csrf={csrf}",
            opened["id"]
        )))
        .header("x-csrf-token", &csrf)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, record) = clerk.get_json(&path).await;
    assert_eq!(clauses(&record).len(), 65);
    assert_eq!(
        (&record["all_items"], &record["items_left_out"]),
        (&json!(true), &json!(0))
    );
    let page = session
        .get(&format!("/inspections/{}", opened["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("检查人员选择列出全部条目"));
    let pool = app.raw().await;
    let recorded: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'inspection.all_items'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, 1);

    // Chosen when opening: every item from the start. A list with nothing for the trade is
    // refused unless every item is asked for.
    let (_, all_of_them) = open(
        &clerk,
        json!({"enterprise_id": store, "template_id": gongmao, "kind": "special", "all_items": true,
               "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]}),
    )
    .await;
    let (_, record) = clerk
        .get_json(&format!("/api/v1/inspections/{}", all_of_them["id"]))
        .await;
    assert_eq!(clauses(&record).len(), 65);
    let (construction, _) = template(&clerk, "fangwu-shizheng-2024").await;
    let (status, body) = open(
        &clerk,
        json!({"enterprise_id": store, "template_id": construction, "kind": "special",
               "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "no_items_apply");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("列出全部条目")
    );
}

/// Opens a GB 35181-2017 record dated while it was in force, fails `failing` (clauses), passes
/// the rest, signs off; returns the record.
async fn fire_check(session: &Session, enterprise: i64, failing: &[&str]) -> Value {
    let (fire, _) = template(session, "zhongda-huozai-gb35181").await;
    let (status, opened) = open(
        session,
        json!({"enterprise_id": enterprise, "template_id": fire, "kind": "supervision",
               "inspected_on": "2025-10-28", "team": [{"name": "李检查"}, {"name": "韦工", "expert": true}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let path = format!("/api/v1/inspections/{}", opened["id"]);
    let (_, record) = session.get_json(&path).await;
    let answers: Vec<Value> = record["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            if failing.contains(&i["clause"].as_str().unwrap()) {
                json!({"item": i["seq"], "result": "fail", "note": format!("{}：现场发现", i["clause"])})
            } else {
                json!({"item": i["seq"], "result": "pass"})
            }
        })
        .collect();
    let (status, _) = session
        .put_json(&format!("{path}/results"), &Value::Array(answers), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, signed) = session
        .post_json(
            &format!("{path}/sign-off"),
            &json!({"deadline": "2026-12-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    session.get_json(&path).await.1
}

fn failed(record: &Value) -> Vec<Value> {
    record["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"] == "fail")
        .cloned()
        .collect()
}

#[tokio::test]
async fn composite_elements_are_findings_below_the_threshold_and_one_major_hazard_at_it() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, before) = clerk.get_json("/api/v1/hazards").await;
    let before = before["total"].as_i64().unwrap();
    // A hotel is a crowded place: 3 of 7.3.1–7.3.9, 7.5, 7.9.3 make a major fire hazard.
    let hotel = enterprise_named(&clerk, "东都好酒店").await;
    let below = fire_check(&clerk, hotel, &["7.3.6", "7.5"]).await;
    let found = failed(&below);
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|i| i["hazard_id"].is_null()), "{below}");
    assert_eq!(below["failed"], 2);
    assert!(
        below["notice_number"].is_string(),
        "the findings still go on the notice"
    );
    let (_, after) = clerk.get_json("/api/v1/hazards").await;
    assert_eq!(
        after["total"].as_i64().unwrap(),
        before,
        "no hazard of their own"
    );
    let session = app.login("street-office", "hazardnet-demo").await;
    let page = session
        .get(&format!("/inspections/{}", below["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("综合判定要素，未达判定重大火灾隐患的条数，记录在案"));

    let at = fire_check(&clerk, hotel, &["7.3.1", "7.3.6", "7.5", "6.5"]).await;
    let found = failed(&at);
    let direct = found.iter().find(|i| i["clause"] == "6.5").unwrap();
    let elements: Vec<&Value> = found.iter().filter(|i| i["composite"] == 1).collect();
    assert_eq!(elements.len(), 3);
    let hazard = elements[0]["hazard_id"].as_i64().unwrap();
    assert!(
        elements.iter().all(|i| i["hazard_id"] == hazard),
        "one hazard for all three"
    );
    assert_ne!(direct["hazard_id"].as_i64().unwrap(), hazard);
    let (_, h) = clerk.get_json(&format!("/api/v1/hazards/{hazard}")).await;
    assert_eq!(h["title"], "重大火灾隐患（综合判定：3项要素）");
    assert_eq!(h["level"], "major");
    let basis = h["basis"].as_str().unwrap();
    assert!(
        basis.contains("GB 35181-2017")
            && basis.contains("5.3.3")
            && basis.contains("7.3.1、7.3.6、7.5"),
        "{basis}"
    );
    let description = h["description"].as_str().unwrap();
    assert!(description.contains("7.3.6") && description.contains("现场发现"));
    let (_, after) = clerk.get_json("/api/v1/hazards").await;
    assert_eq!(after["total"].as_i64().unwrap(), before + 2);

    // Another place (not crowded) needs six: four stay findings.
    let plain = enterprise_named(&clerk, "存台酒宾馆").await;
    let other = fire_check(&clerk, plain, &["7.1.1", "7.2.1", "7.3.1", "7.3.6"]).await;
    assert!(failed(&other).iter().all(|i| i["hazard_id"].is_null()));
}

#[tokio::test]
async fn an_edition_that_ended_before_the_inspection_day_cannot_be_used_or_cited() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (fire, _) = template(&clerk, "zhongda-huozai-gb35181").await;
    let (_, list) = clerk.get_json("/api/v1/checklists").await;
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == fire)
        .unwrap();
    assert_eq!(
        (
            &t["edition"],
            &t["ends_on"],
            &t["successor"],
            &t["superseded"]
        ),
        (
            &json!("GB 35181-2017"),
            &json!("2025-10-31"),
            &json!("GB 35181-2025"),
            &json!(true)
        )
    );
    let hotel = enterprise_named(&clerk, "东都好酒店").await;
    let body = |day: &str| {
        json!({"enterprise_id": hotel, "template_id": fire, "kind": "routine",
               "inspected_on": day, "team": [{"name": "李检查"}]})
    };
    let (_, before) = clerk.get_json("/api/v1/inspections").await;
    let (status, refused) = open(&clerk, body("2025-11-01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["error"]["code"], "standard_superseded");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("GB 35181-2017")
            && message.contains("2025-10-31")
            && message.contains("已废止"),
        "{message}"
    );
    let (_, after) = clerk.get_json("/api/v1/inspections").await;
    assert_eq!(after["total"], before["total"], "nothing opened");
    let (status, _) = open(&clerk, body("2025-10-31")).await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "its last day is still in force"
    );

    // The lists say so.
    let session = app.login("street-office", "hazardnet-demo").await;
    for page in ["/checklists".to_string(), format!("/checklists/{fire}")] {
        let html = session.get(&page).await.text().await.unwrap();
        assert!(
            html.contains("已废止") && html.contains("GB 35181-2025"),
            "{page}"
        );
    }
    let form = session.get("/inspections/new").await.text().await.unwrap();
    assert!(form.contains("GB 35181-2017 已废止"));

    // A record dated after the end (one kept from before editions were recorded) keeps its
    // data, but its notice may not cite the ended edition.
    let signed = fire_check(&clerk, hotel, &["6.5"]).await;
    let demo = signed["id"].as_i64().unwrap();
    let response = clerk
        .get(&format!("/api/v1/inspections/{demo}/notice.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let pool = app.raw().await;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE inspections SET inspected_on = '2026-11-01' WHERE id = {demo}"
    )))
    .execute(&pool)
    .await
    .unwrap();
    let response = clerk
        .get(&format!("/api/v1/inspections/{demo}/notice.pdf"))
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "standard_superseded");
}

const EDITION_CSV: &str = "clause,text,major,category,industry,source\n\
    1,测试条目：安全出口被封堵,1,31,,测试判定标准（测试-2026版）第1条\n\
    2,测试条目：消防通道被占用,0,32,,测试判定标准（测试-2026版）第2条\n";

fn edition_path(edition: &str, effective_on: &str) -> String {
    let q: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("name", "测试判定标准")
        .append_pair("key", "test-standard")
        .append_pair("edition", edition)
        .append_pair("effective_on", effective_on)
        .finish();
    format!("/api/v1/standards/import?{q}")
}

#[tokio::test]
async fn the_administrator_loads_a_new_edition_and_it_is_used_from_its_first_day() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    let clerk = app.bearer("street-office").await;
    let (_, before) = clerk.get_json("/api/v1/checklists").await;
    // Only the administrator; a composite element needs a rule the system knows; dates parse.
    let (status, _) = clerk
        .upload(
            &edition_path("测试-2026版", "2026-11-01"),
            "e.csv",
            EDITION_CSV.into(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let composite = format!("{EDITION_CSV}3,测试条目：要素,composite,21,,测试判定标准 第3条\n");
    let (status, body) = admin
        .upload(
            &edition_path("测试-2026版", "2026-11-01"),
            "e.csv",
            composite.into_bytes(),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("composite_rule_unknown")
        )
    );
    let (status, _) = admin
        .upload(
            &edition_path("测试-2026版", "2026-13-01"),
            "e.csv",
            EDITION_CSV.into(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, same) = clerk.get_json("/api/v1/checklists").await;
    assert_eq!(
        same.as_array().unwrap().len(),
        before.as_array().unwrap().len()
    );

    let (status, first) = admin
        .upload(
            &edition_path("测试-2026版", "2026-11-01"),
            "e.csv",
            EDITION_CSV.into(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = admin
        .upload(
            &edition_path("测试-2026版", "2026-11-01"),
            "e.csv",
            EDITION_CSV.into(),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("edition_exists"))
    );

    // The clerk inspects with it.
    let hotel = enterprise_named(&clerk, "东都好酒店").await;
    let body = |template: &Value, day: &str| {
        json!({"enterprise_id": hotel, "template_id": template, "kind": "routine",
               "inspected_on": day, "team": [{"name": "李检查"}]})
    };
    let (status, opened) = open(&clerk, body(&first["id"], "2026-11-10")).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let (status, early) = open(&clerk, body(&first["id"], "2026-10-31")).await;
    assert_eq!(
        (status, early["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("standard_not_in_force")
        )
    );

    // Its successor ends it the day before it starts.
    let (status, second) = admin
        .upload(
            &edition_path("测试-2026修订版", "2026-11-20"),
            "e.csv",
            EDITION_CSV.into(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let (_, ended) = clerk
        .get_json(&format!("/api/v1/checklists/{}", first["id"]))
        .await;
    assert_eq!(
        (&ended["ends_on"], &ended["successor"], &ended["superseded"]),
        (
            &json!("2026-11-19"),
            &json!("测试-2026修订版"),
            &json!(true)
        )
    );
    let (status, refused) = open(&clerk, body(&first["id"], "2026-11-23")).await;
    assert_eq!(
        (status, refused["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("standard_superseded")
        )
    );
    let (status, opened) = open(&clerk, body(&second["id"], "2026-11-23")).await;
    assert_eq!(status, StatusCode::CREATED, "{opened}");
    let (_, record) = clerk
        .get_json(&format!("/api/v1/inspections/{}", opened["id"]))
        .await;
    assert_eq!(record["standard_edition"], "测试-2026修订版");
    assert_eq!(clauses(&record), ["1", "2"]);
    let pool = app.raw().await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action IN ('checklist.load_edition', 'checklist.supersede')",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 3);
}
