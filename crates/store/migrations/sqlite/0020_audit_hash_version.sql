-- The audit chain's hash rule has versions (domain/src/audit.rs). Every entry written so far
-- used version 1, which the default gives them; the code names the version of each new entry
-- (2 from now on) in its insert, as SQLite cannot change a column's default afterwards.
ALTER TABLE audit_log ADD COLUMN hash_version INTEGER NOT NULL DEFAULT 1;
