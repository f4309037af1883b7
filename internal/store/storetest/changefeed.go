package storetest

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// exerciseChangeFeed is the part of the suite for the change feed.
func exerciseChangeFeed(s suite) {
	s.run("ChangeFeed", func(t *testing.T, b *testBundle) {
		start, err := b.st.LatestChange(context.Background())
		must(t, "LatestChange", err)
		keys, seq, err := b.st.ChangesSince(context.Background(), start)
		must(t, "ChangesSince(latest)", err)
		if len(keys) != 0 || seq != start {
			t.Errorf("ChangesSince(latest) = %v, %d; want none, %d", keys, seq, start)
		}
		b.approve(t, b.dev, "encoding")
		var made []string
		for i := range 5 {
			c, _, err := b.st.CreateCredential(b.dev, &credential.CreateCredentialParams{Name: fmt.Sprint("c", i), Groups: []string{"encoding"}})
			must(t, "CreateCredential", err)
			made = append(made, c.Key)
			if i%2 == 0 {
				_, _, err := b.st.RotateSecret(b.dev, &credential.RotateSecretParams{ID: c.ID})
				must(t, "RotateSecret", err)
			}
		}
		keys, seq, err = b.st.ChangesSince(context.Background(), start)
		must(t, "ChangesSince", err)
		if !slices.Equal(keys, made) {
			t.Errorf("ChangesSince = %v, want each key once in order %v", keys, made)
		}
		latest, _ := b.st.LatestChange(context.Background())
		if seq != latest || seq != start+8 {
			t.Errorf("ChangesSince new number = %d, LatestChange = %d; want both %d", seq, latest, start+8)
		}
		keys, seq2, err := b.st.ChangesSince(context.Background(), seq)
		must(t, "ChangesSince(again)", err)
		if len(keys) != 0 || seq2 != seq {
			t.Errorf("ChangesSince(caught up) = %v, %d; want none, %d", keys, seq2, seq)
		}
		b.clock.Advance(48 * time.Hour)
		n, err := b.st.PruneChanges(context.Background(), b.clock.Now().Add(-24*time.Hour))
		must(t, "PruneChanges", err)
		if n != 8 {
			t.Errorf("PruneChanges deleted %d rows, want 8", n)
		}
		if latest, _ := b.st.LatestChange(context.Background()); latest != seq {
			t.Errorf("LatestChange after prune = %d, want %d", latest, seq)
		}
	})
}
