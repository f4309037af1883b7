package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"time"
)

// Statuses of an [AccessRequest].
const (
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestRejected  = "rejected"
	RequestWithdrawn = "withdrawn"
)

// AccessRequest is a developer's request for access to API groups, which an
// admin approves or rejects.
type AccessRequest struct {
	// ID is the request's id.
	ID int64 `json:"id"`
	// AccountID is the account that asked.
	AccountID int64 `json:"account_id"`
	// Groups are the API groups asked for.
	Groups []string `json:"groups"`
	// Reason is the developer's explanation.
	Reason string `json:"reason"`
	// Status is [RequestPending], [RequestApproved], [RequestRejected] or
	// [RequestWithdrawn].
	Status string `json:"status"`
	// DecisionNote is the admin's note on the decision.
	DecisionNote string `json:"decision_note"`
	// DecidedBy is the admin who decided, or 0.
	DecidedBy int64 `json:"decided_by,omitempty"`
	// DecidedAt is when, or the zero time.
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// CreatedAt is when the request was made.
	CreatedAt time.Time `json:"created_at"`
}

// ListRequestsOptions filters [Client.ListRequests].
type ListRequestsOptions struct {
	PageOptions
	// Status keeps only requests with this status; "" for all.
	Status string
	// Account keeps only this account's requests; 0 for all (admins) or
	// one's own (developers).
	Account int64
}

// RequestPage is one page of access requests.
type RequestPage struct {
	// Requests are the page's requests.
	Requests []*AccessRequest `json:"requests"`
	// NextCursor is the cursor of the next page, or "" on the last.
	NextCursor string `json:"next_cursor"`
}

// values is the query of opts.
func (o *ListRequestsOptions) values() url.Values {
	q := o.PageOptions.values()
	setString(q, "status", o.Status)
	setInt(q, "account", o.Account)
	return q
}

func (p *RequestPage) items() ([]*AccessRequest, string) { return p.Requests, p.NextCursor }

// ListRequests returns one page of access requests (GET /v1/requests).
// opts may be nil.
func (c *Client) ListRequests(ctx context.Context, opts *ListRequestsOptions) (*RequestPage, error) {
	return listPage[RequestPage](ctx, c, "/v1/requests", opts)
}

// AllRequests walks every page of [Client.ListRequests] from opts.Cursor.
func (c *Client) AllRequests(ctx context.Context, opts *ListRequestsOptions) iter.Seq2[*AccessRequest, error] {
	return walk(ctx, opts, c.ListRequests, (*RequestPage).items)
}

// CreateRequestParams are the fields of a new access request.
type CreateRequestParams struct {
	// Groups are the API groups asked for. Required.
	Groups []string `json:"groups"`
	// Reason tells the admin why.
	Reason string `json:"reason"`
}

// CreateRequest asks for access to API groups (POST /v1/requests).
func (c *Client) CreateRequest(ctx context.Context, params CreateRequestParams) (*AccessRequest, error) {
	return c.requestCall(ctx, http.MethodPost, "/v1/requests", params)
}

// GetRequest returns one access request (GET /v1/requests/{id}).
func (c *Client) GetRequest(ctx context.Context, id int64) (*AccessRequest, error) {
	return c.requestCall(ctx, http.MethodGet, pathf("/v1/requests/%s", id), nil)
}

// ApproveRequest approves a pending request with an optional note
// (POST /v1/requests/{id}/approve; admin only).
func (c *Client) ApproveRequest(ctx context.Context, id int64, note string) (*AccessRequest, error) {
	return c.requestCall(ctx, http.MethodPost, pathf("/v1/requests/%s/approve", id), decision{Note: note})
}

// RejectRequest rejects a pending request with a note for the developer
// (POST /v1/requests/{id}/reject; admin only).
func (c *Client) RejectRequest(ctx context.Context, id int64, note string) (*AccessRequest, error) {
	return c.requestCall(ctx, http.MethodPost, pathf("/v1/requests/%s/reject", id), decision{Note: note})
}

// WithdrawRequest withdraws one's own pending request
// (POST /v1/requests/{id}/withdraw).
func (c *Client) WithdrawRequest(ctx context.Context, id int64) (*AccessRequest, error) {
	return c.requestCall(ctx, http.MethodPost, pathf("/v1/requests/%s/withdraw", id), noBody)
}

type decision struct {
	Note string `json:"note"`
}

func (c *Client) requestCall(ctx context.Context, method, path string, in any) (*AccessRequest, error) {
	return field[*AccessRequest](ctx, c, method, path, in, "request")
}
