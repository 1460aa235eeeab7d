-- The full-text index takes each group commit's new and changed hazards in one statement,
-- run by the writer just before the commit (crates/store/src/writer.rs), instead of one row
-- per request. FTS5 writes its pending rows out as a new index segment whenever a savepoint or
-- statement begins after a change, and every request's work is a savepoint of the group: one
-- segment per hazard, each then merged into the others, was a fifth of the writer's time
-- (docs/performance.md). Searches see a hazard from the same commit as before.
CREATE TABLE hazard_search_pending (
    hazard_id INTEGER PRIMARY KEY,
    tokens TEXT NOT NULL,
    -- The hazard already has an index row, to be replaced.
    replaces INTEGER NOT NULL
);

DROP TRIGGER hazards_tallied;
CREATE TRIGGER hazards_tallied AFTER INSERT ON hazards
BEGIN
    INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n)
    VALUES (NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, NEW.level, NEW.state,
            NEW.listing_org_id IS NOT NULL, 1)
    ON CONFLICT (jurisdiction_code, industry_code, level, state, listed) DO UPDATE SET n = n + excluded.n;
    INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n)
    VALUES (NEW.jurisdiction_code, NEW.level, NEW.state, NEW.listing_org_id IS NOT NULL, 1)
    ON CONFLICT (jurisdiction_code, level, state, listed) DO UPDATE SET n = n + excluded.n;
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
    VALUES (NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, SUBSTR(NEW.found_at, 1, 7), 1, 0)
    ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET found = found + excluded.found;
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
    VALUES (SUBSTR(NEW.found_at, 1, 7), NEW.jurisdiction_code, 1, 0)
    ON CONFLICT (month, jurisdiction_code) DO UPDATE SET found = found + excluded.found;
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
    SELECT NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, SUBSTR(NEW.closed_at, 1, 7), 0, 1
    WHERE NEW.state = 'closed' AND NEW.closed_at IS NOT NULL
    ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET closed = closed + excluded.closed;
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
    SELECT SUBSTR(NEW.closed_at, 1, 7), NEW.jurisdiction_code, 0, 1
    WHERE NEW.state = 'closed' AND NEW.closed_at IS NOT NULL
    ON CONFLICT (month, jurisdiction_code) DO UPDATE SET closed = closed + excluded.closed;
    INSERT INTO hazard_search_pending (hazard_id, tokens, replaces) VALUES (NEW.id, NEW.search_tokens, 0)
    ON CONFLICT (hazard_id) DO UPDATE SET tokens = excluded.tokens;
END;

DROP TRIGGER hazards_reindexed;
CREATE TRIGGER hazards_reindexed AFTER UPDATE OF search_tokens ON hazards
WHEN OLD.search_tokens IS NOT NEW.search_tokens
BEGIN
    -- A hazard inserted in the same commit has no index row yet: it keeps replaces = 0.
    INSERT INTO hazard_search_pending (hazard_id, tokens, replaces) VALUES (NEW.id, NEW.search_tokens, 1)
    ON CONFLICT (hazard_id) DO UPDATE SET tokens = excluded.tokens;
END;
