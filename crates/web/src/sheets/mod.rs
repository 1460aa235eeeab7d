//! Spreadsheets in and out. Uploaded workbooks are hostile until proven otherwise
//! (DESIGN.md, "Hostile files"): the zip container is checked (entry count, declared and actual
//! inflated sizes, paths, DTDs by parsing every XML part), then the first sheet is read as a
//! stream (`xlsx`) with every count and size a file could inflate held to the limits below,
//! so no upload can make the server allocate more than a bounded amount or panic.

mod enterprises;
mod hazards;
mod xlsx;

pub use enterprises::{enterprise_inputs, enterprises_workbook};
pub use hazards::{LedgerSheet, hazard_inputs};

use hazardnet_store::RowError;

pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
/// Entries in an xlsx container (a workbook has a dozen or two).
pub const MAX_ENTRIES: usize = 500;
/// Inflated bytes of one entry, and of all entries together. One inflated part is held in
/// memory at a time while it is read.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
pub const MAX_TOTAL_BYTES: u64 = 128 * 1024 * 1024;
/// Tags in one XML part, counted before it is parsed: bounds the time any part can take. A
/// cell with a value takes four (`<c><v></v></c>`), so a dense sheet holds about 700,000.
pub const MAX_XML_TAGS: usize = 3_000_000;
/// Nesting depth of XML elements (a sheet needs five or six).
pub const MAX_XML_DEPTH: usize = 64;
/// Rows from the first to the last non-empty one, the header not counted.
pub const MAX_ROWS: usize = 100_000;
/// Columns: a non-empty cell right of column IV is refused (import sheets have about 20).
pub const MAX_COLUMNS: usize = 256;
/// `<c>` elements read in a sheet, empty ones included.
pub const MAX_CELLS: usize = 1_500_000;
/// Cells materialised in the rows handed back, each row padded to the common width as the
/// importers have always received them (so one far-right cell widens every row).
pub const MAX_GRID_CELLS: usize = 1_000_000;
/// Bytes of cell text handed back, a shared string counted once per cell that shows it.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Bytes of one cell's or shared string's text (Excel itself stops at 32,767 characters).
pub const MAX_CELL_BYTES: usize = 256 * 1024;
/// Shared strings: how many, and their bytes together.
pub const MAX_SHARED_STRINGS: usize = 500_000;
pub const MAX_SHARED_BYTES: usize = 16 * 1024 * 1024;
/// Cell styles and custom number formats (Excel allows 64,000 styles).
pub const MAX_STYLES: usize = 65_536;

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
    #[error("too many columns")]
    TooManyColumns,
    #[error("too much data")]
    TooMuchData,
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
            SheetError::TooManyColumns => "sheet_too_many_columns",
            SheetError::TooMuchData => "sheet_too_much_data",
            SheetError::MissingColumn(_) => "sheet_missing_column",
        }
    }
}

/// The rows of the first sheet of an xlsx, or of a UTF-8 CSV, as trimmed text; rows without
/// text are left out.
pub fn read_rows(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(SheetError::TooLarge);
    }
    let rows = if bytes.starts_with(b"PK\x03\x04") {
        let rows = xlsx::read_xlsx(bytes)?;
        rows.into_iter()
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect()
    } else {
        read_csv(bytes)?
    };
    if rows.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(rows)
}

/// A UTF-8 CSV (comma-separated, double quotes, any line ending) as trimmed fields, rows
/// without text left out. Read with `csv_core` into fixed field-end slots, so a record of
/// millions of fields is refused before anything is allocated for it.
fn read_csv(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    use csv_core::ReadRecordResult;
    let text = std::str::from_utf8(bytes).map_err(|_| SheetError::NotASheet)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(SheetError::NotASheet);
    }
    let mut reader = csv_core::Reader::new();
    let mut input = text.as_bytes();
    let mut fields = vec![0u8; 4096];
    let mut ends = [0usize; MAX_COLUMNS];
    let (mut field_len, mut ends_len) = (0, 0);
    let mut records = 0usize;
    let mut cells = 0usize;
    let mut rows = Vec::new();
    loop {
        let (result, read, written, ended) =
            reader.read_record(input, &mut fields[field_len..], &mut ends[ends_len..]);
        input = &input[read..];
        field_len += written;
        ends_len += ended;
        match result {
            // An empty input tells the reader the text has ended.
            ReadRecordResult::InputEmpty => {}
            // Bounded by the upload: one record's fields cannot outgrow the text.
            ReadRecordResult::OutputFull => fields.resize(fields.len() * 2, 0),
            ReadRecordResult::OutputEndsFull => return Err(SheetError::TooManyColumns),
            ReadRecordResult::Record => {
                records += 1;
                if records > MAX_ROWS + 1 {
                    return Err(SheetError::TooManyRows);
                }
                cells += ends_len;
                if cells > MAX_GRID_CELLS {
                    return Err(SheetError::TooMuchData);
                }
                let mut row = Vec::with_capacity(ends_len);
                let mut start = 0;
                for &end in &ends[..ends_len] {
                    let field = fields.get(start..end).ok_or(SheetError::NotASheet)?;
                    let field = std::str::from_utf8(field).map_err(|_| SheetError::NotASheet)?;
                    row.push(field.trim().to_string());
                    start = end;
                }
                if row.iter().any(|c| !c.is_empty()) {
                    rows.push(row);
                }
                (field_len, ends_len) = (0, 0);
            }
            ReadRecordResult::End => return Ok(rows),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use hazardnet_store::Enterprise;
    use std::collections::HashMap;
    use std::io::Cursor;

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
