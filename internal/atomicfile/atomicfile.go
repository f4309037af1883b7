// Package atomicfile writes files so that readers, and a crash, see either
// the whole new content or none of it: the content goes to a temporary file
// beside the target, is synced, and then replaces the target in one rename
// ([Write]) or is linked into place only if no file is there yet
// ([WriteNew]). It is the one way keyward writes a file it must not leave
// half-written: master.key, admin.json, stored songs, downloads.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// Write writes path with what write puts into the writer it is given,
// replacing any file already there. The file gets mode perm (the umask is
// ignored, so 0600 stays 0600). When write or the write-out fails, path is
// left as it was and no temporary file remains.
func Write(path string, perm fs.FileMode, write func(io.Writer) error) error {
	pf, err := pending(path, perm, write)
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	return syncDir(path)
}

// WriteNew is [Write] for a file that must never be replaced: when path
// already exists it leaves it untouched and returns an error wrapping
// fs.ErrExist. Of two concurrent writers exactly one succeeds.
func WriteNew(path string, perm fs.FileMode, write func(io.Writer) error) error {
	if _, err := os.Lstat(path); err == nil {
		return fmt.Errorf("create %s: %w", path, fs.ErrExist)
	}
	pf, err := pending(path, perm, write)
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	if err := pf.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", path, err)
	}
	// A hard link fails when path exists, where a rename would replace it.
	if err := os.Link(pf.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("create %s: %w", path, fs.ErrExist)
		}
		return fmt.Errorf("create %s: %w", path, err)
	}
	return syncDir(path)
}

// WriteFile is [Write] of data.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// WriteNewFile is [WriteNew] of data.
func WriteNewFile(path string, data []byte, perm fs.FileMode) error {
	return WriteNew(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// pending writes a temporary file beside path; the caller installs it and
// cleans it up.
func pending(path string, perm fs.FileMode, write func(io.Writer) error) (*renameio.PendingFile, error) {
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithStaticPermissions(perm))
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	if err := write(pf); err != nil {
		pf.Cleanup()
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return pf, nil
}

// syncDir makes the new directory entry of path durable.
func syncDir(path string) error {
	d, err := os.Open(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("sync directory of %s: %w", path, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory of %s: %w", path, err)
	}
	return nil
}
