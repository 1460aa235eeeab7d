//! Organization administration (admin only): the offices, regulators, enterprises and expert
//! panels users belong to, which decide their data scope.

use super::{Choice, Chrome, page_error, render};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t;
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use hazardnet_domain::OrgKind;
use hazardnet_store::{NewOrganization, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route(
            "/organizations/jurisdictions",
            axum::routing::post(add_jurisdiction),
        )
}

/// A division below the shipped tree (a community the official table does not list yet).
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct JurisdictionForm {
    code: String,
    name: String,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct OrgForm {
    name: String,
    kind: String,
    jurisdiction_code: String,
    industries: String,
    credit_code: String,
}

struct OrgLine {
    name: String,
    kind: String,
    jurisdiction: String,
    industries: String,
}

#[derive(Template)]
#[template(path = "organizations.html")]
struct OrganizationsPage {
    chrome: Chrome,
    orgs: Vec<OrgLine>,
    kinds: Vec<Choice>,
    jurisdictions: Vec<Choice>,
    form: OrgForm,
    division: JurisdictionForm,
    errors: Vec<String>,
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    (form, division): (OrgForm, JurisdictionForm),
    errors: Vec<String>,
) -> Response {
    if !caller.principal.role.may_administer_users() {
        return page_error(headers, Some(caller), ApiError::Forbidden);
    }
    let chrome = Chrome::new(headers, Some(caller), "organizations");
    let lang = chrome.lang;
    let (orgs, jurisdictions) = match (
        state.store.organizations().await,
        state.store.all_jurisdictions().await,
    ) {
        (Ok(o), Ok(j)) => (o, j),
        (Err(e), _) | (_, Err(e)) => return page_error(headers, Some(caller), e.into()),
    };
    let names: std::collections::HashMap<&str, &str> = jurisdictions
        .iter()
        .map(|j| (j.code.as_str(), j.name.as_str()))
        .collect();
    let refused = !errors.is_empty();
    let mut response = render(&OrganizationsPage {
        orgs: orgs
            .iter()
            .map(|o| OrgLine {
                name: o.name.clone(),
                kind: t(lang, &format!("org_kind.{}", o.kind)),
                jurisdiction: o
                    .jurisdiction_code
                    .as_deref()
                    .map(|c| {
                        names
                            .get(c)
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| c.to_string())
                    })
                    .unwrap_or_default(),
                industries: o.industries.clone(),
            })
            .collect(),
        kinds: OrgKind::ALL
            .iter()
            .map(|k| {
                Choice::new(
                    k.as_str(),
                    t(lang, &format!("org_kind.{}", k.as_str())),
                    &form.kind,
                )
            })
            .collect(),
        jurisdictions: jurisdictions
            .iter()
            .map(|j| {
                Choice::new(
                    j.code.clone(),
                    if j.local != 0 {
                        format!("{} {}{}", j.code, j.name, t(lang, "ui.local_division"))
                    } else {
                        format!("{} {}", j.code, j.name)
                    },
                    &form.jurisdiction_code,
                )
            })
            .collect(),
        form,
        division,
        errors,
        chrome,
    });
    if refused {
        *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    response
}

async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
) -> Response {
    page(&state, &headers, &caller, Default::default(), vec![]).await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(form): Form<OrgForm>,
) -> Response {
    if !caller.principal.role.may_administer_users() {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let result = async {
        let enterprise_id = match form.credit_code.trim() {
            "" => None,
            code => Some(
                state
                    .store
                    .enterprise_id_by_credit_code(&caller.principal, code)
                    .await?,
            ),
        };
        let new = NewOrganization {
            name: form.name.clone(),
            kind: form.kind.clone(),
            jurisdiction_code: Some(form.jurisdiction_code.clone()).filter(|c| !c.is_empty()),
            industries: form
                .industries
                .split([',', '，', '、', ' '])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            enterprise_id,
        };
        state
            .store
            .create_organization(&caller.principal.actor(), new)
            .await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/organizations").into_response(),
        Err(e) => {
            let error = match e {
                StoreError::NotFound => {
                    ApiError::Store(StoreError::UnknownEnterprise(form.credit_code.clone()))
                }
                other => other.into(),
            };
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&error);
            page(
                &state,
                &headers,
                &caller,
                (form, JurisdictionForm::default()),
                vec![message],
            )
            .await
        }
    }
}

async fn add_jurisdiction(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(division): Form<JurisdictionForm>,
) -> Response {
    match state
        .store
        .add_local_jurisdiction(&caller.principal, &division.code, &division.name)
        .await
    {
        Ok(_) => Redirect::to("/organizations").into_response(),
        Err(StoreError::Forbidden) => page_error(&headers, Some(&caller), ApiError::Forbidden),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            page(
                &state,
                &headers,
                &caller,
                (OrgForm::default(), division),
                vec![message],
            )
            .await
        }
    }
}
