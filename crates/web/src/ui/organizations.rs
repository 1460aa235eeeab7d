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
use hazardnet_store::{EnforcementDelegation, NewOrganization, StoreError};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organizations", get(list).post(create))
        .route(
            "/organizations/jurisdictions",
            axum::routing::post(add_jurisdiction),
        )
        .route(
            "/organizations/{id}/enforcement-delegation",
            axum::routing::post(set_delegation),
        )
}

/// The administrator delegating (or revoking) work-safety enforcement power to a street office.
#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct DelegationForm {
    delegated: String,
    basis: String,
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
    id: i64,
    name: String,
    kind: String,
    jurisdiction: String,
    industries: String,
    /// 依法具有 / 已赋权 / 无
    power: String,
    delegated: bool,
    delegation_basis: String,
    /// The setting applies to this kind of office (a street office).
    delegable: bool,
    /// What the administrator typed before a refusal, kept for the row it was typed in.
    typed_basis: String,
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
    typed: Option<(i64, String)>,
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
            .map(|o| {
                let kind = OrgKind::parse(&o.kind).ok();
                let delegable = kind.is_some_and(|k| k.may_receive_delegated_enforcement());
                let power = match (o.enforcement_power, delegable) {
                    (true, true) => "ui.enforcement_power_delegated",
                    (true, false) => "ui.enforcement_power_by_law",
                    (false, _) => "ui.enforcement_power_none",
                };
                OrgLine {
                    id: o.id,
                    power: t(lang, power),
                    delegated: o.delegated_enforcement != 0,
                    delegation_basis: o.delegated_enforcement_basis.clone(),
                    delegable,
                    typed_basis: typed
                        .as_ref()
                        .filter(|(id, _)| *id == o.id)
                        .map(|(_, b)| b.clone())
                        .unwrap_or_default(),
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
                }
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
    page(&state, &headers, &caller, Default::default(), vec![], None).await
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
                None,
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
                None,
            )
            .await
        }
    }
}

async fn set_delegation(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(form): Form<DelegationForm>,
) -> Response {
    let setting = EnforcementDelegation {
        delegated: form.delegated.trim() == "1",
        basis: form.basis.clone(),
    };
    match state
        .store
        .set_enforcement_delegation(&caller.principal, id, &setting)
        .await
    {
        Ok(_) => Redirect::to("/organizations").into_response(),
        Err(e @ (StoreError::Forbidden | StoreError::NotFound)) => {
            page_error(&headers, Some(&caller), e.into())
        }
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            page(
                &state,
                &headers,
                &caller,
                Default::default(),
                vec![message],
                Some((id, form.basis)),
            )
            .await
        }
    }
}
