package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	gatewaybench "github.com/keyward/keyward/bench/gateway"
)

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		wantErr bool
		want    Main
	}{
		{nil, false, Main{Duration: 10 * time.Second, Warmup: 2 * time.Second, Connections: 32, Tokens: 1000}},
		{[]string{"-duration", "3s", "-connections", "8", "-tokens", "5", "-warmup", "0"}, false, Main{Duration: 3 * time.Second, Connections: 8, Tokens: 5}},
		{[]string{"-duration", "500ms"}, true, Main{}},
		{[]string{"-connections", "0"}, true, Main{}},
		{[]string{"-tokens", "0"}, true, Main{}},
		{[]string{"-warmup", "-1s"}, true, Main{}},
		{[]string{"extra"}, true, Main{}},
	}
	for _, tt := range tests {
		m := NewMain()
		m.Stderr = io.Discard
		err := m.ParseFlags(tt.args)
		if (err != nil) != tt.wantErr {
			t.Fatalf("ParseFlags(%q) error = %v; want error %v", tt.args, err, tt.wantErr)
		}
		if err != nil {
			continue
		}
		got := Main{Duration: m.Duration, Warmup: m.Warmup, Connections: m.Connections, Tokens: m.Tokens}
		if got != tt.want {
			t.Fatalf("ParseFlags(%q) = %+v; want %+v", tt.args, got, tt.want)
		}
	}
}

func TestWriteReport(t *testing.T) {
	t.Parallel()
	target := func(name string) *gatewaybench.Target { return &gatewaybench.Target{Name: name} }
	res := func(rps float64) *gatewaybench.Result {
		return &gatewaybench.Result{RequestsPerSec: rps, Requests: int64(rps) * 10, P50: time.Millisecond, P99: 5 * time.Millisecond}
	}
	runs := []*run{
		{label: "a", target: target(gatewaybench.Plain), res: res(10000)},
		{label: "b", target: target(gatewaybench.Door), res: res(8000)},
		{label: "c", target: target(gatewaybench.GolangJWT), res: res(5000)},
		{label: "e", target: target(gatewaybench.BareProxy), res: res(4000)},
		{label: "d", target: target(gatewaybench.Gateway), res: res(3800)},
		{label: "a'", target: target(gatewaybench.Plain), res: res(10000)},
		{label: "b'", target: target(gatewaybench.Door), err: errors.New("17 non-2xx responses of 100")},
	}
	var out bytes.Buffer
	m := NewMain()
	m.Stdout = &out
	m.writeReport(runs, []string{"t"}, "1.00 1.00 1.00", "2.00 2.00 2.00")
	for _, want := range []string{
		"target missed: (b)/(a) keyward door vs plain handler = 0.80 < 0.85",
		"target met:    (d)/(e) keyward gateway vs bare ReverseProxy = 0.95 ≥ 0.90",
		"(c)/(a) golang-jwt middleware vs plain handler = 0.50",
		"FAILED: 17 non-2xx responses of 100",
		"repeat: (b')/(a') = n/a",
		"load average before: 1.00 1.00 1.00; after: 2.00 2.00 2.00",
		"share these",
	} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("writeReport output lacks %q:\n%s", want, out.String())
		}
	}
}
