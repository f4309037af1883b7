package e2e

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// keyward runs the keyward binary and returns stdout, stderr and the exit
// code.
func keyward(t *testing.T, env []string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("keyward %v: %v", args, err)
	}
	return out.String(), errOut.String(), code
}

// TestCLIAgainstServe drives a real keyward serve with the CLI as an
// operator's script would: DESIGN §8's admin credential create --json, a
// token minted by "keyward token" accepted by the server, "keyward call",
// revocation, and the exit codes.
func TestCLIAgainstServe(t *testing.T) {
	t.Parallel()
	n := startNode(t, "", "--usage-interval", "200ms")
	adminFile := filepath.Join(n.Data, "admin.json")
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir()}
	base := []string{"--server", n.URL, "--credentials", adminFile}

	out, stderr, code := keyward(t, env, append([]string{"admin", "credential", "create", "--groups", "encoding", "--name", "ci", "--notes", "from the CLI", "--json"}, base...)...)
	if code != 0 {
		t.Fatalf("admin credential create: exit %d: %s", code, stderr)
	}
	var created struct {
		ID     int64  `json:"id"`
		Key    string `json:"key"`
		Secret string `json:"secret"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil || created.Key == "" || len(created.Secret) < 32 {
		t.Fatalf("admin credential create --json printed %q: %v", out, err)
	}

	// The secret is never printed again.
	out, _, code = keyward(t, env, append([]string{"admin", "credential", "show", jsonNum(created.ID), "--json"}, base...)...)
	if code != 0 || strings.Contains(out, created.Secret) || !strings.Contains(out, created.Key) {
		t.Errorf("admin credential show: exit %d, shows secret %v: %s", code, strings.Contains(out, created.Secret), out)
	}

	// A management token minted by "keyward token" with that credential is
	// accepted; "keyward token verify" agrees offline.
	tok, stderr, code := keyward(t, env, "token", "management", "--key", created.Key, "--secret", created.Secret)
	if code != 0 {
		t.Fatalf("keyward token management: %d %s", code, stderr)
	}
	tok = strings.TrimSpace(tok)
	if r := n.raw("GET", "/v1/me", "Bearer "+tok, nil); r.Status != 200 {
		t.Fatalf("server refuses the CLI's token: %d %s", r.Status, r.Raw)
	}
	if _, stderr, code := keyward(t, env, "token", "verify", "--secret", created.Secret, "--profile", "management", tok); code != 0 {
		t.Errorf("token verify: exit %d %s", code, stderr)
	}

	// keyward call signs for the caller.
	callEnv := append(env, "KEYWARD_KEY="+created.Key, "KEYWARD_SECRET="+created.Secret)
	out, stderr, code = keyward(t, callEnv, "call", "GET", "/v1/me", "--server", n.URL)
	if code != 0 || !strings.Contains(out, created.Key) {
		t.Errorf("keyward call GET /v1/me: exit %d out %s err %s", code, out, stderr)
	}

	// The calls above are recorded as the credential's last use, shown by
	// show and list, within the usage flush interval.
	waitFor(t, 10*time.Second, "last used shown by admin credential show", func() bool {
		out, _, _ := keyward(t, env, append([]string{"admin", "credential", "show", jsonNum(created.ID)}, base...)...)
		for _, line := range scanLines(out) {
			if v, ok := strings.CutPrefix(line, "last used"); ok && strings.TrimSpace(v) != "" {
				return true
			}
		}
		return false
	})
	out, _, _ = keyward(t, env, append([]string{"admin", "credential", "list"}, base...)...)
	for _, line := range scanLines(out) {
		if strings.Contains(line, created.Key) && !rfc3339.MatchString(line) {
			t.Errorf("admin credential list shows no last use for the credential: %q", line)
		}
	}

	// Revoke; within 5 s the CLI's calls fail with the auth exit code 4.
	if _, stderr, code := keyward(t, env, append([]string{"admin", "credential", "revoke", jsonNum(created.ID), "--yes"}, base...)...); code != 0 {
		t.Fatalf("admin credential revoke: exit %d %s", code, stderr)
	}
	waitFor(t, 5*time.Second, "keyward call refused after revoke", func() bool {
		_, _, code := keyward(t, callEnv, "call", "GET", "/v1/me", "--server", n.URL)
		return code == 4
	})
	// A destructive command without --yes and without a terminal refuses.
	if _, _, code := keyward(t, env, append([]string{"admin", "credential", "delete", jsonNum(created.ID)}, base...)...); code != 2 {
		t.Errorf("delete without --yes: exit %d, want 2", code)
	}
}

// rfc3339 finds a time as the CLI prints it when not on a terminal.
var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

func jsonNum(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
