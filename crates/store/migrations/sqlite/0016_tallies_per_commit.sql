-- The dashboard tallies (0005, 0010) take each group commit's changes in four statements, run
-- by the writer just before the commit with the search index (0015), instead of four to
-- eight upserts inside every hazard write. A hazard write now queues what it adds (+1) and
-- what it takes away (-1) in hazard_tally_pending; the commit sums those per tally row. The
-- counts readers see change at the same commit as before.
CREATE TABLE hazard_tally_pending (
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    level             TEXT NOT NULL,
    state             TEXT NOT NULL,
    listed            INTEGER NOT NULL,
    found_month       TEXT NOT NULL,
    -- The month it was closed in, when it counts as closed.
    closed_month      TEXT,
    n                 INTEGER NOT NULL
);

DROP TRIGGER hazards_tallied;
CREATE TRIGGER hazards_tallied AFTER INSERT ON hazards
BEGIN
    INSERT INTO hazard_tally_pending (jurisdiction_code, industry_code, industry_section, level,
        state, listed, found_month, closed_month, n)
    VALUES (NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, NEW.level, NEW.state,
        NEW.listing_org_id IS NOT NULL, SUBSTR(NEW.found_at, 1, 7),
        CASE WHEN NEW.state = 'closed' AND NEW.closed_at IS NOT NULL THEN SUBSTR(NEW.closed_at, 1, 7) END,
        1);
    INSERT INTO hazard_search_pending (hazard_id, tokens, replaces) VALUES (NEW.id, NEW.search_tokens, 0)
    ON CONFLICT (hazard_id) DO UPDATE SET tokens = excluded.tokens;
END;

DROP TRIGGER hazards_retallied;
CREATE TRIGGER hazards_retallied AFTER UPDATE ON hazards
WHEN OLD.jurisdiction_code IS NOT NEW.jurisdiction_code OR OLD.industry_code IS NOT NEW.industry_code OR OLD.industry_section IS NOT NEW.industry_section OR OLD.level IS NOT NEW.level OR OLD.state IS NOT NEW.state OR OLD.found_at IS NOT NEW.found_at OR OLD.closed_at IS NOT NEW.closed_at
    OR (OLD.listing_org_id IS NULL) <> (NEW.listing_org_id IS NULL)
BEGIN
    INSERT INTO hazard_tally_pending (jurisdiction_code, industry_code, industry_section, level,
        state, listed, found_month, closed_month, n)
    VALUES (OLD.jurisdiction_code, OLD.industry_code, OLD.industry_section, OLD.level, OLD.state,
        OLD.listing_org_id IS NOT NULL, SUBSTR(OLD.found_at, 1, 7),
        CASE WHEN OLD.state = 'closed' AND OLD.closed_at IS NOT NULL THEN SUBSTR(OLD.closed_at, 1, 7) END,
        -1),
        (NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, NEW.level, NEW.state,
        NEW.listing_org_id IS NOT NULL, SUBSTR(NEW.found_at, 1, 7),
        CASE WHEN NEW.state = 'closed' AND NEW.closed_at IS NOT NULL THEN SUBSTR(NEW.closed_at, 1, 7) END,
        1);
END;
