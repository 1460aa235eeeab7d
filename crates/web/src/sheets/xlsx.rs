//! The first sheet of an xlsx workbook, read as a stream of XML events with every quantity a
//! file can declare or make us build held to a named limit (see `super`'s `MAX_*` constants).
//!
//! Each part is inflated into memory (its inflated size capped, never trusted from the
//! archive) and read as a stream of quick-xml events; nothing is sized from what the file
//! says: the `<dimension>` element is ignored, shared strings are kept once and copied only
//! into the cells that hold text, and the grid is materialised row by row as cells arrive.
//! What comes out is what calamine's dense range gave before (trimmed text, whole floats as
//! integers, dates as `YYYY-MM-DD[ HH:MM:SS]`, the range spanning the first to the last
//! non-empty cell), so importers see the same rows.
//!
//! Entities are never expanded (only the five predefined ones and character references are
//! resolved), and a `<!DOCTYPE>` anywhere in any part refuses the workbook.

use super::{
    MAX_CELL_BYTES, MAX_CELLS, MAX_COLUMNS, MAX_ENTRIES, MAX_ENTRY_BYTES, MAX_GRID_CELLS, MAX_ROWS,
    MAX_SHARED_BYTES, MAX_SHARED_STRINGS, MAX_STYLES, MAX_TEXT_BYTES, MAX_TOTAL_BYTES,
    MAX_XML_DEPTH, MAX_XML_TAGS, SheetError,
};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Cursor, Read};

/// Excel's own grid: rows 1..=1,048,576, columns A..=XFD. A reference outside it is malformed.
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_COLUMNS: u32 = 16_384;

type Archive<'a> = zip::ZipArchive<Cursor<&'a [u8]>>;

/// Reads the rows of the first sheet of the xlsx in `bytes` (already known to start with a
/// zip signature): container checks first, then shared strings, styles and the sheet itself.
pub(super) fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, SheetError> {
    let mut archive = Archive::new(Cursor::new(bytes)).map_err(|_| SheetError::NotASheet)?;
    check_container(&mut archive)?;
    // As calamine did: the workbook's relationships must exist; a workbook without
    // `xl/workbook.xml` has no sheets.
    if find_entry(&archive, "xl/_rels/workbook.xml.rels").is_none() {
        return Err(SheetError::NotASheet);
    }
    let Some(workbook) = read_workbook(&mut archive)? else {
        return Err(SheetError::Empty);
    };
    let path = sheet_path(&mut archive, &workbook.sheet_rel)?;
    let strings = read_shared_strings(&mut archive)?;
    let styles = read_styles(&mut archive)?;
    let sheet = part(&mut archive, &path)?.ok_or(SheetError::NotASheet)?;
    let context = SheetContext {
        strings: &strings,
        styles: &styles,
        date1904: workbook.date1904,
    };
    read_sheet(&mut Xml::new(&sheet), &context)
}

// ---------------------------------------------------------------------------------------------
// The container

/// Checks the zip container without trusting what it declares: entry count, names, declared
/// and actual inflated sizes (each entry is inflated up to the caps), and every XML part
/// parsed to its end, a DTD anywhere refusing the file. One XML part is held at a time.
fn check_container(archive: &mut Archive<'_>) -> Result<(), SheetError> {
    if archive.len() > MAX_ENTRIES {
        return Err(SheetError::Unsafe);
    }
    let mut total = 0u64;
    let mut buf = Vec::new();
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| SheetError::NotASheet)?;
        let name = entry
            .name()
            .map_err(|_| SheetError::NotASheet)?
            .into_owned();
        if name.starts_with('/')
            || name.contains("..")
            || name.contains('\\')
            || name.contains('\0')
            || entry.is_symlink()
        {
            return Err(SheetError::Unsafe);
        }
        let cap = MAX_ENTRY_BYTES.min(MAX_TOTAL_BYTES - total);
        if is_xml_part(&name) {
            inflate(entry, cap, &mut buf)?;
            total += buf.len() as u64;
            check_xml(&buf)?;
        } else {
            // Other entries (images, printer settings) are only counted as they inflate.
            if entry.size() > cap {
                return Err(SheetError::Unsafe);
            }
            let inflated = io::copy(&mut entry.take(cap + 1), &mut io::sink())
                .map_err(|_| SheetError::NotASheet)?;
            if inflated > cap {
                return Err(SheetError::Unsafe);
            }
            total += inflated;
        }
    }
    Ok(())
}

/// Parses one XML part to its end under the rules every part is read with: at most
/// `MAX_XML_TAGS` tags (counted before parsing), nesting at most `MAX_XML_DEPTH` deep, and no
/// DTD — a `DocType` event wherever it stands (after comments or processing instructions, or
/// after the root element) refuses the file.
fn check_xml(bytes: &[u8]) -> Result<(), SheetError> {
    if memchr::memchr_iter(b'<', bytes).count() > MAX_XML_TAGS {
        return Err(SheetError::TooMuchData);
    }
    // The rules of `Xml::next`, in a loop that keeps nothing: this pass only looks.
    let mut xml = Xml::new(bytes);
    let mut depth = 0usize;
    loop {
        match xml.reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                if depth > MAX_XML_DEPTH {
                    return Err(SheetError::Unsafe);
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::DocType(_)) => return Err(SheetError::Unsafe),
            Ok(Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(_) => return Err(SheetError::NotASheet),
        }
    }
}

/// Inflates one entry into `buf` (cleared first), refusing it past `cap` bytes: the declared
/// size is checked first (cheap), the actual one while inflating (declarations can lie).
fn inflate<R: Read>(
    entry: zip::read::ZipFile<'_, R>,
    cap: u64,
    buf: &mut Vec<u8>,
) -> Result<(), SheetError> {
    buf.clear();
    if entry.size() > cap {
        return Err(SheetError::Unsafe);
    }
    // The declared size is within the cap, so reserving it is bounded; it saves regrowing.
    buf.reserve(entry.size() as usize);
    entry
        .take(cap + 1)
        .read_to_end(buf)
        .map_err(|_| SheetError::NotASheet)?;
    if buf.len() as u64 > cap {
        return Err(SheetError::Unsafe);
    }
    Ok(())
}

/// The archive's name for `path`, compared as calamine did: ASCII case-insensitively, with
/// backslashes read as slashes.
fn find_entry(archive: &Archive<'_>, path: &str) -> Option<String> {
    archive
        .file_names()
        .flatten()
        .find(|n| n.replace('\\', "/").eq_ignore_ascii_case(path))
        .map(|n| n.into_owned())
}

/// The entries the container check parses as XML.
fn is_xml_part(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with(".xml") || name.ends_with(".rels")
}

/// The inflated bytes of the part at `path`, if the archive has it.
fn part(archive: &mut Archive<'_>, path: &str) -> Result<Option<Vec<u8>>, SheetError> {
    let Some(name) = find_entry(archive, path) else {
        return Ok(None);
    };
    let entry = archive.by_name(&name).map_err(|_| SheetError::NotASheet)?;
    let mut buf = Vec::new();
    inflate(entry, MAX_ENTRY_BYTES, &mut buf)?;
    // A sheet named otherwise (the relationships decide) was only counted by the container
    // check; it is held to the same rules before it is read.
    if !is_xml_part(&name) {
        check_xml(&buf)?;
    }
    Ok(Some(buf))
}

// ---------------------------------------------------------------------------------------------
// XML events with limits

/// quick-xml over one inflated part, with the limits every part is read under: nesting depth
/// bounded, no DTD. Errors are sorted into "malformed" (NotASheet) and "hostile" (Unsafe).
struct Xml<'a> {
    reader: Reader<&'a [u8]>,
    depth: usize,
}

impl<'a> Xml<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        let mut reader = Reader::from_reader(bytes);
        // Mismatched end tags are malformed XML; comments are skipped, never checked.
        reader.config_mut().check_end_names = true;
        Xml { reader, depth: 0 }
    }

    fn next(&mut self) -> Result<Event<'a>, SheetError> {
        let Ok(event) = self.reader.read_event() else {
            return Err(SheetError::NotASheet);
        };
        match &event {
            Event::Start(_) => {
                self.depth += 1;
                if self.depth > MAX_XML_DEPTH {
                    return Err(SheetError::Unsafe);
                }
            }
            Event::End(_) => self.depth = self.depth.saturating_sub(1),
            Event::DocType(_) => return Err(SheetError::Unsafe),
            _ => {}
        }
        Ok(event)
    }

    /// Consumes events up to the end of the element whose start was just read.
    fn skip_element(&mut self) -> Result<(), SheetError> {
        self.skip_rest(0)
    }

    /// Consumes events to the end of the element `depth` levels above the current position.
    fn skip_rest(&mut self, mut depth: usize) -> Result<(), SheetError> {
        loop {
            match self.next()? {
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => return Ok(()),
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(SheetError::NotASheet),
                _ => {}
            }
        }
    }

    /// The text content of the element whose start was just read, entity and character
    /// references resolved, at most `cap` bytes; nested elements are skipped.
    fn read_text(&mut self, cap: usize) -> Result<Cow<'a, str>, SheetError> {
        // Borrowed from the part while it is one run of text, as a `<v>` nearly always is.
        let mut text: Cow<'a, str> = Cow::Borrowed("");
        loop {
            let more: Cow<'a, str> = match self.next()? {
                Event::Text(t) => t.decode().map_err(|_| SheetError::NotASheet)?,
                Event::CData(t) => t.decode().map_err(|_| SheetError::NotASheet)?,
                Event::GeneralRef(r) => match r.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => {
                        let name = r.decode().map_err(|_| SheetError::NotASheet)?;
                        Cow::Borrowed(
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or(SheetError::NotASheet)?,
                        )
                    }
                    Err(_) => return Err(SheetError::NotASheet),
                },
                Event::Start(_) => {
                    self.skip_element()?;
                    continue;
                }
                Event::End(_) => return Ok(text),
                Event::Eof => return Err(SheetError::NotASheet),
                _ => continue,
            };
            if text.len() + more.len() > cap {
                return Err(SheetError::TooMuchData);
            }
            if text.is_empty() {
                text = more;
            } else {
                text.to_mut().push_str(&more);
            }
        }
    }

    /// A string item (`<si>` or `<is>`, whose start was just read) as calamine read it: the
    /// text of its `<t>`, or of every rich-text run's `<t>` joined, phonetic runs (`<rPh>`)
    /// left out. `None` when it holds no `<t>`.
    fn read_string_item(&mut self, cap: usize) -> Result<Option<String>, SheetError> {
        let mut depth = 0usize;
        let mut phonetic = 0usize;
        let mut rich: Option<String> = None;
        loop {
            match self.next()? {
                Event::Start(e) => match e.local_name().as_ref() {
                    b"t" if phonetic == 0 => {
                        let text = self.read_text(cap)?;
                        match rich.as_mut() {
                            Some(joined) => push_capped(joined, &text, cap)?,
                            None => {
                                self.skip_rest(depth)?;
                                return Ok(Some(text.into_owned()));
                            }
                        }
                    }
                    name => {
                        if name == b"r" {
                            rich.get_or_insert_with(String::new);
                        } else if name == b"rPh" {
                            phonetic += 1;
                        }
                        depth += 1;
                    }
                },
                Event::Empty(e) => match e.local_name().as_ref() {
                    b"t" if phonetic == 0 && rich.is_none() => {
                        self.skip_rest(depth)?;
                        return Ok(Some(String::new()));
                    }
                    b"r" => {
                        rich.get_or_insert_with(String::new);
                    }
                    _ => {}
                },
                Event::End(e) => {
                    if depth == 0 {
                        return Ok(rich);
                    }
                    depth -= 1;
                    if e.local_name().as_ref() == b"rPh" {
                        phonetic = phonetic.saturating_sub(1);
                    }
                }
                Event::Eof => return Err(SheetError::NotASheet),
                _ => {}
            }
        }
    }

    fn decoder(&self) -> quick_xml::encoding::Decoder {
        self.reader.decoder()
    }
}

fn push_capped(text: &mut String, more: &str, cap: usize) -> Result<(), SheetError> {
    if text.len() + more.len() > cap {
        return Err(SheetError::TooMuchData);
    }
    text.push_str(more);
    Ok(())
}

/// The raw value of attribute `key` (exact qualified name), unescaped.
fn attribute(
    e: &BytesStart<'_>,
    key: &[u8],
    decoder: quick_xml::encoding::Decoder,
) -> Result<Option<String>, SheetError> {
    let mut attributes = e.attributes();
    // Duplicate checks are quadratic in the attribute count; a tag is bounded, not trusted.
    attributes.with_checks(false);
    for a in attributes {
        let a = a.map_err(|_| SheetError::NotASheet)?;
        if a.key.as_ref() == key {
            let value = a
                .decode_and_unescape_value(decoder)
                .map_err(|_| SheetError::NotASheet)?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

// ---------------------------------------------------------------------------------------------
// Workbook, relationships, shared strings, styles

struct Workbook {
    /// The relationship id of the first `<sheet>`: the sheet calamine's `worksheet_range_at(0)`
    /// read.
    sheet_rel: String,
    date1904: bool,
}

/// The first sheet's relationship id and the date system; `None` for a workbook without
/// sheets (or without `xl/workbook.xml`).
fn read_workbook(archive: &mut Archive<'_>) -> Result<Option<Workbook>, SheetError> {
    let Some(bytes) = part(archive, "xl/workbook.xml")? else {
        return Ok(None);
    };
    let mut xml = Xml::new(&bytes);
    let mut sheet_rel: Option<String> = None;
    let mut date1904 = false;
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"workbookPr" => {
                    date1904 = matches!(
                        attribute(&e, b"date1904", xml.decoder())?.as_deref(),
                        Some("1" | "true")
                    );
                }
                b"sheet" if sheet_rel.is_none() => {
                    let mut attributes = e.attributes();
                    attributes.with_checks(false);
                    let mut rel = None;
                    for a in attributes {
                        let a = a.map_err(|_| SheetError::NotASheet)?;
                        // r:id in the relationships namespace, whatever its prefix.
                        if a.key.prefix().is_some() && a.key.local_name().as_ref() == b"id" {
                            rel = Some(
                                a.decode_and_unescape_value(xml.decoder())
                                    .map_err(|_| SheetError::NotASheet)?
                                    .into_owned(),
                            );
                        }
                    }
                    sheet_rel = Some(rel.ok_or(SheetError::NotASheet)?);
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(sheet_rel.map(|sheet_rel| Workbook {
        sheet_rel,
        date1904,
    }))
}

/// The archive path of the sheet behind relationship `rel`, as calamine resolved it: targets
/// are relative to `xl/` unless they start with `xl/` or `/xl/`, and must name a worksheet,
/// chart sheet or dialog sheet.
fn sheet_path(archive: &mut Archive<'_>, rel: &str) -> Result<String, SheetError> {
    let bytes = part(archive, "xl/_rels/workbook.xml.rels")?.ok_or(SheetError::NotASheet)?;
    let mut xml = Xml::new(&bytes);
    let mut found = None;
    loop {
        match xml.next()? {
            Event::Start(e) | Event::Empty(e)
                if found.is_none() && e.local_name().as_ref() == b"Relationship" =>
            {
                let id = attribute(&e, b"Id", xml.decoder())?;
                if id.as_deref() == Some(rel) {
                    found = attribute(&e, b"Target", xml.decoder())?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let target = found.ok_or(SheetError::NotASheet)?;
    let path = if let Some(rest) = target.strip_prefix('/') {
        rest.to_string()
    } else if target.starts_with("xl/") {
        target
    } else {
        format!("xl/{target}")
    };
    match path.split('/').nth(1) {
        Some("worksheets" | "chartsheets" | "dialogsheets") if path.starts_with("xl/") => Ok(path),
        _ => Err(SheetError::NotASheet),
    }
}

/// The shared strings, trimmed (cells are read trimmed), within the count and byte limits.
fn read_shared_strings(archive: &mut Archive<'_>) -> Result<Vec<Box<str>>, SheetError> {
    let Some(bytes) = part(archive, "xl/sharedStrings.xml")? else {
        return Ok(Vec::new());
    };
    let mut xml = Xml::new(&bytes);
    let mut strings: Vec<Box<str>> = Vec::new();
    let mut total = 0usize;
    loop {
        match xml.next()? {
            Event::Start(e) if e.local_name().as_ref() == b"si" => {
                if strings.len() >= MAX_SHARED_STRINGS {
                    return Err(SheetError::TooMuchData);
                }
                let cap = MAX_CELL_BYTES.min(MAX_SHARED_BYTES - total);
                // An item without text still takes its index (calamine skipped it, shifting
                // every later index).
                let text = xml.read_string_item(cap)?.unwrap_or_default();
                total += text.len();
                strings.push(text.trim().into());
            }
            Event::Empty(e) if e.local_name().as_ref() == b"si" => {
                if strings.len() >= MAX_SHARED_STRINGS {
                    return Err(SheetError::TooMuchData);
                }
                strings.push("".into());
            }
            Event::Eof => return Ok(strings),
            _ => {}
        }
    }
}

/// How a number in a cell reads: as a plain number, or as a date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumberFormat {
    Plain,
    Date,
}

/// The number format of each cell style (`<cellXfs>`), indexed by a cell's `s` attribute.
fn read_styles(archive: &mut Archive<'_>) -> Result<Vec<NumberFormat>, SheetError> {
    let Some(bytes) = part(archive, "xl/styles.xml")? else {
        return Ok(Vec::new());
    };
    let mut xml = Xml::new(&bytes);
    let mut custom: HashMap<String, NumberFormat> = HashMap::new();
    let mut formats = Vec::new();
    let mut section: Option<&'static [u8]> = None;
    loop {
        match xml.next()? {
            Event::Start(e) => match e.local_name().as_ref() {
                b"numFmts" => section = Some(b"numFmts"),
                b"cellXfs" => section = Some(b"cellXfs"),
                name => style_element(&mut xml, section, name, &e, &mut custom, &mut formats)?,
            },
            Event::Empty(e) => {
                let name = e.local_name();
                style_element(
                    &mut xml,
                    section,
                    name.as_ref(),
                    &e,
                    &mut custom,
                    &mut formats,
                )?
            }
            Event::End(e) if Some(e.local_name().as_ref()) == section => section = None,
            Event::Eof => return Ok(formats),
            _ => {}
        }
    }
}

fn style_element(
    xml: &mut Xml<'_>,
    section: Option<&'static [u8]>,
    name: &[u8],
    e: &BytesStart<'_>,
    custom: &mut HashMap<String, NumberFormat>,
    formats: &mut Vec<NumberFormat>,
) -> Result<(), SheetError> {
    match (section, name) {
        (Some(b"numFmts"), b"numFmt") => {
            let id = attribute(e, b"numFmtId", xml.decoder())?.unwrap_or_default();
            let code = attribute(e, b"formatCode", xml.decoder())?.unwrap_or_default();
            if !code.is_empty() {
                if custom.len() >= MAX_STYLES {
                    return Err(SheetError::Unsafe);
                }
                custom.insert(id, custom_format(&code));
            }
        }
        (Some(b"cellXfs"), b"xf") => {
            if formats.len() >= MAX_STYLES {
                return Err(SheetError::Unsafe);
            }
            let format = match attribute(e, b"numFmtId", xml.decoder())? {
                None => NumberFormat::Plain,
                Some(id) => custom
                    .get(&id)
                    .copied()
                    .unwrap_or_else(|| builtin_format(&id)),
            };
            formats.push(format);
        }
        _ => {}
    }
    Ok(())
}

/// Built-in number formats that show dates or times: 14–22 and 45–47 everywhere, and the
/// East Asian locale ones (27–36, 50–58: 2026年11月20日, 上午/下午 h"时"mm"分"…) that Excel
/// and WPS in a Chinese locale write without declaring them.
fn builtin_format(id: &str) -> NumberFormat {
    match id.parse::<u32>() {
        Ok(14..=22 | 27..=36 | 45..=47 | 50..=58) => NumberFormat::Date,
        _ => NumberFormat::Plain,
    }
}

/// Whether a custom number format shows a date or time: the first section holds a date or
/// time letter outside quotes, escapes and brackets, or an elapsed-time bracket ([h], [mm],
/// [ss]). Ported from calamine's `detect_custom_number_format` (MIT), which made the same call.
fn custom_format(format: &str) -> NumberFormat {
    let mut escaped = false;
    let mut quoted = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for c in format.chars() {
        match (c, escaped, quoted, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\', ..) => escaped = true,
            ('"', _, true, _, _) => quoted = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => quoted = true,
            (';', ..) => return NumberFormat::Plain,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return NumberFormat::Date,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberFormat::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberFormat::Date;
            }
            _ => {
                if !(hms && c.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(c, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = c;
    }
    NumberFormat::Plain
}

// ---------------------------------------------------------------------------------------------
// The sheet

struct SheetContext<'a> {
    strings: &'a [Box<str>],
    styles: &'a [NumberFormat],
    date1904: bool,
}

/// "B12" → (row 11, column 1), zero-based; `None` outside Excel's grid or not a reference.
fn cell_ref(r: &[u8]) -> Option<(u32, u32)> {
    let letters = r.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let col = r[..letters].iter().fold(0u32, |col, b| {
        col * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    if col > EXCEL_COLUMNS {
        return None;
    }
    Some((row_number(&r[letters..])?, col - 1))
}

/// "12" → row 11, zero-based.
fn row_number(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = digits
        .iter()
        .fold(0u32, |n, d| n * 10 + u32::from(d - b'0'));
    (1..=EXCEL_ROWS).contains(&n).then(|| n - 1)
}

/// A cell's `t` attribute.
#[derive(Clone, Copy)]
enum CellType {
    Number,
    Shared,
    Text,
    Bool,
    Error,
    IsoDate,
    Unspecified,
}

/// What a cell holds before it becomes text.
enum Raw<'a> {
    Empty,
    /// The text of `<v>`.
    Value(Cow<'a, str>),
    /// The text of `<is>` (an inline string).
    Inline(String),
}

/// The rows of the sheet whose `<worksheet>` part `xml` reads.
fn read_sheet(xml: &mut Xml<'_>, sheet: &SheetContext<'_>) -> Result<Vec<Vec<String>>, SheetError> {
    loop {
        match xml.next()? {
            Event::Start(e) if e.local_name().as_ref() == b"sheetData" => break,
            Event::Empty(e) if e.local_name().as_ref() == b"sheetData" => return Ok(Vec::new()),
            // A chart sheet, or a part without cells.
            Event::Eof => return Ok(Vec::new()),
            _ => {}
        }
    }
    let mut grid = Grid::default();
    // The position of a cell without an `r` attribute: after the previous one.
    let (mut row, mut col) = (0u32, 0u32);
    let mut cells = 0usize;
    loop {
        let event = xml.next()?;
        let (e, empty) = match event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) if e.local_name().as_ref() == b"row" => {
                row = row.saturating_add(1);
                col = 0;
                grid.end_row();
                continue;
            }
            Event::End(e) if e.local_name().as_ref() == b"sheetData" => break,
            Event::Eof => return Err(SheetError::NotASheet),
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"row" => {
                if let Some(r) = attribute(&e, b"r", xml.decoder())? {
                    row = row_number(r.as_bytes()).ok_or(SheetError::NotASheet)?;
                }
                if empty {
                    row = row.saturating_add(1);
                    col = 0;
                }
            }
            b"c" => {
                cells += 1;
                if cells > MAX_CELLS {
                    return Err(SheetError::TooMuchData);
                }
                let (mut r, mut t, mut s) = (None, CellType::Unspecified, None);
                let mut attributes = e.attributes();
                attributes.with_checks(false);
                for a in attributes {
                    let a = a.map_err(|_| SheetError::NotASheet)?;
                    match a.key.as_ref() {
                        b"r" => r = Some(cell_ref(&a.value).ok_or(SheetError::NotASheet)?),
                        b"t" => {
                            t = match a.value.as_ref() {
                                b"n" => CellType::Number,
                                b"s" => CellType::Shared,
                                b"str" | b"inlineStr" => CellType::Text,
                                b"b" => CellType::Bool,
                                b"e" => CellType::Error,
                                b"d" => CellType::IsoDate,
                                _ => return Err(SheetError::NotASheet),
                            }
                        }
                        // An unreadable style index reads as style 0, as calamine read it.
                        b"s" => {
                            s = Some(
                                std::str::from_utf8(&a.value)
                                    .ok()
                                    .and_then(|v| v.parse::<usize>().ok())
                                    .unwrap_or(0),
                            )
                        }
                        _ => {}
                    }
                }
                let (at_row, at_col) = match r {
                    Some((r, c)) => {
                        col = c;
                        (r, c)
                    }
                    None if row < EXCEL_ROWS && col < EXCEL_COLUMNS => (row, col),
                    None => return Err(SheetError::NotASheet),
                };
                col = col.saturating_add(1);
                let raw = if empty {
                    Raw::Empty
                } else {
                    read_cell_children(xml)?
                };
                let format = match s {
                    Some(i) => sheet.styles.get(i).copied(),
                    None => Some(NumberFormat::Plain),
                };
                let text = cell_text(raw, t, format, sheet)?;
                grid.put(at_row, at_col, text)?;
            }
            _ if !empty => xml.skip_element()?,
            _ => {}
        }
    }
    Ok(grid.finish())
}

/// The children of a `<c>` whose start was just read; as in calamine, the last of `<v>`,
/// `<is>` and `<f>` decides (a formula alone is an empty cell; its cached `<v>` is the value).
fn read_cell_children<'a>(xml: &mut Xml<'a>) -> Result<Raw<'a>, SheetError> {
    let mut raw = Raw::Empty;
    loop {
        match xml.next()? {
            Event::Start(e) => {
                raw = match e.local_name().as_ref() {
                    b"v" => Raw::Value(xml.read_text(MAX_CELL_BYTES)?),
                    b"is" => xml
                        .read_string_item(MAX_CELL_BYTES)?
                        .map_or(Raw::Empty, Raw::Inline),
                    b"f" => {
                        xml.skip_element()?;
                        Raw::Empty
                    }
                    _ => {
                        xml.skip_element()?;
                        raw
                    }
                }
            }
            Event::Empty(e) => {
                raw = match e.local_name().as_ref() {
                    b"v" => Raw::Value(Cow::Borrowed("")),
                    b"is" | b"f" => Raw::Empty,
                    _ => raw,
                }
            }
            Event::End(_) => return Ok(raw),
            Event::Eof => return Err(SheetError::NotASheet),
            _ => {}
        }
    }
}

/// A cell's text, or `None` for an empty cell (which does not widen the range). Text is
/// borrowed where it can be (from the shared strings or the part): the grid copies only what
/// it keeps.
fn cell_text<'s>(
    raw: Raw<'s>,
    t: CellType,
    format: Option<NumberFormat>,
    sheet: &SheetContext<'s>,
) -> Result<Option<Cow<'s, str>>, SheetError> {
    let v = match raw {
        Raw::Empty => return Ok(None),
        Raw::Inline(s) => return Ok(Some(trimmed(Cow::Owned(s)))),
        Raw::Value(v) => v,
    };
    let text = match t {
        CellType::Shared => {
            let index: usize = v.trim().parse().map_err(|_| SheetError::NotASheet)?;
            let s = sheet.strings.get(index).ok_or(SheetError::NotASheet)?;
            Cow::Borrowed(&**s)
        }
        CellType::Bool => Cow::Borrowed(if v != "0" { "true" } else { "false" }),
        CellType::Error => Cow::Borrowed(match v.as_ref() {
            "#DIV/0!" => "Div0",
            "#N/A" => "NA",
            "#NAME?" => "Name",
            "#NULL!" => "Null",
            "#NUM!" => "Num",
            "#REF!" => "Ref",
            "#VALUE!" => "Value",
            _ => return Err(SheetError::NotASheet),
        }),
        // Calamine handed ISO dates through untrimmed.
        CellType::IsoDate => v,
        CellType::Text => trimmed(v),
        CellType::Number if v.is_empty() => return Ok(None),
        CellType::Number => {
            let f: f64 = v.parse().map_err(|_| SheetError::NotASheet)?;
            Cow::Owned(number_text(f, format, sheet.date1904))
        }
        CellType::Unspecified => match v.parse::<f64>() {
            Ok(f) => Cow::Owned(number_text(f, format, sheet.date1904)),
            Err(_) => trimmed(v),
        },
    };
    Ok(Some(text))
}

fn trimmed(s: Cow<'_, str>) -> Cow<'_, str> {
    match s {
        Cow::Borrowed(s) => Cow::Borrowed(s.trim()),
        Cow::Owned(s) if s.trim().len() == s.len() => Cow::Owned(s),
        Cow::Owned(s) => Cow::Owned(s.trim().to_string()),
    }
}

/// A number as text: a date where the cell's format shows one, a whole number without
/// decimals, anything else as Rust prints it.
fn number_text(f: f64, format: Option<NumberFormat>, date1904: bool) -> String {
    if format == Some(NumberFormat::Date) {
        return match excel_datetime(f, date1904) {
            Some(dt) if dt.time() == NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.to_string(),
            None => f.to_string(),
        };
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// An Excel serial date as calamine converted it (the 1900 leap-year bug included), or `None`
/// where chrono cannot hold it.
fn excel_datetime(value: f64, date1904: bool) -> Option<NaiveDateTime> {
    let f = if date1904 { value + 1462.0 } else { value };
    let f = if f >= 60.0 { f } else { f + 1.0 };
    // `as` saturates; a delta chrono cannot represent is refused rather than panicking.
    let ms = (f * 86_400_000.0).round() as i64;
    let delta = TimeDelta::try_milliseconds(ms)?;
    NaiveDate::from_ymd_opt(1899, 12, 30)?
        .and_time(NaiveTime::MIN)
        .checked_add_signed(delta)
}

/// The rows being built. Each kept row is dense from column A to its last cell with text;
/// at the end the columns before the first non-empty cell are cut and every row is padded to
/// the common width, which is the shape calamine's range had.
#[derive(Default)]
struct Grid {
    rows: Vec<(u32, Vec<String>)>,
    /// The bounds of the non-empty cells (text or not), as calamine's range spanned them.
    bounds: Option<(u32, u32, u32, u32)>,
    /// Cells allocated in `rows` so far (the sum of their widths).
    materialised: usize,
    text_bytes: usize,
    /// Width of the previous row: the next one is usually as wide.
    last_width: usize,
}

impl Grid {
    fn put(&mut self, row: u32, col: u32, text: Option<Cow<'_, str>>) -> Result<(), SheetError> {
        let Some(text) = text else {
            return Ok(());
        };
        if col as usize >= MAX_COLUMNS {
            return Err(SheetError::TooManyColumns);
        }
        let (top, bottom, left, right) = match self.bounds {
            None => (row, row, col, col),
            Some((t, b, l, r)) => (t.min(row), b.max(row), l.min(col), r.max(col)),
        };
        self.bounds = Some((top, bottom, left, right));
        if (bottom - top) as usize + 1 > MAX_ROWS + 1 {
            return Err(SheetError::TooManyRows);
        }
        if !text.is_empty() {
            self.text_bytes += text.len();
            if self.text_bytes > MAX_TEXT_BYTES {
                return Err(SheetError::TooMuchData);
            }
            if self.rows.last().is_none_or(|(r, _)| *r != row) {
                self.end_row();
                self.rows
                    .push((row, Vec::with_capacity(self.last_width.min(MAX_COLUMNS))));
            }
            let col = col as usize;
            if let Some((_, cells)) = self.rows.last_mut() {
                if cells.len() <= col {
                    self.materialised += col + 1 - cells.len();
                    if self.materialised > MAX_GRID_CELLS {
                        return Err(SheetError::TooMuchData);
                    }
                    cells.resize(col + 1, String::new());
                }
                cells[col] = text.into_owned();
            }
        }
        // What `finish` will allocate: every kept row at the common width.
        let width = (right - left) as usize + 1;
        if self.rows.len().saturating_mul(width) > MAX_GRID_CELLS {
            return Err(SheetError::TooMuchData);
        }
        Ok(())
    }

    /// Gives back what the last row reserved beyond its cells.
    fn end_row(&mut self) {
        if let Some((_, cells)) = self.rows.last_mut() {
            self.last_width = cells.len();
            cells.shrink_to_fit();
        }
    }

    fn finish(mut self) -> Vec<Vec<String>> {
        let Some((_, _, left, right)) = self.bounds else {
            return Vec::new();
        };
        self.end_row();
        let (left, width) = (left as usize, (right - left) as usize + 1);
        // Rows out of order, or one row split over several elements, as calamine placed them:
        // by position, a later cell over an earlier one.
        if !self.rows.is_sorted_by(|a, b| a.0 < b.0) {
            self.rows.sort_by_key(|(r, _)| *r);
            let mut merged: Vec<(u32, Vec<String>)> = Vec::with_capacity(self.rows.len());
            for (r, cells) in self.rows {
                match merged.last_mut() {
                    Some((last, into)) if *last == r => {
                        if into.len() < cells.len() {
                            into.resize(cells.len(), String::new());
                        }
                        for (i, cell) in cells.into_iter().enumerate() {
                            if !cell.is_empty() {
                                into[i] = cell;
                            }
                        }
                    }
                    _ => merged.push((r, cells)),
                }
            }
            self.rows = merged;
        }
        self.rows
            .into_iter()
            .map(|(_, mut cells)| {
                cells.drain(..left.min(cells.len()));
                cells.reserve_exact(width.saturating_sub(cells.len()));
                cells.resize(width, String::new());
                cells
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cell_references_stay_inside_excels_grid() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"b12"), Some((11, 1)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        for bad in [
            &b"XFE1"[..],
            b"A0",
            b"A1048577",
            b"AAAA1",
            b"A-1",
            b"A99999999999",
            b"1A",
            b"A",
            b"",
            b"$A$1",
        ] {
            assert_eq!(cell_ref(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn custom_formats_that_show_dates_are_recognised() {
        for code in [
            "yyyy\"年\"m\"月\"d\"日\"",
            "DD/MM/YY",
            "H:MM:SS;@",
            "[h]:mm:ss",
            "[$-804]yyyy/m/d",
        ] {
            assert_eq!(custom_format(code), NumberFormat::Date, "{code}");
        }
        for code in [
            "0.00",
            "#,##0\\ \"d\"",
            "\"Y: \"0.00\"m\"",
            "[>=100][Magenta].00",
        ] {
            assert_eq!(custom_format(code), NumberFormat::Plain, "{code}");
        }
        assert_eq!(builtin_format("14"), NumberFormat::Date);
        assert_eq!(builtin_format("31"), NumberFormat::Date);
        assert_eq!(builtin_format("49"), NumberFormat::Plain);
        assert_eq!(builtin_format("x"), NumberFormat::Plain);
    }

    #[test]
    fn numbers_read_as_before() {
        assert_eq!(number_text(12.0, Some(NumberFormat::Plain), false), "12");
        assert_eq!(number_text(-0.0, None, false), "0");
        assert_eq!(number_text(1.5, None, false), "1.5");
        assert_eq!(number_text(1e15, None, false), "1000000000000000");
        assert_eq!(number_text(f64::NAN, None, false), "NaN");
        assert_eq!(
            number_text(46346.0, Some(NumberFormat::Date), false),
            "2026-11-20"
        );
        assert_eq!(
            number_text(46346.5, Some(NumberFormat::Date), false),
            "2026-11-20 12:00:00"
        );
        assert_eq!(
            number_text(44884.0, Some(NumberFormat::Date), true),
            "2026-11-20"
        );
        // Beyond what chrono holds: the number, never a panic.
        assert_eq!(
            number_text(1e300, Some(NumberFormat::Date), false).len(),
            301
        );
        assert_eq!(
            number_text(-1e300, Some(NumberFormat::Date), false).len(),
            302
        );
    }
}
