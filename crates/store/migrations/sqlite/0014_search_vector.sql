-- Nothing to do on SQLite: its full-text index is the FTS5 table `hazard_search` (0002, kept by
-- trigger since 0011). The PostgreSQL migration of this number stores the search vector.
SELECT 1;
