-- Maintained counts for dashboards at province scale (see docs/performance.md): one row per
-- street × industry × level × state × listed, and per street × industry × month. They are
-- updated in the same transaction as every hazard write, and filled here from what exists.
-- WITHOUT ROWID keeps each count inside its key's B-tree, so a scope's range is one scan.

CREATE TABLE hazard_tallies (
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    level             TEXT NOT NULL,
    state             TEXT NOT NULL,
    listed            INTEGER NOT NULL,
    n                 INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_code, industry_code, level, state, listed)
) WITHOUT ROWID;

CREATE TABLE hazard_monthly (
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    month             TEXT NOT NULL,
    found             INTEGER NOT NULL,
    closed            INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_code, industry_code, month)
) WITHOUT ROWID;

INSERT INTO hazard_tallies (jurisdiction_code, industry_code, industry_section, level, state, listed, n)
SELECT jurisdiction_code, industry_code, industry_section, level, state,
       CASE WHEN listing_org_id IS NULL THEN 0 ELSE 1 END, COUNT(*)
FROM hazards
GROUP BY jurisdiction_code, industry_code, industry_section, level, state,
         CASE WHEN listing_org_id IS NULL THEN 0 ELSE 1 END;

INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
SELECT jurisdiction_code, industry_code, industry_section, SUBSTR(found_at, 1, 7), COUNT(*), 0
FROM hazards
GROUP BY jurisdiction_code, industry_code, industry_section, SUBSTR(found_at, 1, 7);

INSERT INTO hazard_monthly (jurisdiction_code, industry_code, industry_section, month, found, closed)
SELECT jurisdiction_code, industry_code, industry_section, SUBSTR(closed_at, 1, 7), 0, COUNT(*)
FROM hazards WHERE state = 'closed' AND closed_at IS NOT NULL
GROUP BY jurisdiction_code, industry_code, industry_section, SUBSTR(closed_at, 1, 7)
ON CONFLICT (jurisdiction_code, industry_code, month) DO UPDATE SET closed = excluded.closed;

-- Overdue counts walk open states by deadline and check the scope inside the index.
CREATE INDEX hazards_open_deadline ON hazards(state, deadline, jurisdiction_code, industry_code);
