// Package factory builds the dependencies that keyward's commands share and
// hands them out lazily, so a command only pays for what it uses and tests
// can substitute any of them.
package factory

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/iostreams"
)

// DefaultServer is the server the API commands call when neither --server nor
// KEYWARD_SERVER says otherwise; it is where "keyward serve" listens by
// default.
const DefaultServer = "http://127.0.0.1:8080"

// DefaultCredentialsFile is the admin credential "keyward serve" writes into
// its default data directory; the API commands fall back to it.
var DefaultCredentialsFile = filepath.Join("keyward-data", "admin.json")

// Factory is passed to every command constructor.
type Factory struct {
	// IOStreams are the command's standard streams.
	IOStreams *iostreams.IOStreams
	// Getenv reads the environment; tests replace it.
	Getenv func(string) string
	// NowFunc is the clock; tests replace it.
	NowFunc func() time.Time
	// Version is the build's version string.
	Version string
	// HTTPClient returns the HTTP client the API commands call the server
	// with; nil means a default one. Tests replace it with a stub.
	HTTPClient func() (*http.Client, error)
}

// New returns the factory of a real process.
func New(version string) *Factory {
	return &Factory{
		IOStreams: iostreams.System(),
		Getenv:    os.Getenv,
		NowFunc:   time.Now,
		Version:   version,
		HTTPClient: func() (*http.Client, error) {
			return &http.Client{Timeout: 60 * time.Second}, nil
		},
	}
}

// APIClient returns a client of the keyward server at server (or
// $KEYWARD_SERVER, or [DefaultServer]) that signs with a credential read from
// credentialsFile, a JSON file {"key":…,"secret":…[,"kid":…]} such as the
// admin.json "keyward serve" writes; without one, from $KEYWARD_KEY and
// $KEYWARD_SECRET; without those, from [DefaultCredentialsFile] if it exists.
// A missing credential is a flag error.
func (f *Factory) APIClient(server, credentialsFile string) (*client.Client, error) {
	if server == "" {
		server = f.getenv("KEYWARD_SERVER")
	}
	if server == "" {
		server = DefaultServer
	}
	key, secret, kid, err := f.credentials(credentialsFile)
	if err != nil {
		return nil, err
	}
	var hc *http.Client
	if f.HTTPClient != nil {
		if hc, err = f.HTTPClient(); err != nil {
			return nil, err
		}
	}
	c, err := client.New(client.Config{
		BaseURL: server, Key: key, Secret: secret, KeyID: kid,
		HTTPClient: hc, NowFunc: f.NowFunc, UserAgent: "keyward-cli/" + f.Version,
	})
	if err != nil {
		return nil, cmderror.FlagErrorf("--server: %v", strings.TrimPrefix(err.Error(), "client: "))
	}
	return c, nil
}

// credentials resolves the key and secret the API commands sign with.
func (f *Factory) credentials(file string) (key, secret, kid string, err error) {
	if file == "" {
		key, secret = f.getenv("KEYWARD_KEY"), f.getenv("KEYWARD_SECRET")
		if key != "" || secret != "" {
			if key == "" || secret == "" {
				return "", "", "", cmderror.FlagErrorf("set both KEYWARD_KEY and KEYWARD_SECRET, or pass --credentials FILE")
			}
			return key, secret, "", nil
		}
		if _, err := os.Stat(DefaultCredentialsFile); err != nil {
			return "", "", "", cmderror.FlagErrorf("no credentials: pass --credentials FILE (the admin.json of \"keyward serve\") or set KEYWARD_KEY and KEYWARD_SECRET")
		}
		file = DefaultCredentialsFile
	}
	b, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", "", cmderror.FlagErrorf("--credentials: %s does not exist", file)
	}
	if err != nil {
		return "", "", "", fmt.Errorf("read credentials: %w", err)
	}
	var cred struct {
		Key    string `json:"key"`
		Secret string `json:"secret"`
		KID    string `json:"kid"`
	}
	if err := json.Unmarshal(b, &cred); err != nil || cred.Key == "" || cred.Secret == "" {
		return "", "", "", cmderror.FlagErrorf("--credentials: %s is not a JSON object with \"key\" and \"secret\"", file)
	}
	return cred.Key, cred.Secret, cred.KID, nil
}

func (f *Factory) getenv(name string) string {
	if f.Getenv == nil {
		return ""
	}
	return f.Getenv(name)
}
