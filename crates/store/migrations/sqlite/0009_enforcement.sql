-- Law-enforcement actions (SQLite): one row per decision, never changed. A suspension or its
-- lifting also sets the enterprise's status in the same transaction; the blacklist state is
-- the last of an enterprise's entry/exit rows.
CREATE TABLE enforcement_actions (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    inspection_id     INTEGER REFERENCES inspections(id),
    kind              TEXT NOT NULL,
    decided_on        TEXT NOT NULL,
    amount_yuan       INTEGER,
    doc_number        TEXT NOT NULL DEFAULT '',
    basis             TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX enforcement_scope ON enforcement_actions(jurisdiction_code, decided_on);
CREATE INDEX enforcement_enterprise ON enforcement_actions(enterprise_id, decided_on);
