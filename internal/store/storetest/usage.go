package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseUsage is the part of the suite for usage counts.
func exerciseUsage(s suite) {
	s.run("Usage", func(t *testing.T, b *testBundle) {
		c, _ := b.devCredential(t)
		ac, _, err := b.st.CreateCredential(b.admin, &credential.CreateCredentialParams{Name: "admin", Groups: []string{"encoding"}})
		must(t, "CreateCredential(admin)", err)
		minute := b.clock.Now().Truncate(time.Minute)
		rows := []credential.UsageRow{
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 200, Minute: minute.Add(10 * time.Second), Count: 2},
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 200, Minute: minute, Count: 1},
			{CredentialID: c.ID, Route: "sl.encoding.start", Status: 401, Minute: minute, Count: 1},
			{CredentialID: ac.ID, Route: "sl.encoding.query", Status: 200, Minute: minute, Count: 5},
		}
		must(t, "RecordUsage", b.st.RecordUsage(context.Background(), rows))
		must(t, "RecordUsage(again)", b.st.RecordUsage(context.Background(), rows[:1]))
		got, err := b.st.FindUsage(b.dev, &credential.UsageFilter{})
		must(t, "FindUsage(dev)", err)
		if len(got) != 2 {
			t.Fatalf("FindUsage(dev) = %d rows, want 2 (own credential only)", len(got))
		}
		if got[0].Status != 200 || got[0].Count != 5 || !got[0].Minute.Equal(minute) {
			t.Errorf("FindUsage first row = %+v, want status 200 count 5 at %v", got[0], minute)
		}
		all, err := b.st.FindUsage(b.admin, &credential.UsageFilter{Since: minute, Until: minute.Add(time.Minute)})
		must(t, "FindUsage(admin)", err)
		if len(all) != 3 {
			t.Errorf("FindUsage(admin) = %d rows, want 3", len(all))
		}
		none, err := b.st.FindUsage(b.admin, &credential.UsageFilter{Since: minute.Add(time.Minute)})
		must(t, "FindUsage(later)", err)
		if len(none) != 0 {
			t.Errorf("FindUsage(since later) = %d rows, want 0", len(none))
		}

		t1 := b.clock.Now().Add(time.Hour)
		must(t, "TouchLastUsed", b.st.TouchLastUsed(context.Background(), []credential.KeyUse{
			{CredentialID: c.ID, At: t1.Add(-time.Minute)}, {CredentialID: c.ID, At: t1}, {CredentialID: 999999, At: t1},
		}))
		must(t, "TouchLastUsed(older)", b.st.TouchLastUsed(context.Background(), []credential.KeyUse{{CredentialID: c.ID, At: t1.Add(-time.Hour)}}))
		got2, err := b.st.FindCredentialByID(b.dev, c.ID)
		must(t, "FindCredentialByID", err)
		if !got2.LastUsedAt.Equal(t1) {
			t.Errorf("LastUsedAt = %v, want %v (newest use, never backwards)", got2.LastUsedAt, t1)
		}
	})
}
