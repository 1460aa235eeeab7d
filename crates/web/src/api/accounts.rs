//! `/api/v1/users`: the accounts an office keeps (the administrator keeps every account);
//! `/api/v1/enterprises/{id}/experts`: the experts assigned to an enterprise;
//! `/api/v1/organizations`: for the administrator only.

use super::{ApiJson, ApiQuery, Created};
use crate::AppState;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use hazardnet_store::{
    AccountFilter, AssignedExpert, EnforcementDelegation, NewAccount, NewOrganization,
    Organization, UserRow,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list_users).post(create_user))
        .route("/users/{username}/disable", post(disable_user))
        .route("/users/{username}/enable", post(enable_user))
        .route("/users/{username}/password", post(set_password))
        .route("/users/{username}/tokens", post(create_token))
        .route(
            "/enterprises/{id}/experts",
            get(list_experts).post(assign_expert),
        )
        .route(
            "/enterprises/{id}/experts/{username}/end",
            post(end_expert_assignment),
        )
        .route(
            "/organizations",
            get(list_organizations).post(create_organization),
        )
        .route(
            "/organizations/{id}/enforcement-delegation",
            put(set_enforcement_delegation),
        )
}

fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.principal.role.may_administer_users() {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

/// The accounts page is for those who keep accounts ([`hazardnet_domain::Role::account_reach`]).
fn require_account_keeper(caller: &Caller) -> Result<(), ApiError> {
    let p = &caller.principal;
    if p.role.may_manage_accounts(p.org_kind) {
        Ok(())
    } else {
        Err(ApiError::Forbidden)
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserPage {
    pub items: Vec<UserRow>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpertAssignment {
    /// The expert's username.
    pub expert: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ExpertList {
    pub items: Vec<AssignedExpert>,
    pub total: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationPage {
    pub items: Vec<Organization>,
    pub total: i64,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPassword {
    pub password: String,
    /// Required when users change their own password (the administrator resetting someone
    /// else's gives none).
    #[serde(default)]
    pub current_password: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Shown once; only its hash is stored.
    pub token: String,
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(AccountFilter),
    responses((status = 200, body = UserPage), (status = 403, description = "the role keeps no accounts")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    ApiQuery(filter): ApiQuery<AccountFilter>,
) -> Result<Json<UserPage>, ApiError> {
    require_account_keeper(&caller)?;
    let (items, total) = state.store.accounts(&caller.principal, &filter).await?;
    Ok(Json(UserPage {
        items,
        total,
        page: filter.page(),
        per_page: filter.per_page(),
    }))
}

#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewAccount,
    responses((status = 201, body = Created), (status = 403, description = "the role may not give this account"),
              (status = 404, description = "organization or enterprise absent or outside the caller's scope"),
              (status = 409, description = "username taken"), (status = 422, description = "invalid field")),
    security(("bearer" = []), ("session" = [])))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewAccount>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    require_account_keeper(&caller)?;
    let id = state.store.create_account(&caller.principal, new).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

#[utoipa::path(post, path = "/api/v1/users/{username}/disable", tag = "users", params(("username" = String, Path)),
    responses((status = 204, description = "disabled; sessions and tokens revoked"), (status = 403, description = "not the caller's to disable"),
              (status = 404, description = "absent or outside the caller's scope"), (status = 422, description = "one's own account")),
    security(("bearer" = []), ("session" = [])))]
pub async fn disable_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_account_keeper(&caller)?;
    state
        .store
        .set_account_disabled(&caller.principal, &username, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/enable", tag = "users", params(("username" = String, Path)),
    responses((status = 204, description = "enabled"), (status = 403, description = "not the caller's to enable"),
              (status = 404, description = "absent or outside the caller's scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn enable_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<StatusCode, ApiError> {
    require_account_keeper(&caller)?;
    state
        .store
        .set_account_disabled(&caller.principal, &username, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/enterprises/{id}/experts", tag = "enterprises", params(("id" = i64, Path)),
    responses((status = 200, body = ExpertList), (status = 404, description = "absent or outside the caller's scope")),
    security(("bearer" = []), ("session" = [])))]
pub async fn list_experts(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ExpertList>, ApiError> {
    // The enterprise itself answers 404 when out of scope.
    state.store.enterprise(&caller.principal, id).await?;
    let items = state
        .store
        .enterprise_experts(&caller.principal, id)
        .await?;
    Ok(Json(ExpertList {
        total: items.len() as i64,
        items,
    }))
}

#[utoipa::path(post, path = "/api/v1/enterprises/{id}/experts", tag = "enterprises", params(("id" = i64, Path)),
    request_body = ExpertAssignment,
    responses((status = 204, description = "assigned; the expert sees the enterprise from now on"),
              (status = 403, description = "the role does not assign experts"),
              (status = 404, description = "enterprise absent or outside the caller's scope"),
              (status = 422, description = "not an enabled expert account")),
    security(("bearer" = []), ("session" = [])))]
pub async fn assign_expert(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(body): ApiJson<ExpertAssignment>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .set_expert_assignment(&caller.principal, &body.expert, id, true)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/enterprises/{id}/experts/{username}/end", tag = "enterprises",
    params(("id" = i64, Path), ("username" = String, Path)),
    responses((status = 204, description = "the assignment ended; the expert no longer sees the enterprise"),
              (status = 403, description = "the role does not assign experts"),
              (status = 404, description = "enterprise absent or outside the caller's scope"),
              (status = 422, description = "not an expert account")),
    security(("bearer" = []), ("session" = [])))]
pub async fn end_expert_assignment(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, username)): Path<(i64, String)>,
) -> Result<StatusCode, ApiError> {
    state
        .store
        .set_expert_assignment(&caller.principal, &username, id, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/password", tag = "users", params(("username" = String, Path)),
    request_body = NewPassword, responses((status = 204, description = "changed; the user's sessions end")),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_password(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<NewPassword>,
) -> Result<StatusCode, ApiError> {
    // Users change their own password by giving the current one; the admin resets anyone's.
    if caller.principal.username == username {
        let current = body.current_password.unwrap_or_default();
        if current.is_empty() {
            return Err(hazardnet_store::StoreError::Domain(
                hazardnet_domain::DomainError::Required {
                    field: "current_password",
                },
            )
            .into());
        }
        state
            .store
            .change_own_password(&caller.principal, &current, body.password)
            .await?;
        return Ok(StatusCode::NO_CONTENT);
    }
    require_admin(&caller)?;
    state
        .store
        .set_password(&caller.principal.actor(), &username, body.password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/api/v1/users/{username}/tokens", tag = "users", params(("username" = String, Path)),
    request_body = NewToken, responses((status = 201, body = IssuedToken)), security(("bearer" = []), ("session" = [])))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    Path(username): Path<String>,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<IssuedToken>), ApiError> {
    require_admin(&caller)?;
    let token = state
        .store
        .create_api_token(&caller.principal.actor(), &username, &body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(IssuedToken { token })))
}

#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations",
    responses((status = 200, body = OrganizationPage)), security(("bearer" = []), ("session" = [])))]
pub async fn list_organizations(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<OrganizationPage>, ApiError> {
    require_admin(&caller)?;
    let items = state.store.organizations().await?;
    Ok(Json(OrganizationPage {
        total: items.len() as i64,
        items,
    }))
}

#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations", request_body = NewOrganization,
    responses((status = 201, body = Created), (status = 422, description = "invalid field")), security(("bearer" = []), ("session" = [])))]
pub async fn create_organization(
    State(state): State<AppState>,
    caller: Caller,
    ApiJson(new): ApiJson<NewOrganization>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    require_admin(&caller)?;
    let id = state
        .store
        .create_organization(&caller.principal.actor(), new)
        .await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Records whether work-safety enforcement power (行政执法权) was delegated to a street office
/// under the 综合执法 reform. With it the street issues 责令限期整改指令书 and may file cases;
/// without it, 隐患整改通知书 only. Notices issued before the change keep their kind.
#[utoipa::path(put, path = "/api/v1/organizations/{id}/enforcement-delegation", tag = "organizations",
    params(("id" = i64, Path)), request_body = EnforcementDelegation,
    responses((status = 200, body = Organization), (status = 403, description = "administrators only"),
              (status = 404, description = "no such organization"),
              (status = 422, description = "not a street office, or turned on without the delegating document")),
    security(("bearer" = []), ("session" = [])))]
pub async fn set_enforcement_delegation(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    ApiJson(setting): ApiJson<EnforcementDelegation>,
) -> Result<Json<Organization>, ApiError> {
    require_admin(&caller)?;
    Ok(Json(
        state
            .store
            .set_enforcement_delegation(&caller.principal, id, &setting)
            .await?,
    ))
}
