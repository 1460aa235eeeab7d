//! Dashboard figures for a caller's scope, computed by grouped, scoped queries.

use super::HAZARD_SCOPE;
use crate::accounts::Principal;
use crate::sql::{ScopeColumns, Sql, push_scope};
use crate::{DbKind, Result, Store};
use chrono::Datelike;
use hazardnet_domain::Scope;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DashboardCount {
    /// A jurisdiction code, an industry section or a state.
    pub key: String,
    pub name: String,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthPoint {
    /// YYYY-MM
    pub month: String,
    pub found: i64,
    pub closed: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Dashboard {
    pub total: i64,
    pub open: i64,
    pub closed: i64,
    pub rejected: i64,
    pub overdue: i64,
    pub major_total: i64,
    pub major_open: i64,
    pub supervised_open: i64,
    /// Closed ÷ (all − rejected), 0 when there is nothing; 整改率.
    pub closure_rate: f64,
    pub by_state: Vec<DashboardCount>,
    /// Open major hazards per child jurisdiction of the scope's root.
    pub majors_by_jurisdiction: Vec<DashboardCount>,
    /// Open major hazards per industry section.
    pub majors_by_industry: Vec<DashboardCount>,
    /// The last 12 months, oldest first.
    pub trend: Vec<MonthPoint>,
}

const OPEN: &str = "h.state NOT IN ('closed', 'rejected')";

/// Scope columns of the tally tables (offices' scopes only: they carry no enterprise).
pub(crate) const TALLY_SCOPE: ScopeColumns<'static> = ScopeColumns {
    enterprise_id: "NULL",
    jurisdiction: "t.jurisdiction_code",
    industry_code: "t.industry_code",
    industry_section: "t.industry_section",
};

/// One level below the scope's root (provinces for a national view).
fn child_prefix_len(scope: &Scope) -> usize {
    match scope {
        Scope::Government { jurisdiction, .. } => match jurisdiction.level().prefix_len() {
            2 => 4,
            4 => 6,
            6 => 9,
            _ => 12,
        },
        _ => 2,
    }
}

/// Twelve calendar months (YYYY-MM) ending with today's, oldest first.
fn last_twelve_months(today: chrono::NaiveDate) -> Vec<String> {
    let mut months = Vec::with_capacity(12);
    let (mut y, mut m) = (today.year(), today.month());
    for _ in 0..12 {
        months.push(format!("{y:04}-{m:02}"));
        if m == 1 {
            y -= 1;
            m = 12;
        } else {
            m -= 1;
        }
    }
    months.reverse();
    months
}

impl Store {
    fn scoped(&self, who: &Principal, select: &str) -> Sql {
        let mut sql = Sql::new(select);
        sql.push(" FROM hazards h WHERE ");
        push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
        sql
    }

    /// The dashboard for the caller's scope: from the maintained tallies for offices (fast at
    /// province scale), counted live for an enterprise or an expert (their scope is small).
    pub async fn dashboard(&self, who: &Principal) -> Result<Dashboard> {
        match who.scope {
            Scope::Everything | Scope::Government { .. } => self.dashboard_from_tallies(who).await,
            _ => self.dashboard_live(who).await,
        }
    }

    fn tallied(&self, who: &Principal, select: &str, table: &str) -> Sql {
        let mut sql = Sql::new(select);
        sql.push(" FROM ").push(table).push(" t WHERE ");
        push_scope(&mut sql, &who.scope, &TALLY_SCOPE);
        sql
    }

    async fn dashboard_from_tallies(&self, who: &Principal) -> Result<Dashboard> {
        let today = self.today();
        let mut d = Dashboard::default();
        // Scopes no industry restricts read the tallies summed over industries.
        let by_place = matches!(
            who.scope,
            Scope::Everything
                | Scope::Government {
                    industries: None,
                    ..
                }
        );
        let (tallies, monthly) = if by_place {
            ("hazard_place_tallies", "hazard_place_monthly")
        } else {
            ("hazard_tallies", "hazard_monthly")
        };
        let mut sql = self.tallied(
            who,
            "SELECT t.state, t.level, t.listed, CAST(SUM(t.n) AS BIGINT) AS n",
            tallies,
        );
        sql.push(" GROUP BY t.state, t.level, t.listed");
        let rows: Vec<(String, String, i64, i64)> = sql.query_as().fetch_all(&self.read).await?;
        let rows: Vec<(String, String, i64)> = rows
            .into_iter()
            .map(|(state, level, listed, n)| {
                if listed == 1 && !matches!(state.as_str(), "closed" | "rejected") {
                    d.supervised_open += n;
                }
                (state, level, n)
            })
            .collect();
        self.fill_counts(&mut d, rows);
        d.overdue = self.overdue_count(who, &today.to_string()).await?;
        let child_len = child_prefix_len(&who.scope);
        let mut sql = self.tallied(
            who,
            &format!("SELECT SUBSTR(t.jurisdiction_code, 1, {child_len}) AS code, CAST(SUM(t.n) AS BIGINT) AS n"),
            tallies,
        );
        sql.push(" AND t.level = 'major' AND t.state NOT IN ('closed', 'rejected') AND t.n > 0");
        sql.push(" GROUP BY SUBSTR(t.jurisdiction_code, 1, ")
            .push(&child_len.to_string())
            .push(") ORDER BY n DESC");
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&self.read).await?;
        self.fill_majors_by_jurisdiction(&mut d, rows).await?;
        let mut sql = self.tallied(
            who,
            "SELECT t.industry_section, CAST(SUM(t.n) AS BIGINT) AS n",
            "hazard_tallies",
        );
        // A tally row a downgrade or closure brought to zero counts for nothing, as above.
        sql.push(" AND t.level = 'major' AND t.state NOT IN ('closed', 'rejected') AND t.n > 0 GROUP BY t.industry_section ORDER BY n DESC");
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&self.read).await?;
        self.fill_majors_by_industry(&mut d, rows).await?;
        let months = last_twelve_months(today);
        let mut sql = self.tallied(who, "SELECT t.month, CAST(SUM(t.found) AS BIGINT) AS found, CAST(SUM(t.closed) AS BIGINT) AS closed", monthly);
        sql.push(" AND t.month >= ")
            .bind(months[0].clone())
            .push(" GROUP BY t.month");
        let rows: Vec<(String, i64, i64)> = sql.query_as().fetch_all(&self.read).await?;
        let by_month: HashMap<String, (i64, i64)> =
            rows.into_iter().map(|(m, f, c)| (m, (f, c))).collect();
        d.trend = months
            .into_iter()
            .map(|month| {
                let (found, closed) = by_month.get(&month).copied().unwrap_or((0, 0));
                MonthPoint {
                    month,
                    found,
                    closed,
                }
            })
            .collect();
        Ok(d)
    }

    /// Open hazards past their deadline. The condition is the open-deadline index's (migration
    /// 0017). An office's scope is a range of places, as that index is keyed, and it holds
    /// every column such a count reads; on SQLite the count names it, because the planner
    /// otherwise prefers an index it has statistics for (after ANALYZE, a new index has none)
    /// and reads the rows of every hazard of the scope.
    pub(crate) async fn overdue_count(&self, who: &Principal, today: &str) -> Result<i64> {
        let office = matches!(who.scope, Scope::Everything | Scope::Government { .. });
        let mut sql = if office && self.kind() == DbKind::Sqlite {
            let mut sql =
                Sql::new("SELECT COUNT(*) FROM hazards h INDEXED BY hazards_open_deadline WHERE ");
            push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
            sql
        } else {
            self.scoped(who, "SELECT COUNT(*)")
        };
        sql.push(" AND ")
            .push(OPEN)
            .push(" AND h.deadline < ")
            .bind(today);
        Ok(sql.query_scalar_i64().fetch_one(&self.read).await?)
    }

    fn fill_counts(&self, d: &mut Dashboard, rows: Vec<(String, String, i64)>) {
        let mut by_state: HashMap<String, i64> = HashMap::new();
        for (state, level, n) in rows {
            d.total += n;
            *by_state.entry(state.clone()).or_default() += n;
            let open = !matches!(state.as_str(), "closed" | "rejected");
            match state.as_str() {
                "closed" => d.closed += n,
                "rejected" => d.rejected += n,
                _ => d.open += n,
            }
            if level == "major" {
                d.major_total += n;
                if open {
                    d.major_open += n;
                }
            }
        }
        let decided = d.total - d.rejected;
        d.closure_rate = if decided > 0 {
            d.closed as f64 / decided as f64
        } else {
            0.0
        };
        for state in hazardnet_domain::hazard::HazardState::ALL {
            d.by_state.push(DashboardCount {
                key: state.as_str().to_string(),
                name: String::new(),
                count: by_state.get(state.as_str()).copied().unwrap_or(0),
            });
        }
    }

    async fn fill_majors_by_jurisdiction(
        &self,
        d: &mut Dashboard,
        rows: Vec<(String, i64)>,
    ) -> Result<()> {
        for (prefix, count) in rows {
            let code = format!("{prefix:0<12}");
            let name = self
                .jurisdiction(&code)
                .await
                .map(|j| j.name)
                .unwrap_or_else(|_| code.clone());
            d.majors_by_jurisdiction.push(DashboardCount {
                key: code,
                name,
                count,
            });
        }
        Ok(())
    }

    async fn fill_majors_by_industry(
        &self,
        d: &mut Dashboard,
        rows: Vec<(String, i64)>,
    ) -> Result<()> {
        for (section, count) in rows {
            let name = self
                .industry(&section)
                .await
                .map(|i| i.name)
                .unwrap_or_default();
            d.majors_by_industry.push(DashboardCount {
                key: section,
                name,
                count,
            });
        }
        Ok(())
    }

    /// The dashboard counted live from the ledger (enterprise and expert scopes, and tests
    /// that check the tallies against it).
    pub async fn dashboard_live(&self, who: &Principal) -> Result<Dashboard> {
        let today = self.today();
        let mut d = Dashboard::default();
        let mut sql = self.scoped(who, "SELECT h.state, h.level, COUNT(*) AS n");
        sql.push(" GROUP BY h.state, h.level");
        let rows: Vec<(String, String, i64)> = sql.query_as().fetch_all(&self.read).await?;
        self.fill_counts(&mut d, rows);
        d.overdue = self.overdue_count(who, &today.to_string()).await?;
        let mut sql = self.scoped(who, "SELECT COUNT(*)");
        sql.push(" AND ")
            .push(OPEN)
            .push(" AND h.listing_org_id IS NOT NULL");
        d.supervised_open = sql.query_scalar_i64().fetch_one(&self.read).await?;
        let child_len = child_prefix_len(&who.scope);
        let mut sql = self.scoped(
            who,
            &format!("SELECT SUBSTR(h.jurisdiction_code, 1, {child_len}) AS code, COUNT(*) AS n"),
        );
        sql.push(" AND h.level = 'major' AND ")
            .push(OPEN)
            .push(" GROUP BY SUBSTR(h.jurisdiction_code, 1, ");
        sql.push(&child_len.to_string()).push(") ORDER BY n DESC");
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&self.read).await?;
        self.fill_majors_by_jurisdiction(&mut d, rows).await?;
        let mut sql = self.scoped(who, "SELECT h.industry_section, COUNT(*) AS n");
        sql.push(" AND h.level = 'major' AND ")
            .push(OPEN)
            .push(" GROUP BY h.industry_section ORDER BY n DESC");
        let rows: Vec<(String, i64)> = sql.query_as().fetch_all(&self.read).await?;
        self.fill_majors_by_industry(&mut d, rows).await?;
        let months = last_twelve_months(today);
        let first = format!("{}-01", months[0]);
        let mut sql = self.scoped(
            who,
            "SELECT SUBSTR(h.found_at, 1, 7) AS month, COUNT(*) AS n",
        );
        sql.push(" AND h.found_at >= ")
            .bind(first.clone())
            .push(" GROUP BY SUBSTR(h.found_at, 1, 7)");
        let found: HashMap<String, i64> = sql
            .query_as::<(String, i64)>()
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .collect();
        let mut sql = self.scoped(
            who,
            "SELECT SUBSTR(h.closed_at, 1, 7) AS month, COUNT(*) AS n",
        );
        sql.push(" AND h.state = 'closed' AND h.closed_at >= ")
            .bind(first)
            .push(" GROUP BY SUBSTR(h.closed_at, 1, 7)");
        let closed: HashMap<String, i64> = sql
            .query_as::<(String, i64)>()
            .fetch_all(&self.read)
            .await?
            .into_iter()
            .collect();
        d.trend = months
            .into_iter()
            .map(|month| MonthPoint {
                found: found.get(&month).copied().unwrap_or(0),
                closed: closed.get(&month).copied().unwrap_or(0),
                month,
            })
            .collect();
        Ok(d)
    }
}
