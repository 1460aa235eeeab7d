//! Reporting hazards: one at a time through the writer's thread, or an enterprise's whole
//! existing ledger at once (all rows checked first, all or nothing), each numbered by the
//! database from its township's counter.

use super::{HazardCreated, Store, tallies};
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::writer::{Exec, Value, WriteJob};
use crate::{Result, StoreError};
use chrono::Datelike;
use hazardnet_domain::hazard::{HazardInput, HazardState, search_tokens};

/// A hazard's insert whose number (YH + township + year + serial) is written by the database
/// from the counter row the same call has just advanced: `$serial` formats its `last` to at
/// least five digits, `$from` is where that row is read. `$1` is the township, `$2` the year.
macro_rules! insert_numbered_hazard {
    ($serial:literal, $from:literal) => {
        concat!(
            "INSERT INTO hazards (number, enterprise_id, jurisdiction_code, industry_code, \
             industry_section, title, description, place, level, category, basis, source, \
             found_at, found_by, reported_by, state, search_tokens, created_at, updated_at) \
             SELECT 'YH' || $1 || '-' || $2 || '-' || ",
            $serial,
            ", $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20 ",
            $from,
            " RETURNING id, number"
        )
    };
}

impl Store {
    /// Records a hazard found at an enterprise in the caller's scope. A major hazard is
    /// visible to its regulator and territorial offices from this moment (their scope covers it).
    pub async fn create_hazard(
        &self,
        who: &Principal,
        input: &HazardInput,
    ) -> Result<HazardCreated> {
        let today = self.today();
        let fields = input.validate(today)?;
        let enterprise = self.enterprise_place(who, fields.enterprise_id).await?;
        if !Self::may_report(who, enterprise.id) {
            return Err(StoreError::Forbidden);
        }
        self.write
            .run(ReportWrite {
                store: self.clone(),
                who: who.clone(),
                enterprise,
                fields,
            })
            .await
    }

    /// Imports an enterprise's existing ledger: every row is checked first and, if any is bad,
    /// nothing is written and every bad row is reported. Rows arrive as reported hazards; each
    /// then goes through the lifecycle like any other. `first_row` is the sheet row of `inputs[0]`.
    pub async fn import_hazards(
        &self,
        who: &Principal,
        enterprise_id: i64,
        inputs: &[HazardInput],
        first_row: usize,
        dry_run: bool,
    ) -> Result<Vec<i64>> {
        let enterprise = self.enterprise_place(who, enterprise_id).await?;
        if !Self::may_report(who, enterprise.id) {
            return Err(StoreError::Forbidden);
        }
        let today = self.today();
        let mut errors = Vec::new();
        let mut valid = Vec::with_capacity(inputs.len());
        for (i, input) in inputs.iter().enumerate() {
            let input = HazardInput {
                enterprise_id,
                ..input.clone()
            };
            match input.validate(today) {
                Ok(fields) => valid.push(fields),
                Err(e) => errors.push(crate::reference::row_error(first_row + i, &e)),
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Rows(errors));
        }
        if dry_run {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await?;
        let mut ids = Vec::with_capacity(valid.len());
        for fields in &valid {
            ids.push(
                self.insert_hazard(&mut tx, who, &enterprise, fields)
                    .await?
                    .id,
            );
        }
        tx.commit().await?;
        Ok(ids)
    }

    pub(crate) async fn insert_hazard<E: Exec>(
        &self,
        tx: &mut E,
        who: &Principal,
        enterprise: &crate::enterprises::EnterprisePlace,
        fields: &hazardnet_domain::hazard::HazardFields,
    ) -> Result<HazardCreated> {
        let industry_section = tallies::industry_section(&enterprise.industry_code);
        let tokens = search_tokens(&format!(
            "{} {} {}",
            fields.title, fields.description, fields.place
        ));
        let now = format_time(self.clock().now());
        // Number: the enterprise's township (9 digits), the year found, a serial.
        let prefix = enterprise.jurisdiction_code[..9].to_string();
        let year = i64::from(fields.found_at.year());
        // The serial is taken and written into the number by the database: on PostgreSQL in
        // one statement, on SQLite in two.
        let insert = match self.kind() {
            crate::DbKind::Sqlite => {
                tx.rows(
                    "INSERT INTO hazard_counters (prefix, year, last) VALUES ($1, $2, 1) \
                     ON CONFLICT (prefix, year) DO UPDATE SET last = hazard_counters.last + 1",
                    vec![prefix.as_str().into(), year.into()],
                )
                .await?;
                insert_numbered_hazard!(
                    "printf('%05d', last)",
                    "FROM hazard_counters WHERE prefix = $1 AND year = $2"
                )
            }
            crate::DbKind::Postgres => concat!(
                "WITH counter AS (INSERT INTO hazard_counters (prefix, year, last) \
                 VALUES ($1, $2, 1) ON CONFLICT (prefix, year) \
                 DO UPDATE SET last = hazard_counters.last + 1 RETURNING last) ",
                insert_numbered_hazard!(
                    "lpad(last::text, greatest(5, length(last::text)), '0')",
                    "FROM counter"
                )
            ),
        };
        let numbered = tx
            .rows(
                insert,
                vec![
                    prefix.into(),
                    year.into(),
                    enterprise.id.into(),
                    enterprise.jurisdiction_code.as_str().into(),
                    enterprise.industry_code.as_str().into(),
                    industry_section.into(),
                    fields.title.as_str().into(),
                    fields.description.as_str().into(),
                    fields.place.as_str().into(),
                    fields.level.as_str().into(),
                    fields.category.as_str().into(),
                    fields.basis.as_str().into(),
                    fields.source.as_str().into(),
                    fields.found_at.to_string().into(),
                    fields.found_by.as_str().into(),
                    who.user_id.into(),
                    HazardState::Reported.as_str().into(),
                    tokens.into(),
                    now.as_str().into(),
                    now.into(),
                ],
            )
            .await?;
        let Some(Ok([Value::Int(id), Value::Text(number)])) =
            numbered.into_iter().next().map(<[Value; 2]>::try_from)
        else {
            return Err(StoreError::Internal(
                "the hazard's insert returned no id and number".into(),
            ));
        };
        // The tallies and the search index follow by trigger (migration 0011).
        append(
            tx,
            self,
            &who.actor(),
            Change {
                action: "hazard.create",
                entity: "hazard",
                entity_id: id.to_string(),
                jurisdiction: &enterprise.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({ "number": &number, "fields": fields })),
            },
        )
        .await?;
        if fields.level == hazardnet_domain::hazard::HazardLevel::Major {
            crate::jobs::schedule_notice(tx, self, crate::jobs::Notice::MajorReported, id, 0)
                .await?;
        }
        Ok(HazardCreated { id, number })
    }
}

/// A hazard's report, owned, for the writer's thread ([`crate::writer::Writer::run`]).
struct ReportWrite {
    store: Store,
    who: Principal,
    enterprise: crate::enterprises::EnterprisePlace,
    fields: hazardnet_domain::hazard::HazardFields,
}

impl WriteJob for ReportWrite {
    type Output = HazardCreated;

    async fn run<E: Exec>(self, tx: &mut E) -> Result<HazardCreated> {
        self.store
            .insert_hazard(tx, &self.who, &self.enterprise, &self.fields)
            .await
    }
}
