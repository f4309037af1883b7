// Package machine describes the machine a benchmark runs on, so that every
// printed figure comes with the CPU and the load it was measured under.
package machine

import (
	"bufio"
	"os"
	"runtime"
	"strings"
)

// CPUModel returns the CPU's model name from /proc/cpuinfo, or the
// architecture when it cannot be read.
func CPUModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

// LoadAvg returns the 1, 5 and 15 minute load averages as printed by
// uptime, or "?".
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
