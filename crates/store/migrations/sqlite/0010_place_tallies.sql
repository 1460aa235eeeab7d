-- Dashboard tallies summed over industries (SQLite), for the scopes that are not restricted
-- by industry (committee offices, streets, communities, the administrator): a province's
-- dashboard then reads a few thousand rows instead of every street × industry. Maintained by
-- the same writes as hazard_tallies and hazard_monthly; the monthly one is keyed by month
-- first, so the last twelve months are one range.

CREATE TABLE hazard_place_tallies (
    jurisdiction_code TEXT NOT NULL,
    level             TEXT NOT NULL,
    state             TEXT NOT NULL,
    listed            INTEGER NOT NULL,
    n                 INTEGER NOT NULL,
    PRIMARY KEY (jurisdiction_code, level, state, listed)
) WITHOUT ROWID;

CREATE TABLE hazard_place_monthly (
    month             TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    found             INTEGER NOT NULL,
    closed            INTEGER NOT NULL,
    PRIMARY KEY (month, jurisdiction_code)
) WITHOUT ROWID;

INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n)
SELECT jurisdiction_code, level, state, listed, SUM(n) FROM hazard_tallies
GROUP BY jurisdiction_code, level, state, listed;

INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
SELECT month, jurisdiction_code, SUM(found), SUM(closed) FROM hazard_monthly
GROUP BY month, jurisdiction_code;
