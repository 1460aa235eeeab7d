//! Excel import: every row checked, every bad row reported, nothing half-imported.

use crate::helpers::{TestApp, credit_code};
use reqwest::StatusCode;

fn workbook(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in [
        "单位名称",
        "统一社会信用代码",
        "所属辖区代码",
        "类型",
        "人员密集场所",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn a_good_sheet_imports_every_row() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (a, b) = (credit_code(40), credit_code(41));
    let bytes = workbook(&[
        ["甲餐馆", &a, "450202002000", "餐饮业", "是"],
        ["乙旅馆", &b, "450202002000", "住宿业", "否"],
    ]);
    let (status, dry) = clerk
        .upload(
            "/api/v1/enterprises/import?dry_run=true",
            "a.xlsx",
            bytes.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{dry}");
    assert_eq!(
        (dry["rows"].as_i64(), dry["imported"].as_i64()),
        (Some(2), Some(0))
    );
    let (status, result) = clerk
        .upload("/api/v1/enterprises/import", "a.xlsx", bytes)
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["imported"], 2);
    let (_, list) = clerk.get_json("/api/v1/enterprises").await;
    assert_eq!(list["total"], 14);
}

#[tokio::test]
async fn one_bad_row_imports_nothing_and_every_bad_row_is_named() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let good = credit_code(50);
    let bytes = workbook(&[
        ["好企业", &good, "450202002000", "餐饮业", "是"],
        ["", &credit_code(51), "450202002000", "餐饮业", ""],
        ["坏代码", "91450202MA5L000102", "450202002000", "住宿业", ""],
        ["越界", &credit_code(52), "450202001000", "住宿业", ""],
        ["未知行业", &credit_code(53), "450202002000", "造船业", ""],
        ["重复", &good, "450202002000", "餐饮业", ""],
        ["已登记", "91450202MA5L000101", "450202002000", "餐饮业", ""],
        ["标志错", &credit_code(54), "450202002000", "餐饮业", "也许"],
    ]);
    let (status, err) = clerk
        .upload("/api/v1/enterprises/import", "bad.xlsx", bytes)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["error"]["code"], "rows_refused");
    let rows: Vec<(i64, &str)> = err["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [
            (3, "required"),
            (4, "invalid_credit_code"),
            (5, "out_of_scope"),
            (6, "unknown_industry"),
            (7, "duplicate_in_file"),
            (8, "duplicate_credit_code"),
            (9, "invalid_value")
        ]
    );
    assert!(
        err["error"]["rows"][0]["message"]
            .as_str()
            .unwrap()
            .contains("名称")
    );
    let (_, list) = clerk.get_json("/api/v1/enterprises").await;
    assert_eq!(list["total"], 12, "nothing may be imported");
}

#[tokio::test]
async fn files_that_are_not_sheets_are_refused() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("street-office").await;
    let (status, err) = clerk
        .upload(
            "/api/v1/enterprises/import",
            "x.xlsx",
            b"PK\x03\x04 not really a zip".to_vec(),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "sheet_not_a_sheet")
    );
    let (status, err) = clerk
        .upload(
            "/api/v1/enterprises/import",
            "x.xlsx",
            vec![0u8, 159, 146, 150],
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "sheet_not_a_sheet")
    );
    let (status, _) = clerk
        .upload(
            "/api/v1/enterprises/import",
            "big.csv",
            vec![b'a'; hazardnet_web::sheets::MAX_UPLOAD_BYTES + 1],
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, err) = clerk
        .upload(
            "/api/v1/enterprises/import",
            "x.csv",
            "名称\n甲\n".as_bytes().to_vec(),
        )
        .await;
    assert_eq!(
        (status, err["error"]["code"].as_str().unwrap()),
        (StatusCode::UNPROCESSABLE_ENTITY, "sheet_missing_column")
    );
    let regulator_viewer = app.bearer("expert").await;
    let (status, _) = regulator_viewer
        .upload("/api/v1/enterprises/import", "x.csv", b"a".to_vec())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.anonymous().get("/healthz").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn export_holds_the_rows_in_scope_and_reads_back() {
    let app = TestApp::spawn_demo().await;
    let clerk = app.bearer("regulator").await;
    let r = clerk
        .get("/api/v1/enterprises/export.xlsx?industry=61")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml")
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    let rows = hazardnet_web::sheets::read_rows(&bytes).unwrap();
    assert_eq!(rows.len(), 1 + 8);
    assert_eq!(rows[0][0], "企业名称");
    assert!(rows.iter().any(|r| r[0] == "东都好酒店"));
}

fn ledger(rows: &[[&str; 5]]) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["隐患内容", "部位", "隐患级别", "来源", "排查日期"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            sheet.write_string(r as u32 + 1, c as u16, *v).unwrap();
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_enterprise_imports_its_old_ledger_all_or_nothing() {
    let app = TestApp::spawn_demo().await;
    let manager = app.bearer("enterprise").await;
    let bad = ledger(&[
        ["灭火器过期", "大厅", "一般", "自查", "2026-11-02"],
        ["", "后门", "重大", "自查", "2026-11-03"],
        ["电线乱拉", "仓库", "较大", "自查", "2026-11-04"],
        ["明天的隐患", "仓库", "一般", "自查", "2030-01-01"],
    ]);
    let (status, err) = manager
        .upload("/api/v1/hazards/import", "old.xlsx", bad)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let rows: Vec<(i64, &str)> = err["error"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["row"].as_i64().unwrap(), r["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        rows,
        [(3, "required"), (4, "invalid_value"), (5, "invalid_value")]
    );
    let (_, list) = manager.get_json("/api/v1/hazards").await;
    assert_eq!(list["total"], 0, "nothing imported");

    let good = ledger(&[
        ["灭火器过期", "大厅", "一般", "自查", "2026-11-02"],
        [
            "安全出口锁闭",
            "后门",
            "重大隐患",
            "四不两直",
            "2026年11月3日",
        ],
    ]);
    let (status, result) = manager
        .upload("/api/v1/hazards/import", "old.xlsx", good)
        .await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["imported"], 2);
    let (_, list) = manager
        .get_json("/api/v1/hazards?state=reported&level=major")
        .await;
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["found_at"], "2026-11-03");
    assert_eq!(list["items"][0]["source"], "unannounced_visit");
    // A clerk names the enterprise; one outside the clerk's scope is not found.
    let expert = app.bearer("expert").await;
    let (status, _) = expert
        .upload(
            "/api/v1/hazards/import?enterprise_id=5",
            "old.xlsx",
            ledger(&[["x", "", "一般", "自查", ""]]),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
