package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/keyward/keyward/internal/credential"
)

const groupColumns = `name, description, api_ids, created_at, updated_at`

func scanGroup(row interface{ Scan(...any) error }) (*credential.Group, error) {
	var g credential.Group
	var apiIDs string
	var created, updated int64
	if err := row.Scan(&g.Name, &g.Description, &apiIDs, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(apiIDs), &g.APIIDs); err != nil {
		return nil, fmt.Errorf("decode api ids of group %s: %w", g.Name, err)
	}
	if g.APIIDs == nil {
		g.APIIDs = []string{}
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	return &g, nil
}

// FindGroups implements [credential.GroupService].
func (s *Store) FindGroups(ctx context.Context) ([]*credential.Group, error) {
	return collect(ctx, s, s.d.ReadDB(), "list groups", scanGroup, `SELECT `+groupColumns+` FROM api_groups ORDER BY name`)
}

func (s *Store) findGroup(ctx context.Context, q querier, name string) (*credential.Group, error) {
	g, err := scanGroup(q.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM api_groups WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credential.Errorf(credential.ENOTFOUND, "API group %q not found.", name)
	} else if err != nil {
		return nil, fmt.Errorf("find group: %w", s.d.InterpretError(err))
	}
	return g, nil
}

// FindGroupByName implements [credential.GroupService].
func (s *Store) FindGroupByName(ctx context.Context, name string) (*credential.Group, error) {
	return s.findGroup(ctx, s.d.ReadDB(), name)
}

// CreateGroup implements [credential.GroupService].
func (s *Store) CreateGroup(ctx context.Context, g *credential.Group) (*credential.Group, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	out := &credential.Group{Name: g.Name, Description: g.Description, APIIDs: slices.Clone(g.APIIDs)}
	if out.APIIDs == nil {
		out.APIIDs = []string{}
	}
	apiIDs, _ := json.Marshal(out.APIIDs)
	err := s.write(ctx, true, func(tx *txn) error {
		if err := requireAdmin(tx.p); err != nil {
			return err
		}
		out.CreatedAt, out.UpdatedAt = tx.now, tx.now
		err := tx.exec(ctx, "insert group",
			`INSERT INTO api_groups (name, description, api_ids, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
			out.Name, out.Description, string(apiIDs), ms(tx.now))
		if credential.ErrorCode(err) == credential.ECONFLICT {
			return credential.Errorf(credential.ECONFLICT, "API group %q already exists.", out.Name)
		} else if err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionGroupCreate, credential.TargetGroup, out.Name,
			map[string]any{"description": out.Description, "api_ids": out.APIIDs})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateGroup implements [credential.GroupService].
func (s *Store) UpdateGroup(ctx context.Context, params *credential.UpdateGroupParams) (*credential.Group, error) {
	var out *credential.Group
	err := s.write(ctx, true, func(tx *txn) error {
		if err := requireAdmin(tx.p); err != nil {
			return err
		}
		g, err := s.findGroup(ctx, tx.tx, params.Name)
		if err != nil {
			return err
		}
		detail := map[string]any{}
		if params.Description != nil {
			g.Description = *params.Description
			detail["description"] = g.Description
		}
		if params.APIIDs != nil {
			g.APIIDs = slices.Clone(*params.APIIDs)
			if g.APIIDs == nil {
				g.APIIDs = []string{}
			}
			detail["api_ids"] = g.APIIDs
		}
		if err := g.Validate(); err != nil {
			return err
		}
		g.UpdatedAt = tx.now
		apiIDs, _ := json.Marshal(g.APIIDs)
		if err := tx.exec(ctx, "update group",
			`UPDATE api_groups SET description = $1, api_ids = $2, updated_at = $3 WHERE name = $4`,
			g.Description, string(apiIDs), ms(tx.now), g.Name); err != nil {
			return err
		}
		out = g
		return tx.audit(ctx, credential.ActionGroupUpdate, credential.TargetGroup, g.Name, detail)
	})
	return out, err
}

// DeleteGroup implements [credential.GroupService].
func (s *Store) DeleteGroup(ctx context.Context, name string) error {
	return s.write(ctx, true, func(tx *txn) error {
		if err := requireAdmin(tx.p); err != nil {
			return err
		}
		var uses int64
		if err := tx.tx.QueryRowContext(ctx,
			`SELECT (SELECT COUNT(*) FROM access_request_groups WHERE group_name = $1) +
			        (SELECT COUNT(*) FROM credential_groups WHERE group_name = $1)`, name).Scan(&uses); err != nil {
			return fmt.Errorf("count group uses: %w", s.d.InterpretError(err))
		}
		if uses > 0 {
			return credential.Errorf(credential.ECONFLICT, "API group %q is still referred to by %d requests or credentials.", name, uses)
		}
		n, err := tx.execCount(ctx, "delete group", `DELETE FROM api_groups WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if n == 0 {
			return credential.Errorf(credential.ENOTFOUND, "API group %q not found.", name)
		}
		return tx.audit(ctx, credential.ActionGroupDelete, credential.TargetGroup, name, nil)
	})
}

// checkGroupsExist returns EINVALID naming the first group that does not
// exist.
func (tx *txn) checkGroupsExist(ctx context.Context, groups []string) error {
	for _, g := range groups {
		var one int
		err := tx.tx.QueryRowContext(ctx, `SELECT 1 FROM api_groups WHERE name = $1`, g).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return credential.Errorf(credential.EINVALID, "API group %q does not exist.", g)
		} else if err != nil {
			return fmt.Errorf("check group: %w", tx.s.d.InterpretError(err))
		}
	}
	return nil
}

// approvedGroups returns the groups of an account's approved requests.
func (s *Store) approvedGroups(ctx context.Context, q querier, accountID int64) ([]string, error) {
	return s.strings(ctx, q, "list approved groups",
		`SELECT DISTINCT g.group_name FROM access_request_groups g
		 JOIN access_requests r ON r.id = g.request_id
		 WHERE r.account_id = $1 AND r.status = 'approved' ORDER BY g.group_name`, accountID)
}

// strings runs a query returning one text column.
func (s *Store) strings(ctx context.Context, q querier, step, query string, args ...any) ([]string, error) {
	return collect(ctx, s, q, step, func(row interface{ Scan(...any) error }) (v string, err error) {
		return v, row.Scan(&v)
	}, query, args...)
}

// collect runs a query and reads each row with scan, in order; the rows
// are closed when it returns, and the list is empty, not nil, without
// rows. step names the query in errors.
func collect[T any](ctx context.Context, s *Store, q querier, step string, scan func(interface{ Scan(...any) error }) (T, error),
	query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", step, s.d.InterpretError(err))
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: scan: %w", step, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", step, s.d.InterpretError(err))
	}
	return out, nil
}
