-- Nothing to do on PostgreSQL; the number keeps step with SQLite's, whose 0018 slims its FTS5
-- index. The search vector here (0014) is a generated column of the row, with no second copy
-- of the text.
SELECT 1;
