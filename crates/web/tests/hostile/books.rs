//! Workbooks written part by part, so that each part can be as hostile as a case needs.

use std::io::{Cursor, Write};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

/// The parts of an xlsx, in archive order.
#[derive(Clone)]
pub struct Book {
    parts: Vec<(String, Vec<u8>)>,
}

impl Book {
    /// A workbook of one sheet whose `<sheetData>` holds `rows` (already XML), with styles
    /// (style 1 is a date) and no shared strings.
    pub fn with_rows(rows: &str) -> Book {
        Book::with_sheet(format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheetData>{rows}</sheetData></worksheet>"#
        ))
    }

    /// A workbook whose sheet part is `sheet` exactly.
    pub fn with_sheet(sheet: impl Into<Vec<u8>>) -> Book {
        let parts = vec![
            (
                "[Content_Types].xml".to_string(),
                br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#.to_vec(),
            ),
            (
                "_rels/.rels".to_string(),
                br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec(),
            ),
            (
                "xl/workbook.xml".to_string(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr/><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#
                )
                .into_bytes(),
            ),
            (
                "xl/_rels/workbook.xml.rels".to_string(),
                br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_vec(),
            ),
            (
                "xl/styles.xml".to_string(),
                format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#
                )
                .into_bytes(),
            ),
            ("xl/worksheets/sheet1.xml".to_string(), sheet.into()),
        ];
        Book { parts }
    }

    /// Sets a part (replacing one of the same name).
    pub fn part(mut self, name: &str, bytes: impl Into<Vec<u8>>) -> Book {
        let bytes = bytes.into();
        match self.parts.iter_mut().find(|(n, _)| n == name) {
            Some((_, b)) => *b = bytes,
            None => self.parts.push((name.to_string(), bytes)),
        }
        self
    }

    /// Shared strings from their `<si>` items (already XML).
    pub fn shared_strings(self, items: &str) -> Book {
        self.part(
            "xl/sharedStrings.xml",
            format!(
                r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}">{items}</sst>"#
            ),
        )
    }

    pub fn without(mut self, name: &str) -> Book {
        self.parts.retain(|(n, _)| n != name);
        self
    }

    /// The archive, deflated.
    pub fn zip(&self) -> Vec<u8> {
        zip_parts(
            self.parts.iter().map(|(n, b)| (n.as_str(), b.as_slice())),
            CompressionMethod::Deflated,
        )
    }
}

/// An archive of `parts` as given (names unchecked).
pub fn zip_parts<'a>(
    parts: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    method: CompressionMethod,
) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(true);
        for (name, bytes) in parts {
            zip.start_file(name, options).expect("start entry");
            zip.write_all(bytes).expect("write entry");
        }
        zip.finish().expect("finish zip");
    }
    out.into_inner()
}

/// One inline-string cell.
pub fn text_cell(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}
