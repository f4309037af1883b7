-- +goose Up
-- keyward's own migration runner recorded its steps here, by line and
-- version; goose records each part's in keyward_PART_migrations now.
DROP TABLE IF EXISTS keyward_job_migration;
