//! Inspection records: opened for an enterprise in the inspector's scope with a template,
//! answered item by item (saved and resumed as a draft), signed off once. Signing off turns
//! every failed item into a hazard (basis = the item's standard and clause, level major when
//! the item says so, source from the kind of inspection) and, when anything failed, numbers a
//! rectification notice in the office's series — all in one transaction. Which notice is
//! decided then and kept with the record: a 责令限期整改指令书 from an office with enforcement
//! power, a 隐患整改通知书 from one without (`domain::inspection::NoticeKind`).

use crate::WriteTx;
use crate::accounts::Principal;
use crate::audit::{Change, append, to_json};
use crate::clock::format_time;
use crate::sql::{ScopeColumns, Sql, push_scope};
use crate::{Result, Store, StoreError};
use chrono::{Datelike, NaiveDate};
use hazardnet_domain::hazard::{HazardFields, HazardLevel};
use hazardnet_domain::inspection::{
    InspectionInput, InspectionKind, InspectionState, ItemResult, NoticeKind, ResultInput,
    SignOffRefusal, TeamMember, check_sign_off, citation, edition_title, expert_share,
    item_applies, parse_industries,
};
use hazardnet_domain::standard::{Edition, EditionRefusal, PlaceKind, composite_rule};
use hazardnet_domain::{DomainError, IndustryCode, OrgKind, Role};
use serde::Serialize;
use sqlx::FromRow;

pub(crate) const INSPECTION_SCOPE: ScopeColumns<'static> = ScopeColumns {
    enterprise_id: "i.enterprise_id",
    jurisdiction: "i.jurisdiction_code",
    industry_code: "i.industry_code",
    industry_section: "i.industry_section",
};

#[derive(Debug, Clone, FromRow)]
struct InspectionRow {
    id: i64,
    number: String,
    enterprise_id: i64,
    enterprise_name: String,
    jurisdiction_code: String,
    template_id: i64,
    template_name: String,
    template_standard_key: Option<String>,
    kind: String,
    state: String,
    inspected_on: String,
    team_json: String,
    org_id: i64,
    org_name: String,
    inspector_name: String,
    campaign_id: Option<i64>,
    notice_number: Option<String>,
    notice_kind: Option<String>,
    notice_deadline: Option<String>,
    signed_off_at: Option<String>,
    version: i64,
    failed: i64,
    answered: i64,
    all_items: i64,
    items_left_out: i64,
    standard_edition: String,
    standard_effective_on: Option<String>,
    standard_ends_on: Option<String>,
    standard_successor: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inspection {
    pub id: i64,
    pub number: String,
    pub enterprise_id: i64,
    pub enterprise_name: String,
    pub jurisdiction_code: String,
    pub template_id: i64,
    pub template_name: String,
    /// The shipped standard the checklist is (None for an office's own list).
    pub template_standard_key: Option<String>,
    pub kind: String,
    /// draft | signed_off
    pub state: String,
    pub inspected_on: String,
    pub team: Vec<TeamMember>,
    /// Experts on the team, percent.
    pub expert_share: u32,
    pub org_id: i64,
    pub org_name: String,
    pub inspector_name: String,
    pub campaign_id: Option<i64>,
    pub notice_number: Option<String>,
    /// The notice issued at sign-off: directive (责令限期整改指令书, from an office with
    /// enforcement power) | rectification_notice (隐患整改通知书, from one without).
    pub notice_kind: Option<String>,
    pub notice_deadline: Option<String>,
    pub signed_off_at: Option<String>,
    pub version: i64,
    pub failed: i64,
    pub answered: i64,
    /// The inspector chose to list every item of the checklist.
    pub all_items: bool,
    /// Items of the checklist left out as not fitting the enterprise's industry.
    pub items_left_out: i64,
    /// The edition of the standard the checklist carries (empty for an office's own list).
    pub standard_edition: String,
    pub standard_effective_on: Option<String>,
    /// Its last day in force, once replaced.
    pub standard_ends_on: Option<String>,
    pub standard_successor: String,
}

impl Inspection {
    /// The edition the record was judged by.
    pub fn edition(&self) -> Result<Edition> {
        let day = |field: &str, v: &Option<String>| match v.as_deref() {
            None | Some("") => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| {
                    StoreError::Internal(format!("inspection {} {field}: {d:?}", self.id))
                }),
        };
        Ok(Edition {
            edition: self.standard_edition.clone(),
            effective_on: day("effective_on", &self.standard_effective_on)?,
            ends_on: day("ends_on", &self.standard_ends_on)?,
            successor: self.standard_successor.clone(),
        })
    }

    /// May this record's findings cite its checklist's edition? Not when the edition ended
    /// before the inspection day (or had not begun): the notice would cite a standard that was
    /// not in force when the hazards were found.
    pub fn citable(&self) -> Result<()> {
        let day = NaiveDate::parse_from_str(&self.inspected_on, "%Y-%m-%d")
            .map_err(|_| StoreError::Internal(format!("inspection {} inspected_on", self.id)))?;
        edition_usable(&self.edition()?, day)
    }
}

/// The refusal of an edition on a day, as the error the user reads.
pub(crate) fn edition_usable(edition: &Edition, day: NaiveDate) -> Result<()> {
    edition.usable_on(day).map_err(|refusal| match refusal {
        EditionRefusal::Superseded { ends_on } => StoreError::Refused {
            code: "standard_superseded",
            value: format!(
                "{}（{}）{}",
                edition.edition,
                ends_on,
                if edition.successor.is_empty() {
                    String::new()
                } else {
                    format!("，{}", edition.successor)
                }
            ),
        },
        EditionRefusal::NotYetInForce { effective_on } => StoreError::Refused {
            code: "standard_not_in_force",
            value: format!("{}（{}）", edition.edition, effective_on),
        },
    })
}

impl From<InspectionRow> for Inspection {
    fn from(r: InspectionRow) -> Self {
        let team: Vec<TeamMember> = serde_json::from_str(&r.team_json).unwrap_or_default();
        Inspection {
            expert_share: expert_share(&team),
            team,
            id: r.id,
            number: r.number,
            enterprise_id: r.enterprise_id,
            enterprise_name: r.enterprise_name,
            jurisdiction_code: r.jurisdiction_code,
            template_id: r.template_id,
            template_name: r.template_name,
            template_standard_key: r.template_standard_key,
            kind: r.kind,
            state: r.state,
            inspected_on: r.inspected_on,
            org_id: r.org_id,
            org_name: r.org_name,
            inspector_name: r.inspector_name,
            campaign_id: r.campaign_id,
            notice_number: r.notice_number,
            notice_kind: r.notice_kind,
            notice_deadline: r.notice_deadline,
            signed_off_at: r.signed_off_at,
            version: r.version,
            failed: r.failed,
            answered: r.answered,
            all_items: r.all_items != 0,
            items_left_out: r.items_left_out,
            standard_edition: r.standard_edition,
            standard_effective_on: r.standard_effective_on,
            standard_ends_on: r.standard_ends_on,
            standard_successor: r.standard_successor,
        }
    }
}

impl Inspection {
    /// The basis of a failed item as documents print it and the hazard keeps it: the
    /// standard's name and clause (`domain::inspection::citation`), never the shipped data's
    /// free remarks.
    pub fn item_citation(&self, item: &InspectionItem) -> String {
        citation(
            &edition_title(&self.template_name, &self.standard_edition),
            self.template_standard_key.is_some(),
            &item.clause,
            &item.source,
        )
    }

    /// The kind of notice issued at sign-off, if one was. A stored value that names no kind is
    /// an error naming the record.
    pub fn notice_kind(&self) -> Result<Option<NoticeKind>> {
        match self.notice_kind.as_deref() {
            None => Ok(None),
            Some(text) => NoticeKind::parse(text).map(Some).ok_or_else(|| {
                StoreError::Internal(format!(
                    "inspection {}: unknown notice kind {text:?}",
                    self.number
                ))
            }),
        }
    }
}

/// One item of a record with its answer.
#[derive(Debug, Clone, Serialize, FromRow, utoipa::ToSchema)]
pub struct InspectionItem {
    pub seq: i64,
    pub clause: String,
    pub text: String,
    pub major: i64,
    /// 1 = a composite element (综合判定要素): counted at sign-off, a hazard only together with
    /// enough others.
    pub composite: i64,
    pub category: String,
    pub source: String,
    pub result: Option<String>,
    pub note: String,
    pub hazard_id: Option<i64>,
}

const SELECT: &str = "SELECT i.id, i.number, i.enterprise_id, e.name AS enterprise_name, i.jurisdiction_code, \
    i.template_id, t.name AS template_name, t.standard_key AS template_standard_key, i.kind, i.state, i.inspected_on, i.team_json, i.org_id, \
    o.name AS org_name, u.display_name AS inspector_name, i.campaign_id, i.notice_number, i.notice_kind, i.notice_deadline, \
    i.signed_off_at, i.version, i.all_items, i.items_left_out, t.edition AS standard_edition, \
    t.effective_on AS standard_effective_on, t.ends_on AS standard_ends_on, t.successor AS standard_successor, \
    (SELECT COUNT(*) FROM inspection_results r WHERE r.inspection_id = i.id AND r.result = 'fail') AS failed, \
    (SELECT COUNT(*) FROM inspection_results r WHERE r.inspection_id = i.id AND r.result IS NOT NULL) AS answered \
    FROM inspections i JOIN enterprises e ON e.id = i.enterprise_id \
    JOIN checklist_templates t ON t.id = i.template_id JOIN organizations o ON o.id = i.org_id \
    JOIN users u ON u.id = i.inspector_id";

#[derive(Debug, Clone, Default)]
pub struct InspectionFilter {
    pub enterprise_id: Option<i64>,
    pub state: Option<String>,
    pub kind: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// Records whose rectification notice still has a hazard to rectify (reported or under
    /// rectification): notices not yet answered.
    pub notice_open: Option<bool>,
    pub page: i64,
    pub per_page: i64,
}

/// The condition "its notice still has a hazard to rectify", on inspections aliased `i`.
const NOTICE_OPEN: &str = "i.notice_number IS NOT NULL AND EXISTS (SELECT 1 FROM inspection_results r \
    JOIN hazards h ON h.id = r.hazard_id WHERE r.inspection_id = i.id \
    AND h.state IN ('reported', 'rectifying'))";

impl Store {
    /// Links answered items to the hazard they became; their photos become its evidence.
    async fn hazard_from_items(
        &self,
        tx: &mut WriteTx,
        inspection: &Inspection,
        seqs: &[i64],
        hazard_id: i64,
    ) -> Result<()> {
        for seq in seqs {
            self.photos_to_evidence(tx, inspection, *seq, hazard_id)
                .await?;
            sqlx::query(
                "UPDATE inspection_results SET hazard_id = $1 WHERE inspection_id = $2 AND item_seq = $3",
            )
            .bind(hazard_id)
            .bind(inspection.id)
            .bind(*seq)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }

    /// Lists every item of a draft's checklist, including those left out as not fitting the
    /// enterprise's industry: the inspector's explicit choice, recorded on the record and in
    /// the audit log. Answers already given stay.
    pub async fn list_all_items(&self, who: &Principal, id: i64) -> Result<Inspection> {
        let (inspection, _) = self.inspection(who, id).await?;
        Self::editable(who, &inspection)?;
        let mut tx = self.begin_write().await?;
        let added = sqlx::query(
            "INSERT INTO inspection_results (inspection_id, item_seq) \
             SELECT $1, c.seq FROM checklist_items c WHERE c.template_id = $2 \
             AND NOT EXISTS (SELECT 1 FROM inspection_results r WHERE r.inspection_id = $3 AND r.item_seq = c.seq)",
        )
        .bind(id)
        .bind(inspection.template_id)
        .bind(id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let still = sqlx::query(
            "UPDATE inspections SET all_items = 1, items_left_out = 0, updated_at = $1 \
             WHERE id = $2 AND state = 'draft'",
        )
        .bind(format_time(self.clock().now()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if still.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number,
            });
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection.all_items",
                entity: "inspection",
                entity_id: id.to_string(),
                jurisdiction: &inspection.jurisdiction_code,
                before: to_json(&serde_json::json!({"items_left_out": inspection.items_left_out})),
                after: to_json(&serde_json::json!({"all_items": true, "added": added})),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(self.inspection(who, id).await?.0)
    }

    /// The next number of an office's document series for a year: 1, 2, 3 …
    pub(crate) async fn next_document_number(
        &self,
        tx: &mut WriteTx,
        org_id: i64,
        series: &str,
        year: i32,
    ) -> Result<i64> {
        let updated = sqlx::query(
            "UPDATE doc_counters SET value = value + 1 WHERE org_id = $1 AND series = $2 AND year = $3",
        )
        .bind(org_id)
        .bind(series.to_string())
        .bind(i64::from(year))
        .execute(&mut **tx)
        .await?;
        if updated.rows_affected() == 0 {
            sqlx::query(
                "INSERT INTO doc_counters (org_id, series, year, value) VALUES ($1, $2, $3, 1)",
            )
            .bind(org_id)
            .bind(series.to_string())
            .bind(i64::from(year))
            .execute(&mut **tx)
            .await?;
        }
        Ok(sqlx::query_scalar(
            "SELECT value FROM doc_counters WHERE org_id = $1 AND series = $2 AND year = $3",
        )
        .bind(org_id)
        .bind(series.to_string())
        .bind(i64::from(year))
        .fetch_one(&mut **tx)
        .await?)
    }

    /// Opens a record (a draft) for an enterprise in the inspector's scope.
    pub async fn open_inspection(&self, who: &Principal, input: &InspectionInput) -> Result<i64> {
        if !who.role.may_inspect() {
            return Err(StoreError::Forbidden);
        }
        let fields = input.validate(self.today())?;
        let enterprise = self.enterprise(who, fields.enterprise_id).await?;
        let (template, template_items) = self.checklist_template(who, fields.template_id).await?;
        edition_usable(&template.edition()?, fields.inspected_on)?;
        // The items that fit the enterprise's industry, unless the inspector lists them all.
        let industry = IndustryCode::parse(&enterprise.industry_code)?;
        let mut included = Vec::with_capacity(template_items.len());
        for item in &template_items {
            let industries = parse_industries(&item.industry).map_err(|e| {
                StoreError::Internal(format!("checklist {} item {}: {e}", template.id, item.seq))
            })?;
            if fields.all_items || item_applies(&industries, &industry) {
                included.push(item.seq);
            }
        }
        if included.is_empty() {
            return Err(StoreError::Refused {
                code: "no_items_apply",
                value: enterprise.industry_code.clone(),
            });
        }
        let left_out = (template_items.len() - included.len()) as i64;
        if let Some(campaign) = fields.campaign_id {
            self.campaign(who, campaign).await?;
        }
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let n = self
            .next_document_number(
                &mut tx,
                who.org_id,
                "inspection",
                fields.inspected_on.year(),
            )
            .await?;
        let number = format!(
            "{}检〔{}〕{}号",
            who.org_name,
            fields.inspected_on.year(),
            n
        );
        let industry_section = industry.section().to_string();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inspections (number, enterprise_id, jurisdiction_code, industry_code, industry_section, \
             template_id, kind, inspected_on, team_json, org_id, inspector_id, campaign_id, created_at, updated_at, \
             all_items, items_left_out) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(number.clone())
        .bind(enterprise.id)
        .bind(enterprise.jurisdiction_code.clone())
        .bind(enterprise.industry_code.clone())
        .bind(industry_section)
        .bind(template.id)
        .bind(fields.kind.as_str().to_string())
        .bind(fields.inspected_on.to_string())
        .bind(serde_json::to_string(&fields.team).unwrap_or_else(|_| "[]".into()))
        .bind(who.org_id)
        .bind(who.user_id)
        .bind(fields.campaign_id)
        .bind(now.clone())
        .bind(now)
        .bind(i64::from(fields.all_items))
        .bind(left_out)
        .fetch_one(&mut *tx)
        .await?;
        for seq in &included {
            sqlx::query("INSERT INTO inspection_results (inspection_id, item_seq) VALUES ($1, $2)")
                .bind(id)
                .bind(*seq)
                .execute(&mut *tx)
                .await?;
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection.open",
                entity: "inspection",
                entity_id: id.to_string(),
                jurisdiction: &enterprise.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "number": number, "enterprise": enterprise.id, "template": template.id,
                    "kind": fields.kind.as_str(), "inspected_on": fields.inspected_on, "team": fields.team,
                    "edition": template.edition, "all_items": fields.all_items, "items_left_out": left_out,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    pub async fn inspection(
        &self,
        who: &Principal,
        id: i64,
    ) -> Result<(Inspection, Vec<InspectionItem>)> {
        let mut sql = Sql::new(SELECT);
        sql.push(" WHERE i.id = ").bind(id).push(" AND ");
        push_scope(&mut sql, &who.scope, &INSPECTION_SCOPE);
        let row: InspectionRow = sql
            .query_as()
            .fetch_optional(&self.read)
            .await?
            .ok_or(StoreError::NotFound)?;
        let items = sqlx::query_as(
            "SELECT c.seq, c.clause, c.text, c.major, c.composite, c.category, c.source, r.result, r.note, r.hazard_id \
             FROM inspection_results r JOIN inspections i ON i.id = r.inspection_id \
             JOIN checklist_items c ON c.template_id = i.template_id AND c.seq = r.item_seq \
             WHERE r.inspection_id = $1 ORDER BY c.seq",
        )
        .bind(id)
        .fetch_all(&self.read)
        .await?;
        Ok((row.into(), items))
    }

    pub async fn inspections(
        &self,
        who: &Principal,
        filter: &InspectionFilter,
    ) -> Result<(Vec<Inspection>, i64)> {
        let mut sql = Sql::new(SELECT);
        let mut count = Sql::new("SELECT COUNT(*) FROM inspections i");
        for target in [&mut sql, &mut count] {
            target.push(" WHERE ");
            push_scope(target, &who.scope, &INSPECTION_SCOPE);
            if let Some(e) = filter.enterprise_id {
                target.push(" AND i.enterprise_id = ").bind(e);
            }
            target
                .push_filled(" AND i.state = ", filter.state.as_deref())
                .push_filled(" AND i.kind = ", filter.kind.as_deref())
                .push_filled(" AND i.inspected_on >= ", filter.from.as_deref())
                .push_filled(" AND i.inspected_on <= ", filter.to.as_deref());
            match filter.notice_open {
                Some(true) => {
                    target.push(" AND ").push(NOTICE_OPEN);
                }
                Some(false) => {
                    target.push(" AND NOT (").push(NOTICE_OPEN).push(")");
                }
                None => {}
            }
        }
        let per_page = filter.per_page.clamp(1, 5000);
        sql.push(" ORDER BY i.inspected_on DESC, i.id DESC LIMIT ")
            .bind(per_page);
        sql.push(" OFFSET ")
            .bind(crate::sql::page_offset(filter.page, per_page));
        let rows: Vec<InspectionRow> = sql.query_as().fetch_all(&self.read).await?;
        let total = count.query_scalar_i64().fetch_one(&self.read).await?;
        Ok((rows.into_iter().map(Inspection::from).collect(), total))
    }

    /// How many rectification notices of the caller's scope still have a hazard to rectify
    /// (the list `notice_open=true`).
    pub async fn open_notice_count(&self, who: &Principal) -> Result<i64> {
        let mut sql = Sql::new("SELECT COUNT(*) FROM inspections i WHERE ");
        push_scope(&mut sql, &who.scope, &INSPECTION_SCOPE);
        sql.push(" AND ").push(NOTICE_OPEN);
        Ok(sql.query_scalar_i64().fetch_one(&self.read).await?)
    }

    pub(crate) fn editable(who: &Principal, inspection: &Inspection) -> Result<()> {
        if inspection.state != InspectionState::Draft.as_str() {
            return Err(StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number.clone(),
            });
        }
        if who.org_id != inspection.org_id && who.role != Role::Admin {
            return Err(StoreError::Forbidden);
        }
        Ok(())
    }

    /// Saves answers of a draft (any subset: an inspection can be saved mid-way and resumed).
    pub async fn save_results(
        &self,
        who: &Principal,
        id: i64,
        answers: &[ResultInput],
    ) -> Result<()> {
        let (inspection, items) = self.inspection(who, id).await?;
        Self::editable(who, &inspection)?;
        let mut tx = self.begin_write().await?;
        for answer in answers {
            if !items.iter().any(|i| i.seq == answer.item) {
                return Err(StoreError::Domain(DomainError::InvalidValue {
                    field: "item",
                    value: answer.item.to_string(),
                }));
            }
            let result = match answer.result.trim() {
                "" => None,
                r => Some(
                    ItemResult::parse(r)
                        .ok_or_else(|| DomainError::InvalidValue {
                            field: "result",
                            value: r.to_string(),
                        })?
                        .as_str()
                        .to_string(),
                ),
            };
            let note =
                hazardnet_domain::campaign::input::long_text("note", &answer.note, 2000, false)?;
            sqlx::query(
                "UPDATE inspection_results SET result = $1, note = $2 WHERE inspection_id = $3 AND item_seq = $4",
            )
            .bind(result)
            .bind(note)
            .bind(id)
            .bind(answer.item)
            .execute(&mut *tx)
            .await?;
        }
        // The draft is still a draft (another session may have signed it off meanwhile).
        let still =
            sqlx::query("UPDATE inspections SET updated_at = $1 WHERE id = $2 AND state = 'draft'")
                .bind(format_time(self.clock().now()))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if still.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number,
            });
        }
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection.save",
                entity: "inspection",
                entity_id: id.to_string(),
                jurisdiction: &inspection.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({ "answers": answers.len() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Signs a record off: every item answered, every failure described; failed items become
    /// hazards and, if any failed, a rectification notice is numbered with `deadline`.
    pub async fn sign_off_inspection(
        &self,
        who: &Principal,
        id: i64,
        deadline: Option<&str>,
    ) -> Result<Inspection> {
        let (inspection, items) = self.inspection(who, id).await?;
        if inspection.state == InspectionState::SignedOff.as_str() {
            return Err(StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number,
            });
        }
        Self::editable(who, &inspection)?;
        let answers: Vec<(i64, Option<ItemResult>, &str)> = items
            .iter()
            .map(|i| {
                (
                    i.seq,
                    i.result.as_deref().and_then(ItemResult::parse),
                    i.note.as_str(),
                )
            })
            .collect();
        check_sign_off(InspectionState::Draft, &answers).map_err(|refusal| match refusal {
            SignOffRefusal::AlreadySignedOff => StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number.clone(),
            },
            SignOffRefusal::Unanswered(n) => StoreError::Refused {
                code: "items_unanswered",
                value: n.to_string(),
            },
            SignOffRefusal::FailWithoutNote(item) => StoreError::Refused {
                code: "fail_without_note",
                value: item.to_string(),
            },
        })?;
        inspection.citable()?;
        let failed: Vec<&InspectionItem> = items
            .iter()
            .filter(|i| i.result.as_deref() == Some("fail"))
            .collect();
        let (elements, direct): (Vec<&InspectionItem>, Vec<&InspectionItem>) =
            failed.iter().partition(|i| i.composite != 0);

        let today = self.today();
        let deadline = match (
            failed.is_empty(),
            deadline.map(str::trim).filter(|d| !d.is_empty()),
        ) {
            (true, _) => None,
            (false, None) => {
                return Err(DomainError::Required {
                    field: "notice_deadline",
                }
                .into());
            }
            (false, Some(d)) => Some(
                NaiveDate::parse_from_str(d, "%Y-%m-%d")
                    .ok()
                    .filter(|d| *d >= today)
                    .ok_or(DomainError::DateInPast {
                        field: "notice_deadline",
                    })?,
            ),
        };
        let enterprise = self.enterprise_place(who, inspection.enterprise_id).await?;
        let kind = InspectionKind::parse(&inspection.kind).ok_or_else(|| {
            StoreError::Internal(format!("inspection {id} kind {:?}", inspection.kind))
        })?;
        let inspected_on = NaiveDate::parse_from_str(&inspection.inspected_on, "%Y-%m-%d")
            .map_err(|_| StoreError::Internal(format!("inspection {id} inspected_on")))?;
        // Composite elements (GB 35181 综合判定要素) are counted against the edition's rule for
        // the kind of place: enough of them are one major hazard, fewer stay findings.
        let composite = if elements.is_empty() {
            None
        } else {
            let rule = composite_rule(&inspection.standard_edition).ok_or_else(|| {
                StoreError::Refused {
                    code: "composite_rule_unknown",
                    value: inspection.standard_edition.clone(),
                }
            })?;
            let flags = self.enterprise(who, inspection.enterprise_id).await?;
            let place = PlaceKind::of_enterprise(
                flags.crowded_place != 0,
                flags.key_hazardous_chemicals != 0,
            );
            let clauses: Vec<&str> = elements.iter().map(|i| i.clause.as_str()).collect();
            Some((rule, rule.judge(place, &clauses)))
        };
        let now = format_time(self.clock().now());
        let mut tx = self.begin_write().await?;
        let signed = sqlx::query(
            "UPDATE inspections SET state = 'signed_off', signed_off_at = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND state = 'draft'",
        )
        .bind(now.clone())
        .bind(now.clone())
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if signed.rows_affected() == 0 {
            return Err(StoreError::Conflict {
                code: "inspection_signed_off",
                value: inspection.number,
            });
        }
        let mut hazards = Vec::new();
        let found_by = format!("{}（{}）", inspection.org_name, inspection.number);
        for item in &direct {
            let title: String = item.text.chars().take(100).collect();
            let fields = HazardFields {
                enterprise_id: enterprise.id,
                title,
                description: item.note.clone(),
                place: String::new(),
                level: if item.major != 0 {
                    HazardLevel::Major
                } else {
                    HazardLevel::General
                },
                category: item.category.clone(),
                basis: inspection.item_citation(item),
                source: kind.hazard_source(),
                found_at: inspected_on,
                found_by: found_by.clone(),
            };
            let hazard_id = self
                .insert_hazard(&mut tx, who, &enterprise, &fields)
                .await?
                .id;
            self.hazard_from_items(&mut tx, &inspection, &[item.seq], hazard_id)
                .await?;
            hazards.push(hazard_id);
        }
        let composite_json = match &composite {
            Some((rule, verdict)) => {
                let met = verdict.met.as_ref();
                let hazard = match met {
                    Some(condition) => {
                        let description = elements
                            .iter()
                            .map(|i| format!("{} {}：{}", i.clause, i.text, i.note.trim()))
                            .collect::<Vec<_>>()
                            .join("\n");
                        let clauses = elements
                            .iter()
                            .map(|i| i.clause.as_str())
                            .collect::<Vec<_>>()
                            .join("、");
                        let fields = HazardFields {
                            enterprise_id: enterprise.id,
                            title: format!("重大火灾隐患（综合判定：{}项要素）", verdict.count),
                            description: description.chars().take(2000).collect(),
                            place: String::new(),
                            level: HazardLevel::Major,
                            category: elements
                                .first()
                                .map(|i| i.category.clone())
                                .unwrap_or_else(|| "49".into()),
                            basis: format!(
                                "{} {}：{}（要素 {}）",
                                citation(
                                    &edition_title(
                                        &inspection.template_name,
                                        &inspection.standard_edition
                                    ),
                                    true,
                                    rule.clause,
                                    ""
                                ),
                                "综合判定",
                                condition.reads,
                                clauses
                            )
                            .chars()
                            .take(300)
                            .collect(),
                            source: kind.hazard_source(),
                            found_at: inspected_on,
                            found_by: found_by.clone(),
                        };
                        let hazard_id = self
                            .insert_hazard(&mut tx, who, &enterprise, &fields)
                            .await?
                            .id;
                        let seqs: Vec<i64> = elements.iter().map(|i| i.seq).collect();
                        self.hazard_from_items(&mut tx, &inspection, &seqs, hazard_id)
                            .await?;
                        hazards.push(hazard_id);
                        Some(hazard_id)
                    }
                    None => None,
                };
                serde_json::json!({
                    "rule": format!("{} {}", rule.edition, rule.clause),
                    "elements": elements.iter().map(|i| i.clause.clone()).collect::<Vec<_>>(),
                    "met": met.map(|c| c.reads), "hazard": hazard,
                })
            }
            None => serde_json::Value::Null,
        };
        let notice = match deadline {
            Some(deadline) => {
                // The issuing office's power now decides the document for good: a later change
                // of the setting does not turn an issued notice into an order or back.
                let (org_kind, delegated): (String, i64) = sqlx::query_as(
                    "SELECT kind, delegated_enforcement FROM organizations WHERE id = $1",
                )
                .bind(inspection.org_id)
                .fetch_one(&mut *tx)
                .await?;
                let notice_kind = NoticeKind::issued_by(
                    OrgKind::parse(&org_kind)?.holds_enforcement_power(delegated != 0),
                );
                let n = self
                    .next_document_number(
                        &mut tx,
                        inspection.org_id,
                        notice_kind.series(),
                        today.year(),
                    )
                    .await?;
                let number = format!(
                    "{}{}〔{}〕{}号",
                    inspection.org_name,
                    notice_kind.number_mark(),
                    today.year(),
                    n
                );
                sqlx::query(
                    "UPDATE inspections SET notice_number = $1, notice_kind = $2, notice_deadline = $3 \
                     WHERE id = $4",
                )
                .bind(number.clone())
                .bind(notice_kind.as_str().to_string())
                .bind(deadline.to_string())
                .bind(id)
                .execute(&mut *tx)
                .await?;
                Some((number, notice_kind, deadline))
            }
            None => None,
        };
        append(
            &mut tx,
            self,
            &who.actor(),
            Change {
                action: "inspection.sign_off",
                entity: "inspection",
                entity_id: id.to_string(),
                jurisdiction: &inspection.jurisdiction_code,
                before: None,
                after: to_json(&serde_json::json!({
                    "number": inspection.number, "hazards": hazards, "composite": composite_json,
                    "notice": notice.as_ref().map(|(n, k, d)| serde_json::json!({"number": n, "kind": k.as_str(), "deadline": d})),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(self.inspection(who, id).await?.0)
    }
}
