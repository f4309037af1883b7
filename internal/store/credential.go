package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/keyward/keyward/internal/credential"
)

const credentialColumns = `id, api_key, name, notes, owner_id, status, created_at, updated_at, revoked_at, last_used_at`

func scanCredential(row interface{ Scan(...any) error }) (*credential.Credential, error) {
	var c credential.Credential
	var status string
	var created, updated, revoked, used int64
	if err := row.Scan(&c.ID, &c.Key, &c.Name, &c.Notes, &c.OwnerID, &status, &created, &updated, &revoked, &used); err != nil {
		return nil, err
	}
	c.Status = credential.CredentialStatus(status)
	c.CreatedAt, c.UpdatedAt, c.RevokedAt, c.LastUsedAt = fromMS(created), fromMS(updated), fromMS(revoked), fromMS(used)
	return &c, nil
}

// secretAAD is the associated data a secret is sealed with: its row id (the
// kid) and its credential, so a sealed secret only opens where it was put.
func secretAAD(credentialID int64, kid string) []byte {
	return []byte("credential_secrets:" + kid + ":" + strconv.FormatInt(credentialID, 10))
}

// loadCredential reads a credential with its groups and secret metadata.
// With lock, the row stays locked until the transaction ends.
func (s *Store) loadCredential(ctx context.Context, q querier, id int64, lock bool) (*credential.Credential, error) {
	query := `SELECT ` + credentialColumns + ` FROM credentials WHERE id = $1`
	if lock {
		query += s.d.ForUpdate()
	}
	c, err := scanCredential(q.QueryRowContext(ctx, query, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credentialNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find credential: %w", s.d.InterpretError(err))
	}
	return c, s.fillCredential(ctx, q, c)
}

// fillCredential reads c's groups and secret metadata.
func (s *Store) fillCredential(ctx context.Context, q querier, c *credential.Credential) error {
	var err error
	if c.Groups, err = s.strings(ctx, q, "list credential groups",
		`SELECT group_name FROM credential_groups WHERE credential_id = $1 ORDER BY group_name`, c.ID); err != nil {
		return err
	}
	c.Secrets, err = collect(ctx, s, q, "list secrets", func(row interface{ Scan(...any) error }) (si credential.SecretInfo, err error) {
		var created, expires, retired int64
		err = row.Scan(&si.KID, &created, &expires, &retired)
		si.CreatedAt, si.ExpiresAt, si.RetiredAt = fromMS(created), fromMS(expires), fromMS(retired)
		return si, err
	}, `SELECT kid, created_at, expires_at, retired_at FROM credential_secrets WHERE credential_id = $1 ORDER BY id DESC`, c.ID)
	return err
}

// credentialNotFound is the answer for an unknown credential id, and for
// another account's credential to a developer, so that ids do not tell
// which credentials exist.
func credentialNotFound(id int64) error {
	return credential.Errorf(credential.ENOTFOUND, "Credential %d not found.", id)
}

// mayActOn returns ENOTFOUND, the answer for an unknown id, unless p owns
// c or is an admin.
func mayActOn(p *principal, c *credential.Credential) error {
	if !p.admin && c.OwnerID != p.id {
		return credentialNotFound(c.ID)
	}
	return nil
}

// checkGrantable enforces the granted-groups rule: every group must exist,
// and unless the actor is an admin, be among the owner's approved groups.
func (tx *txn) checkGrantable(ctx context.Context, ownerID int64, groups []string) error {
	if err := tx.checkGroupsExist(ctx, groups); err != nil {
		return err
	}
	if tx.p.admin {
		return nil
	}
	approved, err := tx.s.approvedGroups(ctx, tx.tx, ownerID)
	if err != nil {
		return err
	}
	for _, g := range groups {
		if !slices.Contains(approved, g) {
			return credential.Errorf(credential.EFORBIDDEN, "You have no approved access to API group %q; request it first.", g)
		}
	}
	return nil
}

// setGroups replaces a credential's groups.
func (tx *txn) setGroups(ctx context.Context, id int64, groups []string) error {
	if err := tx.exec(ctx, "clear credential groups", `DELETE FROM credential_groups WHERE credential_id = $1`, id); err != nil {
		return err
	}
	for _, g := range groups {
		if err := tx.exec(ctx, "insert credential group",
			`INSERT INTO credential_groups (credential_id, group_name) VALUES ($1, $2)`, id, g); err != nil {
			return err
		}
	}
	return nil
}

// newSecret makes, seals and stores a secret for credential c.
func (tx *txn) newSecret(ctx context.Context, c *credential.Credential) (*credential.Secret, error) {
	sec := &credential.Secret{Key: c.Key, KID: randomHex(8), Value: randomHex(credential.SecretBytes)}
	sealed, err := tx.s.cfg.Sealer.Seal([]byte(sec.Value), secretAAD(c.ID, sec.KID))
	if err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	if err := tx.exec(ctx, "insert secret",
		`INSERT INTO credential_secrets (kid, credential_id, sealed, created_at) VALUES ($1, $2, $3, $4)`,
		sec.KID, c.ID, sealed, ms(tx.now)); err != nil {
		return nil, err
	}
	c.Secrets = append([]credential.SecretInfo{{KID: sec.KID, CreatedAt: tx.now}}, c.Secrets...)
	return sec, nil
}

// CreateCredential implements [credential.CredentialService].
func (s *Store) CreateCredential(ctx context.Context, params *credential.CreateCredentialParams) (*credential.Credential, *credential.Secret, error) {
	if err := params.Validate(); err != nil {
		return nil, nil, err
	}
	var c *credential.Credential
	var sec *credential.Secret
	err := s.write(ctx, true, func(tx *txn) error {
		var err error
		c, sec, err = tx.createCredential(ctx, params)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return c, sec, nil
}

func (tx *txn) createCredential(ctx context.Context, params *credential.CreateCredentialParams) (*credential.Credential, *credential.Secret, error) {
	owner := params.OwnerID
	if owner == 0 {
		owner = tx.p.id
	}
	if owner == 0 {
		return nil, nil, credential.Errorf(credential.EINVALID, "The credential's owner is required.")
	}
	if owner != tx.p.id && !tx.p.admin {
		return nil, nil, credential.Errorf(credential.EFORBIDDEN, "Only an admin may create credentials for another account.")
	}
	if _, err := tx.s.findAccount(ctx, tx.tx, owner); err != nil {
		return nil, nil, err
	}
	groups := slices.Sorted(slices.Values(params.Groups))
	if err := tx.checkGrantable(ctx, owner, groups); err != nil {
		return nil, nil, err
	}
	c := &credential.Credential{
		Key: randomHex(credential.KeyBytes), Name: params.Name, Notes: params.Notes, OwnerID: owner,
		Groups: groups, Status: credential.CredentialActive, CreatedAt: tx.now, UpdatedAt: tx.now,
	}
	id, err := tx.insertID(ctx, "insert credential",
		`INSERT INTO credentials (api_key, name, notes, owner_id, status, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING id`,
		c.Key, c.Name, c.Notes, c.OwnerID, ms(tx.now))
	if err != nil {
		return nil, nil, err
	}
	c.ID = id
	if err := tx.setGroups(ctx, id, groups); err != nil {
		return nil, nil, err
	}
	sec, err := tx.newSecret(ctx, c)
	if err != nil {
		return nil, nil, err
	}
	// A new key is announced too: a cache may hold "unknown key" for it.
	if err := tx.changed(ctx, c.Key); err != nil {
		return nil, nil, err
	}
	err = tx.audit(ctx, credential.ActionCredentialCreate, credential.TargetCredential, strconv.FormatInt(id, 10),
		map[string]any{"key": c.Key, "name": c.Name, "owner_id": owner, "groups": groups, "kid": sec.KID})
	return c, sec, err
}

// FindCredentialByID implements [credential.CredentialService].
func (s *Store) FindCredentialByID(ctx context.Context, id int64) (*credential.Credential, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	c, err := s.loadCredential(ctx, db, id, false)
	if err != nil {
		return nil, err
	}
	if err := mayActOn(p, c); err != nil {
		return nil, err
	}
	return c, nil
}

// FindCredentials implements [credential.CredentialService].
func (s *Store) FindCredentials(ctx context.Context, filter *credential.CredentialFilter) (*credential.CredentialList, error) {
	db := s.d.ReadDB()
	w, err := s.ownedPage(ctx, db, filter.Cursor, "owner_id", filter.OwnerID)
	if err != nil {
		return nil, err
	}
	if filter.Status != "" {
		w.add("status = ?", string(filter.Status))
	}
	list, next, err := newestFirst(ctx, s, db, "list credentials", `SELECT `+credentialColumns+` FROM credentials`, &w, filter.PageLimit(),
		scanCredential, func(c *credential.Credential) int64 { return c.ID })
	if err != nil {
		return nil, err
	}
	out := &credential.CredentialList{Credentials: list, NextCursor: next}
	for _, c := range out.Credentials {
		if err := s.fillCredential(ctx, db, c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mutateCredential locks credential id, checks the actor may act on it and
// that it is not revoked, and runs fn.
func (s *Store) mutateCredential(ctx context.Context, id int64, fn func(tx *txn, c *credential.Credential) error) (*credential.Credential, error) {
	var out *credential.Credential
	err := s.write(ctx, true, func(tx *txn) error {
		c, err := s.loadCredential(ctx, tx.tx, id, true)
		if err != nil {
			return err
		}
		if err := mayActOn(tx.p, c); err != nil {
			return err
		}
		if c.Status == credential.CredentialRevoked {
			return credential.Errorf(credential.ECONFLICT, "Credential %d is revoked.", id)
		}
		if err := fn(tx, c); err != nil {
			return err
		}
		out = c
		return nil
	})
	return out, err
}

// UpdateCredential implements [credential.CredentialService].
func (s *Store) UpdateCredential(ctx context.Context, params *credential.UpdateCredentialParams) (*credential.Credential, error) {
	return s.mutateCredential(ctx, params.ID, func(tx *txn, c *credential.Credential) error {
		detail := map[string]any{}
		if params.Name != nil {
			c.Name = *params.Name
			detail["name"] = c.Name
		}
		if params.Notes != nil {
			c.Notes = *params.Notes
			detail["notes"] = "changed"
		}
		var groupsChanged bool
		if params.Groups != nil {
			groups := slices.Sorted(slices.Values(*params.Groups))
			if groupsChanged = !slices.Equal(groups, c.Groups); groupsChanged {
				detail["groups"] = map[string]any{"from": c.Groups, "to": groups}
				c.Groups = groups
			}
		}
		if err := c.Validate(); err != nil {
			return err
		}
		c.UpdatedAt = tx.now
		if err := tx.exec(ctx, "update credential",
			`UPDATE credentials SET name = $1, notes = $2, updated_at = $3 WHERE id = $4`,
			c.Name, c.Notes, ms(tx.now), c.ID); err != nil {
			return err
		}
		if groupsChanged {
			if err := tx.checkGrantable(ctx, c.OwnerID, c.Groups); err != nil {
				return err
			}
			if err := tx.setGroups(ctx, c.ID, c.Groups); err != nil {
				return err
			}
			if err := tx.changed(ctx, c.Key); err != nil {
				return err
			}
		}
		return tx.audit(ctx, credential.ActionCredentialUpdate, credential.TargetCredential, strconv.FormatInt(c.ID, 10), detail)
	})
}

// RotateSecret implements [credential.CredentialService].
func (s *Store) RotateSecret(ctx context.Context, params *credential.RotateSecretParams) (*credential.Credential, *credential.Secret, error) {
	var sec *credential.Secret
	c, err := s.mutateCredential(ctx, params.ID, func(tx *txn, c *credential.Credential) error {
		var active []*credential.SecretInfo
		for i := range c.Secrets {
			if c.Secrets[i].Active(tx.now) {
				active = append(active, &c.Secrets[i])
			}
		}
		if len(active) >= credential.MaxActiveSecrets {
			return credential.Errorf(credential.ECONFLICT,
				"Credential %d already has %d active secrets; retire secret %s before rotating again.",
				c.ID, len(active), active[len(active)-1].KID)
		}
		overlap := params.Overlap
		if overlap == 0 {
			overlap = s.cfg.RotationOverlap
		}
		ended := map[string]any{}
		for _, si := range active {
			if overlap < 0 {
				si.RetiredAt = tx.now
				if err := tx.exec(ctx, "retire previous secret",
					`UPDATE credential_secrets SET retired_at = $1 WHERE kid = $2`, ms(tx.now), si.KID); err != nil {
					return err
				}
				ended[si.KID] = "retired"
				continue
			}
			until := fromMS(ms(tx.now.Add(overlap)))
			if si.ExpiresAt.IsZero() || si.ExpiresAt.After(until) {
				si.ExpiresAt = until
				if err := tx.exec(ctx, "expire previous secret",
					`UPDATE credential_secrets SET expires_at = $1 WHERE kid = $2`, ms(until), si.KID); err != nil {
					return err
				}
			}
			ended[si.KID] = si.ExpiresAt
		}
		var err error
		if sec, err = tx.newSecret(ctx, c); err != nil {
			return err
		}
		c.UpdatedAt = tx.now
		if err := tx.exec(ctx, "touch credential", `UPDATE credentials SET updated_at = $1 WHERE id = $2`, ms(tx.now), c.ID); err != nil {
			return err
		}
		if err := tx.changed(ctx, c.Key); err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionCredentialRotate, credential.TargetCredential, strconv.FormatInt(c.ID, 10),
			map[string]any{"kid": sec.KID, "previous": ended})
	})
	if err != nil {
		return nil, nil, err
	}
	return c, sec, nil
}

// RetireSecret implements [credential.CredentialService].
func (s *Store) RetireSecret(ctx context.Context, params *credential.RetireSecretParams) (*credential.Credential, error) {
	return s.mutateCredential(ctx, params.ID, func(tx *txn, c *credential.Credential) error {
		i := slices.IndexFunc(c.Secrets, func(si credential.SecretInfo) bool { return si.KID == params.KID })
		if i < 0 {
			return credential.Errorf(credential.ENOTFOUND, "Credential %d has no secret %q.", c.ID, params.KID)
		}
		if !c.Secrets[i].Active(tx.now) {
			return credential.Errorf(credential.ECONFLICT, "Secret %s has already ended.", params.KID)
		}
		others := 0
		for j := range c.Secrets {
			if j != i && c.Secrets[j].Active(tx.now) {
				others++
			}
		}
		if others == 0 {
			return credential.Errorf(credential.ECONFLICT, "Secret %s is the credential's last active secret; rotate first, or revoke the credential.", params.KID)
		}
		c.Secrets[i].RetiredAt, c.UpdatedAt = tx.now, tx.now
		if err := tx.exec(ctx, "retire secret",
			`UPDATE credential_secrets SET retired_at = $1 WHERE kid = $2 AND credential_id = $3`, ms(tx.now), params.KID, c.ID); err != nil {
			return err
		}
		if err := tx.exec(ctx, "touch credential", `UPDATE credentials SET updated_at = $1 WHERE id = $2`, ms(tx.now), c.ID); err != nil {
			return err
		}
		if err := tx.changed(ctx, c.Key); err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionCredentialRetire, credential.TargetCredential, strconv.FormatInt(c.ID, 10),
			map[string]any{"kid": params.KID})
	})
}

// RevokeCredential implements [credential.CredentialService]. Revocation
// destroys the sealed secret material: it can never be used again.
func (s *Store) RevokeCredential(ctx context.Context, id int64) (*credential.Credential, error) {
	return s.mutateCredential(ctx, id, func(tx *txn, c *credential.Credential) error {
		c.Status, c.RevokedAt, c.UpdatedAt = credential.CredentialRevoked, tx.now, tx.now
		if err := tx.exec(ctx, "revoke credential",
			`UPDATE credentials SET status = 'revoked', revoked_at = $1, updated_at = $1 WHERE id = $2`, ms(tx.now), c.ID); err != nil {
			return err
		}
		if err := tx.exec(ctx, "destroy secrets",
			`UPDATE credential_secrets SET sealed = $1, retired_at = CASE WHEN retired_at = 0 THEN $2 ELSE retired_at END
			 WHERE credential_id = $3`, revokedTombstone, ms(tx.now), c.ID); err != nil {
			return err
		}
		for i := range c.Secrets {
			if c.Secrets[i].RetiredAt.IsZero() {
				c.Secrets[i].RetiredAt = tx.now
			}
		}
		if err := tx.changed(ctx, c.Key); err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionCredentialRevoke, credential.TargetCredential, strconv.FormatInt(c.ID, 10),
			map[string]any{"key": c.Key})
	})
}

// DeleteCredential implements [credential.CredentialService].
func (s *Store) DeleteCredential(ctx context.Context, id int64) error {
	return s.write(ctx, true, func(tx *txn) error {
		c, err := s.loadCredential(ctx, tx.tx, id, true)
		if err != nil {
			return err
		}
		if err := mayActOn(tx.p, c); err != nil {
			return err
		}
		if err := tx.exec(ctx, "delete credential", `DELETE FROM credentials WHERE id = $1`, id); err != nil {
			return err
		}
		if err := tx.changed(ctx, c.Key); err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionCredentialDelete, credential.TargetCredential, strconv.FormatInt(id, 10),
			map[string]any{"key": c.Key, "name": c.Name, "owner_id": c.OwnerID})
	})
}

// revokedTombstone replaces the sealed material of a revoked credential's
// secrets: it is not a sealed value, so it can never open.
var revokedTombstone = []byte{0}
