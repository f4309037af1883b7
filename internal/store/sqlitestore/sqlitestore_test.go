package sqlitestore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/seal"
	"github.com/keyward/keyward/internal/store"
	"github.com/keyward/keyward/internal/store/sqlitestore"
	"github.com/keyward/keyward/internal/store/storetest"
)

// MustOpen opens a database at path and closes it when tb ends.
func MustOpen(tb testing.TB, path string) *sqlitestore.DB {
	tb.Helper()
	db, err := sqlitestore.Open(context.Background(), &sqlitestore.Config{Path: path})
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestExercise(t *testing.T) {
	t.Parallel()
	storetest.Exercise(t, func(tb testing.TB) store.Driver {
		return MustOpen(tb, filepath.Join(tb.TempDir(), "keyward.db"))
	})
}

// TestMemory checks the in-memory mode end to end on one flow.
func TestMemory(t *testing.T) {
	t.Parallel()
	st := storetest.MustNew(t, MustOpen(t, ":memory:"), nil, nil)
	res, err := st.EnsureAdmin(context.Background(), nil)
	if err != nil || !res.Created {
		t.Fatalf("EnsureAdmin = %+v, %v; want created", res, err)
	}
	ki, err := st.LookupKey(context.Background(), res.Credential.Key)
	if err != nil || string(ki.Secrets[0].Secret) != res.Secret.Value {
		t.Fatalf("LookupKey = %v; want the admin secret", err)
	}
}

// TestNoPlaintextSecrets greps the database files for every secret made, in
// every encoding a careless implementation might store.
func TestNoPlaintextSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "keyward.db")
	db := MustOpen(t, path)
	st := storetest.MustNew(t, db, nil, nil)
	ctx := credential.NewContextWithActor(context.Background(), credential.SystemActor())
	res, err := st.EnsureAdmin(ctx, nil)
	if err != nil {
		t.Fatalf("EnsureAdmin: %v", err)
	}
	secrets := []*credential.Secret{res.Secret}
	admin := credential.NewContextWithActor(context.Background(), &credential.Actor{AccountID: res.Account.ID})
	for i := range 3 {
		c, sec, err := st.CreateCredential(admin, &credential.CreateCredentialParams{Name: fmt.Sprint("c", i), Groups: []string{"encoding"}})
		if err != nil {
			t.Fatalf("CreateCredential: %v", err)
		}
		_, rot, err := st.RotateSecret(admin, &credential.RotateSecretParams{ID: c.ID})
		if err != nil {
			t.Fatalf("RotateSecret: %v", err)
		}
		secrets = append(secrets, sec, rot)
	}

	// Look both before and after a checkpoint: the secrets may sit in the
	// WAL or in the main file.
	check := func(when string) {
		var files [][]byte
		for _, name := range []string{path, path + "-wal"} {
			b, err := os.ReadFile(name)
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			files = append(files, b)
		}
		if len(files[0])+len(files[1]) < 4096 {
			t.Fatalf("%s: database files hold %d bytes; the test reads the wrong files", when, len(files[0])+len(files[1]))
		}
		if !bytes.Contains(append(files[0], files[1]...), []byte(secrets[0].Key)) {
			t.Fatalf("%s: database files do not contain a credential key; the test reads the wrong files", when)
		}
		for _, sec := range secrets {
			raw, err := hex.DecodeString(sec.Value)
			if err != nil {
				t.Fatal(err)
			}
			forms := map[string][]byte{
				"secret text":             []byte(sec.Value),
				"secret text, upper case": []byte(strings.ToUpper(sec.Value)),
				"hex of secret text":      []byte(hex.EncodeToString([]byte(sec.Value))),
				"base64 of secret text":   []byte(base64.StdEncoding.EncodeToString([]byte(sec.Value))),
				"raw secret bytes":        raw,
				"base64 of raw bytes":     []byte(base64.StdEncoding.EncodeToString(raw)),
				"base64url of raw bytes":  []byte(base64.RawURLEncoding.EncodeToString(raw)),
				"half the secret text":    []byte(sec.Value[:32]),
			}
			for form, needle := range forms {
				for i, f := range files {
					if bytes.Contains(f, needle) {
						t.Errorf("%s: file %d holds the %s of secret %s", when, i, form, sec.KID)
					}
				}
			}
		}
	}
	check("before checkpoint")
	if err := db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("after checkpoint")
}

// openWithAdmin opens a store on the SQLite file at path, without a
// cleanup (the caller closes it, or is killed), and makes its first admin.
func openWithAdmin(t *testing.T, path string) (*store.Store, *store.EnsureAdminResult) {
	t.Helper()
	db, err := sqlitestore.Open(context.Background(), &sqlitestore.Config{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.New(context.Background(), db, &store.Config{Sealer: storetest.MustSealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := st.EnsureAdmin(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return st, res
}

// TestReopen checks that data outlives the process's handle, and that a
// wrong master key is refused when the store opens.
func TestReopen(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "keyward.db")
	st, res := openWithAdmin(t, path)
	st.Close()

	st2 := storetest.MustNew(t, MustOpen(t, path), nil, nil)
	ki, err := st2.LookupKey(context.Background(), res.Credential.Key)
	if err != nil || string(ki.Secrets[0].Secret) != res.Secret.Value {
		t.Fatalf("LookupKey after reopen: %v", err)
	}

	other, err := seal.New(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	db3 := MustOpen(t, path)
	if _, err := store.New(context.Background(), db3, &store.Config{Sealer: other}); err == nil || !strings.Contains(err.Error(), "master key") {
		t.Errorf("store.New with another master key = %v, want a master key error", err)
	}
}

// TestKillNine runs a child process that creates credentials and reports
// each one after Create returns, kills it with SIGKILL mid-stream, and checks
// that every reported credential is in the database.
func TestKillNine(t *testing.T) {
	t.Parallel()
	if os.Getenv("KEYWARD_KILL9_CHILD") != "" {
		t.Skip("runs in the parent only")
	}
	path := filepath.Join(t.TempDir(), "keyward.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillNineChild$", "-test.v")
	cmd.Env = append(os.Environ(), "KEYWARD_KILL9_CHILD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var keys []string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if k, ok := strings.CutPrefix(sc.Text(), "created "); ok {
			keys = append(keys, k)
			if len(keys) == 25 {
				break
			}
		}
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if len(keys) < 25 {
		t.Fatalf("child reported %d credentials before dying, want 25", len(keys))
	}

	st := storetest.MustNew(t, MustOpen(t, path), nil, nil)
	for _, k := range keys {
		ki, err := st.LookupKey(context.Background(), k)
		if err != nil || len(ki.Secrets) != 1 {
			t.Errorf("credential %s, reported created before kill -9, is lost: %v", k, err)
		}
	}
}

// TestKillNineChild is the child of TestKillNine: it creates credentials
// until it is killed.
func TestKillNineChild(t *testing.T) {
	path := os.Getenv("KEYWARD_KILL9_CHILD")
	if path == "" {
		t.Skip("child of TestKillNine")
	}
	st, res := openWithAdmin(t, path)
	fmt.Printf("created %s\n", res.Credential.Key)
	admin := credential.NewContextWithActor(context.Background(), &credential.Actor{AccountID: res.Account.ID})
	for i := 0; ; i++ {
		c, _, err := st.CreateCredential(admin, &credential.CreateCredentialParams{Name: fmt.Sprint("c", i), Groups: []string{"encoding"}})
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("created %s\n", c.Key)
	}
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  sqlitestore.Config
	}{
		{"no path", sqlitestore.Config{}},
		{"question mark", sqlitestore.Config{Path: filepath.Join(t.TempDir(), "a?b.db")}},
		{"directory missing", sqlitestore.Config{Path: filepath.Join(t.TempDir(), "no", "such", "dir", "k.db")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if db, err := sqlitestore.Open(context.Background(), &tt.cfg); err == nil {
				db.Close()
				t.Errorf("Open(%+v) = nil error, want an error", tt.cfg)
			}
		})
	}
}
