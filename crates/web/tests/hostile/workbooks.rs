//! Hostile workbooks, each built here in code and read under the 2 s / 256 MB limits.

use crate::books::{Book, text_cell, zip_parts};
use crate::measure::{serial, within_limits};
use hazardnet_web::sheets::{
    MAX_CELLS, MAX_COLUMNS, MAX_ENTRIES, MAX_GRID_CELLS, MAX_SHARED_STRINGS, MAX_STYLES,
    MAX_XML_TAGS, SheetError, read_rows,
};
use std::fmt::Write;
use zip::CompressionMethod;

/// Reads `bytes` within the limits and returns what came out.
fn read(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    within_limits(name, || read_rows(bytes))
}

fn refused(name: &str, bytes: &[u8], expected: SheetError) {
    assert_eq!(read(name, bytes), Err(expected), "{name}");
}

#[test]
fn the_first_and_last_cells_of_excels_grid_are_refused_at_once() {
    let _serial = serial();
    // The issue's 5 KB file: 549,755,813,888 bytes asked of the allocator before.
    let corners = Book::with_rows(&format!(
        "<row r=\"1\">{}</row><row r=\"1048576\">{}</row>",
        text_cell("A1", "a"),
        text_cell("XFD1048576", "z")
    ))
    .zip();
    refused("A1 + XFD1048576", &corners, SheetError::TooManyColumns);
    let column_a = Book::with_rows(&format!(
        "<row r=\"1\">{}</row><row r=\"1048576\">{}</row>",
        text_cell("A1", "a"),
        text_cell("A1048576", "z")
    ))
    .zip();
    refused("A1 + A1048576", &column_a, SheetError::TooManyRows);
    // 5.9 s and 1.98 GB before.
    let xfd2000 = Book::with_rows(&format!(
        "<row r=\"1\">{}</row><row r=\"2000\">{}</row>",
        text_cell("A1", "a"),
        text_cell("XFD2000", "z")
    ))
    .zip();
    refused("A1 + XFD2000", &xfd2000, SheetError::TooManyColumns);
    // The last column allowed is read.
    let last = Book::with_rows(&format!(
        "<row r=\"1\">{}{}</row>",
        text_cell("A1", "a"),
        text_cell("IV1", "z")
    ))
    .zip();
    let rows = read("A1 + IV1", &last).unwrap();
    assert_eq!(rows[0].len(), MAX_COLUMNS);
    assert_eq!((rows[0][0].as_str(), rows[0][255].as_str()), ("a", "z"));
}

#[test]
fn a_declared_dimension_is_not_believed() {
    let _serial = serial();
    let book = Book::with_sheet(format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData><row r="1">{}</row><row r="2">{}</row></sheetData></worksheet>"#,
        text_cell("A1", "a"),
        text_cell("B2", "b")
    ))
    .zip();
    assert_eq!(
        read("dimension A1:XFD1048576", &book).unwrap(),
        [["a", ""], ["", "b"]]
    );
}

/// A sheet of `cells` cells, each showing shared string 0.
fn shared_string_book(string: &str, cells: usize) -> Vec<u8> {
    let mut rows = String::new();
    for r in 0..cells.div_ceil(10) {
        write!(rows, "<row r=\"{}\">", r + 1).unwrap();
        for c in 0..10.min(cells - r * 10) {
            write!(
                rows,
                "<c r=\"{}{}\" t=\"s\"><v>0</v></c>",
                (b'A' + c as u8) as char,
                r + 1
            )
            .unwrap();
        }
        rows.push_str("</row>");
    }
    Book::with_rows(&rows)
        .shared_strings(&format!("<si><t>{string}</t></si>"))
        .zip()
}

#[test]
fn a_large_shared_string_is_not_copied_into_every_cell() {
    let _serial = serial();
    // 1.14 GB before; a string longer than Excel allows in a cell is refused as it is read.
    let one_mb = shared_string_book(&"x".repeat(1_000_000), 500);
    refused("1 MB string × 500 cells", &one_mb, SheetError::TooMuchData);
    // Aborted the process before.
    let four_mb = shared_string_book(&"x".repeat(4_000_000), 5_000);
    refused(
        "4 MB string × 5,000 cells",
        &four_mb,
        SheetError::TooMuchData,
    );
    // Allowed strings still count once per cell that shows them: 200 KB × 500 = 100 MB.
    let counted = shared_string_book(&"x".repeat(200_000), 500);
    refused(
        "200 KB string × 500 cells",
        &counted,
        SheetError::TooMuchData,
    );
    // And a few copies of a long string are read.
    let harmless = shared_string_book(&"x".repeat(200_000), 20);
    let rows = read("200 KB string × 20 cells", &harmless).unwrap();
    assert_eq!((rows.len(), rows[1][9].len()), (2, 200_000));
}

#[test]
fn shared_strings_are_limited_in_count_and_bytes() {
    let _serial = serial();
    let many = Book::with_rows(&text_cell("A1", "a"))
        .shared_strings(&"<si><t>a</t></si>".repeat(MAX_SHARED_STRINGS + 1))
        .zip();
    refused("500,001 shared strings", &many, SheetError::TooMuchData);
    let empty_items = Book::with_rows(&text_cell("A1", "a"))
        .shared_strings(&"<si/>".repeat(MAX_SHARED_STRINGS + 1))
        .zip();
    refused(
        "500,001 empty shared strings",
        &empty_items,
        SheetError::TooMuchData,
    );
    let item = format!("<si><t>{}</t></si>", "y".repeat(200_000));
    let bytes = Book::with_rows(&text_cell("A1", "a"))
        .shared_strings(&item.repeat(100))
        .zip();
    refused(
        "100 × 200 KB shared strings",
        &bytes,
        SheetError::TooMuchData,
    );
}

#[test]
fn shared_string_indices_outside_the_table_are_refused_not_panicked_on() {
    let _serial = serial();
    for index in [
        "1",
        "-1",
        "18446744073709551616",
        "99999999999999999999999",
        "x",
        "",
        "1e3",
    ] {
        let book = Book::with_rows(&format!(
            r#"<row r="1"><c r="A1" t="s"><v>{index}</v></c></row>"#
        ))
        .shared_strings("<si><t>only</t></si>")
        .zip();
        refused(
            &format!("shared string index {index:?}"),
            &book,
            SheetError::NotASheet,
        );
    }
    let without_table = Book::with_rows(r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#).zip();
    refused(
        "shared string without a table",
        &without_table,
        SheetError::NotASheet,
    );
}

#[test]
fn bad_cell_and_row_references_are_refused() {
    let _serial = serial();
    for r in [
        "A-1",
        "A0",
        "A99999999999",
        "A1048577",
        "XFE1",
        "AAAA1",
        "1A",
        "",
        "A",
        "$A$1",
        "A1:B2",
    ] {
        let book = Book::with_rows(&format!(r#"<row>{}</row>"#, text_cell(r, "x"))).zip();
        refused(
            &format!("cell reference {r:?}"),
            &book,
            SheetError::NotASheet,
        );
    }
    for r in ["0", "-1", "1048577", "99999999999", "x", ""] {
        let book =
            Book::with_rows(&format!(r#"<row r="{r}">{}</row>"#, text_cell("A1", "x"))).zip();
        refused(
            &format!("row reference {r:?}"),
            &book,
            SheetError::NotASheet,
        );
    }
    // Cells without references past the last column of Excel's grid.
    let wide = Book::with_rows(&format!("<row>{}</row>", "<c/>".repeat(16_385))).zip();
    refused("16,385 cells in a row", &wide, SheetError::NotASheet);
    for t in ["x", "S", "inlinestr", ""] {
        let book = Book::with_rows(&format!(r#"<row><c r="A1" t="{t}"><v>1</v></c></row>"#)).zip();
        refused(&format!("cell type {t:?}"), &book, SheetError::NotASheet);
    }
}

#[test]
fn millions_of_empty_cells_are_refused_by_count() {
    let _serial = serial();
    let row = format!("<row>{}</row>", "<c/>".repeat(1_000));
    let book = Book::with_rows(&row.repeat(MAX_CELLS / 1_000 + 1)).zip();
    refused(
        &format!("{} empty cells", MAX_CELLS + 1_000),
        &book,
        SheetError::TooMuchData,
    );
    // Past the tag count, a part is refused before it is parsed at all.
    let flood = Book::with_rows(&row.repeat(MAX_XML_TAGS / 1_000 + 1)).zip();
    refused(
        &format!("{} empty cells", MAX_XML_TAGS + 1_000),
        &flood,
        SheetError::TooMuchData,
    );
    let unread = Book::with_rows(&text_cell("A1", "a"))
        .part(
            "docProps/app.xml",
            format!("<p>{}</p>", "<x/>".repeat(MAX_XML_TAGS)),
        )
        .zip();
    refused(
        &format!("{} tags in a part nothing reads", MAX_XML_TAGS + 2),
        &unread,
        SheetError::TooMuchData,
    );
}

#[test]
fn far_right_cells_cannot_widen_every_row() {
    let _serial = serial();
    // Each row two cells, A and IV: 100,000 rows would be 25.6 million cells wide.
    let mut rows = String::new();
    for r in 1..=100_000 {
        write!(
            rows,
            "<row r=\"{r}\">{}{}</row>",
            text_cell(&format!("A{r}"), "a"),
            text_cell(&format!("IV{r}"), "z")
        )
        .unwrap();
    }
    refused(
        "100,000 rows with a cell in IV",
        &Book::with_rows(&rows).zip(),
        SheetError::TooMuchData,
    );
    // One far-right cell at the top widens the short rows below it just the same.
    let mut rows = format!("<row r=\"1\">{}</row>", text_cell("IV1", "z"));
    for r in 2..=100_000 {
        write!(
            rows,
            "<row r=\"{r}\">{}</row>",
            text_cell(&format!("A{r}"), "a")
        )
        .unwrap();
    }
    refused(
        "one cell in IV over 100,000 rows",
        &Book::with_rows(&rows).zip(),
        SheetError::TooMuchData,
    );
    const { assert!(100_000 * MAX_COLUMNS > MAX_GRID_CELLS) };
}

#[test]
fn deep_nesting_is_refused_in_any_part() {
    let _serial = serial();
    let depth = 1_000_000;
    let nested = format!("{}{}", "<x>".repeat(depth), "</x>".repeat(depth));
    let in_sheet = Book::with_sheet(format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{nested}<sheetData/></worksheet>"#
    ))
    .zip();
    refused(
        "nesting 1,000,000 deep in the sheet",
        &in_sheet,
        SheetError::Unsafe,
    );
    let in_cell = Book::with_rows(&format!(r#"<row><c r="A1">{nested}</c></row>"#)).zip();
    refused(
        "nesting 1,000,000 deep in a cell",
        &in_cell,
        SheetError::Unsafe,
    );
    let unread = Book::with_rows(&text_cell("A1", "a"))
        .part("docProps/app.xml", nested)
        .zip();
    refused(
        "nesting in a part the reader never opens",
        &unread,
        SheetError::Unsafe,
    );
}

#[test]
fn a_dtd_is_refused_wherever_it_stands() {
    let _serial = serial();
    let sheet = |prolog: &str| {
        format!(
            r#"<?xml version="1.0"?>{prolog}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c r="A1" t="inlineStr"><is><t>a</t></is></c></row></sheetData></worksheet>"#
        )
    };
    let cases = [
        ("DOCTYPE first", "<!DOCTYPE worksheet>".to_string()),
        (
            "DOCTYPE after a comment",
            "<!-- made by hand --><!DOCTYPE worksheet [<!ENTITY a \"b\">]>".to_string(),
        ),
        (
            "DOCTYPE after a long comment",
            format!("<!--{}--><!DOCTYPE worksheet>", "c".repeat(10_000)),
        ),
        (
            "DOCTYPE after a processing instruction",
            "<?mso-application progid=\"Excel.Sheet\"?><!DOCTYPE worksheet>".to_string(),
        ),
        ("lower-case doctype", "<!doctype worksheet>".to_string()),
        (
            "external entity",
            r#"<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>"#.to_string(),
        ),
    ];
    for (name, prolog) in cases {
        refused(
            name,
            &Book::with_sheet(sheet(&prolog)).zip(),
            SheetError::Unsafe,
        );
    }
    // In the relationships, or in a part nothing reads.
    let rels = Book::with_sheet(sheet(""))
        .part(
            "xl/_rels/workbook.xml.rels",
            "<!-- x --><!DOCTYPE r><Relationships/>",
        )
        .zip();
    refused("DOCTYPE in the relationships", &rels, SheetError::Unsafe);
    let unread = Book::with_sheet(sheet(""))
        .part(
            "docProps/custom.xml",
            "<?xml version=\"1.0\"?><!-- x --><!DOCTYPE p><p/>",
        )
        .zip();
    refused("DOCTYPE in an unread part", &unread, SheetError::Unsafe);
    // After the root element is no better.
    let late = Book::with_sheet(format!("{}<!DOCTYPE late>", sheet(""))).zip();
    refused("DOCTYPE after the root", &late, SheetError::Unsafe);
}

#[test]
fn entities_are_never_expanded() {
    let _serial = serial();
    let mut dtd = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for i in 1..=9 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        write!(
            dtd,
            "<!ENTITY lol{i} \"{}\">",
            format!("&{prev};").repeat(10)
        )
        .unwrap();
    }
    dtd.push_str("]>");
    let laughs = Book::with_sheet(format!(
        r#"<?xml version="1.0"?>{dtd}<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"#
    ))
    .zip();
    refused("billion laughs", &laughs, SheetError::Unsafe);
    // Without a DTD an undeclared entity is malformed, never looked up.
    let undeclared = Book::with_rows(&text_cell("A1", "&lol9;")).zip();
    refused("undeclared entity", &undeclared, SheetError::NotASheet);
    // The predefined entities and character references are text.
    let fine = Book::with_rows(&text_cell("A1", "a&amp;b&lt;&#x4E2D;&#22269;")).zip();
    assert_eq!(read("predefined entities", &fine).unwrap(), [["a&b<中国"]]);
}

#[test]
fn missing_parts_are_refused_or_read_as_calamine_read_them() {
    let _serial = serial();
    let base = || Book::with_rows(&text_cell("A1", "a"));
    refused(
        "no workbook",
        &base().without("xl/workbook.xml").zip(),
        SheetError::Empty,
    );
    refused(
        "no workbook relationships",
        &base().without("xl/_rels/workbook.xml.rels").zip(),
        SheetError::NotASheet,
    );
    refused(
        "no sheet",
        &base().without("xl/worksheets/sheet1.xml").zip(),
        SheetError::NotASheet,
    );
    let no_sheets = base().part(
        "xl/workbook.xml",
        r#"<workbook xmlns:r="r"><sheets/></workbook>"#,
    );
    refused(
        "a workbook without sheets",
        &no_sheets.zip(),
        SheetError::Empty,
    );
    let elsewhere = base().part(
        "xl/_rels/workbook.xml.rels",
        r#"<Relationships><Relationship Id="rId1" Target="../../etc/passwd"/></Relationships>"#,
    );
    refused(
        "a sheet outside xl/",
        &elsewhere.zip(),
        SheetError::NotASheet,
    );
    let no_sheet_data = base().part("xl/worksheets/sheet1.xml", "<chartsheet/>");
    refused("a chart sheet", &no_sheet_data.zip(), SheetError::Empty);
    // Without styles every number reads as a number.
    let numbers = Book::with_rows(r#"<row><c r="A1" s="1"><v>46346</v></c></row>"#);
    assert_eq!(
        read("dated cell", &numbers.clone().zip()).unwrap(),
        [["2026-11-20"]]
    );
    assert_eq!(
        read("no styles", &numbers.without("xl/styles.xml").zip()).unwrap(),
        [["46346"]]
    );
    refused(
        "empty archive",
        &zip_parts([], CompressionMethod::Stored),
        SheetError::NotASheet,
    );
}

/// An archive of one entry holding `size` zero bytes.
fn zeros(name: &str, size: usize) -> Vec<u8> {
    let zeros = vec![0u8; size];
    zip_parts([(name, zeros.as_slice())], CompressionMethod::Deflated)
}

#[test]
fn zip_bombs_are_refused_while_inflating() {
    let _serial = serial();
    let bomb = zeros("xl/worksheets/sheet1.xml", 200 << 20);
    assert!(bomb.len() < 1 << 20, "{}", bomb.len());
    refused("200 MB in one entry", &bomb, SheetError::Unsafe);
    // Each entry under the cap, together over it.
    let chunk = vec![b' '; 60 << 20];
    let parts: Vec<(String, &[u8])> = (0..3)
        .map(|i| (format!("xl/media/{i}.bin"), chunk.as_slice()))
        .collect();
    let spread = zip_parts(
        parts.iter().map(|(n, b)| (n.as_str(), *b)),
        CompressionMethod::Deflated,
    );
    drop(chunk);
    refused("3 × 60 MB", &spread, SheetError::Unsafe);
    // Sizes declared small that inflate large: the check counts what comes out.
    let mut lying = {
        let zeros = vec![0u8; 200 << 20];
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        zip.start_file(
            "xl/worksheets/sheet1.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut zip, &zeros).unwrap();
        zip.finish().unwrap();
        out.into_inner()
    };
    patch_sizes(&mut lying, 100);
    // The zip reader stops an entry at its declared size, so the lie shows as a damaged entry.
    refused(
        "declared 100 bytes, inflates to 200 MB",
        &lying,
        SheetError::NotASheet,
    );
}

/// Rewrites the uncompressed size in every local and central header of a (non-zip64) archive.
fn patch_sizes(zip: &mut [u8], size: u32) {
    let mut i = 0;
    let mut patched = 0;
    while i + 4 <= zip.len() {
        let at = match &zip[i..i + 4] {
            b"PK\x03\x04" => Some(i + 22),
            b"PK\x01\x02" => Some(i + 24),
            _ => None,
        };
        if let Some(at) = at {
            zip[at..at + 4].copy_from_slice(&size.to_le_bytes());
            patched += 1;
        }
        i += 1;
    }
    assert_eq!(patched, 2);
}

#[test]
fn too_many_entries_are_refused() {
    let _serial = serial();
    let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("x/{i}")).collect();
    let few = zip_parts(
        names.iter().map(|n| (n.as_str(), &b""[..])),
        CompressionMethod::Stored,
    );
    refused("501 entries", &few, SheetError::Unsafe);
    // As many as fit in an upload.
    let names: Vec<String> = (0..80_000).map(|i| format!("{i:x}")).collect();
    let many = zip_parts(
        names.iter().map(|n| (n.as_str(), &b""[..])),
        CompressionMethod::Stored,
    );
    assert!(
        many.len() < hazardnet_web::sheets::MAX_UPLOAD_BYTES,
        "{}",
        many.len()
    );
    refused("80,000 entries", &many, SheetError::Unsafe);
}

#[test]
fn a_sheet_not_named_xml_is_held_to_the_same_rules() {
    let _serial = serial();
    let rels = r#"<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.bin"/></Relationships>"#;
    let named = |sheet: String| {
        Book::with_rows("")
            .without("xl/worksheets/sheet1.xml")
            .part("xl/_rels/workbook.xml.rels", rels)
            .part("xl/worksheets/sheet1.bin", sheet)
            .zip()
    };
    let fine = named(format!(
        "<worksheet><sheetData><row>{}</row></sheetData></worksheet>",
        text_cell("A1", "a")
    ));
    assert_eq!(read("a sheet in a .bin part", &fine).unwrap(), [["a"]]);
    let late_dtd = named("<worksheet><sheetData/></worksheet><!DOCTYPE x>".to_string());
    refused(
        "a DTD after the root of a .bin sheet",
        &late_dtd,
        SheetError::Unsafe,
    );
    let flood = named(format!(
        "<worksheet><sheetData/><x>{}</x></worksheet>",
        "<y/>".repeat(MAX_XML_TAGS)
    ));
    refused(
        "too many tags in a .bin sheet",
        &flood,
        SheetError::TooMuchData,
    );
}

#[test]
fn paths_that_leave_the_archive_are_refused() {
    let _serial = serial();
    for name in [
        "../evil.xml",
        "xl/../../evil.xml",
        "/etc/evil.xml",
        "xl\\..\\evil.xml",
        "..\\evil.xml",
    ] {
        let book = Book::with_rows(&text_cell("A1", "a"))
            .part(name, "<x/>")
            .zip();
        refused(name, &book, SheetError::Unsafe);
    }
}

#[test]
fn junk_and_broken_archives_are_refused() {
    let _serial = serial();
    let good = Book::with_rows(&text_cell("A1", "a")).zip();
    for cut in [10, good.len() / 2, good.len() - 10] {
        refused(
            &format!("archive cut at {cut}"),
            &good[..cut],
            SheetError::NotASheet,
        );
    }
    let mut junk = b"PK\x03\x04".to_vec();
    junk.extend((0..10_000_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8));
    refused("10 MB of noise", &junk, SheetError::NotASheet);
    // Ten megabytes of end-of-directory signatures to try one by one.
    let mut ends = b"PK\x03\x04".to_vec();
    while ends.len() < 10_000_000 {
        ends.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\0\x01\0\0\0\0\0\0\0\0\0\0\0");
    }
    refused("10 MB of end records", &ends, SheetError::NotASheet);
    let malformed =
        Book::with_rows("<row><c r=\"A1\" t=\"inlineStr\"><is><t>a</is></c></row>").zip();
    refused("mismatched tags", &malformed, SheetError::NotASheet);
    let not_utf8 = Book::with_sheet(b"<worksheet><sheetData><row><c r=\"A1\" t=\"str\"><v>\xff\xfe</v></c></row></sheetData></worksheet>".to_vec()).zip();
    refused("text that is not UTF-8", &not_utf8, SheetError::NotASheet);
}

#[test]
fn styles_are_limited() {
    let _serial = serial();
    let xfs = format!(
        "<styleSheet><cellXfs>{}</cellXfs></styleSheet>",
        "<xf numFmtId=\"14\"/>".repeat(MAX_STYLES + 1)
    );
    let book = Book::with_rows(&text_cell("A1", "a"))
        .part("xl/styles.xml", xfs)
        .zip();
    refused("65,537 cell styles", &book, SheetError::Unsafe);
    let formats: String = (0..=MAX_STYLES)
        .map(|i| format!("<numFmt numFmtId=\"{}\" formatCode=\"yyyy\"/>", 164 + i))
        .collect();
    let book = Book::with_rows(&text_cell("A1", "a"))
        .part(
            "xl/styles.xml",
            format!("<styleSheet><numFmts>{formats}</numFmts></styleSheet>"),
        )
        .zip();
    refused("65,537 number formats", &book, SheetError::Unsafe);
    // As many formats and styles as allowed, every style looking its format up.
    let formats: String = (0..MAX_STYLES)
        .map(|i| format!("<numFmt numFmtId=\"{}\" formatCode=\"yyyy\"/>", 164 + i))
        .collect();
    let xfs: String = (0..MAX_STYLES)
        .map(|i| format!("<xf numFmtId=\"{}\"/>", 164 + i))
        .collect();
    let book = Book::with_rows(r#"<row><c r="A1" s="65535"><v>46346</v></c></row>"#)
        .part(
            "xl/styles.xml",
            format!(
                "<styleSheet><numFmts>{formats}</numFmts><cellXfs>{xfs}</cellXfs></styleSheet>"
            ),
        )
        .zip();
    assert_eq!(
        read("65,536 formats and styles", &book).unwrap(),
        [["2026-11-20"]]
    );
}

#[test]
fn large_tags_and_long_texts_cost_linear_time() {
    let _serial = serial();
    // Duplicate-attribute checks would be quadratic in the attribute count; they are off.
    let attributes: String = (0..100_000).map(|i| format!(" a{i}=\"1\"")).collect();
    let big = Book::with_rows(&format!(r#"<row><c r="A1"{attributes}><v>1</v></c></row>"#)).zip();
    assert_eq!(read("a tag of 100,000 attributes", &big).unwrap(), [["1"]]);
    let references = Book::with_rows(&format!(
        r#"<row><c r="A1" t="str"><v>{}</v></c></row>"#,
        "&#x41;".repeat(200_000)
    ))
    .zip();
    assert_eq!(
        read("200,000 character references", &references).unwrap()[0][0].len(),
        200_000
    );
    let too_many = Book::with_rows(&format!(
        r#"<row><c r="A1" t="str"><v>{}</v></c></row>"#,
        "&#x41;".repeat(300_000)
    ))
    .zip();
    refused(
        "300,000 character references",
        &too_many,
        SheetError::TooMuchData,
    );
    // The most tags a part may have, all in an element the reader skips.
    let skipped = Book::with_sheet(format!(
        "<worksheet><sheetData><row>{}</row></sheetData><extLst>{}</extLst></worksheet>",
        text_cell("A1", "a"),
        "<x/>".repeat(MAX_XML_TAGS - 20)
    ))
    .zip();
    assert_eq!(
        read(&format!("{} tags to skip", MAX_XML_TAGS - 20), &skipped).unwrap(),
        [["a"]]
    );
    let rows = Book::with_rows(&format!(
        "{}{}",
        "<row/>".repeat(MAX_XML_TAGS - 20),
        "<row><c t=\"str\"><v>z</v></c></row>"
    ))
    .zip();
    refused(
        &format!("{} empty rows, then a cell", MAX_XML_TAGS - 20),
        &rows,
        SheetError::NotASheet,
    );
    let elements = Book::with_rows(&format!(
        "<row>{}</row>",
        "<x>y</x>".repeat(MAX_XML_TAGS / 2 - 20)
    ))
    .zip();
    refused(
        &format!("{} unknown elements in a row", MAX_XML_TAGS / 2 - 20),
        &elements,
        SheetError::Empty,
    );
}

#[test]
fn a_large_ordinary_sheet_is_read_in_time() {
    let _serial = serial();
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for r in 0..10_000u32 {
        for c in 0..15u16 {
            if c % 3 == 0 {
                sheet
                    .write_number(r, c, f64::from(r) + f64::from(c) / 4.0)
                    .unwrap();
            } else {
                sheet
                    .write_string(r, c, format!("企业{}", (r * 7 + u32::from(c)) % 5_000))
                    .unwrap();
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    drop(book);
    let rows = read("10,000 rows × 15 columns", &bytes).unwrap();
    assert_eq!((rows.len(), rows[9_999].len()), (10_000, 15));
    assert_eq!(
        (rows[9_999][0].as_str(), rows[9_999][1].as_str()),
        ("9999", "企业4994")
    );
    assert_eq!(rows[1][3], "1.75");
}

/// Every memory limit reached at once: a 60 MB sheet part, 15 MB of shared strings, 31 MB of
/// text copied out of them and a grid of nearly a million cells.
#[test]
fn all_limits_at_once_stay_within_memory() {
    let _serial = serial();
    let long = "长".repeat(80_000);
    let items = format!("<si><t>{long}</t></si>").repeat(60) + "<si><t>a</t></si>";
    let mut rows = String::new();
    for r in 1..=3_900u32 {
        // The first 120 rows show a 240 KB string; every row is 256 columns wide.
        let index = if r <= 120 { r % 60 } else { 60 };
        write!(
            rows,
            r#"<row r="{r}"><c r="A{r}" t="s"><v>{index}</v></c><c r="IV{r}" t="s"><v>60</v></c></row>"#
        )
        .unwrap();
    }
    let padding = "x".repeat(60 << 20);
    let sheet = format!(
        r#"<worksheet><sheetData>{rows}</sheetData><extLst><ext>{padding}</ext></extLst></worksheet>"#
    );
    drop(padding);
    let bytes = Book::with_sheet(sheet).shared_strings(&items).zip();
    let rows = read("every limit at once", &bytes).unwrap();
    assert_eq!((rows.len(), rows[0].len()), (3_900, MAX_COLUMNS));
    assert_eq!(
        (rows[0][0].len(), rows[3_899][255].as_str()),
        (240_000, "a")
    );
}
