//! Official documents (公文) generated from the data: a layout-neutral model
//! ([`OfficialDocument`]) rendered as an editable DOCX ([`docx`]) and as a PDF ([`pdf`]), both
//! in the GB/T 9704-2012 layout. The bulletin (通报) of a campaign's period is built here from
//! its dispatch table, its returns and the open major hazards of its area; every sentence comes
//! from the translation files.

pub mod docx;
pub mod inspection;
pub mod pdf;

use crate::AppState;
use crate::api::campaigns::{DispatchQuery, dispatch_table};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::i18n::{Lang, t, t_args};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;
use hazardnet_store::{DispatchRow, HazardFilter, StoreError};

pub const DOCX_MIME: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// 一、… (黑体)
    Heading(String),
    /// （一）… (楷体)
    Subheading(String),
    Paragraph(String),
    Table {
        header: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// The parts of a document GB/T 9704 lays out.
#[derive(Debug, Clone, PartialEq)]
pub struct OfficialDocument {
    /// 发文机关标志, printed in red.
    pub mark: String,
    /// 发文字号
    pub doc_number: String,
    pub title: String,
    /// 主送机关, ending in "：".
    pub recipients: String,
    pub blocks: Vec<Block>,
    /// 发文机关署名
    pub signature: String,
    /// 成文日期, e.g. 2026年11月23日
    pub date: String,
}

pub fn attachment(bytes: Vec<u8>, mime: &str, filename: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"document\"; filename*=UTF-8''{}",
                    urlencoding::encode(filename)
                ),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// `doc` laid out as a PDF (on a blocking thread), as a download named `{file_stem}.pdf`.
pub async fn pdf_response(doc: OfficialDocument, file_stem: &str) -> Result<Response, ApiError> {
    let bytes = tokio::task::spawn_blocking(move || pdf::render(&doc))
        .await
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?
        .map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    Ok(attachment(
        bytes,
        "application/pdf",
        &format!("{file_stem}.pdf"),
    ))
}

/// `doc` as an editable DOCX download named `{file_stem}.docx`.
pub fn docx_response(doc: &OfficialDocument, file_stem: &str) -> Result<Response, ApiError> {
    let bytes =
        docx::render(doc).map_err(|e| ApiError::Store(StoreError::Internal(e.to_string())))?;
    Ok(attachment(bytes, DOCX_MIME, &format!("{file_stem}.docx")))
}

pub struct Bulletin {
    pub document: OfficialDocument,
    pub file_stem: String,
}

pub fn chinese_date(d: chrono::NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

fn count(v: i64) -> String {
    v.to_string()
}

fn filled(row: &DispatchRow, key: &str) -> i64 {
    row.filled.get(key).copied().unwrap_or(0)
}

/// The bulletin of a campaign's period at an office (defaults as for the dispatch table).
pub async fn bulletin(
    state: &AppState,
    caller: &Caller,
    lang: Lang,
    campaign_id: i64,
    query: &DispatchQuery,
) -> Result<Bulletin, ApiError> {
    let who = &caller.principal;
    let campaign = state.store.campaign(who, campaign_id).await?;
    let table = dispatch_table(state, caller, campaign_id, query).await?;
    let tasks = state.store.tasks(who, campaign_id).await?;
    let today = state.store.today();
    let total = &table.total;
    let p = &table.period;
    let period_label = format!("{}—{}", chinese_date(p.starts_on), chinese_date(p.ends_on));
    let rate = total
        .rectification_rate
        .map(|r| format!("{r:.1}%"))
        .unwrap_or_else(|| "—".into());

    let mut blocks = Vec::new();
    let reference = if campaign.doc_number.is_empty() {
        format!("《{}》", campaign.title)
    } else {
        format!("《{}》（{}）", campaign.title, campaign.doc_number)
    };
    blocks.push(Block::Paragraph(t_args(
        lang,
        "bulletin.intro",
        &[
            ("reference", reference.as_str()),
            ("period", period_label.as_str()),
        ],
    )));
    blocks.push(Block::Heading(t(lang, "bulletin.h_overall")));
    blocks.push(Block::Paragraph(t_args(
        lang,
        "bulletin.overall",
        &[
            ("office", table.office_name.clone()),
            ("checked", count(filled(total, "enterprises_checked"))),
            ("found", count(total.ledger.hazards_found)),
            ("major", count(total.ledger.major_found)),
            ("rectified", count(total.ledger.rectified)),
            ("major_rectified", count(total.ledger.major_rectified)),
            ("cumulative_found", count(total.ledger.cumulative_found)),
            (
                "cumulative_rectified",
                count(total.ledger.cumulative_rectified),
            ),
            ("rate", rate.clone()),
            ("overdue", count(total.ledger.overdue)),
            ("cases", count(filled(total, "cases_filed"))),
            ("fines", count(filled(total, "fines_yuan"))),
            ("drills", count(filled(total, "drills"))),
        ],
    )));

    // 二、各单位情况: ranked by rectification rate, then by hazards found.
    blocks.push(Block::Heading(t(lang, "bulletin.h_units")));
    let mut ranked: Vec<&DispatchRow> = table.rows.iter().collect();
    ranked.sort_by(|a, b| {
        b.rectification_rate
            .unwrap_or(-1.0)
            .total_cmp(&a.rectification_rate.unwrap_or(-1.0))
            .then(b.ledger.hazards_found.cmp(&a.ledger.hazards_found))
    });
    blocks.push(Block::Paragraph(t(lang, "bulletin.units_intro")));
    blocks.push(Block::Table {
        header: [
            "bulletin.col_rank",
            "dispatch.unit",
            "figure.enterprises_checked",
            "figure.hazards_found",
            "figure.major_found",
            "figure.rectification_rate",
            "figure.overdue",
            "dispatch.return_status",
        ]
        .iter()
        .map(|k| t(lang, k))
        .collect(),
        rows: ranked
            .iter()
            .enumerate()
            .map(|(i, r)| {
                vec![
                    (i + 1).to_string(),
                    r.unit.clone(),
                    r.filled
                        .get("enterprises_checked")
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "—".into()),
                    r.ledger.hazards_found.to_string(),
                    r.ledger.major_found.to_string(),
                    r.rectification_rate
                        .map(|v| format!("{v:.1}%"))
                        .unwrap_or_else(|| "—".into()),
                    r.ledger.overdue.to_string(),
                    if r.return_status.is_empty() {
                        String::new()
                    } else {
                        t(lang, &format!("return_status.{}", r.return_status))
                    },
                ]
            })
            .collect(),
    });

    // 三、存在的问题: returns late or missing, overdue hazards.
    blocks.push(Block::Heading(t(lang, "bulletin.h_problems")));
    let names = |status: &str| -> Vec<String> {
        table
            .rows
            .iter()
            .filter(|r| r.return_status == status)
            .map(|r| r.unit.clone())
            .collect()
    };
    let (late, missing) = (names("late"), names("missing"));
    let overdue_units: Vec<String> = table
        .rows
        .iter()
        .filter(|r| r.ledger.overdue > 0)
        .map(|r| format!("{}（{}）", r.unit, r.ledger.overdue))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(t_args(
            lang,
            "bulletin.missing",
            &[("units", missing.join("、"))],
        ));
    }
    if !late.is_empty() {
        problems.push(t_args(lang, "bulletin.late", &[("units", late.join("、"))]));
    }
    if !overdue_units.is_empty() {
        problems.push(t_args(
            lang,
            "bulletin.overdue_units",
            &[("units", overdue_units.join("、"))],
        ));
    }
    if problems.is_empty() {
        problems.push(t(lang, "bulletin.no_problems"));
    }
    for (i, text) in problems.into_iter().enumerate() {
        blocks.push(Block::Paragraph(format!("{}. {text}", i + 1)));
    }

    // 四、重大事故隐患: the open major hazards of the office's area.
    blocks.push(Block::Heading(t(lang, "bulletin.h_major")));
    let filter = HazardFilter {
        jurisdiction: Some(table.office_code.clone()),
        level: Some("major".into()),
        state: Some("reported,rectifying,awaiting_acceptance".into()),
        per_page: Some(200),
        ..Default::default()
    };
    let (hazards, open_major) = state.store.hazards(who, &filter).await?;
    if hazards.is_empty() {
        blocks.push(Block::Paragraph(t(lang, "bulletin.no_major")));
    } else {
        blocks.push(Block::Paragraph(t_args(
            lang,
            "bulletin.major_intro",
            &[("count", open_major.to_string())],
        )));
        blocks.push(Block::Table {
            header: [
                "bulletin.col_number",
                "field.enterprise_id",
                "field.title",
                "field.deadline",
                "ledger.state",
                "bulletin.col_supervision",
            ]
            .iter()
            .map(|k| t(lang, k))
            .collect(),
            rows: hazards
                .iter()
                .map(|h| {
                    vec![
                        h.number.clone(),
                        h.enterprise_name.clone(),
                        h.title.clone(),
                        if h.overdue {
                            t_args(
                                lang,
                                "bulletin.overdue_mark",
                                &[("deadline", h.deadline.clone().unwrap_or_default())],
                            )
                        } else {
                            h.deadline.clone().unwrap_or_default()
                        },
                        t(lang, &format!("hazard_state.{}", h.state)),
                        h.listing
                            .as_ref()
                            .map(|l| l.office_name.clone())
                            .unwrap_or_default(),
                    ]
                })
                .collect(),
        });
    }

    // 五、下一步工作要求: the next phase, then the standing requirements.
    blocks.push(Block::Heading(t(lang, "bulletin.h_next")));
    let today_text = today.to_string();
    if let Some(next) = campaign.phases.iter().find(|ph| ph.starts_on > today_text) {
        blocks.push(Block::Paragraph(t_args(
            lang,
            "bulletin.next_phase",
            &[
                ("phase", next.name.as_str()),
                ("from", next.starts_on.as_str()),
                ("to", next.ends_on.as_str()),
            ],
        )));
    }
    blocks.push(Block::Paragraph(t(lang, "bulletin.requirements")));
    if let Some(cadence_words) = tasks
        .iter()
        .find(|t| t.number == 0)
        .map(|t| crate::ui::campaigns::cadence_label(lang, &t.cadence))
    {
        blocks.push(Block::Paragraph(t_args(
            lang,
            "bulletin.reporting",
            &[("cadence", cadence_words)],
        )));
    }

    let recipients: Vec<String> = tasks
        .iter()
        .find(|t| t.number == 0)
        .map(|t| {
            let mut names: Vec<String> = Vec::new();
            for u in &t.units {
                if !names.contains(&u.unit_name) {
                    names.push(u.unit_name.clone());
                }
            }
            names
        })
        .unwrap_or_default();
    let title = t_args(
        lang,
        "bulletin.title",
        &[
            ("campaign", campaign.title.as_str()),
            ("period", p.key.as_str()),
        ],
    );
    let document = OfficialDocument {
        mark: campaign.issuing_org_name.clone(),
        doc_number: t_args(
            lang,
            "bulletin.doc_number",
            &[("year", today.year().to_string())],
        ),
        title: title.clone(),
        recipients: format!("{}：", recipients.join("、")),
        blocks,
        signature: campaign.issuing_org_name.clone(),
        date: chinese_date(today),
    };
    Ok(Bulletin {
        document,
        file_stem: title,
    })
}
