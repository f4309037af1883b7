-- +goose Up
-- Rooms (DESIGN §9). Times are Unix milliseconds; 0 means "never". A
-- room's id is its 24-hex public id; seq orders rooms newest first.
CREATE TABLE rooms (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    id             TEXT    NOT NULL UNIQUE,
    account_id     INTEGER NOT NULL REFERENCES accounts (id),
    name           TEXT    NOT NULL,
    custom_room_id TEXT    NOT NULL DEFAULT '',
    description    TEXT    NOT NULL DEFAULT '',
    enabled        INTEGER NOT NULL DEFAULT 1,
    max_peers      INTEGER NOT NULL CHECK (max_peers > 0),
    template       TEXT    NOT NULL,
    webhook        TEXT    NOT NULL DEFAULT '{}',
    vendor         TEXT    NOT NULL CHECK (vendor IN ('keyward', '100ms', 'videosdk')),
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    UNIQUE (account_id, name)
);
CREATE UNIQUE INDEX rooms_custom_id ON rooms (account_id, custom_room_id) WHERE custom_room_id <> '';

CREATE TABLE room_sessions (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    room_id    TEXT    NOT NULL REFERENCES rooms (id),
    started_at INTEGER NOT NULL,
    ended_at   INTEGER NOT NULL DEFAULT 0,
    end_reason TEXT    NOT NULL DEFAULT '',
    peers      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX room_sessions_room ON room_sessions (room_id, seq);
-- At most one live session per room.
CREATE UNIQUE INDEX room_sessions_live ON room_sessions (room_id) WHERE ended_at = 0;

CREATE TABLE room_peers (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id    TEXT    NOT NULL REFERENCES room_sessions (id),
    peer_id       TEXT    NOT NULL,
    identity      TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    credential_id INTEGER NOT NULL,
    joined_at     INTEGER NOT NULL,
    left_at       INTEGER NOT NULL DEFAULT 0,
    reason        TEXT    NOT NULL DEFAULT ''
);
-- A resumed peer keeps its id: one row per stay.
CREATE INDEX room_peers_session ON room_peers (session_id, peer_id);

CREATE TABLE room_bans (
    room_id  TEXT    NOT NULL REFERENCES rooms (id),
    identity TEXT    NOT NULL,
    until_at INTEGER NOT NULL,
    reason   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (room_id, identity)
);

-- +goose Down
DROP TABLE room_bans;
DROP TABLE room_peers;
DROP TABLE room_sessions;
DROP TABLE rooms;
