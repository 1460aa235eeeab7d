//! Reads a rendered PDF back glyph by glyph and finds text printed over other text on its
//! page — a number running out of its table cell over the next column, a line over another.
//!
//! The PDF is parsed with lopdf (as pdf-extract re-exports it) and its content streams are
//! interpreted for the operators that place text: the graphics state (q, Q, cm), the text
//! state (BT, Tf, Tm, Td, TD, T*, Tc, Tw, Tz, TL) and the showing operators (Tj, TJ, ', "),
//! with each glyph's advance taken from the widths its font declares (`/W` and `/DW` of a
//! CID font, `/Widths` of a simple one). pdf-extract's own text walk is not used because it
//! misreads the `/W` ranges of the CID fonts typst embeds and so stacks every glyph of a run
//! at its start.

use pdf_extract::content::Content;
use pdf_extract::{Dictionary, Document, Object};
use std::collections::{BTreeMap, HashMap};

/// One printed glyph: its page, code in its font and box in PDF points.
#[derive(Debug, Clone)]
pub struct Glyph {
    pub page: u32,
    /// The text object (BT … ET) it was shown in.
    pub run: usize,
    pub code: u32,
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

type Matrix = [f64; 6];
const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];

/// `a` then `b` (PDF's row-vector convention: p × a × b).
fn mul(a: &Matrix, b: &Matrix) -> Matrix {
    [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]
}

fn num(o: &Object) -> f64 {
    match o {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        _ => 0.0,
    }
}

/// A font's glyph widths in thousandths of an em, by code.
struct Widths {
    two_byte: bool,
    default: f64,
    by_code: HashMap<u32, f64>,
}

fn resolve<'a>(doc: &'a Document, o: &'a Object) -> &'a Object {
    doc.dereference(o).map(|(_, o)| o).unwrap_or(o)
}

fn widths_of(doc: &Document, font: &Dictionary) -> Widths {
    let get = |d: &Dictionary, key: &[u8]| d.get(key).ok().map(|o| resolve(doc, o).clone());
    let mut by_code = HashMap::new();
    let subtype = get(font, b"Subtype");
    if subtype.as_ref().and_then(|s| s.as_name().ok()) == Some(b"Type0".as_slice()) {
        let descendant = get(font, b"DescendantFonts")
            .and_then(|d| d.as_array().ok().and_then(|a| a.first().cloned()))
            .map(|d| resolve(doc, &d).clone());
        let Some(Object::Dictionary(cid)) = descendant else {
            return Widths {
                two_byte: true,
                default: 1000.0,
                by_code,
            };
        };
        let default = get(&cid, b"DW").map(|o| num(&o)).unwrap_or(1000.0);
        if let Some(Object::Array(w)) = get(&cid, b"W") {
            let w: Vec<Object> = w.iter().map(|o| resolve(doc, o).clone()).collect();
            let mut i = 0;
            while i + 1 < w.len() {
                let first = num(&w[i]) as u32;
                if let Object::Array(list) = &w[i + 1] {
                    for (j, width) in list.iter().enumerate() {
                        by_code.insert(first + j as u32, num(resolve(doc, width)));
                    }
                    i += 2;
                } else if i + 2 < w.len() {
                    let last = num(&w[i + 1]) as u32;
                    for code in first..=last {
                        by_code.insert(code, num(&w[i + 2]));
                    }
                    i += 3;
                } else {
                    break;
                }
            }
        }
        Widths {
            two_byte: true,
            default,
            by_code,
        }
    } else {
        let first = get(font, b"FirstChar").map(|o| num(&o) as u32).unwrap_or(0);
        if let Some(Object::Array(list)) = get(font, b"Widths") {
            for (j, width) in list.iter().enumerate() {
                by_code.insert(first + j as u32, num(resolve(doc, width)));
            }
        }
        Widths {
            two_byte: false,
            default: 0.0,
            by_code,
        }
    }
}

#[derive(Clone)]
struct TextState {
    font: Vec<u8>,
    size: f64,
    char_spacing: f64,
    word_spacing: f64,
    scale: f64,
    leading: f64,
}

/// Every glyph of `pdf` with a width. Panics if the PDF cannot be read.
pub fn glyphs(pdf: &[u8]) -> Vec<Glyph> {
    let doc = Document::load_mem(pdf).expect("a PDF");
    let mut out = Vec::new();
    for (page, page_id) in doc.get_pages() {
        let fonts: BTreeMap<Vec<u8>, Widths> = doc
            .get_page_fonts(page_id)
            .expect("page fonts")
            .into_iter()
            .map(|(name, font)| (name, widths_of(&doc, font)))
            .collect();
        let content = Content::decode(&doc.get_page_content(page_id).expect("content"))
            .expect("a content stream");
        let mut ctm = IDENTITY;
        let mut stack: Vec<(Matrix, TextState)> = Vec::new();
        let mut ts = TextState {
            font: Vec::new(),
            size: 0.0,
            char_spacing: 0.0,
            word_spacing: 0.0,
            scale: 1.0,
            leading: 0.0,
        };
        let (mut tm, mut tlm) = (IDENTITY, IDENTITY);
        let mut run = out.last().map_or(0, |g: &Glyph| g.run);
        for op in &content.operations {
            let args = &op.operands;
            let n = |i: usize| args.get(i).map(num).unwrap_or(0.0);
            let mut show = |string: &[u8], tm: &mut Matrix, ts: &TextState| {
                let Some(widths) = fonts.get(&ts.font) else {
                    return;
                };
                let codes: Vec<u32> = if widths.two_byte {
                    string
                        .chunks(2)
                        .map(|c| c.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
                        .collect()
                } else {
                    string.iter().map(|b| u32::from(*b)).collect()
                };
                for code in codes {
                    let w = widths.by_code.get(&code).copied().unwrap_or(widths.default) / 1000.0;
                    let trm = mul(
                        &mul(&[ts.size * ts.scale, 0.0, 0.0, ts.size, 0.0, 0.0], tm),
                        &ctm,
                    );
                    if w > 0.0 {
                        // The ink of a CJK face lies within about −0.12 … +0.88 em of the
                        // baseline; a slightly smaller box keeps lines that merely touch apart.
                        let point = |x: f64, y: f64| {
                            (
                                x * trm[0] + y * trm[2] + trm[4],
                                x * trm[1] + y * trm[3] + trm[5],
                            )
                        };
                        let corners = [
                            point(0.0, -0.05),
                            point(0.0, 0.75),
                            point(w, -0.05),
                            point(w, 0.75),
                        ];
                        let xs = corners.iter().map(|c| c.0);
                        let ys = corners.iter().map(|c| c.1);
                        out.push(Glyph {
                            page,
                            run,
                            code,
                            x0: xs.clone().fold(f64::MAX, f64::min),
                            x1: xs.fold(f64::MIN, f64::max),
                            y0: ys.clone().fold(f64::MAX, f64::min),
                            y1: ys.fold(f64::MIN, f64::max),
                        });
                    }
                    let space = if !widths.two_byte && code == 32 {
                        ts.word_spacing
                    } else {
                        0.0
                    };
                    let tx = (w * ts.size + ts.char_spacing + space) * ts.scale;
                    *tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], tm);
                }
            };
            match op.operator.as_str() {
                "q" => stack.push((ctm, ts.clone())),
                "Q" => {
                    if let Some((m, t)) = stack.pop() {
                        ctm = m;
                        ts = t;
                    }
                }
                "cm" => ctm = mul(&[n(0), n(1), n(2), n(3), n(4), n(5)], &ctm),
                "BT" => {
                    run += 1;
                    tm = IDENTITY;
                    tlm = IDENTITY;
                }
                "Tf" => {
                    ts.font = args
                        .first()
                        .and_then(|o| o.as_name().ok())
                        .unwrap_or_default()
                        .to_vec();
                    ts.size = n(1);
                }
                "Tc" => ts.char_spacing = n(0),
                "Tw" => ts.word_spacing = n(0),
                "Tz" => ts.scale = n(0) / 100.0,
                "TL" => ts.leading = n(0),
                "Tm" => {
                    tm = [n(0), n(1), n(2), n(3), n(4), n(5)];
                    tlm = tm;
                }
                "Td" | "TD" => {
                    if op.operator == "TD" {
                        ts.leading = -n(1);
                    }
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, n(0), n(1)], &tlm);
                    tm = tlm;
                }
                "T*" | "'" | "\"" => {
                    if op.operator == "\"" {
                        ts.word_spacing = n(0);
                        ts.char_spacing = n(1);
                    }
                    tlm = mul(&[1.0, 0.0, 0.0, 1.0, 0.0, -ts.leading], &tlm);
                    tm = tlm;
                    if let Some(Object::String(s, _)) = args.last() {
                        show(s, &mut tm, &ts);
                    }
                }
                "Tj" => {
                    if let Some(Object::String(s, _)) = args.first() {
                        show(s, &mut tm, &ts);
                    }
                }
                "TJ" => {
                    for item in args
                        .first()
                        .and_then(|a| a.as_array().ok())
                        .into_iter()
                        .flatten()
                    {
                        match item {
                            Object::String(s, _) => show(s, &mut tm, &ts),
                            other => {
                                let tx = -num(other) / 1000.0 * ts.size * ts.scale;
                                tm = mul(&[1.0, 0.0, 0.0, 1.0, tx, 0.0], &tm);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Pairs of glyphs of different text objects on the same page whose boxes overlap by more
/// than `tolerance` points in both directions. Within one text object the glyphs follow
/// each other as the typesetter spaced them (CJK punctuation is set half-width inside its
/// full-width box, kerning pulls letters together): what is printed over text is always
/// another object — a cell's line running into the next cell, a line laid over another.
pub fn overlaps(glyphs: &[Glyph], tolerance: f64) -> Vec<(Glyph, Glyph)> {
    let mut sorted: Vec<&Glyph> = glyphs.iter().collect();
    sorted.sort_by(|a, b| (a.page, a.x0).partial_cmp(&(b.page, b.x0)).expect("finite"));
    let mut found = Vec::new();
    for (i, a) in sorted.iter().enumerate() {
        for b in &sorted[i + 1..] {
            if b.page != a.page || b.x0 >= a.x1 - tolerance {
                break;
            }
            if a.run == b.run {
                continue;
            }
            let x = a.x1.min(b.x1) - a.x0.max(b.x0);
            let y = a.y1.min(b.y1) - a.y0.max(b.y0);
            if x > tolerance && y > tolerance {
                found.push(((*a).clone(), (*b).clone()));
            }
        }
    }
    found
}

/// Asserts that no two glyphs of `pdf` overlap; returns the number of pages.
pub fn assert_no_overlapping_text(pdf: &[u8]) -> u32 {
    let glyphs = glyphs(pdf);
    assert!(!glyphs.is_empty(), "no text in the PDF");
    let found = overlaps(&glyphs, 0.5);
    let shown: Vec<String> = found
        .iter()
        .take(10)
        .map(|(a, b)| {
            format!(
                "page {}: glyph {} at ({:.1},{:.1})–({:.1},{:.1}) over glyph {} at ({:.1},{:.1})",
                a.page, a.code, a.x0, a.y0, a.x1, a.y1, b.code, b.x0, b.y0
            )
        })
        .collect();
    assert!(
        found.is_empty(),
        "{} overlapping glyph pairs, e.g.\n{}",
        found.len(),
        shown.join("\n")
    );
    glyphs.iter().map(|g| g.page).max().unwrap_or(0)
}

#[test]
fn the_check_sees_text_printed_over_text() {
    use pdf_extract::content::{Content, Operation};
    use pdf_extract::{Dictionary, Object, Stream};
    let text = |x: i64, s: &str| {
        vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 12.into()]),
            Operation::new("Td", vec![x.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(s)]),
            Operation::new("ET", vec![]),
        ]
    };
    let pdf = |operations: Vec<Operation>| {
        let mut doc = pdf_extract::Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let mut font = Dictionary::new();
        font.set("Type", "Font");
        font.set("Subtype", "Type1");
        font.set("BaseFont", "Helvetica");
        // Every character 600/1000 em wide, as the test needs no real metrics.
        font.set("FirstChar", 32);
        font.set("Widths", vec![Object::Integer(600); 96]);
        let font_id = doc.add_object(font);
        let mut fonts = Dictionary::new();
        fonts.set("F1", font_id);
        let mut resources = Dictionary::new();
        resources.set("Font", fonts);
        let content = Content { operations }.encode().unwrap();
        let content_id = doc.add_object(Stream::new(Dictionary::new(), content));
        let mut page = Dictionary::new();
        page.set("Type", "Page");
        page.set("Parent", pages_id);
        page.set("Contents", content_id);
        page.set("Resources", resources);
        page.set("MediaBox", vec![0.into(), 0.into(), 595.into(), 842.into()]);
        let page_id = doc.add_object(page);
        let mut pages = Dictionary::new();
        pages.set("Type", "Pages");
        pages.set("Kids", vec![page_id.into()]);
        pages.set("Count", 1);
        doc.objects.insert(pages_id, Object::Dictionary(pages));
        let mut catalog = Dictionary::new();
        catalog.set("Type", "Catalog");
        catalog.set("Pages", pages_id);
        let catalog_id = doc.add_object(catalog);
        doc.trailer.set("Root", catalog_id);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    };
    // "YH450202002" runs on past x = 130 where the next column's text begins.
    let mut clash = text(100, "YH450202002");
    clash.extend(text(130, "ABC"));
    assert!(!overlaps(&glyphs(&pdf(clash)), 0.5).is_empty());
    // Side by side with room between them: nothing.
    let mut apart = text(100, "YH45");
    apart.extend(text(160, "ABC"));
    assert!(overlaps(&glyphs(&pdf(apart)), 0.5).is_empty());
}
