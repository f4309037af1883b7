package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/password"
)

const accountColumns = `id, email, name, role, password_hash, created_at, updated_at`

func scanAccount(row interface{ Scan(...any) error }) (*credential.Account, error) {
	var a credential.Account
	var role string
	var created, updated int64
	if err := row.Scan(&a.ID, &a.Email, &a.Name, &role, &a.PasswordHash, &created, &updated); err != nil {
		return nil, err
	}
	a.Role = credential.Role(role)
	a.CreatedAt, a.UpdatedAt = fromMS(created), fromMS(updated)
	return &a, nil
}

// findAccount reads one account; ENOTFOUND when there is none.
func (s *Store) findAccount(ctx context.Context, q querier, id int64) (*credential.Account, error) {
	a, err := scanAccount(q.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credential.Errorf(credential.ENOTFOUND, "Account %d not found.", id)
	} else if err != nil {
		return nil, fmt.Errorf("find account: %w", s.d.InterpretError(err))
	}
	return a, nil
}

// FindAccountByID implements [credential.AccountService].
func (s *Store) FindAccountByID(ctx context.Context, id int64) (*credential.Account, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	if !p.admin && p.id != id {
		return nil, credential.Errorf(credential.EFORBIDDEN, "You may only read your own account.")
	}
	return s.findAccount(ctx, db, id)
}

// FindAccountByEmail returns the account with email (any case), for sign-in
// and tools. It needs no actor. Returns ENOTFOUND, or EINVALID for text
// that cannot be an address (control characters, invalid UTF-8).
func (s *Store) FindAccountByEmail(ctx context.Context, email string) (*credential.Account, error) {
	if err := credential.ValidateLine("Email", email); err != nil {
		return nil, err
	}
	a, err := scanAccount(s.d.ReadDB().QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE email = $1`, credential.NormalizeEmail(email)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credential.Errorf(credential.ENOTFOUND, "No account has that email.")
	} else if err != nil {
		return nil, fmt.Errorf("find account by email: %w", s.d.InterpretError(err))
	}
	return a, nil
}

// FindAccounts implements [credential.AccountService].
func (s *Store) FindAccounts(ctx context.Context, filter *credential.AccountFilter) (*credential.AccountList, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	if err := requireAdmin(p); err != nil {
		return nil, err
	}
	before, err := cursorID(filter.Cursor)
	if err != nil {
		return nil, err
	}
	var w where
	w.add("id < ?", before)
	if filter.Role != "" {
		w.add("role = ?", string(filter.Role))
	}
	list, next, err := newestFirst(ctx, s, db, "list accounts", `SELECT `+accountColumns+` FROM accounts`, &w, filter.PageLimit(),
		scanAccount, func(a *credential.Account) int64 { return a.ID })
	if err != nil {
		return nil, err
	}
	return &credential.AccountList{Accounts: list, NextCursor: next}, nil
}

func validatePassword(pw string) error {
	if len(pw) < credential.MinPasswordLength {
		return credential.Errorf(credential.EINVALID, "Password must have at least %d characters.", credential.MinPasswordLength)
	}
	if len(pw) > 1024 {
		return credential.Errorf(credential.EINVALID, "Password is longer than 1024 characters.")
	}
	return nil
}

// CreateAccount implements [credential.AccountService].
func (s *Store) CreateAccount(ctx context.Context, params *credential.CreateAccountParams) (*credential.Account, error) {
	a := &credential.Account{Email: credential.NormalizeEmail(params.Email), Name: params.Name, Role: params.Role}
	if a.Role == "" {
		a.Role = credential.RoleDeveloper
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	if params.Password != "" {
		if err := validatePassword(params.Password); err != nil {
			return nil, err
		}
		hash, err := password.Hash(params.Password)
		if err != nil {
			return nil, fmt.Errorf("create account: %w", err)
		}
		a.PasswordHash = hash
	}
	actor := credential.ActorFromContext(ctx)
	err := s.write(ctx, actor != nil && !actor.Visitor(), func(tx *txn) error {
		if a.Role == credential.RoleAdmin && (tx.p == nil || !tx.p.admin) {
			return credential.Errorf(credential.EFORBIDDEN, "Only an admin may create an admin account.")
		}
		return tx.createAccount(ctx, a)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// createAccount inserts a and audits it; a self sign-up is audited as the
// new account's own action, from the visitor's address.
func (tx *txn) createAccount(ctx context.Context, a *credential.Account) error {
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	id, err := tx.insertID(ctx, "insert account",
		`INSERT INTO accounts (email, name, role, password_hash, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, $5) RETURNING id`,
		a.Email, a.Name, string(a.Role), a.PasswordHash, ms(tx.now))
	if credential.ErrorCode(err) == credential.ECONFLICT {
		return credential.Errorf(credential.ECONFLICT, "An account with email %q already exists.", a.Email)
	} else if err != nil {
		return err
	}
	a.ID = id
	if tx.p == nil {
		tx.p = &principal{id: id}
		if actor := credential.ActorFromContext(ctx); actor != nil {
			tx.p.remote = actor.RemoteAddr
		}
	}
	return tx.audit(ctx, credential.ActionAccountCreate, credential.TargetAccount, strconv.FormatInt(id, 10),
		map[string]any{"email": a.Email, "role": a.Role})
}

// UpdateAccount implements [credential.AccountService].
func (s *Store) UpdateAccount(ctx context.Context, params *credential.UpdateAccountParams) (*credential.Account, error) {
	var hash string
	if params.Password != nil {
		if err := validatePassword(*params.Password); err != nil {
			return nil, err
		}
		var err error
		if hash, err = password.Hash(*params.Password); err != nil {
			return nil, fmt.Errorf("update account: %w", err)
		}
	}
	var out *credential.Account
	err := s.write(ctx, true, func(tx *txn) error {
		// A developer learns nothing about other ids: the same refusal
		// whether the account exists or not.
		if !tx.p.admin && tx.p.id != params.ID {
			return credential.Errorf(credential.EFORBIDDEN, "You may only change your own account.")
		}
		a, err := s.findAccount(ctx, tx.tx, params.ID)
		if err != nil {
			return err
		}
		detail := map[string]any{}
		if params.Name != nil {
			a.Name = *params.Name
			detail["name"] = a.Name
		}
		roleChanged := false
		if params.Role != nil && *params.Role != a.Role {
			if !tx.p.admin {
				return credential.Errorf(credential.EFORBIDDEN, "Only an admin may change roles.")
			}
			detail["role"] = map[string]any{"from": a.Role, "to": *params.Role}
			a.Role, roleChanged = *params.Role, true
		}
		if params.Password != nil {
			a.PasswordHash = hash
			detail["password"] = "changed"
		}
		if err := a.Validate(); err != nil {
			return err
		}
		a.UpdatedAt = tx.now
		if err := tx.exec(ctx, "update account",
			`UPDATE accounts SET name = $1, role = $2, password_hash = $3, updated_at = $4 WHERE id = $5`,
			a.Name, string(a.Role), a.PasswordHash, ms(tx.now), a.ID); err != nil {
			return err
		}
		if roleChanged {
			keys, err := tx.ownerKeys(ctx, a.ID)
			if err != nil {
				return err
			}
			if err := tx.changed(ctx, keys...); err != nil {
				return err
			}
		}
		out = a
		return tx.audit(ctx, credential.ActionAccountUpdate, credential.TargetAccount, strconv.FormatInt(a.ID, 10), detail)
	})
	return out, err
}

// ownerKeys returns the keys of an account's credentials.
func (tx *txn) ownerKeys(ctx context.Context, ownerID int64) ([]string, error) {
	return tx.s.strings(ctx, tx.tx, "list owner keys", `SELECT api_key FROM credentials WHERE owner_id = $1 ORDER BY id`, ownerID)
}

// Authenticate implements [credential.AccountService].
func (s *Store) Authenticate(ctx context.Context, email, pw string) (*credential.Account, error) {
	denied := credential.Errorf(credential.EUNAUTHORIZED, "Wrong email or password.")
	a, err := s.FindAccountByEmail(ctx, email)
	if credential.ErrorCode(err) == credential.ENOTFOUND {
		password.Dummy(pw)
		return nil, denied
	} else if err != nil {
		return nil, err
	}
	if a.PasswordHash == "" {
		password.Dummy(pw)
		return nil, denied
	}
	if err := password.Verify(a.PasswordHash, pw); err != nil {
		return nil, denied
	}
	if password.NeedsRehash(a.PasswordHash) {
		if hash, err := password.Hash(pw); err == nil {
			// Best effort: a failure leaves the old, still valid hash.
			err := s.write(ctx, false, func(tx *txn) error {
				return tx.exec(ctx, "rehash password",
					`UPDATE accounts SET password_hash = $1 WHERE id = $2 AND password_hash = $3`, hash, a.ID, a.PasswordHash)
			})
			if err == nil {
				a.PasswordHash = hash
			}
		}
	}
	return a, nil
}
