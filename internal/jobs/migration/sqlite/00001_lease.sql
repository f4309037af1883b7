-- +goose Up
-- A lease per running job, renewed by its node (see lease.go). IF NOT
-- EXISTS adopts the table that keyward's own migration runner made before
-- this schema moved to goose.
CREATE TABLE IF NOT EXISTS keyward_job_lease (
    job_id BIGINT PRIMARY KEY,
    node   TEXT   NOT NULL,
    beat   BIGINT NOT NULL
);

-- +goose Down
DROP TABLE keyward_job_lease;
