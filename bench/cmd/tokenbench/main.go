// Command tokenbench runs keyward's token benchmarks and those of
// golang-jwt/jwt/v5 and cristalhq/jwt/v5 in one process, several times
// over, and prints one table of medians with each peer's ratio to keyward
// and whether keyward meets the targets of issue 2.
//
// Usage:
//
//	go run ./cmd/tokenbench [-count 5] [-benchtime 1s]
//
// It exits 0 whether or not a target is met, and 1 only when an
// implementation fails to sign or verify the token (then no figure would
// mean anything).
package main

import (
	"errors"
	"flag"
	"fmt"
	"github.com/keyward/keyward/bench/machine"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	tokenbench "github.com/keyward/keyward/bench/token"
)

// The targets of issue 2.
const (
	targetVerifyNs    = 1000.0 // keyward verify, ns/op
	targetVerifyAlloc = 0      // keyward verify, allocs/op
	targetSpeedup     = 5.0    // golang-jwt verify ns / keyward verify ns
)

// The operations, in table order.
const (
	opVerify         = "verify"
	opVerifyParallel = "verify-parallel"
	opSign           = "sign"
)

func main() {
	m := NewMain()
	if err := m.ParseFlags(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if err := m.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "tokenbench: %v\n", err)
		os.Exit(1)
	}
}

// Main is the program: flags parsed into its fields, then Run.
type Main struct {
	// Count is how many times each benchmark runs; the table shows the
	// median. Default 5.
	Count int
	// BenchTime is each run's length, as go test's -benchtime takes it: a
	// duration ("1s") or an iteration count ("1000x"). Default "1s".
	BenchTime string
	// Stdout receives the table; Stderr the progress lines.
	Stdout, Stderr io.Writer
}

// NewMain returns a Main with the defaults, writing to the process's
// standard output and error.
func NewMain() *Main {
	return &Main{Count: 5, BenchTime: "1s", Stdout: os.Stdout, Stderr: os.Stderr}
}

// ParseFlags parses the command line into m.
func (m *Main) ParseFlags(args []string) error {
	fs := flag.NewFlagSet("tokenbench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.IntVar(&m.Count, "count", m.Count, "runs of each benchmark; the table shows the median")
	fs.StringVar(&m.BenchTime, "benchtime", m.BenchTime, `length of each run: a duration ("1s") or iterations ("1000x")`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(m.Stderr, "tokenbench: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errors.New("unexpected arguments")
	}
	if m.Count < 1 {
		fmt.Fprintln(m.Stderr, "tokenbench: -count must be at least 1")
		return errors.New("bad -count")
	}
	return nil
}

// bench is one benchmark and its results, one per run.
type bench struct {
	op, impl string
	fn       func(*testing.B)
	runs     []testing.BenchmarkResult
}

// Run checks every implementation against every other, runs the
// benchmarks Count times each (interleaved, so that a change of load on
// the machine hits every implementation alike), and prints the table.
func (m *Main) Run() error {
	testing.Init()
	if err := flag.Set("test.benchtime", m.BenchTime); err != nil {
		return fmt.Errorf("benchtime %q: %w", m.BenchTime, err)
	}
	impls, err := tokenbench.Impls(tokenbench.NewFixture(time.Now()))
	if err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	if err := tokenbench.CrossCheck(impls); err != nil {
		return fmt.Errorf("cross-check: %w", err)
	}
	tok, err := impls[0].Sign()
	if err != nil {
		return fmt.Errorf("%s: sign: %w", impls[0].Name, err)
	}
	var benches []*bench
	for _, impl := range impls {
		benches = append(benches, &bench{op: opVerify, impl: impl.Name, fn: tokenbench.VerifyBenchmark(impl, tok)})
	}
	for _, impl := range impls {
		benches = append(benches, &bench{op: opVerifyParallel, impl: impl.Name, fn: tokenbench.VerifyParallelBenchmark(impl, tok)})
	}
	for _, impl := range impls {
		benches = append(benches, &bench{op: opSign, impl: impl.Name, fn: tokenbench.SignBenchmark(impl)})
	}

	loadBefore := machine.LoadAvg()
	start := time.Now()
	for run := range m.Count {
		fmt.Fprintf(m.Stderr, "tokenbench: run %d of %d (%d benchmarks, benchtime %s)\n", run+1, m.Count, len(benches), m.BenchTime)
		for _, b := range benches {
			r := testing.Benchmark(b.fn)
			if r.N == 0 {
				return fmt.Errorf("%s %s: the benchmark failed", b.impl, b.op)
			}
			b.runs = append(b.runs, r)
		}
	}
	elapsed := time.Since(start)
	loadAfter := machine.LoadAvg()

	w := m.Stdout
	fmt.Fprintf(w, "keyward token benchmark: one HS256 management token (%d bytes), verify and sign\n", len(tok))
	fmt.Fprintf(w, "peers:    %s\n", peerVersions())
	fmt.Fprintf(w, "machine:  %s, %d CPUs, GOMAXPROCS %d, %s %s/%s\n", machine.CPUModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "load:     %s before, %s after (1, 5, 15 min averages; the machine may be shared)\n", loadBefore, loadAfter)
	fmt.Fprintf(w, "runs:     median of %d runs of -benchtime %s each, interleaved; %s in all\n\n", m.Count, m.BenchTime, elapsed.Round(time.Second))
	writeTable(w, benches)
	fmt.Fprintln(w)
	writeTargets(w, benches)
	return nil
}

// summary is the medians of one benchmark's runs.
type summary struct {
	ns, nsMin, nsMax float64
	bytes, allocs    int64
}

func summarize(runs []testing.BenchmarkResult) summary {
	var ns []float64
	var bytes, allocs []int64
	for _, r := range runs {
		ns = append(ns, float64(r.T.Nanoseconds())/float64(r.N))
		bytes = append(bytes, r.AllocedBytesPerOp())
		allocs = append(allocs, r.AllocsPerOp())
	}
	return summary{
		ns:     median(ns),
		nsMin:  slices.Min(ns),
		nsMax:  slices.Max(ns),
		bytes:  int64(median(toFloats(bytes))),
		allocs: int64(median(toFloats(allocs))),
	}
}

func toFloats(xs []int64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(x)
	}
	return out
}

// median returns the middle value of xs, or the mean of the two middle
// values when len(xs) is even.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func find(benches []*bench, op, impl string) *bench {
	for _, b := range benches {
		if b.op == op && b.impl == impl {
			return b
		}
	}
	return nil
}

func writeTable(w io.Writer, benches []*bench) {
	rows := [][]string{{"op", "implementation", "ns/op", "min–max ns/op", "B/op", "allocs/op", "vs keyward"}}
	for _, b := range benches {
		s := summarize(b.runs)
		ratio := "-"
		if kw := find(benches, b.op, tokenbench.Keyward); kw != nil {
			ratio = fmt.Sprintf("%.2f×", s.ns/summarize(kw.runs).ns)
		}
		rows = append(rows, []string{
			b.op, b.impl, formatNs(s.ns), formatNs(s.nsMin) + "–" + formatNs(s.nsMax),
			strconv.FormatInt(s.bytes, 10), strconv.FormatInt(s.allocs, 10), ratio,
		})
	}
	width := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(cell))
			if i < 2 { // names left, figures right
				line.WriteString(cell + pad + "  ")
			} else {
				line.WriteString("  " + pad + cell)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(line.String(), " "))
	}
}

func formatNs(ns float64) string {
	if ns < 100 {
		return fmt.Sprintf("%.1f", ns)
	}
	return fmt.Sprintf("%.0f", ns)
}

// writeTargets prints one "target met" or "target missed" line per target
// of issue 2. The speed-up compares keyward with the faster of the two
// golang-jwt variants in this same run.
func writeTargets(w io.Writer, benches []*bench) {
	kw := summarize(find(benches, opVerify, tokenbench.Keyward).runs)
	peer, peerName := summary{}, ""
	for _, name := range []string{tokenbench.GolangJWTStruct, tokenbench.GolangJWTMap} {
		s := summarize(find(benches, opVerify, name).runs)
		if peerName == "" || s.ns < peer.ns {
			peer, peerName = s, name
		}
	}
	verdict := func(ok bool) string {
		if ok {
			return "target met:   "
		}
		return "target missed:"
	}
	fmt.Fprintf(w, "%s keyward verify %s ns/op (want ≤ %.0f)\n", verdict(kw.ns <= targetVerifyNs), formatNs(kw.ns), targetVerifyNs)
	fmt.Fprintf(w, "%s keyward verify %d allocs/op (want %d)\n", verdict(kw.allocs == targetVerifyAlloc), kw.allocs, targetVerifyAlloc)
	speedup := peer.ns / kw.ns
	fmt.Fprintf(w, "%s keyward verify %.2f× faster than %s, the faster golang-jwt variant (want ≥ %.0f×)\n", verdict(speedup >= targetSpeedup), speedup, peerName, targetSpeedup)
}

// peerVersions names the peer modules and their versions as built in.
func peerVersions() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var out []string
	for _, d := range info.Deps {
		if d.Path == "github.com/golang-jwt/jwt/v5" || d.Path == "github.com/cristalhq/jwt/v5" {
			out = append(out, d.Path+" "+d.Version)
		}
	}
	return strings.Join(out, ", ")
}

// cpuModel returns the first "model name" of /proc/cpuinfo, or GOARCH
// where there is none.
