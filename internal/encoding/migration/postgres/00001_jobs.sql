-- +goose Up
-- The Encoding API's jobs and the sound links they made. Times are Unix
-- milliseconds. IF NOT EXISTS adopts the tables that keyward's own
-- migration runner made before this schema moved to goose.
CREATE TABLE IF NOT EXISTS encoding_job (
    id               TEXT             PRIMARY KEY,
    query_hash       TEXT             NOT NULL UNIQUE,
    credential_id    BIGINT           NOT NULL,
    credential_key   TEXT             NOT NULL,
    src              TEXT             NOT NULL,
    artist           TEXT             NOT NULL,
    soundlink        TEXT             NOT NULL UNIQUE,
    status           TEXT             NOT NULL,
    stage            TEXT             NOT NULL,
    progress         DOUBLE PRECISION NOT NULL DEFAULT 0,
    message          TEXT             NOT NULL DEFAULT '',
    river_job_id     BIGINT           NOT NULL DEFAULT 0,
    cancel_requested BIGINT           NOT NULL DEFAULT 0,
    input_format     TEXT             NOT NULL DEFAULT '',
    blob_name        TEXT             NOT NULL DEFAULT '',
    format           TEXT             NOT NULL DEFAULT '',
    duration_ms      BIGINT           NOT NULL DEFAULT 0,
    sample_rate      BIGINT           NOT NULL DEFAULT 0,
    channels         BIGINT           NOT NULL DEFAULT 0,
    size             BIGINT           NOT NULL DEFAULT 0,
    download_ms      BIGINT           NOT NULL DEFAULT 0,
    decode_ms        BIGINT           NOT NULL DEFAULT 0,
    mark_ms          BIGINT           NOT NULL DEFAULT 0,
    encode_ms        BIGINT           NOT NULL DEFAULT 0,
    store_ms         BIGINT           NOT NULL DEFAULT 0,
    attempts         BIGINT           NOT NULL DEFAULT 0,
    created_at       BIGINT           NOT NULL,
    updated_at       BIGINT           NOT NULL,
    finished_at      BIGINT           NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS encoding_job_credential ON encoding_job (credential_id, created_at);

CREATE TABLE IF NOT EXISTS encoding_soundlink (
    id            TEXT   PRIMARY KEY,
    job_id        TEXT   NOT NULL,
    artist        TEXT   NOT NULL,
    credential_id BIGINT NOT NULL,
    created_at    BIGINT NOT NULL
);

-- +goose Down
DROP TABLE encoding_soundlink;
DROP TABLE encoding_job;
