-- The tallies (0005, 0010) and the search index (0002) follow the hazards table by triggers,
-- in the statement that changes a hazard: no write path can forget them, and a write costs the
-- server one round trip to the database instead of five to seven (docs/performance.md).
-- A hazard counts once in hazard_tallies / hazard_place_tallies under its place, industry,
-- level, state and listing; once in the monthly tables under the month it was found, and once
-- more under the month it was closed. A change to any of these moves it: the old row's
-- contribution is taken away and the new one's added.

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
    INSERT INTO hazard_search (rowid, tokens) VALUES (NEW.id, NEW.search_tokens);
END;

CREATE TRIGGER hazards_retallied AFTER UPDATE ON hazards
WHEN OLD.jurisdiction_code IS NOT NEW.jurisdiction_code OR OLD.industry_code IS NOT NEW.industry_code OR OLD.industry_section IS NOT NEW.industry_section OR OLD.level IS NOT NEW.level OR OLD.state IS NOT NEW.state OR OLD.found_at IS NOT NEW.found_at OR OLD.closed_at IS NOT NEW.closed_at
    OR (OLD.listing_org_id IS NULL) <> (NEW.listing_org_id IS NULL)
BEGIN
    INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n)
    VALUES (OLD.jurisdiction_code, OLD.industry_code, OLD.industry_section, OLD.level, OLD.state,
            OLD.listing_org_id IS NOT NULL, -1)
    ON CONFLICT (jurisdiction_code, industry_code, level, state, listed) DO UPDATE SET n = n + excluded.n;
    INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n)
    VALUES (OLD.jurisdiction_code, OLD.level, OLD.state, OLD.listing_org_id IS NOT NULL, -1)
    ON CONFLICT (jurisdiction_code, level, state, listed) DO UPDATE SET n = n + excluded.n;
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
    VALUES (OLD.jurisdiction_code, OLD.industry_code, OLD.industry_section, SUBSTR(OLD.found_at, 1, 7), -1, 0)
    ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET found = found + excluded.found;
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
    VALUES (SUBSTR(OLD.found_at, 1, 7), OLD.jurisdiction_code, -1, 0)
    ON CONFLICT (month, jurisdiction_code) DO UPDATE SET found = found + excluded.found;
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
    SELECT OLD.jurisdiction_code, OLD.industry_code, OLD.industry_section, SUBSTR(OLD.closed_at, 1, 7), 0, -1
    WHERE OLD.state = 'closed' AND OLD.closed_at IS NOT NULL
    ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET closed = closed + excluded.closed;
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
    SELECT SUBSTR(OLD.closed_at, 1, 7), OLD.jurisdiction_code, 0, -1
    WHERE OLD.state = 'closed' AND OLD.closed_at IS NOT NULL
    ON CONFLICT (month, jurisdiction_code) DO UPDATE SET closed = closed + excluded.closed;
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
END;

CREATE TRIGGER hazards_reindexed AFTER UPDATE OF search_tokens ON hazards
WHEN OLD.search_tokens IS NOT NEW.search_tokens
BEGIN
    DELETE FROM hazard_search WHERE rowid = OLD.id;
    INSERT INTO hazard_search (rowid, tokens) VALUES (NEW.id, NEW.search_tokens);
END;

-- The audit head follows its log: appending is one read of the head and one insert.
CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
END;
