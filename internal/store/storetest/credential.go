package storetest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseCredentials is the part of the suite for credentials and their secrets.
func exerciseCredentials(s suite) {
	s.run("CreateCredentialRules", func(t *testing.T, b *testBundle) {
		_, err := b.st.CreateGroup(b.admin, &credential.Group{Name: "rooms"})
		must(t, "CreateGroup", err)

		before := b.snap(t)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(not approved)", err, credential.EFORBIDDEN)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"no-such-group"}})
		wantCode(t, "CreateCredential(unknown group)", err, credential.EINVALID)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(no name)", err, credential.EINVALID)
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{OwnerID: b.dev2ID, Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(for another)", err, credential.EFORBIDDEN)
		_, _, err = b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{OwnerID: 55555, Name: "app", Groups: []string{"encoding"}})
		wantCode(t, "CreateCredential(unknown owner)", err, credential.ENOTFOUND)
		b.unchanged(t, before, "CreateCredential")

		b.approve(t, b.dev, "encoding")
		_, _, err = b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Groups: []string{"encoding", "rooms"}})
		wantCode(t, "CreateCredential(one group not approved)", err, credential.EFORBIDDEN)
		c, sec, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: "app", Notes: "notes", Groups: []string{"encoding"}})
		must(t, "CreateCredential", err)
		if !hex24.MatchString(c.Key) || !hex64.MatchString(sec.Value) || sec.Key != c.Key || sec.KID == "" {
			t.Errorf("CreateCredential key %q secret %s, want 24 hex key and 64 hex secret", c.Key, sec)
		}
		if c.OwnerID != b.devID || c.Status != credential.CredentialActive || len(c.Secrets) != 1 || c.Secrets[0].KID != sec.KID {
			t.Errorf("CreateCredential = %+v", c)
		}
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if got.Key != c.Key || got.Name != "app" || got.Notes != "notes" || !slices.Equal(got.Groups, []string{"encoding"}) ||
			len(got.Secrets) != 1 || !got.CreatedAt.Equal(b.clock.Now()) {
			t.Errorf("FindCredentialByID = %+v, want what was created", got)
		}

		// Admins grant any existing group, to anyone.
		ac, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{OwnerID: b.dev2ID, Name: "granted", Groups: []string{"rooms", "encoding"}})
		must(t, "CreateCredential(admin for dev2)", err)
		if ac.OwnerID != b.dev2ID || !slices.Equal(ac.Groups, []string{"encoding", "rooms"}) {
			t.Errorf("admin-made credential = %+v, want owner dev2 with both groups", ac)
		}
		mine, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{Name: "self", Groups: []string{"rooms"}})
		must(t, "CreateCredential(admin for self)", err)
		if mine.OwnerID != b.adminID {
			t.Errorf("admin credential owner = %d, want %d", mine.OwnerID, b.adminID)
		}
	})

	s.run("ForeignCredential", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		before := b.snap(t)
		name := "stolen"
		_, err := b.st.FindCredentialByID(b.dev2, c.ID)
		wantCode(t, "FindCredentialByID(another's)", err, credential.ENOTFOUND) // no existence oracle
		_, err = b.st.UpdateCredential(b.dev2, &credential.UpdateCredentialParams{ID: c.ID, Name: &name})
		wantCode(t, "UpdateCredential(another's)", err, credential.ENOTFOUND) // no existence oracle
		_, _, err = b.st.RotateSecret(b.dev2, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(another's)", err, credential.ENOTFOUND) // no existence oracle
		_, err = b.st.RetireSecret(b.dev2, &credential.RetireSecretParams{ID: c.ID, KID: c.Secrets[0].KID})
		wantCode(t, "RetireSecret(another's)", err, credential.ENOTFOUND) // no existence oracle
		_, err = b.st.RevokeCredential(b.dev2, c.ID)
		wantCode(t, "RevokeCredential(another's)", err, credential.ENOTFOUND) // no existence oracle
		err = b.st.DeleteCredential(b.dev2, c.ID)
		wantCode(t, "DeleteCredential(another's)", err, credential.ENOTFOUND) // no existence oracle
		_, err = b.st.FindCredentialByID(b.dev2, 777777)
		wantCode(t, "FindCredentialByID(unknown)", err, credential.ENOTFOUND)
		b.unchanged(t, before, "acting on another's credential")
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID(own)", err)
		if got.Name != c.Name || got.Status != credential.CredentialActive {
			t.Errorf("credential after foreign attempts = %+v", got)
		}
		// An admin may act on it.
		_, err = b.st.FindCredentialByID(b.admin, c.ID)
		must(t, "FindCredentialByID(admin)", err)
	})

	s.run("UpdateCredential", func(t *testing.T, b *testBundle) {
		_, err := b.st.CreateGroup(b.admin, &credential.Group{Name: "rooms"})
		must(t, "CreateGroup", err)
		c, _ := b.devCredential(t)
		name, notes := "renamed", "new notes"
		u, err := b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Name: &name, Notes: &notes})
		must(t, "UpdateCredential", err)
		if u.Name != name || u.Notes != notes {
			t.Errorf("UpdateCredential = %+v", u)
		}
		groups := []string{"encoding", "rooms"}
		_, err = b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Groups: &groups})
		wantCode(t, "UpdateCredential(unapproved group)", err, credential.EFORBIDDEN)
		seq, _ := b.st.LatestChange(context.Background())
		u, err = b.st.UpdateCredential(b.admin, &credential.UpdateCredentialParams{ID: c.ID, Groups: &groups})
		must(t, "UpdateCredential(admin grants rooms)", err)
		if !slices.Equal(u.Groups, groups) {
			t.Errorf("UpdateCredential groups = %v, want %v", u.Groups, groups)
		}
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after group change = %v, want [%s]", keys, c.Key)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if !slices.Equal(ki.Groups, groups) || !ki.HasGroup("rooms") {
			t.Errorf("LookupKey groups = %v, want %v", ki.Groups, groups)
		}
	})

	s.run("LookupKey", func(t *testing.T, b *testBundle) {
		c, sec := b.devCredential(t)
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if ki.CredentialID != c.ID || ki.OwnerID != b.devID || ki.OwnerRole != credential.RoleDeveloper ||
			ki.Status != credential.CredentialActive || !slices.Equal(ki.Groups, []string{"encoding"}) {
			t.Errorf("LookupKey = %+v", ki)
		}
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != sec.KID || string(ki.Secrets[0].Secret) != sec.Value || !ki.Secrets[0].NotAfter.IsZero() {
			t.Errorf("LookupKey secrets = %d (kid %v), want the created secret without expiry", len(ki.Secrets), ki.Secrets)
		}
		for _, key := range []string{"000000000000000000000000", "not-a-key", "", c.Key + "00"} {
			_, err := b.st.LookupKey(context.Background(), key)
			wantCode(t, fmt.Sprintf("LookupKey(%q)", key), err, credential.ENOTFOUND)
		}
		// Reads never return the secret.
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if s := fmt.Sprintf("%+v", got); regexp.MustCompile(sec.Value).MatchString(s) {
			t.Errorf("FindCredentialByID returned the secret")
		}
	})

	s.run("Rotation", func(t *testing.T, b *testBundle) {
		c, first := b.devCredential(t)

		rc, second, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		must(t, "RotateSecret", err)
		if second.KID == first.KID || second.Value == first.Value || !hex64.MatchString(second.Value) {
			t.Fatalf("RotateSecret gave kid %s (first %s); want a new kid and secret", second.KID, first.KID)
		}
		wantExpiry := b.clock.Now().Add(credential.DefaultRotationOverlap)
		if len(rc.Secrets) != 2 || rc.Secrets[0].KID != second.KID || !rc.Secrets[1].ExpiresAt.Equal(wantExpiry) {
			t.Errorf("RotateSecret secrets = %+v, want the new one first and the old one expiring at %v", rc.Secrets, wantExpiry)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if len(ki.Secrets) != 2 || string(ki.Secrets[0].Secret) != second.Value || string(ki.Secrets[1].Secret) != first.Value ||
			!ki.Secrets[1].NotAfter.Equal(wantExpiry) {
			t.Errorf("LookupKey during overlap = %d secrets, want new then old (with NotAfter %v)", len(ki.Secrets), wantExpiry)
		}

		before := b.snap(t)
		_, _, err = b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(during overlap)", err, credential.ECONFLICT)
		b.unchanged(t, before, "RotateSecret during overlap")

		b.clock.Advance(credential.DefaultRotationOverlap + time.Second)
		ki, err = b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey after overlap", err)
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != second.KID {
			t.Errorf("LookupKey after overlap = %d secrets, want only the new one", len(ki.Secrets))
		}

		// Retire ends a secret at once; the last one cannot be retired.
		_, third, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID, Overlap: time.Hour})
		must(t, "RotateSecret(1h overlap)", err)
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: "nope"})
		wantCode(t, "RetireSecret(unknown kid)", err, credential.ENOTFOUND)
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: first.KID})
		wantCode(t, "RetireSecret(expired)", err, credential.ECONFLICT)
		seq, _ := b.st.LatestChange(context.Background())
		r, err := b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: second.KID})
		must(t, "RetireSecret", err)
		if n := activeSecrets(r, b.clock.Now()); n != 1 {
			t.Errorf("active secrets after retire = %d, want 1", n)
		}
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after retire = %v, want [%s]", keys, c.Key)
		}
		_, err = b.st.RetireSecret(b.dev, &credential.RetireSecretParams{ID: c.ID, KID: third.KID})
		wantCode(t, "RetireSecret(last)", err, credential.ECONFLICT)

		// A negative overlap ends the old secret with the rotation.
		_, fourth, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID, Overlap: -1})
		must(t, "RotateSecret(no overlap)", err)
		ki, err = b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey", err)
		if len(ki.Secrets) != 1 || ki.Secrets[0].KID != fourth.KID {
			t.Errorf("LookupKey after rotation without overlap = %d secrets, want only %s", len(ki.Secrets), fourth.KID)
		}
	})

	s.run("ConcurrentRotation", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 6 {
			wg.Go(func() {
				_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
				mu.Lock()
				codes[credential.ErrorCode(err)]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[""] != 1 || codes[credential.ECONFLICT] != 5 {
			t.Errorf("6 concurrent rotations: outcomes %v, want 1 success and 5 ECONFLICT", codes)
		}
		got, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if n := activeSecrets(got, b.clock.Now()); n != credential.MaxActiveSecrets {
			t.Errorf("active secrets = %d, want %d", n, credential.MaxActiveSecrets)
		}
	})

	s.run("Revoke", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		seq, _ := b.st.LatestChange(context.Background())
		r, err := b.st.RevokeCredential(b.dev, c.ID)
		must(t, "RevokeCredential", err)
		if r.Status != credential.CredentialRevoked || !r.RevokedAt.Equal(b.clock.Now()) || activeSecrets(r, b.clock.Now()) != 0 {
			t.Errorf("RevokeCredential = %+v", r)
		}
		keys, newSeq, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) || newSeq <= seq {
			t.Errorf("ChangesSince(%d) after revoke = %v, %d; want [%s] and a higher number", seq, keys, newSeq, c.Key)
		}
		ki, err := b.st.LookupKey(context.Background(), c.Key)
		must(t, "LookupKey(revoked)", err)
		if ki.Status != credential.CredentialRevoked || len(ki.Secrets) != 0 {
			t.Errorf("LookupKey(revoked) = status %q, %d secrets; want revoked, none", ki.Status, len(ki.Secrets))
		}
		before := b.snap(t)
		_, err = b.st.RevokeCredential(b.dev, c.ID)
		wantCode(t, "RevokeCredential(again)", err, credential.ECONFLICT)
		_, _, err = b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
		wantCode(t, "RotateSecret(revoked)", err, credential.ECONFLICT)
		name := "x"
		_, err = b.st.UpdateCredential(b.dev, &credential.UpdateCredentialParams{ID: c.ID, Name: &name})
		wantCode(t, "UpdateCredential(revoked)", err, credential.ECONFLICT)
		b.unchanged(t, before, "changing a revoked credential")
	})

	s.run("Delete", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		seq, _ := b.st.LatestChange(context.Background())
		must(t, "DeleteCredential", b.st.DeleteCredential(b.dev, c.ID))
		_, err := b.st.LookupKey(context.Background(), c.Key)
		wantCode(t, "LookupKey(deleted)", err, credential.ENOTFOUND)
		_, err = b.st.FindCredentialByID(b.dev, c.ID)
		wantCode(t, "FindCredentialByID(deleted)", err, credential.ENOTFOUND)
		err = b.st.DeleteCredential(b.dev, c.ID)
		wantCode(t, "DeleteCredential(again)", err, credential.ENOTFOUND)
		keys, _, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, []string{c.Key}) {
			t.Errorf("ChangesSince after delete = %v, want [%s]", keys, c.Key)
		}
		l, err := b.st.FindAuditEntries(b.admin, &credential.AuditFilter{TargetKind: credential.TargetCredential, TargetID: strconv.FormatInt(c.ID, 10)})
		must(t, "FindAuditEntries", err)
		if len(l.Entries) != 2 || l.Entries[0].Action != credential.ActionCredentialDelete || l.Entries[1].Action != credential.ActionCredentialCreate {
			t.Errorf("audit of deleted credential = %d entries, want delete and create", len(l.Entries))
		}
	})
}

// activeSecrets counts c's secrets that work at now.
func activeSecrets(c *credential.Credential, now time.Time) int {
	n := 0
	for i := range c.Secrets {
		if c.Secrets[i].Active(now) {
			n++
		}
	}
	return n
}
