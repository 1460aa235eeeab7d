//! Campaigns and task lists over HTTP: the district's notice (seed 002) read into its 25
//! tasks and saved, reports per period with their refusals, the dispatch table exported and
//! read back, the bulletin rendered, report reminders and escalation, and who sees what.

use crate::helpers::{Session, TestApp};
use calamine::{Data, Reader, Xlsx};
use chrono::Duration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Cursor;

const SEED_002: &str =
    include_str!("../../../../data/samples/zaozhuang-gaoxin-2021-9-task-assignment.txt");

fn campaign_body(title: &str, starts_on: &str, cadence: &str) -> Value {
    json!({
        "title": title, "doc_number": "城中安委字〔2026〕9号", "jurisdiction_code": "450202000000",
        "cadence": cadence, "starts_on": starts_on, "ends_on": "2027-06-30",
        "reporting_units": "各街道办事处、区应急管理局",
        "phases": [
            {"name": "动员部署", "starts_on": starts_on, "ends_on": "2026-11-30"},
            {"name": "集中整治", "starts_on": "2026-12-01", "ends_on": "2027-05-31"},
        ],
    })
}

async fn create_campaign(district: &Session, body: &Value) -> i64 {
    let (status, created) = district.post_json("/api/v1/campaigns", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created["id"].as_i64().unwrap()
}

async fn task_count(session: &Session, id: i64) -> usize {
    let (status, detail) = session.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    detail["tasks"].as_array().unwrap().len()
}

#[tokio::test]
async fn the_notice_text_yields_its_25_tasks_for_confirmation_and_they_save() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let id = create_campaign(
        &district,
        &campaign_body("全区安全生产重点任务分工", "2026-11-01", "monthly-next:1"),
    )
    .await;
    let before = task_count(&district, id).await;
    assert_eq!(before, 1, "only the dispatch return");

    let (status, preview) = district
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/preview-notice"),
            &json!({"text": SEED_002}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{preview}");
    assert_eq!(preview["doc_number"], "枣高安发〔2021〕9号");
    assert_eq!(preview["cadence"], "monthly-next:1");
    let tasks = preview["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 25);
    assert!(tasks.iter().all(|t| t["problems"] == json!([])));
    assert_eq!(
        tasks[8]["lead_units"],
        json!(["区经济发展局", "区党政综合办公室"])
    );
    assert_eq!(tasks[6]["deadline"]["due_on"], "2021-04-30");
    // The notice's 2021 dates lie outside this 2026 campaign: flagged, not passed silently.
    assert_eq!(
        preview["flags"][6]["stale_dates"],
        json!(["2021-02-28", "2021-03-31", "2021-04-30"])
    );
    assert_eq!(preview["flags"][0]["stale_dates"], json!([]));
    // The units are resolved against the area's organizations for the clerk to see; those
    // that resolve to nobody are listed for the clerk to map.
    let resolved = |preview: &Value, name: &str| -> Vec<String> {
        preview["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["unit_name"] == name)
            .map(|u| {
                u["orgs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| o[1].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(resolved(&preview, "区应急管理局"), ["城中区应急管理局"]);
    assert_eq!(resolved(&preview, "各街道办事处"), ["公园街道办事处"]);
    let unresolved = preview["unresolved"].as_array().unwrap();
    for name in [
        "区安委会办公室",
        "区交警大队",
        "区负有安全生产监督管理职责的部门",
    ] {
        assert!(unresolved.contains(&json!(name)), "{name} listed");
    }
    assert_eq!(preview["flags"][9]["unresolved"], json!(["区交警大队"]));
    assert!(preview["problems"].as_i64().unwrap() >= 20);
    // A preview saves nothing.
    assert_eq!(task_count(&district, id).await, before);

    let inputs = |preview: &Value, confirm: bool| -> Value {
        preview["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                json!({
                    "text": t["text"], "lead_units": t["lead_units"], "co_units": t["co_units"],
                    "deadline": t["deadline"]["text"], "cadence": t["cadence"].as_str().unwrap_or(""),
                    "confirm_dates": confirm, "keep_unlinked": confirm,
                })
            })
            .collect()
    };
    // Saving as read is refused, task by task, and saves nothing.
    let tasks_path = format!("/api/v1/campaigns/{id}/tasks");
    let (status, body) = district
        .post_json(&tasks_path, &inputs(&preview, false))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let rows = body["error"]["rows"].as_array().unwrap();
    let codes_of = |row: i64| -> Vec<String> {
        rows.iter()
            .filter(|r| r["row"] == row)
            .map(|r| r["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(codes_of(7)[0], "stale_deadline");
    assert_eq!(codes_of(10), ["stale_deadline", "unresolved_units"]);
    assert!(
        rows.iter()
            .any(|r| r["message"].as_str().unwrap().contains("区交警大队"))
    );
    assert_eq!(task_count(&district, id).await, before);

    // The clerk maps 区安委会办公室 to the district office and the "负有…职责的部门" to the
    // area's regulators; the next import resolves them by these aliases.
    let office = preview["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c[1] == "城中区安委办")
        .unwrap()[0]
        .as_i64()
        .unwrap();
    let aliases = format!("/api/v1/campaigns/{id}/unit-aliases");
    for body in [
        json!({"unit_name": "区安委会办公室", "org_id": office}),
        json!({"unit_name": "区负有安全生产监督管理职责的部门", "unit_class": "regulators"}),
    ] {
        let (status, created) = district.post_json(&aliases, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
    }
    let (status, _) = app
        .bearer("street-office")
        .await
        .post_json(
            &aliases,
            &json!({"unit_name": "区交警大队", "org_id": office}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, remembered) = district.get_json(&aliases).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(remembered.as_array().unwrap().len(), 2);
    let (_, again) = district
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/preview-notice"),
            &json!({"text": SEED_002}),
        )
        .await;
    assert_eq!(resolved(&again, "区安委会办公室"), ["城中区安委办"]);
    assert_eq!(
        resolved(&again, "区负有安全生产监督管理职责的部门"),
        ["城中区应急管理局"]
    );
    let unresolved = again["unresolved"].as_array().unwrap();
    assert!(!unresolved.contains(&json!("区安委会办公室")));
    assert!(unresolved.contains(&json!("区交警大队")));
    let pool = app.raw().await;
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.unit_alias'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 2);

    // Confirmed (the dates as written, the rest kept unlinked on purpose), all 25 save.
    let (status, saved) = district.post_json(&tasks_path, &inputs(&again, true)).await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    assert_eq!(saved["ids"].as_array().unwrap().len(), 25);
    let (_, detail) = district.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(detail["task_count"], 25);
    let fifth = &detail["tasks"][5];
    assert_eq!(fifth["number"], 5);
    assert_eq!(fifth["cadence"], "half-monthly");
    assert_eq!(fifth["due_on"], "2021-06-30");
    assert_eq!(fifth["ongoing"], true);
    // Task 二十 names only "区负有…部门", which now reaches the regulator.
    let twentieth = &detail["tasks"][20];
    assert_eq!(twentieth["units"][0]["org_name"], "城中区应急管理局");

    // The street is a unit of many tasks but owes ONE return per period, covering them all.
    let street = app.bearer("street-office").await;
    let (status, _) = street.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let who = app
        .store
        .principal_for_username("street-office")
        .await
        .unwrap();
    let owed: Vec<_> = app
        .store
        .pending_returns(&who, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.campaign_id == id)
        .collect();
    assert_eq!(owed.len(), 1, "{owed:?}");
    assert!(owed[0].tasks >= 8, "{owed:?}");
    let (_, returns) = district
        .get_json(&format!("/api/v1/campaigns/{id}/returns"))
        .await;
    let streets = returns["grid"]["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u[1] == "公园街道办事处")
        .count();
    assert_eq!(streets, 1);
    let street_tasks: Vec<i64> = detail["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| {
            t["units"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["org_name"] == "公园街道办事处")
        })
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    let lines: Vec<Value> = street_tasks
        .iter()
        .map(|t| json!({"task_id": t, "text": "已部署落实。"}))
        .collect();
    let period = owed[0].period_key.clone();
    let returns_path = format!("/api/v1/campaigns/{id}/returns");
    let (status, body) = street
        .post_json(
            &returns_path,
            &json!({"period_key": period, "body": "本月各项任务推进情况。", "lines": lines}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, filed) = street
        .get_json(&format!("{returns_path}/{}", body["id"]))
        .await;
    assert_eq!(
        filed["report"]["lines"].as_array().unwrap().len(),
        street_tasks.len()
    );
    assert!(
        app.store
            .pending_returns(&who, 100)
            .await
            .unwrap()
            .iter()
            .all(|p| p.campaign_id != id)
    );
}

#[tokio::test]
async fn refused_task_lists_change_nothing() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let id = create_campaign(
        &district,
        &campaign_body("专项整治", "2026-11-01", "monthly:28"),
    )
    .await;
    let before = task_count(&district, id).await;
    // One good task and one without a responsible unit: neither is saved.
    let (status, body) = district
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks"),
            &json!([
                {"text": "开展专项检查", "lead_units": ["区应急管理局"], "deadline": "长期坚持"},
                {"text": "建立专家库", "lead_units": [], "deadline": "2027年3月底前"},
            ]),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "rows_refused");
    assert_eq!(body["error"]["rows"][0]["row"], 2);
    assert!(
        body["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("责任单位")
    );
    assert_eq!(task_count(&district, id).await, before);
    // A text with no numbered items, and a sheet without its unit column.
    let (status, body) = district
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks/preview-notice"),
            &json!({"text": "请各单位高度重视。"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "no_tasks_in_notice");
    let sheet = "任务内容,完成时限\n开展检查,长期坚持\n".as_bytes().to_vec();
    let (status, body) = district
        .upload(
            &format!("/api/v1/campaigns/{id}/tasks/preview-sheet"),
            "tasks.csv",
            sheet,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A good sheet previews with its problems marked.
    let sheet = "任务内容,牵头单位,配合单位,完成时限,报送频次\n开展检查,区应急管理局,各街道办事处,2027年上半年见成效，长期坚持,每月28日\n建档,,,长期坚持,\n"
        .as_bytes()
        .to_vec();
    let (status, body) = district
        .upload(
            &format!("/api/v1/campaigns/{id}/tasks/preview-sheet"),
            "tasks.csv",
            sheet,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["problems"], 1);
    assert_eq!(body["tasks"][1]["problems"], json!(["no_units"]));
    assert_eq!(task_count(&district, id).await, before);
    // Only the issuing office adds tasks.
    let street = app.bearer("street-office").await;
    let (status, _) = street
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks"),
            &json!([{"text": "x", "lead_units": ["区应急管理局"], "deadline": "长期坚持"}]),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A campaign outside the clerk's area is refused.
    let mut outside = campaign_body("外区行动", "2026-11-01", "monthly:28");
    outside["jurisdiction_code"] = json!("350400000000");
    let (status, _) = district.post_json("/api/v1/campaigns", &outside).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn dispatch_task(session: &Session, id: i64) -> i64 {
    let (_, detail) = session.get_json(&format!("/api/v1/campaigns/{id}")).await;
    detail["tasks"][0]["id"].as_i64().unwrap()
}

#[tokio::test]
async fn reports_are_filed_once_per_period_by_the_units_named() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let street = app.bearer("street-office").await;
    let enterprise = app.bearer("enterprise").await;
    let id = create_campaign(
        &district,
        &campaign_body("专项整治", "2026-10-01", "monthly:28"),
    )
    .await;
    let task = dispatch_task(&district, id).await;
    let path = format!("/api/v1/campaigns/{id}/returns");
    let grid_path = format!("/api/v1/campaigns/{id}/tasks/{task}/reports");
    let report = |period: &str| json!({"period_key": period, "body": "本月检查企业5家。", "figures": {"enterprises_checked": 5, "drills": 1}});

    // October's was due on the 28th: filing it now is late. November's is on time.
    let (status, body) = street.post_json(&path, &report("2026-10")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let october = body["id"].as_i64().unwrap();
    let (status, _) = street.post_json(&path, &report("2026-11")).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, body) = street.post_json(&path, &report("2026-11")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"]["code"], "report_exists");
    let (status, body) = street.post_json(&path, &report("2026-12")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "period_not_started");
    let (status, body) = street.post_json(&path, &report("2026-09")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "unknown_period");
    let (status, body) = street
        .post_json(
            &path,
            &json!({"period_key": "2026-11", "body": "x", "figures": {"profit": 1}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // The district office issued the campaign but is not a reporting unit; the enterprise
    // is not even shown the campaign.
    let (status, body) = district.post_json(&path, &report("2026-11")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["error"]["code"], "not_task_unit");
    let (status, _) = enterprise.post_json(&path, &report("2026-11")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, grid) = district.get_json(&grid_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(grid["reports"].as_array().unwrap().len(), 2);
    assert_eq!(grid["grid"]["late"], 1);
    // The regulator filed nothing for October, whose due day has passed.
    assert_eq!(grid["grid"]["missing"], 1);
    let cells = grid["grid"]["cells"].as_array().unwrap();
    let status_of = |org_name: &str, period: &str| -> String {
        let org = grid["grid"]["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u[1] == org_name)
            .unwrap()[0]
            .clone();
        cells
            .iter()
            .find(|c| c["org_id"] == org && c["period_key"] == period)
            .unwrap()["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(status_of("公园街道办事处", "2026-10"), "late");
    assert_eq!(status_of("公园街道办事处", "2026-11"), "on_time");
    assert_eq!(status_of("城中区应急管理局", "2026-10"), "missing");
    assert_eq!(status_of("城中区应急管理局", "2026-11"), "not_due");
    // The filing unit attaches its signed scan; nobody else may, everyone who sees reads it.
    let scan = b"%PDF-1.4 signed and stamped".to_vec();
    let attach = format!("/api/v1/campaigns/{id}/reports/{october}/attachments");
    let (status, body) = app
        .bearer("regulator")
        .await
        .upload(&attach, "盖章件.pdf", scan.clone())
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "not_report_unit");
    let (status, body) = street.upload(&attach, "盖章件.exe", scan.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, body) = street.upload(&attach, "盖章件.pdf", scan.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let attachment = body["id"].as_i64().unwrap();
    let response = district
        .get(&format!("/api/v1/campaigns/{id}/attachments/{attachment}"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().to_vec(), scan);
    let (_, grid) = district.get_json(&grid_path).await;
    assert_eq!(grid["attachments"][0]["file_name"], "盖章件.pdf");
    // Every report is in the audit chain.
    let pool = app.raw().await;
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'campaign.report'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn report_reminders_and_escalation_use_the_job_table() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let street = app.bearer("street-office").await;
    let regulator = app.bearer("regulator").await;
    let id = create_campaign(
        &district,
        &campaign_body("专项整治", "2026-11-01", "monthly:28"),
    )
    .await;
    app.store.run_due_jobs().await.unwrap();
    assert!(kinds(&street).await.is_empty());
    // Two days before the 28th: both units are reminded.
    app.clock.advance(Duration::days(3));
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(kinds(&street).await, ["report_reminder"]);
    assert_eq!(kinds(&regulator).await, ["report_reminder"]);
    // The street files; after the due day only the regulator is missing, and the district hears.
    let (status, _) = street
        .post_json(
            &format!("/api/v1/campaigns/{id}/returns"),
            &json!({"period_key": "2026-11", "body": "已完成。", "figures": {}}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    app.clock.advance(Duration::days(3));
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(kinds(&street).await, ["report_reminder"]);
    assert_eq!(
        kinds(&regulator).await,
        ["report_missing", "report_reminder"]
    );
    let (_, inbox) = district.get_json("/api/v1/inbox").await;
    let message = &inbox["items"][0];
    assert_eq!(message["kind"], "report_missing");
    assert!(
        message["body"]
            .as_str()
            .unwrap()
            .contains("城中区应急管理局")
    );
    // Running again delivers nothing twice; the next month's reminder is already scheduled.
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(kinds(&regulator).await.len(), 2);
    app.clock.advance(Duration::days(27));
    app.store.run_due_jobs().await.unwrap();
    assert_eq!(kinds(&regulator).await[0], "report_reminder");
}

async fn kinds(s: &Session) -> Vec<String> {
    let (_, body) = s.get_json("/api/v1/inbox").await;
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect()
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => other.to_string(),
    }
}

#[tokio::test]
async fn the_demo_dispatch_table_exports_and_reads_back_with_its_figures() {
    let app = TestApp::spawn_full_demo().await;
    let district = app.bearer("district-office").await;
    let (_, list) = district.get_json("/api/v1/campaigns").await;
    let campaign = &list["items"][0];
    assert_eq!(campaign["phases"], json!([]), "lists carry no phases");
    let id = campaign["id"].as_i64().unwrap();
    let (_, detail) = district.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(detail["phases"].as_array().unwrap().len(), 4);
    assert_eq!(detail["targets"].as_array().unwrap().len(), 12);
    assert_eq!(detail["current_phase"], "精准配合执法");
    // Two months of returns, one of them late.
    let task = detail["tasks"][0]["id"].as_i64().unwrap();
    let (_, reports) = district
        .get_json(&format!("/api/v1/campaigns/{id}/tasks/{task}/reports"))
        .await;
    let filed = reports["reports"].as_array().unwrap();
    let periods: std::collections::BTreeSet<&str> = filed
        .iter()
        .map(|r| r["period_key"].as_str().unwrap())
        .collect();
    assert_eq!(periods.len(), 2);
    assert_eq!(filed.iter().filter(|r| r["late"] == 1).count(), 1);

    // This month's table: the ledger's figures for 公园街道 where the demo's hazards are.
    let (status, table) = district
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(table["period"]["key"], "2026-11");
    let park = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == "公园街道")
        .unwrap()
        .clone();
    let found = park["hazards_found"].as_i64().unwrap();
    assert!(found > 0);
    assert_eq!(table["total"]["hazards_found"], found);

    let response = district
        .get(&format!(
            "/api/v1/campaigns/{id}/dispatch.xlsx?period=2026-10"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).expect("a workbook");
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect();
    assert!(rows[0][0].contains("进展情况调度表"));
    assert!(rows[1][0].contains("2026-10-01"));
    let header = &rows[2];
    let col = |label: &str| {
        header
            .iter()
            .position(|h| h == label)
            .unwrap_or_else(|| panic!("{label}"))
    };
    let park = rows.iter().find(|r| r[1] == "公园街道").unwrap();
    assert_eq!(park[col("检查企业（家）")], "12");
    assert_eq!(park[col("报送情况")], "迟报");
    let total = rows.iter().find(|r| r[0] == "合计").unwrap();
    // 12 (公园) + 10 (城中街道) + 14 (区应急管理局), as the demo filed them.
    assert_eq!(total[col("检查企业（家）")], "36");
    // November's computed figures as numbers, and the same through the API.
    let response = district
        .get(&format!(
            "/api/v1/campaigns/{id}/dispatch.xlsx?period=2026-11"
        ))
        .await;
    let mut workbook: Xlsx<_> =
        Xlsx::new(Cursor::new(response.bytes().await.unwrap().to_vec())).unwrap();
    let sheet = workbook.worksheet_range_at(0).unwrap().unwrap();
    let row = sheet
        .rows()
        .find(|r| cell_text(&r[1]) == "公园街道")
        .unwrap()
        .to_vec();
    assert_eq!(row[col("发现隐患（处）")], Data::Float(found as f64));
}

#[tokio::test]
async fn the_bulletin_renders_as_docx_and_as_a_pdf_with_its_text() {
    let app = TestApp::spawn_full_demo().await;
    let district = app.bearer("district-office").await;
    let (_, list) = district.get_json("/api/v1/campaigns").await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let response = district
        .get(&format!(
            "/api/v1/campaigns/{id}/bulletin.pdf?period=2026-10"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let pdf = response.bytes().await.unwrap().to_vec();
    let text = pdf_extract::extract_text_from_mem(&pdf).expect("readable PDF");
    let squeezed: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        squeezed.contains("城中区重大事故隐患专项排查整治2026行动"),
        "{text}"
    );
    assert!(squeezed.contains("城中安委字〔2026〕2号"));
    assert!(
        squeezed.contains("公园街道未在规定时限内报送调度表"),
        "{text}"
    );
    assert!(
        squeezed.contains("佰迪乐KTV"),
        "the open major hazards are listed"
    );

    let response = district
        .get(&format!(
            "/api/v1/campaigns/{id}/bulletin.docx?period=2026-10"
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a docx package");
    let mut xml = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("word/document.xml").unwrap(), &mut xml)
        .unwrap();
    assert!(xml.contains("专项行动进展情况通报如下"));
    assert!(xml.contains("城中街道"));
}

#[tokio::test]
async fn campaigns_and_their_tables_are_seen_within_scope() {
    let app = TestApp::spawn_full_demo().await;
    let (_, list) = app
        .bearer("district-office")
        .await
        .get_json("/api/v1/campaigns")
        .await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    // Everyone in the district sees its campaign; the targeted enterprise too; nobody else.
    for (user, seen) in [
        ("street-office", true),
        ("regulator", true),
        ("enterprise", true),
        ("expert", true),
        ("admin", true),
    ] {
        let (status, _) = app
            .bearer(user)
            .await
            .get_json(&format!("/api/v1/campaigns/{id}"))
            .await;
        assert_eq!(status == StatusCode::OK, seen, "{user}");
    }
    // The street sees the table of its own street by default and not the district's.
    let street = app.bearer("street-office").await;
    let (status, table) = street
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(table["office_code"], "450202002000");
    let (status, _) = street
        .get_json(&format!(
            "/api/v1/campaigns/{id}/dispatch?office=450202000000"
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // An enterprise does not get dispatch tables.
    let (status, _) = app
        .bearer("enterprise")
        .await
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Pages render for the clerk.
    let district = app.login("district-office", "hazardnet-demo").await;
    for page in [
        "/campaigns".to_string(),
        format!("/campaigns/{id}"),
        format!("/campaigns/{id}/dispatch"),
        format!("/campaigns/{id}/tasks/import"),
        "/campaigns/new".to_string(),
    ] {
        let response = district.get(&page).await;
        assert_eq!(response.status(), StatusCode::OK, "{page}");
        let html = response.text().await.unwrap();
        assert!(html.contains("专项") || html.contains("调度"), "{page}");
        if page == format!("/campaigns/{id}") {
            assert!(html.contains("行动进展") && html.contains("佰迪乐KTV"));
        }
    }
}

#[tokio::test]
async fn returns_roll_up_from_the_streets_to_the_district_in_a_city_table() {
    let app = TestApp::spawn_demo().await;
    let admin = app.bearer("admin").await;
    let mut body = campaign_body("全市专项整治", "2026-11-01", "monthly:28");
    body["jurisdiction_code"] = json!("450200000000");
    body["reporting_units"] = json!("各街道办事处、城中区应急管理局");
    body["phases"] = json!([]);
    let id = create_campaign(&admin, &body).await;
    let path = format!("/api/v1/campaigns/{id}/returns");
    for (user, checked) in [("street-office", 7), ("regulator", 5)] {
        let (status, body) = app
            .bearer(user)
            .await
            .post_json(&path, &json!({"period_key": "2026-11", "body": "已报。", "figures": {"enterprises_checked": checked}}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{user}: {body}");
    }
    // The city's table: 城中区 did not file itself, so its row sums what was filed inside it.
    let (status, city) = admin
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch"))
        .await;
    assert_eq!(status, StatusCode::OK, "{city}");
    let district = city["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"] == "城中区")
        .unwrap();
    assert_eq!(district["return_status"], "rolled_up");
    assert_eq!(district["filled"]["enterprises_checked"], 12);
    assert_eq!(city["total"]["filled"]["enterprises_checked"], 12);
    // One level down, the street and the regulator each with their own.
    let (_, below) = admin
        .get_json(&format!(
            "/api/v1/campaigns/{id}/dispatch?office=450202000000"
        ))
        .await;
    let row = |name: &str| {
        below["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["unit"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(row("公园街道")["filled"]["enterprises_checked"], 7);
    assert_eq!(row("公园街道")["return_status"], "on_time");
    assert_eq!(row("城中区应急管理局")["filled"]["enterprises_checked"], 5);
    assert_eq!(below["total"]["filled"]["enterprises_checked"], 12);
    // An office outside the campaign's area is refused.
    let (status, _) = admin
        .get_json(&format!(
            "/api/v1/campaigns/{id}/dispatch?office=350400000000"
        ))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_unit_sees_the_returns_it_owes_on_its_home_page() {
    let app = TestApp::spawn_full_demo().await;
    let street = app
        .store
        .principal_for_username("street-office")
        .await
        .unwrap();
    let owed = app.store.pending_returns(&street, 100).await.unwrap();
    // One return per period, however many of the campaign's tasks name the street.
    let dispatch: Vec<(&str, bool)> = owed
        .iter()
        .map(|r| (r.period_key.as_str(), r.overdue))
        .collect();
    // The demo street filed September and October; May–August were missed, November is open.
    assert_eq!(
        dispatch,
        [
            ("2026-05", true),
            ("2026-06", true),
            ("2026-07", true),
            ("2026-08", true),
            ("2026-11", false)
        ]
    );
    assert!(
        owed.windows(2).all(|w| w[0].due_on <= w[1].due_on),
        "most urgent first"
    );
    let session = app.login("street-office", "hazardnet-demo").await;
    let html = session.get("/").await.text().await.unwrap();
    assert!(
        html.contains("本单位待报送") && html.contains("2026年11月"),
        "{html}"
    );
}

#[tokio::test]
async fn campaigns_tasks_and_returns_are_corrected_with_versions_and_reasons() {
    let app = TestApp::spawn_demo().await;
    let district = app.bearer("district-office").await;
    let street = app.bearer("street-office").await;
    let id = create_campaign(
        &district,
        &campaign_body("专项整治", "2026-10-01", "monthly:28"),
    )
    .await;
    let (status, saved) = district
        .post_json(
            &format!("/api/v1/campaigns/{id}/tasks"),
            &json!([{"text": "开展专项检查", "lead_units": ["各街道办事处"], "deadline": "2026年12月底前"}]),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{saved}");
    let task = saved["ids"][0].as_i64().unwrap();

    // A task's deadline corrected on a stale copy: 409 in Chinese, nothing changed.
    let task_path = format!("/api/v1/campaigns/{id}/tasks/{task}");
    let correction = |version: i64, deadline: &str| {
        json!({"expected_version": version, "reason": "时限录入有误", "text": "开展专项检查",
               "lead_units": ["各街道办事处"], "deadline": deadline})
    };
    let (status, body) = district
        .put_json(&task_path, &correction(1, "2027年1月底前"), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["due_on"], "2027-01-31");
    let (status, body) = district
        .put_json(&task_path, &correction(1, "2027年3月底前"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "stale_version");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .chars()
            .any(|c| c > '\u{4e00}')
    );
    let (_, detail) = district.get_json(&format!("/api/v1/campaigns/{id}")).await;
    assert_eq!(detail["tasks"][1]["due_on"], "2027-01-31");
    // Without a reason, or with a date outside the campaign unconfirmed: refused.
    let mut no_reason = correction(2, "2027年3月底前");
    no_reason["reason"] = json!("");
    let (status, _) = district.put_json(&task_path, &no_reason, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, body) = district
        .put_json(&task_path, &correction(2, "2021年上半年"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["rows"][0]["code"], "stale_deadline");
    let (status, _) = street
        .put_json(&task_path, &correction(2, "2027年3月底前"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The campaign's title and period, likewise.
    let campaign_path = format!("/api/v1/campaigns/{id}");
    let fix = |version: i64| {
        json!({"expected_version": version, "reason": "文号更正", "title": "重大事故隐患专项整治",
               "doc_number": "城中安委字〔2026〕10号", "starts_on": "2026-10-01", "ends_on": "2027-09-30",
               "phases": [{"name": "集中整治", "starts_on": "2026-10-01", "ends_on": "2027-09-30"}]})
    };
    let (status, body) = district.put_json(&campaign_path, &fix(1), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["version"], 2);
    assert_eq!(body["doc_number"], "城中安委字〔2026〕10号");
    assert_eq!(body["phases"].as_array().unwrap().len(), 1);
    let (status, _) = district.put_json(&campaign_path, &fix(1), None).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A wrong return is replaced by its unit: a new version, the old one kept in history.
    let returns = format!("/api/v1/campaigns/{id}/returns");
    let (status, body) = street
        .post_json(
            &returns,
            &json!({"period_key": "2026-11", "body": "本月检查企业50家。", "figures": {"enterprises_checked": 50},
                    "lines": [{"task_id": task, "text": "已检查50家"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let first = body["id"].as_i64().unwrap();
    let (status, body) = street
        .post_json(&returns, &json!({"period_key": "2026-11", "body": "重报"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let replacement = |version: i64| {
        json!({"expected_version": version, "reason": "检查企业数多填一位", "body": "本月检查企业5家。",
               "figures": {"enterprises_checked": 5}, "lines": [{"task_id": task, "text": "已检查5家"}]})
    };
    let (status, body) = app
        .bearer("regulator")
        .await
        .put_json(&format!("{returns}/{first}"), &replacement(1), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "not_report_unit");
    let (status, body) = street
        .put_json(&format!("{returns}/{first}"), &replacement(1), None)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let second = body["id"].as_i64().unwrap();
    let (status, body) = street
        .put_json(&format!("{returns}/{first}"), &replacement(1), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, detail) = district.get_json(&format!("{returns}/{second}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["report"]["version"], 2);
    assert_eq!(detail["report"]["reason"], "检查企业数多填一位");
    let history = detail["history"].as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0]["id"], first);
    assert_eq!(history[0]["current"], false);
    assert_eq!(history[0]["body"], "本月检查企业50家。");
    // The dispatch table takes the current version.
    let (_, table) = district
        .get_json(&format!("/api/v1/campaigns/{id}/dispatch?period=2026-11"))
        .await;
    let row = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"].as_str().unwrap().contains("公园"))
        .unwrap();
    assert_eq!(row["filled"]["enterprises_checked"], 5);
    let pool = app.raw().await;
    for action in [
        "campaign.task_correct",
        "campaign.correct",
        "campaign.report_replace",
    ] {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
            .bind(action)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(n, 1, "{action}");
    }
}
