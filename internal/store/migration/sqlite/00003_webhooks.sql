-- +goose Up
-- The rooms' webhook outbox (DESIGN §9): every event is written here in
-- the transaction that makes the change it reports, then relayed to the
-- job queue (relayed_at) and delivered by a job (state). Times are Unix
-- milliseconds; 0 means "not yet". seq orders a room's events.
CREATE TABLE webhook_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT    NOT NULL UNIQUE,
    room_id      TEXT    NOT NULL REFERENCES rooms (id),
    account_id   INTEGER NOT NULL,
    type         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    subject      TEXT    NOT NULL DEFAULT '',
    url          TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    relayed_at   INTEGER NOT NULL DEFAULT 0,
    state        TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    finished_at  INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX webhook_events_unrelayed ON webhook_events (seq) WHERE relayed_at = 0;
CREATE INDEX webhook_events_pending ON webhook_events (room_id, seq) WHERE state = 'pending';
CREATE INDEX webhook_events_room ON webhook_events (room_id, seq);
CREATE INDEX webhook_events_subject ON webhook_events (room_id, subject) WHERE subject <> '';

-- announced is 1 when the started / joined event was written, so that an
-- ended / left event is written only after its start.
ALTER TABLE room_sessions ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;
ALTER TABLE room_peers ADD COLUMN announced INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE room_peers DROP COLUMN announced;
ALTER TABLE room_sessions DROP COLUMN announced;
DROP TABLE webhook_events;
