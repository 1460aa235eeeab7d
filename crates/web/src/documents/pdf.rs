//! PDF rendering with typst (as a library, no package downloads): the document is handed to
//! `documents/official.typ` as JSON through `sys.inputs`, laid out in the GB/T 9704 page and
//! typeset with a CJK font found on this machine. The engine (with its parsed fonts) is built
//! once per process.
//!
//! Fonts: the bundled 文泉驿微米黑 (`data/fonts`, so output is the same on every machine and
//! nothing needs installing), preceded by whatever `HAZARDNET_FONTS` names (a font file or a
//! directory of them) — an office's licensed 仿宋/小标宋, say; the first CJK face found is used.

use super::{Block, OfficialDocument};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use typst::foundations::{Dict, IntoValue};
use typst_as_lib::{TypstEngine, TypstTemplateMainFile};

const TEMPLATE: &str = include_str!("../../documents/official.typ");

/// 文泉驿微米黑, compiled in.
const BUNDLED_FONT: &[u8] = include_bytes!("../../../../data/fonts/wqy-microhei.ttc");

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("no CJK font found")]
    NoCjkFont,
    #[error("layout failed: {0}")]
    Layout(String),
}

struct Engine {
    engine: TypstEngine<TypstTemplateMainFile>,
    family: String,
}

fn font_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Some(configured) = std::env::var_os("HAZARDNET_FONTS") {
        let path = PathBuf::from(configured);
        if path.is_dir() {
            if let Ok(entries) = std::fs::read_dir(&path) {
                let mut found: Vec<PathBuf> = entries
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| {
                        p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            matches!(
                                e.to_ascii_lowercase().as_str(),
                                "ttf" | "otf" | "ttc" | "otc"
                            )
                        })
                    })
                    .collect();
                found.sort();
                files.extend(found);
            }
        } else {
            files.push(path);
        }
    }
    files
}

/// The family name of the first face of `data` that covers common Chinese characters.
fn cjk_family(data: &[u8]) -> Option<String> {
    typst::text::Font::iter(typst::foundations::Bytes::new(data.to_vec()))
        .find(|font| {
            "安全隐患"
                .chars()
                .all(|c| font.info().coverage.contains(c as u32))
        })
        .map(|font| font.info().family.clone())
}

fn build() -> Result<Engine, PdfError> {
    let mut fonts = Vec::new();
    let mut family = None;
    for path in font_files() {
        let Ok(data) = std::fs::read(Path::new(&path)) else {
            continue;
        };
        if family.is_none() {
            family = cjk_family(&data);
        }
        fonts.push(data);
    }
    if family.is_none() {
        family = cjk_family(BUNDLED_FONT);
    }
    fonts.push(BUNDLED_FONT.to_vec());
    let family = family.ok_or(PdfError::NoCjkFont)?;
    let engine = TypstEngine::builder()
        .main_file(TEMPLATE)
        .fonts(fonts)
        .build();
    Ok(Engine { engine, family })
}

static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();

fn engine() -> Result<&'static Engine, PdfError> {
    match ENGINE.get_or_init(|| build().map_err(|e| e.to_string())) {
        Ok(engine) => Ok(engine),
        Err(_) => Err(PdfError::NoCjkFont),
    }
}

fn to_json(doc: &OfficialDocument) -> String {
    let blocks: Vec<serde_json::Value> = doc
        .blocks
        .iter()
        .map(|b| match b {
            Block::Heading(text) => serde_json::json!({"kind": "heading", "text": text}),
            Block::Subheading(text) => serde_json::json!({"kind": "subheading", "text": text}),
            Block::Paragraph(text) => serde_json::json!({"kind": "paragraph", "text": text}),
            Block::Table {
                header,
                rows,
                widths,
            } => {
                // Every row as wide as the header, so the grid stays aligned; every cell
                // breakable, so a long number wraps inside its column instead of running
                // over the next one.
                let rows: Vec<Vec<String>> = rows
                    .iter()
                    .map(|r| {
                        let mut r: Vec<String> = r.iter().map(|c| breakable(c)).collect();
                        r.resize(header.len(), String::new());
                        r
                    })
                    .collect();
                let widths: Vec<u16> = if widths.len() == header.len() {
                    widths.iter().map(|w| (*w).max(1)).collect()
                } else {
                    vec![1; header.len()]
                };
                serde_json::json!({"kind": "table", "header": header, "rows": rows, "widths": widths})
            }
        })
        .collect();
    serde_json::json!({
        "mark": doc.mark, "doc_number": doc.doc_number, "title": doc.title,
        "recipients": doc.recipients, "blocks": blocks, "signature": doc.signature, "date": doc.date,
    })
    .to_string()
}

/// Zero-width space: a line-break opportunity that prints nothing.
const BREAK: char = '\u{200B}';

/// Longest run of letters and digits left without a break opportunity.
const MAX_UNBROKEN: usize = 8;

/// `text` with break opportunities where a line may end inside a table cell: after the
/// separators of numbers and codes (YH450202002-2026-00012, 城中责改〔2026〕3号) and inside long
/// runs of Latin letters and digits, which the line breaker would otherwise keep whole and
/// let overflow into the next column. Chinese text breaks between characters already.
pub(crate) fn breakable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut run = 0usize;
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            if run == MAX_UNBROKEN {
                out.push(BREAK);
                run = 0;
            }
            run += 1;
            out.push(c);
        } else {
            run = 0;
            out.push(c);
            if matches!(c, '-' | '_' | '/' | '.' | ':' | '〕' | ')') {
                out.push(BREAK);
            }
        }
    }
    out
}

/// Lays `doc` out and returns the PDF. CPU-bound: call from a blocking thread.
pub fn render(doc: &OfficialDocument) -> Result<Vec<u8>, PdfError> {
    let engine = engine()?;
    let mut inputs = Dict::new();
    inputs.insert("data".into(), to_json(doc).into_value());
    inputs.insert("font".into(), engine.family.clone().into_value());
    let compiled = engine.engine.compile_with_input(inputs);
    let document = compiled
        .output
        .map_err(|e| PdfError::Layout(format!("{e:?}")))?;
    typst_pdf::pdf(&document, &typst_pdf::PdfOptions::default()).map_err(|diagnostics| {
        PdfError::Layout(
            diagnostics
                .iter()
                .map(|d| d.message.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        )
    })
}
