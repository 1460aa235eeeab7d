-- Nothing to do on PostgreSQL: its search vector is a stored column of the row (0014). The
-- SQLite migration of this number moves the FTS5 index updates to the group commit.
SELECT 1;
