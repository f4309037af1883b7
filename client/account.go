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
	var out Me
	if err := c.do(ctx, http.MethodGet, "/v1/me", nil, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
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

// ListAccounts returns one page of accounts (GET /v1/accounts; admin only).
// opts may be nil.
func (c *Client) ListAccounts(ctx context.Context, opts *ListAccountsOptions) (*AccountPage, error) {
	if opts == nil {
		opts = &ListAccountsOptions{}
	}
	q := url.Values{}
	opts.set(q)
	setString(q, "role", opts.Role)
	var out AccountPage
	if err := c.do(ctx, http.MethodGet, "/v1/accounts", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllAccounts walks every page of [Client.ListAccounts] from opts.Cursor.
func (c *Client) AllAccounts(ctx context.Context, opts *ListAccountsOptions) iter.Seq2[*Account, error] {
	o := ListAccountsOptions{}
	if opts != nil {
		o = *opts
	}
	return all(ctx, o.Cursor, func(ctx context.Context, cursor string) ([]*Account, string, error) {
		o.Cursor = cursor
		p, err := c.ListAccounts(ctx, &o)
		if err != nil {
			return nil, "", err
		}
		return p.Accounts, p.NextCursor, nil
	})
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
	var out struct {
		Account *Account `json:"account"`
	}
	if err := c.do(ctx, http.MethodPost, "/v1/accounts", nil, params, &out); err != nil {
		return nil, err
	}
	return out.Account, nil
}

// GetAccount returns one account (GET /v1/accounts/{id}).
func (c *Client) GetAccount(ctx context.Context, id int64) (*Account, error) {
	var out struct {
		Account *Account `json:"account"`
	}
	if err := c.do(ctx, http.MethodGet, pathf("/v1/accounts/%s", id), nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Account, nil
}
