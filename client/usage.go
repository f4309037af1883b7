package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// UsageRow counts the requests one credential made to one route with one
// status in one minute.
type UsageRow struct {
	// CredentialID is the credential that signed the requests.
	CredentialID int64 `json:"credential_id"`
	// Route is the API id or route of the requests.
	Route string `json:"route"`
	// Status is the HTTP status answered.
	Status int `json:"status"`
	// Minute is the start of the minute, in UTC.
	Minute time.Time `json:"minute"`
	// Count is the number of requests.
	Count int64 `json:"count"`
}

// UsageOptions filters [Client.Usage].
type UsageOptions struct {
	// Credential keeps only this credential's usage; 0 for all the caller
	// may see.
	Credential int64
	// Since keeps minutes at or after this time; zero for no bound.
	Since time.Time
	// Until keeps minutes before this time; zero for no bound.
	Until time.Time
}

// Usage returns request counts per credential, route, status and minute,
// newest minute first (GET /v1/usage). opts may be nil.
func (c *Client) Usage(ctx context.Context, opts *UsageOptions) ([]*UsageRow, error) {
	if opts == nil {
		opts = &UsageOptions{}
	}
	q := url.Values{}
	setInt(q, "credential", opts.Credential)
	if !opts.Since.IsZero() {
		q.Set("since", opts.Since.UTC().Format(time.RFC3339))
	}
	if !opts.Until.IsZero() {
		q.Set("until", opts.Until.UTC().Format(time.RFC3339))
	}
	var out struct {
		Usage []*UsageRow `json:"usage"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/usage", q, nil, &out); err != nil {
		return nil, err
	}
	return out.Usage, nil
}
