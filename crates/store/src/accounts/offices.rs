//! Accounts kept by the offices: a street office, a district's safety committee office or a
//! regulator gives, lists, disables and re-enables the accounts of the organizations inside its
//! scope, and assigns experts to the enterprises it oversees. Who may give which role where is
//! one rule, [`Role::may_grant`]; every query here asks it, and checks the scope again inside
//! the write.

use super::{
    CheckedUser, ORG_COLUMNS, Organization, UserRow, check_username, hash_password, insert_user,
};
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::sql::{ENTERPRISE_SCOPE, Sql, push_scope};
use crate::writer::WriteTx;
use crate::{Principal, Result, Store, StoreError};
use hazardnet_domain::org::{AccountReach, GrantRefusal, OrgRelation, check_password_strength};
use hazardnet_domain::{DomainError, OrgKind, Role, Scope, enterprise::text};
use serde::{Deserialize, Serialize};
use sqlx::FromRow;

/// A new account as an office gives it: in an existing organization (`org_id`), or in an
/// enterprise's (`enterprise_id`), whose organization is made with its first account.
#[derive(Debug, Clone, Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub password: String,
    #[serde(default)]
    pub phone: String,
    /// The organization the account belongs to (give this or `enterprise_id`).
    #[serde(default)]
    pub org_id: Option<i64>,
    /// The enterprise whose account this is (give this or `org_id`).
    #[serde(default)]
    pub enterprise_id: Option<i64>,
}

/// The filters of the accounts list, all optional; paging is 1-based.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct AccountFilter {
    /// Part of the username, the name or the organization's name.
    pub q: Option<String>,
    pub role: Option<String>,
    /// `active` or `disabled`.
    pub status: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl AccountFilter {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(20).clamp(1, 200)
    }
}

/// An expert assigned to an enterprise.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct AssignedExpert {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
    /// When the assignment (last) began, UTC.
    pub assigned_at: String,
}

/// An expert account, as offered when assigning one.
#[derive(Debug, Clone, FromRow, Serialize, utoipa::ToSchema)]
pub struct ExpertChoice {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub org_name: String,
}

/// The columns of a [`UserRow`]; the lock shows only while it lasts (the time is bound first).
const USER_COLUMNS: &str = "SELECT u.id, u.username, u.display_name, u.org_id, \
    o.name AS org_name, o.kind AS org_kind, u.role, u.phone, u.disabled, u.created_at, \
    CASE WHEN u.locked_until > ";
const USER_FROM: &str = " THEN u.locked_until END AS locked_until \
    FROM users u JOIN organizations o ON o.id = u.org_id WHERE ";

/// `(condition)` on the organization aliased `o`: it lies inside `scope` — its jurisdiction in
/// a government scope's subtree or, for an enterprise's organization, the enterprise inside the
/// scope (a regulator's industries included). Mirrors [`OrgRelation::Inside`].
fn push_org_in_scope(sql: &mut Sql, scope: &Scope) {
    match scope {
        Scope::Everything => {
            sql.push("(1 = 1)");
        }
        Scope::Government { jurisdiction, .. } => {
            let (low, high) = jurisdiction.subtree_bounds();
            sql.push(
                "((o.kind = 'enterprise' AND o.enterprise_id IN (SELECT e.id FROM enterprises e \
                 WHERE ",
            );
            push_scope(sql, scope, &ENTERPRISE_SCOPE);
            sql.push(")) OR (o.kind <> 'enterprise' AND o.jurisdiction_code BETWEEN ");
            sql.bind(low).push(" AND ").bind(high).push("))");
        }
        Scope::Enterprise { .. } | Scope::Assigned { .. } | Scope::Nothing => {
            sql.push("(1 = 0)");
        }
    }
}

/// `(condition)` on the organization aliased `o`: the caller keeps its accounts
/// ([`Role::account_reach`]).
fn push_org_reach(sql: &mut Sql, who: &Principal) {
    match who.role.account_reach(who.org_kind) {
        AccountReach::Everything => {
            sql.push("(1 = 1)");
        }
        AccountReach::Nothing => {
            sql.push("(1 = 0)");
        }
        AccountReach::Offices { own_org, below } => {
            sql.push("(");
            if own_org {
                sql.push("o.id = ").bind(who.org_id).push(" OR ");
            }
            sql.push("(o.id <> ")
                .bind(who.org_id)
                .push(" AND o.kind IN ('-'");
            for kind in below {
                sql.push(", ").bind(kind.as_str());
            }
            sql.push(") AND ");
            push_org_in_scope(sql, &who.scope);
            sql.push("))");
        }
    }
}

fn refusal(refused: GrantRefusal, role: Role, kind: OrgKind) -> StoreError {
    match refused {
        GrantRefusal::Outside => StoreError::NotFound,
        GrantRefusal::RoleNotInOrg => DomainError::RoleNotAllowedInOrg {
            role: role.as_str(),
            kind: kind.as_str(),
        }
        .into(),
        GrantRefusal::NotGrantable => DomainError::RoleNotGrantable {
            role: role.as_str(),
            kind: kind.as_str(),
        }
        .into(),
    }
}

/// Where organization `org` lies from `who`, read inside the write that acts on it.
async fn org_relation(tx: &mut WriteTx, who: &Principal, org_id: i64) -> Result<OrgRelation> {
    if org_id == who.org_id {
        return Ok(OrgRelation::Own);
    }
    let mut sql = Sql::new("SELECT o.id FROM organizations o WHERE o.id = ");
    sql.bind(org_id).push(" AND ");
    push_org_in_scope(&mut sql, &who.scope);
    let inside = sql.query_scalar_i64().fetch_optional(&mut **tx).await?;
    Ok(if inside.is_some() {
        OrgRelation::Inside
    } else {
        OrgRelation::Outside
    })
}

/// The enterprise `id` with its name, credit code and jurisdiction, if it lies in `scope`.
async fn enterprise_in_scope(
    tx: &mut WriteTx,
    scope: &Scope,
    id: i64,
) -> Result<Option<(String, String, String)>> {
    let mut sql = Sql::new(
        "SELECT e.name, e.credit_code, e.jurisdiction_code FROM enterprises e WHERE e.id = ",
    );
    sql.bind(id).push(" AND ");
    push_scope(&mut sql, scope, &ENTERPRISE_SCOPE);
    Ok(sql.query_as().fetch_optional(&mut **tx).await?)
}

impl Store {
    /// The accounts the caller keeps, filtered and paged; the total before paging.
    pub async fn accounts(
        &self,
        who: &Principal,
        filter: &AccountFilter,
    ) -> Result<(Vec<UserRow>, i64)> {
        let conditions = |sql: &mut Sql| {
            push_org_reach(sql, who);
            if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
                let pattern = format!("%{}%", q.replace(['%', '_'], ""));
                sql.push(" AND (u.username LIKE ").bind(pattern.clone());
                sql.push(" OR u.display_name LIKE ").bind(pattern.clone());
                sql.push(" OR o.name LIKE ").bind(pattern).push(")");
            }
            sql.push_filled(" AND u.role = ", filter.role.as_deref().map(str::trim));
            match filter.status.as_deref() {
                Some("active") => {
                    sql.push(" AND u.disabled = 0");
                }
                Some("disabled") => {
                    sql.push(" AND u.disabled <> 0");
                }
                _ => {}
            }
        };
        let mut count =
            Sql::new("SELECT COUNT(*) FROM users u JOIN organizations o ON o.id = u.org_id WHERE ");
        conditions(&mut count);
        let total = count.query_scalar_i64().fetch_one(&self.read).await?;
        let mut sql = Sql::new(USER_COLUMNS);
        sql.bind(format_time(self.clock().now())).push(USER_FROM);
        conditions(&mut sql);
        sql.push(" ORDER BY o.name, u.username LIMIT ")
            .bind(filter.per_page());
        sql.push(" OFFSET ")
            .bind(crate::sql::page_offset(filter.page(), filter.per_page()));
        Ok((sql.query_as().fetch_all(&self.read).await?, total))
    }

    /// The organizations, other than enterprises', whose accounts the caller keeps (enterprises
    /// are chosen by their credit code: there are too many to list).
    pub async fn account_organizations(&self, who: &Principal) -> Result<Vec<Organization>> {
        let mut sql = Sql::new(&format!(
            "SELECT {ORG_COLUMNS} FROM organizations o WHERE o.kind <> 'enterprise' AND "
        ));
        push_org_reach(&mut sql, who);
        sql.push(" ORDER BY o.jurisdiction_code, o.name");
        let rows: Vec<Organization> = sql.query_as().fetch_all(&self.read).await?;
        rows.into_iter().map(Organization::with_power).collect()
    }

    /// Gives an account in an organization the caller keeps ([`Role::may_grant`]). For an
    /// enterprise without an organization yet, the organization is made in the same write.
    /// An organization outside the caller's scope is absent ([`StoreError::NotFound`]).
    pub async fn create_account(&self, who: &Principal, new: NewAccount) -> Result<i64> {
        let username = check_username(&new.username)?;
        let display_name = text("display_name", &new.display_name, 50, true)?;
        let phone = text("phone", &new.phone, 20, false)?;
        let role = Role::parse(new.role.trim())?;
        if new.org_id.is_some() == new.enterprise_id.is_some() {
            return Err(DomainError::Required { field: "org_id" }.into());
        }
        check_password_strength(&new.password, &[&username, &display_name])?;
        let hash = hash_password(new.password).await?;
        let mut tx = self.begin_write().await?;
        let (org_id, kind, jurisdiction, relation) = match (new.org_id, new.enterprise_id) {
            (Some(org_id), _) => {
                let org: Organization = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT {ORG_COLUMNS} FROM organizations WHERE id = $1"
                )))
                .bind(org_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?;
                let relation = org_relation(&mut tx, who, org.id).await?;
                (
                    org.id,
                    OrgKind::parse(&org.kind)?,
                    org.jurisdiction_code.unwrap_or_default(),
                    relation,
                )
            }
            (None, Some(enterprise_id)) => {
                let (name, credit_code, jurisdiction) =
                    enterprise_in_scope(&mut tx, &who.scope, enterprise_id)
                        .await?
                        .ok_or(StoreError::NotFound)?;
                // Refuse before making the enterprise's organization.
                who.role
                    .may_grant(who.org_kind, OrgKind::Enterprise, OrgRelation::Inside, role)
                    .map_err(|r| refusal(r, role, OrgKind::Enterprise))?;
                let org_id = self
                    .enterprise_organization(&mut tx, who, enterprise_id, &name, &credit_code)
                    .await?;
                let relation = if org_id == who.org_id {
                    OrgRelation::Own
                } else {
                    OrgRelation::Inside
                };
                (org_id, OrgKind::Enterprise, jurisdiction, relation)
            }
            (None, None) => return Err(DomainError::Required { field: "org_id" }.into()),
        };
        who.role
            .may_grant(who.org_kind, kind, relation, role)
            .map_err(|r| refusal(r, role, kind))?;
        let id = insert_user(
            &mut tx,
            self,
            &who.actor(),
            &CheckedUser {
                username,
                display_name,
                phone,
                role,
                hash,
            },
            org_id,
            &jurisdiction,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The organization of enterprise `enterprise_id`, made (and audited) if it has none.
    async fn enterprise_organization(
        &self,
        tx: &mut WriteTx,
        who: &Principal,
        enterprise_id: i64,
        name: &str,
        credit_code: &str,
    ) -> Result<i64> {
        let existing: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM organizations WHERE kind = 'enterprise' AND enterprise_id = $1 \
             ORDER BY id LIMIT 1",
        )
        .bind(enterprise_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = existing {
            return Ok(id);
        }
        // Organization names are unique; two enterprises may share a name, their credit codes
        // tell them apart.
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM organizations WHERE name = $1")
            .bind(name.to_string())
            .fetch_optional(&mut **tx)
            .await?;
        let org_name = match taken {
            None => name.to_string(),
            Some(_) => format!("{name}（{credit_code}）"),
        };
        let jurisdiction: String =
            sqlx::query_scalar("SELECT jurisdiction_code FROM enterprises WHERE id = $1")
                .bind(enterprise_id)
                .fetch_one(&mut **tx)
                .await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO organizations (name, kind, jurisdiction_code, industries, enterprise_id, \
             created_at) VALUES ($1, 'enterprise', $2, '', $3, $4) RETURNING id",
        )
        .bind(org_name.clone())
        .bind(jurisdiction.clone())
        .bind(enterprise_id)
        .bind(format_time(self.clock().now()))
        .fetch_one(&mut **tx)
        .await
        .map_err(|e| {
            if StoreError::is_unique_violation(&e) {
                StoreError::Conflict {
                    code: "duplicate_org_name",
                    value: org_name.clone(),
                }
            } else {
                e.into()
            }
        })?;
        append(
            tx,
            self,
            &who.actor(),
            Change {
                action: "organization.create",
                entity: "organization",
                entity_id: id.to_string(),
                jurisdiction: &jurisdiction,
                before: None,
                after: to_json(&serde_json::json!({
                    "name": org_name, "kind": "enterprise",
                    "jurisdiction_code": jurisdiction, "enterprise_id": enterprise_id,
                })),
            },
        )
        .await?;
        Ok(id)
    }

    /// Disables (ending its sessions and tokens) or re-enables an account the caller keeps.
    /// Nothing is deleted. An account outside the caller's scope is absent.
    pub async fn set_account_disabled(
        &self,
        who: &Principal,
        username: &str,
        disabled: bool,
    ) -> Result<()> {
        if disabled && who.username == username {
            return Err(StoreError::Refused {
                code: "cannot_disable_self",
                value: username.to_string(),
            });
        }
        let mut tx = self.begin_write().await?;
        let row: Option<(i64, i64, String, i64, String, Option<String>)> = sqlx::query_as(
            "SELECT u.id, u.org_id, u.role, u.disabled, o.kind, o.jurisdiction_code \
             FROM users u JOIN organizations o ON o.id = u.org_id WHERE u.username = $1",
        )
        .bind(username.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let (user_id, org_id, role, was, kind, jurisdiction) = row.ok_or(StoreError::NotFound)?;
        let role = Role::parse(&role)?;
        let kind = OrgKind::parse(&kind)?;
        let relation = org_relation(&mut tx, who, org_id).await?;
        who.role
            .may_grant(who.org_kind, kind, relation, role)
            .map_err(|r| refusal(r, role, kind))?;
        super::write_disabled(
            &mut tx,
            self,
            &who.actor(),
            user_id,
            was,
            disabled,
            jurisdiction.as_deref().unwrap_or(""),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every enabled expert account, for choosing whom to assign.
    pub async fn expert_choices(&self) -> Result<Vec<ExpertChoice>> {
        Ok(sqlx::query_as(
            "SELECT u.id AS user_id, u.username, u.display_name, o.name AS org_name \
             FROM users u JOIN organizations o ON o.id = u.org_id \
             WHERE u.role = 'expert' AND u.disabled = 0 ORDER BY u.display_name, u.username",
        )
        .fetch_all(&self.read)
        .await?)
    }

    /// The experts assigned to an enterprise in the caller's scope now.
    pub async fn enterprise_experts(
        &self,
        who: &Principal,
        enterprise_id: i64,
    ) -> Result<Vec<AssignedExpert>> {
        let mut sql = Sql::new(
            "SELECT u.id AS user_id, u.username, u.display_name, o.name AS org_name, \
             a.created_at AS assigned_at FROM expert_assignments a \
             JOIN users u ON u.id = a.user_id JOIN organizations o ON o.id = u.org_id \
             WHERE a.ended_at IS NULL AND a.enterprise_id = ",
        );
        sql.bind(enterprise_id)
            .push(" AND a.enterprise_id IN (SELECT e.id FROM enterprises e WHERE ");
        push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
        sql.push(") ORDER BY u.display_name, u.username");
        Ok(sql.query_as().fetch_all(&self.read).await?)
    }

    /// Assigns (`assign`) or takes off an expert from an enterprise in the caller's scope. From
    /// the commit on, the expert's scope holds the enterprise (or no longer does): scope is read
    /// from the assignments in every query. An enterprise outside the scope is absent.
    pub async fn set_expert_assignment(
        &self,
        who: &Principal,
        expert_username: &str,
        enterprise_id: i64,
        assign: bool,
    ) -> Result<()> {
        if !who.role.may_assign_experts() {
            return Err(StoreError::Forbidden);
        }
        let mut tx = self.begin_write().await?;
        let (_, _, jurisdiction) = enterprise_in_scope(&mut tx, &who.scope, enterprise_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let expert: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, role, disabled FROM users WHERE username = $1")
                .bind(expert_username.trim().to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let user_id = match expert {
            Some((id, role, disabled)) if Role::parse(&role)? == Role::Expert => {
                if assign && disabled != 0 {
                    return Err(StoreError::Refused {
                        code: "expert_disabled",
                        value: expert_username.to_string(),
                    });
                }
                id
            }
            _ => {
                return Err(StoreError::Refused {
                    code: "not_an_expert",
                    value: expert_username.to_string(),
                });
            }
        };
        let now = format_time(self.clock().now());
        let changed = if assign {
            sqlx::query(
                "INSERT INTO expert_assignments (user_id, enterprise_id, jurisdiction_code, \
                 created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, enterprise_id) \
                 DO UPDATE SET created_at = excluded.created_at, ended_at = NULL \
                 WHERE expert_assignments.ended_at IS NOT NULL",
            )
            .bind(user_id)
            .bind(enterprise_id)
            .bind(jurisdiction.clone())
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        } else {
            sqlx::query(
                "UPDATE expert_assignments SET ended_at = $1 \
                 WHERE user_id = $2 AND enterprise_id = $3 AND ended_at IS NULL",
            )
            .bind(now)
            .bind(user_id)
            .bind(enterprise_id)
            .execute(&mut *tx)
            .await?
            .rows_affected()
        };
        // Assigning an assigned expert, or ending an ended assignment, changes nothing.
        if changed == 0 {
            return Ok(());
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: if assign {
                    "expert.assign"
                } else {
                    "expert.unassign"
                },
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
