//! A person's to-do counts for the home page, each the total of a ledger filter the person can
//! open ("awaiting my step", overdue, due soon, listed by my office, followed by me). Which
//! hazards await the person's step is the domain's answer ([`step_classes`]); this turns it
//! into SQL. The counts run on every home load, so an office's counts read the maintained
//! tallies and small partial indexes (migration 0027) rather than a province's hazards.

use super::HAZARD_SCOPE;
use super::dashboard::TALLY_SCOPE;
use crate::accounts::Principal;
use crate::sql::{Sql, push_scope};
use crate::{DbKind, Hazard, HazardFilter, HazardSort, Result, Store};
use hazardnet_domain::hazard::{
    ActorFacts, HazardLevel, HazardStep, ListingClass, StepClass, step_classes, todo_steps,
};
use hazardnet_domain::{Role, Scope};
use serde::Serialize;
use std::collections::HashMap;

/// How many hazards await one step of the person, for one level.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepCount {
    pub step: HazardStep,
    pub level: HazardLevel,
    pub count: i64,
}

/// The to-do figures of the hazards a person works on.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HazardTodo {
    /// The steps that are the person's work, per level the person may take them on.
    pub steps: Vec<StepCount>,
    /// Open hazards of the scope past their deadline.
    pub overdue: i64,
    /// Open hazards of the scope due within [`DUE_SOON_DAYS`] days, not yet overdue — counted
    /// for an enterprise's or an expert's scope only (an office reads the listed ones).
    pub due_soon: Option<i64>,
    /// Requests to move a deadline the enterprise is waiting to hear about.
    pub extensions_pending: Option<i64>,
    /// Open hazards the person's office listed for supervision, due within
    /// [`DUE_SOON_DAYS`] days or overdue — for an office that lists.
    pub listed_due: Option<i64>,
    /// The open hazards the person follows (包挂), with a page of them, earliest deadline
    /// (so overdue) first.
    pub followed: Option<Followed>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Followed {
    pub open: i64,
    pub overdue: i64,
    pub first: Vec<Hazard>,
}

/// "Due soon" on the to-do list: within a week.
pub const DUE_SOON_DAYS: u16 = 7;

/// The open states, as the ledger's state filter takes them.
pub const OPEN_STATES: &str = "reported,rectifying,awaiting_acceptance";

fn level_sql(level: HazardLevel) -> &'static str {
    match level {
        HazardLevel::General => "'general'",
        HazardLevel::Major => "'major'",
    }
}

fn state_sql(step: HazardStep) -> &'static str {
    match step.state() {
        hazardnet_domain::hazard::HazardState::Reported => "'reported'",
        hazardnet_domain::hazard::HazardState::Rectifying => "'rectifying'",
        hazardnet_domain::hazard::HazardState::AwaitingAcceptance => "'awaiting_acceptance'",
        hazardnet_domain::hazard::HazardState::Closed => "'closed'",
        hazardnet_domain::hazard::HazardState::Rejected => "'rejected'",
    }
}

fn office(who: &Principal) -> bool {
    matches!(who.scope, Scope::Everything | Scope::Government { .. })
}

/// The listing condition of a class (nothing when every listing is admitted).
fn push_listing(sql: &mut Sql, who: &Principal, listings: &[ListingClass]) {
    if ListingClass::ALL.iter().all(|l| listings.contains(l)) {
        return;
    }
    sql.push(" AND (");
    for (i, listing) in listings.iter().enumerate() {
        if i > 0 {
            sql.push(" OR ");
        }
        match listing {
            ListingClass::Unlisted => sql.push("h.listing_org_id IS NULL"),
            ListingClass::ByOwnOffice => sql.push("h.listing_org_id = ").bind(who.org_id),
            ListingClass::ByOtherOffice => sql.push("h.listing_org_id <> ").bind(who.org_id),
        };
    }
    sql.push(")");
}

impl Store {
    /// How the caller stands towards every hazard of its scope: an enterprise user's scope is
    /// its own enterprise, an expert's the enterprises assigned to them.
    fn scope_actor(who: &Principal) -> ActorFacts {
        ActorFacts {
            role: who.role,
            org_id: who.org_id,
            own_enterprise: matches!(who.scope, Scope::Enterprise { .. }),
            assigned_expert: who.role == Role::Expert
                && matches!(who.scope, Scope::Assigned { .. }),
        }
    }

    /// The kinds of hazard of its scope on which the caller may take `step`.
    pub fn caller_step_classes(&self, who: &Principal, step: HazardStep) -> Vec<StepClass> {
        step_classes(step, &Self::scope_actor(who), who.user_id, self.today())
    }

    /// The ledger condition "waiting for `step`, which the caller may take" (of one level, if
    /// given): the same hazards the to-do counts count.
    pub(crate) fn push_step_condition(
        &self,
        sql: &mut Sql,
        who: &Principal,
        step: HazardStep,
        level: Option<HazardLevel>,
    ) {
        let classes: Vec<StepClass> = self
            .caller_step_classes(who, step)
            .into_iter()
            .filter(|c| level.is_none_or(|l| l == c.level))
            .collect();
        if classes.is_empty() {
            sql.push(" AND 1 = 0");
            return;
        }
        sql.push(" AND h.state = ").push(state_sql(step));
        if step.needs_pending_extension() {
            sql.push(" AND h.pending_extension_json IS NOT NULL");
        }
        sql.push(" AND (");
        for (i, class) in classes.iter().enumerate() {
            if i > 0 {
                sql.push(" OR ");
            }
            sql.push("(h.level = ").push(level_sql(class.level));
            push_listing(sql, who, &class.listings);
            let handlers = class.not_handled_by;
            for (excluded, column) in [
                (handlers.reporter, "h.reported_by"),
                (handlers.planner, "h.planned_by"),
                (handlers.rectifier, "h.rectified_by"),
            ] {
                if excluded {
                    sql.push(" AND (")
                        .push(column)
                        .push(" IS NULL OR ")
                        .push(column)
                        .push(" <> ")
                        .bind(who.user_id)
                        .push(")");
                }
            }
            sql.push(")");
        }
        sql.push(")");
    }

    fn scoped_count(&self, who: &Principal, hint: Option<&str>) -> Sql {
        let mut sql = match hint {
            Some(index) if self.kind() == DbKind::Sqlite => Sql::new(&format!(
                "SELECT COUNT(*) FROM hazards h INDEXED BY {index} WHERE "
            )),
            _ => Sql::new("SELECT COUNT(*) FROM hazards h WHERE "),
        };
        push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
        sql
    }

    /// How many hazards of one level wait for the caller's `step`: the ledger's count for
    /// `awaiting=step&level=…`, found more cheaply for an office.
    pub async fn awaiting_count(
        &self,
        who: &Principal,
        step: HazardStep,
        level: HazardLevel,
    ) -> Result<i64> {
        let Some(class) = self
            .caller_step_classes(who, step)
            .into_iter()
            .find(|c| c.level == level)
        else {
            return Ok(0);
        };
        if step.needs_pending_extension() {
            // Few hazards carry a pending request: their partial index holds them.
            let mut sql =
                self.scoped_count(who, office(who).then_some("hazards_pending_extension"));
            self.push_step_condition(&mut sql, who, step, Some(level));
            return Ok(sql.query_scalar_i64().fetch_one(&self.read).await?);
        }
        if !office(who) {
            let mut sql = self.scoped_count(who, None);
            self.push_step_condition(&mut sql, who, step, Some(level));
            return Ok(sql.query_scalar_i64().fetch_one(&self.read).await?);
        }
        // An office: the tallies by listing, the few hazards its own office listed from their
        // index, less those it may not take because it handled them (four eyes).
        let tallied = self.tallied_by_listing(who, step, level).await?;
        let own_listed = if class.listings.contains(&ListingClass::ByOwnOffice)
            || class.listings.contains(&ListingClass::ByOtherOffice)
        {
            let mut sql = self.scoped_count(who, Some("hazards_listed"));
            sql.push(" AND h.listing_org_id = ")
                .bind(who.org_id)
                .push(" AND h.state = ")
                .push(state_sql(step))
                .push(" AND h.level = ")
                .push(level_sql(level));
            sql.query_scalar_i64().fetch_one(&self.read).await?
        } else {
            0
        };
        let mut base = 0;
        for listing in &class.listings {
            base += match listing {
                ListingClass::Unlisted => tallied.get(&0).copied().unwrap_or(0),
                ListingClass::ByOwnOffice => own_listed,
                ListingClass::ByOtherOffice => tallied.get(&1).copied().unwrap_or(0) - own_listed,
            };
        }
        Ok(base - self.handled_count(who, step, &class).await?)
    }

    /// The tallied count of one state and level of the scope, by listed (0/1).
    async fn tallied_by_listing(
        &self,
        who: &Principal,
        step: HazardStep,
        level: HazardLevel,
    ) -> Result<HashMap<i64, i64>> {
        let by_place = matches!(
            who.scope,
            Scope::Everything
                | Scope::Government {
                    industries: None,
                    ..
                }
        );
        let mut sql = Sql::new("SELECT t.listed, CAST(SUM(t.n) AS BIGINT) FROM ");
        sql.push(if by_place {
            "hazard_place_tallies"
        } else {
            "hazard_tallies"
        })
        .push(" t WHERE ");
        push_scope(&mut sql, &who.scope, &TALLY_SCOPE);
        sql.push(" AND t.state = ")
            .push(state_sql(step))
            .push(" AND t.level = ")
            .push(level_sql(level))
            .push(" GROUP BY t.listed");
        let rows: Vec<(i64, i64)> = sql.query_as().fetch_all(&self.read).await?;
        Ok(rows.into_iter().collect())
    }

    /// The hazards of a class the caller reported, planned or rectified where that takes the
    /// step away from them: found from the handler columns' partial indexes (migration 0027).
    async fn handled_count(
        &self,
        who: &Principal,
        step: HazardStep,
        class: &StepClass,
    ) -> Result<i64> {
        let handlers = class.not_handled_by;
        let columns: Vec<&str> = [
            (handlers.reporter, "reported_by"),
            (handlers.planner, "planned_by"),
            (handlers.rectifier, "rectified_by"),
        ]
        .into_iter()
        .filter(|(excluded, _)| *excluded)
        .map(|(_, column)| column)
        .collect();
        if columns.is_empty() {
            return Ok(0);
        }
        let mut sql = self.scoped_count(who, None);
        sql.push(" AND h.id IN (");
        for (i, column) in columns.iter().enumerate() {
            if i > 0 {
                sql.push(" UNION ");
            }
            sql.push("SELECT id FROM hazards WHERE state = ")
                .push(state_sql(step))
                .push(" AND ")
                .push(column)
                .push(" = ")
                .bind(who.user_id);
        }
        sql.push(") AND h.state = ")
            .push(state_sql(step))
            .push(" AND h.level = ")
            .push(level_sql(class.level));
        push_listing(&mut sql, who, &class.listings);
        Ok(sql.query_scalar_i64().fetch_one(&self.read).await?)
    }

    /// The caller's to-do figures over hazards (see [`HazardTodo`]).
    pub async fn hazard_todo(&self, who: &Principal) -> Result<HazardTodo> {
        let today = self.today();
        let actor = Self::scope_actor(who);
        let mut todo = HazardTodo::default();
        for step in todo_steps(&actor) {
            for class in step_classes(step, &actor, who.user_id, today) {
                todo.steps.push(StepCount {
                    step,
                    level: class.level,
                    count: self.awaiting_count(who, step, class.level).await?,
                });
            }
        }
        todo.overdue = self.overdue_count(who, &today.to_string()).await?;
        let soon = (today + chrono::Duration::days(i64::from(DUE_SOON_DAYS))).to_string();
        if !office(who) {
            let mut sql = self.scoped_count(who, None);
            sql.push(" AND h.state NOT IN ('closed', 'rejected') AND h.deadline <= ")
                .bind(soon.clone())
                .push(" AND h.deadline >= ")
                .bind(today.to_string());
            todo.due_soon = Some(sql.query_scalar_i64().fetch_one(&self.read).await?);
        }
        if matches!(who.scope, Scope::Enterprise { .. }) {
            let mut sql = self.scoped_count(who, None);
            sql.push(" AND h.state = 'rectifying' AND h.pending_extension_json IS NOT NULL");
            todo.extensions_pending = Some(sql.query_scalar_i64().fetch_one(&self.read).await?);
        }
        if who.role.may_list_for_supervision() && office(who) {
            let mut sql = self.scoped_count(who, Some("hazards_listed"));
            sql.push(" AND h.listing_org_id = ")
                .bind(who.org_id)
                .push(" AND h.state NOT IN ('closed', 'rejected') AND h.deadline <= ")
                .bind(soon);
            todo.listed_due = Some(sql.query_scalar_i64().fetch_one(&self.read).await?);
        }
        if who.role.follows_hazards() {
            todo.followed = Some(self.followed(who).await?);
        }
        Ok(todo)
    }

    /// The open hazards the caller follows (包挂): how many, how many overdue, and the first
    /// page by deadline.
    async fn followed(&self, who: &Principal) -> Result<Followed> {
        let mut sql = self.scoped_count(who, Some("hazards_followed"));
        sql.push(" AND h.leader_user_id = ")
            .bind(who.user_id)
            .push(" AND h.state NOT IN ('closed', 'rejected')");
        let open = sql.query_scalar_i64().fetch_one(&self.read).await?;
        sql.push(" AND h.deadline < ")
            .bind(self.today().to_string());
        let overdue = sql.query_scalar_i64().fetch_one(&self.read).await?;
        // Overdue first, then by deadline, those without one (not yet confirmed) last — the
        // same on both engines, which order missing deadlines differently.
        let mut first = self
            .hazard_page(who, &followed_filter(who.user_id), (1, 50))
            .await?;
        first.sort_by(|a, b| {
            (!a.overdue, a.deadline.is_none(), &a.deadline).cmp(&(
                !b.overdue,
                b.deadline.is_none(),
                &b.deadline,
            ))
        });
        first.truncate(10);
        Ok(Followed {
            open,
            overdue,
            first,
        })
    }
}

/// The ledger filter of the open hazards a leader follows, earliest deadline first.
pub fn followed_filter(user_id: i64) -> HazardFilter {
    HazardFilter {
        leader_user_id: Some(user_id),
        state: Some(OPEN_STATES.to_string()),
        sort: Some(HazardSort::Deadline),
        ..Default::default()
    }
}
