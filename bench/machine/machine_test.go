package machine_test

import (
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
