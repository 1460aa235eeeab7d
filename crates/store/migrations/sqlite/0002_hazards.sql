-- The hazard ledger (SQLite). Dates (found_at, deadline) are YYYY-MM-DD in China time;
-- the enterprise's jurisdiction and industry are copied onto each hazard so that scoped
-- queries need no join and the table can later be partitioned by jurisdiction.

CREATE TABLE hazards (
    id                     INTEGER PRIMARY KEY,
    number                 TEXT NOT NULL UNIQUE,
    enterprise_id          INTEGER NOT NULL REFERENCES enterprises(id),
    jurisdiction_code      TEXT NOT NULL,
    industry_code          TEXT NOT NULL,
    industry_section       TEXT NOT NULL,
    title                  TEXT NOT NULL,
    description            TEXT NOT NULL DEFAULT '',
    place                  TEXT NOT NULL DEFAULT '',
    level                  TEXT NOT NULL,
    category               TEXT NOT NULL,
    basis                  TEXT NOT NULL DEFAULT '',
    source                 TEXT NOT NULL,
    found_at               TEXT NOT NULL,
    found_by               TEXT NOT NULL DEFAULT '',
    reported_by            INTEGER REFERENCES users(id),
    state                  TEXT NOT NULL,
    deadline               TEXT,
    plan_json              TEXT,
    listing_org_id         INTEGER REFERENCES organizations(id),
    listing_json           TEXT,
    leader_user_id         INTEGER REFERENCES users(id),
    pending_extension_json TEXT,
    search_tokens          TEXT NOT NULL DEFAULT '',
    closed_at              TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL,
    version                INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX hazards_scope_found ON hazards(jurisdiction_code, found_at);
CREATE INDEX hazards_enterprise_found ON hazards(enterprise_id, found_at);
CREATE INDEX hazards_state_deadline ON hazards(state, deadline);
CREATE INDEX hazards_found ON hazards(found_at);

-- Serial numbers per jurisdiction and year, allocated inside the creating transaction.
CREATE TABLE hazard_counters (
    prefix TEXT NOT NULL,
    year   INTEGER NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (prefix, year)
);

-- Evidence files: the bytes live under the data directory, named by their SHA-256.
CREATE TABLE evidence (
    id                INTEGER PRIMARY KEY,
    hazard_id         INTEGER NOT NULL REFERENCES hazards(id),
    jurisdiction_code TEXT NOT NULL,
    file_name         TEXT NOT NULL,
    content_type      TEXT NOT NULL,
    size_bytes        INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    uploaded_by       INTEGER REFERENCES users(id),
    uploaded_at       TEXT NOT NULL
);
CREATE INDEX evidence_hazard ON evidence(hazard_id);

-- Full-text search over title, description and place: CJK unigrams and bigrams, separated
-- by spaces (see domain::hazard::search_tokens); rowid = hazards.id.
CREATE VIRTUAL TABLE hazard_search USING fts5(tokens, tokenize = 'unicode61');
