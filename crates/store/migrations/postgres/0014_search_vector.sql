-- (PostgreSQL) The search vector is stored with the row instead of computed from the tokens
-- each time it is tested. A common word's newest matches are then found by walking the primary
-- key backwards and testing each row's vector, which stops after the page; before, every match
-- in the province was fetched through the GIN index and sorted (docs/performance.md).
ALTER TABLE hazards
    ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_tokens)) STORED;
CREATE INDEX hazards_search_vector ON hazards USING GIN (search_vector);
DROP INDEX hazards_search;
