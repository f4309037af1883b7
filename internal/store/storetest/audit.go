package storetest

import (
	"context"
	"slices"
	"strconv"
	"testing"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseAudit is the part of the suite for the audit log.
func exerciseAudit(s suite) {
	s.run("Audit", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		must(t, "RotateSecret", err)
		_, err = b.st.RevokeCredential(b.admin, c.ID)
		must(t, "RevokeCredential", err)

		all, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{})
		must(t, "FindAuditEntries", err)
		var actions []string
		for _, e := range all.Entries {
			actions = append(actions, e.Action)
		}
		want := []string{
			credential.ActionCredentialRevoke, credential.ActionCredentialRotate, credential.ActionCredentialCreate,
			credential.ActionRequestApprove, credential.ActionRequestCreate,
			credential.ActionAccountCreate, credential.ActionAccountCreate, credential.ActionAccountCreate,
		}
		if !slices.Equal(actions, want) {
			t.Errorf("audit actions = %v, want %v", actions, want)
		}
		rev := all.Entries[0]
		if rev.ActorID != b.adminID || rev.RemoteAddr != "192.0.2.7" || rev.TargetKind != credential.TargetCredential ||
			rev.TargetID != strconv.FormatInt(c.ID, 10) || !rev.CreatedAt.Equal(b.clock.Now()) || len(rev.Detail) == 0 {
			t.Errorf("revoke audit entry = %+v", rev)
		}
		mine, err := b.st.FindAuditEntries(b.dev, &credential.AuditFilter{})
		must(t, "FindAuditEntries(dev)", err)
		for _, e := range mine.Entries {
			if e.ActorID != b.devID {
				t.Errorf("developer sees audit entry %d of actor %d", e.ID, e.ActorID)
			}
		}
		if len(mine.Entries) != 3 {
			t.Errorf("developer's audit entries = %d, want 3 (request, create, rotate)", len(mine.Entries))
		}
		rot, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{Action: credential.ActionCredentialRotate})
		must(t, "FindAuditEntries(action)", err)
		if len(rot.Entries) != 1 {
			t.Errorf("rotate entries = %d, want 1", len(rot.Entries))
		}

		// The log is append-only, whoever asks.
		tx, err := b.driver.BeginWrite(context.Background())
		must(t, "BeginWrite", err)
		_, uerr := tx.ExecContext(context.Background(), `UPDATE audit_log SET action = 'forged'`)
		tx.Rollback()
		if uerr == nil {
			t.Errorf("UPDATE audit_log succeeded; the audit log must be append-only")
		}
		tx, err = b.driver.BeginWrite(context.Background())
		must(t, "BeginWrite", err)
		_, derr := tx.ExecContext(context.Background(), `DELETE FROM audit_log`)
		tx.Rollback()
		if derr == nil {
			t.Errorf("DELETE FROM audit_log succeeded; the audit log must be append-only")
		}
	})

	s.run("RecordAudit", func(t *testing.T, b *testBundle) {
		must(t, "RecordAudit", b.st.RecordAudit(b.dev, credential.ActionTokenMint, credential.TargetCredential, "7",
			map[string]any{"profile": "app", "room": "r1"}))
		before := b.snap(t)
		refusals := []struct {
			name   string
			ctx    context.Context
			action string
			code   string
		}{
			{"a store action", b.dev, credential.ActionCredentialRevoke, credential.EINVALID},
			{"an unknown action", b.dev, "forged", credential.EINVALID},
			{"a visitor", b.anonymous, credential.ActionRoomEnd, credential.EUNAUTHORIZED},
		}
		for _, r := range refusals {
			wantCode(t, "RecordAudit by "+r.name, b.st.RecordAudit(r.ctx, r.action, credential.TargetRoom, "x", nil), r.code)
		}
		b.unchanged(t, before, "refused RecordAudit")
		mine, err := b.st.FindAuditEntries(b.dev, &credential.AuditFilter{Action: credential.ActionTokenMint})
		must(t, "FindAuditEntries", err)
		if len(mine.Entries) != 1 {
			t.Fatalf("mint entries = %d, want 1", len(mine.Entries))
		}
		e := mine.Entries[0]
		if e.ActorID != b.devID || e.TargetKind != credential.TargetCredential || e.TargetID != "7" ||
			string(e.Detail) != `{"profile":"app","room":"r1"}` {
			t.Errorf("mint entry = %+v (detail %s)", e, e.Detail)
		}
	})
}
