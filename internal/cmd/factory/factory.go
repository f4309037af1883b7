// Package factory builds the dependencies that keyward's commands share and
// hands them out lazily, so a command only pays for what it uses and tests
// can substitute any of them.
package factory

import (
	"os"
	"time"

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
}

// New returns the factory of a real process.
func New(version string) *Factory {
	return &Factory{
		IOStreams: iostreams.System(),
		Getenv:    os.Getenv,
		NowFunc:   time.Now,
		Version:   version,
	}
}
