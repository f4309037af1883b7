package e2e

// TestREADME runs the README's shell examples, in order, as a newcomer would,
// and fails when one of them fails. The rules, which the README states too:
//
//   - Only fenced blocks whose info string starts with "sh" are looked at,
//     and only below the README's first screen (everything above the first
//     line that is "---": the run and test commands, which the rest of the
//     walkthrough stands in for; running the test command from a test would
//     recurse).
//   - "sh" blocks run in order, in one bash script (set -euo pipefail), so
//     a variable set in one block is there in the next. The working folder
//     is an empty temporary one, with the keyward binary this package built
//     on PATH. "go build" runs in the module's own folder, as in the
//     reader's clone, with its -o output landing in the working folder: the
//     build reuses the build cache, and the module's folder gets nothing.
//   - "sh serve" blocks start a server the README tells the reader to leave
//     running: the test starts the block in the background, stops the server
//     an earlier "sh serve" block started (the reader's Ctrl-C), and waits
//     until /readyz answers before going on.
//   - "sh no-run" blocks need what a test machine has not (other hosts, a
//     database superuser): they are only checked with bash -n.
//   - Every 127.0.0.1:PORT in the blocks, and the same PORT standing alone,
//     is mapped to a free port of the test's own, so it runs beside other
//     servers; KEYWARD_LISTEN and KEYWARD_SERVER point at the mapped
//     127.0.0.1:8080, keyward's default.
//
// Every background process the blocks start is in one process group, ended
// when the test ends. No packet leaves the loopback interface.

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/testenv"
)

// readmeTimeout bounds the whole README run (a watchdog, not a check of
// speed).
const readmeTimeout = 5 * time.Minute

// readmeBlock is one fenced shell block of the README.
type readmeBlock struct {
	Line int    // line of the opening fence, 1-based
	Kind string // "sh", "serve" or "no-run"
	Text string
}

// readmeBlocks returns the fenced shell blocks of readme below its first
// screen.
func readmeBlocks(readme string) ([]readmeBlock, error) {
	var blocks []readmeBlock
	var cur *readmeBlock
	var body strings.Builder
	below := false
	sc := bufio.NewScanner(strings.NewReader(readme))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if cur != nil {
			if strings.TrimSpace(line) == "```" {
				cur.Text = body.String()
				if below {
					blocks = append(blocks, *cur)
				}
				cur = nil
				continue
			}
			body.WriteString(line + "\n")
			continue
		}
		if line == "---" {
			below = true
			continue
		}
		info, ok := strings.CutPrefix(line, "```")
		if !ok {
			continue
		}
		fields := strings.Fields(info)
		if len(fields) == 0 || fields[0] != "sh" {
			// Another language, or a plain fence: skip to its end.
			cur = &readmeBlock{Line: n, Kind: "other"}
			body.Reset()
			continue
		}
		kind := "sh"
		if len(fields) > 1 {
			kind = fields[1]
		}
		if kind != "sh" && kind != "serve" && kind != "no-run" {
			return nil, fmt.Errorf("README.md:%d: unknown shell block kind %q (want sh, sh serve or sh no-run)", n, kind)
		}
		cur = &readmeBlock{Line: n, Kind: kind}
		body.Reset()
	}
	if cur != nil {
		return nil, fmt.Errorf("README.md:%d: a fenced block is never closed", cur.Line)
	}
	var out []readmeBlock
	for _, b := range blocks {
		if b.Kind != "other" {
			out = append(out, b)
		}
	}
	return out, sc.Err()
}

// readmePrelude is put before the blocks: how "sh serve" blocks start and
// wait, and where each block begins (for the failure message).
const readmePrelude = `set -euo pipefail
kw_server_pid=
kw_serve() { # the reader's Ctrl-C on the last server, then the new one in the background
	if [ -n "$kw_server_pid" ]; then kill "$kw_server_pid"; wait "$kw_server_pid" || true; fi
	"$@" >>"$KW_LOGS/serve.log" 2>&1 &
	kw_server_pid=$!
	for _ in $(seq 600); do
		kill -0 "$kw_server_pid" 2>/dev/null || { echo "the server exited; its log:" >&2; cat "$KW_LOGS/serve.log" >&2; return 1; }
		curl -sf -o /dev/null "$KEYWARD_SERVER/readyz" && return 0
		sleep 0.1
	done
	echo "the server did not get ready in 60 s" >&2
	return 1
}
kw_root=$KW_ROOT
go() { # go build in the module's folder, writing -o into this one
	if [ "${1:-}" != build ]; then command go "$@"; return; fi
	shift
	local args=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -o ]; then args+=(-o "$PWD/$2"); shift 2; continue; fi
		args+=("$1"); shift
	done
	(cd "$kw_root" && command go build "${args[@]}")
}
`

// portRE finds the loopback ports the README names.
var portRE = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// mapPorts gives each loopback port named in text a free port of the
// test's own and rewrites text.
func mapPorts(t *testing.T, text string) (string, map[string]string) {
	t.Helper()
	ports := map[string]string{"8080": ""}
	for _, m := range portRE.FindAllStringSubmatch(text, -1) {
		ports[m[1]] = ""
	}
	for p := range ports {
		_, free, err := net.SplitHostPort(freePort(t))
		if err != nil {
			t.Fatal(err)
		}
		ports[p] = free
		text = regexp.MustCompile(`\b`+p+`\b`).ReplaceAllString(text, free)
	}
	return text, ports
}

func TestREADME(t *testing.T) {
	t.Parallel()
	bash := testenv.Command(t, "bash")
	for _, tool := range []string{"go", "curl", "jq", "sox", "python3", "openssl"} {
		testenv.Command(t, tool)
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := readmeBlocks(string(readme))
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 5 {
		t.Fatalf("README.md has %d shell blocks below its first screen; the rules of this test no longer match it", len(blocks))
	}

	var script strings.Builder
	script.WriteString(readmePrelude)
	for i, b := range blocks {
		switch b.Kind {
		case "no-run":
			check := exec.Command(bash, "-n")
			check.Stdin = strings.NewReader(b.Text)
			if out, err := check.CombinedOutput(); err != nil {
				t.Errorf("README.md:%d (sh no-run): bash -n: %v\n%s", b.Line, err, out)
			}
			continue
		case "serve":
			fmt.Fprintf(&script, "echo \"### block %d, README.md:%d (sh serve), at ${EPOCHREALTIME}\" >&2\n", i, b.Line)
			for _, line := range strings.Split(strings.TrimSpace(b.Text), "\n") {
				cmd, _, _ := strings.Cut(line, "#")
				if cmd = strings.TrimSpace(cmd); cmd != "" {
					fmt.Fprintf(&script, "kw_serve %s\n", cmd)
				}
			}
		default:
			fmt.Fprintf(&script, "echo \"### block %d, README.md:%d, at ${EPOCHREALTIME}\" >&2\n%s", i, b.Line, b.Text)
		}
	}
	script.WriteString("echo \"### all blocks ran, at ${EPOCHREALTIME}\" >&2\n")
	text, ports := mapPorts(t, script.String())

	dir := t.TempDir()
	logs := t.TempDir()
	if err := os.WriteFile(filepath.Join(logs, "readme.sh"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readmeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bash, filepath.Join(logs, "readme.sh"))
	cmd.Dir = dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	listen := "127.0.0.1:" + ports["8080"]
	cmd.Env = append(os.Environ(),
		"PATH="+filepath.Dir(binary)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"KEYWARD_LISTEN="+listen, "KEYWARD_SERVER=http://"+listen, "KW_LOGS="+logs,
		"KEYWARD_KEY=", "KEYWARD_SECRET=", "KEYWARD_CONFIG=",
		"KW_ROOT="+root)
	// A file, not a pipe: background processes keep their copy of it open,
	// and Wait would wait for them.
	outFile, err := os.Create(filepath.Join(logs, "output"))
	if err != nil {
		t.Fatal(err)
	}
	defer outFile.Close()
	cmd.Stdout, cmd.Stderr = outFile, outFile
	start := time.Now()
	err = cmd.Start()
	if err != nil {
		t.Fatal(err)
	}
	pgid := cmd.Process.Pid
	t.Cleanup(func() { syscall.Kill(-pgid, syscall.SIGKILL) })
	err = cmd.Wait()
	outBytes, _ := os.ReadFile(outFile.Name())
	out := string(outBytes)
	t.Logf("the README's %d shell blocks ran in %v", len(blocks), time.Since(start).Round(time.Millisecond))
	if err != nil {
		serveLog, _ := os.ReadFile(filepath.Join(logs, "serve.log"))
		failed := "(before the first block)"
		for _, line := range strings.Split(out, "\n") {
			if rest, ok := strings.CutPrefix(line, "### "); ok {
				failed = rest
			}
		}
		t.Fatalf("a README example failed: %v\nlast block started: %s\noutput:\n%s\nserver log:\n%s", err, failed, out, serveLog)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "### ") {
			t.Log(line)
		}
	}
	if !strings.Contains(out, "### all blocks ran") {
		t.Fatalf("the README script stopped early:\n%s", out)
	}
}
