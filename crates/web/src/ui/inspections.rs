//! Inspection pages: the list (filters, paging, Excel), opening a record, doing it item by item
//! on a phone (saved as a draft and resumed, signed off once), its documents, and the
//! checklists (shipped standards and an office's own, imported from Excel as new versions).

use super::{Choice, Chrome, Pager, page_error, render};
use crate::AppState;
use crate::api::inspections::InspectionQuery;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t_args;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::inspection::{
    InspectionInput, InspectionKind, NoticeKind, ResultInput, TeamMember,
};
use hazardnet_store::{EnterpriseFilter, Inspection, InspectionItem, StoreError};
use serde::Deserialize;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/inspections", get(list).post(open))
        .route("/inspections/new", get(new_form))
        .route("/inspections/{id}", get(detail))
        .route("/inspections/{id}/save", post(save))
        .route("/inspections/{id}/sign-off", post(sign_off))
        .route("/inspections/{id}/all-items", post(all_items))
}

#[derive(Template)]
#[template(path = "inspections.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<Inspection>,
    pager: Pager,
    states: Vec<Choice>,
    kinds: Vec<Choice>,
    from: String,
    to: String,
    notice_open: bool,
    query: String,
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(query): Query<InspectionQuery>,
) -> Response {
    let filter = query.filter();
    let (rows, total) = match state.store.inspections(&caller.principal, &filter).await {
        Ok(v) => v,
        Err(e) => return page_error(&headers, Some(&caller), e.into()),
    };
    let chrome = Chrome::new(&headers, Some(&caller), "inspections");
    let current_state = query.state.clone().unwrap_or_default();
    let current_kind = query.kind.clone().unwrap_or_default();
    let mut pairs = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("state", &current_state),
        ("kind", &current_kind),
        ("from", &query.from.clone().unwrap_or_default()),
        ("to", &query.to.clone().unwrap_or_default()),
        (
            "enterprise_id",
            &query
                .enterprise_id
                .map(|e| e.to_string())
                .unwrap_or_default(),
        ),
        (
            "notice_open",
            &query.notice_open.map(|b| b.to_string()).unwrap_or_default(),
        ),
    ] {
        if !v.is_empty() {
            pairs.append_pair(k, v);
        }
    }
    let query_text = pairs.finish();
    let pager = Pager::new(
        chrome.lang,
        total,
        total.to_string(),
        filter.page.max(1),
        filter.per_page,
        |p| format!("/inspections?{query_text}&page={p}"),
    );
    render(&ListPage {
        states: ["draft", "signed_off"]
            .iter()
            .map(|s| Choice::new(*s, chrome.tk("inspection_state", s), &current_state))
            .collect(),
        kinds: InspectionKind::ALL
            .iter()
            .map(|k| {
                Choice::new(
                    k.as_str(),
                    chrome.tk("inspection_kind", k.as_str()),
                    &current_kind,
                )
            })
            .collect(),
        from: query.from.clone().unwrap_or_default(),
        to: query.to.clone().unwrap_or_default(),
        notice_open: query.notice_open == Some(true),
        query: query_text,
        chrome,
        rows,
        pager,
    })
}

#[derive(Debug, Deserialize, Default, Clone)]
#[serde(default)]
struct OpenForm {
    enterprise_id: String,
    template_id: String,
    kind: String,
    inspected_on: String,
    team: String,
    campaign_id: String,
    /// "true" when the inspector lists every item, not only those fitting the enterprise.
    all_items: String,
}

impl OpenForm {
    /// One member per line; a trailing * (or ＊) marks an expert.
    fn team(&self) -> Vec<TeamMember> {
        self.team
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| {
                let expert = l.ends_with('*') || l.ends_with('＊');
                TeamMember {
                    name: l.trim_end_matches(['*', '＊']).trim().to_string(),
                    expert,
                }
            })
            .collect()
    }

    fn input(&self) -> InspectionInput {
        InspectionInput {
            enterprise_id: self.enterprise_id.trim().parse().unwrap_or(0),
            template_id: self.template_id.trim().parse().unwrap_or(0),
            kind: self.kind.clone(),
            inspected_on: self.inspected_on.clone(),
            team: self.team(),
            campaign_id: self.campaign_id.trim().parse().ok(),
            all_items: self.all_items == "true",
        }
    }
}

#[derive(Template)]
#[template(path = "inspection_form.html")]
struct FormPage {
    chrome: Chrome,
    form: OpenForm,
    enterprises: Vec<Choice>,
    templates: Vec<Choice>,
    kinds: Vec<Choice>,
    campaigns: Vec<Choice>,
    errors: Vec<String>,
}

async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    form: OpenForm,
    errors: Vec<String>,
) -> Response {
    let who = &caller.principal;
    let loaded: Result<_, ApiError> = async {
        let (enterprises, _) = state
            .store
            .enterprises(
                who,
                &EnterpriseFilter {
                    per_page: Some(500),
                    ..Default::default()
                },
            )
            .await?;
        let templates = state.store.checklist_templates(who).await?;
        let (campaigns, _) = state
            .store
            .list_campaigns(
                who,
                &hazardnet_store::CampaignFilter {
                    active_on: Some(state.store.today()),
                    page: 1,
                    per_page: 50,
                    ..Default::default()
                },
            )
            .await?;
        Ok((enterprises, templates, campaigns))
    }
    .await;
    let (enterprises, templates, campaigns) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e),
    };
    let chrome = Chrome::new(headers, Some(caller), "inspections");
    let kind = if form.kind.is_empty() {
        "routine".to_string()
    } else {
        form.kind.clone()
    };
    render(&FormPage {
        enterprises: enterprises
            .iter()
            .map(|e| Choice::new(e.id.to_string(), e.name.clone(), &form.enterprise_id))
            .collect(),
        templates: templates
            .iter()
            .map(|t| {
                let edition = match (t.edition.is_empty(), t.superseded) {
                    (true, _) => String::new(),
                    (false, false) => format!(" · {}", t.edition),
                    (false, true) => format!(" · {} {}", t.edition, chrome.t("ui.superseded")),
                };
                Choice::new(
                    t.id.to_string(),
                    format!(
                        "{}（{} {}{edition}）",
                        t.name,
                        chrome.t("ui.version"),
                        t.version
                    ),
                    &form.template_id,
                )
            })
            .collect(),
        kinds: InspectionKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), chrome.tk("inspection_kind", k.as_str()), &kind))
            .collect(),
        campaigns: campaigns
            .iter()
            .map(|c| Choice::new(c.id.to_string(), c.title.clone(), &form.campaign_id))
            .collect(),
        chrome,
        form,
        errors,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    enterprise_id: String,
}

async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Query(q): Query<NewQuery>,
) -> Response {
    let form = OpenForm {
        enterprise_id: q.enterprise_id,
        inspected_on: state.store.today().to_string(),
        team: caller.principal.display_name.clone(),
        ..Default::default()
    };
    form_page(&state, &headers, &caller, form, Vec::new()).await
}

async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(form): Form<OpenForm>,
) -> Response {
    match state
        .store
        .open_inspection(&caller.principal, &form.input())
        .await
    {
        Ok(id) => Redirect::to(&format!("/inspections/{id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            form_page(&state, &headers, &caller, form, vec![message]).await
        }
    }
}

pub struct ItemLine {
    pub item: InspectionItem,
    pub result_label: String,
    pub photos: Vec<i64>,
}

#[derive(Template)]
#[template(path = "inspection.html")]
struct DetailPage {
    chrome: Chrome,
    i: Inspection,
    /// The notice issued at sign-off, or for a draft the one its office would issue.
    notice_kind: &'static str,
    items: Vec<ItemLine>,
    progress: String,
    left_out: String,
    editable: bool,
    deadline: String,
    errors: Vec<String>,
    saved: bool,
}

async fn detail_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    id: i64,
    errors: Vec<String>,
    saved: bool,
    deadline: String,
) -> Response {
    let loaded = async {
        let (i, items) = state.store.inspection(&caller.principal, id).await?;
        let photos = state.store.inspection_photos(&caller.principal, id).await?;
        Ok::<_, StoreError>((i, items, photos))
    }
    .await;
    let (i, items, photos) = match loaded {
        Ok(v) => v,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let issued = match i.notice_kind() {
        Ok(kind) => kind,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let chrome = Chrome::new(headers, Some(caller), "inspections");
    let editable = i.state == "draft" && i.org_id == caller.principal.org_id;
    // Only the record's own office edits and signs it, so its power is the caller's.
    let notice_kind = issued
        .unwrap_or_else(|| NoticeKind::issued_by(caller.principal.holds_enforcement_power()))
        .as_str();
    let progress = t_args(
        chrome.lang,
        "ui.progress_answered",
        &[
            ("answered", i.answered.to_string()),
            ("items", items.len().to_string()),
        ],
    );
    let left_out = t_args(
        chrome.lang,
        "ui.items_left_out",
        &[("n", i.items_left_out.to_string())],
    );
    render(&DetailPage {
        left_out,
        notice_kind,
        items: items
            .into_iter()
            .map(|item| ItemLine {
                photos: photos
                    .iter()
                    .filter(|p| p.item_seq == item.seq)
                    .map(|p| p.id)
                    .collect(),
                result_label: item
                    .result
                    .as_deref()
                    .map(|r| chrome.tk("item_result", r))
                    .unwrap_or_default(),
                item,
            })
            .collect(),
        chrome,
        i,
        progress,
        editable,
        deadline,
        errors,
        saved,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DetailQuery {
    saved: bool,
}

async fn detail(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Query(q): Query<DetailQuery>,
) -> Response {
    detail_page(
        &state,
        &headers,
        &caller,
        id,
        Vec::new(),
        q.saved,
        String::new(),
    )
    .await
}

/// The answers of the record form: `result.N` and `note.N`.
fn answers(fields: &[(String, String)]) -> Vec<ResultInput> {
    let mut by_item: BTreeMap<i64, ResultInput> = BTreeMap::new();
    for (name, value) in fields {
        let Some((field, n)) = name.split_once('.') else {
            continue;
        };
        let Ok(n) = n.parse::<i64>() else { continue };
        let entry = by_item.entry(n).or_insert_with(|| ResultInput {
            item: n,
            ..Default::default()
        });
        match field {
            "result" => entry.result = value.clone(),
            "note" => entry.note = value.clone(),
            _ => {}
        }
    }
    by_item.into_values().collect()
}

/// The record form: its text fields, and the photos taken per item (`photo.N`).
async fn read_record_form(
    mut multipart: Multipart,
) -> Result<
    (
        Vec<(String, String)>,
        Vec<(i64, hazardnet_store::EvidenceUpload)>,
    ),
    ApiError,
> {
    let mut fields = Vec::new();
    let mut photos = Vec::new();
    let invalid = || ApiError::BadRequest {
        code: "invalid_upload",
        detail: String::new(),
    };
    while let Some(field) = multipart.next_field().await.map_err(|_| invalid())? {
        let name = field.name().unwrap_or("").to_string();
        if let Some(seq) = name
            .strip_prefix("photo.")
            .and_then(|n| n.parse::<i64>().ok())
        {
            let upload = crate::api::upload_part_from(field).await?;
            if !upload.bytes.is_empty() {
                photos.push((seq, upload));
            }
        } else {
            fields.push((name, field.text().await.map_err(|_| invalid())?));
        }
    }
    Ok((fields, photos))
}

/// Saves the answers, then the photos; returns the form's fields.
async fn save_record(
    state: &AppState,
    caller: &Caller,
    id: i64,
    multipart: Multipart,
) -> Result<Vec<(String, String)>, ApiError> {
    let (fields, photos) = read_record_form(multipart).await?;
    state
        .store
        .save_results(&caller.principal, id, &answers(&fields))
        .await?;
    for (seq, upload) in photos {
        state
            .store
            .attach_item_photo(&caller.principal, id, seq, upload)
            .await?;
    }
    Ok(fields)
}

async fn save(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    match save_record(&state, &caller, id, multipart).await {
        Ok(_) => Redirect::to(&format!("/inspections/{id}?saved=true")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            detail_page(
                &state,
                &headers,
                &caller,
                id,
                vec![message],
                false,
                String::new(),
            )
            .await
        }
    }
}

async fn sign_off(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    multipart: Multipart,
) -> Response {
    // What was typed and taken on the page is saved first, so signing off never loses it.
    let mut deadline = String::new();
    let result = match save_record(&state, &caller, id, multipart).await {
        Ok(fields) => {
            deadline = fields
                .iter()
                .find(|(k, _)| k == "deadline")
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            state
                .store
                .sign_off_inspection(&caller.principal, id, Some(&deadline))
                .await
                .map(|_| ())
                .map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/inspections/{id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e);
            detail_page(
                &state,
                &headers,
                &caller,
                id,
                vec![message],
                false,
                deadline,
            )
            .await
        }
    }
}

/// Lists every item of the checklist on a draft (the inspector's recorded choice).
async fn all_items(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    match state.store.list_all_items(&caller.principal, id).await {
        Ok(_) => Redirect::to(&format!("/inspections/{id}")).into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            detail_page(
                &state,
                &headers,
                &caller,
                id,
                vec![message],
                false,
                String::new(),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn team_lines_mark_experts_with_a_star() {
        let form = OpenForm {
            team: "张三\n李四*\n\n王五＊ ".into(),
            ..Default::default()
        };
        let team = form.team();
        assert_eq!(team.len(), 3);
        assert!(!team[0].expert && team[1].expert && team[2].expert);
        assert_eq!(team[2].name, "王五");
    }

    #[test]
    fn answers_are_read_by_item() {
        let fields: Vec<(String, String)> = [
            ("csrf", "x"),
            ("result.2", "fail"),
            ("note.2", "封堵"),
            ("result.1", "pass"),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
        let a = answers(&fields);
        assert_eq!(a.len(), 2);
        assert_eq!((a[0].item, a[0].result.as_str()), (1, "pass"));
        assert_eq!((a[1].item, a[1].note.as_str()), (2, "封堵"));
    }
}
