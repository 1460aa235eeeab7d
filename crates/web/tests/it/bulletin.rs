//! The campaign bulletin (通报) as a district clerk downloads it: its figures are the ones the
//! API's own records give when counted again here — an enterprise that a street and a regulator
//! both inspected counts once, a fine recorded as enforcement is in the total — its title names
//! the period in Chinese, a unit with no data is not ranked first, what units typed is marked
//! as theirs, and no text of the PDF is printed over other text, however long the names and
//! however many pages the major-hazard list runs to.

use crate::helpers::{Session, TestApp, credit_code, enterprise_body, record_hazard};
use crate::pdf_layout::assert_no_overlapping_text;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::io::Cursor;

const PERIOD: &str = "2026-11";

async fn campaign_id(session: &Session) -> i64 {
    let (_, list) = session.get_json("/api/v1/campaigns").await;
    list["items"][0]["id"].as_i64().expect("the demo campaign")
}

async fn enterprise_named(session: &Session, name: &str) -> i64 {
    let (_, list) = session.get_json("/api/v1/enterprises?per_page=100").await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == name)
        .and_then(|e| e["id"].as_i64())
        .unwrap_or_else(|| panic!("{name} in scope"))
}

/// A signed-off inspection of `enterprise` by `session`'s office on 2026-11-23 that finds
/// nothing.
async fn inspect(session: &Session, enterprise: i64) {
    let (_, list) = session.get_json("/api/v1/checklists").await;
    let template = list
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["standard_key"] == "gongmao-2023")
        .unwrap()
        .clone();
    let (status, created) = session
        .post_json(
            "/api/v1/inspections",
            &json!({"enterprise_id": enterprise, "template_id": template["id"], "kind": "law_enforcement", "all_items": true,
                    "inspected_on": "2026-11-23", "team": [{"name": "区应急管理局 覃执法"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let answers: Vec<Value> = (1..=template["item_count"].as_i64().unwrap())
        .map(|n| json!({"item": n, "result": "pass"}))
        .collect();
    let (status, _) = session
        .put_json(
            &format!("/api/v1/inspections/{id}/results"),
            &Value::Array(answers),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = session
        .post_json(&format!("/api/v1/inspections/{id}/sign-off"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '\u{200B}')
        .collect()
}

async fn pdf_of(session: &Session, id: i64) -> Vec<u8> {
    let response = session
        .get(&format!(
            "/api/v1/campaigns/{id}/bulletin.pdf?period={PERIOD}"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    response.bytes().await.unwrap().to_vec()
}

/// The DOCX's whole text, and each table row's cells joined by "|".
async fn docx_text(session: &Session, id: i64, period: &str) -> (String, Vec<String>) {
    let response = session
        .get(&format!(
            "/api/v1/campaigns/{id}/bulletin.docx?period={period}"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a docx package");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    let text_of = |part: &str, sep: &str| -> String {
        part.split("<w:t")
            .skip(1)
            .filter_map(|t| t.split_once('>').map(|(_, rest)| rest))
            .filter_map(|t| t.split_once("</w:t>").map(|(text, _)| text))
            .collect::<Vec<_>>()
            .join(sep)
    };
    let rows = xml
        .split("<w:tr>")
        .skip(1)
        .map(|row| text_of(row.split("</w:tr>").next().unwrap_or(""), "|"))
        .collect();
    (text_of(&xml, ""), rows)
}

#[tokio::test]
async fn the_bulletin_counts_what_the_records_hold_once_per_enterprise() {
    let app = TestApp::spawn_full_demo().await;
    let district = app.bearer("district-office").await;
    let regulator = app.bearer("regulator").await;
    let id = campaign_id(&district).await;
    // The street inspects 佰迪乐KTV in the month; the district's regulator inspects it too,
    // and fines it ¥50,000.
    let ktv = enterprise_named(&regulator, "佰迪乐KTV").await;
    inspect(&app.bearer("street-office").await, ktv).await;
    inspect(&regulator, ktv).await;
    let (status, body) = regulator
        .post_json(
            "/api/v1/enforcement",
            &json!({"enterprise_id": ktv, "kind": "fine", "decided_on": "2026-11-23", "amount_yuan": 50000,
                    "doc_number": "城中应急罚〔2026〕8号", "basis": "《安全生产法》第一百零二条"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // Counted again from the API's own lists for the period.
    let (_, inspections) = district
        .get_json("/api/v1/inspections?state=signed_off&from=2026-11-01&to=2026-11-30&per_page=500")
        .await;
    let inspections = inspections["items"].as_array().unwrap().clone();
    let inspected: BTreeSet<i64> = inspections
        .iter()
        .map(|i| i["enterprise_id"].as_i64().unwrap())
        .collect();
    let by_org: BTreeSet<i64> = inspections
        .iter()
        .filter(|i| i["enterprise_id"] == ktv)
        .map(|i| i["org_id"].as_i64().unwrap())
        .collect();
    assert_eq!(by_org.len(), 2, "two units inspected the KTV");
    let (_, actions) = district
        .get_json("/api/v1/enforcement?from=2026-11-01&to=2026-11-30&per_page=500")
        .await;
    let actions = actions["items"].as_array().unwrap().clone();
    let of_kind = |kind: &'static str| actions.iter().filter(move |a| a["kind"] == kind);
    let fines_yuan: i64 = of_kind("fine")
        .map(|a| a["amount_yuan"].as_i64().unwrap())
        .sum();
    assert!(fines_yuan >= 50000);
    let (fines, cases, suspensions) = (
        of_kind("fine").count(),
        of_kind("case_filed").count(),
        of_kind("suspension").count(),
    );

    // The dispatch table holds the same, in its total and in the street's row.
    let (status, table) = district
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch?period={PERIOD}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{table}");
    let work = &table["total"]["work"];
    assert_eq!(work["enterprises_inspected"], inspected.len() as i64);
    assert_eq!(work["inspections"], inspections.len() as i64);
    assert_eq!(work["fines_yuan"], fines_yuan);
    assert_eq!(work["fines"], fines as i64);
    let rows = table["rows"].as_array().unwrap();
    let row = |unit: &str| rows.iter().find(|r| r["unit"] == unit).unwrap().clone();
    assert_eq!(row("公园街道")["work"]["enterprises_inspected"], 1);
    assert_eq!(row("城中区应急管理局")["work"]["enterprises_inspected"], 1);
    assert_eq!(row("城中区应急管理局")["work"]["fines_yuan"], fines_yuan);

    // The PDF: Chinese period in the title, the recounted figures, the typed ones apart.
    let pdf = pdf_of(&district, id).await;
    let text = squeeze(&pdf_extract::extract_text_from_mem(&pdf).expect("readable PDF"));
    assert!(text.contains("进展情况的通报（2026年11月）"), "{text}");
    assert!(!text.contains("（2026-11）"));
    assert!(text.contains("现将2026年11月专项行动进展情况通报如下"));
    let overall = format!("共检查企业{}家、{}次", inspected.len(), inspections.len());
    assert!(text.contains(&overall), "{overall} in {text}");
    let enforcement = format!(
        "立案{cases}起，作出罚款决定{fines}起、罚款{fines_yuan}元，责令停产整顿{suspensions}起"
    );
    assert!(text.contains(&enforcement), "{enforcement} in {text}");
    assert!(text.contains("同一企业被多个单位检查的只计一次"));
    assert!(text.contains("各单位调度表填报数据（单位填报）"));
    assert_no_overlapping_text(&pdf);

    // The DOCX: the same figures; ranked units first, the unit without data last, unranked.
    let (all, docx) = docx_text(&district, id, PERIOD).await;
    assert!(all.contains("（2026年11月）"), "{all}");
    assert!(all.contains(&overall));
    assert!(all.contains(&enforcement));
    let ranked: Vec<&String> = docx
        .iter()
        .skip_while(|r| !r.starts_with("排名|"))
        .skip(1)
        .take_while(|r| !r.starts_with("单位|"))
        .collect();
    assert_eq!(ranked.len(), rows.len(), "{docx:?}");
    assert!(ranked[0].starts_with("1|"), "{ranked:?}");
    assert!(!ranked[0].contains("无数据"), "{ranked:?}");
    let chengzhong = row("城中街道");
    assert_eq!(chengzhong["cumulative_found"], 0, "城中街道 has no hazards");
    let first_unranked = ranked.iter().position(|r| r.starts_with("—|")).unwrap();
    assert!(
        ranked[first_unranked..]
            .iter()
            .all(|r| r.starts_with("—|") && r.contains("无数据")),
        "units without data come last, unranked: {ranked:?}"
    );
    assert!(
        ranked[first_unranked..]
            .iter()
            .any(|r| r.starts_with("—|城中街道|"))
    );
    // The park street's row counts the KTV once and shows the computed figures.
    let park = ranked.iter().find(|r| r.contains("|公园街道|")).unwrap();
    assert_eq!(park.split('|').nth(2), Some("1"), "{park}");

    // October's returns as typed (公园街道 12, 城中街道 10, the regulator 14 enterprises)
    // are shown unit by unit as reported, never added up into "36".
    let (all, rows) = docx_text(&district, id, "2026-10").await;
    assert!(all.contains("（2026年10月）"));
    assert!(all.contains("各单位调度表填报数据（单位填报）"));
    assert!(!all.contains("检查企业36家"), "{all}");
    let reported = |unit: &str| {
        rows.iter()
            .find(|r| {
                r.starts_with(&format!("{unit}|")) && (r.ends_with("|迟报") || r.ends_with("|按时"))
            })
            .cloned()
            .unwrap_or_else(|| panic!("{unit}'s return in {rows:?}"))
    };
    assert!(reported("公园街道").starts_with("公园街道|12|"));
    assert!(reported("城中区应急管理局").starts_with("城中区应急管理局|14|"));
}

#[tokio::test]
async fn the_bulletin_pdf_prints_no_text_over_other_text_over_several_pages() {
    let app = TestApp::spawn_full_demo().await;
    let district = app.bearer("district-office").await;
    let street = app.bearer("street-office").await;
    let id = campaign_id(&district).await;
    // Enterprises with the long names real registrations have, each with open major hazards:
    // the list of major hazards runs over several pages.
    let names = [
        "广西柳州市城中区五星步行街商业综合体物业管理有限责任公司第二分公司",
        "柳州市城中区ABCDEFGHIJKLMNOPQRSTUVWXYZ国际娱乐文化传播有限公司",
        "广西壮族自治区柳州市城中区人民政府公园街道办事处下属综合服务中心餐饮部",
    ];
    let mut numbers = Vec::new();
    for (n, name) in names.iter().enumerate() {
        let (status, created) = district
            .post_json(
                "/api/v1/enterprises",
                &enterprise_body(name, &credit_code(700 + n), "450202002000", "62"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let enterprise = created["id"].as_i64().unwrap();
        for k in 0..12 {
            let (_, number) = record_hazard(
                &street,
                enterprise,
                &format!("第{k}号包厢安全出口被封堵、疏散通道堆放杂物且应急照明和疏散指示标志损坏"),
                "major",
            )
            .await;
            numbers.push(number);
        }
    }
    let pdf = pdf_of(&district, id).await;
    let pages = assert_no_overlapping_text(&pdf);
    assert!(pages >= 3, "{pages} pages");
    let text = squeeze(&pdf_extract::extract_text_from_mem(&pdf).expect("readable PDF"));
    for number in &numbers {
        assert!(text.contains(number.as_str()), "{number} listed");
    }
    for name in names {
        assert!(text.contains(name), "{name} listed");
    }
}
