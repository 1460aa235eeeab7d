//! Maintained dashboard counts. Triggers on `hazards` (migration 0011) adjust them in the
//! statement that changes a hazard, so they are exactly as current as the ledger; a test
//! compares them with a live count. The `hazard_place_*` twins sum over industries, for the
//! scopes no industry restricts.

use crate::{Result, Store};

/// The GB/T 4754 section letter of an industry code, kept on each hazard for the tallies.
pub(crate) fn industry_section(industry_code: &str) -> String {
    hazardnet_domain::IndustryCode::parse(industry_code)
        .map(|c| c.section().to_string())
        .unwrap_or_default()
}

impl Store {
    /// Rebuilds the tallies from the ledger (after bulk loads).
    pub async fn rebuild_tallies(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        if self.kind() == crate::DbKind::Sqlite {
            // Counted below from the rows themselves: queued changes of this group would count twice.
            sqlx::query("DELETE FROM hazard_tally_pending")
                .execute(&mut *tx)
                .await?;
        }
        for statement in [
            "DELETE FROM hazard_tallies",
            "DELETE FROM hazard_monthly",
            "INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n) \
             SELECT jurisdiction_code, industry_code, industry_section, level, state, \
             CASE WHEN listing_org_id IS NULL THEN 0 ELSE 1 END, COUNT(*) FROM hazards \
             GROUP BY jurisdiction_code, industry_code, industry_section, level, state, \
             CASE WHEN listing_org_id IS NULL THEN 0 ELSE 1 END",
            "INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed) \
             SELECT jurisdiction_code, industry_code, industry_section, SUBSTR(found_at, 1, 7), COUNT(*), 0 \
             FROM hazards GROUP BY jurisdiction_code, industry_code, industry_section, SUBSTR(found_at, 1, 7)",
            "INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed) \
             SELECT jurisdiction_code, industry_code, industry_section, SUBSTR(closed_at, 1, 7), 0, COUNT(*) \
             FROM hazards WHERE state = 'closed' AND closed_at IS NOT NULL \
             GROUP BY jurisdiction_code, industry_code, industry_section, SUBSTR(closed_at, 1, 7) \
             ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET closed = excluded.closed",
            "DELETE FROM hazard_place_tallies",
            "DELETE FROM hazard_place_monthly",
            "INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n) \
             SELECT jurisdiction_code, level, state, listed, CAST(SUM(n) AS BIGINT) FROM hazard_tallies \
             GROUP BY jurisdiction_code, level, state, listed",
            "INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed) \
             SELECT month, jurisdiction_code, CAST(SUM(found) AS BIGINT), CAST(SUM(closed) AS BIGINT) \
             FROM hazard_monthly GROUP BY month, jurisdiction_code",
        ] {
            sqlx::query(statement).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
