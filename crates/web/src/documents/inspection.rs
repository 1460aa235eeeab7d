//! The documents of an inspection: the on-site inspection record (现场检查记录) and the
//! rectification notice, as [`OfficialDocument`]s. The notice is the one decided at sign-off:
//! an office with enforcement power orders (责令限期整改指令书: 安全生产法 第六十五条, review and
//! litigation rights); one without notifies (隐患整改通知书: what to fix by when, and that a
//! failure is reported to the department that enforces) and uses no enforcement wording.
//! Each failed item cites its standard and clause (`Inspection::item_citation`), never the
//! data's free remarks.

use super::{Block, OfficialDocument, chinese_date};
use crate::i18n::{Lang, t, t_args};
use hazardnet_domain::inspection::NoticeKind;
use hazardnet_store::{Inspection, InspectionItem};

fn day(text: &str) -> String {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(chinese_date)
        .unwrap_or_else(|_| text.to_string())
}

fn team_line(lang: Lang, inspection: &Inspection) -> String {
    inspection
        .team
        .iter()
        .map(|m| {
            if m.expert {
                format!("{}（{}）", m.name, t(lang, "inspection.expert"))
            } else {
                m.name.clone()
            }
        })
        .collect::<Vec<_>>()
        .join("、")
}

/// The on-site record; `notice_kind` is the notice issued at sign-off, if any.
pub fn record(
    lang: Lang,
    inspection: &Inspection,
    items: &[InspectionItem],
    notice_kind: Option<NoticeKind>,
) -> OfficialDocument {
    let failed = items
        .iter()
        .filter(|i| i.result.as_deref() == Some("fail"))
        .count();
    let major = items
        .iter()
        .filter(|i| i.result.as_deref() == Some("fail") && i.major != 0)
        .count();
    let mut blocks = vec![
        Block::Paragraph(t_args(
            lang,
            "inspection.doc_when",
            &[("date", day(&inspection.inspected_on))],
        )),
        Block::Paragraph(t_args(
            lang,
            "inspection.doc_kind",
            &[(
                "kind",
                t(lang, &format!("inspection_kind.{}", inspection.kind)),
            )],
        )),
        Block::Paragraph(t_args(
            lang,
            "inspection.doc_team",
            &[("team", team_line(lang, inspection))],
        )),
        Block::Paragraph(t_args(
            lang,
            "inspection.doc_basis",
            &[("basis", inspection.template_name.clone())],
        )),
        Block::Table {
            header: [
                "dispatch.seq",
                "field.clause",
                "field.item_text",
                "inspection.result",
                "field.note",
            ]
            .iter()
            .map(|k| t(lang, k))
            .collect(),
            widths: vec![2, 3, 9, 3, 5],
            rows: items
                .iter()
                .map(|i| {
                    vec![
                        i.seq.to_string(),
                        i.clause.clone(),
                        i.text.clone(),
                        i.result
                            .as_deref()
                            .map(|r| t(lang, &format!("item_result.{r}")))
                            .unwrap_or_default(),
                        i.note.clone(),
                    ]
                })
                .collect(),
        },
        Block::Paragraph(t_args(
            lang,
            "inspection.doc_summary",
            &[
                ("items", items.len().to_string()),
                ("failed", failed.to_string()),
                ("major", major.to_string()),
            ],
        )),
    ];
    if let (Some(number), Some(deadline), Some(kind)) = (
        &inspection.notice_number,
        &inspection.notice_deadline,
        notice_kind,
    ) {
        blocks.push(Block::Paragraph(t_args(
            lang,
            "inspection.doc_notice_issued",
            &[
                ("title", t(lang, &format!("notice_kind.{}", kind.as_str()))),
                ("number", number.clone()),
                ("deadline", day(deadline)),
            ],
        )));
    }
    blocks.push(Block::Paragraph(t(lang, "inspection.doc_signatures")));
    OfficialDocument {
        mark: inspection.org_name.clone(),
        doc_number: inspection.number.clone(),
        title: t(lang, "inspection.record_title"),
        recipients: t_args(
            lang,
            "inspection.doc_inspected",
            &[("enterprise", inspection.enterprise_name.clone())],
        ),
        blocks,
        signature: inspection.org_name.clone(),
        date: day(&inspection.inspected_on),
    }
}

/// The rectification notice of the kind issued at sign-off; None when nothing failed (no
/// notice was issued).
pub fn notice(
    lang: Lang,
    inspection: &Inspection,
    items: &[InspectionItem],
    kind: NoticeKind,
) -> Option<OfficialDocument> {
    let number = inspection.notice_number.clone()?;
    let deadline = day(inspection.notice_deadline.as_deref()?);
    let mut blocks = vec![Block::Paragraph(t_args(
        lang,
        "notice.found",
        &[
            ("date", day(&inspection.inspected_on)),
            ("record", inspection.number.clone()),
        ],
    ))];
    for (n, item) in items
        .iter()
        .filter(|i| i.result.as_deref() == Some("fail"))
        .enumerate()
    {
        // A composite element is major only as part of the composite hazard it became.
        let mark = if item.major != 0 || (item.composite != 0 && item.hazard_id.is_some()) {
            t(lang, "notice.major_mark")
        } else if item.composite != 0 {
            format!("（{}）", t(lang, "ui.composite_finding"))
        } else {
            String::new()
        };
        blocks.push(Block::Paragraph(format!(
            "{}. {}{}（{}{}）",
            n + 1,
            item.note,
            mark,
            t(lang, "notice.basis"),
            inspection.item_citation(item),
        )));
    }
    let prefix = match kind {
        NoticeKind::Directive => "notice",
        NoticeKind::RectificationNotice => "rectification_notice",
    };
    blocks.push(Block::Paragraph(t_args(
        lang,
        &format!("{prefix}.order"),
        &[("deadline", deadline.clone())],
    )));
    blocks.push(Block::Paragraph(t(lang, &format!("{prefix}.major_rule"))));
    if kind.is_order() {
        blocks.push(Block::Paragraph(t(lang, "notice.appeal")));
    }
    Some(OfficialDocument {
        mark: inspection.org_name.clone(),
        doc_number: number,
        title: t(lang, &format!("notice_kind.{}", kind.as_str())),
        recipients: format!("{}：", inspection.enterprise_name),
        blocks,
        signature: inspection.org_name.clone(),
        date: inspection
            .signed_off_at
            .as_deref()
            .map(|s| day(&crate::ui::china_day(s)))
            .unwrap_or_default(),
    })
}
