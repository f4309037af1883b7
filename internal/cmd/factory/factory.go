// Package factory builds the dependencies that keyward's commands share and
// hands them out lazily, so a command only pays for what it uses and tests
// can substitute any of them.
package factory

import (
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
	"github.com/keyward/keyward/internal/cmd/connect"
	"github.com/keyward/keyward/internal/iostreams"
)

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

// New returns the factory of a real process; version is the one set at
// link time ("dev" when none was), completed from the build info by
// [BuildVersion].
func New(version string) *Factory {
	info, _ := debug.ReadBuildInfo()
	version = BuildVersion(version, info)
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

// APIClient resolves the server and credential of the connection flags fl
// (see package connect for the order) and returns a client of that server
// that signs with that credential, and what was resolved, for
// [connect.Explain].
func (f *Factory) APIClient(fl connect.Flags) (*client.Client, *connect.Target, error) {
	t, err := connect.Resolve(fl, f.getenv)
	if err != nil {
		return nil, nil, err
	}
	var hc *http.Client
	if f.HTTPClient != nil {
		if hc, err = f.HTTPClient(); err != nil {
			return nil, nil, err
		}
	}
	c, err := client.New(client.Config{
		BaseURL: t.Server, Key: t.Key, Secret: t.Secret, KeyID: t.KID,
		HTTPClient: hc, NowFunc: f.NowFunc, UserAgent: "keyward-cli/" + f.Version,
	})
	if err != nil {
		return nil, nil, cmderror.FlagErrorf("%s", strings.TrimPrefix(err.Error(), "client: "))
	}
	return c, t, nil
}

// LazyClient returns a function that calls [Factory.APIClient] with the
// flags fl hold when it is called (after flag parsing), and records in *t
// what it resolved, for [connect.Explain].
func (f *Factory) LazyClient(fl *connect.Flags, t **connect.Target) func() (*client.Client, error) {
	return func() (*client.Client, error) {
		c, resolved, err := f.APIClient(*fl)
		*t = resolved
		return c, err
	}
}

func (f *Factory) getenv(name string) string {
	if f.Getenv == nil {
		return ""
	}
	return f.Getenv(name)
}
