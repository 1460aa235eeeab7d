-- Accidents an enterprise has had (事故记录): kind by GB 6441, casualties, direct loss, and the
-- grade of 《生产安全事故报告和调查处理条例》第三条. Rows are never changed; a recent accident
-- moves the enterprise up inspection plans.
CREATE TABLE enterprise_accidents (
    id                INTEGER PRIMARY KEY,
    enterprise_id     INTEGER NOT NULL REFERENCES enterprises(id),
    jurisdiction_code TEXT NOT NULL,
    industry_code     TEXT NOT NULL,
    industry_section  TEXT NOT NULL,
    occurred_on       TEXT NOT NULL,
    kind              TEXT NOT NULL,
    grade             TEXT NOT NULL,
    deaths            INTEGER NOT NULL,
    serious_injuries  INTEGER NOT NULL,
    direct_loss_yuan  INTEGER NOT NULL,
    circumstances           TEXT NOT NULL,
    report_ref        TEXT NOT NULL DEFAULT '',
    org_id            INTEGER NOT NULL REFERENCES organizations(id),
    user_id           INTEGER NOT NULL REFERENCES users(id),
    created_at        TEXT NOT NULL
);
CREATE INDEX accidents_enterprise ON enterprise_accidents(enterprise_id, occurred_on);
CREATE INDEX accidents_scope ON enterprise_accidents(jurisdiction_code, occurred_on);
