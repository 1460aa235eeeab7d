//! Accounts: an office lists, gives, disables and re-enables the accounts of its own office and
//! of the organizations inside its area ([`hazardnet_domain::Role::account_reach`]); the
//! administrator keeps every account.

use super::{Choice, Chrome, Pager, page_error, render};
use crate::AppState;
use crate::auth::{Caller, PageCaller};
use crate::error::ApiError;
use crate::i18n::t;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use hazardnet_domain::org::{AccountReach, OrgRelation};
use hazardnet_domain::{OrgKind, Role};
use hazardnet_store::{AccountFilter, NewAccount, StoreError, UserRow};
use serde::Deserialize;

const PER_PAGE: i64 = 20;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/{username}/disable", post(disable))
        .route("/users/{username}/enable", post(enable))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct ListQuery {
    q: String,
    role: String,
    status: String,
    page: Option<i64>,
}

impl ListQuery {
    fn filter(&self) -> AccountFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        AccountFilter {
            q: some(&self.q),
            role: some(&self.role),
            status: some(&self.status),
            page: self.page,
            per_page: Some(PER_PAGE),
        }
    }

    fn to_query(&self, page: Option<i64>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("q", &self.q),
            ("role", &self.role),
            ("status", &self.status),
        ] {
            if !v.is_empty() {
                pairs.append_pair(k, v);
            }
        }
        if let Some(n) = page {
            pairs.append_pair("page", &n.to_string());
        }
        pairs.finish()
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
struct UserForm {
    username: String,
    display_name: String,
    org_id: String,
    /// The enterprise's unified social credit code, for an enterprise's account.
    credit_code: String,
    role: String,
    password: String,
    phone: String,
}

struct UserLine {
    user: UserRow,
    /// The caller may disable or re-enable this account (never its own).
    may_toggle: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<UserLine>,
    pager: Pager,
    filter_q: String,
    filtered: bool,
    role_filters: Vec<Choice>,
    status_filters: Vec<Choice>,
    orgs: Vec<Choice>,
    roles: Vec<Choice>,
    may_give_enterprise_accounts: bool,
    form: UserForm,
    errors: Vec<String>,
}

fn may_keep_accounts(caller: &Caller) -> bool {
    let p = &caller.principal;
    p.role.may_manage_accounts(p.org_kind)
}

async fn page(
    state: &AppState,
    headers: &HeaderMap,
    caller: &Caller,
    query: &ListQuery,
    form: UserForm,
    errors: Vec<String>,
) -> Response {
    if !may_keep_accounts(caller) {
        return page_error(headers, Some(caller), ApiError::Forbidden);
    }
    let chrome = Chrome::new(headers, Some(caller), "users");
    let lang = chrome.lang;
    let p = &caller.principal;
    let filter = query.filter();
    let result = async {
        let (users, total) = state.store.accounts(p, &filter).await?;
        let orgs = state.store.account_organizations(p).await?;
        Ok::<_, StoreError>((users, total, orgs))
    }
    .await;
    let (users, total, orgs) = match result {
        Ok(r) => r,
        Err(e) => return page_error(headers, Some(caller), e.into()),
    };
    // Offer the roles the caller may give somewhere; the rule itself decides on submit.
    let reach = p.role.account_reach(p.org_kind);
    let kinds: Vec<OrgKind> = match reach {
        AccountReach::Everything => OrgKind::ALL.to_vec(),
        AccountReach::Nothing => vec![],
        AccountReach::Offices { own_org, below } => {
            let mut kinds = below.to_vec();
            if own_org {
                kinds.push(p.org_kind);
            }
            kinds
        }
    };
    let grantable = |role: Role| {
        kinds.iter().any(|k| {
            [OrgRelation::Own, OrgRelation::Inside]
                .iter()
                .any(|rel| p.role.may_grant(p.org_kind, *k, *rel, role).is_ok())
        })
    };
    let refused = !errors.is_empty();
    let role_choice = |r: &Role, current: &str| {
        Choice::new(
            r.as_str(),
            t(lang, &format!("role.{}", r.as_str())),
            current,
        )
    };
    let mut response = render(&UsersPage {
        users: users
            .into_iter()
            .map(|user| {
                let relation = if user.org_id == p.org_id {
                    OrgRelation::Own
                } else {
                    OrgRelation::Inside
                };
                let may_toggle = user.username != p.username
                    && match (OrgKind::parse(&user.org_kind), Role::parse(&user.role)) {
                        (Ok(kind), Ok(role)) => {
                            p.role.may_grant(p.org_kind, kind, relation, role).is_ok()
                        }
                        _ => false,
                    };
                UserLine { user, may_toggle }
            })
            .collect(),
        pager: Pager::new(
            lang,
            total,
            total.to_string(),
            filter.page(),
            PER_PAGE,
            |n| format!("/users?{}", query.to_query(Some(n))),
        ),
        filter_q: query.q.clone(),
        filtered: !query.to_query(None).is_empty(),
        role_filters: Role::ALL
            .iter()
            .filter(|r| grantable(**r))
            .map(|r| role_choice(r, &query.role))
            .collect(),
        status_filters: ["active", "disabled"]
            .iter()
            .map(|s| Choice::new(*s, t(lang, &format!("ui.{s}")), &query.status))
            .collect(),
        orgs: orgs
            .iter()
            .map(|o| {
                Choice::new(
                    o.id.to_string(),
                    format!("{}（{}）", o.name, t(lang, &format!("org_kind.{}", o.kind))),
                    &form.org_id,
                )
            })
            .collect(),
        roles: Role::ALL
            .iter()
            .filter(|r| grantable(**r))
            .map(|r| role_choice(r, &form.role))
            .collect(),
        may_give_enterprise_accounts: kinds.contains(&OrgKind::Enterprise),
        form,
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
    Query(query): Query<ListQuery>,
) -> Response {
    page(
        &state,
        &headers,
        &caller,
        &query,
        UserForm::default(),
        vec![],
    )
    .await
}

async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Form(mut form): Form<UserForm>,
) -> Response {
    if !may_keep_accounts(&caller) {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    let password = std::mem::take(&mut form.password);
    let result = async {
        // An enterprise's account names the enterprise by its credit code; otherwise the
        // organization chosen from the list.
        let (org_id, enterprise_id) = match form.credit_code.trim() {
            "" => (Some(form.org_id.trim().parse().unwrap_or(0)), None),
            code => {
                let id = state
                    .store
                    .enterprise_id_by_credit_code(&caller.principal, code)
                    .await
                    .map_err(|e| match e {
                        StoreError::NotFound => StoreError::UnknownEnterprise(code.to_string()),
                        other => other,
                    })?;
                (None, Some(id))
            }
        };
        let new = NewAccount {
            username: form.username.clone(),
            display_name: form.display_name.clone(),
            role: form.role.clone(),
            password,
            phone: form.phone.clone(),
            org_id,
            enterprise_id,
        };
        state.store.create_account(&caller.principal, new).await
    }
    .await;
    match result {
        Ok(_) => Redirect::to("/users").into_response(),
        Err(e) => {
            let message = Chrome::new(&headers, Some(&caller), "").error_message(&e.into());
            page(
                &state,
                &headers,
                &caller,
                &ListQuery::default(),
                form,
                vec![message],
            )
            .await
        }
    }
}

async fn set_disabled(
    state: AppState,
    headers: HeaderMap,
    caller: Caller,
    username: String,
    disabled: bool,
) -> Response {
    if !may_keep_accounts(&caller) {
        return page_error(&headers, Some(&caller), ApiError::Forbidden);
    }
    match state
        .store
        .set_account_disabled(&caller.principal, &username, disabled)
        .await
    {
        Ok(()) => Redirect::to("/users").into_response(),
        Err(e) => page_error(&headers, Some(&caller), e.into()),
    }
}

async fn disable(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(username): Path<String>,
) -> Response {
    set_disabled(state, headers, caller, username, true).await
}

async fn enable(
    State(state): State<AppState>,
    headers: HeaderMap,
    PageCaller(caller): PageCaller,
    Path(username): Path<String>,
) -> Response {
    set_disabled(state, headers, caller, username, false).await
}
