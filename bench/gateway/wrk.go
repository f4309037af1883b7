package gateway

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ErrNoWrk means wrk is not on PATH.
var ErrNoWrk = errors.New("gatewaybench: wrk not found on PATH; install it with `apt-get install -y wrk` (Debian)")

// LookWrk returns the path of the wrk binary, or an error wrapping
// [ErrNoWrk].
func LookWrk() (string, error) {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrNoWrk, err)
	}
	return p, nil
}

// WriteScript writes a wrk Lua script to dir that sends GET / with
// "Authorization: Bearer <token>", rotating through tokens one request
// after another, and returns its path. Every target gets the same script,
// so the client's cost of building requests is the same for all.
func WriteScript(dir string, tokens []string) (string, error) {
	if len(tokens) == 0 {
		return "", errors.New("gatewaybench: no tokens for the wrk script")
	}
	var b strings.Builder
	b.WriteString("-- Written by gatewaybench: rotate through pre-minted management tokens.\nlocal tokens = {\n")
	for _, t := range tokens {
		if strings.ContainsAny(t, "\"\\\n\r") {
			return "", fmt.Errorf("gatewaybench: token %.20q… cannot go in a Lua string", t)
		}
		fmt.Fprintf(&b, "  %q,\n", t)
	}
	b.WriteString(`}
local i = 0
request = function()
  i = i % #tokens + 1
  return wrk.format("GET", "/", {["Authorization"] = "Bearer " .. tokens[i]})
end
`)
	p := filepath.Join(dir, "tokens.lua")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		return "", fmt.Errorf("gatewaybench: write wrk script: %w", err)
	}
	return p, nil
}

// Wrk runs Debian's wrk: one thread, a fixed number of connections, a Lua
// script, latency percentiles on.
type Wrk struct {
	// Path is the wrk binary ([LookWrk]).
	Path string
	// Script is the Lua script ([WriteScript]).
	Script string
	// Connections is wrk's -c.
	Connections int
	// Duration is wrk's -d, whole seconds (at least 1 s).
	Duration time.Duration
	// CPU, when set, runs wrk under "taskset -c CPU" so that it does not
	// share a core with the servers it measures.
	CPU string
}

// Run runs wrk against url and parses its report. It returns an error when
// wrk fails or its report cannot be parsed; a report with non-2xx
// responses or socket errors comes back as a Result whose [Result.Err] is
// not nil.
func (w *Wrk) Run(ctx context.Context, url string) (*Result, error) {
	secs := max(int(w.Duration.Round(time.Second)/time.Second), 1)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(secs)*time.Second+30*time.Second)
	defer cancel()
	args := []string{"--latency", "-t1", "-c" + strconv.Itoa(w.Connections), "-d" + strconv.Itoa(secs) + "s", "-s", w.Script, url}
	cmd := exec.CommandContext(ctx, w.Path, args...)
	if w.CPU != "" {
		cmd = exec.CommandContext(ctx, "taskset", append([]string{"-c", w.CPU, w.Path}, args...)...)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	res, err := ParseWrk(string(out))
	if err != nil {
		return nil, fmt.Errorf("wrk %s: %w\n%s", url, err, out)
	}
	return res, nil
}

// Result is what one wrk run reported.
type Result struct {
	// Requests is the number of requests completed.
	Requests int64
	// RequestsPerSec is the "Requests/sec" line.
	RequestsPerSec float64
	// P50 and P99 are the 50% and 99% lines of the latency distribution.
	P50, P99 time.Duration
	// Non2xx is the "Non-2xx or 3xx responses" count (0 when wrk prints no
	// such line).
	Non2xx int64
	// SocketErrors sums the "Socket errors" line: connect, read, write and
	// timeout.
	SocketErrors int64
	// Output is wrk's report as printed.
	Output string
}

// Err returns an error when the run measured anything but successes: a
// non-2xx response or a socket error.
func (r *Result) Err() error {
	switch {
	case r.Non2xx > 0:
		return fmt.Errorf("%d non-2xx responses of %d", r.Non2xx, r.Requests)
	case r.SocketErrors > 0:
		return fmt.Errorf("%d socket errors in %d requests", r.SocketErrors, r.Requests)
	case r.Requests == 0:
		return errors.New("no requests completed")
	}
	return nil
}

// ParseWrk parses the report of `wrk --latency`.
func ParseWrk(out string) (*Result, error) {
	r := &Result{Output: out}
	var haveRPS, haveP99, haveCount bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		var err error
		switch {
		case f[0] == "Requests/sec:" && len(f) == 2:
			r.RequestsPerSec, err = strconv.ParseFloat(f[1], 64)
			haveRPS = true
		case (f[0] == "50%" || f[0] == "99%") && len(f) == 2:
			var d time.Duration
			d, err = parseWrkDuration(f[1])
			if f[0] == "50%" {
				r.P50 = d
			} else {
				r.P99, haveP99 = d, true
			}
		case len(f) >= 3 && f[1] == "requests" && f[2] == "in":
			r.Requests, err = strconv.ParseInt(f[0], 10, 64)
			haveCount = true
		case f[0] == "Non-2xx" && len(f) == 5 && f[3] == "responses:":
			r.Non2xx, err = strconv.ParseInt(f[4], 10, 64)
		case f[0] == "Socket" && len(f) > 2 && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 2; i+1 < len(f); i += 2 {
				var n int64
				if n, err = strconv.ParseInt(strings.TrimSuffix(f[i+1], ","), 10, 64); err != nil {
					break
				}
				r.SocketErrors += n
			}
		}
		if err != nil {
			return nil, fmt.Errorf("parse wrk line %q: %w", sc.Text(), err)
		}
	}
	if !haveRPS || !haveP99 || !haveCount {
		return nil, errors.New("parse wrk: no Requests/sec, 99% latency or request count line (was --latency given?)")
	}
	return r, nil
}

// parseWrkDuration parses wrk's latency figures: "812.00us", "1.23ms",
// "2.00s", "1.50m", "1.00h".
func parseWrkDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("latency %q: %w", s, err)
	}
	return d, nil
}
