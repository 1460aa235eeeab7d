//! Checklists and inspections over HTTP: the shipped standards load, a record is saved mid-way
//! and resumed, signed off once into hazards and a numbered notice, its documents render, and
//! refusals change nothing.

use crate::helpers::{Session, TestApp, credit_code, enterprise_body};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The text of a DOCX's body, without its markup.
async fn docx_text(response: reqwest::Response) -> String {
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a docx package");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let mut text = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    squeeze(&text)
}

/// A notice from an office without enforcement power orders nothing and names no appeal.
fn assert_notifies_without_enforcement_wording(text: &str) {
    for forbidden in [
        "责令",
        "第六十五条",
        "行政复议",
        "行政诉讼",
        "指令书",
        "从重处罚",
    ] {
        assert!(!text.contains(forbidden), "{forbidden} in {text}");
    }
    assert!(
        text.contains("负有安全生产监督管理职责的部门"),
        "a refusal is reported to the department that enforces: {text}"
    );
}

/// An order names the law it rests on and the enterprise's rights against it.
fn assert_orders_with_the_law_and_appeal(text: &str) {
    for needed in ["责令限期整改指令书", "第六十五条", "行政复议", "行政诉讼"]
    {
        assert!(text.contains(needed), "{needed} missing from {text}");
    }
}

/// The printed basis is a citation: no remark about the data, no editorial note in brackets.
fn assert_clean_basis(text: &str) {
    assert!(!text.contains("未取得"), "{text}");
    let mut rest = text;
    while let Some(open) = rest.find('（') {
        let inner = &rest[open + '（'.len_utf8()..];
        let close = inner.find('）').unwrap_or(inner.len());
        let bracket = &inner[..close];
        for note in ["未取得", "按2017版", "文本", "注：", "待核"] {
            assert!(
                !bracket.contains(note),
                "note in brackets: （{bracket}） in {text}"
            );
        }
        rest = inner;
    }
    assert!(
        text.contains("依据《"),
        "the basis is cited by its title: {text}"
    );
}

async fn fire_standard(session: &Session) -> (i64, usize) {
    let (status, list) = session.get_json("/api/v1/checklists").await;
    assert_eq!(status, StatusCode::OK);
    let t = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["standard_key"] == "zhongda-huozai-gb35181")
        .unwrap()
        .clone();
    (
        t["id"].as_i64().unwrap(),
        t["item_count"].as_i64().unwrap() as usize,
    )
}

/// The street office's own list for crowded places (an office list has no edition to end), as
/// used for the 2026 checks: (id, number of items). Item 5 is a major hazard.
async fn street_list(session: &Session) -> (i64, usize) {
    let sheet = "条款,检查内容,是否重大隐患,隐患类别\n\
                 1,消防控制室值班人员在岗,否,41\n2,灭火器在有效期内,否,21\n\
                 3,疏散指示标志完好,否,21\n4,消防通道畅通,否,32\n\
                 5,安全出口数量足够且未被封堵,是,31\n";
    let (status, body) = session
        .upload(
            "/api/v1/checklists/import?name=公园街道人员密集场所检查事项",
            "list.csv",
            sheet.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    (body["id"].as_i64().unwrap(), 5)
}

async fn first_enterprise(session: &Session) -> (i64, String) {
    let (_, page) = session.get_json("/api/v1/enterprises?sort=name").await;
    let e = &page["items"][0];
    (
        e["id"].as_i64().unwrap(),
        e["name"].as_str().unwrap().to_string(),
    )
}

#[tokio::test]
async fn the_shipped_standards_load_with_their_clauses() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, list) = clerk.get_json("/api/v1/checklists").await;
    let shipped: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["owner_org_id"].is_null())
        .collect();
    assert_eq!(shipped.len(), hazardnet_store::SHIPPED_STANDARDS.len());
    for standard in hazardnet_store::SHIPPED_STANDARDS {
        let key = standard.key;
        let t = shipped.iter().find(|t| t["standard_key"] == key).unwrap();
        let rows = hazardnet_store::standard_items(standard.csv).unwrap().len();
        assert_eq!(t["item_count"], rows as i64, "{key}");
        let (status, detail) = clerk
            .get_json(&format!("/api/v1/checklists/{}", t["id"]))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            detail["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| !i["clause"].as_str().unwrap().is_empty())
        );
    }
    // Migrating again loads nothing twice.
    app.store.migrate().await.unwrap();
    let (_, again) = clerk.get_json("/api/v1/checklists").await;
    assert_eq!(
        again.as_array().unwrap().len(),
        list.as_array().unwrap().len()
    );
    // A database loaded before a standard's items changed gets the shipped items as the next
    // version (here: as if the first item had read differently when it was loaded), once.
    let fire = shipped
        .iter()
        .find(|t| t["standard_key"] == "zhongda-huozai-gb35181")
        .unwrap();
    {
        use sqlx::Connection;
        let mut conn = sqlx::AnyConnection::connect(&app.db_url).await.unwrap();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE checklist_items SET text = 'an older wording' WHERE template_id = {} AND seq = 1",
            fire["id"]
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    app.store.migrate().await.unwrap();
    app.store.migrate().await.unwrap();
    let (_, after) = clerk.get_json("/api/v1/checklists").await;
    let versions: Vec<&Value> = after
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["standard_key"] == "zhongda-huozai-gb35181")
        .collect();
    assert_eq!(versions.len(), 2, "{versions:?}");
    assert_eq!(versions[0]["version"], 2);
    assert_eq!(versions[0]["item_count"], fire["item_count"]);
}

#[tokio::test]
async fn a_record_is_resumed_signed_off_once_and_becomes_hazards_and_a_notice() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (template, items) = fire_standard(&clerk).await;
    let (enterprise, enterprise_name) = first_enterprise(&clerk).await;
    let (status, body) = clerk
        .post_json(
            "/api/v1/inspections",
            // GB 35181-2017 was in force until 2025-10-31: a record from its last days.
            &json!({"enterprise_id": enterprise, "template_id": template, "kind": "unannounced",
                    "inspected_on": "2025-10-28", "team": [{"name": "李检查"}, {"name": "王专家", "expert": true}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_i64().unwrap();
    let path = format!("/api/v1/inspections/{id}");

    // Half-way: saved, and there when the inspector comes back.
    let (status, _) = clerk
        .put_json(
            &format!("{path}/results"),
            &json!([{"item": 1, "result": "pass"}, {"item": 2, "result": "fail", "note": ""}]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, record) = clerk.get_json(&path).await;
    assert_eq!(record["answered"], 2);
    assert_eq!(record["expert_share"], 50);
    assert_eq!(record["items"][1]["result"], "fail");
    let sign = format!("{path}/sign-off");
    let (status, body) = clerk
        .post_json(&sign, &json!({"deadline": "2026-12-31"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "items_unanswered");

    let mut answers: Vec<Value> = (1..=items as i64)
        .map(|n| json!({"item": n, "result": "pass"}))
        .collect();
    answers[1] = json!({"item": 2, "result": "fail", "note": ""});
    answers[2] = json!({"item": 3, "result": "na"});
    clerk
        .put_json(
            &format!("{path}/results"),
            &Value::Array(answers.clone()),
            None,
        )
        .await;
    let (status, body) = clerk
        .post_json(&sign, &json!({"deadline": "2026-12-31"}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "fail_without_note");
    answers[1] = json!({"item": 2, "result": "fail", "note": "一楼歌厅与液化气储罐间同处一栋建筑"});
    clerk
        .put_json(
            &format!("{path}/results"),
            &Value::Array(answers.clone()),
            None,
        )
        .await;
    let (status, body) = clerk.post_json(&sign, &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "required");
    // A photo of the failed item, taken on site.
    let (status, photo) = clerk
        .upload(&format!("{path}/items/2/photos"), "现场.png", PNG.to_vec())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{photo}");
    let (status, signed) = clerk
        .post_json(&sign, &json!({"deadline": "2026-12-31"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "signed_off");
    let notice = signed["notice_number"].as_str().unwrap().to_string();
    // The street holds no enforcement power: it notifies, in its own series.
    assert_eq!(notice, "公园街道办事处整改通知〔2026〕1号");
    assert_eq!(signed["notice_kind"], "rectification_notice");

    // The failed item is a hazard in the ledger, with its basis, level and source.
    let (_, record) = clerk.get_json(&path).await;
    let hazard = record["items"][1]["hazard_id"].as_i64().unwrap();
    assert!(record["items"][0]["hazard_id"].is_null());
    let (_, h) = clerk.get_json(&format!("/api/v1/hazards/{hazard}")).await;
    assert_eq!(h["level"], "major");
    assert_eq!(h["source"], "unannounced_visit");
    assert_eq!(h["state"], "reported");
    assert!(h["basis"].as_str().unwrap().contains("6.2"), "{h}");
    assert_eq!(h["description"], "一楼歌厅与液化气储罐间同处一栋建筑");
    let (_, evidence) = clerk
        .get_json(&format!("/api/v1/hazards/{hazard}/evidence"))
        .await;
    assert_eq!(
        evidence[0]["sha256"], photo["sha256"],
        "the photo went with the hazard"
    );
    let (status, _) = clerk
        .upload(&format!("{path}/items/2/photos"), "后补.png", PNG.to_vec())
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Signed off is final.
    let (status, body) = clerk
        .post_json(&sign, &json!({"deadline": "2026-12-31"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "inspection_signed_off");
    let (status, _) = clerk
        .put_json(
            &format!("{path}/results"),
            &json!([{"item": 1, "result": "fail", "note": "x"}]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, hazards) = clerk
        .get_json("/api/v1/hazards?source=unannounced_visit")
        .await;
    assert_eq!(hazards["total"], 1, "no second hazard");

    // The documents: the notice names the enterprise, its number and the deadline.
    let response = clerk.get(&format!("{path}/notice.pdf")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text =
        squeeze(&pdf_extract::extract_text_from_mem(&response.bytes().await.unwrap()).unwrap());
    assert!(text.contains(&squeeze(&enterprise_name)), "{text}");
    assert!(text.contains(&notice), "{text}");
    assert!(text.contains("2026年12月31日"), "{text}");
    assert!(text.contains("隐患整改通知书"), "{text}");
    assert_notifies_without_enforcement_wording(&text);
    assert_clean_basis(&text);
    let response = clerk.get(&format!("{path}/record.pdf")).await;
    let text =
        squeeze(&pdf_extract::extract_text_from_mem(&response.bytes().await.unwrap()).unwrap());
    assert!(text.contains("现场检查记录") && text.contains(&squeeze(&enterprise_name)));
    assert!(text.contains(signed["number"].as_str().unwrap()), "{text}");
    let response = clerk.get(&format!("{path}/notice.docx")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let xml = docx_text(response).await;
    assert!(xml.contains("隐患整改通知书"), "{xml}");
    assert_notifies_without_enforcement_wording(&xml);
    assert_clean_basis(&xml);
    // The list and its export.
    let (_, list) = clerk.get_json("/api/v1/inspections?state=signed_off").await;
    assert_eq!(list["total"], 1);
    let response = clerk.get("/api/v1/inspections/export.xlsx").await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn refused_inspections_and_checklists_change_nothing() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let admin = app.bearer("admin").await;
    let (template, _) = fire_standard(&clerk).await;
    // An enterprise outside the street's area is not found for it.
    let (status, outside) = admin
        .post_json(
            "/api/v1/enterprises",
            &enterprise_body("三明某厂", &credit_code(901), "350400000000", "26"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{outside}");
    let body = |enterprise: &Value| json!({"enterprise_id": enterprise, "template_id": template, "kind": "routine", "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]});
    let (status, _) = clerk
        .post_json("/api/v1/inspections", &body(&outside["id"]))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Enterprises do not inspect; a team is required; tomorrow is not an inspection date.
    let (enterprise, _) = first_enterprise(&clerk).await;
    let (status, _) = app
        .bearer("enterprise")
        .await
        .post_json("/api/v1/inspections", &body(&json!(enterprise)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut no_team = body(&json!(enterprise));
    no_team["team"] = json!([]);
    let (status, _) = clerk.post_json("/api/v1/inspections", &no_team).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut future = body(&json!(enterprise));
    future["inspected_on"] = json!("2026-11-30");
    let (status, _) = clerk.post_json("/api/v1/inspections", &future).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, list) = clerk.get_json("/api/v1/inspections").await;
    assert_eq!(list["total"], 0);

    // A checklist item without its clause refuses the whole sheet.
    let count = |s: Value| s.as_array().unwrap().len();
    let (_, before) = clerk.get_json("/api/v1/checklists").await;
    let sheet =
        "条款,检查内容,是否重大隐患,隐患类别\n1,消防通道畅通,是,32\n,灭火器在有效期内,否,21\n";
    let (status, body) = clerk
        .upload(
            "/api/v1/checklists/import?name=公园街道重点检查事项",
            "list.csv",
            sheet.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["rows"][0]["row"], 3);
    let (_, after) = clerk.get_json("/api/v1/checklists").await;
    assert_eq!(count(after), count(before.clone()));
    // A good one saves as version 1, again as version 2; both stay.
    let sheet =
        "条款,检查内容,是否重大隐患,隐患类别\n1,消防通道畅通,是,32\n2,灭火器在有效期内,否,21\n";
    for version in [1, 2] {
        let (status, body) = clerk
            .upload(
                "/api/v1/checklists/import?name=公园街道重点检查事项",
                "list.csv",
                sheet.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let (_, detail) = clerk
            .get_json(&format!("/api/v1/checklists/{}", body["id"]))
            .await;
        assert_eq!(detail["version"], version);
        assert_eq!(detail["items"][0]["major"], 1);
    }
    let (_, after) = clerk.get_json("/api/v1/checklists").await;
    assert_eq!(count(after), count(before) + 2);
    // Another office does not see the street's own list.
    let (_, theirs) = app
        .bearer("regulator")
        .await
        .get_json("/api/v1/checklists")
        .await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["owner_org_id"].is_null())
    );
}

#[tokio::test]
async fn the_demo_holds_a_signed_off_inspection_with_its_hazards_and_notice() {
    let app = TestApp::spawn_full_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, list) = clerk.get_json("/api/v1/inspections").await;
    assert_eq!(list["total"], 1);
    let record = &list["items"][0];
    assert_eq!(record["enterprise_name"], "佰迪乐KTV");
    assert_eq!(record["state"], "signed_off");
    assert_eq!(record["failed"], 2);
    assert_eq!(record["expert_share"], 50);
    // 6.6 became a major hazard; 7.3.6, one composite element at a crowded place, a finding.
    let (_, detail) = clerk
        .get_json(&format!("/api/v1/inspections/{}", record["id"]))
        .await;
    let failed: Vec<&Value> = detail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["result"] == "fail")
        .collect();
    assert_eq!(failed.len(), 2);
    assert!(failed[0]["clause"] == "6.6" && failed[0]["hazard_id"].is_i64());
    assert!(failed[1]["clause"] == "7.3.6" && failed[1]["hazard_id"].is_null());
    assert_eq!(failed[1]["composite"], 1);
    let notice = record["notice_number"].as_str().unwrap();
    let id = record["id"].as_i64().unwrap();
    let response = clerk
        .get(&format!("/api/v1/inspections/{id}/notice.pdf"))
        .await;
    let text =
        squeeze(&pdf_extract::extract_text_from_mem(&response.bytes().await.unwrap()).unwrap());
    assert!(text.contains("佰迪乐KTV") && text.contains(notice));
    // Its pages render on a phone-sized session too.
    let session = app.login("street-office", "hazardnet-demo").await;
    for page in [
        "/inspections".to_string(),
        format!("/inspections/{id}"),
        "/inspections/new".to_string(),
        "/checklists".to_string(),
    ] {
        let response = session.get(&page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
    }
}

async fn flags(s: &Session, enterprise: i64) -> Value {
    s.get_json(&format!("/api/v1/enterprises/{enterprise}/enforcement"))
        .await
        .1["flags"]
        .clone()
}

#[tokio::test]
async fn enforcement_sets_status_keeps_the_blacklist_and_flags_the_clerk() {
    let app = TestApp::spawn_demo().await;
    // The street inspects and sees the flags; the district's regulator, which holds enforcement
    // power by law, decides.
    let clerk = app.bearer("street-office").await;
    let regulator = app.bearer("regulator").await;
    let (enterprise, _) = first_enterprise(&clerk).await;
    let decide = |kind: &str, extra: Value| {
        let mut body = json!({"enterprise_id": enterprise, "kind": kind, "decided_on": "2026-11-23", "basis": "《安全生产法》第一百零二条"});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let f = flags(&clerk, enterprise).await;
    assert_eq!(
        (
            f["repeat_offender"].as_bool(),
            f["maximum_penalty"].as_bool(),
            f["blacklisted"].as_bool()
        ),
        (Some(false), Some(false), Some(false))
    );

    // A fine needs its amount; enterprises and grid staff do not decide.
    let (status, body) = regulator
        .post_json("/api/v1/enforcement", &decide("fine", json!({})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = app
        .bearer("enterprise")
        .await
        .post_json("/api/v1/enforcement", &decide("case_filed", json!({})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (kind, extra) in [
        ("case_filed", json!({"doc_number": "城中应急立〔2026〕3号"})),
        ("fine", json!({"amount_yuan": 50000})),
    ] {
        let (status, body) = regulator
            .post_json("/api/v1/enforcement", &decide(kind, extra))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
    }
    assert_eq!(flags(&clerk, enterprise).await["repeat_offender"], true);
    // The same document number twice from one office is refused, and changes nothing.
    let (status, body) = regulator
        .post_json(
            "/api/v1/enforcement",
            &decide("case_filed", json!({"doc_number": "城中应急立〔2026〕3号"})),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_doc_number")),
        "{body}"
    );

    // 停产整顿 sets the enterprise's status; twice is refused; lifting restores it.
    let (status, _) = regulator
        .post_json("/api/v1/enforcement", &decide("suspension", json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, e) = clerk
        .get_json(&format!("/api/v1/enterprises/{enterprise}"))
        .await;
    assert_eq!(e["status"], "suspended");
    let (status, body) = regulator
        .post_json("/api/v1/enforcement", &decide("suspension", json!({})))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "already_suspended");
    let (status, _) = regulator
        .post_json(
            "/api/v1/enforcement",
            &decide("suspension_lifted", json!({"basis": ""})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, e) = clerk
        .get_json(&format!("/api/v1/enterprises/{enterprise}"))
        .await;
    assert_eq!(e["status"], "operating");

    // The blacklist: leaving it without being on it is refused.
    let (status, body) = regulator
        .post_json("/api/v1/enforcement", &decide("blacklist_exit", json!({})))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_blacklisted"))
    );
    regulator
        .post_json("/api/v1/enforcement", &decide("blacklist_entry", json!({})))
        .await;
    assert_eq!(flags(&clerk, enterprise).await["blacklisted"], true);

    // A notice whose deadline passes with its hazard open: the maximum-penalty flag.
    let (template, items) = street_list(&clerk).await;
    let (_, created) = clerk
        .post_json("/api/v1/inspections", &json!({"enterprise_id": enterprise, "template_id": template, "kind": "law_enforcement", "inspected_on": "2026-11-23", "team": [{"name": "李检查"}]}))
        .await;
    let id = created["id"].as_i64().unwrap();
    let mut answers: Vec<Value> = (1..=items as i64)
        .map(|n| json!({"item": n, "result": "na"}))
        .collect();
    answers[4] = json!({"item": 5, "result": "fail", "note": "安全出口数量不足"});
    clerk
        .put_json(
            &format!("/api/v1/inspections/{id}/results"),
            &Value::Array(answers),
            None,
        )
        .await;
    let (status, _) = clerk
        .post_json(
            &format!("/api/v1/inspections/{id}/sign-off"),
            &json!({"deadline": "2026-11-30"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(flags(&clerk, enterprise).await["maximum_penalty"], false);
    app.clock.advance(chrono::Duration::days(10));
    let f = flags(&clerk, enterprise).await;
    assert_eq!(f["maximum_penalty"], true, "{f}");

    let (_, stats) = clerk
        .get_json("/api/v1/enforcement/stats?from=2026-01-01")
        .await;
    assert_eq!(
        (
            stats["cases"].as_i64(),
            stats["fines_yuan"].as_i64(),
            stats["suspensions"].as_i64()
        ),
        (Some(1), Some(50000), Some(1))
    );
    assert_eq!(stats["suspended_now"], 0);
    // The district's regulator covers the enterprise's trade and sees the same five decisions.
    let (_, mine) = clerk.get_json("/api/v1/enforcement").await;
    let (_, theirs) = regulator.get_json("/api/v1/enforcement").await;
    assert_eq!(mine["total"], 5);
    assert_eq!(theirs["total"], mine["total"]);
    let (_, workload) = clerk
        .get_json("/api/v1/inspectors/workload?from=2026-01-01")
        .await;
    assert_eq!(workload[0]["inspections"], 1);
    let session = app.login("regulator", "hazardnet-demo").await;
    for page in [
        "/enforcement".to_string(),
        format!("/enforcement/new?enterprise_id={enterprise}"),
        "/inspections/workload".to_string(),
        "/inspections/calendar?month=2026-11".to_string(),
    ] {
        let response = session.get(&page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let html = response.text().await.unwrap();
        if page.starts_with("/enforcement/new") {
            assert!(
                html.contains("顶格处罚") && html.contains("黑名单"),
                "{html}"
            );
        }
    }
}

#[tokio::test]
async fn a_plan_puts_higher_risk_first_and_its_coverage_follows_the_signed_off_records() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (template, items) = street_list(&clerk).await;
    let (_, candidates) = clerk.get_json("/api/v1/inspection-plans/candidates").await;
    let candidates = candidates.as_array().unwrap();
    assert_eq!(candidates.len(), 12);
    assert_eq!(candidates[0]["risk_grade"], "orange");
    assert_eq!(candidates[11]["risk_grade"], "blue");
    let picked: Vec<i64> = candidates
        .iter()
        .rev()
        .take(3)
        .map(|c| c["enterprise_id"].as_i64().unwrap())
        .collect();
    let plan = |enterprises: Vec<i64>| {
        json!({"name": "四季度执法检查", "kind": "law_enforcement", "template_id": template,
        "starts_on": "2026-11-01", "ends_on": "2026-12-31", "enterprises": enterprises})
    };
    let (status, _) = clerk
        .post_json("/api/v1/inspection-plans", &plan(vec![]))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = clerk
        .post_json("/api/v1/inspection-plans", &plan(vec![picked[0], 999_999]))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("unknown_enterprise"))
    );
    // Visits are scheduled inside the window, by the office's own staff.
    let (_, me) = clerk.get_json("/api/v1/me").await;
    let regulator_id = app.bearer("regulator").await.get_json("/api/v1/me").await.1["id"].clone();
    let mut scheduled = plan(picked.clone());
    scheduled["visits"] = json!([{"enterprise_id": picked[0], "planned_on": "2026-11-20", "inspector_id": regulator_id}]);
    let (status, body) = clerk
        .post_json("/api/v1/inspection-plans", &scheduled)
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("inspector_not_in_office")
        )
    );
    scheduled["visits"] =
        json!([{"enterprise_id": picked[0], "planned_on": "2027-02-01", "inspector_id": me["id"]}]);
    let (status, _) = clerk
        .post_json("/api/v1/inspection-plans", &scheduled)
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside the window"
    );
    scheduled["visits"] =
        json!([{"enterprise_id": picked[0], "planned_on": "2026-11-20", "inspector_id": me["id"]}]);
    let (status, created) = clerk
        .post_json("/api/v1/inspection-plans", &scheduled)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (_, coverage) = clerk
        .get_json(&format!("/api/v1/inspection-plans/{id}"))
        .await;
    assert_eq!(
        (coverage["covered"].as_i64(), coverage["coverage"].as_f64()),
        (Some(0), Some(0.0))
    );
    assert_eq!(coverage["coverage_met"], false);
    let first = coverage["lines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["enterprise_id"] == picked[0])
        .unwrap()
        .clone();
    assert_eq!(
        (first["planned_on"].as_str(), first["late"].as_bool()),
        (Some("2026-11-20"), Some(true))
    );
    assert_eq!(first["inspector"], me["display_name"]);

    let (_, opened) = clerk
        .post_json("/api/v1/inspections", &json!({"enterprise_id": picked[1], "template_id": template, "kind": "law_enforcement",
            "inspected_on": "2026-11-23", "team": [{"name": "李检查"}, {"name": "王专家", "expert": true}]}))
        .await;
    let record = opened["id"].as_i64().unwrap();
    let answers: Vec<Value> = (1..=items as i64)
        .map(|n| json!({"item": n, "result": "pass"}))
        .collect();
    clerk
        .put_json(
            &format!("/api/v1/inspections/{record}/results"),
            &Value::Array(answers),
            None,
        )
        .await;
    let (status, signed) = clerk
        .post_json(
            &format!("/api/v1/inspections/{record}/sign-off"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert!(
        signed["notice_number"].is_null(),
        "nothing failed, no notice"
    );
    let (_, coverage) = clerk
        .get_json(&format!("/api/v1/inspection-plans/{id}"))
        .await;
    assert_eq!(coverage["covered"], 1);
    assert_eq!(coverage["coverage"], 33.3);
    assert_eq!(coverage["expert_share"], 100.0);
    assert_eq!(coverage["expert_met"], true);
    // Another office does not see the street's plan.
    let (status, _) = app
        .bearer("regulator")
        .await
        .get_json(&format!("/api/v1/inspection-plans/{id}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let session = app.login("street-office", "hazardnet-demo").await;
    for page in [
        "/inspections/plans".to_string(),
        "/inspections/plans/new".to_string(),
        format!("/inspections/plans/{id}"),
    ] {
        assert_eq!(session.get(&page).await.status(), StatusCode::OK, "{page}");
    }
    let calendar = session
        .get("/inspections/calendar?month=2026-11")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        calendar.contains("计划检查"),
        "the planned visit is on the calendar"
    );
}

#[tokio::test]
async fn an_accident_is_recorded_by_a_clerk_and_moves_its_enterprise_up_the_plan() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (_, candidates) = clerk.get_json("/api/v1/inspection-plans/candidates").await;
    let candidates = candidates.as_array().unwrap().clone();
    // The last candidate (lowest risk) had a fall from height last year.
    let last = &candidates[candidates.len() - 1];
    let id = last["enterprise_id"].as_i64().unwrap();
    assert_ne!(candidates[0]["enterprise_id"], id);
    let accident = json!({"occurred_on": "2025-06-12", "kind": "fall_from_height", "deaths": 1,
        "serious_injuries": 2, "direct_loss_yuan": 1_500_000,
        "circumstances": "外墙作业时一名工人从脚手架坠落身亡", "report_ref": "城中应急调〔2025〕3号"});
    let path = format!("/api/v1/enterprises/{id}/accidents");

    // Refused, nothing stored: a future date, an unknown kind, an enterprise's own staff.
    let (status, body) = clerk
        .post_json(&path, &with(&accident, "occurred_on", json!("2026-12-01")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("发生日期"),
        "{body}"
    );
    let (status, _) = clerk
        .post_json(&path, &with(&accident, "kind", json!("meteor")))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let enterprise_user = app.bearer("enterprise").await;
    let (_, own) = enterprise_user
        .get_json("/api/v1/enterprises?per_page=1")
        .await;
    let own_id = own["items"][0]["id"].as_i64().unwrap();
    let (status, _) = enterprise_user
        .post_json(
            &format!("/api/v1/enterprises/{own_id}/accidents"),
            &accident,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, none) = clerk.get_json(&path).await;
    assert_eq!(none, json!([]));

    let (status, created) = clerk.post_json(&path, &accident).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, list) = clerk.get_json(&path).await;
    assert_eq!(list[0]["grade"], "general");
    assert_eq!(list[0]["deaths"], 1);
    assert_eq!(list[0]["kind"], "fall_from_height");
    // An accident eight years ago does not count as recent.
    let (status, _) = clerk
        .post_json(&path, &with(&accident, "occurred_on", json!("2018-03-01")))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (_, after) = clerk.get_json("/api/v1/inspection-plans/candidates").await;
    let position = after
        .as_array()
        .unwrap()
        .iter()
        .position(|c| c["enterprise_id"] == id)
        .unwrap();
    assert_eq!(after[position]["recent_accidents"], 1);
    // Planned at orange at least: after the red ones, ahead of every orange one without an
    // accident and of every yellow, blue or ungraded enterprise.
    for c in &after.as_array().unwrap()[..position] {
        assert_eq!(c["risk_grade"], "red", "{c}");
    }
    for c in &after.as_array().unwrap()[position + 1..] {
        assert_ne!(c["risk_grade"], "red", "{c}");
    }
    assert!(position < candidates.len() - 1);

    // The enterprise's page lists it; its history has the audit entry (登记事故).
    let page = clerk
        .get(&format!("/enterprises/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("事故记录") && page.contains("外墙作业时一名工人从脚手架坠落身亡"));
    assert!(page.contains("高处坠落") && page.contains("登记事故"));
}

/// `object` with one field replaced.
fn with(object: &Value, field: &str, value: Value) -> Value {
    let mut changed = object.clone();
    changed[field] = value;
    changed
}

/// Opens a record of the fire standard for `enterprise`, fails item 5 and signs it off with a
/// deadline, on a day its 2017 edition was in force; the signed-off record.
async fn sign_off_with_one_failure(session: &Session, enterprise: i64) -> Value {
    let (template, items) = fire_standard(session).await;
    let (status, created) = session
        .post_json("/api/v1/inspections", &json!({"enterprise_id": enterprise, "template_id": template, "kind": "routine", "inspected_on": "2025-10-28", "team": [{"name": "李检查"}]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let mut answers: Vec<Value> = (1..=items as i64)
        .map(|n| json!({"item": n, "result": "pass"}))
        .collect();
    answers[4] = json!({"item": 5, "result": "fail", "note": "安全出口数量不足"});
    let (status, _) = session
        .put_json(
            &format!("/api/v1/inspections/{id}/results"),
            &Value::Array(answers),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, signed) = session
        .post_json(
            &format!("/api/v1/inspections/{id}/sign-off"),
            &json!({"deadline": "2026-12-31"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    signed
}

async fn notice_text(session: &Session, inspection: &Value) -> String {
    let response = session
        .get(&format!(
            "/api/v1/inspections/{}/notice.pdf",
            inspection["id"]
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    squeeze(&pdf_extract::extract_text_from_mem(&response.bytes().await.unwrap()).unwrap())
}

async fn org_id(admin: &Session, name: &str) -> i64 {
    let (_, orgs) = admin.get_json("/api/v1/organizations").await;
    orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == name)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

/// The issue's user path: a street office without enforcement power notifies and cannot file a
/// case; the regulator orders; once the administrator records the street's delegated power, its
/// next notice is an order and it files cases — while the notice it issued before stays a
/// notice.
#[tokio::test]
async fn a_street_notifies_until_enforcement_power_is_delegated_and_a_regulator_orders() {
    let app = TestApp::spawn_demo().await;
    let street = app.bearer("street-office").await;
    let regulator = app.bearer("regulator").await;
    let admin = app.bearer("admin").await;
    let (enterprise, _) = first_enterprise(&street).await;
    let case = |doc: &str| {
        json!({"enterprise_id": enterprise, "kind": "case_filed", "decided_on": "2026-11-23",
               "doc_number": doc, "basis": "《中华人民共和国安全生产法》第一百零二条"})
    };

    // The street notifies: 隐患整改通知书, no enforcement wording, its own series.
    let first = sign_off_with_one_failure(&street, enterprise).await;
    assert_eq!(first["notice_kind"], "rectification_notice");
    assert_eq!(first["notice_number"], "公园街道办事处整改通知〔2026〕1号");
    let text = notice_text(&street, &first).await;
    assert!(text.contains("隐患整改通知书"), "{text}");
    assert_notifies_without_enforcement_wording(&text);
    assert_clean_basis(&text);
    let html = app
        .login("street-office", "hazardnet-demo")
        .await
        .get(&format!("/inspections/{}", first["id"]))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("整改通知书（PDF）") && !html.contains("指令书"),
        "{html}"
    );

    // It cannot file a case: a clear Chinese refusal, nothing recorded, no button.
    let (status, body) = street
        .post_json("/api/v1/enforcement", &case("公园街道立〔2026〕1号"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "no_enforcement_power");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("公园街道办事处") && message.contains("行政执法权"),
        "{message}"
    );
    assert_eq!(street.get_json("/api/v1/enforcement").await.1["total"], 0);
    let page = app.login("street-office", "hazardnet-demo").await;
    for path in [
        "/enforcement".to_string(),
        format!("/enforcement/new?enterprise_id={enterprise}"),
    ] {
        let html = page.get(&path).await.text().await.unwrap();
        assert!(!html.contains(r#"href="/enforcement/new""#), "{path}");
        assert!(
            !html.contains(r#"method="post" action="/enforcement""#),
            "{path}"
        );
        assert!(
            html.contains("未被赋予安全生产行政执法权"),
            "{path}: {html}"
        );
    }
    let html = page
        .get(&format!("/enterprises/{enterprise}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("/enforcement/new"), "{html}");

    // The regulator orders: 责令限期整改指令书 under 第六十五条, with the appeal rights.
    let ordered = sign_off_with_one_failure(&regulator, enterprise).await;
    assert_eq!(ordered["notice_kind"], "directive");
    assert_eq!(ordered["notice_number"], "城中区应急管理局责改〔2026〕1号");
    let text = notice_text(&regulator, &ordered).await;
    assert_orders_with_the_law_and_appeal(&text);
    assert_clean_basis(&text);

    // Only the administrator sets the power, only on a street office, and not without the
    // delegating document; each refusal changes nothing.
    let street_org = org_id(&admin, "公园街道办事处").await;
    let regulator_org = org_id(&admin, "城中区应急管理局").await;
    let path = |id: i64| format!("/api/v1/organizations/{id}/enforcement-delegation");
    let on = json!({"delegated": true, "basis": "桂政发〔2021〕12号"});
    let (status, _) = street.put_json(&path(street_org), &on, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = admin
        .put_json(&path(street_org), &json!({"delegated": true}), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = admin.put_json(&path(regulator_org), &on, None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("delegation_not_for_kind")
        )
    );
    let (_, orgs) = admin.get_json("/api/v1/organizations").await;
    let power = |orgs: &Value, id: i64| {
        orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["id"] == id)
            .unwrap()["enforcement_power"]
            .clone()
    };
    assert_eq!(power(&orgs, street_org), false);
    assert_eq!(power(&orgs, regulator_org), true);

    let (status, org) = admin.put_json(&path(street_org), &on, None).await;
    assert_eq!(status, StatusCode::OK, "{org}");
    assert_eq!(
        (
            org["enforcement_power"].as_bool(),
            org["delegated_enforcement_basis"].as_str()
        ),
        (Some(true), Some("桂政发〔2021〕12号"))
    );
    let raw = app.raw().await;
    let audited: Vec<(String,)> = sqlx::query_as(
        "SELECT after_json FROM audit_log WHERE action = 'organization.enforcement_delegation'",
    )
    .fetch_all(&raw)
    .await
    .unwrap();
    assert_eq!(audited.len(), 1);
    assert!(audited[0].0.contains("桂政发〔2021〕12号"), "{audited:?}");
    let html = app
        .login("admin", "hazardnet-demo")
        .await
        .get("/organizations")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("已赋权") && html.contains("依法具有"),
        "{html}"
    );

    // Now the street orders, in the order series, and files its case.
    let second = sign_off_with_one_failure(&street, enterprise).await;
    assert_eq!(second["notice_kind"], "directive");
    assert_eq!(second["notice_number"], "公园街道办事处责改〔2026〕1号");
    assert_orders_with_the_law_and_appeal(&notice_text(&street, &second).await);
    let (status, body) = street
        .post_json("/api/v1/enforcement", &case("公园街道立〔2026〕1号"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let html = page.get("/enforcement").await.text().await.unwrap();
    assert!(html.contains(r#"href="/enforcement/new""#), "{html}");
    // The notice issued before the delegation is still the notice it was.
    let (_, again) = street
        .get_json(&format!("/api/v1/inspections/{}", first["id"]))
        .await;
    assert_eq!(again["notice_kind"], "rectification_notice");
    assert_notifies_without_enforcement_wording(&notice_text(&street, &first).await);

    // Revoked: the power goes, and with it the right to file; the order stays an order.
    let (status, _) = admin
        .put_json(&path(street_org), &json!({"delegated": false}), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = street
        .post_json("/api/v1/enforcement", &case("公园街道立〔2026〕2号"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_orders_with_the_law_and_appeal(&notice_text(&street, &second).await);
}
