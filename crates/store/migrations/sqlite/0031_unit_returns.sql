-- Returns per unit and period (SQLite). A unit owes one return per period of its campaign's
-- cadence, covering every task it is named on: the return holds the dispatch figures, a
-- summary and a line per task. A wrong return is replaced by a new version; the old one stays
-- (is_current = 0) and is shown as history. The per-task reports of earlier versions are kept
-- as they were in task_reports and copied here: grouped by campaign, unit and period, the
-- dispatch return's body and figures become the return's, every other task's body a line.
-- Unit aliases map a name a notice writes ("区安委会办公室") to an organization, or to the
-- class of the area's industry regulators, per issuing office, so the next import resolves it.
-- Tasks get versions for corrections; a task's units and a campaign's phases are retired,
-- never deleted, when corrected.

CREATE TABLE unit_returns (
    id               INTEGER PRIMARY KEY,
    campaign_id      INTEGER NOT NULL REFERENCES campaigns(id),
    org_id           INTEGER NOT NULL REFERENCES organizations(id),
    period_key       TEXT NOT NULL,
    period_starts_on TEXT NOT NULL,
    period_ends_on   TEXT NOT NULL,
    due_on           TEXT NOT NULL,
    version          INTEGER NOT NULL DEFAULT 1,
    is_current       INTEGER NOT NULL DEFAULT 1,
    body             TEXT NOT NULL,
    figures_json     TEXT NOT NULL DEFAULT '{}',
    late             INTEGER NOT NULL DEFAULT 0,
    reason           TEXT NOT NULL DEFAULT '',
    submitted_by     INTEGER NOT NULL REFERENCES users(id),
    submitted_at     TEXT NOT NULL,
    UNIQUE (campaign_id, org_id, period_key, version)
);
CREATE UNIQUE INDEX unit_returns_current ON unit_returns(campaign_id, org_id, period_key)
    WHERE is_current = 1;
CREATE INDEX unit_returns_org ON unit_returns(org_id);

CREATE TABLE return_lines (
    return_id INTEGER NOT NULL REFERENCES unit_returns(id),
    task_id   INTEGER NOT NULL REFERENCES campaign_tasks(id),
    text      TEXT NOT NULL,
    PRIMARY KEY (return_id, task_id)
);

CREATE TABLE return_attachments (
    id           INTEGER PRIMARY KEY,
    return_id    INTEGER NOT NULL REFERENCES unit_returns(id),
    sha256       TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX return_attachments_return ON return_attachments(return_id);

CREATE TABLE unit_aliases (
    id            INTEGER PRIMARY KEY,
    office_org_id INTEGER NOT NULL REFERENCES organizations(id),
    unit_name     TEXT NOT NULL,
    org_id        INTEGER REFERENCES organizations(id),
    unit_class    TEXT,
    created_by    INTEGER NOT NULL REFERENCES users(id),
    created_at    TEXT NOT NULL
);
CREATE INDEX unit_aliases_office ON unit_aliases(office_org_id, unit_name);

ALTER TABLE campaign_tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaign_tasks ADD COLUMN updated_at TEXT;
ALTER TABLE task_units ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;
ALTER TABLE campaign_phases ADD COLUMN retired INTEGER NOT NULL DEFAULT 0;

INSERT INTO unit_returns (campaign_id, org_id, period_key, period_starts_on, period_ends_on,
    due_on, version, is_current, body, figures_json, late, reason, submitted_by, submitted_at)
SELECT t.campaign_id, r.org_id, r.period_key, MIN(r.period_starts_on), MIN(r.period_ends_on),
    MIN(r.due_on), 1, 1,
    COALESCE((SELECT r0.body FROM task_reports r0 JOIN campaign_tasks t0 ON t0.id = r0.task_id
        WHERE t0.campaign_id = t.campaign_id AND t0.number = 0 AND r0.org_id = r.org_id
        AND r0.period_key = r.period_key), ''),
    COALESCE((SELECT r0.figures_json FROM task_reports r0 JOIN campaign_tasks t0 ON t0.id = r0.task_id
        WHERE t0.campaign_id = t.campaign_id AND t0.number = 0 AND r0.org_id = r.org_id
        AND r0.period_key = r.period_key), '{}'),
    MAX(r.late), '', MIN(r.submitted_by), MIN(r.submitted_at)
FROM task_reports r JOIN campaign_tasks t ON t.id = r.task_id
GROUP BY t.campaign_id, r.org_id, r.period_key
ORDER BY MIN(r.id);

INSERT INTO return_lines (return_id, task_id, text)
SELECT u.id, r.task_id, r.body FROM task_reports r JOIN campaign_tasks t ON t.id = r.task_id
JOIN unit_returns u ON u.campaign_id = t.campaign_id AND u.org_id = r.org_id
    AND u.period_key = r.period_key
WHERE t.number > 0;

INSERT INTO return_attachments (return_id, sha256, file_name, content_type, size, created_at)
SELECT u.id, a.sha256, a.file_name, a.content_type, a.size, a.created_at
FROM report_attachments a JOIN task_reports r ON r.id = a.report_id
JOIN campaign_tasks t ON t.id = r.task_id
JOIN unit_returns u ON u.campaign_id = t.campaign_id AND u.org_id = r.org_id
    AND u.period_key = r.period_key
ORDER BY a.id;

-- Reminders and escalation run per campaign (on its dispatch return's row), per unit-period.
UPDATE report_jobs SET state = 'done', outcome = 'superseded: returns per unit and period',
    done_at = created_at
WHERE state <> 'done' AND task_id IN (SELECT id FROM campaign_tasks WHERE number > 0);
