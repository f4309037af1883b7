package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/server"
	"github.com/keyward/keyward/internal/server/servertest"
)

// adminClient returns a client signing with the first admin's credential.
func adminClient(t *testing.T, srv *server.Server) *client.Client {
	t.Helper()
	c, _ := servertest.Admin(t, srv)
	return c
}

// TestLastUsedRecorded calls the API with one credential and then reads
// the credential back: its last use appears within the usage flush
// interval.
func TestLastUsedRecorded(t *testing.T) {
	t.Parallel()
	srv := mustStartWith(t, func(c *server.Config) { c.UsageInterval = 100 * time.Millisecond })
	c := adminClient(t, srv)
	ctx := context.Background()
	before := time.Now().Truncate(time.Millisecond)
	var me *client.Me
	for range 20 {
		var err error
		if me, err = c.Me(ctx); err != nil {
			t.Fatalf("Me: %v", err)
		}
	}
	after := time.Now()
	deadline := time.Now().Add(20 * time.Second)
	for {
		cr, err := c.GetCredential(ctx, me.Credential.ID)
		if err != nil {
			t.Fatalf("GetCredential: %v", err)
		}
		if !cr.LastUsedAt.IsZero() {
			if cr.LastUsedAt.Before(before) {
				t.Fatalf("last used %v, before the calls began at %v", cr.LastUsedAt, before)
			}
			if cr.LastUsedAt.Before(after) {
				// Reading it back is itself a use; what matters is that
				// the uses above were recorded.
				t.Logf("last used %v (the calls ended at %v)", cr.LastUsedAt, after)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("last used is still unset 20s after the calls (usage flush interval 100ms)")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
