//! Correcting a hazard's title, description, place, category and level. The rule is the
//! domain's ([`hazardnet_domain::hazard::correct`]); this checks the version the person read,
//! writes the new fields with their audit entry (each changed field before and after, and the
//! reason) in one transaction, and, on an upgrade to major, the notice to the offices over it.
//! The dashboard tallies and the search index follow the row by trigger (migrations 0011,
//! 0015, 0016 on SQLite; 0011 and the generated `search_vector` on PostgreSQL).

use super::{Hazard, HazardRow, TransitionFailure};
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::writer::{Exec, WriteJob};
use crate::{Result, Store, StoreError};
use hazardnet_domain::hazard::{
    CorrectableFields, Correction, CorrectionOutcome, CorrectionRights, HazardCorrection,
    HazardState, correct, correction_rights, search_tokens,
};
use serde_json::{Map, Value};

impl Store {
    /// What the caller may correct of a hazard now (the page's form asks this).
    pub async fn hazard_correction_rights(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<CorrectionRights> {
        let row = self.hazard_row(who, id).await?;
        let (facts, actor, _) = self.decision_facts(who, &row).await?;
        Ok(correction_rights(&facts, &actor, who.user_id))
    }

    /// Corrects a hazard in the caller's scope. A correction made on an older version than the
    /// stored one is refused (`StaleVersion`, naming the current version) and changes nothing.
    pub async fn correct_hazard(
        &self,
        who: &Principal,
        id: i64,
        input: &HazardCorrection,
    ) -> std::result::Result<Hazard, TransitionFailure> {
        let row = self.hazard_row(who, id).await?;
        if input.expected_version != row.version {
            return Err(StoreError::StaleVersion(row.version).into());
        }
        let (facts, actor, _) = self.decision_facts(who, &row).await?;
        let current = CorrectableFields {
            title: row.title.clone(),
            description: row.description.clone(),
            place: row.place.clone(),
            category: row.category.clone(),
            level: facts.level,
        };
        let (correction, outcome) = correct(&facts, &current, &actor, who.user_id, input)?;
        let now = format_time(self.clock().now());
        let (deadline, pending_json) = if outcome.replan {
            (None, None)
        } else {
            (row.deadline.clone(), row.pending_extension_json.clone())
        };
        let write = CorrectionWrite {
            store: self.clone(),
            who: who.clone(),
            id,
            version: row.version,
            jurisdiction_code: row.jurisdiction_code.clone(),
            before_state: facts.state,
            before_deadline: row.deadline.clone(),
            deadline: deadline.clone(),
            pending_json: pending_json.clone(),
            now: now.clone(),
            correction: correction.clone(),
            outcome: outcome.clone(),
        };
        self.write.run(write).await?;
        let fields = correction.fields;
        let written = HazardRow {
            title: fields.title,
            description: fields.description,
            place: fields.place,
            category: fields.category,
            level: fields.level.as_str().to_string(),
            state: outcome.state.as_str().to_string(),
            deadline,
            pending_extension_json: pending_json,
            updated_at: now,
            version: row.version + 1,
            ..row
        };
        Ok(written.into_hazard(self.today()))
    }
}

/// What a correction writes, owned, for the writer's thread.
struct CorrectionWrite {
    store: Store,
    who: Principal,
    id: i64,
    /// The version read (and expected by the person): a concurrent change fails this write.
    version: i64,
    jurisdiction_code: String,
    before_state: HazardState,
    before_deadline: Option<String>,
    deadline: Option<String>,
    pending_json: Option<String>,
    now: String,
    correction: Correction,
    outcome: CorrectionOutcome,
}

impl WriteJob for CorrectionWrite {
    type Output = ();

    async fn run<E: Exec>(self, tx: &mut E) -> Result<()> {
        let fields = &self.correction.fields;
        let tokens = search_tokens(&format!(
            "{} {} {}",
            fields.title, fields.description, fields.place
        ));
        let updated = tx
            .rows(
                "UPDATE hazards SET title = $1, description = $2, place = $3, category = $4, \
                 level = $5, state = $6, deadline = $7, pending_extension_json = $8, \
                 search_tokens = $9, updated_at = $10, version = version + 1 \
                 WHERE id = $11 AND version = $12 RETURNING id",
                vec![
                    fields.title.as_str().into(),
                    fields.description.as_str().into(),
                    fields.place.as_str().into(),
                    fields.category.as_str().into(),
                    fields.level.as_str().into(),
                    self.outcome.state.as_str().into(),
                    self.deadline.clone().into(),
                    self.pending_json.into(),
                    tokens.into(),
                    self.now.into(),
                    self.id.into(),
                    self.version.into(),
                ],
            )
            .await?;
        if updated.is_empty() {
            return Err(StoreError::StaleVersion(self.version));
        }
        // Each changed field before and after; the reason with the new values.
        let mut before = Map::new();
        let mut after = Map::new();
        for change in &self.correction.changes {
            before.insert(change.field.into(), Value::from(change.before.as_str()));
            after.insert(change.field.into(), Value::from(change.after.as_str()));
        }
        if self.outcome.state != self.before_state {
            before.insert("state".into(), self.before_state.as_str().into());
            after.insert("state".into(), self.outcome.state.as_str().into());
        }
        if self.deadline != self.before_deadline {
            before.insert("deadline".into(), self.before_deadline.clone().into());
            after.insert("deadline".into(), self.deadline.clone().into());
        }
        after.insert("reason".into(), self.correction.reason.as_str().into());
        append(
            tx,
            &self.store,
            &self.who.actor(),
            Change {
                action: "hazard.correct",
                entity: "hazard",
                entity_id: self.id.to_string(),
                jurisdiction: &self.jurisdiction_code,
                before: to_json(&before),
                after: to_json(&after),
            },
        )
        .await?;
        // Judged major: the offices over it hear of it at once, as of one recorded major.
        if self.outcome.notify_major {
            crate::jobs::schedule_notice(
                tx,
                &self.store,
                crate::jobs::Notice::MajorReported,
                self.id,
                self.version + 1,
            )
            .await?;
        }
        Ok(())
    }
}
