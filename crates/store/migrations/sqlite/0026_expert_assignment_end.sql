-- An expert's assignment to an enterprise ends instead of being deleted: `ended_at` is set
-- when an office takes the expert off, cleared when the expert is assigned again. Only
-- assignments without it grant the expert scope; the audit log keeps every start and end.
ALTER TABLE expert_assignments ADD COLUMN ended_at TEXT;
CREATE INDEX expert_assignments_enterprise ON expert_assignments(enterprise_id);
