package scratch_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/scratch"
)

func mustOpen(t *testing.T, parent string) *scratch.Dir {
	t.Helper()
	d, err := scratch.Open(scratch.Config{Parent: parent, LegacyPrefixes: []string{"download-"}})
	if err != nil {
		t.Fatalf("Open(%s): %v", parent, err)
	}
	return d
}

func write(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("partial"), 0o600); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// TestLiveDirectoriesSurvive opens two directories on one parent, as two
// processes sharing a data directory would: neither sweep touches the
// other's files, and Close removes only its own.
func TestLiveDirectoriesSurvive(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	a := mustOpen(t, parent)
	fa := filepath.Join(a.Path(), "download-1")
	write(t, fa)
	b := mustOpen(t, parent) // sweeps: a's lock is held
	fb := filepath.Join(b.Path(), "download-2")
	write(t, fb)
	if !exists(fa) {
		t.Fatalf("opening a second directory removed a live one's file %s", fa)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if exists(b.Path()) || !exists(fa) {
		t.Fatalf("Close: own directory exists %v, other's file exists %v; want false, true", exists(b.Path()), exists(fa))
	}
	a.Close()
}

// TestDeadProcessSwept runs a child process that opens a directory, writes
// a partial file and is killed with SIGKILL; the next Open removes it, and
// the loose files an older version left in the parent too.
func TestDeadProcessSwept(t *testing.T) {
	t.Parallel()
	if os.Getenv("SCRATCH_CHILD") != "" {
		t.Skip("run as the child of TestDeadProcessSwept")
	}
	parent := t.TempDir()
	write(t, filepath.Join(parent, "download-123")) // an older version's leftover
	write(t, filepath.Join(parent, "keep.txt"))     // not ours: never touched
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$")
	cmd.Env = append(os.Environ(), "SCRATCH_CHILD="+parent)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4096)
	var got string
	for !strings.Contains(got, "\n") {
		n, err := out.Read(buf)
		if err != nil {
			t.Fatalf("child said %q, then: %v", got, err)
		}
		got += string(buf[:n])
	}
	file := strings.TrimSpace(strings.SplitN(got, "\n", 2)[0])
	// While the child lives, its file survives another Open.
	live := mustOpen(t, parent)
	if !exists(file) {
		t.Fatalf("a live process's file %s was removed", file)
	}
	cmd.Process.Kill()
	cmd.Wait()
	other := mustOpen(t, parent)
	if exists(file) || exists(filepath.Dir(file)) {
		t.Errorf("after kill -9 of its owner, %s is still there", filepath.Dir(file))
	}
	if exists(filepath.Join(parent, "download-123")) {
		t.Errorf("an older version's loose download was not removed")
	}
	if !exists(filepath.Join(parent, "keep.txt")) || !exists(live.Path()) || !exists(other.Path()) {
		t.Errorf("the sweep removed what it does not own")
	}
	live.Close()
	other.Close()
}

// TestChild is the child process of TestDeadProcessSwept: it prints the
// path of a partial file in its own directory and waits to be killed.
func TestChild(t *testing.T) {
	parent := os.Getenv("SCRATCH_CHILD")
	if parent == "" {
		t.Skip("only run by TestDeadProcessSwept")
	}
	d, err := scratch.Open(scratch.Config{Parent: parent})
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(d.Path(), "download-child")
	write(t, f)
	os.Stdout.WriteString(f + "\n")
	time.Sleep(time.Minute)
}
