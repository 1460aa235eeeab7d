-- The full-text index keeps only what a search reads: which hazards hold each token.
--
-- A search is every one of its tokens, each matched on its own (hazardnet_domain's
-- query_tokens: characters and character pairs, words); it never asks where in the text a token
-- stands, and it reads the tokens back from `hazards.search_tokens`, never from the index. So:
-- - detail = none: no positions. The index is a third of its old size, and every group commit
--   merges that much less of it.
-- - content = '': no second copy of every hazard's tokens (the old table's largest part);
--   contentless_delete lets the writer still delete a row by its id when its text changes.
-- - the tokenizer splits only on spaces and punctuation: every token the domain writes (a run of
--   letters, digits, marks or symbols) stays one token, so a quoted query token is never a
--   phrase of several, which detail = none cannot answer.
-- The same searches find the same hazards (docs/performance.md, session 13).
DROP TABLE hazard_search;
CREATE VIRTUAL TABLE hazard_search USING fts5(
    tokens,
    tokenize = "unicode61 categories 'L* N* Co M* S*'",
    detail = none,
    content = '',
    contentless_delete = 1
);
INSERT INTO hazard_search (rowid, tokens) SELECT id, search_tokens FROM hazards;
INSERT INTO hazard_search (hazard_search) VALUES ('optimize');
