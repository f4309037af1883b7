package connect

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

func writeJSON(t *testing.T, path, body string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestResolve is issue 13.3: every API command finds its credential in
// the same order (flags, --credentials, the environment, ./keyward-data/
// admin.json), takes the server from the credentials file when nothing
// else names one, and says what it tried when it finds nothing.
func TestResolve(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	def := writeJSON(t, filepath.Join(dir, "admin.json"), `{"key":"defkey","secret":"defsecret","kid":"k1","server":"http://127.0.0.1:9001"}`)
	other := writeJSON(t, filepath.Join(dir, "other.json"), `{"key":"filekey","secret":"filesecret"}`)
	bad := writeJSON(t, filepath.Join(dir, "bad.json"), `{"key":"k"}`)
	env := map[string]string{"KEYWARD_KEY": "envkey", "KEYWARD_SECRET": "envsecret"}
	tests := []struct {
		name        string
		flags       Flags
		env         map[string]string
		defaultFile string
		wantKey     string
		wantFrom    string
		wantServer  string
		wantErr     string
	}{
		{"key and secret flags beat all", Flags{Key: "fk", Secret: "fs", Credentials: other}, env, def, "fk", "--key/--secret", DefaultServer, ""},
		{"key flag, secret from env", Flags{Key: "fk"}, env, def, "fk", "--key/--secret", DefaultServer, ""},
		{"secret without key", Flags{Secret: "fs"}, nil, def, "", "", "", "without a key"},
		{"credentials file beats env", Flags{Credentials: other}, env, def, "filekey", other, DefaultServer, ""},
		{"env beats admin.json", Flags{}, env, def, "envkey", "$KEYWARD_KEY/$KEYWARD_SECRET", DefaultServer, ""},
		{"half env", Flags{}, map[string]string{"KEYWARD_KEY": "k"}, def, "", "", "", "set both $KEYWARD_KEY and $KEYWARD_SECRET"},
		{"admin.json and its server", Flags{}, nil, def, "defkey", def, "http://127.0.0.1:9001", ""},
		{"--server beats the file's", Flags{Server: "http://127.0.0.1:7"}, nil, def, "defkey", def, "http://127.0.0.1:7", ""},
		{"env server beats the file's", Flags{}, map[string]string{"KEYWARD_SERVER": "http://127.0.0.1:8"}, def, "defkey", def, "http://127.0.0.1:8", ""},
		{"nothing", Flags{}, nil, filepath.Join(dir, "none.json"), "", "", "",
			"tried --key/--secret (not given), --credentials FILE (not given), $KEYWARD_KEY/$KEYWARD_SECRET (not set) and ./" + filepath.Join(dir, "none.json") + " (not found)"},
		{"missing file", Flags{Credentials: filepath.Join(dir, "nope.json")}, nil, def, "", "", "", "does not exist"},
		{"bad file", Flags{Credentials: bad}, nil, def, "", "", "", `not a JSON object with "key" and "secret"`},
		{"no scheme", Flags{Server: "127.0.0.1:8080"}, nil, def, "", "", "", `--server "127.0.0.1:8080" is not an http:// or https:// URL of a keyward server; did you mean http://127.0.0.1:8080?`},
		{"portal", Flags{Server: "http://127.0.0.1:8080/portal/"}, nil, def, "", "", "", `is the portal's address; the commands want the server's: http://127.0.0.1:8080`},
		{"proxy prefix", Flags{Server: "https://example.test/keyward"}, nil, def, "defkey", def, "https://example.test/keyward", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := resolve(tt.flags, func(k string) string { return tt.env[k] }, tt.defaultFile)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve(%+v) error = %v, want %q", tt.flags, err, tt.wantErr)
				}
				if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
					t.Errorf("resolve(%+v) error is %T, want a flag error", tt.flags, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("resolve(%+v): %v", tt.flags, err)
			}
			if got.Key != tt.wantKey || got.From != tt.wantFrom || got.Server != tt.wantServer {
				t.Errorf("resolve(%+v) = key %q from %q server %q; want %q from %q server %q",
					tt.flags, got.Key, got.From, got.Server, tt.wantKey, tt.wantFrom, tt.wantServer)
			}
		})
	}
}
