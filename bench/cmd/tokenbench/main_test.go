package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestMainRun runs every benchmark once, briefly, and checks the table's
// shape: a row per operation and implementation, and the three target
// lines. It asserts no figure: those depend on the machine.
func TestMainRun(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	m := &Main{Count: 2, BenchTime: "20x", Stdout: &stdout, Stderr: &stderr}
	if err := m.Run(); err != nil {
		t.Fatalf("Run() = %v, want nil; stderr:\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, op := range []string{opVerify, opVerifyParallel, opSign} {
		for _, impl := range []string{"keyward", "golang-jwt-struct", "golang-jwt-map", "cristalhq"} {
			found := false
			for line := range strings.Lines(out) {
				f := strings.Fields(line)
				if len(f) > 2 && f[0] == op && f[1] == impl {
					found = true
				}
			}
			if !found {
				t.Errorf("Run() output has no row for %s %s; output:\n%s", op, impl, out)
			}
		}
	}
	if got := strings.Count(out, "target m"); got != 3 {
		t.Errorf("Run() output has %d target lines, want 3; output:\n%s", got, out)
	}
	for _, want := range []string{"github.com/golang-jwt/jwt/v5", "GOMAXPROCS", "load:"} {
		if !strings.Contains(out, want) {
			t.Errorf("Run() output lacks %q; output:\n%s", want, out)
		}
	}
}

func TestParseFlags(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args      []string
		wantErr   bool
		count     int
		benchtime string
	}{
		{nil, false, 5, "1s"},
		{[]string{"-count", "3", "-benchtime", "500ms"}, false, 3, "500ms"},
		{[]string{"-count", "0"}, true, 0, ""},
		{[]string{"extra"}, true, 0, ""},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		m := NewMain()
		m.Stderr = &stderr
		err := m.ParseFlags(tt.args)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseFlags(%q) error = %v, want error %v", tt.args, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && (m.Count != tt.count || m.BenchTime != tt.benchtime) {
			t.Errorf("ParseFlags(%q) = count %d benchtime %q, want %d %q", tt.args, m.Count, m.BenchTime, tt.count, tt.benchtime)
		}
	}
}
