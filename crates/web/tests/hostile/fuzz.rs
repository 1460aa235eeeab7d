//! Property-based fuzzing of every parser a user's text or file reaches: the sheet reader on
//! arbitrary bytes, on random but well-formed workbooks (compared cell for cell with calamine,
//! the reader it replaced) and on random CSVs (compared with the csv crate), the assignment
//! notice reader and the search tokenizer. None may panic, and every case stays within the
//! 2 s / 256 MB limits.
//!
//! Each property runs `HAZARDNET_FUZZ_CASES` cases (default 48), e.g.
//! `HAZARDNET_FUZZ_CASES=20000 cargo test -p hazardnet-web --test hostile fuzz`.

use crate::books::Book;
use crate::measure::{Cost, MAX_ELAPSED, MAX_PEAK_BYTES, cost, serial, within_limits};
use calamine::{Data, Reader, Xlsx};
use hazardnet_domain::campaign::{parse_assignment_notice, parse_deadline};
use hazardnet_domain::hazard::{query_tokens, search_tokens};
use hazardnet_web::sheets::{SheetError, read_rows};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use std::io::Cursor;

fn cases() -> u32 {
    std::env::var("HAZARDNET_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

fn bounded(cost: Cost) -> Result<(), TestCaseError> {
    prop_assert!(cost.elapsed < MAX_ELAPSED, "took {:?}", cost.elapsed);
    prop_assert!(cost.peak < MAX_PEAK_BYTES, "peaked at {} bytes", cost.peak);
    Ok(())
}

/// What `read_rows` returned before the streaming reader: calamine's dense range of the first
/// sheet, cell by cell as the old `cell_text` wrote it, empty rows left out.
fn calamine_rows(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).ok()?;
    let range = workbook.worksheet_range_at(0)?.ok()?;
    let text = |cell: &Data| match cell {
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
    };
    Some(
        range
            .rows()
            .map(|r| r.iter().map(text).collect::<Vec<_>>())
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect(),
    )
}

#[test]
fn arbitrary_bytes_never_panic() {
    let _serial = serial();
    let bytes = prop_oneof![
        vec(any::<u8>(), 0..4096),
        vec(any::<u8>(), 0..4096).prop_map(|b| [b"PK\x03\x04".to_vec(), b].concat()),
    ];
    runner()
        .run(&bytes, |bytes| {
            let (_, cost) = cost(|| read_rows(&bytes));
            bounded(cost)
        })
        .unwrap();
}

/// A corrupted copy of a real workbook: bytes flipped, cut or repeated.
#[test]
fn damaged_workbooks_never_panic() {
    let _serial = serial();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for r in 0..20u32 {
        sheet.write_string(r, 0, format!("企业{r}")).unwrap();
        sheet.write_number(r, 1, f64::from(r) * 1.5).unwrap();
    }
    let original = book.save_to_buffer().unwrap();
    // Stored (uncompressed) parts too, so that damage reaches the XML instead of the inflater.
    let stored = {
        let mut archive = zip::ZipArchive::new(Cursor::new(original.clone())).unwrap();
        let parts: Vec<(String, Vec<u8>)> = (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).unwrap();
                let mut bytes = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
                (entry.name().unwrap().into_owned(), bytes)
            })
            .collect();
        crate::books::zip_parts(
            parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
            zip::CompressionMethod::Stored,
        )
    };
    let damage = (
        prop_oneof![Just(original), Just(stored)],
        vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        any::<prop::sample::Index>(),
        any::<bool>(),
    );
    runner()
        .run(&damage, |(mut bytes, flips, cut, truncate)| {
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            if truncate {
                bytes.truncate(cut.index(bytes.len()).max(4));
            }
            let (_, cost) = cost(|| read_rows(&bytes));
            bounded(cost)
        })
        .unwrap();
}

/// XML-ish sheet content from hostile fragments: good and bad references, every cell type,
/// entities, nesting, formulas, huge numbers.
fn sheet_fragment() -> impl Strategy<Value = String> {
    let reference = prop_oneof![
        (0u32..30, 1u32..40).prop_map(|(c, r)| format!("{}{r}", (b'A' + (c % 26) as u8) as char)),
        Just("XFD1048576".to_string()),
        Just("A0".to_string()),
        Just("ZZZZ9".to_string()),
        Just("IV3".to_string()),
        "[A-Za-z0-9$:-]{0,12}",
    ];
    let value = prop_oneof![
        Just("0".to_string()),
        Just("1".to_string()),
        Just("-1".to_string()),
        Just("46346.25".to_string()),
        Just("1e308".to_string()),
        Just("-1e300".to_string()),
        Just("NaN".to_string()),
        Just("18446744073709551616".to_string()),
        Just("#DIV/0!".to_string()),
        Just("&amp;&#x4E2D;&#0;&bogus;".to_string()),
        Just("<![CDATA[x]]>".to_string()),
        "[ -~]{0,12}".prop_map(|s| s.replace(['<', '&'], "")),
    ];
    let cell_type = prop_oneof![
        Just(""),
        Just(" t=\"s\""),
        Just(" t=\"str\""),
        Just(" t=\"inlineStr\""),
        Just(" t=\"b\""),
        Just(" t=\"e\""),
        Just(" t=\"n\""),
        Just(" t=\"d\""),
        Just(" t=\"zz\""),
    ];
    let style = prop_oneof![
        Just(""),
        Just(" s=\"1\""),
        Just(" s=\"0\""),
        Just(" s=\"9999\""),
        Just(" s=\"x\"")
    ];
    let cell = (
        proptest::option::of(reference),
        cell_type,
        style,
        value,
        0u8..6,
    )
        .prop_map(|(r, t, s, v, shape)| {
            let r = r.map(|r| format!(" r=\"{r}\"")).unwrap_or_default();
            match shape {
                0 => format!("<c{r}{t}{s}/>"),
                1 => format!("<c{r}{t}{s}><v>{v}</v></c>"),
                2 => format!("<c{r}{t}{s}><is><t>{v}</t><rPh><t>x</t></rPh></is></c>"),
                3 => format!("<c{r}{t}{s}><f>SUM(A1)</f><v>{v}</v></c>"),
                4 => format!("<c{r}{t}{s}><is><r><t>{v}</t></r><r><t xml:space=\"preserve\"> y </t></r></is></c>"),
                _ => format!("<c{r}{t}{s}><x><y>{v}</y></x></c>"),
            }
        });
    let row = (proptest::option::of(0u32..50), vec(cell, 0..6)).prop_map(|(r, cells)| {
        let r = r.map(|r| format!(" r=\"{r}\"")).unwrap_or_default();
        format!("<row{r}>{}</row>", cells.concat())
    });
    prop_oneof![
        8 => row,
        1 => Just("<row/>".to_string()),
        1 => Just("</row>".to_string()),
        1 => Just("<!-- c -->".to_string()),
        1 => Just("<dimension ref=\"A1:XFD1048576\"/>".to_string()),
    ]
}

#[test]
fn random_sheet_xml_never_panics() {
    let _serial = serial();
    let sheet = (
        vec(sheet_fragment(), 0..12),
        vec("[ -~]{0,8}", 0..4),
        any::<bool>(),
    );
    runner()
        .run(&sheet, |(fragments, strings, date1904)| {
            let items: String = strings
                .iter()
                .map(|s| format!("<si><t>{}</t></si>", s.replace(['<', '&'], "")))
                .collect();
            let mut book = Book::with_rows(&fragments.concat()).shared_strings(&items);
            if date1904 {
                book = book.part(
                    "xl/workbook.xml",
                    r#"<workbook xmlns:r="r"><workbookPr date1904="1"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
                );
            }
            let bytes = book.zip();
            let (result, cost) = cost(|| read_rows(&bytes));
            bounded(cost)?;
            if let Ok(rows) = result {
                let width = rows.first().map_or(0, Vec::len);
                prop_assert!(!rows.is_empty());
                prop_assert!(rows.iter().all(|r| r.len() == width));
                prop_assert!(rows.iter().all(|r| r.iter().any(|c| !c.is_empty())));
            }
            Ok(())
        })
        .unwrap();
}

/// One cell of a generated workbook.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Number(f64),
    /// A serial date, shown with a custom or a built-in date format.
    Date(f64, bool),
    Bool(bool),
    /// A styled cell without a value.
    Blank,
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        "[ a-z0-9&<>\"'中国安全隐患\\n\\t]{0,10}".prop_map(Cell::Text),
        prop_oneof![
            (-1_000_000i64..1_000_000).prop_map(|i| i as f64),
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            Just(1e15),
            Just(-0.0),
        ]
        .prop_map(Cell::Number),
        (0.0f64..120_000.0, any::<bool>()).prop_map(|(d, builtin)| Cell::Date(d, builtin)),
        (1u32..80_000, any::<bool>()).prop_map(|(d, builtin)| Cell::Date(f64::from(d), builtin)),
        any::<bool>().prop_map(Cell::Bool),
        Just(Cell::Blank),
    ]
}

fn workbook(cells: &[(u32, u16, Cell)], constant_memory: bool) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut book = Workbook::new();
    let sheet = if constant_memory {
        book.add_worksheet_with_constant_memory().unwrap()
    } else {
        book.add_worksheet()
    };
    let custom = Format::new().set_num_format("yyyy\"年\"m\"月\"d\"日\" hh:mm");
    let builtin = Format::new().set_num_format_index(14);
    let blank = Format::new().set_bold();
    let mut cells = cells.to_vec();
    if constant_memory {
        // Rows must be written in order there.
        cells.sort_by_key(|(r, c, _)| (*r, *c));
    }
    for (r, c, cell) in &cells {
        match cell {
            Cell::Text(s) => sheet.write_string(*r, *c, s).map(|_| ()),
            Cell::Number(f) => sheet.write_number(*r, *c, *f).map(|_| ()),
            Cell::Date(d, true) => sheet
                .write_number_with_format(*r, *c, *d, &builtin)
                .map(|_| ()),
            Cell::Date(d, false) => sheet
                .write_number_with_format(*r, *c, *d, &custom)
                .map(|_| ()),
            Cell::Bool(b) => sheet.write_boolean(*r, *c, *b).map(|_| ()),
            Cell::Blank => sheet.write_blank(*r, *c, &blank).map(|_| ()),
        }
        .unwrap();
    }
    book.save_to_buffer().unwrap()
}

#[test]
fn workbooks_read_exactly_as_calamine_read_them() {
    let _serial = serial();
    let sheet = (vec((0u32..40, 0u16..12, cell()), 0..40), any::<bool>());
    runner()
        .run(&sheet, |(cells, constant_memory)| {
            let bytes = workbook(&cells, constant_memory);
            let (ours, cost) = cost(|| read_rows(&bytes));
            bounded(cost)?;
            match calamine_rows(&bytes) {
                Some(theirs) if theirs.is_empty() => prop_assert_eq!(ours, Err(SheetError::Empty)),
                Some(theirs) => prop_assert_eq!(ours, Ok(theirs)),
                None => prop_assert!(false, "calamine could not read {cells:?}"),
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn hand_written_sheets_read_as_calamine_read_them() {
    let _serial = serial();
    let rows = concat!(
        // Rich text, phonetic runs, whitespace kept then trimmed.
        r#"<row r="2"><c r="B2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="D2" t="inlineStr"><is><r><t>a</t></r><r><t> b </t></r></is></c></row>"#,
        // Cells without references follow the previous one; a row without r follows the last.
        r#"<row><c t="str"><v> x </v></c><c t="b"><v>1</v></c><c t="b"><v>0</v></c><c t="e"><v>#N/A</v></c></row>"#,
        // A formula's cached value; an ISO date; a number that is text; an empty number.
        r#"<row r="7"><c r="B7"><f>1+1</f><v>2</v></c><c r="C7" t="d"><v>2026-11-20T10:00:00</v></c><c r="D7"><v>abc</v></c><c r="E7" t="n"><v></v></c></row>"#,
        // Dates: built-in, with time, before the 1900 leap-year bug, far out of range.
        r#"<row r="9"><c r="B9" s="1"><v>46346</v></c><c r="C9" s="1"><v>46346.75</v></c><c r="D9" s="1"><v>59</v></c><c r="E9" s="1"><v>1e20</v></c></row>"#,
        // Rows out of order, and a row given twice.
        r#"<row r="5"><c r="C5" t="inlineStr"><is><t>five</t></is></c></row><row r="4"><c r="B4" t="inlineStr"><is><t>four</t></is></c></row>"#,
        r#"<row r="5"><c r="E5" t="inlineStr"><is><t>again</t></is></c></row>"#,
        // Blank text still widens the range, as in calamine.
        r#"<row r="12"><c r="F12" t="inlineStr"><is><t>   </t></is></c></row>"#,
    );
    let items = r#"<si><t xml:space="preserve">  padded  </t></si><si><r><t>ri</t></r><r><t>ch</t></r><rPh><t>フリガナ</t></rPh></si>"#;
    for date1904 in [false, true] {
        let mut book = Book::with_rows(rows).shared_strings(items);
        if date1904 {
            book = book.part(
                "xl/workbook.xml",
                r#"<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr date1904="true"/><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            );
        }
        let bytes = book.zip();
        let ours = within_limits("hand-written sheet", || read_rows(&bytes)).unwrap();
        assert_eq!(Some(ours), calamine_rows(&bytes), "date1904 = {date1904}");
    }
}

/// What `read_rows` returned for CSV before: the csv crate, flexible, no headers.
fn csv_crate_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|f| f.trim().to_string())
                .collect::<Vec<_>>()
        })
        .filter(|r: &Vec<String>| r.iter().any(|c| !c.is_empty()))
        .collect()
}

#[test]
fn csv_reads_exactly_as_the_csv_crate_read_it() {
    let _serial = serial();
    let text = vec(
        prop_oneof![
            Just(",".to_string()),
            Just("\n".to_string()),
            Just("\r\n".to_string()),
            Just("\r".to_string()),
            Just("\"".to_string()),
            Just("\"\"".to_string()),
            Just(" ".to_string()),
            "[a-z中文]{1,4}",
        ],
        0..60,
    )
    .prop_map(|parts| parts.concat());
    runner()
        .run(&text, |text| {
            let (ours, cost) = cost(|| read_rows(text.as_bytes()));
            bounded(cost)?;
            let theirs = csv_crate_rows(&text);
            if theirs.is_empty() {
                prop_assert_eq!(ours, Err(SheetError::Empty));
            } else {
                prop_assert_eq!(ours, Ok(theirs));
            }
            Ok(())
        })
        .unwrap();
}

/// Notice text from the pieces the reader looks for, in any order and number.
fn notice_text() -> impl Strategy<Value = String> {
    vec(
        prop_oneof![
            Just("一、".to_string()),
            Just("二、".to_string()),
            Just("十一、".to_string()),
            Just("（责任单位：".to_string()),
            Just("(牵头单位:".to_string()),
            Just("；完成时限：".to_string()),
            Just("）".to_string()),
            Just("。".to_string()),
            Just("\n".to_string()),
            Just("牵头，".to_string()),
            Just("配合".to_string()),
            Just("、".to_string()),
            Just("2021年3月底前".to_string()),
            Just("长期坚持".to_string()),
            Just("每月28日前报上月".to_string()),
            Just("枣高安发〔2021〕9号".to_string()),
            Just("〔".to_string()),
            Just("年".to_string()),
            "\\PC{0,6}",
        ],
        0..80,
    )
    .prop_map(|parts| parts.concat())
}

#[test]
fn notices_never_panic() {
    let _serial = serial();
    let text = prop_oneof![notice_text(), "\\PC{0,400}", any::<String>()];
    runner()
        .run(&(text, 1900i32..2300), |(text, year)| {
            let (draft, spent) = cost(|| parse_assignment_notice(&text, year));
            bounded(spent)?;
            for (i, task) in draft.tasks.iter().enumerate() {
                prop_assert_eq!(task.number as usize, i + 1);
            }
            let (_, spent) = cost(|| parse_deadline(&text, year));
            bounded(spent)
        })
        .unwrap();
}

#[test]
fn search_tokens_never_panic_and_a_text_finds_itself() {
    let _serial = serial();
    let text = prop_oneof![
        "\\PC{0,200}",
        any::<String>(),
        "[安全隐患消防a-zA-Z0-9 ]{0,60}"
    ];
    runner()
        .run(&text, |text| {
            let ((indexed, query), cost) = cost(|| (search_tokens(&text), query_tokens(&text)));
            bounded(cost)?;
            let indexed: std::collections::HashSet<&str> = indexed.split(' ').collect();
            for token in &query {
                prop_assert!(!token.is_empty() && !token.contains(' '), "{token:?}");
                prop_assert!(indexed.contains(token.as_str()), "{token:?} of {text:?}");
            }
            prop_assert!(query.windows(2).all(|w| w[0] < w[1]), "sorted and distinct");
            Ok(())
        })
        .unwrap();
}
