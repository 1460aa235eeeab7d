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

/// Fills an empty database; does nothing (and says so) when users exist already.
pub async fn load_demo(store: &Store) -> Result<bool> {
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&store.read)
        .await?;
    if users > 0 {
        return Ok(false);
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
    Ok(true)
}
