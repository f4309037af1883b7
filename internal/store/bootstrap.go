package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/password"
)

// DefaultAdminEmail is the email of the admin account made on first start.
const DefaultAdminEmail = "admin@localhost"

// EnsureAdminParams are the inputs of [Store.EnsureAdmin].
type EnsureAdminParams struct {
	// Email is the admin's email. Empty means [DefaultAdminEmail].
	Email string
	// Name is the admin's display name. Empty means "Administrator".
	Name string
	// CredentialName names the admin credential. Empty means "admin".
	CredentialName string
}

// EnsureAdminResult is what [Store.EnsureAdmin] did.
type EnsureAdminResult struct {
	// Created reports whether this call made the admin. When false, the
	// store already had an admin and nothing else is set but Account.
	Created bool
	// Account is the new admin, or an existing one.
	Account *credential.Account
	// Password is the new admin's random password, shown this once.
	Password string
	// Credential is the admin credential, granted every group.
	Credential *credential.Credential
	// Secret is the admin credential's secret, shown this once.
	Secret *credential.Secret
}

// EnsureAdmin creates the first admin account — with a random password — and
// an admin credential granted every group, when the store has no admin. It
// is idempotent, and safe when several nodes start at once: a lock row
// serialises them and the first one in creates the admin.
func (s *Store) EnsureAdmin(ctx context.Context, params *EnsureAdminParams) (*EnsureAdminResult, error) {
	if params == nil {
		params = &EnsureAdminParams{}
	}
	email, name, credName := credential.NormalizeEmail(params.Email), params.Name, params.CredentialName
	if email == "" {
		email = DefaultAdminEmail
	}
	if name == "" {
		name = "Administrator"
	}
	if credName == "" {
		credName = "admin"
	}
	if existing, err := s.firstAdmin(ctx, s.d.ReadDB()); err != nil || existing != nil {
		return &EnsureAdminResult{Account: existing}, err
	}
	pw := randomPassword()
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	res := &EnsureAdminResult{}
	ctx = credential.NewContextWithActor(ctx, credential.SystemActor())
	err = s.write(ctx, true, func(tx *txn) error {
		// The lock row serialises concurrent bootstraps (on PostgreSQL the
		// UPDATE holds its row lock until commit).
		if err := tx.exec(ctx, "take bootstrap lock",
			`UPDATE store_locks SET held_at = $1 WHERE name = 'bootstrap'`, ms(tx.now)); err != nil {
			return err
		}
		existing, err := s.firstAdmin(ctx, tx.tx)
		if err != nil || existing != nil {
			res.Account = existing
			return err
		}
		a := &credential.Account{Email: email, Name: name, Role: credential.RoleAdmin, PasswordHash: hash}
		if err := a.Validate(); err != nil {
			return err
		}
		if err := tx.createAccount(ctx, a); err != nil {
			return err
		}
		groups, err := s.strings(ctx, tx.tx, "list groups", `SELECT name FROM api_groups ORDER BY name`)
		if err != nil {
			return err
		}
		c, sec, err := tx.createCredential(ctx, &credential.CreateCredentialParams{OwnerID: a.ID, Name: credName, Notes: "Made on first start.", Groups: groups})
		if err != nil {
			return err
		}
		if err := tx.audit(ctx, credential.ActionAdminBootstrap, credential.TargetAccount, fmt.Sprint(a.ID),
			map[string]any{"email": a.Email, "credential_id": c.ID}); err != nil {
			return err
		}
		*res = EnsureAdminResult{Created: true, Account: a, Password: pw, Credential: c, Secret: sec}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ensure admin: %w", err)
	}
	return res, nil
}

// firstAdmin returns the oldest admin account, or nil.
func (s *Store) firstAdmin(ctx context.Context, q querier) (*credential.Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE role = 'admin' ORDER BY id LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find admin: %w", s.d.InterpretError(err))
	}
	return a, nil
}

// randomPassword returns 26 random base32 characters (130 bits).
func randomPassword() string { return rand.Text() }
