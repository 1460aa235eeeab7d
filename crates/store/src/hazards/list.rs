//! The ledger list (台账): scoped, filtered, searched, sorted and paged in SQL.

use super::{HAZARD_SCOPE, Hazard, HazardRow, SELECT};
use crate::accounts::Principal;
use crate::sql::{Sql, push_scope};
use crate::{DbKind, Result, Store};
use hazardnet_domain::hazard::{HazardStep, query_tokens};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HazardSort {
    #[default]
    FoundAt,
    Deadline,
    Number,
    UpdatedAt,
}

/// The ledger's filters; all optional. Dates are YYYY-MM-DD.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
#[into_params(parameter_in = Query)]
pub struct HazardFilter {
    /// Full-text search over title, description and place (Chinese words of any length).
    /// A search's total counts at most 1,000 matches.
    pub q: Option<String>,
    pub jurisdiction: Option<String>,
    pub industry: Option<String>,
    pub enterprise_id: Option<i64>,
    pub level: Option<String>,
    /// One state or several separated by commas.
    pub state: Option<String>,
    pub overdue: Option<bool>,
    pub source: Option<String>,
    /// Listed for supervision (挂牌督办).
    pub supervised: Option<bool>,
    /// Assigned to this leader (包挂).
    pub leader_user_id: Option<i64>,
    /// Waiting for this step, and the caller may take it now (the lifecycle's rules, including
    /// four eyes on acceptance): the caller's to-do list.
    pub awaiting: Option<HazardStep>,
    /// Open, with a deadline at most this many days from today (overdue ones included).
    pub due_within: Option<u16>,
    /// Listed for supervision by this office.
    pub listing_org_id: Option<i64>,
    /// With (true) or without (false) a request to move the deadline waiting for a decision.
    pub pending_extension: Option<bool>,
    pub found_from: Option<String>,
    pub found_to: Option<String>,
    pub sort: Option<HazardSort>,
    pub desc: Option<bool>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

pub const MAX_PER_PAGE: i64 = 500;

impl HazardFilter {
    pub fn page(&self) -> i64 {
        self.page.unwrap_or(1).max(1)
    }
    pub fn per_page(&self) -> i64 {
        self.per_page.unwrap_or(20).clamp(1, MAX_PER_PAGE)
    }
}

fn push_list(sql: &mut Sql, column: &str, values: &str) {
    sql.push(" AND ").push(column).push(" IN (");
    for (i, v) in values
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .enumerate()
    {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(v);
    }
    sql.push(")");
}

/// The FTS5 expression for a query (every token quoted, all required), or None when the
/// query has no searchable token.
fn fts_expression(q: Option<&str>) -> Option<String> {
    let tokens = query_tokens(q?);
    (!tokens.is_empty()).then(|| {
        tokens
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
            .collect::<Vec<_>>()
            .join(" ")
    })
}

/// On SQLite a search is driven from the full-text index, newest record first, so a page
/// stops after its rows instead of collecting every match (see docs/performance.md).
/// Searches count at most this many matches.
pub const SEARCH_COUNT_CAP: i64 = 1_000;

const FROM_SEARCH: &str = "FROM hazard_search JOIN hazards h ON h.id = hazard_search.rowid";

impl Store {
    /// The ledger's total from the maintained tallies, when the caller is an office and the
    /// filters are ones the tallies hold (place, industry, level, state, listing): a sum over
    /// a few thousand rows instead of counting a province's hazards.
    fn tally_count_sql(&self, who: &Principal, f: &HazardFilter) -> Option<Sql> {
        let office = matches!(
            who.scope,
            hazardnet_domain::Scope::Everything | hazardnet_domain::Scope::Government { .. }
        );
        let blank = |v: &Option<String>| v.as_deref().is_none_or(|s| s.trim().is_empty());
        let tallied = office
            && blank(&f.q)
            && blank(&f.source)
            && blank(&f.found_from)
            && blank(&f.found_to)
            && f.overdue.is_none()
            && f.enterprise_id.is_none()
            && f.leader_user_id.is_none()
            && f.awaiting.is_none()
            && f.due_within.is_none()
            && f.listing_org_id.is_none()
            && f.pending_extension.is_none();
        if !tallied {
            return None;
        }
        // Without an industry in the scope or the filter, the tallies summed over industries
        // hold the same count in a twentieth of the rows (3.7 ms -> well under 1 for a province).
        let by_place = matches!(
            who.scope,
            hazardnet_domain::Scope::Everything
                | hazardnet_domain::Scope::Government {
                    industries: None,
                    ..
                }
        ) && blank(&f.industry);
        let mut sql = Sql::new(if by_place {
            "SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) FROM hazard_place_tallies t WHERE "
        } else {
            "SELECT CAST(COALESCE(SUM(t.n), 0) AS BIGINT) FROM hazard_tallies t WHERE "
        });
        push_scope(&mut sql, &who.scope, &super::dashboard::TALLY_SCOPE);
        crate::sql::push_place_filters(
            &mut sql,
            "t",
            f.jurisdiction.as_deref(),
            f.industry.as_deref(),
        );
        sql.push_filled(" AND t.level = ", f.level.as_deref());
        if let Some(states) = f.state.as_deref().filter(|s| !s.is_empty()) {
            push_list(&mut sql, "t.state", states);
        }
        match f.supervised {
            Some(true) => {
                sql.push(" AND t.listed = 1");
            }
            Some(false) => {
                sql.push(" AND t.listed = 0");
            }
            None => {}
        }
        Some(sql)
    }

    fn search_driven(&self, filter: &HazardFilter) -> Option<String> {
        if self.kind() == DbKind::Sqlite {
            fts_expression(filter.q.as_deref())
        } else {
            None
        }
    }

    fn push_hazard_filters(
        &self,
        sql: &mut Sql,
        who: &Principal,
        f: &HazardFilter,
        include_q: bool,
    ) {
        let today = self.today().to_string();
        if let Some(q) = f.q.as_deref().filter(|_| include_q) {
            let tokens = query_tokens(q);
            if !tokens.is_empty() {
                match self.kind() {
                    DbKind::Sqlite => {
                        let expr = tokens
                            .iter()
                            .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
                            .collect::<Vec<_>>()
                            .join(" ");
                        sql.push(" AND h.id IN (SELECT rowid FROM hazard_search WHERE hazard_search MATCH ");
                        sql.bind(expr).push(")");
                    }
                    DbKind::Postgres => {
                        sql.push(" AND h.search_vector @@ plainto_tsquery('simple', ");
                        sql.bind(tokens.join(" ")).push(")");
                    }
                }
            }
        }
        crate::sql::push_place_filters(sql, "h", f.jurisdiction.as_deref(), f.industry.as_deref());
        if let Some(id) = f.enterprise_id {
            sql.push(" AND h.enterprise_id = ").bind(id);
        }
        if let Some(id) = f.leader_user_id {
            sql.push(" AND h.leader_user_id = ").bind(id);
        }
        if let Some(step) = f.awaiting {
            self.push_step_condition(sql, who, step, None);
        }
        if let Some(days) = f.due_within {
            let last = self.today() + chrono::Duration::days(i64::from(days));
            sql.push(" AND h.state NOT IN ('closed', 'rejected') AND h.deadline <= ")
                .bind(last.to_string());
        }
        if let Some(org) = f.listing_org_id {
            sql.push(" AND h.listing_org_id = ").bind(org);
        }
        match f.pending_extension {
            Some(true) => {
                sql.push(" AND h.pending_extension_json IS NOT NULL");
            }
            Some(false) => {
                sql.push(" AND h.pending_extension_json IS NULL");
            }
            None => {}
        }
        sql.push_filled(" AND h.level = ", f.level.as_deref());
        if let Some(states) = f.state.as_deref().filter(|s| !s.is_empty()) {
            push_list(sql, "h.state", states);
        }
        sql.push_filled(" AND h.source = ", f.source.as_deref());
        match f.overdue {
            Some(true) => {
                sql.push(" AND h.state NOT IN ('closed', 'rejected') AND h.deadline < ")
                    .bind(today);
            }
            Some(false) => {
                sql.push(" AND NOT (h.state NOT IN ('closed', 'rejected') AND h.deadline IS NOT NULL AND h.deadline < ");
                sql.bind(today).push(")");
            }
            None => {}
        }
        match f.supervised {
            Some(true) => {
                sql.push(" AND h.listing_org_id IS NOT NULL");
            }
            Some(false) => {
                sql.push(" AND h.listing_org_id IS NULL");
            }
            None => {}
        }
        sql.push_filled(" AND h.found_at >= ", f.found_from.as_deref())
            .push_filled(" AND h.found_at <= ", f.found_to.as_deref());
    }

    pub async fn hazards(
        &self,
        who: &Principal,
        filter: &HazardFilter,
    ) -> Result<(Vec<Hazard>, i64)> {
        if let Some(count) = self.tally_count_sql(who, filter) {
            let total = count.query_scalar_i64().fetch_one(&self.read).await?;
            let items = self
                .hazard_page(who, filter, (filter.page(), filter.per_page()))
                .await?;
            return Ok((items, total));
        }
        let search = self.search_driven(filter);
        // A search counts its matches up to SEARCH_COUNT_CAP (shown as "1000+"); counting
        // every match of a common word in a province would cost more than the page itself.
        let mut count = match &search {
            Some(expr) => {
                let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 ");
                sql.push(FROM_SEARCH)
                    .push(" WHERE hazard_search MATCH ")
                    .bind(expr.clone())
                    .push(" AND ");
                sql
            }
            None if fts_expression(filter.q.as_deref()).is_some() => {
                Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM hazards h WHERE ")
            }
            None => Sql::new("SELECT COUNT(*) FROM hazards h WHERE "),
        };
        push_scope(&mut count, &who.scope, &HAZARD_SCOPE);
        self.push_hazard_filters(&mut count, who, filter, search.is_none());
        if fts_expression(filter.q.as_deref()).is_some() {
            count
                .push(" LIMIT ")
                .bind(SEARCH_COUNT_CAP)
                .push(") AS matches");
        }
        let total = count
            .query_scalar_i64()
            .persistent(!self.plans_by_value(filter))
            .fetch_one(&self.read)
            .await?;
        let page = (filter.page(), filter.per_page());
        // PostgreSQL, a common word (the capped count is full) in a broad scope, newest first:
        // walking the primary key backwards and testing each row's stored vector stops after
        // the page; the GIN bitmap the planner prefers (it underestimates multi-token matches)
        // fetches every match first. A narrow scope keeps the bitmap: its matches are few.
        let dense = self.kind() == DbKind::Postgres
            && filter.sort.is_none()
            && total >= SEARCH_COUNT_CAP
            && fts_expression(filter.q.as_deref()).is_some()
            && Self::broad_scope(who);
        let items = if dense {
            let sql = self.hazard_page_sql(SELECT, who, filter, Some(page));
            let mut tx = self.read.begin().await?;
            sqlx::query("SET LOCAL enable_bitmapscan = off")
                .execute(&mut *tx)
                .await?;
            let rows: Vec<HazardRow> = sql.query_as().persistent(false).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            let today = self.today();
            rows.into_iter().map(|r| r.into_hazard(today)).collect()
        } else {
            self.hazard_page(who, filter, page).await?
        };
        Ok((items, total))
    }

    /// PostgreSQL full-text queries are planned for their values each time, never from a
    /// cached generic plan: the right plan depends on how common the words are, and a cached
    /// plan also ignores the planner settings the dense path changes for its transaction.
    fn plans_by_value(&self, filter: &HazardFilter) -> bool {
        self.kind() == DbKind::Postgres && fts_expression(filter.q.as_deref()).is_some()
    }

    /// A province, a city or everything: scopes broad enough that walking an index in the
    /// page's order finds the page sooner than collecting the scope.
    fn broad_scope(who: &Principal) -> bool {
        match &who.scope {
            hazardnet_domain::Scope::Everything => true,
            hazardnet_domain::Scope::Government { jurisdiction, .. } => {
                jurisdiction.level().prefix_len() <= 4
            }
            _ => false,
        }
    }

    /// One page (number, rows per page) of the hazards the filter selects.
    pub async fn hazard_page(
        &self,
        who: &Principal,
        filter: &HazardFilter,
        page: (i64, i64),
    ) -> Result<Vec<Hazard>> {
        let sql = self.hazard_page_sql(SELECT, who, filter, Some(page));
        let rows: Vec<HazardRow> = sql
            .query_as()
            .persistent(!self.plans_by_value(filter))
            .fetch_all(&self.read)
            .await?;
        let today = self.today();
        Ok(rows.into_iter().map(|r| r.into_hazard(today)).collect())
    }

    /// The query for the hazards the filter selects, in ledger order: `select` names the
    /// columns (a page's full rows, or an export's ledger columns) and reads `FROM hazards h`.
    pub(super) fn hazard_page_sql(
        &self,
        select: &str,
        who: &Principal,
        filter: &HazardFilter,
        page: Option<(i64, i64)>,
    ) -> Sql {
        let search = self.search_driven(filter);
        let mut sql = match &search {
            Some(expr) => {
                let mut sql = Sql::new(&select.replacen("FROM hazards h", FROM_SEARCH, 1));
                sql.push(" WHERE hazard_search MATCH ")
                    .bind(expr.clone())
                    .push(" AND ");
                sql
            }
            // One page: choose its ids first from the indexes alone, then read and join only
            // those rows. Sorting or skipping (OFFSET) whole rows with their joins cost ten
            // times as much as the same work on ids (docs/performance.md).
            None if page.is_some() => {
                let mut sql = Sql::new(select);
                sql.push(" WHERE h.id IN (SELECT h.id FROM hazards h WHERE ");
                sql
            }
            None => {
                let mut sql = Sql::new(select);
                sql.push(" WHERE ");
                sql
            }
        };
        let late_rows = search.is_none() && page.is_some();
        // For a broad scope (a province or city), SQLite does better walking an index in the
        // sort order and checking the scope on the way than collecting the whole scope and
        // sorting it; the unary plus keeps it from choosing the scope index (see
        // docs/performance.md). Narrow scopes keep the scope index.
        let broad = Self::broad_scope(who);
        if broad && self.kind() == DbKind::Sqlite && search.is_none() {
            let unindexed = crate::sql::ScopeColumns {
                jurisdiction: "+h.jurisdiction_code",
                ..HAZARD_SCOPE
            };
            push_scope(&mut sql, &who.scope, &unindexed);
        } else {
            push_scope(&mut sql, &who.scope, &HAZARD_SCOPE);
        }
        self.push_hazard_filters(&mut sql, who, filter, search.is_none());
        let column = match filter.sort.unwrap_or_default() {
            HazardSort::FoundAt => "h.found_at",
            HazardSort::Deadline => "h.deadline",
            HazardSort::Number => "h.number",
            HazardSort::UpdatedAt => "h.updated_at",
        };
        // The other half of the same hint: a narrow scope (a county, a street, an enterprise)
        // is collected by its index and sorted, rather than found by walking the whole
        // province's date index.
        let hinted_column = if !broad && self.kind() == DbKind::Sqlite {
            match column {
                "h.found_at" => "+h.found_at",
                other => other,
            }
        } else {
            column
        };
        let default_desc = matches!(
            filter.sort.unwrap_or_default(),
            HazardSort::FoundAt | HazardSort::UpdatedAt
        );
        let direction = if filter.desc.unwrap_or(default_desc) {
            " DESC"
        } else {
            " ASC"
        };
        // The order, as the query that picks the rows writes it (with the hints) and as the
        // outer query of a late row read writes it.
        let (order, outer_order) = if search.is_some() && filter.sort.is_none() {
            ("hazard_search.rowid DESC".to_string(), String::new())
        } else if fts_expression(filter.q.as_deref()).is_some() && filter.sort.is_none() {
            // The same order on PostgreSQL: newest record first, which lets it walk the
            // primary key backwards for common words instead of sorting every match.
            ("h.id DESC".to_string(), "h.id DESC".to_string())
        } else {
            (
                format!("{hinted_column}{direction}, h.id{direction}"),
                format!("{column}{direction}, h.id{direction}"),
            )
        };
        sql.push(" ORDER BY ").push(&order);
        if let Some((page, per_page)) = page {
            sql.push(" LIMIT ")
                .bind(per_page)
                .push(" OFFSET ")
                .bind(crate::sql::page_offset(page, per_page));
        }
        if late_rows {
            // The page's rows in the page's order.
            sql.push(") ORDER BY ").push(&outer_order);
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use crate::{HazardFilter, Principal, Store};
    use hazardnet_domain::hazard::{HazardInput, search_tokens};

    async fn found(store: &Store, who: &Principal, q: &str) -> i64 {
        let filter = HazardFilter {
            q: Some(q.to_string()),
            ..Default::default()
        };
        store.hazards(who, &filter).await.unwrap().1
    }

    /// Changes a hazard's indexed text the way a future edit would: through the writer, with
    /// the trigger queueing the new text for the group's commit.
    async fn retext(tx: &mut crate::WriteTx, id: i64, text: &str) {
        sqlx::query("UPDATE hazards SET search_tokens = $1 WHERE id = $2")
            .bind(search_tokens(text))
            .bind(id)
            .execute(&mut **tx)
            .await
            .unwrap();
    }

    /// On SQLite the full-text index takes each group's hazards just before the group commits
    /// (migration 0015): new text, text changed by a later commit, and text changed in the
    /// same commit that recorded it are all found, and replaced text is not.
    #[tokio::test]
    async fn the_search_index_follows_every_commit() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("search.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        crate::demo::load_demo_registry(&store).await.unwrap();
        let manager = store.principal_for_username("enterprise").await.unwrap();
        let input = |title: &str| HazardInput {
            enterprise_id: manager.enterprise_id.unwrap(),
            title: title.into(),
            description: String::new(),
            place: "仓库".into(),
            level: "general".into(),
            category: "21".into(),
            basis: String::new(),
            source: "self_inspection".into(),
            found_at: store.today().to_string(),
            found_by: "测试".into(),
        };
        let first = store
            .create_hazard(&manager, &input("灭火器过期"))
            .await
            .unwrap();
        assert_eq!(found(&store, &manager, "灭火器").await, 1);

        let mut tx = store.begin_write().await.unwrap();
        retext(&mut tx, first.id, "消防通道堆物").await;
        tx.commit().await.unwrap();
        assert_eq!(found(&store, &manager, "灭火器").await, 0);
        assert_eq!(found(&store, &manager, "消防通道").await, 1);

        // Recorded and changed before the group commits: indexed once, with the later text.
        let enterprise = store
            .enterprise_place(&manager, manager.enterprise_id.unwrap())
            .await
            .unwrap();
        let fields = input("配电箱未上锁").validate(store.today()).unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let second = store
            .insert_hazard(&mut tx, &manager, &enterprise, &fields)
            .await
            .unwrap();
        retext(&mut tx, second.id, "应急照明损坏").await;
        tx.commit().await.unwrap();
        assert_eq!(found(&store, &manager, "配电箱").await, 0);
        assert_eq!(found(&store, &manager, "应急照明").await, 1);

        // A request that fails leaves nothing queued behind it.
        let mut tx = store.begin_write().await.unwrap();
        retext(&mut tx, first.id, "叉车带病作业").await;
        drop(tx);
        let later = store
            .create_hazard(&manager, &input("脚手架"))
            .await
            .unwrap();
        assert!(later.number.starts_with("YH"));
        assert_eq!(found(&store, &manager, "叉车").await, 0);
        assert_eq!(found(&store, &manager, "消防通道").await, 1);
        assert_eq!(found(&store, &manager, "脚手架").await, 1);

        // The index keeps no positions (migration 0018), so it could not answer a query token
        // that its tokenizer split in two: every token the domain makes stays whole, whatever
        // letters, marks or symbols it holds (a circled letter, a Devanagari vowel sign).
        for (title, query) in [
            ("阀门aⓐb型号", "aⓐb"),
            ("标识कि缺失", "कि"),
            ("ABC-12 阀门", "abc"),
        ] {
            store.create_hazard(&manager, &input(title)).await.unwrap();
            assert_eq!(found(&store, &manager, query).await, 1, "{query}");
        }
        assert_eq!(found(&store, &manager, "阀门").await, 2);
        store.close().await;
    }
}
