// Package migrate brings keyward's schemas up to date: every table of every
// part (the credential store, the job queue, the Encoding API, the portal's
// sessions) is made by goose SQL migrations embedded in the part that owns
// it, one file per step and dialect, each step run in a transaction.
//
// A part declares a [Set]: a name and a file system holding the directories
// migration/sqlite and migration/postgres, whose files are numbered alike
// (00001_name.sql, 00002_….sql):
//
//	//go:embed migration
//	var migrationFS embed.FS
//
//	// Migrations is the schema of the part.
//	var Migrations = migrate.Set{Name: "part", FS: migrationFS}
//
// The versions applied are recorded per part, in the table
// keyward_NAME_migrations. Adding a table is adding one file to each
// directory.
//
// River's own tables are not here: River's migrator owns them (see package
// jobs).
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Dialect names a database.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Set is the schema of one part of keyward.
type Set struct {
	// Name names the part: lower-case letters, digits and '_'. Its versions
	// are recorded in [Set.Table].
	Name string
	// FS holds migration/sqlite/*.sql and migration/postgres/*.sql, goose
	// SQL migrations with the same version numbers in both.
	FS fs.FS
}

// Table returns the table that records the set's applied versions.
func (s Set) Table() string { return "keyward_" + s.Name + "_migrations" }

var validName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Versions returns the version numbers of the set's migrations for d, in
// order. It fails when the set is malformed: a bad name, a file not named
// NNNNN_name.sql, or versions that differ between the two dialects.
func (s Set) Versions(d Dialect) ([]int64, error) {
	if !validName.MatchString(s.Name) {
		return nil, fmt.Errorf("migrate: set name %q: want lower-case letters, digits and _", s.Name)
	}
	byDialect := map[Dialect][]int64{}
	for _, dd := range []Dialect{SQLite, Postgres} {
		names, err := fs.Glob(s.FS, dir(dd)+"/*")
		if err != nil {
			return nil, fmt.Errorf("migrate: %s: %w", s.Name, err)
		}
		for _, name := range names {
			v, err := version(path.Base(name))
			if err != nil {
				return nil, fmt.Errorf("migrate: %s: %w", s.Name, err)
			}
			byDialect[dd] = append(byDialect[dd], v)
		}
		slices.Sort(byDialect[dd])
	}
	if !slices.Equal(byDialect[SQLite], byDialect[Postgres]) {
		return nil, fmt.Errorf("migrate: %s: %s has versions %v but %s has %v", s.Name, dir(SQLite), byDialect[SQLite], dir(Postgres), byDialect[Postgres])
	}
	if len(byDialect[d]) == 0 {
		return nil, fmt.Errorf("migrate: %s: no migrations for %s", s.Name, d)
	}
	return byDialect[d], nil
}

// dir is the directory of d's migrations in a Set's FS.
func dir(d Dialect) string { return "migration/" + string(d) }

var fileName = regexp.MustCompile(`^([0-9]+)_[a-z0-9_]+\.sql$`)

func version(name string) (int64, error) {
	m := fileName.FindStringSubmatch(name)
	if m == nil {
		return 0, fmt.Errorf("file %q: want NNNNN_name.sql", name)
	}
	return strconv.ParseInt(m[1], 10, 64)
}

// Up applies the sets' pending migrations to db, set after set, each
// migration in a transaction of its own. On PostgreSQL a session lock makes
// nodes that start together apply each step once.
func Up(ctx context.Context, db *sql.DB, d Dialect, sets ...Set) error {
	var gd goose.Dialect
	switch d {
	case SQLite:
		gd = goose.DialectSQLite3
	case Postgres:
		gd = goose.DialectPostgres
	default:
		return fmt.Errorf("migrate: unknown dialect %q", d)
	}
	for _, s := range sets {
		if _, err := s.Versions(d); err != nil {
			return err
		}
		fsys, err := fs.Sub(s.FS, dir(d))
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", s.Name, err)
		}
		opts := []goose.ProviderOption{goose.WithTableName(s.Table()), goose.WithDisableGlobalRegistry(true)}
		if d == Postgres {
			locker, err := lock.NewPostgresSessionLocker()
			if err != nil {
				return fmt.Errorf("migrate: %s: lock: %w", s.Name, err)
			}
			opts = append(opts, goose.WithSessionLocker(locker))
		}
		p, err := goose.NewProvider(gd, db, fsys, opts...)
		if err != nil {
			return fmt.Errorf("migrate: %s: %w", s.Name, err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate: %s: %w", s.Name, err)
		}
	}
	return nil
}
