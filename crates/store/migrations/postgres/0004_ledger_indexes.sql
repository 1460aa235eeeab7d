-- Indexes for the ledger at province scale (see docs/performance.md): a state filter with
-- newest-first order for broad scopes, and covering counts of a state within a scope.
CREATE INDEX hazards_state_found ON hazards(state, found_at, jurisdiction_code);
CREATE INDEX hazards_state_scope ON hazards(state, jurisdiction_code, level);
