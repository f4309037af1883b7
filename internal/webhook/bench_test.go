package webhook

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/room"
)

// BenchmarkDelivery writes b.N peer.joined events in one room (each in the
// transaction of its join) and waits until a receiver on loopback has
// accepted them all: store, relay, River job, signature and post. Measure
// CPU time, not wall time, on a shared machine:
//
//	/usr/bin/time -f '%U user %S sys' go test -run XXX -bench Delivery -benchtime 500x ./internal/webhook
func BenchmarkDelivery(b *testing.B) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		b.Run(dialect, func(b *testing.B) {
			var accepted atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { accepted.Add(1) }))
			defer srv.Close()
			bb := setup(b, dialect, loopbackPoster(b))
			ctx := context.Background()
			r := bb.room(b, "bench", room.VendorKeyward, srv.URL)
			ss, err := bb.st.StartSession(ctx, r.ID, time.Now())
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("p%d", i)
				if err := bb.st.PeerJoined(ctx, &room.PeerRecord{SessionID: ss.ID, PeerID: id, Identity: id, Role: "guest", JoinedAt: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
			bb.svc.Kick()
			for accepted.Load() < int64(b.N)+1 {
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
}
