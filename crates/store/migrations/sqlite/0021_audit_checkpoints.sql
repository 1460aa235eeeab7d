-- Settings of this database. `instance_id` names it in the audit chain's signed checkpoints:
-- random, made once here, copied with the data by a backup and its restore (unlike a server's
-- own identifier), so a checkpoint of one database says nothing about another.
CREATE TABLE settings (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO settings (name, value) VALUES ('instance_id', lower(hex(randomblob(16))));

-- Signed checkpoints of the chain's head, as taken (the same JSON line as in the file kept
-- outside the database, which is what proves anything; these rows only list them). A row to
-- deliver to a receiving URL waits in post_state 'pending' until it is sent or given up.
CREATE TABLE audit_checkpoints (
    id            INTEGER PRIMARY KEY,
    seq           INTEGER NOT NULL,
    head_hash     TEXT NOT NULL,
    at            TEXT NOT NULL,
    key_id        TEXT NOT NULL,
    body          TEXT NOT NULL,
    post_state    TEXT NOT NULL DEFAULT 'none',
    post_attempts INTEGER NOT NULL DEFAULT 0,
    post_next_at  TEXT,
    post_error    TEXT
);
CREATE INDEX audit_checkpoints_post ON audit_checkpoints(post_state, post_next_at);
