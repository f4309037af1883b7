package testenv

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// netnsEnv marks a test process started inside a loopback-only namespace.
const netnsEnv = "KEYWARD_TEST_NETNS"

// OnlyLoopback reports whether this process sees no network interface but
// the loopback one.
func OnlyLoopback() bool {
	ifs, err := net.Interfaces()
	if err != nil {
		return false
	}
	for _, i := range ifs {
		if i.Flags&net.FlagLoopback == 0 {
			return false
		}
	}
	return true
}

// LoopbackNamespace runs the calling test inside a network namespace whose
// only interface is lo, so nothing it does — WebRTC gathers candidates on
// every interface — can send a packet off the machine.
//
// Inside such a namespace it returns true and the test goes on. Outside,
// it runs the same test again in a new namespace (`unshare --net`, which
// needs root), reports that run's outcome, and returns false: the caller
// must then return at once. Without root or unshare the test is skipped,
// or fails under KEYWARD_TEST_STRICT=1; media tests never run outside the
// namespace.
//
//	func TestMedia(t *testing.T) {
//		if !testenv.LoopbackNamespace(t) {
//			return
//		}
//		…
//	}
func LoopbackNamespace(t *testing.T) bool {
	t.Helper()
	if OnlyLoopback() {
		return true
	}
	if os.Getenv(netnsEnv) == "1" {
		t.Fatalf("testenv: started in a loopback namespace but interfaces other than lo are visible")
	}
	if os.Geteuid() != 0 {
		Missing(t, "media tests run in a network namespace of their own, which needs root")
		return false
	}
	unshare := Command(t, "unshare")
	ip := Command(t, "ip")
	args := []string{"--net", "--", "/bin/sh", "-c", `"$0" link set lo up && exec "$@"`, ip,
		os.Args[0], "-test.run", runPattern(t.Name()), "-test.count=1", "-test.v", "-test.timeout=10m"}
	cmd := exec.Command(unshare, args...)
	cmd.Env = append(os.Environ(), netnsEnv+"=1")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("testenv: ran %s in a loopback-only network namespace (%s):\n%s", t.Name(), time.Since(start).Round(time.Millisecond), indent(out))
	switch {
	case err != nil:
		t.Fatalf("testenv: %s failed in the namespace: %v", t.Name(), err)
	case bytes.Contains(out, []byte("--- SKIP: "+t.Name())):
		t.Skipf("testenv: %s skipped in the namespace", t.Name())
	case !bytes.Contains(out, []byte("--- PASS: "+t.Name())):
		t.Fatalf("testenv: %s did not run in the namespace", t.Name())
	}
	return false
}

// runPattern is the -test.run pattern that selects exactly the test name.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

func indent(b []byte) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(string(b), "\n"), "\n", "\n    ")
}
