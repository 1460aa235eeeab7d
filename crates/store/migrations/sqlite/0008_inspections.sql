-- Checklists and inspections (SQLite). A checklist template is versioned: a new version is a
-- new row, the old stays for the inspections that used it. National standards ship with the
-- system (owner_org_id NULL). An inspection is a draft until signed off; its results and the
-- hazards its failed items became are kept with it. Document numbers run per issuing office,
-- series and year.

CREATE TABLE checklist_templates (
    id            INTEGER PRIMARY KEY,
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    owner_org_id  INTEGER REFERENCES organizations(id),
    standard_key  TEXT,
    industry      TEXT NOT NULL DEFAULT '',
    created_by    INTEGER REFERENCES users(id),
    created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX checklist_templates_version ON checklist_templates(name, COALESCE(owner_org_id, 0), version);

CREATE TABLE checklist_items (
    template_id INTEGER NOT NULL REFERENCES checklist_templates(id),
    seq         INTEGER NOT NULL,
    clause      TEXT NOT NULL,
    text        TEXT NOT NULL,
    major       INTEGER NOT NULL DEFAULT 0,
    category    TEXT NOT NULL,
    industry    TEXT NOT NULL DEFAULT '',
    source      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (template_id, seq)
);

CREATE TABLE inspections (
    id                INTEGER PRIMARY KEY,
    number            TEXT NOT NULL UNIQUE,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    template_id       INTEGER NOT NULL REFERENCES checklist_templates(id),
    kind              TEXT NOT NULL,
    state             TEXT NOT NULL DEFAULT 'draft',
    inspected_on      TEXT NOT NULL,
    team_json         TEXT NOT NULL,
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    inspector_id      INTEGER NOT NULL REFERENCES users(id),
    campaign_id       INTEGER REFERENCES campaigns(id),
    notice_number     TEXT,
    notice_deadline   TEXT,
    signed_off_at     TEXT,
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX inspections_scope ON inspections(jurisdiction_code, inspected_on);
CREATE INDEX inspections_enterprise ON inspections(enterprise_id, inspected_on);

CREATE TABLE inspection_results (
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    item_seq      INTEGER NOT NULL,
    result        TEXT,
    note          TEXT NOT NULL DEFAULT '',
    hazard_id     INTEGER REFERENCES hazards(id),
    PRIMARY KEY (inspection_id, item_seq)
);

CREATE TABLE doc_counters (
    org_id INTEGER NOT NULL REFERENCES organizations(id),
    series TEXT NOT NULL,
    year   INTEGER NOT NULL,
    value  INTEGER NOT NULL,
    PRIMARY KEY (org_id, series, year)
);

-- Inspection plans: who inspects which enterprises, when, with which checklist, against the
-- seeds' targets; the enterprises are kept in the order of priority they were planned in.
CREATE TABLE inspection_plans (
    id              INTEGER PRIMARY KEY,
    org_id          INTEGER NOT NULL REFERENCES organizations(id),
    name            TEXT NOT NULL,
    kind            TEXT NOT NULL,
    template_id     INTEGER NOT NULL REFERENCES checklist_templates(id),
    starts_on       TEXT NOT NULL,
    ends_on         TEXT NOT NULL,
    coverage_target INTEGER NOT NULL,
    expert_target   INTEGER NOT NULL,
    created_by      INTEGER NOT NULL REFERENCES users(id),
    created_at      TEXT NOT NULL
);

CREATE TABLE plan_enterprises (
    plan_id       INTEGER NOT NULL REFERENCES inspection_plans(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    priority_rank INTEGER NOT NULL,
    planned_on    TEXT,
    inspector_id  INTEGER REFERENCES users(id),
    PRIMARY KEY (plan_id, enterprise_id)
);

-- Photos taken for an item during an inspection (stored by hash like evidence); when the item
-- fails and becomes a hazard at sign-off, its photos become the hazard's evidence.
CREATE TABLE inspection_photos (
    id            INTEGER PRIMARY KEY,
    inspection_id INTEGER NOT NULL REFERENCES inspections(id),
    item_seq      INTEGER NOT NULL,
    sha256        TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size_bytes    INTEGER NOT NULL,
    uploaded_by   INTEGER NOT NULL REFERENCES users(id),
    uploaded_at   TEXT NOT NULL
);
CREATE INDEX inspection_photos_record ON inspection_photos(inspection_id, item_seq);
