-- The dashboard's open major hazards per industry (and, for an industry regulator, per place)
-- read only the tally rows of open major hazards: a few thousand of a province's sixty-odd
-- thousand. This index holds just those rows with every column the two sums read, so they no
-- longer scan every tally of the scope (province, by industry: 11 ms -> 2 ms; docs/performance.md,
-- session 13). Major hazards are one in twenty, so few tally changes write to it.
CREATE INDEX hazard_tallies_open_major
    ON hazard_tallies(jurisdiction_code, industry_section, industry_code, n)
    WHERE level = 'major' AND state NOT IN ('closed', 'rejected');
