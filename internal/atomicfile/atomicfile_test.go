package atomicfile_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/keyward/keyward/internal/atomicfile"
)

// alone fails t unless path's file is all its directory holds (no
// temporary file left), and returns what the file holds.
func alone(t *testing.T, path string) string {
	t.Helper()
	des, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	if len(names) != 1 || names[0] != filepath.Base(path) {
		t.Errorf("directory holds %v, want only %s", names, filepath.Base(path))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWrite(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "admin.json")
	if err := atomicfile.WriteFile(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := atomicfile.WriteFile(path, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := alone(t, path); got != "two" {
		t.Errorf("after two writes the file holds %q, want %q", got, "two")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	boom := errors.New("boom")
	err := atomicfile.Write(path, 0o600, func(w io.Writer) error {
		io.WriteString(w, "half")
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Write with a failing writer = %v, want it to wrap %v", err, boom)
	}
	if got := alone(t, path); got != "two" {
		t.Errorf("a failed write changed the file to %q", got)
	}
}

func TestWriteNew(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "master.key")
	if err := atomicfile.WriteNewFile(path, []byte("first"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.WriteNewFile(path, []byte("second"), 0o600)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("WriteNewFile over an existing file = %v, want fs.ErrExist", err)
	}
	if got := alone(t, path); got != "first" {
		t.Errorf("WriteNewFile replaced the file: it holds %q", got)
	}
}

func TestWriteNewRace(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "admin.json")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = atomicfile.WriteNewFile(path, []byte{byte('a' + i)}, 0o600) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, fs.ErrExist):
			t.Errorf("writer %d: %v, want nil or fs.ErrExist", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d writers created the file, want exactly 1", won)
	}
	alone(t, path)
}
