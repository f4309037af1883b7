package gateway_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	gatewaybench "github.com/keyward/keyward/bench/gateway"
)

const wrkReport = `Running 1s test @ http://127.0.0.1:40001/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   215.31us  120.02us   3.11ms   91.02%
    Req/Sec    35.11k     1.20k   37.00k    80.00%
  Latency Distribution
     50%  190.00us
     75%  230.00us
     90%  310.00us
     99%    1.02ms
  34920 requests in 1.00s, 4.53MB read
Requests/sec:  34866.42
Transfer/sec:      4.52MB
`

func TestParseWrk(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name             string
		out              string
		rps              float64
		p50, p99         time.Duration
		requests, non2xx int64
		sockErrs         int64
		failed           bool
	}{
		{"clean", wrkReport, 34866.42, 190 * time.Microsecond, 1020 * time.Microsecond, 34920, 0, 0, false},
		{"non-2xx", strings.Replace(wrkReport, "Requests/sec:", "  Non-2xx or 3xx responses: 17\nRequests/sec:", 1), 34866.42, 190 * time.Microsecond, 1020 * time.Microsecond, 34920, 17, 0, true},
		{"socket errors", strings.Replace(wrkReport, "Requests/sec:", "  Socket errors: connect 0, read 2, write 0, timeout 3\nRequests/sec:", 1), 34866.42, 190 * time.Microsecond, 1020 * time.Microsecond, 34920, 0, 5, true},
		{"seconds", strings.Replace(wrkReport, "99%    1.02ms", "99%    2.50s", 1), 34866.42, 190 * time.Microsecond, 2500 * time.Millisecond, 34920, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := gatewaybench.ParseWrk(tt.out)
			if err != nil {
				t.Fatalf("ParseWrk: %v", err)
			}
			if r.RequestsPerSec != tt.rps || r.P50 != tt.p50 || r.P99 != tt.p99 || r.Requests != tt.requests || r.Non2xx != tt.non2xx || r.SocketErrors != tt.sockErrs {
				t.Fatalf("ParseWrk = rps %v p50 %v p99 %v n %d non2xx %d sock %d; want %v %v %v %d %d %d",
					r.RequestsPerSec, r.P50, r.P99, r.Requests, r.Non2xx, r.SocketErrors, tt.rps, tt.p50, tt.p99, tt.requests, tt.non2xx, tt.sockErrs)
			}
			if got := r.Err() != nil; got != tt.failed {
				t.Fatalf("ParseWrk(...).Err() = %v; want failed %v", r.Err(), tt.failed)
			}
		})
	}
	t.Run("no latency", func(t *testing.T) {
		t.Parallel()
		out := strings.Replace(wrkReport, "     99%    1.02ms\n", "", 1)
		if _, err := gatewaybench.ParseWrk(out); err == nil {
			t.Fatal("ParseWrk without a 99% line: no error")
		}
	})
}

func TestWriteScript(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p, err := gatewaybench.WriteScript(dir, []string{"a.b.c", "d.e.f"})
	if err != nil {
		t.Fatalf("WriteScript: %v", err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"a.b.c",`, `"d.e.f",`, `request = function()`, `"Bearer " .. tokens[i]`} {
		if !strings.Contains(string(b), want) {
			t.Fatalf("script %s lacks %q:\n%s", p, want, b)
		}
	}
	if _, err := gatewaybench.WriteScript(dir, []string{`a"b`}); err == nil {
		t.Fatal(`WriteScript with a token holding '"': no error`)
	}
}

// TestWrk runs wrk for a second against the door with the rotating tokens
// and against the gateway, and requires only 2xx responses. It is skipped
// where wrk is not installed.
func TestWrk(t *testing.T) {
	t.Parallel()
	path, err := gatewaybench.LookWrk()
	if errors.Is(err, gatewaybench.ErrNoWrk) {
		t.Skip(err)
	}
	b := setup(t)
	tokens, err := b.fixture.Tokens(20, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	script, err := gatewaybench.WriteScript(t.TempDir(), tokens)
	if err != nil {
		t.Fatal(err)
	}
	w := &gatewaybench.Wrk{Path: path, Script: script, Connections: 4, Duration: time.Second}
	for _, tg := range []*gatewaybench.Target{b.targets.Door, b.targets.Gateway} {
		r, err := w.Run(context.Background(), tg.URL)
		if err != nil {
			t.Fatalf("wrk %s (%s): %v", tg.URL, tg.Name, err)
		}
		if err := r.Err(); err != nil {
			t.Fatalf("wrk %s (%s): %v\n%s", tg.URL, tg.Name, err, r.Output)
		}
	}
}
