-- Nothing to do on PostgreSQL: its tally trigger (0011) stays as it is; concurrent writers
-- there each commit on their own. The SQLite migration of this number moves the tally updates
-- to the group commit.
SELECT 1;
