package jobs

import (
	"context"
	"database/sql"
	"embed"
	"fmt"

	"github.com/keyward/keyward/internal/migrate"
)

//go:embed migration
var migrationFS embed.FS

// schema is the queue's own tables (the leases), set "jobs".
var schema = migrate.Set{Name: "jobs", FS: migrationFS}

// applyMigrations applies the queue's schema and then the callers' sets.
// River's tables are River's: its migrator has run before.
func applyMigrations(ctx context.Context, db *sql.DB, d Dialect, sets []migrate.Set) error {
	all := []migrate.Set{schema}
	for _, s := range sets {
		if s.Name == schema.Name {
			return fmt.Errorf("jobs: migration set name %q is reserved", s.Name)
		}
		all = append(all, s)
	}
	if err := migrate.Up(ctx, db, migrate.Dialect(d), all...); err != nil {
		return fmt.Errorf("jobs: %w", err)
	}
	return nil
}
