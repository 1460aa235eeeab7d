//! The hazard page's correction form (更正), offered only when the domain's rule
//! (`correction_rights`) lets the caller correct something now, and kept as typed when
//! refused; after a conflict with a colleague's change it shows the current content beside
//! what was typed. Also the history's details: what a correction changed, and why.

use super::detail_page_with;
use crate::AppState;
use crate::auth::PageCaller;
use crate::error::ApiError;
use crate::i18n::{Lang, t, t_args};
use crate::ui::{Choice, Chrome, HistoryLine, history_lines, page_error};
use axum::extract::{Form, Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use hazardnet_domain::DomainError;
use hazardnet_domain::hazard::{CATEGORIES, CorrectionRights, HazardCorrection, HazardLevel};
use hazardnet_store::{AuditEntry, Hazard, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value};

/// The correction form as the page shows it.
pub struct CorrectionForm {
    /// The version the correction is made on: the one read, or after a conflict the current one.
    pub expected_version: i64,
    pub title: String,
    pub description: String,
    pub place: String,
    pub reason: String,
    pub categories: Vec<Choice>,
    pub levels: Vec<Choice>,
    /// Title, description, place and category may be changed (else they are shown read-only).
    pub fields: bool,
    /// Refused: the form is shown open.
    pub refused: bool,
    /// Refused because the hazard changed since the form was read.
    stale: bool,
    /// Refused on a stale version: the current content as (label, value), shown beside what
    /// was typed.
    pub conflict: Vec<(String, String)>,
    typed_category: String,
    typed_level: String,
}

impl CorrectionForm {
    /// The form for `h`: filled from the hazard, or from `typed` when it was refused.
    pub fn for_hazard(
        lang: Lang,
        h: &Hazard,
        rights: CorrectionRights,
        typed: Option<CorrectionForm>,
    ) -> CorrectionForm {
        let mut form = typed.unwrap_or_else(|| CorrectionForm {
            expected_version: h.version,
            title: h.title.clone(),
            description: h.description.clone(),
            place: h.place.clone(),
            reason: String::new(),
            categories: vec![],
            levels: vec![],
            fields: false,
            refused: false,
            stale: false,
            conflict: vec![],
            typed_category: h.category.clone(),
            typed_level: h.level.clone(),
        });
        if form.stale {
            // Shown against the content as it is now: submitting again corrects that version.
            form.expected_version = h.version;
            form.conflict = vec![
                (t(lang, "field.title"), h.title.clone()),
                (t(lang, "field.description"), h.description.clone()),
                (t(lang, "field.place"), h.place.clone()),
                (t(lang, "field.category"), category_label(&h.category)),
                (
                    t(lang, "field.level"),
                    t(lang, &format!("hazard_level.{}", h.level)),
                ),
            ];
        }
        form.fields = rights.fields;
        form.categories = CATEGORIES
            .iter()
            .map(|(c, n)| {
                Choice::new(
                    *c,
                    format!("{}{} {}", if c.len() == 2 { "　" } else { "" }, c, n),
                    &form.typed_category,
                )
            })
            .collect();
        // The current level, and the other one only where the rule allows the change.
        form.levels = HazardLevel::ALL
            .iter()
            .filter(|level| {
                level.as_str() == h.level
                    || (**level == HazardLevel::Major && rights.upgrade)
                    || (**level == HazardLevel::General && rights.downgrade)
            })
            .map(|level| {
                Choice::new(
                    level.as_str(),
                    t(lang, &format!("hazard_level.{}", level.as_str())),
                    &form.typed_level,
                )
            })
            .collect();
        form
    }
}

fn category_label(code: &str) -> String {
    CATEGORIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(c, n)| format!("{c} {n}"))
        .unwrap_or_else(|| code.to_string())
}

#[derive(Debug, Deserialize)]
pub struct CorrectionInput {
    #[serde(default)]
    expected_version: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    reason: String,
}

impl CorrectionInput {
    fn correction(&self) -> Result<HazardCorrection, ApiError> {
        let expected_version = self.expected_version.trim().parse().map_err(|_| {
            ApiError::Store(StoreError::Domain(DomainError::InvalidValue {
                field: "expected_version",
                value: self.expected_version.clone(),
            }))
        })?;
        Ok(HazardCorrection {
            expected_version,
            reason: self.reason.clone(),
            title: Some(self.title.clone()),
            description: Some(self.description.clone()),
            place: Some(self.place.clone()),
            category: Some(self.category.clone()),
            level: Some(self.level.clone()),
        })
    }

    /// The form as typed, refused (`conflict`: on a stale version).
    fn refused(self, conflict: bool) -> CorrectionForm {
        CorrectionForm {
            expected_version: self.expected_version.trim().parse().unwrap_or_default(),
            title: self.title,
            description: self.description,
            place: self.place,
            reason: self.reason,
            categories: vec![],
            levels: vec![],
            fields: false,
            refused: true,
            stale: conflict,
            // Filled with the current content by `for_hazard`.
            conflict: vec![],
            typed_category: self.category,
            typed_level: self.level,
        }
    }
}

pub async fn correct_hazard(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(input): Form<CorrectionInput>,
) -> Response {
    let result = match input.correction() {
        Ok(correction) => state
            .store
            .correct_hazard(&caller.principal, id, &correction)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let error = match result {
        Ok(_) => return Redirect::to(&format!("/hazards/{id}")).into_response(),
        Err(ApiError::Store(StoreError::NotFound)) => {
            return page_error(&headers, Some(&caller), ApiError::NotFound);
        }
        Err(e) => e,
    };
    let chrome = Chrome::new(&headers, Some(&caller), "hazards");
    let conflict = matches!(error, ApiError::Store(StoreError::StaleVersion(_)));
    let message = if conflict {
        chrome.t("ui.correct_conflict")
    } else {
        chrome.error_message(&error)
    };
    let mut response = detail_page_with(
        &state,
        &headers,
        &caller,
        id,
        Some(message),
        Some(input.refused(conflict)),
    )
    .await;
    // The status of the refusal (409 conflict or closed, 403, 422), as the API answers it.
    let (status, _) = error.status_and_payload();
    if response.status().is_success() || response.status().is_client_error() {
        *response.status_mut() = status;
    }
    response
}

/// The hazard's history, with what each correction changed (before → after) and the reason
/// of a correction or a reopening: "更正：等级 一般→重大（原因：…）".
pub fn hazard_history_lines(lang: Lang, entries: Vec<AuditEntry>) -> Vec<HistoryLine> {
    let details: Vec<(String, String)> = entries.iter().map(|e| detail(lang, e)).collect();
    let mut lines = history_lines(lang, entries);
    for (line, (changes, reason)) in lines.iter_mut().zip(details) {
        if !changes.is_empty() {
            line.action = t_args(
                lang,
                "ui.history_detail",
                &[("what", line.action.as_str()), ("detail", changes.as_str())],
            );
        }
        line.action.push_str(&reason);
    }
    lines
}

fn json_object(json: Option<&str>) -> Map<String, Value> {
    json.and_then(|j| serde_json::from_str(j).ok())
        .unwrap_or_default()
}

/// What an entry changed, and its reason (each empty where the entry has none).
fn detail(lang: Lang, entry: &AuditEntry) -> (String, String) {
    let after = json_object(entry.after_json.as_deref());
    let reason_of = |reason: Option<&Value>| {
        let reason = reason.and_then(Value::as_str).unwrap_or("").trim();
        if reason.is_empty() {
            String::new()
        } else {
            t_args(lang, "ui.history_reason", &[("reason", reason)])
        }
    };
    match entry.action.as_str() {
        "hazard.correct" => {
            let before = json_object(entry.before_json.as_deref());
            let parts: Vec<String> = [
                "title",
                "description",
                "place",
                "category",
                "level",
                "state",
                "deadline",
            ]
            .into_iter()
            .filter_map(|field| {
                let new = after.get(field)?;
                Some(format!(
                    "{} {}→{}",
                    t(lang, &format!("short.{field}")),
                    shown(lang, field, before.get(field)),
                    shown(lang, field, Some(new)),
                ))
            })
            .collect();
            (
                parts.join(&t(lang, "ui.history_sep")),
                reason_of(after.get("reason")),
            )
        }
        "hazard.reopen" => (
            String::new(),
            reason_of(after.get("action").and_then(|a| a.get("reason"))),
        ),
        _ => (String::new(), String::new()),
    }
}

/// A recorded value as people read it: levels and states by name, long text cut short.
fn shown(lang: Lang, field: &str, value: Option<&Value>) -> String {
    let Some(text) = value.and_then(Value::as_str) else {
        return "—".to_string();
    };
    match field {
        "level" => t(lang, &format!("short.level.{text}")),
        "state" => t(lang, &format!("hazard_state.{text}")),
        "category" => category_label(text),
        _ if text.chars().count() > 40 => format!("{}…", text.chars().take(40).collect::<String>()),
        _ if text.is_empty() => "—".to_string(),
        _ => text.to_string(),
    }
}
