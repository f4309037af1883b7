package root

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestErrorsInOneVoice is issue 13.7: a server that is not running, a
// --server without a scheme, the portal's address, something that is not a
// keyward server, and a wrong secret read the same from every command that
// talks to the server, with the same exit code, and no internal prefix
// ("cmderror:", "client:", "store: store:") reaches the user.
func TestErrorsInOneVoice(t *testing.T) {
	t.Parallel()
	srv := startServer(t, t.TempDir())
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<!doctype html><title>welcome</title>"))
	}))
	t.Cleanup(html.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()

	commands := [][]string{
		{"admin", "whoami"},
		{"call", "GET", "/v1/me"},
		{"encode", "http://127.0.0.1:9/song.mp3", "--artist", "Ann"},
		{"detect", "http://127.0.0.1:9/song.mp3"},
	}
	const key, secret = "0123456789abcdef01234567", "a-wrong-secret-0123456789abcdefghij"
	tests := []struct {
		name     string
		server   string
		wantCode int
		want     string
		same     bool // every command prints exactly the same
	}{
		{"not running", closed, ExitError, "no keyward server is running at " + closed + " (connection refused", true},
		{"no scheme", strings.TrimPrefix(closed, "http://"), ExitUsage, "is not an http:// or https:// URL of a keyward server; did you mean " + closed + "?", true},
		{"portal address", srv.URL() + "/portal/", ExitUsage, "is the portal's address; the commands want the server's: " + srv.URL(), true},
		{"not keyward", html.URL, ExitError, html.URL + " answered, but not as a keyward server", true},
		{"wrong secret", srv.URL(), ExitAuth, srv.URL() + " refused the credential from --key/--secret (TOKEN_", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var first string
			for _, c := range commands {
				args := append(append([]string{}, c...), "--server", tt.server, "--key", key, "--secret", secret)
				code, _, errOut := run(args...)
				msg, _, _ := strings.Cut(errOut, "\nUsage:")
				if code != tt.wantCode || !strings.Contains(msg, tt.want) {
					t.Errorf("keyward %s: exit %d, stderr %q; want exit %d and %q", strings.Join(c, " "), code, msg, tt.wantCode, tt.want)
				}
				for _, internal := range []string{"cmderror:", "client:", "store: store:", "keyward: TOKEN"} {
					if strings.Contains(errOut, internal) {
						t.Errorf("keyward %s: stderr shows the internal prefix %q: %q", strings.Join(c, " "), internal, errOut)
					}
				}
				if strings.Contains(errOut, secret) {
					t.Errorf("keyward %s: stderr shows the secret", strings.Join(c, " "))
				}
				if first == "" {
					first = msg
				} else if tt.same && msg != first {
					t.Errorf("keyward %s says\n%q\nbut %s says\n%q", strings.Join(c, " "), msg, strings.Join(commands[0], " "), first)
				}
			}
		})
	}
}
