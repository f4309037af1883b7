package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Roles of an [Account].
const (
	RoleAdmin     = "admin"
	RoleDeveloper = "developer"
)

// Account is a person who uses the portal or the management API.
type Account struct {
	// ID is the account's id.
	ID int64 `json:"id"`
	// Email is the account's sign-in address.
	Email string `json:"email"`
	// Name is the display name.
	Name string `json:"name"`
	// Role is [RoleAdmin] or [RoleDeveloper].
	Role string `json:"role"`
	// CreatedAt is when the account was made.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// Me is who the client's credential acts as.
type Me struct {
	// Account is the credential's owner.
	Account *Account `json:"account"`
	// Credential is the credential the client signs with.
	Credential *CredentialRef `json:"credential"`
}

// CredentialRef is the short form of a credential that GET /v1/me returns.
type CredentialRef struct {
	// ID is the credential's id.
	ID int64 `json:"id"`
	// Key is its key.
	Key string `json:"key"`
	// Groups are the API groups it may call.
	Groups []string `json:"groups"`
}

// Me returns the account and credential the client acts as
// (GET /v1/me). It is a cheap way to check that the credential works.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	return envelope[Me](ctx, c, http.MethodGet, "/v1/me", nil, nil)
}

// ListAccountsOptions filters [Client.ListAccounts].
type ListAccountsOptions struct {
	PageOptions
	// Role keeps only accounts of this role; "" for all.
	Role string
}

// AccountPage is one page of accounts.
type AccountPage struct {
	// Accounts are the page's accounts.
	Accounts []*Account `json:"accounts"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next_cursor"`
}

// values is the query of opts.
func (o *ListAccountsOptions) values() url.Values {
	q := o.PageOptions.values()
	setString(q, "role", o.Role)
	return q
}

func (p *AccountPage) items() ([]*Account, string) { return p.Accounts, p.NextCursor }

// ListAccounts returns one page of accounts (GET /v1/accounts; admin only).
// opts may be nil.
func (c *Client) ListAccounts(ctx context.Context, opts *ListAccountsOptions) (*AccountPage, error) {
	return listPage[AccountPage](ctx, c, "/v1/accounts", opts)
}

// AllAccounts walks every page of [Client.ListAccounts] from opts.Cursor.
func (c *Client) AllAccounts(ctx context.Context, opts *ListAccountsOptions) iter.Seq2[*Account, error] {
	return walk(ctx, opts, c.ListAccounts, (*AccountPage).items)
}

// CreateAccountParams are the fields of a new account.
type CreateAccountParams struct {
	// Email is the sign-in address. Required.
	Email string `json:"email"`
	// Name is the display name.
	Name string `json:"name"`
	// Role is [RoleAdmin] or [RoleDeveloper].
	Role string `json:"role"`
	// Password is the portal password; "" leaves the account without one.
	Password string `json:"password,omitempty"`
}

// CreateAccount creates an account (POST /v1/accounts; admin only).
func (c *Client) CreateAccount(ctx context.Context, params CreateAccountParams) (*Account, error) {
	return field[*Account](ctx, c, http.MethodPost, "/v1/accounts", params, "account")
}

// GetAccount returns one account (GET /v1/accounts/{id}).
func (c *Client) GetAccount(ctx context.Context, id int64) (*Account, error) {
	return field[*Account](ctx, c, http.MethodGet, pathf("/v1/accounts/%s", id), nil, "account")
}
