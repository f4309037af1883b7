// Command gatewaybench measures keyward's door and gateway mode with wrk on
// loopback (issue 5) and prints req/s and p99 latency of:
//
//	(a) a plain handler
//	(b) the same handler behind keyward's door, management tokens
//	(c) the same handler behind a golang-jwt/jwt/v5 middleware
//	(e) a bare httputil.ReverseProxy in front of (a)
//	(d) keyward's gateway mode in front of (a)
//
// then (a) and (b) once more, to show how much the machine drifted. Every
// target serves on 127.0.0.1 in this process; wrk (Debian's) runs one
// thread and the same Lua script for all of them, rotating through
// -tokens pre-minted management tokens.
//
// Usage:
//
//	go run ./cmd/gatewaybench [-duration 10s] [-connections 32] [-tokens 1000] [-warmup 2s]
//
// It exits 0 when every run measured successes, met or missed targets
// alike, and 1 when wrk is missing, a target answers wrongly before the
// runs, or a run saw a non-2xx response or a socket error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/keyward/keyward/bench/machine"
	"io"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	gatewaybench "github.com/keyward/keyward/bench/gateway"
)

// The targets of issue 5.
const (
	targetDoor    = 0.85 // (b) req/s over (a) req/s
	targetGateway = 0.90 // (d) req/s over (e) req/s
)

func main() {
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if m.Pin && os.Getenv("KEYWARD_BENCH_PINNED") == "" {
		// Re-run this program on CPU 1 only; wrk goes to CPU 0.
		self, err := os.Executable()
		taskset, terr := exec.LookPath("taskset")
		if err == nil && terr == nil {
			env := append(os.Environ(), "KEYWARD_BENCH_PINNED=1", "GOMAXPROCS=1")
			err = syscall.Exec(taskset, append([]string{"taskset", "-c", "1", self}, os.Args[1:]...), env)
		}
		fmt.Fprintf(os.Stderr, "gatewaybench: cannot pin to CPU 1 (%v); running unpinned\n", err)
		m.Pin = false
	}
	if err := m.Run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "gatewaybench: %v\n", err)
		os.Exit(1)
	}
}

// Main is the program: flags parsed into its fields, then Run.
type Main struct {
	// Duration is each measured wrk run's length. Default 10 s.
	Duration time.Duration
	// Warmup is an unmeasured wrk run before each measured one, so
	// connections, caches and the heap are warm. Default 2 s; 0 skips it.
	Warmup time.Duration
	// Connections is wrk's -c. Default 32.
	Connections int
	// Tokens is how many distinct tokens the wrk script rotates through.
	// Default 1000.
	Tokens int
	// Rounds is how many times the whole sequence runs; the verdicts use
	// the median ratio over the rounds, since one round on a shared machine
	// swings by more than the targets' margins. Default 3.
	Rounds int
	// Pin runs the servers on CPU 1 (GOMAXPROCS 1) and wrk on CPU 0, so the
	// load generator and the measured servers never share a core. Default
	// on when there are two CPUs and taskset exists.
	Pin bool
	// Stdout receives the table; Stderr the progress lines.
	Stdout, Stderr io.Writer
}

// NewMain returns a Main with the defaults, writing to the process's
// standard output and error.
func NewMain() *Main {
	_, tasksetErr := exec.LookPath("taskset")
	return &Main{Duration: 10 * time.Second, Warmup: 2 * time.Second, Connections: 32, Tokens: 1000, Rounds: 3,
		Pin: runtime.NumCPU() >= 2 && tasksetErr == nil, Stdout: os.Stdout, Stderr: os.Stderr}
}

// ParseFlags parses the command line into m.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("gatewaybench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.DurationVar(&m.Duration, "duration", m.Duration, "length of each measured wrk run (whole seconds)")
	fs.DurationVar(&m.Warmup, "warmup", m.Warmup, "unmeasured wrk run before each measured one; 0 for none")
	fs.IntVar(&m.Connections, "connections", m.Connections, "wrk connections (-c)")
	fs.IntVar(&m.Tokens, "tokens", m.Tokens, "distinct management tokens the wrk script rotates through")
	fs.IntVar(&m.Rounds, "rounds", m.Rounds, "rounds of the whole sequence; verdicts on the median ratios")
	fs.BoolVar(&m.Pin, "pin", m.Pin, "servers on CPU 1, wrk on CPU 0 (needs taskset and 2 CPUs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var bad string
	switch {
	case fs.NArg() > 0:
		bad = fmt.Sprintf("unexpected argument %q", fs.Arg(0))
	case m.Duration < time.Second:
		bad = "-duration must be at least 1s"
	case m.Warmup < 0:
		bad = "-warmup must not be negative"
	case m.Connections < 1:
		bad = "-connections must be at least 1"
	case m.Tokens < 1:
		bad = "-tokens must be at least 1"
	case m.Rounds < 1:
		bad = "-rounds must be at least 1"
	}
	if bad != "" {
		fmt.Fprintf(m.Stderr, "gatewaybench: %s\n", bad)
		fs.Usage()
		return errors.New(bad)
	}
	return nil
}

// run is one measured wrk run of one target.
type run struct {
	label  string // "a" … "e", "a'" and "b'" for the repeats
	target *gatewaybench.Target
	res    *gatewaybench.Result
	err    error
}

// Run starts the targets, checks their answers, runs wrk against each in
// turn and prints the table.
func (m *Main) Run(ctx context.Context) error {
	wrkPath, err := gatewaybench.LookWrk()
	if err != nil {
		return err
	}
	loadBefore := machine.LoadAvg()

	f := gatewaybench.NewFixture()
	tokens, err := f.Tokens(m.Tokens, time.Now())
	if err != nil {
		return err
	}
	ts, err := gatewaybench.Start(gatewaybench.Config{Fixture: f})
	if err != nil {
		return fmt.Errorf("start targets: %w", err)
	}
	defer ts.Close()

	wrong, err := gatewaybench.Fixture{AccessKey: f.AccessKey, Secret: []byte(strings.Repeat("0", 64))}.Tokens(1, time.Now())
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: gatewaybench.Transport()}
	err = ts.Check(ctx, client, tokens[0], wrong[0])
	client.CloseIdleConnections()
	if err != nil {
		return fmt.Errorf("targets answer wrongly; nothing measured:\n%w", err)
	}

	dir, err := os.MkdirTemp("", "gatewaybench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	script, err := gatewaybench.WriteScript(dir, tokens)
	if err != nil {
		return err
	}
	measure := &gatewaybench.Wrk{Path: wrkPath, Script: script, Connections: m.Connections, Duration: m.Duration}
	warm := &gatewaybench.Wrk{Path: wrkPath, Script: script, Connections: m.Connections, Duration: m.Warmup}
	if m.Pin {
		measure.CPU, warm.CPU = "0", "0"
	}

	var door, gw, jwt []float64
	var errs []error
	for round := 1; round <= m.Rounds; round++ {
		runs := []*run{
			{label: "a", target: ts.Plain},
			{label: "b", target: ts.Door},
			{label: "c", target: ts.GolangJWT},
			{label: "e", target: ts.BareProxy},
			{label: "d", target: ts.Gateway},
			{label: "a'", target: ts.Plain},
			{label: "b'", target: ts.Door},
			{label: "d'", target: ts.Gateway},
			{label: "e'", target: ts.BareProxy},
		}
		for i, r := range runs {
			fmt.Fprintf(m.Stderr, "gatewaybench: run %d/%d: (%s) %s at %s\n", i+1, len(runs), r.label, r.target.Name, r.target.URL)
			if m.Warmup > 0 {
				if wr, err := warm.Run(ctx, r.target.URL); err != nil {
					r.err = fmt.Errorf("warm-up: %w", err)
					continue
				} else if err := wr.Err(); err != nil {
					r.err = fmt.Errorf("warm-up: %w", err)
					continue
				}
			}
			r.res, r.err = measure.Run(ctx, r.target.URL)
			if r.err == nil {
				r.err = r.res.Err()
			}
		}

		fmt.Fprintf(m.Stdout, "== round %d of %d\n", round, m.Rounds)
		m.writeReport(runs, tokens, loadBefore, machine.LoadAvg())
		fmt.Fprintln(m.Stdout)
		by := map[string]*run{}
		for _, r := range runs {
			by[r.label] = r
			if r.err != nil {
				errs = append(errs, fmt.Errorf("round %d run (%s) %s: %w", round, r.label, r.target.Name, r.err))
			}
		}
		door = append(door, reqRatio(by["b"], by["a"]), reqRatio(by["b'"], by["a'"]))
		gw = append(gw, reqRatio(by["d"], by["e"]), reqRatio(by["d'"], by["e'"]))
		jwt = append(jwt, reqRatio(by["c"], by["a"]))
	}
	fmt.Fprintf(m.Stdout, "== over %d rounds (median of the per-round ratios; each round gives two door ratios, (b)/(a) and (b')/(a'), and two gateway ratios, (d)/(e) and (d')/(e'))\n", m.Rounds)
	fmt.Fprintf(m.Stdout, "door ratios %s; gateway ratios %s; golang-jwt ratios %s\n", formatRatios(door), formatRatios(gw), formatRatios(jwt))
	writeTarget(m.Stdout, "median (b)/(a) keyward door vs plain handler", median(door), targetDoor)
	writeTarget(m.Stdout, "median (d)/(e) keyward gateway vs bare ReverseProxy", median(gw), targetGateway)
	fmt.Fprintf(m.Stdout, "comparison: median (c)/(a) golang-jwt middleware vs plain handler = %s\n", formatRatio(median(jwt)))
	return errors.Join(errs...)
}

// writeReport prints the header lines, the table and the target lines.
func (m *Main) writeReport(runs []*run, tokens []string, loadBefore, loadAfter string) {
	w := m.Stdout
	byLabel := map[string]*run{}
	for _, r := range runs {
		byLabel[r.label] = r
	}
	fmt.Fprintf(w, "keyward door and gateway, issue 5: wrk --latency -t1 -c%d -d%s, GET / with %d rotating management tokens (warm-up %s each)\n",
		m.Connections, m.Duration, len(tokens), m.Warmup)
	fmt.Fprintf(w, "machine: %s; %d CPUs, GOMAXPROCS %d, %s; %s\n", machine.CPUModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), peerVersion())
	fmt.Fprintf(w, "load average before: %s; after: %s\n", loadBefore, loadAfter)
	if os.Getenv("KEYWARD_BENCH_PINNED") != "" {
		fmt.Fprintf(w, "pinned: the five servers (one Go process, GOMAXPROCS 1) on CPU 1, wrk on CPU 0; the figures are for comparing rows, not a server's capacity.\n\n")
	} else {
		fmt.Fprintf(w, "note: wrk and all five servers (one Go process) share these %d CPUs; the figures are for comparing rows, not a server's capacity.\n\n", runtime.NumCPU())
	}

	// Each row's ratio is its req/s over the row it is judged against.
	base := map[string]string{"b": "a", "c": "a", "d": "e", "a'": "a", "b'": "a'", "d'": "e'", "e'": "e"}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "run\ttarget\treq/s\tp50\tp99\trequests\tratio\t")
	for _, r := range runs {
		if r.err != nil {
			fmt.Fprintf(tw, "(%s)\t%s\t\t\t\t\tFAILED: %v\t\n", r.label, r.target.Name, oneLine(r.err))
			continue
		}
		ratio := "1.00 (baseline)"
		if b, ok := base[r.label]; ok {
			ratio = fmt.Sprintf("%s of (%s)", formatRatio(reqRatio(r, byLabel[b])), b)
		}
		fmt.Fprintf(tw, "(%s)\t%s\t%.0f\t%s\t%s\t%d\t%s\t\n", r.label, r.target.Name, r.res.RequestsPerSec,
			formatLatency(r.res.P50), formatLatency(r.res.P99), r.res.Requests, ratio)
	}
	tw.Flush()
	fmt.Fprintln(w)

	writeTarget(w, "(b)/(a) keyward door vs plain handler", reqRatio(byLabel["b"], byLabel["a"]), targetDoor)
	writeTarget(w, "(d)/(e) keyward gateway vs bare ReverseProxy", reqRatio(byLabel["d"], byLabel["e"]), targetGateway)
	fmt.Fprintf(w, "repeat: (b')/(a') = %s (the door target on the second pass; no verdict)\n", formatRatio(reqRatio(byLabel["b'"], byLabel["a'"])))
	fmt.Fprintf(w, "comparison: (c)/(a) golang-jwt middleware vs plain handler = %s; (b)/(c) keyward door vs golang-jwt = %s\n",
		formatRatio(reqRatio(byLabel["c"], byLabel["a"])), formatRatio(reqRatio(byLabel["b"], byLabel["c"])))
	fmt.Fprintf(w, "drift: (a')/(a) = %s, (b')/(b) = %s (far from 1.00 means the machine's load changed during the runs)\n",
		formatRatio(reqRatio(byLabel["a'"], byLabel["a"])), formatRatio(reqRatio(byLabel["b'"], byLabel["b"])))
}

// median returns the median of xs, or -1 when any is -1 (a failed run).
func median(xs []float64) float64 {
	if len(xs) == 0 || slices.Contains(xs, -1) {
		return -1
	}
	ys := slices.Sorted(slices.Values(xs))
	if n := len(ys); n%2 == 1 {
		return ys[n/2]
	} else {
		return (ys[n/2-1] + ys[n/2]) / 2
	}
}

func formatRatios(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = formatRatio(x)
	}
	return strings.Join(parts, " ")
}

// reqRatio returns r's req/s over base's, or -1 when either run failed.
func reqRatio(r, base *run) float64 {
	if r == nil || base == nil || r.err != nil || base.err != nil || base.res.RequestsPerSec == 0 {
		return -1
	}
	return r.res.RequestsPerSec / base.res.RequestsPerSec
}

func formatRatio(x float64) string {
	if x < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x)
}

// writeTarget prints "target met" or "target missed" for one ratio.
func writeTarget(w io.Writer, what string, ratio, target float64) {
	switch {
	case ratio < 0:
		fmt.Fprintf(w, "target not judged: %s (a run failed)\n", what)
	case ratio >= target:
		fmt.Fprintf(w, "target met:    %s = %.2f ≥ %.2f\n", what, ratio, target)
	default:
		fmt.Fprintf(w, "target missed: %s = %.2f < %.2f\n", what, ratio, target)
	}
}

// formatLatency prints d in µs below a millisecond and in ms above.
func formatLatency(d time.Duration) string {
	if d < time.Millisecond {
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
	return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
}

func oneLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

// peerVersion names the golang-jwt module and its version as built in.
func peerVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path == "github.com/golang-jwt/jwt/v5" {
				return d.Path + " " + d.Version
			}
		}
	}
	return "github.com/golang-jwt/jwt/v5 (version unknown)"
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or GOARCH
// where there is none.
