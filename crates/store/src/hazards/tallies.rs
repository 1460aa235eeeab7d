//! Maintained dashboard counts. Every hazard write adjusts them in its own transaction, so
//! they are exactly as current as the ledger; a test compares them with a live count. The
//! `hazard_place_*` twins sum over industries, for the scopes no industry restricts.

use crate::WriteTx;
use crate::{Result, Store};

/// What a tally row is keyed by, from a hazard.
pub(crate) struct TallyKey<'a> {
    pub jurisdiction_code: &'a str,
    pub industry_code: &'a str,
    pub industry_section: String,
    pub level: &'a str,
}

impl<'a> TallyKey<'a> {
    /// The key of a hazard in this place, industry and level (the section follows the code).
    pub fn new(jurisdiction_code: &'a str, industry_code: &'a str, level: &'a str) -> TallyKey<'a> {
        TallyKey {
            jurisdiction_code,
            industry_code,
            industry_section: hazardnet_domain::IndustryCode::parse(industry_code)
                .map(|c| c.section().to_string())
                .unwrap_or_default(),
            level,
        }
    }
}

pub(crate) async fn add(
    tx: &mut WriteTx,
    key: &TallyKey<'_>,
    state: &str,
    listed: bool,
    delta: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (jurisdiction_code, industry_code, level, state, listed) \
         DO UPDATE SET n = hazard_tallies.n + excluded.n",
    )
    .bind(key.jurisdiction_code.to_string())
    .bind(key.industry_code.to_string())
    .bind(key.industry_section.clone())
    .bind(key.level.to_string())
    .bind(state.to_string())
    .bind(i64::from(listed))
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (jurisdiction_code, level, state, listed) \
         DO UPDATE SET n = hazard_place_tallies.n + excluded.n",
    )
    .bind(key.jurisdiction_code.to_string())
    .bind(key.level.to_string())
    .bind(state.to_string())
    .bind(i64::from(listed))
    .bind(delta)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

pub(crate) async fn add_month(
    tx: &mut WriteTx,
    key: &TallyKey<'_>,
    month: &str,
    found: i64,
    closed: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (jurisdiction_code, industry_code, month) \
         DO UPDATE SET found = hazard_monthly.found + excluded.found, closed = hazard_monthly.closed + excluded.closed",
    )
    .bind(key.jurisdiction_code.to_string())
    .bind(key.industry_code.to_string())
    .bind(key.industry_section.clone())
    .bind(month.to_string())
    .bind(found)
    .bind(closed)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (month, jurisdiction_code) DO UPDATE SET found = hazard_place_monthly.found + excluded.found, \
         closed = hazard_place_monthly.closed + excluded.closed",
    )
    .bind(month.to_string())
    .bind(key.jurisdiction_code.to_string())
    .bind(found)
    .bind(closed)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl Store {
    /// Rebuilds the tallies from the ledger (after bulk loads).
    pub async fn rebuild_tallies(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
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
