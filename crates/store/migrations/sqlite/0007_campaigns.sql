-- Campaigns (专项行动) and their responsibility task lists (SQLite). A campaign is an issued
-- document: phases, a scope, target enterprises and tasks. Task number 0 of every campaign is
-- its dispatch return (调度表): the figures each reporting unit files per period. Reports are
-- never replaced: one per task, unit and period. Report jobs are the hazard jobs' twins: a row
-- per due moment, claimed with a lease, so reminders and escalations survive restarts.

CREATE TABLE campaigns (
    id                INTEGER PRIMARY KEY,
    title             TEXT NOT NULL,
    doc_number        TEXT NOT NULL DEFAULT '',
    issuing_org_id    INTEGER NOT NULL REFERENCES organizations(id),
    jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code),
    industries        TEXT NOT NULL DEFAULT '',
    summary           TEXT NOT NULL DEFAULT '',
    cadence           TEXT NOT NULL,
    starts_on         TEXT NOT NULL,
    ends_on           TEXT,
    created_by        INTEGER REFERENCES users(id),
    version           INTEGER NOT NULL DEFAULT 1,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX campaigns_scope ON campaigns(jurisdiction_code);

CREATE TABLE campaign_phases (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    seq         INTEGER NOT NULL,
    name        TEXT NOT NULL,
    starts_on   TEXT NOT NULL,
    ends_on     TEXT NOT NULL,
    PRIMARY KEY (campaign_id, seq)
);

CREATE TABLE campaign_targets (
    campaign_id   INTEGER NOT NULL REFERENCES campaigns(id),
    enterprise_id INTEGER NOT NULL REFERENCES enterprises(id),
    PRIMARY KEY (campaign_id, enterprise_id)
);

CREATE TABLE campaign_tasks (
    id              INTEGER PRIMARY KEY,
    campaign_id     INTEGER NOT NULL REFERENCES campaigns(id),
    number          INTEGER NOT NULL,
    text            TEXT NOT NULL,
    deadline_text   TEXT NOT NULL DEFAULT '',
    due_on          TEXT,
    ongoing         INTEGER NOT NULL DEFAULT 0,
    milestones_json TEXT NOT NULL DEFAULT '[]',
    cadence         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (campaign_id, number)
);

CREATE TABLE task_units (
    task_id   INTEGER NOT NULL REFERENCES campaign_tasks(id),
    seq       INTEGER NOT NULL,
    unit_name TEXT NOT NULL,
    role      TEXT NOT NULL,
    org_id    INTEGER REFERENCES organizations(id),
    PRIMARY KEY (task_id, seq)
);
CREATE INDEX task_units_org ON task_units(org_id);

CREATE TABLE task_reports (
    id               INTEGER PRIMARY KEY,
    task_id          INTEGER NOT NULL REFERENCES campaign_tasks(id),
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    period_key       TEXT NOT NULL,
    period_starts_on TEXT NOT NULL,
    period_ends_on   TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    body             TEXT NOT NULL,
    figures_json     TEXT NOT NULL DEFAULT '{}',
    late             INTEGER NOT NULL DEFAULT 0,
    submitted_by     INTEGER NOT NULL REFERENCES users(id),
    submitted_at     TEXT NOT NULL,
    UNIQUE (task_id, org_id, period_key)
);

CREATE TABLE report_attachments (
    id           INTEGER PRIMARY KEY,
    report_id    INTEGER NOT NULL REFERENCES task_reports(id),
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX report_attachments_report ON report_attachments(report_id);

CREATE TABLE report_jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    task_id     INTEGER NOT NULL REFERENCES campaign_tasks(id),
    period_key  TEXT NOT NULL,
    due_on      TEXT NOT NULL,
    due_at      TEXT NOT NULL,
    dedupe_key  TEXT NOT NULL UNIQUE,
    state       TEXT NOT NULL DEFAULT 'pending',
    lease_until TEXT,
    outcome     TEXT,
    created_at  TEXT NOT NULL,
    done_at     TEXT
);
CREATE INDEX report_jobs_due ON report_jobs(state, due_at);
