package credential

import (
	"context"
	"net/mail"
	"strings"
	"time"
)

// Role is what an account may do.
type Role string

// Account roles.
const (
	// RoleDeveloper may request access, and manage its own credentials within
	// its approved groups.
	RoleDeveloper Role = "developer"
	// RoleAdmin may do everything: decide requests, manage groups, and manage
	// any account's credentials with any groups.
	RoleAdmin Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleDeveloper || r == RoleAdmin }

// Account is a person (or a service) that uses keyward.
type Account struct {
	// ID is the account's unique id, assigned by the store.
	ID int64 `json:"id"`
	// Email is the account's login name and notification address, stored in
	// lower case. Unique.
	Email string `json:"email"`
	// Name is the display name.
	Name string `json:"name"`
	// Role is developer or admin.
	Role Role `json:"role"`
	// PasswordHash is the argon2id PHC string of the password, or empty for
	// an account that cannot log in with a password. It is never
	// serialised.
	PasswordHash string `json:"-"`
	// CreatedAt is when the account was created.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the account was last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate reports whether a is a well-formed account. It returns EINVALID.
func (a *Account) Validate() error {
	if err := ValidateEmail(a.Email); err != nil {
		return err
	}
	if len(a.Name) > 200 {
		return Errorf(EINVALID, "Account name is longer than 200 characters.")
	}
	if err := ValidateLine("Account name", a.Name); err != nil {
		return err
	}
	if !a.Role.Valid() {
		return Errorf(EINVALID, "Account role must be %q or %q.", RoleDeveloper, RoleAdmin)
	}
	return nil
}

// ValidateEmail reports whether email is a plain address (no display name).
// It returns EINVALID.
func ValidateEmail(email string) error {
	if err := ValidateLine("Email", email); err != nil {
		return err
	}
	addr, err := mail.ParseAddress(email)
	if email == "" || err != nil || addr.Address != email || addr.Name != "" || len(email) > 254 {
		return Errorf(EINVALID, "Email %q is not a valid address.", email)
	}
	return nil
}

// NormalizeEmail returns email trimmed and in lower case, the form the store
// keeps.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// CreateAccountParams are the inputs of [AccountService.CreateAccount].
type CreateAccountParams struct {
	// Email is the login and notification address. Required, unique.
	Email string
	// Name is the display name.
	Name string
	// Role defaults to [RoleDeveloper].
	Role Role
	// Password is the plaintext password; the store keeps only its argon2id
	// hash. Empty means the account cannot log in with a password. At least
	// [MinPasswordLength] characters otherwise.
	Password string
}

// MinPasswordLength is the shortest password an account may have.
const MinPasswordLength = 10

// UpdateAccountParams are the inputs of [AccountService.UpdateAccount]. Nil
// fields are left unchanged.
type UpdateAccountParams struct {
	// ID is the account to change.
	ID int64
	// Name is the new display name.
	Name *string
	// Role is the new role. Only admins may change roles.
	Role *Role
	// Password is the new plaintext password.
	Password *string
}

// AccountFilter selects accounts in [AccountService.FindAccounts].
type AccountFilter struct {
	Page
	// Role keeps only accounts with this role, when set.
	Role Role
}

// AccountList is a page of accounts.
type AccountList struct {
	// Accounts are the accounts of this page, newest first.
	Accounts []*Account `json:"accounts"`
	// NextCursor continues the list; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// AccountService manages accounts.
type AccountService interface {
	// FindAccountByID returns the account with id. Developers may read only
	// their own account. Returns ENOTFOUND if it does not exist and
	// EFORBIDDEN for another developer's account.
	FindAccountByID(ctx context.Context, id int64) (*Account, error)

	// FindAccounts lists accounts. Admins only (EFORBIDDEN otherwise).
	FindAccounts(ctx context.Context, filter *AccountFilter) (*AccountList, error)

	// CreateAccount creates an account. Anyone may create a developer
	// account (sign-up); only admins may create admins. Returns EINVALID for
	// bad input, ECONFLICT if the email is taken.
	CreateAccount(ctx context.Context, params *CreateAccountParams) (*Account, error)

	// UpdateAccount changes an account. An account may change its own name
	// and password; admins may change anything. Returns ENOTFOUND,
	// EFORBIDDEN or EINVALID. A role change takes effect for the account's
	// credentials through the change feed.
	UpdateAccount(ctx context.Context, params *UpdateAccountParams) (*Account, error)

	// Authenticate returns the account with email if password matches. It
	// returns EUNAUTHORIZED, with the same message, for an unknown email and
	// a wrong password, and spends the same time on both; EINVALID for an
	// email with control characters or invalid UTF-8 (see [ValidateLine]).
	Authenticate(ctx context.Context, email, password string) (*Account, error)
}
