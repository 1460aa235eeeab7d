-- (PostgreSQL) The tallies (0005, 0010) follow the hazards table by a trigger, in the statement
-- that changes a hazard: no write path can forget them, and a write costs the server fewer round
-- trips (docs/performance.md). A hazard counts once in hazard_tallies / hazard_place_tallies
-- under its place, industry, level, state and listing; once in the monthly tables under the
-- month it was found, and once more under the month it was closed. A change to any of these
-- moves it: the old row's contribution is taken away and the new one's added.

CREATE FUNCTION hazard_tally(h hazards, delta BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n)
    VALUES (h.jurisdiction_code, h.industry_code, h.industry_section, h.level, h.state,
            CASE WHEN h.listing_org_id IS NULL THEN 0 ELSE 1 END, delta)
    ON CONFLICT (jurisdiction_code, industry_code, level, state, listed)
    DO UPDATE SET n = hazard_tallies.n + excluded.n;
    INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n)
    VALUES (h.jurisdiction_code, h.level, h.state, CASE WHEN h.listing_org_id IS NULL THEN 0 ELSE 1 END, delta)
    ON CONFLICT (jurisdiction_code, level, state, listed)
    DO UPDATE SET n = hazard_place_tallies.n + excluded.n;
    INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
    VALUES (h.jurisdiction_code, h.industry_code, h.industry_section, SUBSTR(h.found_at, 1, 7), delta, 0)
    ON CONFLICT (jurisdiction_code, industry_code, month)
    DO UPDATE SET found = hazard_monthly.found + excluded.found;
    INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
    VALUES (SUBSTR(h.found_at, 1, 7), h.jurisdiction_code, delta, 0)
    ON CONFLICT (month, jurisdiction_code)
    DO UPDATE SET found = hazard_place_monthly.found + excluded.found;
    IF h.state = 'closed' AND h.closed_at IS NOT NULL THEN
        INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
        VALUES (h.jurisdiction_code, h.industry_code, h.industry_section, SUBSTR(h.closed_at, 1, 7), 0, delta)
        ON CONFLICT (jurisdiction_code, industry_code, month)
        DO UPDATE SET closed = hazard_monthly.closed + excluded.closed;
        INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
        VALUES (SUBSTR(h.closed_at, 1, 7), h.jurisdiction_code, 0, delta)
        ON CONFLICT (month, jurisdiction_code)
        DO UPDATE SET closed = hazard_place_monthly.closed + excluded.closed;
    END IF;
END;
$$;

CREATE FUNCTION hazards_tallied() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM hazard_tally(NEW, 1);
    ELSIF (OLD.jurisdiction_code, OLD.industry_code, OLD.industry_section, OLD.level, OLD.state,
           OLD.found_at, OLD.closed_at, OLD.listing_org_id IS NULL)
          IS DISTINCT FROM
          (NEW.jurisdiction_code, NEW.industry_code, NEW.industry_section, NEW.level, NEW.state,
           NEW.found_at, NEW.closed_at, NEW.listing_org_id IS NULL) THEN
        PERFORM hazard_tally(OLD, -1);
        PERFORM hazard_tally(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER hazards_tallied AFTER INSERT OR UPDATE ON hazards
FOR EACH ROW EXECUTE FUNCTION hazards_tallied();

-- The audit head follows its log: appending is one locking read of the head and one insert.
CREATE FUNCTION audit_head_follows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1;
    RETURN NULL;
END;
$$;

CREATE TRIGGER audit_head_follows AFTER INSERT ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_head_follows();
