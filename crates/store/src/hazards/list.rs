//! The ledger list (台账): scoped, filtered, searched, sorted and paged in SQL.

use super::{HAZARD_SCOPE, Hazard, HazardRow, SELECT};
use crate::accounts::Principal;
use crate::sql::{ENTERPRISE_SCOPE, Sql, push_scope, push_scope_of_row};
use crate::{DbKind, Result, Store};
use hazardnet_domain::hazard::{HazardStep, name_query, number_query, query_tokens};
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
    /// Search: hazards whose title, description or place hold every word (Chinese words of
    /// any length), of the enterprises whose name contains the text (at most 200 enterprises
    /// in scope; a text in more names than that searches the words only), and the hazard a
    /// whole pasted number names. A search's total counts at most 1,000 matches.
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

/// The column the ledger is sorted by and the direction (" ASC" or " DESC"): dates of finding
/// and of change newest first unless asked otherwise, deadlines and numbers ascending.
fn sort_order(filter: &HazardFilter) -> (&'static str, &'static str) {
    let sort = filter.sort.unwrap_or_default();
    let column = match sort {
        HazardSort::FoundAt => "h.found_at",
        HazardSort::Deadline => "h.deadline",
        HazardSort::Number => "h.number",
        HazardSort::UpdatedAt => "h.updated_at",
    };
    let default_desc = matches!(sort, HazardSort::FoundAt | HazardSort::UpdatedAt);
    let direction = if filter.desc.unwrap_or(default_desc) {
        " DESC"
    } else {
        " ASC"
    };
    (column, direction)
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

/// At most this many enterprises' names match a search; a text found in more names (公司,
/// 酒店) names no enterprise in particular, and the search looks for its words only. Kept
/// small so that the hazards of the named enterprises are a few index ranges, never a scan.
pub const NAME_MATCH_CAP: i64 = 200;

/// What a search finds besides its words, resolved before the ledger query: the enterprises in
/// the caller's scope whose names contain the text, and the hazard number it is.
///
/// Why not the enterprise's name among each hazard's indexed tokens: a renamed enterprise
/// would have to re-index every hazard it has, and a word would then match across name and
/// text (佰迪 in the name, 消防 in the text). Resolving the name to a few ids in the
/// enterprises table (a scan of their names, not of the hazards) and the number to one lookup
/// on its unique index keeps each part on an index of its own; the ledger ORs them with the
/// full-text match as a union of three indexed queries (see `push_candidates`).
#[derive(Debug, Default, Clone)]
pub(super) struct QueryMatches {
    enterprises: Vec<i64>,
    number: Option<String>,
}

impl QueryMatches {
    fn is_empty(&self) -> bool {
        self.enterprises.is_empty() && self.number.is_none()
    }
}

/// A LIKE pattern finding `text` anywhere, its wildcards escaped (with `ESCAPE '\'`).
fn contains_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for c in text.chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

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

    fn search_driven(&self, filter: &HazardFilter, matches: &QueryMatches) -> Option<String> {
        if self.kind() == DbKind::Sqlite && matches.is_empty() {
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
        let matches = self.query_matches(who, filter).await?;
        let search = self.search_driven(filter, &matches);
        // A search counts its matches up to SEARCH_COUNT_CAP (shown as "1000+"); counting
        // every match of a common word in a province would cost more than the page itself.
        let mut count = match &search {
            None if !matches.is_empty() => {
                let mut sql = Sql::new("SELECT COUNT(*) FROM (");
                self.push_candidates(&mut sql, who, filter, &matches, Some(SEARCH_COUNT_CAP));
                sql.push(" LIMIT ")
                    .bind(SEARCH_COUNT_CAP)
                    .push(") AS matches");
                sql
            }
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
        if matches.is_empty() {
            push_scope(&mut count, &who.scope, &HAZARD_SCOPE);
            self.push_hazard_filters(&mut count, who, filter, search.is_none());
        }
        if matches.is_empty() && fts_expression(filter.q.as_deref()).is_some() {
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
            let sql = self.hazard_page_sql(SELECT, who, filter, &matches, Some(page));
            let mut tx = self.read.begin().await?;
            sqlx::query("SET LOCAL enable_bitmapscan = off")
                .execute(&mut *tx)
                .await?;
            let rows: Vec<HazardRow> = sql.query_as().persistent(false).fetch_all(&mut *tx).await?;
            tx.commit().await?;
            let today = self.today();
            rows.into_iter().map(|r| r.into_hazard(today)).collect()
        } else {
            self.hazard_page_matching(who, filter, &matches, page)
                .await?
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
        let matches = self.query_matches(who, filter).await?;
        self.hazard_page_matching(who, filter, &matches, page).await
    }

    async fn hazard_page_matching(
        &self,
        who: &Principal,
        filter: &HazardFilter,
        matches: &QueryMatches,
        page: (i64, i64),
    ) -> Result<Vec<Hazard>> {
        let sql = self.hazard_page_sql(SELECT, who, filter, matches, Some(page));
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
        matches: &QueryMatches,
        page: Option<(i64, i64)>,
    ) -> Sql {
        if !matches.is_empty() {
            return self.matched_page_sql(select, who, filter, matches, page);
        }
        let search = self.search_driven(filter, matches);
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
        let (column, direction) = sort_order(filter);
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

    /// What the search text finds besides its words (see [`QueryMatches`]): the enterprises in
    /// the caller's scope whose names contain it — none when more than [`NAME_MATCH_CAP`] do —
    /// and the hazard number it is, if it is a whole one.
    pub(super) async fn query_matches(
        &self,
        who: &Principal,
        filter: &HazardFilter,
    ) -> Result<QueryMatches> {
        let Some(q) = filter.q.as_deref() else {
            return Ok(QueryMatches::default());
        };
        let number = number_query(q);
        let mut enterprises = Vec::new();
        // A number is never part of a name: its lookup is the whole search.
        if let Some(name) = name_query(q).filter(|_| number.is_none()) {
            // The names are read from their own index (name and id only: a scan of a sixth
            // of the table's pages, about 4 ms for 50,000 enterprises on SQLite), then the
            // few that match are checked against the scope. LIKE is case-blind for ASCII on
            // SQLite, ILIKE is on PostgreSQL.
            let like = match self.kind() {
                DbKind::Sqlite => " LIKE ",
                DbKind::Postgres => " ILIKE ",
            };
            let mut sql = Sql::new(
                "SELECT e.id FROM enterprises e WHERE e.id IN (SELECT n.id FROM enterprises n WHERE n.name",
            );
            sql.push(like)
                .bind(contains_pattern(&name))
                .push(" ESCAPE '\\') AND ");
            push_scope(&mut sql, &who.scope, &ENTERPRISE_SCOPE);
            sql.push(" ORDER BY e.id LIMIT ").bind(NAME_MATCH_CAP + 1);
            let ids: Vec<(i64,)> = sql.query_as().fetch_all(&self.read).await?;
            if ids.len() as i64 <= NAME_MATCH_CAP {
                enterprises = ids.into_iter().map(|(id,)| id).collect();
            }
        }
        Ok(QueryMatches {
            enterprises,
            number,
        })
    }

    /// The ids a search selects in the caller's scope with the other filters, as one union of
    /// up to three queries each on its own index: the full-text match, the hazards of the
    /// named enterprises (by `hazards_enterprise_found`), the numbered hazard (by the unique
    /// number). With `limit`, each part keeps only its newest `limit` ids, so the newest
    /// `limit` of the union are among them and no part reads further than its page.
    fn push_candidates(
        &self,
        sql: &mut Sql,
        who: &Principal,
        filter: &HazardFilter,
        matches: &QueryMatches,
        limit: Option<i64>,
    ) {
        let sqlite = self.kind() == DbKind::Sqlite;
        let mut parts = 0;
        let mut next_part = |sql: &mut Sql| {
            if parts > 0 {
                sql.push(" UNION ");
            }
            parts += 1;
        };
        let tokens = filter.q.as_deref().map(query_tokens).unwrap_or_default();
        if !tokens.is_empty() {
            next_part(sql);
            sql.push("SELECT id FROM (");
            if let (true, Some(expr)) = (sqlite, fts_expression(filter.q.as_deref())) {
                sql.push("SELECT hazard_search.rowid AS id ")
                    .push(FROM_SEARCH)
                    .push(" WHERE hazard_search MATCH ")
                    .bind(expr)
                    .push(" AND ");
                push_scope(sql, &who.scope, &HAZARD_SCOPE);
                self.push_hazard_filters(sql, who, filter, false);
                if let Some(n) = limit {
                    sql.push(" ORDER BY hazard_search.rowid DESC LIMIT ")
                        .bind(n);
                }
            } else {
                sql.push("SELECT h.id FROM hazards h WHERE h.search_vector @@ plainto_tsquery('simple', ")
                    .bind(tokens.join(" "))
                    .push(") AND ");
                push_scope(sql, &who.scope, &HAZARD_SCOPE);
                self.push_hazard_filters(sql, who, filter, false);
                if let Some(n) = limit {
                    sql.push(" ORDER BY h.id DESC LIMIT ").bind(n);
                }
            }
            sql.push(") AS words");
        }
        if !matches.enterprises.is_empty() {
            next_part(sql);
            sql.push("SELECT id FROM (SELECT h.id FROM hazards h WHERE h.enterprise_id IN (");
            for (i, id) in matches.enterprises.iter().enumerate() {
                if i > 0 {
                    sql.push(", ");
                }
                sql.bind(*id);
            }
            sql.push(") AND ");
            // Found by the enterprise index: the scope is checked on those rows only, and on
            // SQLite the sort (a unary plus) never tempts the planner to walk every id instead.
            push_scope_of_row(sql, self.kind(), &who.scope, &HAZARD_SCOPE);
            self.push_hazard_filters(sql, who, filter, false);
            if let Some(n) = limit {
                sql.push(if sqlite {
                    " ORDER BY +h.id DESC LIMIT "
                } else {
                    " ORDER BY h.id DESC LIMIT "
                })
                .bind(n);
            }
            sql.push(") AS named");
        }
        if let Some(number) = &matches.number {
            next_part(sql);
            sql.push("SELECT h.id FROM hazards h WHERE h.number = ")
                .bind(number.clone())
                .push(" AND ");
            push_scope_of_row(sql, self.kind(), &who.scope, &HAZARD_SCOPE);
            self.push_hazard_filters(sql, who, filter, false);
        }
    }

    /// The ledger query of a search that also matches enterprise names or a number: the rows of
    /// its candidate ids, newest first, or sorted as asked (the candidates are collected first,
    /// then sorted: on SQLite the sort column carries a unary plus, so the planner never walks
    /// a whole date index checking each row against them).
    fn matched_page_sql(
        &self,
        select: &str,
        who: &Principal,
        filter: &HazardFilter,
        matches: &QueryMatches,
        page: Option<(i64, i64)>,
    ) -> Sql {
        let newest_first = filter.sort.is_none();
        let limit = match page {
            Some((number, per_page)) if newest_first => {
                Some(crate::sql::page_offset(number, per_page).saturating_add(per_page))
            }
            _ => None,
        };
        let mut sql = Sql::new(select);
        sql.push(" WHERE h.id IN (");
        self.push_candidates(&mut sql, who, filter, matches, limit);
        sql.push(") ORDER BY ");
        if newest_first {
            sql.push("h.id DESC");
        } else {
            let (column, direction) = sort_order(filter);
            let plus = if self.kind() == DbKind::Sqlite {
                "+"
            } else {
                ""
            };
            sql.push(&format!("{plus}{column}{direction}, h.id{direction}"));
        }
        if let Some((number, per_page)) = page {
            sql.push(" LIMIT ")
                .bind(per_page)
                .push(" OFFSET ")
                .bind(crate::sql::page_offset(number, per_page));
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

    /// A text found in more enterprise names than the cap names no enterprise in particular:
    /// it searches the words only. A text in fewer names finds those enterprises' hazards.
    #[tokio::test]
    async fn a_name_in_too_many_enterprises_searches_the_words_only() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("names.db").display());
        let store = Store::connect(&url).await.unwrap();
        store.migrate().await.unwrap();
        crate::demo::load_demo_registry(&store).await.unwrap();
        let clerk = store.principal_for_username("street-office").await.unwrap();
        let mut ids = Vec::new();
        for i in 0..=super::NAME_MATCH_CAP as usize {
            let input = hazardnet_domain::enterprise::EnterpriseInput {
                name: format!("连锁便利店{i:03}号"),
                credit_code: crate::demo::demo_credit_code(100 + i).unwrap().to_string(),
                jurisdiction_code: crate::demo::STREET.into(),
                industry_code: "52".into(),
                ..Default::default()
            };
            ids.push(store.create_enterprise(&clerk, &input).await.unwrap());
        }
        let input = HazardInput {
            enterprise_id: ids[7],
            title: "货架倾斜".into(),
            description: String::new(),
            place: "卖场".into(),
            level: "general".into(),
            category: "21".into(),
            basis: String::new(),
            source: "self_inspection".into(),
            found_at: store.today().to_string(),
            found_by: "测试".into(),
        };
        store.create_hazard(&clerk, &input).await.unwrap();
        // 201 names hold 连锁便利店: over the cap, so only hazard text is searched.
        assert_eq!(found(&store, &clerk, "连锁便利店").await, 0);
        // 连锁便利店00 is in ten names: the hazard of 连锁便利店007号 is found.
        assert_eq!(found(&store, &clerk, "连锁便利店00").await, 1);
        assert_eq!(found(&store, &clerk, "货架").await, 1);
        store.close().await;
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
