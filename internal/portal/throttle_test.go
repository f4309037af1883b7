package portal

import (
	"testing"
	"time"
)

func TestThrottle(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleConfig{MaxFailures: 3, Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: 4 * time.Minute},
		func() time.Time { return now })
	fail := func(n int) {
		for range n {
			th.fail("k")
		}
	}
	tests := []struct {
		name    string
		step    func()
		advance time.Duration
		want    time.Duration
	}{
		{"Fresh", func() {}, 0, 0},
		{"BelowLimit", func() { fail(2) }, 0, 0},
		{"AtLimit", func() { fail(1) }, 0, time.Minute},
		{"LockPasses", func() {}, time.Minute, 0},
		{"SecondLockoutDoubles", func() { fail(3) }, 0, 2 * time.Minute},
		{"ThirdDoublesAgain", func() { now = now.Add(2 * time.Minute); fail(3) }, 0, 4 * time.Minute},
		{"CappedAtMax", func() { now = now.Add(4 * time.Minute); fail(3) }, 0, 4 * time.Minute},
		{"SuccessForgets", func() { th.succeed("k") }, 0, 0},
	}
	for _, tt := range tests {
		tt.step()
		now = now.Add(tt.advance)
		if got := th.wait("k"); got != tt.want {
			t.Fatalf("%s: wait(k) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if got := th.wait("other"); got != 0 {
		t.Fatalf("wait(other) = %v, want 0", got)
	}
}

func TestThrottleWindowResets(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleConfig{MaxFailures: 3, Window: 15 * time.Minute, Lockout: time.Minute, MaxLockout: time.Hour}, func() time.Time { return now })
	th.fail("k")
	th.fail("k")
	now = now.Add(16 * time.Minute)
	th.fail("k")
	if got := th.wait("k"); got != 0 {
		t.Fatalf("failures spread over more than the window locked the key for %v", got)
	}
}

func TestThrottleMemoryBounded(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	th := newThrottle(ThrottleConfig{}.withDefaults(false), func() time.Time { return now })
	for i := range maxThrottleEntries + 10 {
		th.fail(string(rune(i)) + "@example.com")
	}
	if n := len(th.entries); n > maxThrottleEntries {
		t.Fatalf("throttle holds %d entries, want at most %d", n, maxThrottleEntries)
	}
}
