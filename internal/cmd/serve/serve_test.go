package serve

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/knadh/koanf/parsers/toml/v2"
	"github.com/knadh/koanf/providers/file"
	"github.com/knadh/koanf/v2"

	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/cmdtest"
	"github.com/keyward/keyward/internal/server"
)

// exampleConfig is the repository's example config file.
var exampleConfig = filepath.Join("..", "..", "..", "keyward.example.toml")

// TestExampleConfigNamesEveryKey: keyward.example.toml shows every key the
// config file may hold, and no other.
func TestExampleConfigNamesEveryKey(t *testing.T) {
	t.Parallel()
	k := koanf.New(".")
	if err := k.Load(file.Provider(exampleConfig), toml.Parser()); err != nil {
		t.Fatalf("load %s: %v", exampleConfig, err)
	}
	have := k.Keys()
	want := server.ConfigKeys()
	for _, key := range want {
		if !slices.Contains(have, key) {
			t.Errorf("%s lacks the key %q", exampleConfig, key)
		}
	}
	for _, key := range have {
		if !slices.Contains(want, key) {
			t.Errorf("%s has the key %q, which keyward does not know", exampleConfig, key)
		}
	}
}

func TestNewCmdServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "keyward.toml")
	os.WriteFile(file, []byte(`
listen = "127.0.0.1:9001"
data = "/srv/from-file"
redis = "redis://127.0.0.1:6379/0"
leeway = "30s"
fetch_allow = ["10.0.0.0/8"]
[smtp]
addr = "127.0.0.1:2525"
from = "file@example.test"
`), 0o600)
	typo := filepath.Join(dir, "typo.toml")
	os.WriteFile(typo, []byte("listen = \"127.0.0.1:9001\"\n[smtp]\npasword = \"x\"\n"), 0o600)
	stray := filepath.Join(dir, "stray.toml")
	os.WriteFile(stray, []byte("lisen = \"127.0.0.1:9001\"\n"), 0o600)

	tests := []struct {
		name    string
		cli     string
		env     map[string]string
		check   func(t *testing.T, c server.Config)
		wantErr string
	}{
		{"defaults", "", nil, func(t *testing.T, c server.Config) {
			d := server.Defaults()
			if c.Listen != d.Listen || c.Data != d.Data || c.Database != "" || c.Leeway != time.Minute || !c.APIKeyRequireExp || c.PublicURL != "http://127.0.0.1:8080" {
				t.Errorf("defaults: %+v", c)
			}
		}, ""},
		{"file", "--config " + file, nil, func(t *testing.T, c server.Config) {
			if c.Listen != "127.0.0.1:9001" || c.Data != "/srv/from-file" || c.Leeway != 30*time.Second ||
				c.SMTP.Addr != "127.0.0.1:2525" || c.SMTP.From != "file@example.test" || len(c.FetchAllow) != 1 {
				t.Errorf("from file: %+v", c)
			}
		}, ""},
		{"env beats file", "--config " + file, map[string]string{"KEYWARD_DATA": "/srv/from-env", "KEYWARD_SMTP_FROM": "env@example.test", "KEYWARD_FETCH_ALLOW": "127.0.0.0/8,::1/128"}, func(t *testing.T, c server.Config) {
			if c.Data != "/srv/from-env" || c.Listen != "127.0.0.1:9001" || c.SMTP.From != "env@example.test" || strings.Join(c.FetchAllow, " ") != "127.0.0.0/8 ::1/128" {
				t.Errorf("env over file: %+v", c)
			}
		}, ""},
		{"flag beats env", "--config " + file + " --data /srv/from-flag --fetch-allow 192.168.0.0/16 --smtp-from flag@example.test --apikey-require-exp=false", map[string]string{"KEYWARD_DATA": "/srv/from-env"}, func(t *testing.T, c server.Config) {
			if c.Data != "/srv/from-flag" || c.SMTP.From != "flag@example.test" || strings.Join(c.FetchAllow, " ") != "192.168.0.0/16" || c.APIKeyRequireExp {
				t.Errorf("flags over env: %+v", c)
			}
		}, ""},
		{"config from env", "", map[string]string{"KEYWARD_CONFIG": file}, func(t *testing.T, c server.Config) {
			if c.Listen != "127.0.0.1:9001" {
				t.Errorf("KEYWARD_CONFIG: %+v", c)
			}
		}, ""},
		{"master key from env", "", map[string]string{"KEYWARD_MASTER_KEY": "abc"}, func(t *testing.T, c server.Config) {
			if c.MasterKey != "abc" {
				t.Errorf("KEYWARD_MASTER_KEY: %q", c.MasterKey)
			}
		}, ""},
		{"bad listen", "--listen nonsense", nil, nil, "listen"},
		{"bad database", "--database mysql://x", nil, nil, "postgres://"},
		{"bad cidr", "--fetch-allow 10.0.0.0/99", nil, nil, "CIDR"},
		{"bad log level", "--log-level loud", nil, nil, "log-level"},
		{"missing file", "--config /nonexistent.toml", nil, nil, "config file"},
		{"example config", "--config " + exampleConfig, nil, func(t *testing.T, c server.Config) {
			d := server.Defaults()
			if c.Listen != d.Listen || c.Data != d.Data || c.Leeway != d.Leeway || c.UsageInterval != d.UsageInterval ||
				c.ShutdownTimeout != d.ShutdownTimeout || !c.APIKeyRequireExp || c.SMTP.Password != "" {
				t.Errorf("keyward.example.toml does not load as the defaults: %+v", c)
			}
		}, ""},
		{"unknown key in a table", "--config " + typo, nil, nil, `unknown key "smtp.pasword"`},
		{"unknown key", "--config " + stray, nil, nil, `unknown key "lisen"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := cmdtest.Factory(time.Now())
			f.Getenv = func(k string) string { return tt.env[k] }
			got, err := cmdtest.Parse(t, f, NewCmdServe, tt.cli, tt.wantErr)
			if err != nil {
				if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
					t.Errorf("serve %s: %T is not a flag error", tt.cli, err)
				}
				return
			}
			tt.check(t, got.Config)
		})
	}
}
