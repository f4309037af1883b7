// Package jobs runs keyward's durable background jobs on River, on SQLite
// (the embedded default) or PostgreSQL, with one worker code path.
//
// # Databases
//
// On SQLite, River's tables and those of the packages that enqueue jobs
// (their migration sets, [Config.Migrations]) live in a file of their own, DATA/jobs.db, beside
// the credential store's keyward.db: the job queue writes often, and a
// separate file keeps its write lock away from token verification. It is
// opened with one connection, as River's SQLite driver asks.
//
// On PostgreSQL everything lives in the database keyward already uses
// (River's river_* tables, keyward_job_lease and the callers' tables).
// Several nodes may share it: River hands each job to one of them.
//
// # Schemas
//
// River's tables are made by River's own migrator, which runs first: they
// are River's, versioned with River. The queue's lease table and the
// callers' tables are goose migrations (package migrate), set "jobs" and
// the callers' own sets.
//
// # Crashes and leases
//
// A worker that dies (kill -9, a lost machine) leaves its job "running" in
// River's table. River's own rescuer would retry it only after
// [Config.RescueAfter] (a bound on a job's run time). keyward adds leases:
// while a job runs, its node renews a row in keyward_job_lease every
// [Config.HeartbeatInterval]. Every node sweeps for running jobs whose
// lease is older than [Config.LeaseTimeout] (or that never got one) and
// makes them available again, so another node picks them up within about
// LeaseTimeout. A node keeps a job's lease after its worker returns, until
// River has recorded how the job ended: a job is never handed out twice
// while the node that ran it is alive, however slow that recording is. On SQLite, where only one process uses the file, every job
// still "running" when the queue starts belongs to a dead process and is
// made available at once.
//
// A rescued job runs again from the start: workers must be idempotent (the
// encoding worker is: it rewrites the same file and records its result
// once).
//
// # Cancellation
//
// River v0.47.0's SQLite driver does not deliver a remote cancel to a
// running job. Long workers check for cancellation themselves (the
// encoding worker reads its job's row between stages).
package jobs
