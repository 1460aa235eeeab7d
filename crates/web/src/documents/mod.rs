//! Official documents (公文) generated from the data: a layout-neutral model
//! ([`OfficialDocument`]) rendered as an editable DOCX ([`docx`]) and as a PDF ([`pdf`]), both
//! in the GB/T 9704-2012 layout. The bulletin (通报) of a campaign's period is built here from
//! its dispatch table, its returns and the open major hazards of its area; every sentence comes
//! from the translation files. Every figure the system holds (inspections, hazards, enforcement)
//! is counted from its records; what units typed into their returns is shown apart, marked as
//! reported by the unit, and never added to those counts or across units.

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
use hazardnet_domain::campaign::{FILLED_FIGURES, Placing, UnitScore, rank_units};
use hazardnet_store::{HazardFilter, StoreError};

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
        /// Relative column widths (one per header cell); empty for equal columns. Both
        /// renderers fix the columns to them and wrap long cells inside their column.
        widths: Vec<u16>,
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
    let period_label = match lang {
        Lang::En => format!("{} – {}", p.starts_on, p.ends_on),
        _ => p.chinese_label(),
    };
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
    // 一、总体进展情况: every figure the system holds, counted from its records for the whole
    // area (an enterprise inspected by two units is one enterprise).
    blocks.push(Block::Heading(t(lang, "bulletin.h_overall")));
    let work = &total.work;
    blocks.push(Block::Paragraph(t_args(
        lang,
        "bulletin.overall",
        &[
            ("office", table.office_name.clone()),
            ("enterprises", count(work.enterprises_inspected)),
            ("inspections", count(work.inspections)),
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
            ("cases", count(work.cases)),
            ("fines", count(work.fines)),
            ("fines_yuan", count(work.fines_yuan)),
            ("suspensions", count(work.suspensions)),
        ],
    )));
    blocks.push(Block::Paragraph(t(lang, "bulletin.computed_note")));

    // 二、各单位工作情况: the computed figures ranked by the domain's rule, then what each unit
    // typed into its return, apart and never added up.
    blocks.push(Block::Heading(t(lang, "bulletin.h_units")));
    blocks.push(Block::Subheading(t(lang, "bulletin.h_units_computed")));
    blocks.push(Block::Paragraph(t(lang, "bulletin.units_intro")));
    let scores: Vec<UnitScore> = table
        .rows
        .iter()
        .map(|r| UnitScore {
            found: r.ledger.cumulative_found,
            rectified: r.ledger.cumulative_rectified,
            overdue: r.ledger.overdue,
        })
        .collect();
    let no_data = t(lang, "bulletin.no_data");
    blocks.push(Block::Table {
        header: [
            "bulletin.col_rank",
            "dispatch.unit",
            "bulletin.col_enterprises",
            "figure.hazards_found",
            "figure.major_found",
            "figure.rectification_rate",
            "figure.overdue",
            "figure.cases_filed",
            "figure.fines_yuan",
        ]
        .iter()
        .map(|k| t(lang, k))
        .collect(),
        rows: rank_units(&scores)
            .into_iter()
            .filter_map(|(i, placing)| table.rows.get(i).map(|r| (r, placing)))
            .map(|(r, placing)| {
                vec![
                    match placing {
                        Placing::Ranked(n) => n.to_string(),
                        Placing::NoData => "—".into(),
                    },
                    r.unit.clone(),
                    count(r.work.enterprises_inspected),
                    count(r.ledger.hazards_found),
                    count(r.ledger.major_found),
                    match (placing, r.rectification_rate) {
                        (Placing::Ranked(_), Some(v)) => format!("{v:.1}%"),
                        _ => no_data.clone(),
                    },
                    count(r.ledger.overdue),
                    count(r.work.cases),
                    count(r.work.fines_yuan),
                ]
            })
            .collect(),
        widths: vec![5, 16, 8, 8, 8, 9, 8, 7, 10],
    });
    blocks.push(Block::Subheading(t(lang, "bulletin.h_units_reported")));
    blocks.push(Block::Paragraph(t(lang, "bulletin.reported_note")));
    let dash = || "—".to_string();
    blocks.push(Block::Table {
        header: std::iter::once(t(lang, "dispatch.unit"))
            .chain(
                FILLED_FIGURES
                    .iter()
                    .map(|k| t(lang, &format!("figure.{k}"))),
            )
            .chain(std::iter::once(t(lang, "dispatch.return_status")))
            .collect(),
        rows: table
            .rows
            .iter()
            .map(|r| {
                // Only what the unit itself filed: a row rolled up from the units below it
                // would add several units' returns together.
                let own = matches!(r.return_status.as_str(), "on_time" | "late");
                std::iter::once(r.unit.clone())
                    .chain(FILLED_FIGURES.iter().map(|k| {
                        r.filled
                            .get(*k)
                            .filter(|_| own)
                            .map(|v| v.to_string())
                            .unwrap_or_else(dash)
                    }))
                    .chain(std::iter::once(if r.return_status.is_empty() {
                        String::new()
                    } else {
                        t(lang, &format!("return_status.{}", r.return_status))
                    }))
                    .collect()
            })
            .collect(),
        widths: vec![16, 8, 8, 8, 8, 8, 8, 8, 9],
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
            widths: vec![14, 17, 22, 11, 9, 12],
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
            ("period", period_label.as_str()),
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
