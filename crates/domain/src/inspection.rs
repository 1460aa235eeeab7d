//! Inspections (现场检查) and the checklists they follow: judgement-standard items with their
//! clause numbers, the kinds of inspection, and the rules of a record — answered item by item,
//! saved and resumed as a draft, signed off once, never changed after. A failed item becomes a
//! hazard with its basis, level and category taken from the item.

use crate::enterprise::text;
use crate::hazard::{HazardSource, check_category};
use crate::{DomainError, IndustryCode};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ChecklistItemInput {
    /// The clause of the standard, e.g. 第三条（一） or 6.1. Required.
    pub clause: String,
    pub text: String,
    /// Failing it is a major accident hazard by definition.
    pub major: bool,
    /// GB/T 13861 code.
    pub category: String,
    /// GB/T 4754 sections or codes it applies to, separated by `;` (e.g. `C;F`); empty = all.
    pub industry: String,
    /// The standard and clause as cited.
    pub source: String,
    /// A composite element (综合判定要素, GB 35181): not a hazard by itself, counted at sign-off
    /// against the standard's thresholds. Never together with `major`.
    pub composite: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    pub clause: String,
    pub text: String,
    pub major: bool,
    pub category: String,
    /// The industries it applies to; empty = every enterprise.
    pub industries: Vec<IndustryCode>,
    pub source: String,
    pub composite: bool,
}

impl ChecklistItem {
    /// The industries as stored and exported: codes joined by `;`.
    pub fn industry_text(&self) -> String {
        self.industries
            .iter()
            .map(IndustryCode::as_str)
            .collect::<Vec<_>>()
            .join(";")
    }
}

impl ChecklistItemInput {
    pub fn validate(&self) -> Result<ChecklistItem, DomainError> {
        let clause = text("clause", &self.clause, 60, true)?;
        let item_text = text("item_text", &self.text, 1000, true)?;
        let category = check_category(&self.category)?;
        let industries = parse_industries(&self.industry)?;
        if self.major && self.composite {
            return Err(DomainError::InvalidValue {
                field: "composite",
                value: clause,
            });
        }
        Ok(ChecklistItem {
            clause,
            text: item_text,
            major: self.major,
            category,
            industries,
            source: text("item_source", &self.source, 300, false)?,
            composite: self.composite,
        })
    }
}

/// An item's industries: GB/T 4754 codes separated by `;` (or `；`, `,`, spaces); empty = all.
pub fn parse_industries(text: &str) -> Result<Vec<IndustryCode>, DomainError> {
    let mut out: Vec<IndustryCode> = Vec::new();
    for code in text
        .split([';', '；', ',', '，', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        let code = IndustryCode::parse(code)?;
        if !out.contains(&code) {
            out.push(code);
        }
    }
    Ok(out)
}

/// Does an item for `industries` (empty = all) apply to an enterprise of `enterprise`? A section
/// letter covers its divisions; a code covers the codes it prefixes (`31` covers `3110`).
pub fn item_applies(industries: &[IndustryCode], enterprise: &IndustryCode) -> bool {
    industries.is_empty() || industries.iter().any(|c| c.covers(enterprise))
}

/// A template's items, checked together: every item valid and no clause twice.
pub fn validate_items(
    items: &[ChecklistItemInput],
) -> Result<Vec<ChecklistItem>, (usize, DomainError)> {
    let mut out: Vec<ChecklistItem> = Vec::with_capacity(items.len());
    for (i, input) in items.iter().enumerate() {
        let item = input.validate().map_err(|e| (i, e))?;
        if out.iter().any(|o| o.clause == item.clause) {
            return Err((
                i,
                DomainError::InvalidValue {
                    field: "clause",
                    value: item.clause,
                },
            ));
        }
        out.push(item);
    }
    if out.is_empty() {
        return Err((0, DomainError::Required { field: "items" }));
    }
    Ok(out)
}

text_enum!(InspectionKind {
    Routine => "routine",
    Special => "special",
    Supervision => "supervision",
    LawEnforcement => "law_enforcement",
    Unannounced => "unannounced",
    ExpertCheck => "expert_check",
});

impl InspectionKind {
    /// The source a hazard found by this kind of inspection is recorded with.
    pub fn hazard_source(self) -> HazardSource {
        match self {
            InspectionKind::Routine | InspectionKind::Special => HazardSource::DepartmentInspection,
            InspectionKind::Supervision => HazardSource::Supervision,
            InspectionKind::LawEnforcement => HazardSource::LawEnforcement,
            InspectionKind::Unannounced => HazardSource::UnannouncedVisit,
            InspectionKind::ExpertCheck => HazardSource::Expert,
        }
    }
}

text_enum!(NoticeKind {
    Directive => "directive",
    RectificationNotice => "rectification_notice",
});

impl NoticeKind {
    /// The document an office issues when an inspection finds hazards. An office with
    /// enforcement power orders rectification (责令限期整改指令书, 安全生产法 第六十五条, with the
    /// enterprise's right to review and sue); one without can only tell the enterprise what to
    /// fix by when and report a refusal to the department that enforces (隐患整改通知书).
    pub fn issued_by(holds_enforcement_power: bool) -> Self {
        if holds_enforcement_power {
            NoticeKind::Directive
        } else {
            NoticeKind::RectificationNotice
        }
    }

    /// The office's numbering series (a counter per office, series and year).
    pub fn series(self) -> &'static str {
        match self {
            NoticeKind::Directive => "notice",
            NoticeKind::RectificationNotice => "rectification_notice",
        }
    }

    /// The mark in the document number: `公园街道办事处整改通知〔2026〕1号`.
    pub fn number_mark(self) -> &'static str {
        match self {
            NoticeKind::Directive => "责改",
            NoticeKind::RectificationNotice => "整改通知",
        }
    }

    /// Whether the document carries enforcement wording: the legal order, the withdrawal of
    /// workers and suspension, the review and litigation rights.
    pub fn is_order(self) -> bool {
        self == NoticeKind::Directive
    }
}

/// The basis a document prints and a hazard keeps for a failed item: the standard's name and
/// the clause, as a citation. For a shipped standard it is built from the template's name and
/// the item's clause only — the data's free `source` column may carry remarks about the data
/// that must never reach a document. An office's own list prints the 依据 its clerk typed for
/// the item, or else the list's name and the clause.
pub fn citation(list_name: &str, shipped: bool, clause: &str, source: &str) -> String {
    let source = source.trim();
    if !shipped && !source.is_empty() {
        return source.to_string();
    }
    format!(
        "{}{}",
        cited_title(list_name.trim()),
        cited_clause(clause.trim())
    )
}

/// A standard's name as cited, carrying the edition the record was judged by:
/// `重大火灾隐患判定方法（GB 35181）` of edition `GB 35181-2017` →
/// `重大火灾隐患判定方法（GB 35181-2017）`; a name that already names its edition stays; an
/// office's own list (no edition) keeps its name.
pub fn edition_title(name: &str, edition: &str) -> String {
    let (name, edition) = (name.trim(), edition.trim());
    if edition.is_empty() || name.contains(edition) {
        return name.to_string();
    }
    if let Some(body) = name.strip_suffix('）')
        && let Some(open) = body.rfind('（')
        && edition.starts_with(&body[open + '（'.len_utf8()..])
    {
        return format!("{}（{edition}）", &body[..open]);
    }
    format!("{name}（{edition}）")
}

/// `重大火灾隐患判定方法（GB 35181-2017）` → `《重大火灾隐患判定方法》（GB 35181-2017）`: a
/// national standard's code stands after its title marks (GB/T 7714 style).
fn cited_title(name: &str) -> String {
    if let Some(body) = name.strip_suffix('）')
        && let Some(open) = body.rfind('（')
    {
        let code = &body[open + '（'.len_utf8()..];
        if code.starts_with("GB") {
            return format!("《{}》（{}）", &body[..open], code);
        }
    }
    format!("《{name}》")
}

/// `6.2` → `第6.2条`; `第三条（一）` stays; an item number `一` → `第一项`.
fn cited_clause(clause: &str) -> String {
    if clause.is_empty() || clause.starts_with('第') {
        clause.to_string()
    } else if clause.chars().all(|c| c.is_ascii_digit() || c == '.') {
        format!("第{clause}条")
    } else {
        format!("第{clause}项")
    }
}

text_enum!(ItemResult {
    Pass => "pass",
    Fail => "fail",
    NotApplicable => "na",
});

text_enum!(InspectionState {
    Draft => "draft",
    SignedOff => "signed_off",
});

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TeamMember {
    pub name: String,
    /// 安全生产专家
    pub expert: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct InspectionInput {
    pub enterprise_id: i64,
    pub template_id: i64,
    /// routine | special | supervision | law_enforcement | unannounced | expert_check
    pub kind: String,
    /// YYYY-MM-DD
    pub inspected_on: String,
    pub team: Vec<TeamMember>,
    /// The campaign it belongs to, if any.
    pub campaign_id: Option<i64>,
    /// List every item of the checklist, not only those that fit the enterprise's industry
    /// (the inspector's explicit choice, recorded).
    pub all_items: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionFields {
    pub enterprise_id: i64,
    pub template_id: i64,
    pub kind: InspectionKind,
    pub inspected_on: chrono::NaiveDate,
    pub team: Vec<TeamMember>,
    pub campaign_id: Option<i64>,
    pub all_items: bool,
}

impl InspectionInput {
    pub fn validate(&self, today: chrono::NaiveDate) -> Result<InspectionFields, DomainError> {
        let kind =
            InspectionKind::parse(self.kind.trim()).ok_or_else(|| DomainError::InvalidValue {
                field: "kind",
                value: self.kind.clone(),
            })?;
        let inspected_on = chrono::NaiveDate::parse_from_str(self.inspected_on.trim(), "%Y-%m-%d")
            .ok()
            .filter(|d| *d <= today)
            .ok_or_else(|| DomainError::InvalidValue {
                field: "inspected_on",
                value: self.inspected_on.clone(),
            })?;
        let mut team = Vec::new();
        for member in &self.team {
            let name = text("team", &member.name, 40, false)?;
            if !name.is_empty() {
                team.push(TeamMember {
                    name,
                    expert: member.expert,
                });
            }
        }
        if team.is_empty() {
            return Err(DomainError::Required { field: "team" });
        }
        Ok(InspectionFields {
            enterprise_id: self.enterprise_id,
            template_id: self.template_id,
            kind,
            inspected_on,
            team,
            campaign_id: self.campaign_id,
            all_items: self.all_items,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct ResultInput {
    /// The item's position in the template (1-based).
    pub item: i64,
    /// pass | fail | na, or empty to leave unanswered.
    pub result: String,
    pub note: String,
}

/// Why a record cannot be signed off as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignOffRefusal {
    AlreadySignedOff,
    Unanswered(usize),
    FailWithoutNote(i64),
}

/// May a record with these answers (one per item, None = unanswered) be signed off? A failed
/// item needs a note saying what was found: it becomes the hazard's description.
pub fn check_sign_off(
    state: InspectionState,
    answers: &[(i64, Option<ItemResult>, &str)],
) -> Result<(), SignOffRefusal> {
    if state == InspectionState::SignedOff {
        return Err(SignOffRefusal::AlreadySignedOff);
    }
    let unanswered = answers.iter().filter(|(_, r, _)| r.is_none()).count();
    if unanswered > 0 {
        return Err(SignOffRefusal::Unanswered(unanswered));
    }
    if let Some((item, _, _)) = answers
        .iter()
        .find(|(_, r, note)| *r == Some(ItemResult::Fail) && note.trim().is_empty())
    {
        return Err(SignOffRefusal::FailWithoutNote(*item));
    }
    Ok(())
}

/// The share of experts on a team, in percent (the seeds ask for ≥ 80 % on inspection teams).
pub fn expert_share(team: &[TeamMember]) -> u32 {
    if team.is_empty() {
        return 0;
    }
    (team.iter().filter(|m| m.expert).count() * 100 / team.len()) as u32
}

#[cfg(test)]
mod edition_title_tests {
    use super::*;

    #[test]
    fn a_citation_names_the_edition_the_record_was_judged_by() {
        assert_eq!(
            edition_title("重大火灾隐患判定方法（GB 35181）", "GB 35181-2017"),
            "重大火灾隐患判定方法（GB 35181-2017）"
        );
        assert_eq!(
            edition_title(
                "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
                "应急管理部令第10号"
            ),
            "工贸企业重大事故隐患判定标准（应急管理部令第10号）"
        );
        assert_eq!(
            edition_title(
                "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
                "安监总管三〔2017〕121号"
            ),
            "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）（安监总管三〔2017〕121号）"
        );
        assert_eq!(
            edition_title("公园街道重点检查事项", ""),
            "公园街道重点检查事项"
        );
        assert_eq!(
            citation(
                &edition_title("重大火灾隐患判定方法（GB 35181）", "GB 35181-2017"),
                true,
                "6.2",
                "（备注）"
            ),
            "《重大火灾隐患判定方法》（GB 35181-2017）第6.2条"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_notice_follows_the_issuers_power() {
        for (power, kind, series, mark, order) in [
            (true, NoticeKind::Directive, "notice", "责改", true),
            (
                false,
                NoticeKind::RectificationNotice,
                "rectification_notice",
                "整改通知",
                false,
            ),
        ] {
            let issued = NoticeKind::issued_by(power);
            assert_eq!(issued, kind);
            assert_eq!(
                (issued.series(), issued.number_mark(), issued.is_order()),
                (series, mark, order)
            );
            assert_eq!(NoticeKind::parse(issued.as_str()), Some(issued));
        }
        assert_eq!(NoticeKind::parse("order"), None);
    }

    #[test]
    fn a_citation_is_the_standard_and_clause_never_the_datas_remarks() {
        let noted = "重大火灾隐患判定方法 GB 35181-2017（未取得GB 35181-2025文本，按2017版） 6.2";
        for (name, shipped, clause, source, want) in [
            (
                "重大火灾隐患判定方法（GB 35181）",
                true,
                "6.2",
                noted,
                "《重大火灾隐患判定方法》（GB 35181）第6.2条",
            ),
            (
                "重大火灾隐患判定规则（GB 35181-2025）",
                true,
                "5.1.3",
                "",
                "《重大火灾隐患判定规则》（GB 35181-2025）第5.1.3条",
            ),
            (
                "工贸企业重大事故隐患判定标准（应急管理部令第10号）",
                true,
                "第三条（一）",
                "工贸企业重大事故隐患判定标准（应急管理部令第10号）第三条（一）",
                "《工贸企业重大事故隐患判定标准（应急管理部令第10号）》第三条（一）",
            ),
            (
                "化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）",
                true,
                "一",
                "",
                "《化工和危险化学品生产经营单位重大生产安全事故隐患判定标准（试行）》第一项",
            ),
            (
                "公园街道重点检查事项",
                false,
                "3",
                " 《广西壮族自治区安全生产条例》第二十条 ",
                "《广西壮族自治区安全生产条例》第二十条",
            ),
            (
                "公园街道重点检查事项",
                false,
                "3",
                "",
                "《公园街道重点检查事项》第3条",
            ),
        ] {
            let got = citation(name, shipped, clause, source);
            assert_eq!(got, want);
            assert!(
                !got.contains("未取得") && !got.contains("按2017版"),
                "{got}"
            );
        }
    }

    fn item(clause: &str) -> ChecklistItemInput {
        ChecklistItemInput {
            clause: clause.into(),
            text: "安全出口被封堵".into(),
            major: true,
            category: "43".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_item_needs_its_clause_and_clauses_are_unique() {
        assert_eq!(
            item(" ").validate(),
            Err(DomainError::Required { field: "clause" })
        );
        assert!(validate_items(&[item("6.1"), item("6.2")]).is_ok());
        assert_eq!(
            validate_items(&[item("6.1"), item("6.1")]).unwrap_err().0,
            1
        );
        assert!(validate_items(&[]).is_err());
        let mut bad = item("6.3");
        bad.category = "99".into();
        assert!(bad.validate().is_err());
    }

    #[test]
    fn items_apply_by_industry_prefix_and_section() {
        let code = |c: &str| IndustryCode::parse(c).unwrap();
        let store = code("5211");
        let steel = code("3110");
        let general = parse_industries("").unwrap();
        let trade = parse_industries("C；F").unwrap();
        let metallurgy = parse_industries("31;32").unwrap();
        let dust = parse_industries("C").unwrap();
        assert_eq!(trade.len(), 2);
        assert!(item_applies(&general, &store));
        assert!(item_applies(&trade, &store) && item_applies(&trade, &steel));
        assert!(!item_applies(&metallurgy, &store) && item_applies(&metallurgy, &steel));
        assert!(!item_applies(&dust, &store));
        assert!(item_applies(&parse_industries("52").unwrap(), &store));
        assert!(!item_applies(
            &parse_industries("521").unwrap(),
            &code("52")
        ));
        assert!(parse_industries("C;99x").is_err());
        // A composite element is never a direct major hazard too.
        let mut both = item("7.3.6");
        both.composite = true;
        assert!(both.validate().is_err());
        both.major = false;
        assert!(both.validate().unwrap().composite);
    }

    #[test]
    fn sign_off_needs_every_answer_and_a_note_on_each_failure() {
        use ItemResult::*;
        let ok = [
            (1, Some(Pass), ""),
            (2, Some(Fail), "封堵"),
            (3, Some(NotApplicable), ""),
        ];
        assert_eq!(check_sign_off(InspectionState::Draft, &ok), Ok(()));
        assert_eq!(
            check_sign_off(InspectionState::SignedOff, &ok),
            Err(SignOffRefusal::AlreadySignedOff)
        );
        let open = [(1, Some(Pass), ""), (2, None, "")];
        assert_eq!(
            check_sign_off(InspectionState::Draft, &open),
            Err(SignOffRefusal::Unanswered(1))
        );
        let silent = [(1, Some(Fail), " ")];
        assert_eq!(
            check_sign_off(InspectionState::Draft, &silent),
            Err(SignOffRefusal::FailWithoutNote(1))
        );
    }

    #[test]
    fn kinds_map_to_hazard_sources() {
        for kind in InspectionKind::ALL {
            assert_eq!(InspectionKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(
            InspectionKind::Unannounced.hazard_source(),
            HazardSource::UnannouncedVisit
        );
        assert_eq!(
            InspectionKind::ExpertCheck.hazard_source(),
            HazardSource::Expert
        );
    }

    proptest! {
        /// A signed-off record is never signed off again, whatever its answers.
        #[test]
        fn signed_off_is_final(answers in proptest::collection::vec((0usize..3, any::<bool>()), 0..20)) {
            let answers: Vec<(i64, Option<ItemResult>, &str)> = answers
                .iter()
                .enumerate()
                .map(|(i, (r, noted))| (i as i64 + 1, Some(ItemResult::ALL[*r]), if *noted { "x" } else { "" }))
                .collect();
            prop_assert_eq!(check_sign_off(InspectionState::SignedOff, &answers), Err(SignOffRefusal::AlreadySignedOff));
        }

        #[test]
        fn expert_share_is_a_percentage(experts in 0usize..10, others in 0usize..10) {
            let team: Vec<TeamMember> = (0..experts).map(|i| TeamMember { name: format!("e{i}"), expert: true })
                .chain((0..others).map(|i| TeamMember { name: format!("o{i}"), expert: false })).collect();
            let share = expert_share(&team);
            prop_assert!(share <= 100);
            prop_assert_eq!(share == 100, experts > 0 && others == 0);
        }
    }
}

/// An inspection plan: who inspects which enterprises, when, with which checklist, and the
/// targets the seeds set (≥ 80 % coverage of the planned enterprises, ≥ 80 % of inspections
/// with experts on the team).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlanInput {
    pub name: String,
    /// routine | special | supervision | law_enforcement | unannounced | expert_check
    pub kind: String,
    pub template_id: i64,
    /// YYYY-MM-DD
    pub starts_on: String,
    pub ends_on: String,
    /// Percent of the planned enterprises to be inspected (default 80).
    pub coverage_target: Option<u32>,
    /// Percent of the inspections with an expert on the team (default 80).
    pub expert_target: Option<u32>,
    pub enterprises: Vec<i64>,
    /// When and by whom each enterprise is to be visited (optional, per enterprise).
    pub visits: Vec<PlanVisit>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PlanVisit {
    pub enterprise_id: i64,
    /// YYYY-MM-DD, inside the plan's window; empty = not scheduled.
    pub planned_on: String,
    /// A user of the planning office.
    pub inspector_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanFields {
    pub name: String,
    pub kind: InspectionKind,
    pub template_id: i64,
    pub starts_on: chrono::NaiveDate,
    pub ends_on: chrono::NaiveDate,
    pub coverage_target: u32,
    pub expert_target: u32,
    pub enterprises: Vec<i64>,
    /// enterprise → (planned day, inspector)
    pub visits: Vec<(i64, Option<chrono::NaiveDate>, Option<i64>)>,
}

impl PlanInput {
    pub fn validate(&self) -> Result<PlanFields, DomainError> {
        let day = |field: &'static str, v: &str| {
            chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").map_err(|_| {
                DomainError::InvalidValue {
                    field,
                    value: v.to_string(),
                }
            })
        };
        let starts_on = day("starts_on", &self.starts_on)?;
        let ends_on = day("ends_on", &self.ends_on)?;
        if ends_on < starts_on {
            return Err(DomainError::InvalidValue {
                field: "ends_on",
                value: self.ends_on.clone(),
            });
        }
        let percent = |field: &'static str, v: Option<u32>| match v.unwrap_or(80) {
            p if p <= 100 => Ok(p),
            p => Err(DomainError::InvalidValue {
                field,
                value: p.to_string(),
            }),
        };
        let mut enterprises = self.enterprises.clone();
        enterprises.sort_unstable();
        enterprises.dedup();
        if enterprises.is_empty() {
            return Err(DomainError::Required {
                field: "enterprises",
            });
        }
        let mut visits = Vec::new();
        for v in &self.visits {
            if !enterprises.contains(&v.enterprise_id) {
                return Err(DomainError::InvalidValue {
                    field: "visits",
                    value: v.enterprise_id.to_string(),
                });
            }
            let planned_on = match v.planned_on.trim() {
                "" => None,
                d => {
                    let date = day("planned_on", d)?;
                    if date < starts_on || date > ends_on {
                        return Err(DomainError::InvalidValue {
                            field: "planned_on",
                            value: v.planned_on.clone(),
                        });
                    }
                    Some(date)
                }
            };
            visits.push((v.enterprise_id, planned_on, v.inspector_id));
        }
        Ok(PlanFields {
            visits,
            name: text("name", &self.name, 100, true)?,
            kind: InspectionKind::parse(self.kind.trim()).ok_or_else(|| {
                DomainError::InvalidValue {
                    field: "kind",
                    value: self.kind.clone(),
                }
            })?,
            template_id: self.template_id,
            starts_on,
            ends_on,
            coverage_target: percent("coverage_target", self.coverage_target)?,
            expert_target: percent("expert_target", self.expert_target)?,
            enterprises,
        })
    }
}

/// What decides an enterprise's place in a plan (重点风险优先): risk grade first — where an
/// accident in the last three years counts as at least orange (较大风险) — then the accidents,
/// then how weak its record is (overdue, then open major, then open hazards), then the
/// key-enterprise flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PriorityFacts {
    /// 4 red, 3 orange, 2 yellow, 1 blue, 0 ungraded.
    pub risk: u8,
    /// Accidents within [`crate::accident::RECENT_ACCIDENT_YEARS`].
    pub recent_accidents: u32,
    pub overdue: u32,
    pub open_major: u32,
    pub open: u32,
    pub key_flags: u8,
}

/// The grade an enterprise is planned at: its own, raised to orange by a recent accident.
pub const ACCIDENT_RISK_FLOOR: u8 = 3;

/// Sort key: higher comes first.
pub fn priority(f: &PriorityFacts) -> (u8, u32, u32, u32, u32, u8) {
    let risk = if f.recent_accidents > 0 {
        f.risk.max(ACCIDENT_RISK_FLOOR)
    } else {
        f.risk
    };
    (
        risk,
        f.recent_accidents,
        f.overdue,
        f.open_major,
        f.open,
        f.key_flags,
    )
}

pub fn risk_rank(grade: Option<&str>) -> u8 {
    match grade {
        Some("red") => 4,
        Some("orange") => 3,
        Some("yellow") => 2,
        Some("blue") => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod plan_tests {
    use super::*;

    #[test]
    fn plans_need_enterprises_dates_in_order_and_percentages() {
        let plan = PlanInput {
            name: "2026年第四季度执法检查计划".into(),
            kind: "law_enforcement".into(),
            template_id: 1,
            starts_on: "2026-10-01".into(),
            ends_on: "2026-12-31".into(),
            enterprises: vec![3, 1, 3],
            ..Default::default()
        };
        let f = plan.validate().unwrap();
        assert_eq!(
            (f.coverage_target, f.expert_target, f.enterprises),
            (80, 80, vec![1, 3])
        );
        assert!(
            PlanInput {
                enterprises: vec![],
                ..plan.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            PlanInput {
                ends_on: "2026-09-30".into(),
                ..plan.clone()
            }
            .validate()
            .is_err()
        );
        assert!(
            PlanInput {
                coverage_target: Some(120),
                ..plan
            }
            .validate()
            .is_err()
        );
    }

    #[test]
    fn higher_risk_then_weaker_enterprises_come_first() {
        let red = PriorityFacts {
            risk: risk_rank(Some("red")),
            ..Default::default()
        };
        let weak_yellow = PriorityFacts {
            risk: 2,
            overdue: 3,
            open: 5,
            ..Default::default()
        };
        let yellow = PriorityFacts {
            risk: 2,
            open: 9,
            ..Default::default()
        };
        let mut list = [yellow, weak_yellow, red];
        list.sort_by_key(|f| std::cmp::Reverse(priority(f)));
        assert_eq!(list, [red, weak_yellow, yellow]);
        // An accident lifts an ungraded enterprise to orange: above the yellow ones, below red.
        let had_accident = PriorityFacts {
            recent_accidents: 1,
            ..Default::default()
        };
        let orange = PriorityFacts {
            risk: 3,
            open: 20,
            ..Default::default()
        };
        let mut list = [yellow, orange, red, had_accident];
        list.sort_by_key(|f| std::cmp::Reverse(priority(f)));
        assert_eq!(list, [red, had_accident, orange, yellow]);
    }
}
