package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

const sqlMigrationTable = `CREATE TABLE IF NOT EXISTS keyward_job_migration (
	line TEXT NOT NULL,
	version BIGINT NOT NULL,
	PRIMARY KEY (line, version)
)`

// migrate applies the queue's own line "jobs" and the callers' lines, each
// step in a transaction of its own.
func migrate(ctx context.Context, b backend, d Dialect, lines map[string][]Migration) error {
	if _, err := b.Exec(ctx, sqlMigrationTable); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	all := map[string][]Migration{"jobs": leaseMigrations}
	for name, ms := range lines {
		if name == "jobs" {
			return fmt.Errorf("jobs: migration line %q is reserved", name)
		}
		all[name] = ms
	}
	names := make([]string, 0, len(all))
	for name := range all {
		names = append(names, name)
	}
	slices.Sort(names)
	slices.SortFunc(names, func(a, b string) int { // "jobs" first
		switch {
		case a == "jobs":
			return -1
		case b == "jobs":
			return 1
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		ms := slices.Clone(all[name])
		slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
		for _, m := range ms {
			err := b.inTx(ctx, func(tx Tx) error {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM keyward_job_migration WHERE line = $1 AND version = $2`, name, m.Version).Scan(&n); err != nil {
					return err
				}
				if n > 0 {
					return nil
				}
				text := m.SQLite
				if d == Postgres {
					text = m.Postgres
				}
				for _, stmt := range strings.Split(text, ";") {
					if strings.TrimSpace(stmt) == "" {
						continue
					}
					if _, err := tx.Exec(ctx, stmt); err != nil {
						return err
					}
				}
				_, err := tx.Exec(ctx, `INSERT INTO keyward_job_migration (line, version) VALUES ($1, $2)`, name, m.Version)
				return err
			})
			if err != nil {
				return fmt.Errorf("jobs: migrate %s %d: %w", name, m.Version, err)
			}
		}
	}
	return nil
}
