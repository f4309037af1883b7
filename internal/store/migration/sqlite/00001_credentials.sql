-- +goose Up
-- Times are Unix milliseconds; 0 means "never". Ids never repeat
-- (AUTOINCREMENT), so a deleted credential's id is not reused.
CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL DEFAULT '',
    role          TEXT    NOT NULL CHECK (role IN ('developer', 'admin')),
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

CREATE TABLE api_groups (
    name        TEXT    PRIMARY KEY,
    description TEXT    NOT NULL DEFAULT '',
    api_ids     TEXT    NOT NULL DEFAULT '[]',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE access_requests (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id    INTEGER NOT NULL REFERENCES accounts (id),
    reason        TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn')),
    decision_note TEXT    NOT NULL DEFAULT '',
    decided_by    INTEGER NOT NULL DEFAULT 0,
    decided_at    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL
);
CREATE INDEX access_requests_account ON access_requests (account_id, status);

CREATE TABLE access_request_groups (
    request_id INTEGER NOT NULL REFERENCES access_requests (id) ON DELETE CASCADE,
    group_name TEXT    NOT NULL REFERENCES api_groups (name),
    PRIMARY KEY (request_id, group_name)
);
CREATE INDEX access_request_groups_group ON access_request_groups (group_name);

CREATE TABLE credentials (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    api_key      TEXT    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    notes        TEXT    NOT NULL DEFAULT '',
    owner_id     INTEGER NOT NULL REFERENCES accounts (id),
    status       TEXT    NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    revoked_at   INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credentials_owner ON credentials (owner_id);

CREATE TABLE credential_groups (
    credential_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    group_name    TEXT    NOT NULL REFERENCES api_groups (name),
    PRIMARY KEY (credential_id, group_name)
);
CREATE INDEX credential_groups_group ON credential_groups (group_name);

-- sealed is the AES-256-GCM sealed secret (package seal), bound to kid and
-- credential_id; it is emptied on revocation.
CREATE TABLE credential_secrets (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    kid           TEXT    NOT NULL UNIQUE,
    credential_id INTEGER NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
    sealed        BLOB    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL DEFAULT 0,
    retired_at    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX credential_secrets_credential ON credential_secrets (credential_id);

CREATE TABLE change_counter (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL
);
INSERT INTO change_counter (id, seq) VALUES (1, 0);

CREATE TABLE credential_changes (
    seq        INTEGER PRIMARY KEY,
    api_key    TEXT    NOT NULL,
    changed_at INTEGER NOT NULL
);
CREATE INDEX credential_changes_time ON credential_changes (changed_at);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id    INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    target_kind TEXT    NOT NULL,
    target_id   TEXT    NOT NULL,
    detail      TEXT    NOT NULL DEFAULT '{}',
    remote_addr TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
CREATE INDEX audit_log_target ON audit_log (target_kind, target_id);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

CREATE TABLE notifications (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    subject     TEXT    NOT NULL,
    body        TEXT    NOT NULL,
    target_kind TEXT    NOT NULL DEFAULT '',
    target_id   TEXT    NOT NULL DEFAULT '',
    read_at     INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
CREATE INDEX notifications_account ON notifications (account_id, read_at);

-- Usage outlives its credential, so there is no foreign key.
CREATE TABLE usage_counts (
    credential_id INTEGER NOT NULL,
    route         TEXT    NOT NULL,
    status        INTEGER NOT NULL,
    minute        INTEGER NOT NULL,
    count         INTEGER NOT NULL,
    PRIMARY KEY (credential_id, route, status, minute)
);
CREATE INDEX usage_counts_minute ON usage_counts (minute);

CREATE TABLE store_locks (
    name    TEXT    PRIMARY KEY,
    held_at INTEGER NOT NULL DEFAULT 0
);
INSERT INTO store_locks (name) VALUES ('bootstrap');

CREATE TABLE store_meta (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);

INSERT INTO api_groups (name, description, api_ids, created_at, updated_at)
VALUES ('encoding', 'the Soundlinks Encoding API', '["sl.encoding.start","sl.encoding.query","sl.encoding.detect"]', 0, 0);

-- +goose Down
DROP TABLE store_meta;
DROP TABLE store_locks;
DROP TABLE usage_counts;
DROP TABLE notifications;
DROP TABLE audit_log;
DROP TABLE credential_changes;
DROP TABLE change_counter;
DROP TABLE credential_secrets;
DROP TABLE credential_groups;
DROP TABLE credentials;
DROP TABLE access_request_groups;
DROP TABLE access_requests;
DROP TABLE api_groups;
DROP TABLE accounts;
