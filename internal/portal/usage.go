package portal

import (
	"strconv"
	"time"

	"github.com/keyward/keyward/internal/credential"
)

// usageSpan is a period a usage chart covers and the width of its bars.
type usageSpan struct {
	length, step time.Duration
	label        string // e.g. "last 24 hours"
	tick         string // time layout of the x-axis labels
}

var (
	usageRanges = map[string]usageSpan{
		"1h":  {time.Hour, time.Minute, "last hour", "15:04"},
		"24h": {24 * time.Hour, time.Hour, "last 24 hours", "15:04"},
		"7d":  {7 * 24 * time.Hour, 6 * time.Hour, "last 7 days", "Jan 2"},
		"30d": {30 * 24 * time.Hour, 24 * time.Hour, "last 30 days", "Jan 2"},
	}
	usageRangeNames = []string{"1h", "24h", "7d", "30d"}
)

// Chart geometry, in SVG user units.
const (
	chartWidth  = 720
	chartHeight = 220
	chartLeft   = 52
	chartRight  = 8
	chartTop    = 12
	chartBottom = 30
)

// usageChart is a usage bar chart ready for the template: bins with their
// counts and the geometry of their bars, axis ticks and labels.
type usageChart struct {
	Label          string
	Bins           []usageBin
	YTicks         []chartTick
	XTicks         []chartTick
	Requests       int64
	Errors         int64
	Width, Height  int
	Left, Baseline int
	Right          int
}

// usageBin is one bar: the requests of a time step and, drawn over them,
// the errors (status 400 and above).
type usageBin struct {
	Start    time.Time
	Requests int64
	Errors   int64
	X, W     string
	ReqY     string
	ReqH     string
	ErrY     string
	ErrH     string
}

// chartTick is an axis tick: its position and label.
type chartTick struct {
	Pos   string
	Label string
}

// buildUsageChart buckets rows (one credential's counts per route, status
// and minute) into the steps of span ending at now.
func buildUsageChart(rows []*credential.UsageRow, now time.Time, span usageSpan) *usageChart {
	n := int(span.length / span.step)
	end := now.UTC().Truncate(span.step).Add(span.step)
	start := end.Add(-time.Duration(n) * span.step)
	c := &usageChart{Label: span.label, Bins: make([]usageBin, n), Width: chartWidth, Height: chartHeight,
		Left: chartLeft, Baseline: chartHeight - chartBottom, Right: chartWidth - chartRight}
	for i := range c.Bins {
		c.Bins[i].Start = start.Add(time.Duration(i) * span.step)
	}
	for _, r := range rows {
		if r.Minute.Before(start) || !r.Minute.Before(end) {
			continue
		}
		i := int(r.Minute.Sub(start) / span.step)
		c.Bins[i].Requests += r.Count
		c.Requests += r.Count
		if r.Status >= 400 {
			c.Bins[i].Errors += r.Count
			c.Errors += r.Count
		}
	}
	var peak int64
	for _, b := range c.Bins {
		peak = max(peak, b.Requests)
	}
	top := niceCeil(peak)
	plotH := float64(chartHeight - chartTop - chartBottom)
	plotW := float64(chartWidth - chartLeft - chartRight)
	base := float64(chartHeight - chartBottom)
	step := plotW / float64(n)
	gap := step * 0.15
	y := func(v int64) float64 { return base - plotH*float64(v)/float64(top) }
	for i := range c.Bins {
		b := &c.Bins[i]
		x := float64(chartLeft) + step*float64(i) + gap/2
		b.X, b.W = num(x), num(step-gap)
		b.ReqY, b.ReqH = num(y(b.Requests)), num(base-y(b.Requests))
		b.ErrY, b.ErrH = num(y(b.Errors)), num(base-y(b.Errors))
	}
	for _, v := range []int64{0, top / 2, top} {
		c.YTicks = append(c.YTicks, chartTick{Pos: num(y(v)), Label: strconv.FormatInt(v, 10)})
	}
	every := max(1, n/6)
	for i := 0; i < n; i += every {
		c.XTicks = append(c.XTicks, chartTick{Pos: num(float64(chartLeft) + step*(float64(i)+0.5)),
			Label: c.Bins[i].Start.Format(span.tick)})
	}
	return c
}

// niceCeil returns the smallest round number ≥ v (1, 2, 4, 5, 6 or 8 ×
// 10^k), even so that the middle tick is a whole number; at least 2.
func niceCeil(v int64) int64 {
	for m := int64(1); ; m *= 10 {
		for _, f := range []int64{1, 2, 4, 5, 6, 8} {
			if c := f * m; c >= v && c%2 == 0 {
				return c
			}
		}
	}
}

// num formats an SVG coordinate with one decimal.
func num(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
