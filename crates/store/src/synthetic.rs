//! Synthetic data at province scale for `hazardnet bench-data`: a province's cities, counties
//! and streets, N enterprises and M hazards spread over states, levels and two years of dates.
//!
//! The rows are written in bulk, straight into the tables, without audit entries: they are a
//! measuring fixture, not records anyone made. Never run this against a production database
//! (the command refuses a database that already holds hazards).

use crate::clock::format_time;
use crate::{DbKind, Result, Store, StoreError};
use chrono::Duration;
use hazardnet_domain::CreditCode;
use hazardnet_domain::hazard::search_tokens;

/// A small deterministic generator (xorshift), so a seed gives the same data set every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// The prefix of the synthetic province (Hainan's code, with places named 基准测试…): a bench
/// database is its own file or database, never one with real data.
const PROVINCE: &str = "46";
const CITIES: u64 = 12;
const COUNTIES_PER_CITY: u64 = 8;
const STREETS_PER_COUNTY: u64 = 10;

const TITLES: &[&str] = &[
    "灭火器压力不足",
    "灭火器过期未检",
    "消防通道堆放杂物",
    "安全出口被封堵",
    "疏散指示标志损坏",
    "应急照明灯不亮",
    "电气线路私拉乱接",
    "配电箱未上锁",
    "燃气软管老化",
    "可燃气体报警器失效",
    "消防控制室无人值守",
    "特种作业人员无证上岗",
    "有限空间作业未审批",
    "动火作业无监护",
    "危化品储存超量",
    "叉车带病作业",
    "防护栏杆缺失",
    "脚手架未验收",
    "安全培训记录缺失",
    "应急预案未演练",
    "烟感探测器缺失",
    "厨房油烟管道未清洗",
    "电动自行车室内充电",
    "仓库货物堆垛过高",
];
const PLACES: &[&str] = &[
    "一楼大厅",
    "二楼走廊",
    "后厨",
    "仓库",
    "配电房",
    "地下车库",
    "楼梯间",
    "生产车间",
    "屋顶",
    "办公区",
];
const INDUSTRIES: &[&str] = &[
    "61", "62", "52", "51", "26", "47", "48", "59", "90", "54", "13", "33",
];

pub struct SyntheticReport {
    pub jurisdictions: usize,
    pub enterprises: usize,
    pub hazards: usize,
}

impl Store {
    /// Loads `enterprises` enterprises and `hazards` hazards into an empty ledger.
    pub async fn load_synthetic(
        &self,
        enterprises: usize,
        hazards: usize,
        seed: u64,
    ) -> Result<SyntheticReport> {
        let existing: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM hazards")
            .fetch_one(&self.read)
            .await?;
        if existing > 0 {
            return Err(StoreError::Conflict {
                code: "bench_data_needs_empty_ledger",
                value: existing.to_string(),
            });
        }
        let mut rng = Rng(seed.max(1));
        let now = self.clock().now();
        let now_text = format_time(now);
        let today = self.today();

        // The province tree.
        let mut streets = Vec::new();
        let mut tx = self.begin_write().await?;
        let insert_j = |code: String, name: String, parent: Option<String>, level: &str| {
            (code, name, parent, level.to_string())
        };
        let mut rows = vec![insert_j(
            format!("{PROVINCE}0000000000"),
            "基准测试省".into(),
            None,
            "province",
        )];
        for c in 1..=CITIES {
            let city = format!("{PROVINCE}{c:02}00000000");
            rows.push(insert_j(
                city.clone(),
                format!("基准测试市{c:02}"),
                Some(format!("{PROVINCE}0000000000")),
                "city",
            ));
            for k in 1..=COUNTIES_PER_CITY {
                let county = format!("{PROVINCE}{c:02}{k:02}000000");
                rows.push(insert_j(
                    county.clone(),
                    format!("测试市{c:02}区{k:02}"),
                    Some(city.clone()),
                    "county",
                ));
                for s in 1..=STREETS_PER_COUNTY {
                    let street = format!("{PROVINCE}{c:02}{k:02}{s:03}000");
                    rows.push(insert_j(
                        street.clone(),
                        format!("测试市{c:02}区{k:02}街道{s:02}"),
                        Some(county.clone()),
                        "township",
                    ));
                    streets.push(street);
                }
            }
        }
        for (code, name, parent, level) in &rows {
            sqlx::query(
                "INSERT INTO jurisdictions (code, name, parent_code, level, updated_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (code) DO NOTHING",
            )
            .bind(code.clone())
            .bind(name.clone())
            .bind(parent.clone())
            .bind(level.clone())
            .bind(now_text.clone())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;

        // Enterprises, in batches.
        let mut enterprise_rows: Vec<(i64, String, String, String)> =
            Vec::with_capacity(enterprises);
        let first_id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM enterprises")
            .fetch_one(&self.read)
            .await?;
        for chunk_start in (0..enterprises).step_by(500) {
            let mut tx = self.begin_write().await?;
            let end = (chunk_start + 500).min(enterprises);
            let mut sql = String::from(
                "INSERT INTO enterprises (id, name, credit_code, jurisdiction_code, industry_code, industry_section, \
                 enterprise_type, status, risk_grade, crowded_place, created_at, updated_at) VALUES ",
            );
            let mut values = Vec::new();
            for i in chunk_start..end {
                let id = first_id + 1 + i as i64;
                let street = rng.pick(&streets).clone();
                let industry = rng.pick(INDUSTRIES).to_string();
                let code = CreditCode::with_check_char(&format!(
                    "91{}{:08}0",
                    &street[..6],
                    i % 100_000_000
                ))
                .map_err(StoreError::from)?;
                let section = hazardnet_domain::IndustryCode::parse(&industry)
                    .map(|c| c.section().to_string())
                    .unwrap_or_default();
                let grade = *rng.pick(&["blue", "blue", "yellow", "yellow", "orange", "red"]);
                values.push(format!(
                    "({id}, '基准企业{i:06}', '{code}', '{street}', '{industry}', '{section}', '有限责任公司', 'operating', '{grade}', {}, '{now_text}', '{now_text}')",
                    rng.below(3) == 0
                ).replace("true", "1").replace("false", "0"));
                enterprise_rows.push((id, street, industry, section));
            }
            sql.push_str(&values.join(", "));
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }

        // Hazards, in batches; numbers are unique per street and year by construction.
        let first_hazard: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM hazards")
            .fetch_one(&self.read)
            .await?;
        let batch = 2_000;
        for chunk_start in (0..hazards).step_by(batch) {
            let end = (chunk_start + batch).min(hazards);
            let mut sql = String::from(
                "INSERT INTO hazards (id, number, enterprise_id, jurisdiction_code, industry_code, industry_section, title, \
                 description, place, level, category, source, found_at, state, deadline, search_tokens, closed_at, \
                 created_at, updated_at) VALUES ",
            );
            let mut values = Vec::with_capacity(end - chunk_start);
            for i in chunk_start..end {
                let id = first_hazard + 1 + i as i64;
                let (enterprise_id, street, industry, section) = rng.pick(&enterprise_rows).clone();
                let title = *rng.pick(TITLES);
                let place = *rng.pick(PLACES);
                let found = today - Duration::days(rng.below(730) as i64);
                let level = if rng.below(20) == 0 {
                    "major"
                } else {
                    "general"
                };
                let roll = rng.below(100);
                // Older hazards are mostly finished; recent ones mostly open.
                let age_days = (today - found).num_days();
                let state = match (roll, age_days) {
                    (0..=4, _) => "rejected",
                    (_, 0..=60) if roll < 40 => "reported",
                    (_, 0..=60) if roll < 75 => "rectifying",
                    (_, 0..=60) if roll < 85 => "awaiting_acceptance",
                    (_, _) if roll < 8 => "rectifying",
                    _ => "closed",
                };
                let deadline = (state != "reported" && state != "rejected")
                    .then(|| (found + Duration::days(30)).to_string());
                let closed_at = (state == "closed")
                    .then(|| format_time(now - Duration::days(age_days.max(1) / 2)));
                let category = *rng.pick(&["21", "22", "32", "43", "12", "41"]);
                let source = *rng.pick(&[
                    "self_inspection",
                    "department_inspection",
                    "unannounced_visit",
                    "law_enforcement",
                ]);
                let year = found.format("%Y");
                let number = format!("YH{}-{year}-B{id:07}", &street[..9]);
                let tokens = search_tokens(&format!("{title} {place}"));
                let q = |s: Option<String>| {
                    s.map(|v| format!("'{v}'")).unwrap_or_else(|| "NULL".into())
                };
                values.push(format!(
                    "({id}, '{number}', {enterprise_id}, '{street}', '{industry}', '{section}', '{title}', '', '{place}', \
                     '{level}', '{category}', '{source}', '{found}', '{state}', {}, '{tokens}', {}, '{now_text}', '{now_text}')",
                    q(deadline),
                    q(closed_at),
                ));
            }
            sql.push_str(&values.join(", "));
            let mut tx = self.begin_write().await?;
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        if self.kind() == DbKind::Postgres {
            // Identity columns continue after the explicit ids.
            let mut tx = self.begin_write().await?;
            sqlx::query("SELECT setval(pg_get_serial_sequence('enterprises', 'id'), (SELECT MAX(id) FROM enterprises))")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            let mut tx = self.begin_write().await?;
            sqlx::query("SELECT setval(pg_get_serial_sequence('hazards', 'id'), (SELECT MAX(id) FROM hazards))")
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        self.rebuild_tallies().await?;
        self.analyze().await?;
        Ok(SyntheticReport {
            jurisdictions: rows.len(),
            enterprises,
            hazards,
        })
    }

    /// Refreshes the planner's statistics (after bulk loads).
    pub async fn analyze(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query("ANALYZE").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
