package machine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/keyward/keyward/bench/machine"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	if machine.CPUModel() == "" {
		t.Error("CPUModel() is empty")
	}
	if l := machine.LoadAvg(); l != "?" && len(strings.Fields(l)) != 3 {
		t.Errorf("LoadAvg() = %q, want three numbers", l)
	}
}

func TestCPUSeconds(t *testing.T) {
	t.Parallel()
	// Work until the process has used a clock tick (10 ms).
	x := 0
	for i := 0; machine.CPUSeconds(os.Getpid()) == 0 && i < 1e6; i++ {
		for j := range 10000 {
			x += j
		}
	}
	if s := machine.CPUSeconds(os.Getpid()); s <= 0 {
		t.Errorf("CPUSeconds(self) = %v after work (%d), want > 0", s, x)
	}
	if s := machine.CPUSeconds(-1); s != 0 {
		t.Errorf("CPUSeconds(-1) = %v, want 0", s)
	}
}
