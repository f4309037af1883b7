package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// AuditEntry records one change made through the portal or the API.
type AuditEntry struct {
	// ID is the entry's id.
	ID int64 `json:"id"`
	// ActorID is the account that acted, or 0 for the system.
	ActorID int64 `json:"actor_id"`
	// Action is what was done, e.g. "credential.revoke".
	Action string `json:"action"`
	// TargetKind is the kind of object acted on, e.g. "credential".
	TargetKind string `json:"target_kind"`
	// TargetID is the object's id or name.
	TargetID string `json:"target_id"`
	// Detail is the action's parameters as JSON; never a secret.
	Detail json.RawMessage `json:"detail"`
	// RemoteAddr is the client address the action came from.
	RemoteAddr string `json:"remote_addr"`
	// CreatedAt is when it happened.
	CreatedAt time.Time `json:"created_at"`
}

// ListAuditOptions filters [Client.ListAudit].
type ListAuditOptions struct {
	PageOptions
	// Actor keeps only this account's actions; 0 for all.
	Actor int64
	// Action keeps only this action, e.g. "credential.create".
	Action string
	// TargetKind keeps only actions on this kind of object.
	TargetKind string
	// TargetID keeps only actions on this object.
	TargetID string
}

// AuditPage is one page of audit entries, newest first.
type AuditPage struct {
	// Entries are the page's entries.
	Entries []*AuditEntry `json:"entries"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next_cursor"`
}

// ListAudit returns one page of the audit log (GET /v1/audit; admin only).
// opts may be nil.
func (c *Client) ListAudit(ctx context.Context, opts *ListAuditOptions) (*AuditPage, error) {
	if opts == nil {
		opts = &ListAuditOptions{}
	}
	q := url.Values{}
	opts.set(q)
	setInt(q, "actor", opts.Actor)
	setString(q, "action", opts.Action)
	setString(q, "target_kind", opts.TargetKind)
	setString(q, "target_id", opts.TargetID)
	var out AuditPage
	if err := c.do(ctx, http.MethodGet, "/v1/audit", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// AllAuditEntries walks every page of [Client.ListAudit] from opts.Cursor.
func (c *Client) AllAuditEntries(ctx context.Context, opts *ListAuditOptions) iter.Seq2[*AuditEntry, error] {
	o := ListAuditOptions{}
	if opts != nil {
		o = *opts
	}
	return all(ctx, o.Cursor, func(ctx context.Context, cursor string) ([]*AuditEntry, string, error) {
		o.Cursor = cursor
		p, err := c.ListAudit(ctx, &o)
		if err != nil {
			return nil, "", err
		}
		return p.Entries, p.NextCursor, nil
	})
}
