-- +goose Up
-- The portal's browser sessions (package scs): token is the hash of the
-- session cookie, data the encoded session, expiry Unix milliseconds.
-- IF NOT EXISTS adopts the table that keyward made at start-up before its
-- schema was a migration.
CREATE TABLE IF NOT EXISTS portal_sessions (
    token  TEXT   PRIMARY KEY,
    data   TEXT   NOT NULL,
    expiry BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS portal_sessions_expiry ON portal_sessions (expiry);

-- +goose Down
DROP TABLE portal_sessions;
