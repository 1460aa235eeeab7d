-- Overdue counts read only open hazards that have a deadline; the index of 0005 held every
-- hazard, closed ones too (most of a mature ledger), and every write to a hazard's state moved
-- its entry. Now it holds only the hazards an overdue count can find, keyed by place first and
-- holding every column an office's overdue count reads: a scope's count is one range of it,
-- without the rows. Hazards without a deadline, and closing or rejecting one, no longer write
-- to it (docs/performance.md, session 13). Every overdue condition in the store is written as
-- below, so that the index's condition follows from the query's.
DROP INDEX hazards_open_deadline;
CREATE INDEX hazards_open_deadline
    ON hazards(jurisdiction_code, deadline, industry_code, industry_section, state)
    WHERE state NOT IN ('closed', 'rejected') AND deadline IS NOT NULL;
