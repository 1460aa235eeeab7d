-- Dashboard tallies summed over industries (PostgreSQL), for the scopes that are not restricted
-- by industry (committee offices, streets, communities, the administrator): a province's
-- dashboard then reads a few thousand rows instead of every street × industry. Maintained by
-- the same writes as hazard_tallies and hazard_monthly; the monthly one is keyed by month
-- first, so the last twelve months are one range.

CREATE TABLE hazard_place_tallies (
    jurisdiction_code TEXT NOT NULL,
    level             TEXT NOT NULL,
    state             TEXT NOT NULL,
    listed            BIGINT NOT NULL,
    n                 BIGINT NOT NULL,
    PRIMARY KEY (jurisdiction_code, level, state, listed)
);

CREATE TABLE hazard_place_monthly (
    month             TEXT NOT NULL,
    jurisdiction_code TEXT NOT NULL,
    found             BIGINT NOT NULL,
    closed            BIGINT NOT NULL,
    PRIMARY KEY (month, jurisdiction_code)
);

INSERT INTO hazard_place_tallies (jurisdiction_code, level, state, listed, n)
SELECT jurisdiction_code, level, state, listed, CAST(SUM(n) AS BIGINT) FROM hazard_tallies
GROUP BY jurisdiction_code, level, state, listed;

INSERT INTO hazard_place_monthly (month, jurisdiction_code, found, closed)
SELECT month, jurisdiction_code, CAST(SUM(found) AS BIGINT), CAST(SUM(closed) AS BIGINT) FROM hazard_monthly
GROUP BY month, jurisdiction_code;
