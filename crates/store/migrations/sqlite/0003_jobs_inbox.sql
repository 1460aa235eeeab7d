-- Deadline jobs and the in-app inbox (SQLite). A job is a row: it survives restarts, and its
-- dedupe_key makes each due moment (hazard, deadline, step) exist once however often it is
-- scheduled. Claiming sets state = 'running' with a lease; finishing sets 'done'.

CREATE TABLE jobs (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    hazard_id    INTEGER NOT NULL REFERENCES hazards(id),
    deadline     TEXT NOT NULL,
    step         INTEGER NOT NULL,
    due_at       TEXT NOT NULL,
    dedupe_key   TEXT NOT NULL UNIQUE,
    state        TEXT NOT NULL DEFAULT 'pending',
    lease_until  TEXT,
    outcome      TEXT,
    created_at   TEXT NOT NULL,
    done_at      TEXT
);
CREATE INDEX jobs_due ON jobs(state, due_at);

CREATE TABLE inbox (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id),
    hazard_id  INTEGER REFERENCES hazards(id),
    job_id     INTEGER REFERENCES jobs(id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT
);
CREATE INDEX inbox_user ON inbox(user_id, read_at);
