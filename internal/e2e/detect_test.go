package e2e

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/keyward/keyward/token"
)

// TestDetectIsSingleUse checks that a detect token works once: a repeat
// within its lifetime is refused as a replay and downloads nothing.
func TestDetectIsSingleUse(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := songFiles(t, dir, song(20, 4))
	var downloads atomic.Int64
	fs := http.FileServer(http.Dir(dir))
	songs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		downloads.Add(1)
		fs.ServeHTTP(w, r)
	}))
	defer songs.Close()
	if _, err := os.Stat(files["wav"]); err != nil {
		t.Fatal(err)
	}
	n := startNode(t, "", "--fetch-allow", "127.0.0.1/32")
	app := encodingCreds(t, n)
	tok, err := token.New(token.Request, app.Key, []byte(app.Secret)).SetMethod("POST").SetURL("/v3/sl/detect").
		SetArg(map[string]string{"src": songs.URL + "/" + filepath.Base(files["wav"])}).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	if r := n.api(t, tok, "/v3/sl/detect"); r.Status != 200 {
		t.Fatalf("detect: %d %s", r.Status, r.Raw)
	}
	r := n.api(t, tok, "/v3/sl/detect")
	if r.Status != 401 || r.Params.Err != "TOKEN_REPLAYED" {
		t.Errorf("the same detect token again: %d %s; want 401 TOKEN_REPLAYED", r.Status, r.Raw)
	}
	if d := downloads.Load(); d != 1 {
		t.Errorf("the song was downloaded %d times for one token, want 1", d)
	}
}
