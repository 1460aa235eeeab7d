//! The enterprise register's sheet: import (the headers clerks use, labels such as 黄 or 是
//! resolved) and the export that reads back through the same import.

use super::{SheetError, invalid, label_head};
use crate::i18n::{Lang, t};
use hazardnet_domain::enterprise::EnterpriseInput;
use hazardnet_store::{Enterprise, RowError};
use rust_xlsxwriter::{Format, Workbook};
use std::collections::HashMap;

/// The columns of the enterprise sheet: key, then the headers accepted for it. The first
/// header of each is the one exports write (in Chinese; the English one for `Lang::En`).
const ENTERPRISE_COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["企业名称", "单位名称", "单位名字", "name"]),
    (
        "credit_code",
        &["统一社会信用代码", "信用代码", "credit_code"],
    ),
    (
        "jurisdiction_code",
        &["所属辖区代码", "区划代码", "jurisdiction_code"],
    ),
    (
        "industry_code",
        &[
            "行业",
            "行业代码",
            "所属行业",
            "类型",
            "industry",
            "industry_code",
        ],
    ),
    (
        "enterprise_type",
        &["企业类型", "单位类型", "enterprise_type"],
    ),
    ("address", &["地址", "经营地址", "address"]),
    ("risk_grade", &["风险等级", "risk_grade"]),
    ("status", &["经营状态", "status"]),
    (
        "key_hazardous_chemicals",
        &["两重点一重大", "key_hazardous_chemicals"],
    ),
    ("crowded_place", &["人员密集场所", "crowded_place"]),
    ("high_risk", &["高危行业", "high_risk"]),
    ("principal_name", &["主要负责人", "principal_name"]),
    ("principal_phone", &["主要负责人电话", "principal_phone"]),
    (
        "safety_manager_name",
        &["安全管理人员", "safety_manager_name"],
    ),
    (
        "safety_manager_phone",
        &["安全管理人员电话", "safety_manager_phone"],
    ),
    ("employees", &["从业人员数", "employees"]),
];

fn flag(field: &'static str, value: &str) -> Result<bool, RowError> {
    match value.trim().to_lowercase().as_str() {
        "" | "否" | "no" | "n" | "false" | "0" => Ok(false),
        "是" | "yes" | "y" | "true" | "1" | "√" => Ok(true),
        other => Err(invalid(field, other)),
    }
}

fn risk_grade(value: &str) -> Result<Option<String>, RowError> {
    let v = value.trim();
    let grade = match label_head(v).as_str() {
        "" => return Ok(None),
        "红" | "红色" | "重大" | "重大风险" | "d" | "red" => "red",
        "橙" | "橙色" | "较大" | "较大风险" | "c" | "orange" => "orange",
        "黄" | "黄色" | "一般" | "一般风险" | "b" | "yellow" => "yellow",
        "蓝" | "蓝色" | "低" | "低风险" | "a" | "blue" => "blue",
        _ => return Err(invalid("risk_grade", v)),
    };
    Ok(Some(grade.into()))
}

fn status(value: &str) -> Result<Option<String>, RowError> {
    let v = value.trim();
    let s = match label_head(v).as_str() {
        "" => return Ok(None),
        "在营" | "营业" | "正常" | "operating" => "operating",
        "停产整顿" | "停业" | "suspended" => "suspended",
        "关闭" | "注销" | "歇业" | "closed" => "closed",
        _ => return Err(invalid("status", v)),
    };
    Ok(Some(s.into()))
}

/// Turns sheet rows (header first) into enterprise inputs. `industries` maps what clerks type
/// (code, label such as 餐饮业, or official name) to a GB/T 4754 code. Returns the inputs and
/// every row refused while reading cells (rows numbered as in the sheet, header = 1).
pub fn enterprise_inputs(
    rows: &[Vec<String>],
    industries: &HashMap<String, String>,
) -> Result<(Vec<EnterpriseInput>, Vec<RowError>), SheetError> {
    let (header, body) = rows.split_first().ok_or(SheetError::Empty)?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (key, names) in ENTERPRISE_COLUMNS {
        if let Some(pos) = header
            .iter()
            .position(|h| names.iter().any(|n| n.eq_ignore_ascii_case(h.trim())))
        {
            index.insert(key, pos);
        }
    }
    for required in ["name", "credit_code", "jurisdiction_code", "industry_code"] {
        if !index.contains_key(required) {
            return Err(SheetError::MissingColumn(required));
        }
    }
    if body.is_empty() {
        return Err(SheetError::Empty);
    }
    let mut inputs = Vec::with_capacity(body.len());
    let mut errors = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let line = i + 2;
        let cell = |key: &str| {
            index
                .get(key)
                .and_then(|&p| row.get(p))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let parsed = (|| -> Result<EnterpriseInput, RowError> {
            let typed_industry = cell("industry_code");
            let industry_code = if typed_industry.is_empty() {
                String::new()
            } else {
                industries
                    .get(&typed_industry)
                    .or_else(|| industries.get(&typed_industry.to_ascii_uppercase()))
                    .cloned()
                    .ok_or_else(|| RowError {
                        row: 0,
                        code: "unknown_industry".into(),
                        args: vec![("value".into(), typed_industry.clone())],
                    })?
            };
            let employees = match cell("employees") {
                s if s.is_empty() => None,
                s => Some(s.parse::<i64>().map_err(|_| invalid("employees", &s))?),
            };
            Ok(EnterpriseInput {
                name: cell("name"),
                credit_code: cell("credit_code"),
                jurisdiction_code: cell("jurisdiction_code"),
                industry_code,
                enterprise_type: cell("enterprise_type"),
                address: cell("address"),
                risk_grade: risk_grade(&cell("risk_grade"))?,
                status: status(&cell("status"))?,
                key_hazardous_chemicals: flag(
                    "key_hazardous_chemicals",
                    &cell("key_hazardous_chemicals"),
                )?,
                crowded_place: flag("crowded_place", &cell("crowded_place"))?,
                high_risk: flag("high_risk", &cell("high_risk"))?,
                principal_name: cell("principal_name"),
                principal_phone: cell("principal_phone"),
                safety_manager_name: cell("safety_manager_name"),
                safety_manager_phone: cell("safety_manager_phone"),
                employees,
            })
        })();
        match parsed {
            Ok(input) => inputs.push(input),
            Err(mut e) => {
                e.row = line;
                errors.push(e);
                inputs.push(EnterpriseInput::default());
            }
        }
    }
    Ok((inputs, errors))
}

fn yes_no(lang: Lang, flag: i64) -> String {
    t(lang, if flag != 0 { "ui.yes" } else { "ui.no" })
}

/// The enterprise list as an xlsx workbook, in the same columns the import reads.
pub fn enterprises_workbook(
    lang: Lang,
    rows: &[Enterprise],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(t(lang, "ui.enterprises"))?;
    let bold = Format::new().set_bold().set_background_color("#E8EEF7");
    for (col, (key, names)) in ENTERPRISE_COLUMNS.iter().enumerate() {
        let header = if lang == Lang::En {
            names[names.len() - 1]
        } else {
            names[0]
        };
        let header = if lang == Lang::En {
            t(lang, &format!("field.{key}"))
        } else {
            header.to_string()
        };
        sheet.write_string_with_format(0, col as u16, header, &bold)?;
        sheet.set_column_width(
            col as u16,
            if *key == "name" || *key == "address" {
                30
            } else {
                16
            },
        )?;
    }
    for (i, e) in rows.iter().enumerate() {
        let r = (i + 1) as u32;
        let values = [
            e.name.clone(),
            e.credit_code.clone(),
            e.jurisdiction_code.clone(),
            e.industry_code.clone(),
            e.enterprise_type.clone(),
            e.address.clone(),
            e.risk_grade
                .as_deref()
                .map(|g| t(lang, &format!("risk.{g}")))
                .unwrap_or_default(),
            t(lang, &format!("status.{}", e.status)),
            yes_no(lang, e.key_hazardous_chemicals),
            yes_no(lang, e.crowded_place),
            yes_no(lang, e.high_risk),
            e.principal_name.clone(),
            e.principal_phone.clone(),
            e.safety_manager_name.clone(),
            e.safety_manager_phone.clone(),
            e.employees.map(|n| n.to_string()).unwrap_or_default(),
        ];
        for (col, value) in values.into_iter().enumerate() {
            sheet.write_string(r, col as u16, value)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    workbook.save_to_buffer()
}
