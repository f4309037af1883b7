package fetch_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/keyward/keyward/internal/fetch"
)

func TestPost(t *testing.T) {
	t.Parallel()
	b := setup(t, nil)
	ctx := context.Background()
	res, err := b.fetcher.Post(ctx, b.base+"/hook", http.Header{"X-Test": {"yes"}}, []byte(`{"a":1}`))
	if err != nil {
		t.Fatalf("Post(/hook): %v", err)
	}
	if got, want := string(res.Body), `application/json yes {"a":1}`; res.StatusCode != 200 || got != want {
		t.Fatalf("Post(/hook) = %d %q, want 200 %q", res.StatusCode, got, want)
	}
	port := b.base[len("http://song.test"):]
	for _, c := range []struct {
		name, url string
		kind      error
		status    int
		temporary bool
	}{
		{"metadata service", "http://meta.test" + port + "/hook", fetch.ErrBlocked, 0, false},
		{"metadata literal", "http://169.254.169.254/latest/meta-data/", fetch.ErrBlocked, 0, false},
		{"private network", "http://private.test" + port + "/hook", fetch.ErrBlocked, 0, false},
		{"loopback", "http://127.0.0.1" + port + "/hook", fetch.ErrBlocked, 0, false},
		{"no redirect followed", b.base + "/redirect?to=/hook", fetch.ErrStatus, http.StatusFound, false},
		{"receiver busy", b.base + "/busy", fetch.ErrStatus, http.StatusServiceUnavailable, true},
		{"not http", "ftp://song.test/hook", fetch.ErrURL, 0, false},
	} {
		before := len(b.net.Dialed())
		_, err := b.fetcher.Post(ctx, c.url, nil, []byte(`{}`))
		fe, ok := errors.AsType[*fetch.Error](err)
		if !errors.Is(err, c.kind) || !ok || fe.StatusCode != c.status || fe.Temporary != c.temporary {
			t.Fatalf("%s: Post(%s) error = %v, want %v with status %d, temporary %v", c.name, c.url, err, c.kind, c.status, c.temporary)
		}
		if c.kind == fetch.ErrBlocked {
			if dialled := b.net.Dialed()[before:]; len(dialled) != 0 {
				t.Fatalf("%s: the guard dialled %v, want no connection at all", c.name, dialled)
			}
		}
	}
}
