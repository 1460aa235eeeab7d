//! The enterprise's new and edit forms: what was typed is kept when the store refuses it, and a
//! registered enterprise's identifying fields are locked for the roles that may not change them.

use super::{industry_choices, jurisdiction_choices, risk_choices, status_choices};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t;
use crate::ui::{Choice, Chrome, page_error, render};
use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use hazardnet_domain::enterprise::EnterpriseInput;
use hazardnet_store::{Store, StoreError};
use serde::Deserialize;

/// The enterprise form as posted: checkboxes arrive as "on" or not at all.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub(super) struct EnterpriseForm {
    name: String,
    credit_code: String,
    jurisdiction_code: String,
    industry_code: String,
    enterprise_type: String,
    address: String,
    risk_grade: String,
    status: String,
    key_hazardous_chemicals: Option<String>,
    crowded_place: Option<String>,
    high_risk: Option<String>,
    principal_name: String,
    principal_phone: String,
    safety_manager_name: String,
    safety_manager_phone: String,
    employees: String,
    version: String,
}

impl EnterpriseForm {
    fn input(&self) -> EnterpriseInput {
        EnterpriseInput {
            name: self.name.clone(),
            credit_code: self.credit_code.clone(),
            jurisdiction_code: self.jurisdiction_code.clone(),
            industry_code: self.industry_code.clone(),
            enterprise_type: self.enterprise_type.clone(),
            address: self.address.clone(),
            risk_grade: Some(self.risk_grade.clone()),
            status: Some(self.status.clone()),
            key_hazardous_chemicals: self.key_hazardous_chemicals.is_some(),
            crowded_place: self.crowded_place.is_some(),
            high_risk: self.high_risk.is_some(),
            principal_name: self.principal_name.clone(),
            principal_phone: self.principal_phone.clone(),
            safety_manager_name: self.safety_manager_name.clone(),
            safety_manager_phone: self.safety_manager_phone.clone(),
            employees: self.employees.trim().parse().ok(),
        }
    }

    fn employees_error(&self) -> Option<ApiError> {
        crate::ui::typed_number("employees", &self.employees).err()
    }
}

#[derive(Template)]
#[template(path = "enterprise_form.html")]
struct FormPage {
    chrome: Chrome,
    title: String,
    action: String,
    cancel: String,
    input: EnterpriseInput,
    employees: String,
    version: String,
    locked: bool,
    errors: Vec<String>,
    jurisdictions: Vec<Choice>,
    industries: Vec<Choice>,
    risk_grades: Vec<Choice>,
    statuses: Vec<Choice>,
}

#[allow(clippy::too_many_arguments)]
async fn form_page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    title_key: &str,
    action: String,
    cancel: String,
    input: EnterpriseInput,
    employees: String,
    version: String,
    locked: bool,
    errors: Vec<String>,
) -> Response {
    let chrome = Chrome::new(headers, Some(caller), "enterprises");
    let lang = chrome.lang;
    let choices = async {
        Ok::<_, StoreError>((
            jurisdiction_choices(
                &state.store,
                &caller.principal.scope,
                &input.jurisdiction_code,
            )
            .await?,
            industry_choices(&state.store, &input.industry_code, true).await?,
        ))
    }
    .await;
    let (jurisdictions, industries) = match choices {
        Ok(c) => c,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    let refused = !errors.is_empty();
    let mut response = render(&FormPage {
        title: t(lang, title_key),
        risk_grades: risk_choices(lang, input.risk_grade.as_deref().unwrap_or("")),
        statuses: status_choices(lang, input.status.as_deref().unwrap_or("operating")),
        action,
        cancel,
        input,
        employees,
        version,
        locked,
        errors,
        jurisdictions,
        industries,
        chrome,
    });
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

pub(super) async fn new_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    if !caller.principal.role.may_register_enterprises() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let input = EnterpriseInput {
        status: Some("operating".into()),
        ..Default::default()
    };
    form_page(
        &state,
        &headers,
        &caller,
        "ui.new_enterprise",
        "/enterprises".into(),
        "/enterprises".into(),
        input,
        String::new(),
        String::new(),
        false,
        vec![],
    )
    .await
}

pub(super) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(form): Form<EnterpriseForm>,
) -> Response {
    let input = form.input();
    let result = match form.employees_error() {
        Some(e) => Err(e),
        None => state
            .store
            .create_enterprise(&caller.principal, &input)
            .await
            .map_err(ApiError::from),
    };
    match result {
        Ok(id) => Redirect::to(&format!("/enterprises/{id}")).into_response(),
        Err(error) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&error);
            form_page(
                &state,
                &headers,
                &caller,
                "ui.new_enterprise",
                "/enterprises".into(),
                "/enterprises".into(),
                input,
                form.employees.clone(),
                String::new(),
                false,
                vec![message],
            )
            .await
        }
    }
}

fn locked_for(caller: &Caller) -> bool {
    !caller.principal.role.may_register_enterprises()
}

pub(super) async fn edit_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
) -> Response {
    if !Store::may_edit_enterprise(&caller.principal, id) {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let e = match state.store.enterprise(&caller.principal, id).await {
        Ok(e) => e,
        Err(err) => return page_error(&headers, Some(&caller), err.into()),
    };
    let employees = e.employees.map(|n| n.to_string()).unwrap_or_default();
    form_page(
        &state,
        &headers,
        &caller,
        "ui.edit",
        format!("/enterprises/{id}"),
        format!("/enterprises/{id}"),
        e.to_input(),
        employees,
        e.version.to_string(),
        locked_for(&caller),
        vec![],
    )
    .await
}

pub(super) async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(id): Path<i64>,
    Form(form): Form<EnterpriseForm>,
) -> Response {
    let locked = locked_for(&caller);
    let mut input = form.input();
    if locked {
        // Disabled fields are not posted: the registration facts stay as recorded.
        match state.store.enterprise(&caller.principal, id).await {
            Ok(current) => {
                let registered = current.to_input();
                input.name = registered.name;
                input.credit_code = registered.credit_code;
                input.jurisdiction_code = registered.jurisdiction_code;
                input.industry_code = registered.industry_code;
                input.risk_grade = registered.risk_grade;
                input.status = registered.status;
                input.key_hazardous_chemicals = registered.key_hazardous_chemicals;
                input.crowded_place = registered.crowded_place;
                input.high_risk = registered.high_risk;
            }
            Err(err) => return page_error(&headers, Some(&caller), err.into()),
        }
    }
    let version = form.version.trim().parse::<i64>().ok();
    let result = match form.employees_error() {
        Some(e) => Err(e),
        None => state
            .store
            .update_enterprise(&caller.principal, id, &input, version)
            .await
            .map_err(ApiError::from),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/enterprises/{id}")).into_response(),
        Err(error @ ApiError::Store(StoreError::NotFound)) => {
            page_error(&headers, Some(&caller), error)
        }
        Err(error) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&error);
            form_page(
                &state,
                &headers,
                &caller,
                "ui.edit",
                format!("/enterprises/{id}"),
                format!("/enterprises/{id}"),
                input,
                form.employees.clone(),
                form.version.clone(),
                locked,
                vec![message],
            )
            .await
        }
    }
}
