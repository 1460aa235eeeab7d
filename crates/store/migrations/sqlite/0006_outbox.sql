-- Outgoing notifications for an SMS/WeChat gateway (the optional webhook): one row per inbox
-- message while a webhook is configured, delivered and retried by the server.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    inbox_id        INTEGER NOT NULL REFERENCES inbox(id),
    state           TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
