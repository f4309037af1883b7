// Package scratch gives a process its own directory for files in progress
// (partial downloads, encodings not yet stored) under a shared parent, and
// removes the directories of processes that died without cleaning up.
//
// Each process's directory holds a lock file that the process keeps locked
// (flock) for as long as it runs. [Open] removes every sibling whose lock it
// can take: the kernel drops a lock when its holder dies, even by kill -9,
// so a free lock means nobody owns those files any more. Several processes
// may share the parent (several nodes with one data directory on one host):
// a live process's lock is never free, so its files are never touched.
// Locks on network file systems depend on the server; keep the parent on a
// local disk.
package scratch

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// lockName is the lock file inside each process's directory.
const lockName = ".lock"

// Directory name prefixes: prefix names a process's directory once its lock
// is held, newPrefix while it is being made.
const (
	prefix    = "proc-"
	newPrefix = "new-"
)

// Config configures [Open].
type Config struct {
	// Parent is the shared directory; it is created if needed. Required.
	Parent string
	// LegacyPrefixes name loose files directly in Parent that older
	// versions left there, from before each process had its own directory;
	// the sweep removes them. Default none.
	LegacyPrefixes []string
	// Logger receives what the sweep removed or could not remove. Default
	// slog.Default().
	Logger *slog.Logger
}

// Dir is one process's scratch directory.
type Dir struct {
	path string
	lock *os.File
}

// Open creates the parent if needed, removes what dead processes left in
// it (their directories, and the legacy loose files) and returns a new
// directory for this process, locked until [Dir.Close].
func Open(cfg Config) (*Dir, error) {
	if cfg.Parent == "" {
		return nil, errors.New("scratch: Config.Parent is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	parent := cfg.Parent
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return nil, fmt.Errorf("scratch: create %s: %w", parent, err)
	}
	sweep(&cfg)
	// The directory gets its process name only once its lock is held, so
	// a sweeper never sees a live process's directory unlocked.
	tmp, err := os.MkdirTemp(parent, newPrefix)
	if err != nil {
		return nil, fmt.Errorf("scratch: create own directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(tmp, lockName), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("scratch: create lock: %w", err)
	}
	if ok, err := tryLock(lock); err != nil || !ok {
		lock.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("scratch: lock own directory (locked: %v): %w", ok, err)
	}
	path := filepath.Join(parent, prefix+strings.TrimPrefix(filepath.Base(tmp), newPrefix))
	if err := os.Rename(tmp, path); err != nil {
		lock.Close()
		os.RemoveAll(tmp)
		return nil, fmt.Errorf("scratch: name own directory: %w", err)
	}
	return &Dir{path: path, lock: lock}, nil
}

// Path returns the directory's path.
func (d *Dir) Path() string { return d.path }

// Close removes the directory and everything in it, and releases its lock.
func (d *Dir) Close() error {
	err := os.RemoveAll(d.path)
	d.lock.Close()
	if err != nil {
		return fmt.Errorf("scratch: remove %s: %w", d.path, err)
	}
	return nil
}

// sweep removes what no live process owns in the parent: process
// directories whose lock is free, and legacy loose files. Failures are
// logged: what cannot be removed now is tried again at the next start.
func sweep(cfg *Config) {
	parent, log := cfg.Parent, cfg.Logger
	entries, err := os.ReadDir(parent)
	if err != nil {
		log.Warn("scratch: read directory", "dir", parent, "err", err)
		return
	}
	for _, e := range entries {
		name := e.Name()
		path := filepath.Join(parent, name)
		release := func() {}
		switch {
		case e.IsDir() && strings.HasPrefix(name, prefix):
			var ok bool
			if release, ok = claim(path); !ok {
				continue
			}
		case !e.IsDir() && slices.ContainsFunc(cfg.LegacyPrefixes, func(p string) bool { return strings.HasPrefix(name, p) }):
		default:
			continue
		}
		err := os.RemoveAll(path)
		release()
		if err != nil {
			log.Warn("scratch: remove abandoned files", "path", path, "err", err)
			continue
		}
		log.Info("scratch: removed files no live process owns", "path", path)
	}
}

// claim takes the lock of the process directory dir when its owner is
// gone; release drops it (after dir is removed). A directory without a
// lock file has no owner: a process names its directory only once it
// holds the lock.
func claim(dir string) (release func(), ok bool) {
	f, err := os.OpenFile(filepath.Join(dir, lockName), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return func() {}, true
	}
	if err != nil {
		return nil, false
	}
	if ok, err := tryLock(f); err != nil || !ok {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true
}
