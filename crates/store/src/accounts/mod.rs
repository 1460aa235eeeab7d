//! Organizations and users, and the [`Principal`]: the signed-in caller with the scope derived
//! from their organization. How a caller signs in (passwords, sessions, API tokens) is in
//! `sign_in`.

mod offices;
mod sign_in;

pub use offices::{AccountFilter, AssignedExpert, ExpertChoice, NewAccount};

pub(crate) use sign_in::UnknownLogins;
use sign_in::hash_password;
pub use sign_in::{LoginOutcome, SessionInfo};

use crate::WriteTx;
use crate::audit::{Actor, Change, append, to_json};
use crate::clock::format_time;
use crate::{Result, Store, StoreError};
use hazardnet_domain::org::check_password_strength;
use hazardnet_domain::scope::OrgFacts;
use hazardnet_domain::{
    DomainError, IndustryCode, JurisdictionCode, OrgKind, Role, Scope, enterprise::text,
};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct Organization {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub jurisdiction_code: Option<String>,
    pub industries: String,
    pub enterprise_id: Option<i64>,
    /// 1 when administrative enforcement power was delegated to this street office (综合执法).
    pub delegated_enforcement: i64,
    /// The document that delegated it (e.g. 桂政发〔2021〕12号).
    pub delegated_enforcement_basis: String,
    /// Whether the office holds enforcement power, by its kind or by delegation: it issues
    /// 责令限期整改指令书 and files cases; without it, 隐患整改通知书.
    #[sqlx(skip)]
    pub enforcement_power: bool,
}

impl Organization {
    fn with_power(mut self) -> Result<Self> {
        self.enforcement_power =
            OrgKind::parse(&self.kind)?.holds_enforcement_power(self.delegated_enforcement != 0);
        Ok(self)
    }
}

/// The administrator's setting of an office's delegated enforcement power.
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnforcementDelegation {
    /// Whether the office holds delegated enforcement power (行政执法权).
    pub delegated: bool,
    /// The document that delegated it; required when turning it on.
    #[serde(default)]
    pub basis: String,
}

pub(crate) const ORG_COLUMNS: &str = "id, name, kind, jurisdiction_code, industries, enterprise_id, \
    delegated_enforcement, delegated_enforcement_basis";

#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    pub jurisdiction_code: Option<String>,
    #[serde(default)]
    pub industries: Vec<String>,
    #[serde(default)]
    pub enterprise_id: Option<i64>,
}

#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: String,
    pub role: String,
    pub phone: String,
    pub disabled: i64,
    pub created_at: String,
    /// Locked after repeated failed sign-ins, until this UTC time (past locks are NULL).
    pub locked_until: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_id: i64,
    pub role: String,
    pub password: String,
    #[serde(default)]
    pub phone: String,
}

/// The signed-in caller.
#[derive(Debug, Clone, Serialize)]
pub struct Principal {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub org_id: i64,
    pub org_name: String,
    pub org_kind: OrgKind,
    /// The office's delegated enforcement power setting (see `OrgKind::holds_enforcement_power`).
    pub delegated_enforcement: bool,
    pub enterprise_id: Option<i64>,
    pub scope: Scope,
}

impl Principal {
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user_id),
            name: self.username.clone(),
        }
    }

    /// Whether the caller's office holds enforcement power.
    pub fn holds_enforcement_power(&self) -> bool {
        self.org_kind
            .holds_enforcement_power(self.delegated_enforcement)
    }

    /// Whether the caller may record an enforcement decision (the store refuses, the pages
    /// hide the button, by the same rule).
    pub fn may_record_enforcement(&self) -> bool {
        self.role
            .may_record_enforcement(self.org_kind, self.delegated_enforcement)
    }
}

#[derive(FromRow, serde::Deserialize)]
struct PrincipalRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    disabled: i64,
    org_id: i64,
    org_name: String,
    kind: String,
    jurisdiction_code: Option<String>,
    industries: String,
    enterprise_id: Option<i64>,
    delegated_enforcement: i64,
}

fn parse_industry_list(list: &str) -> Vec<IndustryCode> {
    list.split(',')
        .filter_map(|s| IndustryCode::parse(s).ok())
        .collect()
}

fn check_username(username: &str) -> Result<String, DomainError> {
    let u = username.trim();
    let ok = (3..=32).contains(&u.len())
        && u.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(u.to_string())
    } else {
        Err(DomainError::InvalidValue {
            field: "username",
            value: u.to_string(),
        })
    }
}

/// Marks an account disabled (ending its sessions and API tokens) or enabled again, with its
/// audit entry, inside the caller's write.
async fn write_disabled(
    tx: &mut crate::writer::WriteTx,
    store: &Store,
    actor: &Actor,
    user_id: i64,
    was: i64,
    disabled: bool,
    jurisdiction: &str,
) -> Result<()> {
    sqlx::query("UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(i64::from(disabled))
        .bind(format_time(store.clock().now()))
        .bind(user_id)
        .execute(&mut **tx)
        .await?;
    if disabled {
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE api_tokens SET revoked = 1 WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut **tx)
            .await?;
    }
    append(
        tx,
        store,
        actor,
        Change {
            action: if disabled {
                "user.disable"
            } else {
                "user.enable"
            },
            entity: "user",
            entity_id: user_id.to_string(),
            jurisdiction,
            before: to_json(&serde_json::json!({ "disabled": was })),
            after: to_json(&serde_json::json!({ "disabled": i64::from(disabled) })),
        },
    )
    .await?;
    Ok(())
}

impl Store {
    pub async fn create_organization(&self, actor: &Actor, new: NewOrganization) -> Result<i64> {
        let name = text("name", &new.name, 100, true)?;
        let kind = OrgKind::parse(new.kind.trim())?;
        let jurisdiction = match new.jurisdiction_code.as_deref().map(str::trim) {
            Some(code) if !code.is_empty() => Some(JurisdictionCode::parse(code)?),
            _ => None,
        };
        if kind.is_government() && jurisdiction.is_none() {
            return Err(DomainError::Required {
                field: "jurisdiction_code",
            }
            .into());
        }
        let industries = new
            .industries
            .iter()
            .map(|s| IndustryCode::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        if kind == OrgKind::IndustryRegulator && industries.is_empty() {
            return Err(DomainError::Required {
                field: "industries",
            }
            .into());
        }
        let mut jurisdiction = jurisdiction;
        if kind == OrgKind::Enterprise {
            let id = new.enterprise_id.ok_or(DomainError::Required {
                field: "enterprise_id",
            })?;
            let code: Option<String> =
                sqlx::query_scalar("SELECT jurisdiction_code FROM enterprises WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.read)
                    .await?;
            jurisdiction = Some(JurisdictionCode::parse(&code.ok_or(StoreError::NotFound)?)?);
        }
        if let Some(j) = &jurisdiction {
            self.jurisdiction(j.as_str())
                .await
                .map_err(|_| StoreError::UnknownJurisdiction(j.to_string()))?;
        }
        let industries_text = industries
            .iter()
            .map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(",");
        let mut tx = self.begin_write().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (name, kind, jurisdiction_code, industries, enterprise_id, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(name.clone())
        .bind(kind.as_str().to_string())
        .bind(jurisdiction.as_ref().map(|j| j.to_string()))
        .bind(industries_text.clone())
        .bind(if kind == OrgKind::Enterprise {
            new.enterprise_id
        } else {
            None
        })
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict {
                    code: "duplicate_org_name",
                    value: name.clone(),
                }
            } else {
                e.into()
            }
        })?;
        append(
            &mut tx,
            self,
            actor,
            Change {
                action: "organization.create",
                entity: "organization",
                entity_id: id.to_string(),
                jurisdiction: jurisdiction.as_ref().map(|j| j.as_str()).unwrap_or(""),
                before: None,
                after: to_json(&serde_json::json!({
                    "name": name, "kind": kind.as_str(),
                    "jurisdiction_code": jurisdiction, "industries": industries_text,
                    "enterprise_id": new.enterprise_id,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        let rows: Vec<Organization> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organizations ORDER BY id"
        )))
        .fetch_all(&self.read)
        .await?;
        rows.into_iter().map(Organization::with_power).collect()
    }

    pub async fn organization(&self, id: i64) -> Result<Organization> {
        let row: Option<Organization> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.ok_or(StoreError::NotFound)?.with_power()
    }

    pub async fn organization_by_name(&self, name: &str) -> Result<Organization> {
        let row: Option<Organization> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {ORG_COLUMNS} FROM organizations WHERE name = $1"
        )))
        .bind(name.to_string())
        .fetch_optional(&self.read)
        .await?;
        row.ok_or(StoreError::NotFound)?.with_power()
    }

    /// Records whether administrative enforcement power was delegated to a street office
    /// (综合执法改革), and by which document. Administrators only; other kinds of office are
    /// refused (a regulator holds the power by law, others cannot receive it). Notices issued
    /// before the change keep their kind.
    pub async fn set_enforcement_delegation(
        &self,
        who: &Principal,
        org_id: i64,
        setting: &EnforcementDelegation,
    ) -> Result<Organization> {
        if !who.role.may_administer_users() {
            return Err(StoreError::Forbidden);
        }
        let org = self.organization(org_id).await?;
        let kind = OrgKind::parse(&org.kind)?;
        if !kind.may_receive_delegated_enforcement() {
            return Err(StoreError::Refused {
                code: "delegation_not_for_kind",
                value: org.name,
            });
        }
        let basis = text(
            "delegated_enforcement_basis",
            &setting.basis,
            200,
            setting.delegated,
        )?;
        let delegated = i64::from(setting.delegated);
        if delegated == org.delegated_enforcement && basis == org.delegated_enforcement_basis {
            return Ok(org);
        }
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE organizations SET delegated_enforcement = $1, delegated_enforcement_basis = $2 \
             WHERE id = $3",
        )
        .bind(delegated)
        .bind(basis.clone())
        .bind(org.id)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "organization.enforcement_delegation",
                entity: "organization",
                entity_id: org.id.to_string(),
                jurisdiction: org.jurisdiction_code.as_deref().unwrap_or(""),
                before: to_json(&serde_json::json!({
                    "delegated": org.delegated_enforcement != 0,
                    "basis": org.delegated_enforcement_basis,
                })),
                after: to_json(&serde_json::json!({
                    "delegated": setting.delegated, "basis": basis,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        self.organization(org_id).await
    }

    pub async fn create_user(&self, actor: &Actor, new: NewUser) -> Result<i64> {
        let username = check_username(&new.username)?;
        let display_name = text("display_name", &new.display_name, 50, true)?;
        let phone = text("phone", &new.phone, 20, false)?;
        let role = Role::parse(new.role.trim())?;
        let org = self.organization(new.org_id).await?;
        OrgKind::parse(&org.kind)?.check_role(role)?;
        check_password_strength(&new.password, &[&username, &display_name])?;
        let hash = hash_password(new.password).await?;
        let mut tx = self.begin_write().await?;
        let id = insert_user(
            &mut tx,
            self,
            actor,
            &CheckedUser {
                username,
                display_name,
                phone,
                role,
                hash,
            },
            org.id,
            org.jurisdiction_code.as_deref().unwrap_or(""),
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn users(&self) -> Result<Vec<UserRow>> {
        Ok(sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.org_id, o.name AS org_name, o.kind AS org_kind, u.role, \
             u.phone, u.disabled, u.created_at, \
             CASE WHEN u.locked_until > $1 THEN u.locked_until END AS locked_until FROM users u \
             JOIN organizations o ON o.id = u.org_id ORDER BY u.id",
        )
        .bind(format_time(self.clock().now()))
        .fetch_all(&self.read)
        .await?)
    }

    /// Accounts locked now after repeated failed sign-ins (an administrator's to-do).
    pub async fn locked_user_count(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE locked_until > $1")
                .bind(format_time(self.clock().now()))
                .fetch_one(&self.read)
                .await?,
        )
    }

    pub async fn user_by_username(&self, username: &str) -> Result<UserRow> {
        sqlx::query_as(
            "SELECT u.id, u.username, u.display_name, u.org_id, o.name AS org_name, o.kind AS org_kind, u.role, \
             u.phone, u.disabled, u.created_at, \
             CASE WHEN u.locked_until > $2 THEN u.locked_until END AS locked_until FROM users u \
             JOIN organizations o ON o.id = u.org_id WHERE u.username = $1",
        )
        .bind(username.to_string())
        .bind(format_time(self.clock().now()))
        .fetch_optional(&self.read)
        .await?
        .ok_or(StoreError::NotFound)
    }

    pub async fn set_password(
        &self,
        actor: &Actor,
        username: &str,
        password: String,
    ) -> Result<()> {
        let user = self.user_by_username(username).await?;
        check_password_strength(&password, &[&user.username, &user.display_name])?;
        let hash = hash_password(password).await?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE users SET password_hash = $1, failed_logins = 0, locked_until = NULL, \
             updated_at = $2 WHERE id = $3",
        )
        .bind(hash)
        .bind(format_time(self.clock().now()))
        .bind(user.id)
        .execute(&mut *tx)
        .await?;
        // A new password ends every session of the old one.
        sqlx::query("UPDATE sessions SET revoked = 1 WHERE user_id = $1")
            .bind(user.id)
            .execute(&mut *tx)
            .await?;
        append(
            &mut tx,
            self,
            actor,
            Change {
                action: "user.password",
                entity: "user",
                entity_id: user.id.to_string(),
                jurisdiction: "",
                before: None,
                after: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn set_disabled(&self, actor: &Actor, username: &str, disabled: bool) -> Result<()> {
        let user = self.user_by_username(username).await?;
        // Nobody locks themselves out: the last administrator disabling their own account would
        // leave the system without one.
        if disabled && actor.id == Some(user.id) {
            return Err(StoreError::Refused {
                code: "cannot_disable_self",
                value: user.username,
            });
        }
        let mut tx = self.begin_write().await?;
        write_disabled(&mut tx, self, actor, user.id, user.disabled, disabled, "").await?;
        tx.commit().await?;
        Ok(())
    }

    async fn principal_where(
        &self,
        condition: &str,
        value: crate::sql::Arg,
    ) -> Result<Option<Principal>> {
        self.principal_where_in(condition, value, "").await
    }

    /// The principal of the user the condition selects: `condition`, the bound `value`, then
    /// `close` (for a condition that is a subquery).
    async fn principal_where_in(
        &self,
        condition: &str,
        value: crate::sql::Arg,
        close: &str,
    ) -> Result<Option<Principal>> {
        let mut sql = crate::sql::Sql::new(
            "SELECT u.id, u.username, u.display_name, u.role, u.disabled, o.id AS org_id, \
             o.name AS org_name, o.kind, o.jurisdiction_code, o.industries, o.enterprise_id, \
             o.delegated_enforcement FROM users u JOIN organizations o ON o.id = u.org_id WHERE ",
        );
        sql.push(condition).bind(value).push(close);
        let row: Option<PrincipalRow> = self.read_row(&sql).await?;
        let Some(row) = row else { return Ok(None) };
        if row.disabled != 0 {
            return Ok(None);
        }
        let role = Role::parse(&row.role)?;
        let kind = OrgKind::parse(&row.kind)?;
        let facts = OrgFacts {
            kind,
            jurisdiction: row
                .jurisdiction_code
                .as_deref()
                .and_then(|c| JurisdictionCode::parse(c).ok()),
            industries: parse_industry_list(&row.industries),
            enterprise_id: row.enterprise_id,
        };
        Ok(Some(Principal {
            user_id: row.id,
            username: row.username,
            display_name: row.display_name,
            role,
            org_id: row.org_id,
            org_name: row.org_name,
            org_kind: kind,
            delegated_enforcement: row.delegated_enforcement != 0,
            enterprise_id: row.enterprise_id,
            scope: Scope::derive(row.id, role, &facts),
        }))
    }

    pub async fn principal_for_username(&self, username: &str) -> Result<Principal> {
        self.principal_where("u.username = ", username.into())
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// Lets an expert see an enterprise, as the operator (demo data, tests); offices assign
    /// through [`Store::set_expert_assignment`], which checks their scope.
    pub async fn assign_expert(
        &self,
        actor: &Actor,
        user_id: i64,
        enterprise_id: i64,
    ) -> Result<()> {
        let jurisdiction: String =
            sqlx::query_scalar("SELECT jurisdiction_code FROM enterprises WHERE id = $1")
                .bind(enterprise_id)
                .fetch_optional(&self.read)
                .await?
                .ok_or(StoreError::NotFound)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO expert_assignments (user_id, enterprise_id, jurisdiction_code, created_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, enterprise_id) \
             DO UPDATE SET created_at = excluded.created_at, ended_at = NULL",
        )
        .bind(user_id)
        .bind(enterprise_id)
        .bind(jurisdiction.clone())
        .bind(format_time(self.clock().now()))
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            actor,
            Change {
                action: "expert.assign",
                entity: "enterprise",
                entity_id: enterprise_id.to_string(),
                jurisdiction: &jurisdiction,
                before: None,
                after: to_json(&serde_json::json!({ "expert_user_id": user_id })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A new account's fields, checked, with its password hashed.
pub(crate) struct CheckedUser {
    pub username: String,
    pub display_name: String,
    pub phone: String,
    pub role: Role,
    pub hash: String,
}

/// Writes a new account in organization `org_id` and its `user.create` audit entry, inside the
/// caller's write; a taken username is a conflict. The administrator's and the offices' ways
/// of giving an account both end here.
pub(crate) async fn insert_user(
    tx: &mut WriteTx,
    store: &Store,
    actor: &Actor,
    user: &CheckedUser,
    org_id: i64,
    jurisdiction: &str,
) -> Result<i64> {
    let now = format_time(store.clock().now());
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (username, display_name, org_id, role, password_hash, phone, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(user.username.clone())
    .bind(user.display_name.clone())
    .bind(org_id)
    .bind(user.role.as_str().to_string())
    .bind(user.hash.clone())
    .bind(user.phone.clone())
    .bind(now.clone())
    .bind(now)
    .fetch_one(&mut **tx)
    .await
    .map_err(|e| {
        if StoreError::is_unique_violation(&e) {
            StoreError::Conflict {
                code: "duplicate_username",
                value: user.username.clone(),
            }
        } else {
            e.into()
        }
    })?;
    append(
        tx,
        store,
        actor,
        Change {
            action: "user.create",
            entity: "user",
            entity_id: id.to_string(),
            jurisdiction,
            before: None,
            after: to_json(&serde_json::json!({
                "username": user.username, "display_name": user.display_name, "org_id": org_id,
                "role": user.role.as_str(), "phone": user.phone,
            })),
        },
    )
    .await?;
    Ok(id)
}
