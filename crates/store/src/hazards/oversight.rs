//! The two audited attributes a hazard carries beside its lifecycle: the leader who follows
//! it personally (包挂) and its listing for supervision (挂牌督办), after which only the
//! listing office may accept its closure. Listings are a history (migration 0024): listing
//! again — a district's listing raised to the city's — adds one, and the latest is current.

use super::Hazard;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::{format_time, parse_day};
use crate::{Result, Store, StoreError};
use hazardnet_domain::hazard::Listing;
use hazardnet_domain::{DomainError, Role};
use serde::{Deserialize, Serialize};

/// One listing of a hazard for supervision, as made: by whom, for which office, at which
/// level, with the letter's date and number, and when it was recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct ListingRecord {
    pub id: i64,
    pub office_org_id: i64,
    pub office_name: String,
    /// e.g. 区级 / 市级 / 省级
    pub level: String,
    /// The supervision letter's date (YYYY-MM-DD).
    pub date: String,
    pub letter_number: String,
    /// The user who listed it; absent for listings older than the history that no audit
    /// entry names.
    pub listed_by: Option<i64>,
    pub listed_by_name: String,
    /// When it was recorded (UTC).
    pub listed_at: String,
}

impl Store {
    /// The leaders who could follow this hazard (包挂): users with the leader role in an office
    /// whose jurisdiction contains the hazard's.
    pub async fn leader_candidates(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<Vec<(String, String)>> {
        let hazard = self.hazard(who, id).await?;
        let place = hazardnet_domain::JurisdictionCode::parse(&hazard.jurisdiction_code)?;
        let rows: Vec<(String, String, Option<String>)> = sqlx::query_as(
            "SELECT u.username, u.display_name, o.jurisdiction_code FROM users u \
             JOIN organizations o ON o.id = u.org_id WHERE u.role = 'leader' AND u.disabled = 0 \
             ORDER BY u.display_name",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, code)| {
                code.as_deref()
                    .and_then(|c| hazardnet_domain::JurisdictionCode::parse(c).ok())
                    .is_some_and(|c| c.contains(&place))
            })
            .map(|(username, name, _)| (username, name))
            .collect())
    }

    /// Assigns a leader to follow a hazard personally (包挂). An audited attribute, decided by
    /// the safety committee office; the leader must be able to see the hazard, and is told in
    /// the inbox.
    pub async fn assign_leader(
        &self,
        who: &Principal,
        id: i64,
        leader_username: &str,
    ) -> Result<Hazard> {
        if !matches!(who.role, Role::CommitteeClerk | Role::Admin) {
            return Err(StoreError::Forbidden);
        }
        let row = self.hazard_row(who, id).await?;
        let leader = self
            .principal_for_username(leader_username)
            .await
            .map_err(|_| DomainError::InvalidValue {
                field: "leader",
                value: leader_username.to_string(),
            })?;
        if leader.role != Role::Leader || self.hazard(&leader, id).await.is_err() {
            return Err(DomainError::InvalidValue {
                field: "leader",
                value: leader_username.to_string(),
            }
            .into());
        }
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE hazards SET leader_user_id = $1, updated_at = $2, version = version + 1 WHERE id = $3")
            .bind(leader.user_id)
            .bind(now.clone())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let body =
            serde_json::json!({ "number": row.number, "title": row.title, "office": who.org_name })
                .to_string();
        self.send_message(
            &mut tx,
            leader.user_id,
            Some(id),
            None,
            "leader_assigned",
            &format!("{} {}", row.number, row.title),
            &body,
        )
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "hazard.assign_leader",
                entity: "hazard",
                entity_id: id.to_string(),
                jurisdiction: &row.jurisdiction_code,
                before: to_json(&serde_json::json!({ "leader_user_id": row.leader_user_id })),
                after: to_json(&serde_json::json!({ "leader_user_id": leader.user_id, "leader": leader.username })),
            },
        )
        .await?;
        tx.commit().await?;
        self.hazard(who, id).await
    }

    /// Every listing of a hazard in the caller's scope, oldest first; the last is the
    /// hazard's current listing.
    pub async fn hazard_listings(&self, who: &Principal, id: i64) -> Result<Vec<ListingRecord>> {
        self.hazard_row(who, id).await?;
        Ok(sqlx::query_as(
            "SELECT id, office_org_id, office_name, level, listed_on AS date, letter_number, \
             listed_by, listed_by_name, listed_at FROM hazard_listings WHERE hazard_id = $1 \
             ORDER BY id",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?)
    }

    /// Lists a hazard for supervision (挂牌督办) by the caller's office. An audited attribute:
    /// from now on only that office may accept its closure. A hazard listed already may be
    /// listed again (by a higher office, at a higher level): the new listing becomes current
    /// and the earlier ones stay in its history.
    pub async fn list_hazard_for_supervision(
        &self,
        who: &Principal,
        id: i64,
        level: &str,
        date: &str,
        letter_number: &str,
    ) -> Result<Hazard> {
        if !who.role.may_list_for_supervision() {
            return Err(StoreError::Forbidden);
        }
        let row = self.hazard_row(who, id).await?;
        if matches!(row.state.as_str(), "closed" | "rejected") {
            return Err(StoreError::Conflict {
                code: "hazard_finished",
                value: row.number,
            });
        }
        let listing = Listing {
            office_org_id: who.org_id,
            office_name: who.org_name.clone(),
            level: hazardnet_domain::enterprise::text("listing.level", level, 20, true)?,
            date: parse_day(date.trim())
                .ok_or(DomainError::InvalidValue {
                    field: "listing.date",
                    value: date.to_string(),
                })?
                .to_string(),
            letter_number: hazardnet_domain::enterprise::text(
                "listing.letter_number",
                letter_number,
                60,
                true,
            )?,
        };
        // The same letter sent twice (a form submitted again) is not a new listing.
        let current: Option<Listing> = super::stored_json(row.listing_json.as_deref());
        if current.as_ref().is_some_and(|c| {
            c.office_org_id == listing.office_org_id
                && c.level == listing.level
                && c.letter_number == listing.letter_number
        }) {
            return Err(StoreError::Conflict {
                code: "listing_repeated",
                value: listing.letter_number,
            });
        }
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE hazards SET listing_org_id = $1, listing_json = $2, updated_at = $3, version = version + 1 WHERE id = $4")
            .bind(who.org_id)
            .bind(to_json(&listing))
            .bind(now.clone())
            .bind(id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO hazard_listings (hazard_id, jurisdiction_code, office_org_id, \
             office_name, level, listed_on, letter_number, listed_by, listed_by_name, listed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(id)
        .bind(row.jurisdiction_code.clone())
        .bind(listing.office_org_id)
        .bind(listing.office_name.clone())
        .bind(listing.level.clone())
        .bind(listing.date.clone())
        .bind(listing.letter_number.clone())
        .bind(who.user_id)
        .bind(who.display_name.clone())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "hazard.list_supervision",
                entity: "hazard",
                entity_id: id.to_string(),
                jurisdiction: &row.jurisdiction_code,
                before: row.listing_json.clone(),
                after: to_json(&listing),
            },
        )
        .await?;
        tx.commit().await?;
        self.hazard(who, id).await
    }
}
