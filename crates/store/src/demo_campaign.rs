//! The demo's campaign and inspection. The campaign is modelled on seed 000 (公园街道重大事故隐患专项排查整治行动): issued by the
//! district office for this year with the seed's four phases (动员部署 / 自查自改 / 精准配合执法 /
//! 总结提升), its twelve target enterprises, monthly returns due on the 28th from the streets and
//! the regulator, tasks from the seed's 六项工作, and two months of returns — one late. The
//! inspection is a signed-off check of 佰迪乐KTV that produced a major hazard, a composite
//! finding and a notice.

use crate::accounts::NewOrganization;
use crate::accounts::NewUser;
use crate::audit::Actor;
use crate::demo::{DEMO_PASSWORD, DISTRICT};
use crate::{Clock, Result, Store};
use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use hazardnet_domain::campaign::{CampaignInput, PhaseInput, ReportInput, TaskInput};
use std::collections::BTreeMap;

/// A moment on `date` at 10:00 China time.
fn at(date: NaiveDate) -> chrono::DateTime<Utc> {
    Utc.from_utc_datetime(&(date.and_hms_opt(2, 0, 0).unwrap_or_default()))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

pub(crate) async fn load_demo_campaign(store: &Store, enterprises: &[i64]) -> Result<i64> {
    let actor = Actor::system("demo");
    let second_street = store
        .create_organization(
            &actor,
            NewOrganization {
                name: "城中街道办事处".into(),
                kind: "street_office".into(),
                jurisdiction_code: Some("450202001000".into()),
                industries: Vec::new(),
                enterprise_id: None,
            },
        )
        .await?;
    store
        .create_user(
            &actor,
            NewUser {
                username: "chengzhong-street".into(),
                display_name: "城中街道安全办".into(),
                org_id: second_street,
                role: "territorial_clerk".into(),
                password: DEMO_PASSWORD.into(),
                phone: String::new(),
            },
        )
        .await?;
    let district = store.principal_for_username("district-office").await?;
    let today = store.today();
    let year = today.year();
    let input = CampaignInput {
        title: format!("城中区重大事故隐患专项排查整治{year}行动"),
        doc_number: format!("城中安委字〔{year}〕2号"),
        jurisdiction_code: DISTRICT.into(),
        industries: Vec::new(),
        summary: "聚焦可能导致群死群伤的设施设备故障、非法违规行为、安全管理缺陷、应急救援处置不当等重大事故隐患，\
                  督促企业落实自查自改，各街道、各有关部门精准执法、闭环管理。各街道办事处、区应急管理局每月28日前报送进展情况调度表。"
            .into(),
        cadence: "monthly:28".into(),
        starts_on: day(year, 5, 1).to_string(),
        ends_on: day(year, 12, 31).to_string(),
        phases: [
            ("动员部署", (5, 1), (5, 31)),
            ("自查自改", (6, 1), (10, 31)),
            ("精准配合执法", (11, 1), (11, 30)),
            ("总结提升", (12, 1), (12, 31)),
        ]
        .iter()
        .map(|(name, (m1, d1), (m2, d2))| PhaseInput {
            name: name.to_string(),
            starts_on: day(year, *m1, *d1).to_string(),
            ends_on: day(year, *m2, *d2).to_string(),
        })
        .collect(),
        reporting_units: "各街道办事处、区应急管理局".into(),
        targets: enterprises.to_vec(),
    };
    let campaign_id = store.create_campaign(&district, &input).await?;
    let task = |text: &str, units: &[&str], deadline: &str| TaskInput {
        text: text.into(),
        lead_units: units.iter().map(|u| u.to_string()).collect(),
        co_units: Vec::new(),
        deadline: deadline.into(),
        ..Default::default()
    };
    store
        .add_tasks(
            &district,
            campaign_id,
            &[
                task(
                    "制定印发本街道专项行动实施方案，细化重大事故隐患判定标准或重点检查事项，召集辖区企业专题动员部署。",
                    &["各街道办事处"],
                    "5月24日前",
                ),
                task(
                    "建立重大事故隐患数据库，完善整治督办制度，每季度通报1次整治进展情况。",
                    &["各街道办事处", "区应急管理局"],
                    "长期坚持",
                ),
                task(
                    "聚焦重大事故隐患和重点检查事项，配合执法部门开展精准执法检查，严查非法违法和违规违章行为。",
                    &["区应急管理局"],
                    "11月底前见成效，长期坚持",
                ),
            ],
        )
        .await?;
    // Two months of returns before this one: the street's first on time, its second late; the
    // other street and the regulator on time.
    let months: Vec<NaiveDate> = (1..=2)
        .rev()
        .map(|back| {
            let first = today.with_day(1).unwrap_or(today);
            let mut d = first;
            for _ in 0..back {
                d = (d - Duration::days(1)).with_day(1).unwrap_or(d);
            }
            d
        })
        .filter(|d| *d >= day(year, 5, 1))
        .collect();
    let filers = [
        ("street-office", [(27, 12, 3, 1), (30, 12, 2, 0)]),
        ("chengzhong-street", [(26, 9, 1, 0), (27, 10, 0, 1)]),
        ("regulator", [(25, 15, 0, 2), (28, 14, 1, 1)]),
    ];
    for (username, plan) in filers {
        let who = store.principal_for_username(username).await?;
        for (month, (filed_day, checked, cases, drills)) in months.iter().zip(plan) {
            let filed_on = month.with_day(filed_day).unwrap_or(*month);
            let mut figures = BTreeMap::new();
            figures.insert("enterprises_checked".to_string(), checked);
            figures.insert("inspection_teams".to_string(), 2);
            figures.insert("cases_filed".to_string(), cases);
            figures.insert("fines_yuan".to_string(), cases * 20_000);
            figures.insert("drills".to_string(), drills);
            store
                .with_clock(Clock::fixed(at(filed_on)))
                .file_report(
                    &who,
                    campaign_id,
                    &ReportInput {
                        period_key: format!("{:04}-{:02}", month.year(), month.month()),
                        body: format!(
                            "本月检查企业{checked}家，组织检查组2个，立案{cases}起，开展应急演练{drills}次；\
                             重大事故隐患已登记建档、挂图作战。"
                        ),
                        figures,
                        lines: Vec::new(),
                    },
                )
                .await?;
        }
    }
    Ok(campaign_id)
}

/// A signed-off supervision check of 佰迪乐KTV against 重大火灾隐患判定方法 by the street office
/// with an expert: a direct major hazard (6.6) became a hazard, and one composite element (7.3.6)
/// stayed a finding, below the crowded-place threshold; a rectification notice was issued.
/// The shipped text is the 2017 edition, in force until 2025-10-31 (the 2025 edition's text
/// is not shipped): the check is dated two days ago while that edition was in force, else on
/// its last day — a record from before the change — and belongs to the campaign only when it
/// falls in the campaign's year.
pub(crate) async fn load_demo_inspection(store: &Store, ktv: i64, campaign_id: i64) -> Result<i64> {
    use hazardnet_domain::inspection::{InspectionInput, ResultInput, TeamMember};
    let street = store.principal_for_username("street-office").await?;
    let (template, ends_on): (i64, Option<String>) = sqlx::query_as(
        "SELECT id, ends_on FROM checklist_templates WHERE standard_key = 'zhongda-huozai-gb35181' \
         AND edition = 'GB 35181-2017' ORDER BY version DESC LIMIT 1",
    )
    .fetch_one(&store.read)
    .await?;
    let today = store.today();
    let mut inspected_on = today - Duration::days(2);
    if let Some(last) = ends_on.and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()) {
        inspected_on = inspected_on.min(last);
    }
    let campaign = (inspected_on.year() == today.year()).then_some(campaign_id);
    let id = store
        .open_inspection(
            &street,
            &InspectionInput {
                enterprise_id: ktv,
                template_id: template,
                kind: "supervision".into(),
                inspected_on: inspected_on.to_string(),
                team: vec![
                    TeamMember {
                        name: "公园街道公共安全办 黎志敏".into(),
                        expert: false,
                    },
                    TeamMember {
                        name: "安全生产专家 韦工".into(),
                        expert: true,
                    },
                ],
                campaign_id: campaign,
                all_items: false,
            },
        )
        .await?;
    let items: Vec<(i64, String)> = sqlx::query_as(
        "SELECT c.seq, c.clause FROM inspection_results r JOIN checklist_items c \
         ON c.template_id = $1 AND c.seq = r.item_seq WHERE r.inspection_id = $2 ORDER BY c.seq",
    )
    .bind(template)
    .bind(id)
    .fetch_all(&store.read)
    .await?;
    let answers: Vec<ResultInput> = items
        .iter()
        .map(|(seq, clause)| {
            let (result, note) = match clause.as_str() {
                "6.6" => (
                    "fail",
                    "KTV二层包厢区未设置自动喷水灭火系统，火灾自动报警系统主机处于故障状态。",
                ),
                "7.3.6" => (
                    "fail",
                    "二层走道疏散指示标志12处中5处不亮，应急照明损坏率超过30%。",
                ),
                "6.5" | "6.8" | "7.1.1" | "7.3.3" | "7.3.7" => ("pass", ""),
                _ => ("na", ""),
            };
            ResultInput {
                item: *seq,
                result: result.into(),
                note: note.into(),
            }
        })
        .collect();
    store.save_results(&street, id, &answers).await?;
    store
        .sign_off_inspection(&street, id, Some(&(today + Duration::days(20)).to_string()))
        .await?;
    Ok(id)
}
