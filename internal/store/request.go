package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/keyward/keyward/internal/credential"
)

const requestColumns = `id, account_id, reason, status, decision_note, decided_by, decided_at, created_at`

func scanRequest(row interface{ Scan(...any) error }) (*credential.AccessRequest, error) {
	var r credential.AccessRequest
	var status string
	var decided, created int64
	if err := row.Scan(&r.ID, &r.AccountID, &r.Reason, &status, &r.DecisionNote, &r.DecidedBy, &decided, &created); err != nil {
		return nil, err
	}
	r.Status = credential.RequestStatus(status)
	r.DecidedAt, r.CreatedAt = fromMS(decided), fromMS(created)
	return &r, nil
}

// findRequest reads one request with its groups.
func (s *Store) findRequest(ctx context.Context, q querier, id int64) (*credential.AccessRequest, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM access_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, requestNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("find request: %w", s.d.InterpretError(err))
	}
	if r.Groups, err = s.requestGroups(ctx, q, r.ID); err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Store) requestGroups(ctx context.Context, q querier, id int64) ([]string, error) {
	return s.strings(ctx, q, "list request groups",
		`SELECT group_name FROM access_request_groups WHERE request_id = $1 ORDER BY group_name`, id)
}

// CreateAccessRequest implements [credential.RequestService].
func (s *Store) CreateAccessRequest(ctx context.Context, params *credential.CreateAccessRequestParams) (*credential.AccessRequest, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	r := &credential.AccessRequest{Groups: slices.Sorted(slices.Values(params.Groups)), Reason: params.Reason, Status: credential.RequestPending}
	err := s.write(ctx, true, func(tx *txn) error {
		if tx.p.system {
			return credential.Errorf(credential.EINVALID, "Access requests are made by accounts.")
		}
		if err := tx.checkGroupsExist(ctx, r.Groups); err != nil {
			return err
		}
		r.AccountID, r.CreatedAt = tx.p.id, tx.now
		id, err := tx.insertID(ctx, "insert request",
			`INSERT INTO access_requests (account_id, reason, status, created_at) VALUES ($1, $2, 'pending', $3) RETURNING id`,
			r.AccountID, r.Reason, ms(tx.now))
		if err != nil {
			return err
		}
		r.ID = id
		for _, g := range r.Groups {
			if err := tx.exec(ctx, "insert request group",
				`INSERT INTO access_request_groups (request_id, group_name) VALUES ($1, $2)`, id, g); err != nil {
				return err
			}
		}
		if err := tx.audit(ctx, credential.ActionRequestCreate, credential.TargetRequest, strconv.FormatInt(id, 10),
			map[string]any{"groups": r.Groups}); err != nil {
			return err
		}
		requester, err := s.findAccount(ctx, tx.tx, r.AccountID)
		if err != nil {
			return err
		}
		admins, err := tx.admins(ctx)
		if err != nil {
			return err
		}
		for _, admin := range admins {
			if err := tx.notify(ctx, admin, &credential.Notification{
				Kind:    credential.NotifyRequestCreated,
				Subject: fmt.Sprintf("%s asks for access to %s", requester.Email, strings.Join(r.Groups, ", ")),
				Body: fmt.Sprintf("%s (%s) asks for access to the API groups %s.\n\nReason: %s\n\nApprove or reject request %d in the keyward portal.",
					requester.Name, requester.Email, strings.Join(r.Groups, ", "), r.Reason, id),
				TargetKind: credential.TargetRequest,
				TargetID:   strconv.FormatInt(id, 10),
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// admins returns every admin account.
func (tx *txn) admins(ctx context.Context) ([]*credential.Account, error) {
	return collect(ctx, tx.s, tx.tx, "list admins", scanAccount, `SELECT `+accountColumns+` FROM accounts WHERE role = 'admin' ORDER BY id`)
}

// requestNotFound is the answer for an unknown access request id, and for
// another account's request to a developer, so that ids do not tell which
// requests exist.
func requestNotFound(id int64) error {
	return credential.Errorf(credential.ENOTFOUND, "Access request %d not found.", id)
}

// FindAccessRequestByID implements [credential.RequestService].
func (s *Store) FindAccessRequestByID(ctx context.Context, id int64) (*credential.AccessRequest, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	r, err := s.findRequest(ctx, db, id)
	if err != nil {
		return nil, err
	}
	if !p.admin && r.AccountID != p.id {
		return nil, requestNotFound(id)
	}
	return r, nil
}

// FindAccessRequests implements [credential.RequestService].
func (s *Store) FindAccessRequests(ctx context.Context, filter *credential.AccessRequestFilter) (*credential.AccessRequestList, error) {
	db := s.d.ReadDB()
	w, err := s.ownedPage(ctx, db, filter.Cursor, "account_id", filter.AccountID)
	if err != nil {
		return nil, err
	}
	if filter.Status != "" {
		if !filter.Status.Valid() {
			return nil, credential.Errorf(credential.EINVALID, "Unknown request status %q.", filter.Status)
		}
		w.add("status = ?", string(filter.Status))
	}
	list, next, err := newestFirst(ctx, s, db, "list requests", `SELECT `+requestColumns+` FROM access_requests`, &w, filter.PageLimit(),
		scanRequest, func(r *credential.AccessRequest) int64 { return r.ID })
	if err != nil {
		return nil, err
	}
	out := &credential.AccessRequestList{Requests: list, NextCursor: next}
	for _, r := range out.Requests {
		if r.Groups, err = s.requestGroups(ctx, db, r.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DecideAccessRequest implements [credential.RequestService].
func (s *Store) DecideAccessRequest(ctx context.Context, params *credential.DecideAccessRequestParams) (*credential.AccessRequest, error) {
	if err := params.Validate(); err != nil {
		return nil, err
	}
	var out *credential.AccessRequest
	err := s.write(ctx, true, func(tx *txn) error {
		if err := requireAdmin(tx.p); err != nil {
			return err
		}
		r, err := tx.transition(ctx, params.ID, params.Decision, params.Note)
		if err != nil {
			return err
		}
		action, kind, verb := credential.ActionRequestApprove, credential.NotifyRequestApproved, "approved"
		if params.Decision == credential.RequestRejected {
			action, kind, verb = credential.ActionRequestReject, credential.NotifyRequestRejected, "rejected"
		}
		if err := tx.audit(ctx, action, credential.TargetRequest, strconv.FormatInt(r.ID, 10),
			map[string]any{"account_id": r.AccountID, "groups": r.Groups, "note": r.DecisionNote}); err != nil {
			return err
		}
		requester, err := s.findAccount(ctx, tx.tx, r.AccountID)
		if err != nil {
			return err
		}
		body := fmt.Sprintf("Your request %d for access to the API groups %s was %s.", r.ID, strings.Join(r.Groups, ", "), verb)
		if r.DecisionNote != "" {
			body += "\n\nNote from the admin: " + r.DecisionNote
		}
		if params.Decision == credential.RequestApproved {
			body += "\n\nYou can now generate credentials for these groups in the keyward portal."
		}
		out = r
		return tx.notify(ctx, requester, &credential.Notification{
			Kind:       kind,
			Subject:    fmt.Sprintf("Your API access request was %s", verb),
			Body:       body,
			TargetKind: credential.TargetRequest,
			TargetID:   strconv.FormatInt(r.ID, 10),
		})
	})
	return out, err
}

// transition moves a pending request to status, atomically: a request that
// is no longer pending is an ECONFLICT, whoever changed it. The admins'
// notifications that the request awaits them are marked read: it no longer
// does, whether it was decided in the portal, the CLI or the API.
func (tx *txn) transition(ctx context.Context, id int64, status credential.RequestStatus, note string) (*credential.AccessRequest, error) {
	n, err := tx.execCount(ctx, "decide request",
		`UPDATE access_requests SET status = $1, decision_note = $2, decided_by = $3, decided_at = $4
		 WHERE id = $5 AND status = 'pending'`,
		string(status), note, tx.p.id, ms(tx.now), id)
	if err != nil {
		return nil, err
	}
	r, err := tx.s.findRequest(ctx, tx.tx, id)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, credential.Errorf(credential.ECONFLICT, "Access request %d is already %s.", id, r.Status)
	}
	if err := tx.exec(ctx, "mark request notifications read",
		`UPDATE notifications SET read_at = $1 WHERE kind = $2 AND target_kind = $3 AND target_id = $4 AND read_at = 0`,
		ms(tx.now), credential.NotifyRequestCreated, credential.TargetRequest, strconv.FormatInt(id, 10)); err != nil {
		return nil, err
	}
	return r, nil
}

// WithdrawAccessRequest implements [credential.RequestService].
func (s *Store) WithdrawAccessRequest(ctx context.Context, id int64) (*credential.AccessRequest, error) {
	var out *credential.AccessRequest
	err := s.write(ctx, true, func(tx *txn) error {
		r, err := s.findRequest(ctx, tx.tx, id)
		if err != nil {
			return err
		}
		switch {
		case r.AccountID == tx.p.id:
		case tx.p.admin:
			return credential.Errorf(credential.EFORBIDDEN, "Only the requester may withdraw access request %d.", id)
		default:
			return requestNotFound(id)
		}
		if out, err = tx.transition(ctx, id, credential.RequestWithdrawn, ""); err != nil {
			return err
		}
		return tx.audit(ctx, credential.ActionRequestWithdraw, credential.TargetRequest, strconv.FormatInt(id, 10), nil)
	})
	return out, err
}

// FindApprovedGroups implements [credential.RequestService].
func (s *Store) FindApprovedGroups(ctx context.Context, accountID int64) ([]string, error) {
	db := s.d.ReadDB()
	p, err := s.resolve(ctx, db)
	if err != nil {
		return nil, err
	}
	if !p.admin && p.id != accountID {
		return nil, credential.Errorf(credential.EFORBIDDEN, "You may only read your own approved groups.")
	}
	return s.approvedGroups(ctx, db, accountID)
}
