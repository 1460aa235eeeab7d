//! Spreadsheets in and out. Uploaded workbooks are hostile until proven otherwise: the zip
//! container is checked (entry count, declared and actual uncompressed sizes, paths, DTDs)
//! before calamine parses it (DESIGN.md, "Hostile files").

use crate::i18n::{Lang, t};
use calamine::{Data, Reader, Xlsx};
use hazardnet_domain::enterprise::EnterpriseInput;
use hazardnet_store::{Enterprise, RowError};
use rust_xlsxwriter::{Format, Workbook};
use std::collections::HashMap;
use std::io::{Cursor, Read};

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
const MAX_ENTRIES: usize = 500;
const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
pub const MAX_ROWS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("not an xlsx or csv file")]
    NotASheet,
    #[error("file too large")]
    TooLarge,
    #[error("unsafe workbook")]
    Unsafe,
    #[error("no rows")]
    Empty,
    #[error("too many rows")]
    TooManyRows,
    #[error("missing column")]
    MissingColumn(&'static str),
}

impl SheetError {
    pub fn code(self) -> &'static str {
        match self {
            SheetError::NotASheet => "sheet_not_a_sheet",
            SheetError::TooLarge => "sheet_too_large",
            SheetError::Unsafe => "sheet_unsafe",
            SheetError::Empty => "sheet_empty",
            SheetError::TooManyRows => "sheet_too_many_rows",
            SheetError::MissingColumn(_) => "sheet_missing_column",
        }
    }
}

/// Checks the zip container of an xlsx without trusting what it declares.
fn check_container(bytes: &[u8]) -> Result<(), SheetError> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::NotASheet)?;
    if archive.len() > MAX_ENTRIES {
        return Err(SheetError::Unsafe);
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|_| SheetError::NotASheet)?;
        let name = entry.name().to_string();
        if name.starts_with('/') || name.contains("..") || name.contains('\\') || entry.is_symlink()
        {
            return Err(SheetError::Unsafe);
        }
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(SheetError::Unsafe);
        }
        // Inflate for real, with a cap: declared sizes can lie.
        let mut head = Vec::new();
        let read = (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut head)
            .map_err(|_| SheetError::NotASheet)? as u64;
        if read > MAX_ENTRY_BYTES {
            return Err(SheetError::Unsafe);
        }
        total += read;
        if total > MAX_TOTAL_BYTES {
            return Err(SheetError::Unsafe);
        }
        if name.ends_with(".xml") || name.ends_with(".rels") {
            let prefix = &head[..head.len().min(4096)];
            let text = String::from_utf8_lossy(prefix);
            if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
                return Err(SheetError::Unsafe);
            }
        }
    }
    Ok(())
}

fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.to_string(),
            None => d.to_string(),
        },
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("{e:?}"),
    }
}

/// The rows of the first sheet of an xlsx, or of a UTF-8 CSV, as trimmed text.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(SheetError::TooLarge);
    }
    let rows: Vec<Vec<String>> = if bytes.starts_with(b"PK\x03\x04") {
        check_container(bytes)?;
        let mut workbook: Xlsx<_> =
            Xlsx::new(Cursor::new(bytes)).map_err(|_| SheetError::NotASheet)?;
        let range = workbook
            .worksheet_range_at(0)
            .ok_or(SheetError::Empty)?
            .map_err(|_| SheetError::NotASheet)?;
        if range.height() > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
        range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect()
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| SheetError::NotASheet)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        if text.contains('\0') {
            return Err(SheetError::NotASheet);
        }
        let mut rows = Vec::new();
        for record in csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
            .records()
        {
            let record = record.map_err(|_| SheetError::NotASheet)?;
            rows.push(record.iter().map(|f| f.trim().to_string()).collect());
            if rows.len() > MAX_ROWS + 1 {
                return Err(SheetError::TooManyRows);
            }
        }
        rows
    };
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .collect();
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(rows)
}

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

fn invalid(field: &str, value: &str) -> RowError {
    RowError {
        row: 0,
        code: "invalid_value".into(),
        args: vec![
            ("field".into(), field.into()),
            ("value".into(), value.into()),
        ],
    }
}

/// The part of a label before any explanation in brackets, as exports write it
/// ("橙（较大风险）", "Orange (considerable)").
fn label_head(value: &str) -> String {
    value
        .split(['（', '(', ' '])
        .next()
        .unwrap_or("")
        .trim()
        .to_lowercase()
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

const HAZARD_COLUMNS: &[(&str, &[&str])] = &[
    ("title", &["隐患名称", "隐患内容", "存在问题", "title"]),
    ("place", &["隐患部位", "隐患位置", "部位", "place"]),
    ("description", &["隐患描述", "隐患情况", "description"]),
    ("level", &["隐患等级", "隐患级别", "level"]),
    ("category", &["隐患类别", "隐患类型", "category"]),
    ("basis", &["判定依据", "依据", "basis"]),
    ("source", &["隐患来源", "来源", "source"]),
    (
        "found_at",
        &["发现日期", "排查日期", "检查日期", "found_at"],
    ),
    ("found_by", &["发现人", "排查人", "检查人", "found_by"]),
];

/// A date as clerks write it: 2026-11-20, 2026/11/20, 2026.11.20 or 2026年11月20日.
fn normalise_date(value: &str) -> String {
    let v = value.trim();
    let v = v.split([' ', 'T']).next().unwrap_or("");
    let parts: Vec<&str> = v
        .split(['-', '/', '.', '年', '月', '日'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [y, m, d] => match (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) {
            (Ok(y), Ok(m), Ok(d)) => format!("{y:04}-{m:02}-{d:02}"),
            _ => value.trim().to_string(),
        },
        _ => value.trim().to_string(),
    }
}

fn hazard_level(value: &str) -> Result<String, RowError> {
    match value.trim() {
        "" | "一般" | "一般隐患" | "一般事故隐患" | "general" => Ok("general".into()),
        "重大" | "重大隐患" | "重大事故隐患" | "major" => Ok("major".into()),
        other => Err(invalid("level", other)),
    }
}

fn hazard_category(value: &str) -> Result<String, RowError> {
    let v = value.trim();
    if v.is_empty() {
        return Ok("49".into());
    }
    hazardnet_domain::hazard::CATEGORIES
        .iter()
        .find(|(code, name)| *code == v || *name == v || v.starts_with(&format!("{code} ")))
        .map(|(code, _)| code.to_string())
        .ok_or_else(|| invalid("category", v))
}

fn hazard_source(value: &str) -> Result<String, RowError> {
    let source = match value.trim() {
        "" | "自查" | "企业自查" | "self_inspection" => "self_inspection",
        "部门检查" | "检查" | "日常检查" | "department_inspection" => {
            "department_inspection"
        }
        "督查" | "督导检查" | "supervision" => "supervision",
        "暗查暗访" | "四不两直" | "unannounced_visit" => "unannounced_visit",
        "执法" | "执法检查" | "law_enforcement" => "law_enforcement",
        "举报" | "tip" => "tip",
        "专家" | "专家检查" | "expert" => "expert",
        other => return Err(invalid("source", other)),
    };
    Ok(source.into())
}

/// Turns the rows of an enterprise's existing ledger (header first) into hazard reports, and
/// every row whose cells cannot be read into a row error (rows numbered as in the sheet).
pub fn hazard_inputs(
    rows: &[Vec<String>],
) -> Result<(Vec<hazardnet_domain::hazard::HazardInput>, Vec<RowError>), SheetError> {
    let (header, body) = rows.split_first().ok_or(SheetError::Empty)?;
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (key, names) in HAZARD_COLUMNS {
        if let Some(pos) = header
            .iter()
            .position(|h| names.iter().any(|n| n.eq_ignore_ascii_case(h.trim())))
        {
            index.insert(key, pos);
        }
    }
    if !index.contains_key("title") {
        return Err(SheetError::MissingColumn("title"));
    }
    if body.is_empty() {
        return Err(SheetError::Empty);
    }
    let mut inputs = Vec::with_capacity(body.len());
    let mut errors = Vec::new();
    for (i, row) in body.iter().enumerate() {
        let cell = |key: &str| {
            index
                .get(key)
                .and_then(|&p| row.get(p))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let parsed = (|| -> Result<hazardnet_domain::hazard::HazardInput, RowError> {
            Ok(hazardnet_domain::hazard::HazardInput {
                enterprise_id: 0,
                title: cell("title"),
                description: cell("description"),
                place: cell("place"),
                level: hazard_level(&cell("level"))?,
                category: hazard_category(&cell("category"))?,
                basis: cell("basis"),
                source: hazard_source(&cell("source"))?,
                found_at: normalise_date(&cell("found_at")),
                found_by: cell("found_by"),
            })
        })();
        match parsed {
            Ok(input) => inputs.push(input),
            Err(mut e) => {
                e.row = i + 2;
                errors.push(e);
                inputs.push(hazardnet_domain::hazard::HazardInput::default());
            }
        }
    }
    Ok((inputs, errors))
}

const LEDGER_COLUMNS: [(&str, u16); 21] = [
    ("ledger.serial", 6),
    ("ledger.number", 24),
    ("field.enterprise_id", 28),
    ("field.jurisdiction_code", 12),
    ("field.title", 28),
    ("field.place", 16),
    ("field.description", 32),
    ("field.level", 12),
    ("field.category", 10),
    ("field.basis", 24),
    ("field.source", 14),
    ("field.found_at", 12),
    ("field.found_by", 10),
    ("field.plan.responsible_person", 12),
    ("field.plan.measures", 32),
    ("field.plan.funds_yuan", 12),
    ("field.deadline", 12),
    ("ledger.state", 10),
    ("ledger.overdue", 8),
    ("ledger.listing", 20),
    ("ledger.closed_at", 12),
];

/// The ledger's zip compression. Most of an export's save is deflating the sheet's XML on one
/// core; for 107,061 rows level 2 made a 9.5 MB file where the default 6 made 7.7 MB, in about
/// 0.6 s less (level 3: 8.8 MB, 0.3 s less). Excel itself saves at level 3.
const LEDGER_ZIP_LEVEL: u8 = 2;

/// The hazard ledger (隐患排查治理台账) in the columns clerks keep it in, written chunk by chunk
/// in constant memory (rows go to a temporary file as they are written), so an export of a
/// whole province holds only one chunk of rows at a time.
pub struct LedgerSheet {
    workbook: Workbook,
    lang: Lang,
    rows: u32,
}

impl LedgerSheet {
    pub fn new(lang: Lang) -> Result<LedgerSheet, rust_xlsxwriter::XlsxError> {
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(LEDGER_ZIP_LEVEL);
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(t(lang, "ledger.title"))?;
        let bold = Format::new()
            .set_bold()
            .set_background_color("#E8EEF7")
            .set_text_wrap();
        for (col, (key, width)) in LEDGER_COLUMNS.iter().enumerate() {
            sheet.set_column_width(col as u16, *width)?;
            sheet.write_string_with_format(0, col as u16, t(lang, key), &bold)?;
        }
        sheet.set_freeze_panes(1, 0)?;
        Ok(LedgerSheet {
            workbook,
            lang,
            rows: 0,
        })
    }

    /// Writes `rows` below the rows already written. The rows are moved into the sheet: an
    /// export of a province writes two million cells, and copying each first was a fifth of
    /// its time.
    pub fn append(
        &mut self,
        rows: Vec<hazardnet_store::LedgerRow>,
    ) -> Result<(), rust_xlsxwriter::XlsxError> {
        let lang = self.lang;
        let yes = t(lang, "ui.yes");
        let sheet = self.workbook.worksheet_from_index(0)?;
        for h in rows {
            self.rows += 1;
            let r = self.rows;
            let (responsible_person, measures, funds) = match h.plan {
                Some(p) => (
                    p.responsible_person,
                    p.measures,
                    p.funds_yuan.map(|f| f.to_string()).unwrap_or_default(),
                ),
                None => Default::default(),
            };
            let texts = [
                h.number,
                h.enterprise_name,
                h.jurisdiction_name,
                h.title,
                h.place,
                h.description,
                t(lang, &format!("hazard_level.{}", h.level)),
                h.category,
                h.basis,
                t(lang, &format!("hazard_source.{}", h.source)),
                h.found_at,
                h.found_by,
                responsible_person,
                measures,
                funds,
                h.deadline.unwrap_or_default(),
                t(lang, &format!("hazard_state.{}", h.state)),
                if h.overdue {
                    yes.clone()
                } else {
                    String::new()
                },
                h.listing
                    .map(|l| format!("{} {} {}", l.office_name, l.level, l.letter_number))
                    .unwrap_or_default(),
                h.closed_at
                    .map(|c| c.chars().take(10).collect())
                    .unwrap_or_default(),
            ];
            sheet.write_number(r, 0, r)?;
            for (col, text) in (1u16..).zip(texts) {
                sheet.write_string(r, col, text)?;
            }
        }
        Ok(())
    }

    pub fn finish(mut self) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
        let rows = self.rows;
        let sheet = self.workbook.worksheet_from_index(0)?;
        sheet.autofilter(0, 0, rows, (LEDGER_COLUMNS.len() - 1) as u16)?;
        self.workbook.save_to_buffer()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn industries() -> HashMap<String, String> {
        [
            ("餐饮业", "62"),
            ("62", "62"),
            ("住宿业", "61"),
            ("61", "61"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    #[test]
    fn csv_rows_map_to_inputs_with_labels_resolved() {
        let csv = "企业名称,统一社会信用代码,所属辖区代码,行业,风险等级,人员密集场所\n\
                   佰迪乐KTV,91350100M000100Y43,450202002000,餐饮业,黄,是\n";
        let rows = read_rows(csv.as_bytes()).unwrap();
        let (inputs, errors) = enterprise_inputs(&rows, &industries()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(inputs[0].industry_code, "62");
        assert_eq!(inputs[0].risk_grade.as_deref(), Some("yellow"));
        assert!(inputs[0].crowded_place);
    }

    #[test]
    fn bad_cells_are_reported_with_their_row() {
        let csv = "企业名称,统一社会信用代码,所属辖区代码,行业,人员密集场所\n\
                   甲,91350100M000100Y43,450202002000,餐饮业,也许\n\
                   乙,91350100M000100Y43,450202002000,造船业,否\n";
        let rows = read_rows(csv.as_bytes()).unwrap();
        let (_, errors) = enterprise_inputs(&rows, &industries()).unwrap();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            (errors[0].row, errors[0].code.as_str()),
            (2, "invalid_value")
        );
        assert_eq!(
            (errors[1].row, errors[1].code.as_str()),
            (3, "unknown_industry")
        );
    }

    #[test]
    fn an_old_ledger_reads_with_its_own_words() {
        let csv = "序号,隐患内容,部位,隐患级别,隐患类别,来源,排查日期\n\
                   1,灭火器过期,大厅,一般,物理性危险和有害因素,自查,2026年11月2日\n\
                   2,安全出口锁闭,后门,重大隐患,43,四不两直,2026/11/03\n\
                   3,乱拉电线,仓库,较大,21,自查,2026-11-04\n";
        let rows = read_rows(csv.as_bytes()).unwrap();
        let (inputs, errors) = hazard_inputs(&rows).unwrap();
        assert_eq!(inputs[0].category, "21");
        assert_eq!(inputs[0].found_at, "2026-11-02");
        assert_eq!(
            (inputs[1].level.as_str(), inputs[1].source.as_str()),
            ("major", "unannounced_visit")
        );
        assert_eq!(inputs[1].found_at, "2026-11-03");
        assert_eq!(
            (errors.len(), errors[0].row, errors[0].code.as_str()),
            (1, 4, "invalid_value")
        );
    }

    #[test]
    fn missing_required_column_is_named() {
        let rows = read_rows("企业名称\n甲\n".as_bytes()).unwrap();
        assert_eq!(
            enterprise_inputs(&rows, &industries()).unwrap_err(),
            SheetError::MissingColumn("credit_code")
        );
    }

    #[test]
    fn junk_and_zip_bombs_are_refused() {
        assert_eq!(
            read_rows(b"PK\x03\x04garbage").unwrap_err(),
            SheetError::NotASheet
        );
        assert_eq!(
            read_rows(&[0xff, 0xfe, 0x00]).unwrap_err(),
            SheetError::NotASheet
        );
        // A zip whose one entry inflates past the cap.
        let mut buf = Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            zip.start_file("xl/sharedStrings.xml", options).unwrap();
            let chunk = vec![b'a'; 1024 * 1024];
            for _ in 0..(MAX_ENTRY_BYTES / (1024 * 1024) + 1) {
                std::io::Write::write_all(&mut zip, &chunk).unwrap();
            }
            zip.finish().unwrap();
        }
        assert_eq!(read_rows(buf.get_ref()).unwrap_err(), SheetError::Unsafe);
    }

    #[test]
    fn export_reads_back_through_import() {
        let e = Enterprise {
            id: 1,
            name: "东都好酒店".into(),
            credit_code: "91350100M000100Y43".into(),
            jurisdiction_code: "450202002000".into(),
            jurisdiction_name: "公园街道".into(),
            industry_code: "61".into(),
            industry_name: "住宿业".into(),
            enterprise_type: String::new(),
            address: String::new(),
            risk_grade: Some("orange".into()),
            status: "operating".into(),
            key_hazardous_chemicals: 0,
            crowded_place: 1,
            high_risk: 0,
            principal_name: String::new(),
            principal_phone: String::new(),
            safety_manager_name: String::new(),
            safety_manager_phone: String::new(),
            employees: Some(12),
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let bytes = enterprises_workbook(Lang::Zh, &[e]).unwrap();
        let rows = read_rows(&bytes).unwrap();
        let (inputs, errors) = enterprise_inputs(&rows, &industries()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let _ = inputs[0].validate().unwrap();
        assert_eq!(inputs[0].risk_grade.as_deref(), Some("orange"));
        assert_eq!(inputs[0].employees, Some(12));
        assert!(inputs[0].crowded_place);
    }
}
