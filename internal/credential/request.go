package credential

import (
	"context"
	"time"
)

// RequestStatus is the state of an [AccessRequest].
type RequestStatus string

// Access request states: pending → approved | rejected, or withdrawn by the
// developer while pending.
const (
	RequestPending   RequestStatus = "pending"
	RequestApproved  RequestStatus = "approved"
	RequestRejected  RequestStatus = "rejected"
	RequestWithdrawn RequestStatus = "withdrawn"
)

// Valid reports whether s is a known status.
func (s RequestStatus) Valid() bool {
	switch s {
	case RequestPending, RequestApproved, RequestRejected, RequestWithdrawn:
		return true
	}
	return false
}

// AccessRequest is a developer's request for access to API groups.
type AccessRequest struct {
	// ID is the request's unique id.
	ID int64 `json:"id"`
	// AccountID is the requesting account.
	AccountID int64 `json:"account_id"`
	// Groups are the requested API groups, sorted.
	Groups []string `json:"groups"`
	// Reason is the developer's explanation.
	Reason string `json:"reason"`
	// Status is pending, approved, rejected or withdrawn.
	Status RequestStatus `json:"status"`
	// DecisionNote is the admin's note on approval or rejection.
	DecisionNote string `json:"decision_note"`
	// DecidedBy is the account that decided (or withdrew) the request; 0
	// while pending or when keyward itself decided.
	DecidedBy int64 `json:"decided_by,omitempty"`
	// DecidedAt is when the request left pending; zero while pending.
	DecidedAt time.Time `json:"decided_at,omitzero"`
	// CreatedAt is when the request was made.
	CreatedAt time.Time `json:"created_at"`
}

// CreateAccessRequestParams are the inputs of
// [RequestService.CreateAccessRequest].
type CreateAccessRequestParams struct {
	// Groups are the API groups asked for; each must exist (EINVALID).
	Groups []string
	// Reason explains what the access is for. Up to 2000 characters.
	Reason string
}

// Validate reports whether p is well formed. It returns EINVALID.
func (p *CreateAccessRequestParams) Validate() error {
	if err := ValidateGroupList(p.Groups); err != nil {
		return err
	}
	if len(p.Reason) > 2000 {
		return Errorf(EINVALID, "Reason is longer than 2000 characters.")
	}
	return ValidateLines("Reason", p.Reason)
}

// DecideAccessRequestParams are the inputs of
// [RequestService.DecideAccessRequest].
type DecideAccessRequestParams struct {
	// ID is the request to decide.
	ID int64
	// Decision is [RequestApproved] or [RequestRejected].
	Decision RequestStatus
	// Note is the admin's note, shown to the developer. Up to 2000
	// characters.
	Note string
}

// Validate reports whether p is well formed. It returns EINVALID.
func (p *DecideAccessRequestParams) Validate() error {
	if p.Decision != RequestApproved && p.Decision != RequestRejected {
		return Errorf(EINVALID, "Decision must be %q or %q.", RequestApproved, RequestRejected)
	}
	if len(p.Note) > 2000 {
		return Errorf(EINVALID, "Decision note is longer than 2000 characters.")
	}
	return ValidateLines("Decision note", p.Note)
}

// AccessRequestFilter selects requests in
// [RequestService.FindAccessRequests].
type AccessRequestFilter struct {
	Page
	// AccountID keeps only this account's requests. For developers it is
	// always their own account.
	AccountID int64
	// Status keeps only requests in this state, when set.
	Status RequestStatus
}

// AccessRequestList is a page of requests.
type AccessRequestList struct {
	// Requests are the requests of this page, newest first.
	Requests []*AccessRequest `json:"requests"`
	// NextCursor continues the list; empty on the last page.
	NextCursor string `json:"next_cursor,omitempty"`
}

// RequestService manages access requests.
type RequestService interface {
	// CreateAccessRequest files a request for the acting account and
	// notifies the admins. Returns EUNAUTHORIZED without an actor, EINVALID
	// for bad input or a group that does not exist.
	CreateAccessRequest(ctx context.Context, params *CreateAccessRequestParams) (*AccessRequest, error)

	// FindAccessRequestByID returns one request. Developers may read only
	// their own: another account's is ENOTFOUND to them, as an unknown id.
	FindAccessRequestByID(ctx context.Context, id int64) (*AccessRequest, error)

	// FindAccessRequests lists requests; developers see only their own.
	FindAccessRequests(ctx context.Context, filter *AccessRequestFilter) (*AccessRequestList, error)

	// DecideAccessRequest approves or rejects a pending request and notifies
	// the developer (in the app, and by email after the commit when a
	// [Notifier] is configured). Admins only (EFORBIDDEN). Returns
	// ENOTFOUND, or ECONFLICT when the request is no longer pending.
	DecideAccessRequest(ctx context.Context, params *DecideAccessRequestParams) (*AccessRequest, error)

	// WithdrawAccessRequest withdraws the actor's own pending request.
	// Returns ENOTFOUND for an unknown id and, to a developer, for another
	// account's request; EFORBIDDEN for an admin withdrawing another's;
	// ECONFLICT when it is no longer pending.
	WithdrawAccessRequest(ctx context.Context, id int64) (*AccessRequest, error)

	// FindApprovedGroups returns the groups granted to account by its
	// approved requests, sorted. Developers may ask only about themselves.
	FindApprovedGroups(ctx context.Context, accountID int64) ([]string, error)
}
