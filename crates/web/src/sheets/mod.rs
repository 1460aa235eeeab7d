//! Spreadsheets in and out. Uploaded workbooks are hostile until proven otherwise: the zip
//! container is checked (entry count, declared and actual uncompressed sizes, paths, DTDs)
//! before calamine parses it (DESIGN.md, "Hostile files").

mod enterprises;
mod hazards;

pub use enterprises::{enterprise_inputs, enterprises_workbook};
pub use hazards::{LedgerSheet, hazard_inputs};

use calamine::{Data, Reader, Xlsx};
use hazardnet_store::RowError;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use hazardnet_store::Enterprise;
    use std::collections::HashMap;

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
