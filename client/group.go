package client

import (
	"context"
	"net/http"
	"time"
)

// Group is an API group: a named set of API ids that credentials are
// granted together.
type Group struct {
	// Name is the group's name, e.g. "encoding".
	Name string `json:"name"`
	// Description says what the group is for.
	Description string `json:"description"`
	// APIIDs are the APIs in the group, e.g. "sl.encoding.start".
	APIIDs []string `json:"api_ids"`
	// CreatedAt is when the group was made.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when it last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

// ListGroups returns every API group (GET /v1/groups).
func (c *Client) ListGroups(ctx context.Context) ([]*Group, error) {
	var out struct {
		Groups []*Group `json:"groups"`
	}
	if err := c.do(ctx, http.MethodGet, "/v1/groups", nil, nil, &out); err != nil {
		return nil, err
	}
	return out.Groups, nil
}

// CreateGroupParams are the fields of a new API group.
type CreateGroupParams struct {
	// Name is the group's name: lower-case letters, digits, ".", "_" or "-".
	Name string `json:"name"`
	// Description says what the group is for.
	Description string `json:"description"`
	// APIIDs are the APIs in the group.
	APIIDs []string `json:"api_ids"`
}

// CreateGroup creates an API group (POST /v1/groups; admin only).
func (c *Client) CreateGroup(ctx context.Context, params CreateGroupParams) (*Group, error) {
	if params.APIIDs == nil {
		params.APIIDs = []string{}
	}
	return c.groupCall(ctx, http.MethodPost, "/v1/groups", params)
}

// GetGroup returns one API group (GET /v1/groups/{name}).
func (c *Client) GetGroup(ctx context.Context, name string) (*Group, error) {
	return c.groupCall(ctx, http.MethodGet, pathf("/v1/groups/%s", name), nil)
}

// UpdateGroupParams are the fields of a group to change; nil ones are left
// as they are.
type UpdateGroupParams struct {
	// Description, if not nil, replaces the description.
	Description *string `json:"description,omitempty"`
	// APIIDs, if not nil, replaces the list of APIs.
	APIIDs *[]string `json:"api_ids,omitempty"`
}

// UpdateGroup changes an API group (PATCH /v1/groups/{name}; admin only).
func (c *Client) UpdateGroup(ctx context.Context, name string, params UpdateGroupParams) (*Group, error) {
	if params.APIIDs != nil && *params.APIIDs == nil {
		params.APIIDs = &[]string{}
	}
	return c.groupCall(ctx, http.MethodPatch, pathf("/v1/groups/%s", name), params)
}

// DeleteGroup deletes an API group (DELETE /v1/groups/{name}; admin only).
func (c *Client) DeleteGroup(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, pathf("/v1/groups/%s", name), nil, nil, nil)
}

func (c *Client) groupCall(ctx context.Context, method, path string, in any) (*Group, error) {
	return field[*Group](ctx, c, method, path, in, "group")
}
