-- Foundation schema (SQLite). Times are UTC RFC 3339 text; flags are 0/1 integers so that the
-- same queries read the same types on both engines. Nothing is ever deleted: rows are
-- disabled, revoked or superseded.

CREATE TABLE jurisdictions (
    code        TEXT PRIMARY KEY CHECK (length(code) = 12),
    name        TEXT NOT NULL,
    parent_code TEXT REFERENCES jurisdictions(code),
    level       TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE INDEX jurisdictions_parent ON jurisdictions(parent_code);

CREATE TABLE industries (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    parent_code TEXT,
    level       TEXT NOT NULL
);

CREATE TABLE industry_labels (
    label TEXT PRIMARY KEY,
    code  TEXT NOT NULL REFERENCES industries(code)
);

CREATE TABLE enterprises (
    id                      INTEGER PRIMARY KEY,
    name                    TEXT NOT NULL,
    credit_code             TEXT NOT NULL UNIQUE,
    jurisdiction_code       TEXT NOT NULL REFERENCES jurisdictions(code),
    industry_code           TEXT NOT NULL REFERENCES industries(code),
    industry_section        TEXT NOT NULL,
    enterprise_type         TEXT NOT NULL DEFAULT '',
    address                 TEXT NOT NULL DEFAULT '',
    risk_grade              TEXT,
    status                  TEXT NOT NULL DEFAULT 'operating',
    key_hazardous_chemicals INTEGER NOT NULL DEFAULT 0,
    crowded_place           INTEGER NOT NULL DEFAULT 0,
    high_risk               INTEGER NOT NULL DEFAULT 0,
    principal_name          TEXT NOT NULL DEFAULT '',
    principal_phone         TEXT NOT NULL DEFAULT '',
    safety_manager_name     TEXT NOT NULL DEFAULT '',
    safety_manager_phone    TEXT NOT NULL DEFAULT '',
    employees               INTEGER,
    version                 INTEGER NOT NULL DEFAULT 1,
    created_at              TEXT NOT NULL,
    updated_at              TEXT NOT NULL
);
CREATE INDEX enterprises_scope ON enterprises(jurisdiction_code, industry_code);
CREATE INDEX enterprises_industry ON enterprises(industry_section, industry_code);
CREATE INDEX enterprises_name ON enterprises(name);

CREATE TABLE organizations (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    kind              TEXT NOT NULL,
    jurisdiction_code TEXT REFERENCES jurisdictions(code),
    industries        TEXT NOT NULL DEFAULT '',
    enterprise_id     INTEGER REFERENCES enterprises(id),
    created_at        TEXT NOT NULL
);

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    username       TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    org_id         INTEGER NOT NULL REFERENCES organizations(id),
    role           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    disabled       INTEGER NOT NULL DEFAULT 0,
    failed_logins  INTEGER NOT NULL DEFAULT 0,
    locked_until   TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    revoked      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    last_used_at TEXT,
    revoked      INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE expert_assignments (
    user_id           INTEGER NOT NULL REFERENCES users(id),
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    jurisdiction_code TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    PRIMARY KEY (user_id, enterprise_id)
);

CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor_id     INTEGER,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    jurisdiction TEXT NOT NULL DEFAULT '',
    before_json  TEXT,
    after_json   TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);

-- The chain head: one row, updated in the same transaction as each appended entry. Updating
-- it first serialises appenders on both engines and lets `audit verify` notice truncation.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  INTEGER NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');
