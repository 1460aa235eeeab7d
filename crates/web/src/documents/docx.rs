//! An editable DOCX of an official document, written by hand as WordprocessingML (a zip of a few
//! XML parts), in the GB/T 9704-2012 layout: A4, margins 37/35/28/26 mm, 22 lines of 28
//! characters, body in 3号仿宋_GB2312, title in 2号小标宋, first-level headings in 3号黑体,
//! second-level in 3号楷体, the issuing office's mark in red over a red rule, page numbers
//! "— 1 —" in 4号宋体. Word shows the named fonts where installed and substitutes otherwise.

use super::{Block, OfficialDocument};
use std::io::{Cursor, Write};
use zip::write::SimpleFileOptions;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Half-points: 2号 = 22 pt, 3号 = 16 pt, 4号 = 14 pt.
const SIZE_2: u32 = 44;
const SIZE_3: u32 = 32;
const SIZE_4: u32 = 28;
/// Fixed line pitch for 22 lines on the 225 mm body: 28.95 pt.
const LINE_TWIPS: u32 = 579;

struct Run<'a> {
    text: &'a str,
    font: &'a str,
    size: u32,
    bold: bool,
    color: Option<&'a str>,
}

fn run(r: &Run<'_>) -> String {
    format!(
        "<w:r><w:rPr><w:rFonts w:ascii=\"{f}\" w:hAnsi=\"{f}\" w:eastAsia=\"{f}\"/>{b}{c}<w:sz w:val=\"{s}\"/><w:szCs w:val=\"{s}\"/></w:rPr><w:t xml:space=\"preserve\">{t}</w:t></w:r>",
        f = r.font,
        b = if r.bold { "<w:b/>" } else { "" },
        c = r
            .color
            .map(|c| format!("<w:color w:val=\"{c}\"/>"))
            .unwrap_or_default(),
        s = r.size,
        t = escape(r.text),
    )
}

/// A paragraph: alignment (left/center/right/both), first-line indent in characters.
fn paragraph(runs: &[Run<'_>], align: &str, indent_chars: u32, extra: &str) -> String {
    let indent = if indent_chars > 0 {
        format!("<w:ind w:firstLineChars=\"{}\"/>", indent_chars * 100)
    } else {
        String::new()
    };
    format!(
        "<w:p><w:pPr>{extra}<w:spacing w:line=\"{LINE_TWIPS}\" w:lineRule=\"exact\"/>{indent}<w:jc w:val=\"{align}\"/></w:pPr>{}</w:p>",
        runs.iter().map(run).collect::<String>()
    )
}

fn body_text(text: &str, indent: u32) -> String {
    paragraph(
        &[Run {
            text,
            font: "仿宋_GB2312",
            size: SIZE_3,
            bold: false,
            color: None,
        }],
        "both",
        indent,
        "",
    )
}

/// The width of the type area in twips (A4 less the 28 mm and 26 mm margins).
const TEXT_WIDTH_TWIPS: u32 = 8844;

/// Column widths in twips: `widths` shared out over the type area, or equal columns.
fn column_twips(columns: usize, widths: &[u16]) -> Vec<u32> {
    let weights: Vec<u32> = if widths.len() == columns {
        widths.iter().map(|w| u32::from((*w).max(1))).collect()
    } else {
        vec![1; columns]
    };
    let sum: u32 = weights.iter().sum::<u32>().max(1);
    weights.iter().map(|w| TEXT_WIDTH_TWIPS * w / sum).collect()
}

fn table(header: &[String], rows: &[Vec<String>], widths: &[u16]) -> String {
    let twips = column_twips(header.len(), widths);
    let cell = |text: &str, bold: bool, col: usize| {
        format!(
            "<w:tc><w:tcPr><w:tcW w:w=\"{}\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{}</w:p></w:tc>",
            twips.get(col).copied().unwrap_or(0),
            run(&Run {
                text,
                font: if bold { "黑体" } else { "仿宋_GB2312" },
                size: 24,
                bold: false,
                color: None,
            })
        )
    };
    let mut xml = String::from(
        "<w:tbl><w:tblPr><w:tblW w:w=\"5000\" w:type=\"pct\"/><w:jc w:val=\"center\"/><w:tblBorders>\
         <w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/>\
         <w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/>\
         </w:tblBorders><w:tblLayout w:type=\"fixed\"/></w:tblPr>",
    );
    xml.push_str("<w:tblGrid>");
    for w in &twips {
        xml.push_str(&format!("<w:gridCol w:w=\"{w}\"/>"));
    }
    xml.push_str("</w:tblGrid>");
    xml.push_str("<w:tr><w:trPr><w:tblHeader/></w:trPr>");
    for (i, h) in header.iter().enumerate() {
        xml.push_str(&cell(h, true, i));
    }
    xml.push_str("</w:tr>");
    for row in rows {
        xml.push_str("<w:tr>");
        for i in 0..header.len() {
            xml.push_str(&cell(
                row.get(i).map(String::as_str).unwrap_or(""),
                false,
                i,
            ));
        }
        xml.push_str("</w:tr>");
    }
    xml.push_str("</w:tbl>");
    xml
}

fn document_xml(doc: &OfficialDocument) -> String {
    let mut body = String::new();
    // The issuing office's mark in red, the number, and the red rule beneath.
    body.push_str(&paragraph(
        &[Run {
            text: &doc.mark,
            font: "方正小标宋简体",
            size: 52,
            bold: false,
            color: Some("E00000"),
        }],
        "center",
        0,
        "",
    ));
    body.push_str(&paragraph(
        &[Run {
            text: &doc.doc_number,
            font: "仿宋_GB2312",
            size: SIZE_3,
            bold: false,
            color: None,
        }],
        "center",
        0,
        "<w:pBdr><w:bottom w:val=\"single\" w:sz=\"18\" w:space=\"12\" w:color=\"E00000\"/></w:pBdr>",
    ));
    body.push_str(&body_text("", 0));
    body.push_str(&paragraph(
        &[Run {
            text: &doc.title,
            font: "方正小标宋简体",
            size: SIZE_2,
            bold: false,
            color: None,
        }],
        "center",
        0,
        "",
    ));
    body.push_str(&body_text("", 0));
    body.push_str(&body_text(&doc.recipients, 0));
    for block in &doc.blocks {
        match block {
            Block::Heading(text) => body.push_str(&paragraph(
                &[Run {
                    text,
                    font: "黑体",
                    size: SIZE_3,
                    bold: false,
                    color: None,
                }],
                "both",
                2,
                "",
            )),
            Block::Subheading(text) => body.push_str(&paragraph(
                &[Run {
                    text,
                    font: "楷体_GB2312",
                    size: SIZE_3,
                    bold: false,
                    color: None,
                }],
                "both",
                2,
                "",
            )),
            Block::Paragraph(text) => body.push_str(&body_text(text, 2)),
            Block::Table {
                header,
                rows,
                widths,
            } => {
                body.push_str(&table(header, rows, widths));
            }
        }
    }
    body.push_str(&body_text("", 0));
    for line in [&doc.signature, &doc.date] {
        body.push_str(&paragraph(
            &[Run {
                text: line,
                font: "仿宋_GB2312",
                size: SIZE_3,
                bold: false,
                color: None,
            }],
            "right",
            0,
            "<w:ind w:right=\"1280\"/>",
        ));
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" \
         xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{body}\
         <w:sectPr><w:footerReference w:type=\"default\" r:id=\"rIdFooter\"/>\
         <w:pgSz w:w=\"11906\" w:h=\"16838\"/>\
         <w:pgMar w:top=\"2098\" w:right=\"1474\" w:bottom=\"1984\" w:left=\"1588\" w:header=\"851\" w:footer=\"1247\" w:gutter=\"0\"/>\
         <w:docGrid w:type=\"linesAndChars\" w:linePitch=\"{LINE_TWIPS}\" w:charSpace=\"0\"/></w:sectPr></w:body></w:document>"
    )
}

fn footer_xml() -> String {
    let text = |t: &str| {
        format!(
            "<w:r><w:rPr><w:rFonts w:ascii=\"宋体\" w:hAnsi=\"宋体\" w:eastAsia=\"宋体\"/><w:sz w:val=\"{SIZE_4}\"/></w:rPr><w:t xml:space=\"preserve\">{t}</w:t></w:r>"
        )
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <w:ftr xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>\
         {}<w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> PAGE </w:instrText></w:r>\
         <w:r><w:fldChar w:fldCharType=\"separate\"/></w:r>{}<w:r><w:fldChar w:fldCharType=\"end\"/></w:r>{}</w:p></w:ftr>",
        text("— "),
        text("1"),
        text(" —")
    )
}

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/footer1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml\"/>\
<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties\" Target=\"docProps/core.xml\"/>\
</Relationships>";

const DOCUMENT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rIdFooter\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer\" Target=\"footer1.xml\"/>\
</Relationships>";

fn core_xml(doc: &OfficialDocument) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
         <cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>{}</dc:title><dc:creator>{}</dc:creator></cp:coreProperties>",
        escape(&doc.title),
        escape(&doc.signature)
    )
}

pub fn render(doc: &OfficialDocument) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, String); 6] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/core.xml", core_xml(doc)),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/footer1.xml", footer_xml()),
    ];
    for (name, content) in parts {
        zip.start_file(name, options)?;
        zip.write_all(content.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_docx_holds_the_text_escaped_in_a_valid_package() {
        let doc = OfficialDocument {
            mark: "城中区安全生产委员会办公室".into(),
            doc_number: "城中安委办通〔2026〕　号".into(),
            title: "关于A&B进展情况的通报".into(),
            recipients: "各街道办事处：".into(),
            blocks: vec![
                Block::Heading("一、总体进展".into()),
                Block::Paragraph("发现隐患<3>处。".into()),
                Block::Table {
                    header: vec!["单位".into()],
                    rows: vec![vec!["公园街道".into()]],
                    widths: Vec::new(),
                },
            ],
            signature: "城中区安委办".into(),
            date: "2026年11月23日".into(),
        };
        let bytes = render(&doc).unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        let mut xml = String::new();
        archive
            .by_name("word/document.xml")
            .unwrap()
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains("关于A&amp;B进展情况的通报"));
        assert!(xml.contains("发现隐患&lt;3&gt;处。"));
        assert!(xml.contains("公园街道"));
        assert!(xml.contains("w:pgMar w:top=\"2098\""));
        assert!(archive.by_name("word/footer1.xml").is_ok());
    }
}
