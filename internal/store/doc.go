// Package store keeps keyward's credentials on a SQL database. It implements
// every service of package credential — accounts, groups, access requests,
// credentials, the audit log, notifications — plus the verifier's key lookup
// and change feed, once, over a small [Driver] that each SQL dialect
// provides: sqlitestore (the embedded default) and pgstore (PostgreSQL).
//
// The business rules live here and only here: who may do what, the request
// state machine, the granted-groups rule, secret rotation, the audit entry
// written in the transaction of each mutation, and the change feed. The
// schema is [Migrations], one goose file per step and dialect under
// migration/ (package migrate); the dialects apply it, own their connection
// handling and translate driver errors into credential error codes.
//
// # Opening
//
//	db, err := sqlitestore.Open(ctx, &sqlitestore.Config{Path: "keyward-data/keyward.db"})
//	sealer, _, err := seal.FromConfig(&seal.Config{Key: os.Getenv(seal.EnvKey), DefaultFile: "keyward-data/master.key"})
//	st, err := store.New(ctx, db, &store.Config{Sealer: sealer})
//	defer st.Close()
//	res, err := st.EnsureAdmin(ctx, &store.EnsureAdminParams{})
//
// # SQL
//
// Queries are written once, with $N placeholders, which both modernc.org/sqlite
// and pgx accept. Times are stored as Unix milliseconds (BIGINT), 0 meaning
// "never", so one query text serves both databases. Where the dialects
// differ, the [Driver] says how ([Driver.ForUpdate]).
//
// # Secrets
//
// Secret material is sealed with package seal before it reaches the
// database, bound to its row (the secret's kid and credential id), and only
// opened by [Store.LookupKey]. Revocation destroys the material.
//
// # Change feed
//
// Every change that alters what [Store.LookupKey] returns for a key appends
// the key to the credential_changes table under a number taken from a single
// counter row. The counter row is locked until the transaction ends, so
// change numbers become visible in order and a poller that remembers the last
// number it saw never misses one ([Store.ChangesSince]).
//
// # Stability
//
// The [Driver] interface is a seam between keyward's own packages. API is not
// stable. DO NOT IMPLEMENT outside keyward.
package store
