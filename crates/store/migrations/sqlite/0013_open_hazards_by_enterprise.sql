-- Open hazards by enterprise, level and deadline: a small partial index (open hazards only)
-- that answers "how many open, open major and overdue hazards has this enterprise" without
-- reading the rows. The inspection plan's candidate list asks it of every enterprise in the
-- scope: 3.1 s for a province of 50,000 enterprises before, 60 ms with it (docs/performance.md).
CREATE INDEX hazards_open_by_enterprise ON hazards(enterprise_id, level, deadline)
    WHERE state NOT IN ('closed', 'rejected');
