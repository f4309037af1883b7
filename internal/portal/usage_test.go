package portal

import (
	"testing"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

func TestBuildUsageChart(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 22, 12, 30, 0, 0, time.UTC)
	rows := []*credential.UsageRow{
		{Status: 200, Minute: now.Add(-time.Minute), Count: 10},
		{Status: 401, Minute: now.Add(-time.Minute), Count: 3},
		{Status: 200, Minute: now.Add(-23 * time.Hour), Count: 5},
		{Status: 200, Minute: now.Add(-25 * time.Hour), Count: 99}, // outside the range
	}
	c := buildUsageChart(rows, now, usageRanges["24h"])
	if len(c.Bins) != 24 || c.Requests != 18 || c.Errors != 3 {
		t.Fatalf("24 h chart: %d bins, %d requests, %d errors; want 24, 18, 3", len(c.Bins), c.Requests, c.Errors)
	}
	last := c.Bins[len(c.Bins)-1]
	if !last.Start.Equal(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)) || last.Requests != 13 || last.Errors != 3 {
		t.Fatalf("last bin = %+v, want 12:00 with 13 requests and 3 errors", last)
	}
	if c.YTicks[2].Label != "20" {
		t.Errorf("top tick = %s, want 20 (the round number above 13)", c.YTicks[2].Label)
	}
	if last.ReqH == "0.0" || last.ErrH == "0.0" || c.Bins[5].ReqH != "0.0" {
		t.Errorf("bar heights: last %s/%s, empty %s", last.ReqH, last.ErrH, c.Bins[5].ReqH)
	}
	empty := buildUsageChart(nil, now, usageRanges["1h"])
	if len(empty.Bins) != 60 || empty.YTicks[2].Label != "2" {
		t.Fatalf("empty 1 h chart: %d bins, top tick %s", len(empty.Bins), empty.YTicks[2].Label)
	}
}

func TestNiceCeil(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want int64 }{{0, 2}, {1, 2}, {2, 2}, {3, 4}, {7, 8}, {9, 10}, {11, 20}, {41, 50}, {999, 1000}, {1001, 2000}} {
		if got := niceCeil(tt.in); got != tt.want {
			t.Errorf("niceCeil(%d) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
