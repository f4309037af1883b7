package store

import (
	"embed"

	"github.com/keyward/keyward/internal/migrate"
)

//go:embed migration
var migrationFS embed.FS

// Migrations is the store's schema; the dialects apply it when they open.
var Migrations = migrate.Set{Name: "store", FS: migrationFS}
