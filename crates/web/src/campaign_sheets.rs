//! Spreadsheets of the campaign module: reading a task list (责任清单) from an Excel or CSV sheet
//! into drafts for the clerk to confirm, and writing the dispatch table (调度表) as a workbook a
//! district office would accept — title, reporting office and period, one row per unit with
//! numbers as numbers, a total row.

use crate::i18n::{Lang, t};
use crate::sheets::SheetError;
use hazardnet_domain::campaign::{
    COMPUTED_FIGURES, Cadence, FILLED_FIGURES, TaskDraft, notice::cadence_in, notice::split_units,
    parse_deadline,
};
use hazardnet_store::{DispatchRow, DispatchTable};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

/// Accepted headers of a task sheet, by field.
const TASK_COLUMNS: [(&str, &[&str]); 5] = [
    (
        "text",
        &["任务内容", "工作任务", "重点任务", "任务", "task", "text"],
    ),
    (
        "lead_units",
        &["牵头单位", "责任单位", "lead units", "lead_units"],
    ),
    (
        "co_units",
        &["配合单位", "协同单位", "co units", "co_units"],
    ),
    (
        "deadline",
        &["完成时限", "时限要求", "完成时间", "deadline"],
    ),
    ("cadence", &["报送频次", "报送要求", "cadence"]),
];

/// A reporting rule as a clerk types it: a code (monthly:28) or words (每月28日, 每半月, 每季度).
pub fn cadence_from_words(words: &str) -> Option<Cadence> {
    let words = words.trim();
    Cadence::parse(words)
        .ok()
        .or_else(|| cadence_in(words))
        .or_else(|| (words.contains("季度")).then_some(Cadence::Quarterly { due_day: 5 }))
}

/// Task drafts from sheet rows (header first). Rows are numbered from 1 in sheet order; a row
/// missing its units or with an unreadable deadline carries the problem.
pub fn task_drafts(rows: &[Vec<String>], year: i32) -> Result<Vec<TaskDraft>, SheetError> {
    let (header, body) = rows.split_first().ok_or(SheetError::Empty)?;
    let position = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| n.eq_ignore_ascii_case(h.trim())))
    };
    let mut index = std::collections::HashMap::new();
    for (key, names) in TASK_COLUMNS {
        if let Some(p) = position(names) {
            index.insert(key, p);
        }
    }
    for required in ["text", "lead_units", "deadline"] {
        if !index.contains_key(required) {
            return Err(SheetError::MissingColumn(required));
        }
    }
    let mut drafts = Vec::new();
    for row in body {
        let cell = |key: &str| {
            index
                .get(key)
                .and_then(|&p| row.get(p))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        if row.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let (lead_units, _) = split_units(&cell("lead_units"));
        let (co_lead, co_rest) = split_units(&cell("co_units"));
        let co_units: Vec<String> = co_lead.into_iter().chain(co_rest).collect();
        let deadline = parse_deadline(&cell("deadline"), year);
        let cadence_text = cell("cadence");
        let cadence = cadence_from_words(&cadence_text);
        let mut problems = Vec::new();
        if cell("text").is_empty() {
            problems.push("no_text".to_string());
        }
        if lead_units.is_empty() {
            problems.push("no_units".to_string());
        }
        if deadline.due_on.is_none() && !deadline.ongoing {
            problems.push("no_deadline".to_string());
        }
        if !cadence_text.is_empty() && cadence.is_none() {
            problems.push("bad_cadence".to_string());
        }
        drafts.push(TaskDraft {
            number: drafts.len() as u32 + 1,
            text: cell("text"),
            lead_units,
            co_units,
            deadline,
            cadence,
            problems,
        });
    }
    if drafts.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(drafts)
}

/// The value of one figure of a row: computed ones from the ledger, filled ones as filed.
pub fn figure(row: &DispatchRow, key: &str) -> Option<f64> {
    let l = &row.ledger;
    match key {
        "hazards_found" => Some(l.hazards_found as f64),
        "major_found" => Some(l.major_found as f64),
        "rectified" => Some(l.rectified as f64),
        "major_rectified" => Some(l.major_rectified as f64),
        "rectification_rate" => row.rectification_rate,
        "overdue" => Some(l.overdue as f64),
        other => row.filled.get(other).map(|v| *v as f64),
    }
}

/// Every column of the table after the unit's name, in order.
pub fn figure_columns() -> Vec<&'static str> {
    let mut keys = vec![FILLED_FIGURES[0], FILLED_FIGURES[1]];
    keys.extend_from_slice(COMPUTED_FIGURES);
    keys.extend_from_slice(&FILLED_FIGURES[2..]);
    keys
}

pub fn dispatch_workbook(lang: Lang, table: &DispatchTable) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(t(lang, "dispatch.sheet"))?;
    let columns = figure_columns();
    let last_col = (columns.len() + 2) as u16;
    let title = Format::new()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let border = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let head = border
        .clone()
        .set_bold()
        .set_background_color("#E8EEF7")
        .set_align(FormatAlign::Center);
    let total = border.clone().set_bold();
    sheet.merge_range(
        0,
        0,
        0,
        last_col,
        &format!(
            "{}{}",
            table.campaign_title,
            t(lang, "dispatch.title_suffix")
        ),
        &title,
    )?;
    let info = format!(
        "{}：{}    {}：{} — {}    {}：{}",
        t(lang, "dispatch.office"),
        table.office_name,
        t(lang, "dispatch.period"),
        table.period.starts_on,
        table.period.ends_on,
        t(lang, "dispatch.due_on"),
        table.period.due_on,
    );
    sheet.merge_range(1, 0, 1, last_col, &info, &Format::new())?;
    sheet.set_row_height(2, 45)?;
    sheet.write_string_with_format(2, 0, t(lang, "dispatch.seq"), &head)?;
    sheet.write_string_with_format(2, 1, t(lang, "dispatch.unit"), &head)?;
    sheet.set_column_width(0, 6)?;
    sheet.set_column_width(1, 22)?;
    for (i, key) in columns.iter().enumerate() {
        let col = (i + 2) as u16;
        sheet.set_column_width(col, 11)?;
        sheet.write_string_with_format(2, col, t(lang, &format!("figure.{key}")), &head)?;
    }
    sheet.set_column_width(last_col, 12)?;
    sheet.write_string_with_format(2, last_col, t(lang, "dispatch.return_status"), &head)?;
    let mut r = 3u32;
    let write_row = |sheet: &mut rust_xlsxwriter::Worksheet,
                     r: u32,
                     seq: Option<u32>,
                     row: &DispatchRow,
                     fmt: &Format|
     -> Result<(), XlsxError> {
        match seq {
            Some(n) => sheet.write_number_with_format(r, 0, n, fmt)?,
            None => sheet.write_string_with_format(r, 0, t(lang, "dispatch.total"), fmt)?,
        };
        sheet.write_string_with_format(r, 1, &row.unit, fmt)?;
        for (i, key) in columns.iter().enumerate() {
            let col = (i + 2) as u16;
            match figure(row, key) {
                Some(v) => sheet.write_number_with_format(r, col, v, fmt)?,
                None => sheet.write_blank(r, col, fmt)?,
            };
        }
        let status = if row.return_status.is_empty() {
            String::new()
        } else {
            t(lang, &format!("return_status.{}", row.return_status))
        };
        sheet.write_string_with_format(r, last_col, status, fmt)?;
        Ok(())
    };
    for (i, row) in table.rows.iter().enumerate() {
        write_row(sheet, r, Some(i as u32 + 1), row, &border)?;
        r += 1;
    }
    write_row(sheet, r, None, &table.total, &total)?;
    sheet.write_string(r + 2, 0, t(lang, "dispatch.footnote"))?;
    sheet.set_freeze_panes(3, 2)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(lines: &[&[&str]]) -> Vec<Vec<String>> {
        lines
            .iter()
            .map(|l| l.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn a_task_sheet_becomes_drafts_with_their_problems() {
        let sheet = rows(&[
            &[
                "序号",
                "任务内容",
                "牵头单位",
                "配合单位",
                "完成时限",
                "报送频次",
            ],
            &[
                "1",
                "开展专项检查",
                "区应急管理局",
                "区公安分局、各街道办事处",
                "2021年2月底前见成效，长期坚持",
                "每月28日",
            ],
            &["2", "建立专家库", "", "", "3月底前", ""],
            &["3", "组织演练", "各街道办事处", "", "尽快", "每周"],
        ]);
        let drafts = task_drafts(&sheet, 2021).unwrap();
        assert_eq!(drafts.len(), 3);
        assert!(drafts[0].problems.is_empty());
        assert_eq!(drafts[0].co_units, ["区公安分局", "各街道办事处"]);
        assert_eq!(
            drafts[0].cadence,
            Some(Cadence::Monthly {
                due_day: 28,
                next_month: false
            })
        );
        assert_eq!(drafts[1].problems, ["no_units"]);
        assert_eq!(drafts[2].problems, ["no_deadline", "bad_cadence"]);
        let missing = rows(&[&["任务内容", "完成时限"], &["x", "长期坚持"]]);
        assert!(matches!(
            task_drafts(&missing, 2021),
            Err(SheetError::MissingColumn("lead_units"))
        ));
    }
}
