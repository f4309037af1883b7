package client

import (
	"context"
	"encoding/json"
	"iter"
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

// values is the query of opts.
func (o *ListAuditOptions) values() url.Values {
	q := o.PageOptions.values()
	setInt(q, "actor", o.Actor)
	setString(q, "action", o.Action)
	setString(q, "target_kind", o.TargetKind)
	setString(q, "target_id", o.TargetID)
	return q
}

func (p *AuditPage) items() ([]*AuditEntry, string) { return p.Entries, p.NextCursor }

// ListAudit returns one page of the audit log (GET /v1/audit; admin only).
// opts may be nil.
func (c *Client) ListAudit(ctx context.Context, opts *ListAuditOptions) (*AuditPage, error) {
	return listPage[AuditPage](ctx, c, "/v1/audit", opts)
}

// AllAuditEntries walks every page of [Client.ListAudit] from opts.Cursor.
func (c *Client) AllAuditEntries(ctx context.Context, opts *ListAuditOptions) iter.Seq2[*AuditEntry, error] {
	return walk(ctx, opts, c.ListAudit, (*AuditPage).items)
}
