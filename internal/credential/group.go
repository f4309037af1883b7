package credential

import (
	"context"
	"regexp"
	"time"
)

// BuiltinGroupEncoding is the API group every fresh store holds: the
// Soundlinks Encoding API.
const BuiltinGroupEncoding = "encoding"

// Group is a named set of APIs that access is granted to as a whole.
type Group struct {
	// Name is the group's unique name: lower-case letters, digits, '.', '_'
	// and '-', 1 to 64 characters, starting with a letter.
	Name string `json:"name"`
	// Description says what the group gives access to.
	Description string `json:"description"`
	// APIIDs are the ids of the APIs (routes) the group covers, such as
	// "sl.encoding.start".
	APIIDs []string `json:"api_ids"`
	// CreatedAt is when the group was created; zero for built-in groups.
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the group was last changed.
	UpdatedAt time.Time `json:"updated_at"`
}

var (
	groupNameRE = regexp.MustCompile(`^[a-z][a-z0-9._-]{0,63}$`)
	apiIDRE     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`)
)

// ValidateGroupName reports whether name is a well-formed group name. It
// returns EINVALID.
func ValidateGroupName(name string) error {
	if !groupNameRE.MatchString(name) {
		return Errorf(EINVALID, "Group name %q is not valid: use 1 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter.", name)
	}
	return nil
}

// Validate reports whether g is well formed. It returns EINVALID.
func (g *Group) Validate() error {
	if err := ValidateGroupName(g.Name); err != nil {
		return err
	}
	if len(g.Description) > 1000 {
		return Errorf(EINVALID, "Group description is longer than 1000 characters.")
	}
	if err := ValidateLines("Group description", g.Description); err != nil {
		return err
	}
	seen := make(map[string]bool, len(g.APIIDs))
	for _, id := range g.APIIDs {
		if !apiIDRE.MatchString(id) {
			return Errorf(EINVALID, "API id %q is not valid.", id)
		}
		if seen[id] {
			return Errorf(EINVALID, "API id %q is listed twice.", id)
		}
		seen[id] = true
	}
	return nil
}

// UpdateGroupParams are the inputs of [GroupService.UpdateGroup]. Nil fields
// are left unchanged.
type UpdateGroupParams struct {
	// Name is the group to change.
	Name string
	// Description is the new description.
	Description *string
	// APIIDs is the new list of API ids.
	APIIDs *[]string
}

// GroupService manages API groups.
type GroupService interface {
	// FindGroups returns every group, ordered by name. Any actor may read
	// them.
	FindGroups(ctx context.Context) ([]*Group, error)

	// FindGroupByName returns one group, or ENOTFOUND.
	FindGroupByName(ctx context.Context, name string) (*Group, error)

	// CreateGroup creates g. Admins only (EFORBIDDEN). Returns EINVALID for
	// bad input and ECONFLICT if the name is taken.
	CreateGroup(ctx context.Context, g *Group) (*Group, error)

	// UpdateGroup changes a group. Admins only. Returns ENOTFOUND, EINVALID.
	UpdateGroup(ctx context.Context, params *UpdateGroupParams) (*Group, error)

	// DeleteGroup deletes a group. Admins only. Returns ENOTFOUND, or
	// ECONFLICT while a request or credential refers to it.
	DeleteGroup(ctx context.Context, name string) error
}

// ValidateGroupList reports whether groups is a non-empty list of
// well-formed, distinct group names. It returns EINVALID.
func ValidateGroupList(groups []string) error {
	if len(groups) == 0 {
		return Errorf(EINVALID, "At least one API group is required.")
	}
	return validateGroupNames(groups)
}

// ValidateCredentialGroups reports whether groups is a valid list of API
// groups for a credential. Unlike an access request, a credential may have
// none: such a credential reaches only the management API, where it acts as
// its owner (a developer's CLI credential before any group is granted). It
// returns EINVALID.
func ValidateCredentialGroups(groups []string) error {
	return validateGroupNames(groups)
}

func validateGroupNames(groups []string) error {
	if len(groups) > 100 {
		return Errorf(EINVALID, "At most 100 API groups may be listed.")
	}
	seen := make(map[string]bool, len(groups))
	for _, g := range groups {
		if err := ValidateGroupName(g); err != nil {
			return err
		}
		if seen[g] {
			return Errorf(EINVALID, "Group %q is listed twice.", g)
		}
		seen[g] = true
	}
	return nil
}
