//! Demo data for `hazardnet demo` and `serve --demo`: the 公园街道 campaign's twelve
//! enterprises (seed 000, "拟督促、检查的企业、场所清单", with their trade types), the district
//! and street offices, a regulator, an expert panel and one account per role.
//! Credit codes are generated (valid check characters, not real registrations).

use crate::accounts::{NewOrganization, NewUser};
use crate::audit::Actor;
use crate::{Result, Store, StoreError};
use hazardnet_domain::CreditCode;
use hazardnet_domain::enterprise::EnterpriseInput;

pub const DEMO_PASSWORD: &str = "hazardnet-demo";
pub const DISTRICT: &str = "450202000000"; // 柳州市城中区
pub const STREET: &str = "450202002000"; // 公园街道

/// (name, trade label from the seed, industry code, risk grade, crowded place)
const ENTERPRISES: [(&str, &str, &str, &str, bool); 12] = [
    ("佰迪乐KTV", "餐饮业", "62", "orange", true),
    ("柳州市东都百货有限责任公司", "零售业", "52", "orange", true),
    ("柳州市城中区江海百鱼庄", "餐饮业", "62", "yellow", true),
    (
        "广西联华超市股份有限公司解放店",
        "零售业",
        "52",
        "yellow",
        true,
    ),
    ("广西人人红酒店管理有限公司", "住宿业", "61", "yellow", true),
    ("雅钥酒店（香桥分店）", "住宿业", "61", "blue", true),
    ("铂涛精品酒店", "住宿业", "61", "blue", true),
    ("城市便捷中环酒店", "住宿业", "61", "yellow", true),
    ("城市便捷五星步行街店", "住宿业", "61", "yellow", true),
    ("如家neo五星步行街店", "住宿业", "61", "blue", true),
    ("存台酒宾馆", "住宿业", "61", "blue", false),
    ("东都好酒店", "住宿业", "61", "blue", true),
];

pub fn demo_credit_code(index: usize) -> Result<CreditCode> {
    Ok(CreditCode::with_check_char(&format!(
        "91450202MA5L{:04}0",
        index + 1
    ))?)
}

/// Fills an empty database with the registry and hazards in every state; does nothing (and
/// says so) when users exist already.
pub async fn load_demo(store: &Store) -> Result<bool> {
    let ids = match load_demo_registry(store).await? {
        Some(ids) => ids,
        None => return Ok(false),
    };
    load_demo_hazards(store, &ids).await?;
    let campaign = crate::demo_campaign::load_demo_campaign(store, &ids).await?;
    let ktv = *ids
        .first()
        .ok_or_else(|| StoreError::Internal("no demo enterprise".into()))?;
    crate::demo_campaign::load_demo_inspection(store, ktv, campaign).await?;
    if let Some(store_front) = ids.get(1) {
        load_demo_accident(store, *store_front).await?;
    }
    Ok(true)
}

/// One accident on record (事故记录): it puts the department store ahead of its peers when a
/// plan is drawn up.
async fn load_demo_accident(store: &Store, enterprise_id: i64) -> Result<()> {
    let district = store.principal_for_username("district-office").await?;
    let occurred_on = (store.today() - chrono::Duration::days(430)).to_string();
    store
        .record_accident(
            &district,
            enterprise_id,
            &hazardnet_domain::accident::AccidentInput {
                occurred_on,
                kind: "machinery".into(),
                deaths: 0,
                serious_injuries: 1,
                direct_loss_yuan: 36_000,
                circumstances: "维修工检修货梯时未切断电源、未设专人监护，轿厢意外移动挤伤右手"
                    .into(),
                report_ref: "城中应急调〔2025〕7号".into(),
            },
        )
        .await?;
    Ok(())
}

/// The demo's organizations, accounts and enterprises only (the enterprises' ids, or None when
/// the database has users already).
pub async fn load_demo_registry(store: &Store) -> Result<Option<Vec<i64>>> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&store.read)
        .await?;
    if users > 0 {
        return Ok(None);
    }
    let actor = Actor::system("demo");
    let org = |name: &str,
               kind: &str,
               jurisdiction: Option<&str>,
               industries: &[&str],
               enterprise_id: Option<i64>| NewOrganization {
        name: name.to_string(),
        kind: kind.to_string(),
        jurisdiction_code: jurisdiction.map(str::to_string),
        industries: industries.iter().map(|s| s.to_string()).collect(),
        enterprise_id,
    };
    let system = store
        .create_organization(&actor, org("系统管理", "system", None, &[], None))
        .await?;
    let district = store
        .create_organization(
            &actor,
            org(
                "城中区安委办",
                "safety_committee_office",
                Some(DISTRICT),
                &[],
                None,
            ),
        )
        .await?;
    let street = store
        .create_organization(
            &actor,
            org("公园街道办事处", "street_office", Some(STREET), &[], None),
        )
        .await?;
    let regulator = store
        .create_organization(
            &actor,
            org(
                "城中区应急管理局",
                "industry_regulator",
                Some(DISTRICT),
                &["52", "61", "62"],
                None,
            ),
        )
        .await?;
    let experts = store
        .create_organization(
            &actor,
            org(
                "城中区安全生产专家组",
                "expert_panel",
                Some(DISTRICT),
                &[],
                None,
            ),
        )
        .await?;
    let user = |username: &str, name: &str, org_id: i64, role: &str| NewUser {
        username: username.to_string(),
        display_name: name.to_string(),
        org_id,
        role: role.to_string(),
        password: DEMO_PASSWORD.to_string(),
        phone: String::new(),
    };
    store
        .create_user(&actor, user("admin", "系统管理员", system, "admin"))
        .await?;
    store
        .create_user(
            &actor,
            user(
                "district-office",
                "城中区安委办",
                district,
                "committee_clerk",
            ),
        )
        .await?;
    store
        .create_user(
            &actor,
            user("leader", "城中区分管副区长", district, "leader"),
        )
        .await?;
    let street_clerk = store
        .create_user(
            &actor,
            user(
                "street-office",
                "公园街道公共安全办",
                street,
                "territorial_clerk",
            ),
        )
        .await?;
    store
        .create_user(
            &actor,
            user("regulator", "区应急管理局", regulator, "regulator_clerk"),
        )
        .await?;
    let expert = store
        .create_user(&actor, user("expert", "安全生产专家", experts, "expert"))
        .await?;

    // Enterprises are registered by the street office, as the seed's list was.
    let clerk = store.principal_for_username("street-office").await?;
    debug_assert_eq!(clerk.user_id, street_clerk);
    let mut ids = Vec::new();
    for (i, (name, label, industry, grade, crowded)) in ENTERPRISES.iter().enumerate() {
        let input = EnterpriseInput {
            name: name.to_string(),
            credit_code: demo_credit_code(i)?.to_string(),
            jurisdiction_code: STREET.to_string(),
            industry_code: industry.to_string(),
            enterprise_type: label.to_string(),
            risk_grade: Some(grade.to_string()),
            status: Some("operating".into()),
            crowded_place: *crowded,
            ..Default::default()
        };
        ids.push(store.create_enterprise(&clerk, &input).await?);
    }
    let first = *ids
        .first()
        .ok_or_else(|| StoreError::Internal("no demo enterprise".into()))?;
    let enterprise_org = store
        .create_organization(
            &actor,
            org(ENTERPRISES[0].0, "enterprise", None, &[], Some(first)),
        )
        .await?;
    store
        .create_user(
            &actor,
            user(
                "enterprise",
                "佰迪乐KTV安全管理员",
                enterprise_org,
                "enterprise_safety_manager",
            ),
        )
        .await?;
    for id in ids.iter().take(2) {
        store.assign_expert(&actor, expert, *id).await?;
    }
    Ok(Some(ids))
}

/// A 1×1 PNG, standing in for a site photo.
const DEMO_PHOTO: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// Hazards in every state of the lifecycle at the seed's enterprises, reported and handled by
/// the demo accounts through the same rules as everyone else.
async fn load_demo_hazards(store: &Store, enterprises: &[i64]) -> Result<()> {
    use hazardnet_domain::hazard::{Action, HazardInput, RectificationPlan};
    let manager = store.principal_for_username("enterprise").await?;
    let street = store.principal_for_username("street-office").await?;
    let district = store.principal_for_username("district-office").await?;
    let today = store.today();
    let days_ago = |n: i64| (today - chrono::Duration::days(n)).to_string();
    let in_days = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let report = |enterprise: i64,
                  title: &str,
                  place: &str,
                  level: &str,
                  category: &str,
                  source: &str,
                  found: String,
                  basis: &str| HazardInput {
        enterprise_id: enterprise,
        title: title.into(),
        description: String::new(),
        place: place.into(),
        level: level.into(),
        category: category.into(),
        basis: basis.into(),
        source: source.into(),
        found_at: found,
        found_by: String::new(),
    };
    let step = |who: &crate::Principal, id: i64, action: Action| {
        let who = who.clone();
        async move {
            store
                .transition_hazard(&who, id, &action)
                .await
                .map_err(|e| StoreError::Internal(format!("demo transition: {e}")))
        }
    };
    let photo = |who: &crate::Principal, id: i64| {
        let who = who.clone();
        async move {
            store
                .attach_evidence(
                    &who,
                    id,
                    crate::EvidenceUpload {
                        file_name: "现场照片.png".into(),
                        bytes: DEMO_PHOTO.to_vec(),
                    },
                )
                .await
                .map(|e| e.id)
        }
    };
    let e = |i: usize| {
        enterprises
            .get(i)
            .copied()
            .ok_or_else(|| StoreError::Internal("demo enterprise".into()))
    };

    // 佰迪乐KTV: a major hazard under rectification with its five-element plan, listed by the district.
    let mut input = report(
        e(0)?,
        "KTV包厢区安全出口被封堵",
        "二楼包厢区东侧安全出口",
        "major",
        "43",
        "self_inspection",
        days_ago(12),
        "重大火灾隐患判定规则 GB 35181-2025：人员密集场所安全出口被封闭",
    );
    input.description = "二楼东侧安全出口被杂物和临时隔断封堵，疏散通道宽度不足。".into();
    let id = store.create_hazard(&manager, &input).await?.id;
    step(
        &manager,
        id,
        Action::Confirm {
            plan: Some(RectificationPlan {
                responsible_person: "覃经理".into(),
                measures: "拆除临时隔断，清理杂物，恢复安全出口和疏散通道；增设疏散指示标志。"
                    .into(),
                funds_yuan: Some(18000),
                deadline: in_days(20),
                interim_measures: "停用二楼东侧包厢，营业期间专人值守疏散通道，每日巡查。".into(),
            }),
            deadline: None,
            note: String::new(),
        },
    )
    .await?;
    store
        .list_hazard_for_supervision(&district, id, "区级", &days_ago(5), "城中安委督〔2026〕1号")
        .await?;

    // 东都百货: a general hazard the street office found and had fixed on the spot, recorded
    // on the enterprise's behalf; the district accepts it (four eyes: not the one who fixed it).
    let id = store
        .create_hazard(
            &street,
            &report(
                e(1)?,
                "灭火器压力不足",
                "一楼化妆品区",
                "general",
                "21",
                "department_inspection",
                days_ago(20),
                "",
            ),
        )
        .await?
        .id;
    let evidence = photo(&street, id).await?;
    step(
        &street,
        id,
        Action::ImmediateFix {
            evidence: vec![evidence],
            note: "检查时督促企业当场更换灭火器，企业尚无系统账号，由街道代为登记。".into(),
        },
    )
    .await?;
    step(
        &district,
        id,
        Action::Accept {
            evidence: vec![],
            note: "复查合格".into(),
        },
    )
    .await?;

    // 江海百鱼庄: just reported.
    store
        .create_hazard(
            &street,
            &report(
                e(2)?,
                "厨房燃气软管老化",
                "后厨灶台",
                "general",
                "21",
                "department_inspection",
                days_ago(2),
                "",
            ),
        )
        .await?;

    // 联华超市: rectified and awaiting acceptance.
    let id = store
        .create_hazard(
            &street,
            &report(
                e(3)?,
                "消防通道堆放货物",
                "仓库与卖场之间的消防通道",
                "general",
                "32",
                "unannounced_visit",
                days_ago(9),
                "",
            ),
        )
        .await?
        .id;
    step(
        &street,
        id,
        Action::Confirm {
            plan: None,
            deadline: Some(in_days(7)),
            note: String::new(),
        },
    )
    .await?;
    let evidence = photo(&street, id).await?;
    step(
        &street,
        id,
        Action::Submit {
            evidence: vec![evidence],
            note: "货物已清走；企业尚无系统账号，由街道代为提交整改照片。".into(),
        },
    )
    .await?;

    // 人人红酒店: under rectification with its deadline.
    let id = store
        .create_hazard(
            &street,
            &report(
                e(4)?,
                "疏散指示标志损坏",
                "三楼走廊",
                "general",
                "21",
                "department_inspection",
                days_ago(6),
                "",
            ),
        )
        .await?
        .id;
    step(
        &street,
        id,
        Action::Confirm {
            plan: None,
            deadline: Some(in_days(10)),
            note: String::new(),
        },
    )
    .await?;

    // 雅钥酒店: checked and found not to be a hazard.
    let id = store
        .create_hazard(
            &street,
            &report(
                e(5)?,
                "客房烟感探测器缺失",
                "五楼客房",
                "general",
                "21",
                "tip",
                days_ago(4),
                "",
            ),
        )
        .await?
        .id;
    step(
        &street,
        id,
        Action::Reject {
            reason: "经现场核实，烟感探测器已安装且工作正常。".into(),
        },
    )
    .await?;

    // 铂涛精品酒店: a major hazard just recorded — visible to the regulator at once.
    store
        .create_hazard(
            &street,
            &report(
                e(6)?,
                "消防控制室值班人员无证上岗",
                "一楼消防控制室",
                "major",
                "41",
                "department_inspection",
                days_ago(1),
                "重大火灾隐患判定规则 GB 35181-2025：消防控制室值班人员不具备相应资格",
            ),
        )
        .await?;
    Ok(())
}
