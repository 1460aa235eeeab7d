//! The ledger export: every hazard a filter selects, streamed in ledger order with only the
//! columns the ledger sheet shows.

use super::{overdue, stored_json};
use crate::accounts::Principal;
use crate::{HazardFilter, Result, Store, StoreError};
use hazardnet_domain::hazard::{Listing, RectificationPlan};
use sqlx::FromRow;

/// The ledger sheet's columns. A page's `SELECT` reads 28 columns and a third join (the
/// leader's name); a province export reads a hundred thousand rows, and every column it
/// does not show is copied three times between SQLite and the sheet for nothing.
const SELECT_LEDGER: &str = "SELECT h.number, e.name AS enterprise_name, \
    COALESCE(j.name, '') AS jurisdiction_name, h.title, h.place, h.description, h.level, \
    h.category, h.basis, h.source, h.found_at, h.found_by, h.state, h.deadline, h.plan_json, \
    h.listing_json, h.closed_at \
    FROM hazards h JOIN enterprises e ON e.id = h.enterprise_id \
    LEFT JOIN jurisdictions j ON j.code = h.jurisdiction_code";

#[derive(FromRow, serde::Deserialize)]
struct LedgerColumns {
    number: String,
    enterprise_name: String,
    jurisdiction_name: String,
    title: String,
    place: String,
    description: String,
    level: String,
    category: String,
    basis: String,
    source: String,
    found_at: String,
    found_by: String,
    state: String,
    deadline: Option<String>,
    plan_json: Option<String>,
    listing_json: Option<String>,
    closed_at: Option<String>,
}

/// One hazard as a row of the exported ledger (台账).
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub number: String,
    pub enterprise_name: String,
    pub jurisdiction_name: String,
    pub title: String,
    pub place: String,
    pub description: String,
    pub level: String,
    pub category: String,
    pub basis: String,
    pub source: String,
    pub found_at: String,
    pub found_by: String,
    pub state: String,
    pub deadline: Option<String>,
    /// Derived: the deadline has passed and the hazard is still open.
    pub overdue: bool,
    pub plan: Option<RectificationPlan>,
    pub listing: Option<Listing>,
    pub closed_at: Option<String>,
}

impl LedgerColumns {
    fn into_row(self, today: chrono::NaiveDate) -> LedgerRow {
        LedgerRow {
            overdue: overdue(&self.state, self.deadline.as_deref(), today),
            plan: stored_json(self.plan_json.as_deref()),
            listing: stored_json(self.listing_json.as_deref()),
            number: self.number,
            enterprise_name: self.enterprise_name,
            jurisdiction_name: self.jurisdiction_name,
            title: self.title,
            place: self.place,
            description: self.description,
            level: self.level,
            category: self.category,
            basis: self.basis,
            source: self.source,
            found_at: self.found_at,
            found_by: self.found_by,
            state: self.state,
            deadline: self.deadline,
            closed_at: self.closed_at,
        }
    }
}

impl Store {
    /// Every hazard the filter selects, in ledger order, handed to `each` a chunk at a time
    /// from one streaming query: an export of a whole province never holds more than one
    /// chunk of rows and never re-reads what it has passed. Returns how many rows it read.
    pub async fn for_each_ledger_chunk<F>(
        &self,
        who: &Principal,
        filter: &HazardFilter,
        chunk: usize,
        mut each: F,
    ) -> Result<usize>
    where
        F: FnMut(Vec<LedgerRow>) -> Result<()>,
    {
        use futures_util::TryStreamExt;
        let matches = self.query_matches(who, filter).await?;
        let sql = self.hazard_page_sql(SELECT_LEDGER, who, filter, &matches, None);
        let today = self.today();
        if let Some(reads) = self.direct_reads.clone() {
            // On SQLite, a direct reader on a blocking thread steps the query and sends whole
            // chunks: through sqlx, every row was a hand-over between its connection thread and
            // this task, and each column a conversion through its Any driver.
            let (sender, mut chunks) = tokio::sync::mpsc::channel::<Vec<LedgerRow>>(2);
            let (text, args) = (sql.text().to_string(), sql.args().to_vec());
            let reader = tokio::task::spawn_blocking(move || {
                reads.for_each_chunk(
                    &text,
                    &args,
                    chunk,
                    |columns: LedgerColumns| columns.into_row(today),
                    |rows| sender.blocking_send(rows).is_ok(),
                )
            });
            while let Some(rows) = chunks.recv().await {
                each(rows)?;
            }
            return reader
                .await
                .map_err(|e| StoreError::Internal(format!("the export's reader: {e}")))?;
        }
        let mut stream = sql.query_as::<LedgerColumns>().fetch(&self.read);
        let mut buffer = Vec::with_capacity(chunk);
        let mut total = 0;
        while let Some(row) = stream.try_next().await? {
            buffer.push(row.into_row(today));
            if buffer.len() == chunk {
                total += buffer.len();
                each(std::mem::replace(&mut buffer, Vec::with_capacity(chunk)))?;
            }
        }
        total += buffer.len();
        each(buffer)?;
        Ok(total)
    }
}
