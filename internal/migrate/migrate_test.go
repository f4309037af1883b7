package migrate_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // the "sqlite" database/sql driver

	"github.com/keyward/keyward/internal/migrate"
	"github.com/keyward/keyward/internal/testenv"
)

// both makes a set whose two dialects have the same files.
func both(name string, files map[string]string) migrate.Set {
	fsys := fstest.MapFS{}
	for file, text := range files {
		for _, d := range []string{"sqlite", "postgres"} {
			fsys["migration/"+d+"/"+file] = &fstest.MapFile{Data: []byte(text)}
		}
	}
	return migrate.Set{Name: name, FS: fsys}
}

type database struct {
	name    string
	dialect migrate.Dialect
	open    func(t *testing.T) *sql.DB
}

func databases() []database {
	return []database{
		{"sqlite", migrate.SQLite, func(t *testing.T) *sql.DB {
			db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
			if err != nil {
				t.Fatal(err)
			}
			db.SetMaxOpenConns(1)
			t.Cleanup(func() { db.Close() })
			return db
		}},
		{"postgres", migrate.Postgres, func(t *testing.T) *sql.DB {
			db, err := sql.Open("pgx", testenv.Postgres(t))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}},
	}
}

// onEachDatabase runs f as a parallel subtest on a fresh SQLite database
// and on a fresh PostgreSQL one.
func onEachDatabase(t *testing.T, f func(t *testing.T, db *sql.DB, dialect migrate.Dialect)) {
	t.Helper()
	for _, d := range databases() {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			f(t, d.open(t), d.dialect)
		})
	}
}

func count(t *testing.T, db *sql.DB, query string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func TestUp(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, db *sql.DB, dialect migrate.Dialect) {
		ctx := context.Background()
		v1 := both("parta", map[string]string{"00001_a.sql": "-- +goose Up\nCREATE TABLE a (id BIGINT PRIMARY KEY);\n"})
		if err := migrate.Up(ctx, db, dialect, v1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`INSERT INTO a (id) VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		// A later release adds a step and a second part; the first
		// step is not run again (it would fail: the table exists).
		v2 := both("parta", map[string]string{
			"00001_a.sql": "-- +goose Up\nCREATE TABLE a (id BIGINT PRIMARY KEY);\n",
			"00002_b.sql": "-- +goose Up\nCREATE TABLE b (id BIGINT PRIMARY KEY);\n",
		})
		other := both("partb", map[string]string{"00001_c.sql": "-- +goose Up\nCREATE TABLE c (id BIGINT PRIMARY KEY);\n"})
		for range 2 {
			if err := migrate.Up(ctx, db, dialect, v2, other); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(t, db, `SELECT COUNT(*) FROM a`) + count(t, db, `SELECT COUNT(*) FROM b`) + count(t, db, `SELECT COUNT(*) FROM c`); n != 1 {
			t.Errorf("rows in a, b and c: %d, want 1", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM keyward_parta_migrations WHERE version_id > 0`); n != 2 {
			t.Errorf("parta versions recorded: %d, want 2", n)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM keyward_partb_migrations WHERE version_id > 0`); n != 1 {
			t.Errorf("partb versions recorded: %d, want 1", n)
		}
	})
}

// TestUpRollsBackAFailedStep: a step that fails half-way leaves nothing of
// itself, and is not recorded.
func TestUpRollsBackAFailedStep(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, db *sql.DB, dialect migrate.Dialect) {
		ctx := context.Background()
		bad := both("part", map[string]string{
			"00001_ok.sql":  "-- +goose Up\nCREATE TABLE ok (id BIGINT);\n",
			"00002_bad.sql": "-- +goose Up\nCREATE TABLE half (id BIGINT);\nINSERT INTO missing (id) VALUES (1);\n",
		})
		if err := migrate.Up(ctx, db, dialect, bad); err == nil || !strings.Contains(err.Error(), "part") {
			t.Fatalf("Up with a failing step = %v, want an error naming the set", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM ok`); n != 0 {
			t.Errorf("table ok: %d rows", n)
		}
		if _, err := db.Exec(`SELECT COUNT(*) FROM half`); err == nil {
			t.Error("the failed step's table exists: the step was not rolled back")
		}
		if n := count(t, db, `SELECT MAX(version_id) FROM keyward_part_migrations`); n != 1 {
			t.Errorf("highest version recorded: %d, want 1", n)
		}
	})
}

func TestSetChecks(t *testing.T) {
	t.Parallel()
	text := []byte("-- +goose Up\nSELECT 1;\n")
	for _, tt := range []struct {
		name string
		set  migrate.Set
		want string
	}{
		{"a dialect lacks a step", migrate.Set{Name: "p", FS: fstest.MapFS{
			"migration/sqlite/00001_a.sql":   {Data: text},
			"migration/sqlite/00002_b.sql":   {Data: text},
			"migration/postgres/00001_a.sql": {Data: text},
		}}, "migration/sqlite has versions [1 2] but migration/postgres has [1]"},
		{"no steps", migrate.Set{Name: "p", FS: fstest.MapFS{}}, "no migrations"},
		{"bad file name", both("p", map[string]string{"first.sql": string(text)}), "want NNNNN_name.sql"},
		{"bad set name", both("Part-1", map[string]string{"00001_a.sql": string(text)}), "set name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := tt.set.Versions(migrate.SQLite)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Versions = %v, want an error containing %q", err, tt.want)
			}
			db, _ := sql.Open("sqlite", ":memory:")
			defer db.Close()
			if err := migrate.Up(context.Background(), db, migrate.SQLite, tt.set); err == nil {
				t.Fatal("Up applied a malformed set")
			}
		})
	}
}
