//! A small builder for dynamic SQL that numbers placeholders `$1, $2, …` in order of use,
//! which both engines read the same way, and the scope condition every scoped query carries.

use hazardnet_domain::Scope;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::query::QueryAs;
use sqlx::{Any, AssertSqlSafe, FromRow};

#[derive(Debug, Clone)]
pub enum Arg {
    Int(i64),
    Text(String),
    NullText,
    NullInt,
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(v)
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(v.to_string())
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        v.map(Arg::Int).unwrap_or(Arg::NullInt)
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        v.map(Arg::Text).unwrap_or(Arg::NullText)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// A list filter: appends `clause` and binds `value` when one is given and not blank.
    pub fn push_filled(&mut self, clause: &str, value: Option<&str>) -> &mut Self {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.push(clause).bind(value);
        }
        self
    }

    /// Appends the next placeholder and remembers its value.
    pub fn bind(&mut self, arg: impl Into<Arg>) -> &mut Self {
        self.args.push(arg.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    pub(crate) fn args(&self) -> &[Arg] {
        &self.args
    }

    pub fn query_as<'q, T>(&self) -> QueryAs<'q, Any, T, AnyArguments>
    where
        T: for<'r> FromRow<'r, AnyRow>,
    {
        let mut q = sqlx::query_as::<Any, T>(AssertSqlSafe(self.text.clone()));
        for arg in &self.args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::NullText => q.bind(None::<String>),
                Arg::NullInt => q.bind(None::<i64>),
            };
        }
        q
    }

    pub fn query_scalar_i64(&self) -> sqlx::query::QueryScalar<'_, Any, i64, AnyArguments> {
        let mut q = sqlx::query_scalar::<Any, i64>(AssertSqlSafe(self.text.clone()));
        for arg in &self.args {
            q = match arg {
                Arg::Int(v) => q.bind(*v),
                Arg::Text(v) => q.bind(v.clone()),
                Arg::NullText => q.bind(None::<String>),
                Arg::NullInt => q.bind(None::<i64>),
            };
        }
        q
    }
}

/// The OFFSET of page `page` (1-based; anything below 1 is the first) of `per_page` rows. A page
/// number from a request can be anything up to `i64::MAX`: the product saturates instead of
/// overflowing, and such a page is simply empty.
pub fn page_offset(page: i64, per_page: i64) -> i64 {
    (page.max(1) - 1).saturating_mul(per_page.max(0))
}

/// The columns of an enterprise-owned table that scope is decided on.
pub struct ScopeColumns<'a> {
    pub enterprise_id: &'a str,
    pub jurisdiction: &'a str,
    pub industry_code: &'a str,
    pub industry_section: &'a str,
}

/// The scope condition for a row already found by its primary key: on SQLite every scope
/// column carries a unary plus, so the planner does not weigh the scope's indexes. Weighing
/// them with the bound range (STAT4 statistics, after ANALYZE) marks the statement to be
/// planned again on every run — a sixth of the server's CPU in the write benchmark
/// (docs/performance.md). The check itself is the same.
pub fn push_scope_of_row(
    sql: &mut Sql,
    kind: crate::DbKind,
    scope: &Scope,
    cols: &ScopeColumns<'_>,
) {
    if kind == crate::DbKind::Postgres {
        push_scope(sql, scope, cols);
        return;
    }
    let [enterprise_id, jurisdiction, industry_code, industry_section] = [
        cols.enterprise_id,
        cols.jurisdiction,
        cols.industry_code,
        cols.industry_section,
    ]
    .map(|column| format!("+{column}"));
    let unindexed = ScopeColumns {
        enterprise_id: &enterprise_id,
        jurisdiction: &jurisdiction,
        industry_code: &industry_code,
        industry_section: &industry_section,
    };
    push_scope(sql, scope, &unindexed);
}

/// Appends `(condition)` restricting rows to `scope`. Mirrors [`Scope::admits`].
pub fn push_scope(sql: &mut Sql, scope: &Scope, cols: &ScopeColumns<'_>) {
    match scope {
        Scope::Everything => {
            sql.push("(1 = 1)");
        }
        Scope::Nothing => {
            sql.push("(1 = 0)");
        }
        Scope::Enterprise { enterprise_id } => {
            sql.push("(").push(cols.enterprise_id).push(" = ");
            sql.bind(*enterprise_id).push(")");
        }
        Scope::Assigned { user_id } => {
            sql.push("(")
                .push(cols.enterprise_id)
                .push(" IN (SELECT enterprise_id FROM expert_assignments WHERE ended_at IS NULL AND user_id = ",
                );
            sql.bind(*user_id).push("))");
        }
        Scope::Government {
            jurisdiction,
            industries,
        } => {
            let (low, high) = jurisdiction.subtree_bounds();
            sql.push("(").push(cols.jurisdiction).push(" BETWEEN ");
            sql.bind(low).push(" AND ").bind(high);
            if let Some(list) = industries {
                sql.push(" AND (1 = 0");
                for code in list {
                    if code.is_section() {
                        sql.push(" OR ").push(cols.industry_section).push(" = ");
                        sql.bind(code.as_str());
                    } else {
                        sql.push(" OR ").push(cols.industry_code).push(" LIKE ");
                        sql.bind(format!("{}%", code.as_str()));
                    }
                }
                sql.push(")");
            }
            sql.push(")");
        }
    }
}

pub const ENTERPRISE_SCOPE: ScopeColumns<'static> = ScopeColumns {
    enterprise_id: "e.id",
    jurisdiction: "e.jurisdiction_code",
    industry_code: "e.industry_code",
    industry_section: "e.industry_section",
};

/// The place and industry filters every list shares: a jurisdiction subtree and an industry
/// section or code prefix, on the columns of the table aliased `alias`. Codes that do not parse
/// select nothing extra (the list is simply not narrowed by them).
pub fn push_place_filters(
    sql: &mut Sql,
    alias: &str,
    jurisdiction: Option<&str>,
    industry: Option<&str>,
) {
    if let Some(code) = jurisdiction.and_then(|c| hazardnet_domain::JurisdictionCode::parse(c).ok())
    {
        let (low, high) = code.subtree_bounds();
        sql.push(&format!(" AND {alias}.jurisdiction_code BETWEEN "))
            .bind(low);
        sql.push(" AND ").bind(high);
    }
    if let Some(code) = industry.and_then(|c| hazardnet_domain::IndustryCode::parse(c).ok()) {
        if code.is_section() {
            sql.push(&format!(" AND {alias}.industry_section = "))
                .bind(code.as_str());
        } else {
            sql.push(&format!(" AND {alias}.industry_code LIKE "))
                .bind(format!("{}%", code.as_str()));
        }
    }
}
