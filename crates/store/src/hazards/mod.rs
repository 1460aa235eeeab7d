//! The hazard ledger: the hazard's row and the lifecycle transitions (decided by
//! `domain::hazard::decide`, written here with their audit entries). Beside it: reports and
//! the ledger import (`report`), leader and supervision listing (`oversight`), scoped lists
//! with full-text search (`list`), evidence files, the Excel export and the dashboard figures.

mod correct;
mod dashboard;
mod evidence;
mod export;
pub mod list;
mod oversight;
mod report;
pub(crate) mod tallies;
mod todo;

pub use dashboard::{Dashboard, DashboardCount, MonthPoint};
pub(crate) use evidence::StoredFile;
pub use evidence::{Evidence, EvidenceUpload, MAX_PIXELS, check_upload};
pub use export::LedgerRow;
pub use list::{HazardFilter, HazardSort};
pub use oversight::ListingRecord;
pub use todo::{DUE_SOON_DAYS, Followed, HazardTodo, OPEN_STATES, StepCount, followed_filter};

use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::{format_time, parse_day};
use crate::sql::{ScopeColumns, Sql};
use crate::writer::{Exec, WriteJob};
use crate::{Result, Store, StoreError};
use chrono::NaiveDate;
use hazardnet_domain::hazard::{
    Action, ActorFacts, ExtensionRequest, HazardFacts, HazardLevel, HazardState, Listing,
    RectificationPlan, TransitionError, decide, is_overdue,
};
use hazardnet_domain::{DomainError, Role};
use serde::Serialize;
use sqlx::FromRow;

/// (SQLite) What the writer runs in every group just before it commits: the group's hazard
/// writes, queued by the triggers of migrations 0015 and 0016, reach the full-text index and
/// the dashboard tallies in a few statements instead of several per write.
pub(crate) const BEFORE_GROUP_COMMIT: &str = "\
    DELETE FROM hazard_search WHERE rowid IN \
        (SELECT hazard_id FROM hazard_search_pending WHERE replaces = 1); \
    INSERT INTO hazard_search (rowid, tokens) SELECT hazard_id, tokens FROM hazard_search_pending; \
    DELETE FROM hazard_search_pending; \
    INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n) \
        SELECT jurisdiction_code, industry_code, MAX(industry_section), level, state, listed, SUM(n) \
        FROM hazard_tally_pending WHERE true \
        GROUP BY jurisdiction_code, industry_code, level, state, listed \
        ON CONFLICT (jurisdiction_code, industry_code, level, state, listed) DO UPDATE SET n = n + excluded.n; \
    INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n) \
        SELECT jurisdiction_code, level, state, listed, SUM(n) FROM hazard_tally_pending WHERE true \
        GROUP BY jurisdiction_code, level, state, listed \
        ON CONFLICT (jurisdiction_code, level, state, listed) DO UPDATE SET n = n + excluded.n; \
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed) \
        SELECT jurisdiction_code, industry_code, MAX(industry_section), month, SUM(found), SUM(closed) FROM ( \
            SELECT jurisdiction_code, industry_code, industry_section, found_month AS month, n AS found, 0 AS closed \
            FROM hazard_tally_pending \
            UNION ALL SELECT jurisdiction_code, industry_code, industry_section, closed_month, 0, n \
            FROM hazard_tally_pending WHERE closed_month IS NOT NULL) WHERE true \
        GROUP BY jurisdiction_code, industry_code, month \
        ON CONFLICT (jurisdiction_code, industry_code, month) \
        DO UPDATE SET found = found + excluded.found, closed = closed + excluded.closed; \
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed) \
        SELECT month, jurisdiction_code, SUM(found), SUM(closed) FROM ( \
            SELECT found_month AS month, jurisdiction_code, n AS found, 0 AS closed FROM hazard_tally_pending \
            UNION ALL SELECT closed_month, jurisdiction_code, 0, n \
            FROM hazard_tally_pending WHERE closed_month IS NOT NULL) WHERE true \
        GROUP BY month, jurisdiction_code \
        ON CONFLICT (month, jurisdiction_code) \
        DO UPDATE SET found = found + excluded.found, closed = closed + excluded.closed; \
    DELETE FROM hazard_tally_pending;";

pub(crate) const HAZARD_SCOPE: ScopeColumns<'static> = ScopeColumns {
    enterprise_id: "h.enterprise_id",
    jurisdiction: "h.jurisdiction_code",
    industry_code: "h.industry_code",
    industry_section: "h.industry_section",
};

pub(crate) const SELECT: &str = "SELECT h.id, h.number, h.enterprise_id, e.name AS enterprise_name, \
    h.jurisdiction_code, COALESCE(j.name, '') AS jurisdiction_name, h.industry_code, h.title, \
    h.description, h.place, h.level, h.category, h.basis, h.source, h.found_at, h.found_by, h.state, \
    h.deadline, h.plan_json, h.listing_org_id, h.listing_json, h.leader_user_id, \
    h.pending_extension_json, h.closed_at, h.created_at, h.updated_at, h.version, \
    COALESCE(lu.display_name, '') AS leader_name, h.reported_by, h.planned_by, h.rectified_by \
    FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id \
    LEFT JOIN jurisdictions j ON j.code = h.jurisdiction_code \
    LEFT JOIN users lu ON lu.id = h.leader_user_id";

#[derive(Debug, Clone, FromRow, serde::Deserialize)]
pub(crate) struct HazardRow {
    id: i64,
    number: String,
    enterprise_id: i64,
    enterprise_name: String,
    jurisdiction_code: String,
    jurisdiction_name: String,
    industry_code: String,
    title: String,
    description: String,
    place: String,
    level: String,
    category: String,
    basis: String,
    source: String,
    found_at: String,
    found_by: String,
    state: String,
    deadline: Option<String>,
    plan_json: Option<String>,
    listing_org_id: Option<i64>,
    listing_json: Option<String>,
    leader_user_id: Option<i64>,
    pending_extension_json: Option<String>,
    closed_at: Option<String>,
    created_at: String,
    updated_at: String,
    version: i64,
    leader_name: String,
    /// Who reported, planned and rectified it (user ids; NULL where not recorded): the
    /// facts of the four-eyes rule on acceptance.
    reported_by: Option<i64>,
    planned_by: Option<i64>,
    rectified_by: Option<i64>,
}

/// A hazard just recorded: its id and the number it was given.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct HazardCreated {
    pub id: i64,
    pub number: String,
}

/// A hazard as shown to a user.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hazard {
    pub id: i64,
    pub number: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub jurisdiction_code: String,
    pub jurisdiction_name: String,
    pub industry_code: String,
    pub title: String,
    pub description: String,
    pub place: String,
    pub level: String,
    pub category: String,
    pub basis: String,
    pub source: String,
    pub found_at: String,
    pub found_by: String,
    pub state: String,
    pub deadline: Option<String>,
    /// Derived: the deadline has passed and the hazard is still open.
    pub overdue: bool,
    pub plan: Option<RectificationPlan>,
    pub listing: Option<Listing>,
    /// The leader assigned to follow it personally (包挂), if any.
    pub leader_user_id: Option<i64>,
    pub leader_name: String,
    pub pending_extension: Option<ExtensionRequest>,
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl HazardRow {
    pub(crate) fn into_hazard(self, today: NaiveDate) -> Hazard {
        Hazard {
            overdue: overdue(&self.state, self.deadline.as_deref(), today),
            plan: stored_json(self.plan_json.as_deref()),
            listing: stored_json(self.listing_json.as_deref()),
            pending_extension: stored_json(self.pending_extension_json.as_deref()),
            id: self.id,
            number: self.number,
            enterprise_id: self.enterprise_id,
            enterprise_name: self.enterprise_name,
            jurisdiction_code: self.jurisdiction_code,
            jurisdiction_name: self.jurisdiction_name,
            industry_code: self.industry_code,
            title: self.title,
            description: self.description,
            place: self.place,
            level: self.level,
            category: self.category,
            basis: self.basis,
            source: self.source,
            found_at: self.found_at,
            found_by: self.found_by,
            state: self.state,
            deadline: self.deadline,
            leader_user_id: self.leader_user_id,
            leader_name: self.leader_name,
            closed_at: self.closed_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        }
    }
}

/// Derived for every hazard read: its deadline has passed and it is still open (the stored
/// state and deadline, as a row holds them).
pub(crate) fn overdue(state: &str, deadline: Option<&str>, today: NaiveDate) -> bool {
    let state = HazardState::parse(state).unwrap_or(HazardState::Reported);
    is_overdue(state, deadline.and_then(parse_day), today)
}

/// An attribute a hazard row keeps as JSON (plan, listing, pending extension); `None` when
/// absent or unreadable.
pub(crate) fn stored_json<T: serde::de::DeserializeOwned>(json: Option<&str>) -> Option<T> {
    json.and_then(|j| serde_json::from_str(j).ok())
}

/// Why a transition was refused, or a storage error.
#[derive(Debug, thiserror::Error)]
pub enum TransitionFailure {
    #[error(transparent)]
    Rule(#[from] TransitionError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for TransitionFailure {
    fn from(e: sqlx::Error) -> Self {
        TransitionFailure::Store(e.into())
    }
}

impl Store {
    /// The facts `decide` needs, from a hazard row and the caller. A stored value the rules
    /// cannot read is an error, never a guess.
    async fn decision_facts(
        &self,
        who: &Principal,
        row: &HazardRow,
    ) -> Result<(HazardFacts, ActorFacts, Option<ExtensionRequest>)> {
        let pending: Option<ExtensionRequest> = stored_json(row.pending_extension_json.as_deref());
        let unreadable = |column: &str, value: &str| {
            StoreError::Internal(format!("hazard {}: stored {column} {value:?}", row.id))
        };
        let user = |column: &str, id: Option<i64>| match id {
            Some(id) if id <= 0 => Err(unreadable(column, &id.to_string())),
            id => Ok(id),
        };
        let facts = HazardFacts {
            state: HazardState::parse(&row.state).ok_or_else(|| unreadable("state", &row.state))?,
            level: HazardLevel::parse(&row.level).ok_or_else(|| unreadable("level", &row.level))?,
            deadline: row.deadline.as_deref().and_then(parse_day),
            has_plan: stored_json::<RectificationPlan>(row.plan_json.as_deref())
                .is_some_and(|plan| plan.has_five_elements()),
            listing_office: row.listing_org_id,
            pending_extension: pending.is_some(),
            reported_by: user("reported_by", row.reported_by)?,
            planned_by: user("planned_by", row.planned_by)?,
            rectified_by: user("rectified_by", row.rectified_by)?,
        };
        // Only an expert can be assigned; nobody else pays for the lookup.
        let assigned_expert = who.role == Role::Expert
            && sqlx::query_scalar::<_, i64>(
                "SELECT 1 FROM expert_assignments WHERE user_id = $1 AND enterprise_id = $2 \
                 AND ended_at IS NULL",
            )
            .bind(who.user_id)
            .bind(row.enterprise_id)
            .fetch_optional(&self.read)
            .await?
            .is_some();
        let actor = ActorFacts {
            role: who.role,
            org_id: who.org_id,
            own_enterprise: who.enterprise_id == Some(row.enterprise_id),
            assigned_expert,
        };
        Ok((facts, actor, pending))
    }

    /// The actions the caller may take on a hazard now, for showing the right buttons. Each
    /// is probed with the domain rule; one refused only for missing content still counts.
    pub async fn available_actions(&self, who: &Principal, id: i64) -> Result<Vec<&'static str>> {
        let row = self.hazard_row(who, id).await?;
        let (facts, actor, _) = self.decision_facts(who, &row).await?;
        let today = self.today();
        let probes = [
            Action::Confirm {
                plan: None,
                deadline: None,
                note: String::new(),
            },
            Action::Reject {
                reason: String::new(),
            },
            Action::ImmediateFix {
                evidence: vec![],
                note: String::new(),
            },
            Action::Submit {
                evidence: vec![],
                note: String::new(),
            },
            Action::Accept {
                evidence: vec![],
                note: String::new(),
            },
            Action::SendBack {
                reason: String::new(),
            },
            Action::RequestExtension {
                new_deadline: String::new(),
                reason: String::new(),
            },
            Action::DecideExtension {
                approve: false,
                note: String::new(),
            },
            Action::Reopen {
                reason: String::new(),
            },
        ];
        Ok(probes
            .iter()
            .filter(|probe| {
                matches!(
                    decide(&facts, &actor, probe, who.user_id, today),
                    Ok(_) | Err(TransitionError::Invalid(_))
                )
            })
            .map(|probe| probe.name())
            .collect())
    }

    /// Today's date in China (deadlines are calendar dates in China time).
    pub fn today(&self) -> NaiveDate {
        (self.clock().now() + chrono::Duration::hours(8)).date_naive()
    }

    fn may_report(who: &Principal, enterprise_id: i64) -> bool {
        match who.role {
            Role::EnterprisePrincipal | Role::EnterpriseSafetyManager | Role::EnterpriseStaff => {
                who.enterprise_id == Some(enterprise_id)
            }
            Role::Leader => false,
            _ => true,
        }
    }

    pub async fn hazard(&self, who: &Principal, id: i64) -> Result<Hazard> {
        Ok(self.hazard_row(who, id).await?.into_hazard(self.today()))
    }

    /// The hazard's row, if it is in the caller's scope. Every transition reads it first, so on
    /// SQLite it comes from the direct readers ([`Store::read_row`]).
    async fn hazard_row(&self, who: &Principal, id: i64) -> Result<HazardRow> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE h.id = ").bind(id).push(" AND ");
        crate::sql::push_scope_of_row(&mut sql, self.kind(), &who.scope, &HAZARD_SCOPE);
        self.read_row(&sql).await?.ok_or(StoreError::NotFound)
    }

    /// Fires one lifecycle action. The rule is the domain's; this writes the outcome and its
    /// audit entry in one transaction, guarded by the version read (a concurrent change makes
    /// this one fail rather than both apply).
    pub async fn transition_hazard(
        &self,
        who: &Principal,
        id: i64,
        action: &Action,
    ) -> std::result::Result<Hazard, TransitionFailure> {
        let today = self.today();
        let row = self.hazard_row(who, id).await?;
        let (facts, actor, pending) = self.decision_facts(who, &row).await?;
        let outcome = decide(&facts, &actor, action, who.user_id, today)?;
        // Evidence must be files of this hazard.
        for evidence_id in action.evidence() {
            let owner: Option<i64> =
                sqlx::query_scalar("SELECT hazard_id FROM evidence WHERE id = $1")
                    .bind(*evidence_id)
                    .fetch_optional(&self.read)
                    .await?;
            if owner != Some(id) {
                return Err(TransitionError::Invalid(DomainError::InvalidValue {
                    field: "evidence",
                    value: evidence_id.to_string(),
                })
                .into());
            }
        }
        let mut deadline = outcome
            .deadline
            .map(|d| d.to_string())
            .or(row.deadline.clone());
        if let Action::DecideExtension { approve: true, .. } = action
            && let Some(request) = &pending
        {
            deadline = Some(request.new_deadline.clone());
        }
        let plan_json = match &outcome.plan {
            Some(plan) => to_json(plan),
            None => row.plan_json.clone(),
        };
        let pending_json = match &outcome.pending_extension {
            Some(Some(request)) => to_json(request),
            Some(None) => None,
            None => row.pending_extension_json.clone(),
        };
        // Who planned and who rectified, for the four-eyes rule on its acceptance.
        let planned_by = match action {
            Action::Confirm { .. } => Some(who.user_id),
            _ => row.planned_by,
        };
        let rectified_by = match action {
            Action::Submit { .. } | Action::ImmediateFix { .. } => Some(who.user_id),
            _ => row.rectified_by,
        };
        let now = format_time(self.clock().now());
        let closed_at = if outcome.closed {
            Some(now.clone())
        } else if outcome.reopened {
            None
        } else {
            row.closed_at.clone()
        };
        let write = TransitionWrite {
            store: self.clone(),
            who: who.clone(),
            id,
            action: action.clone(),
            state: outcome.state,
            deadline: deadline.clone(),
            plan_json: plan_json.clone(),
            pending_json: pending_json.clone(),
            closed_at: closed_at.clone(),
            planned_by,
            rectified_by,
            now: now.clone(),
            before: (row.state.clone(), row.deadline.clone()),
            version: row.version,
            jurisdiction_code: row.jurisdiction_code.clone(),
        };
        self.write.run(write).await?;
        // The row as the version-guarded UPDATE left it: no second read needed to answer.
        let written = HazardRow {
            state: outcome.state.as_str().to_string(),
            deadline,
            plan_json,
            pending_extension_json: pending_json,
            closed_at,
            planned_by,
            rectified_by,
            updated_at: now,
            version: row.version + 1,
            ..row
        };
        Ok(written.into_hazard(today))
    }
}

/// What a transition writes, owned, for the writer's thread ([`crate::writer::Writer::run`]).
struct TransitionWrite {
    store: Store,
    who: Principal,
    id: i64,
    action: Action,
    state: HazardState,
    deadline: Option<String>,
    plan_json: Option<String>,
    pending_json: Option<String>,
    closed_at: Option<String>,
    planned_by: Option<i64>,
    rectified_by: Option<i64>,
    now: String,
    /// The state and deadline read before the decision.
    before: (String, Option<String>),
    /// The version read: a concurrent change makes this write fail instead of both applying.
    version: i64,
    jurisdiction_code: String,
}

impl WriteJob for TransitionWrite {
    type Output = ();

    async fn run<E: Exec>(self, tx: &mut E) -> Result<()> {
        let updated = tx
            .rows(
                "UPDATE hazards SET state = $1, deadline = $2, plan_json = $3, \
                 pending_extension_json = $4, closed_at = $5, updated_at = $6, \
                 planned_by = $7, rectified_by = $8, \
                 version = version + 1 WHERE id = $9 AND version = $10 RETURNING id",
                vec![
                    self.state.as_str().into(),
                    self.deadline.clone().into(),
                    self.plan_json.into(),
                    self.pending_json.into(),
                    self.closed_at.into(),
                    self.now.into(),
                    self.planned_by.into(),
                    self.rectified_by.into(),
                    self.id.into(),
                    self.version.into(),
                ],
            )
            .await?;
        if updated.is_empty() {
            return Err(StoreError::StaleVersion(self.version));
        }
        let (before_state, before_deadline) = self.before;
        // A new deadline brings its reminder and escalation jobs, in the same transaction.
        if self.deadline != before_deadline
            && let Some(due) = self.deadline.as_deref().and_then(parse_day)
        {
            crate::jobs::schedule_deadline_jobs(
                tx,
                &self.store,
                self.id,
                &self.jurisdiction_code,
                due,
            )
            .await?;
        }
        let audit_action = format!("hazard.{}", self.action.name());
        append(
            tx,
            &self.store,
            &self.who.actor(),
            Change {
                action: &audit_action,
                entity: "hazard",
                entity_id: self.id.to_string(),
                jurisdiction: &self.jurisdiction_code,
                before: to_json(
                    &serde_json::json!({ "state": before_state, "deadline": before_deadline }),
                ),
                after: to_json(&serde_json::json!({
                    "state": self.state.as_str(), "deadline": self.deadline, "action": self.action,
                })),
            },
        )
        .await?;
        // Whoever must act on a request, or waits for its answer, hears of it.
        let notice = match &self.action {
            Action::RequestExtension { .. } => Some(crate::jobs::Notice::ExtensionRequested),
            Action::DecideExtension { approve: true, .. } => {
                Some(crate::jobs::Notice::ExtensionApproved)
            }
            Action::DecideExtension { approve: false, .. } => {
                Some(crate::jobs::Notice::ExtensionRefused)
            }
            _ => None,
        };
        if let Some(notice) = notice {
            crate::jobs::schedule_notice(tx, &self.store, notice, self.id, self.version).await?;
        }
        Ok(())
    }
}
