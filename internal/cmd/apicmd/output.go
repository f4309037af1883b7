package apicmd

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keyward/keyward/internal/iostreams"
)

// Table prints rows: aligned under a header on a terminal, as plain
// tab-separated lines without a header otherwise.
type Table struct {
	header []string
	rows   [][]string
}

// NewTable returns an empty table with the given column names.
func NewTable(header ...string) *Table { return &Table{header: header} }

// Add appends a row.
func (t *Table) Add(cells ...string) { t.rows = append(t.rows, cells) }

// Render prints the table to io.Out.
func (t *Table) Render(io *iostreams.IOStreams) error {
	if !io.IsStdoutTTY() {
		for _, r := range t.rows {
			if _, err := fmt.Fprintln(io.Out, strings.Join(clean(r), "\t")); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.header, "\t"))
	for _, r := range t.rows {
		fmt.Fprintln(tw, strings.Join(clean(r), "\t"))
	}
	return tw.Flush()
}

// clean keeps tabs and newlines in values from breaking the columns.
func clean(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(c)
	}
	return out
}

// Detail prints one object as "name: value" lines on a terminal and
// "name<TAB>value" lines otherwise.
type Detail [][2]string

// Add appends a line.
func (d *Detail) Add(name, value string) { *d = append(*d, [2]string{name, value}) }

// Render prints the lines to io.Out.
func (d Detail) Render(io *iostreams.IOStreams) error {
	if !io.IsStdoutTTY() {
		t := &Table{}
		for _, kv := range d {
			t.Add(kv[0], kv[1])
		}
		return t.Render(io)
	}
	tw := tabwriter.NewWriter(io.Out, 0, 4, 1, ' ', 0)
	for _, kv := range d {
		fmt.Fprintln(tw, strings.Join(clean([]string{kv[0] + ":", kv[1]}), "\t"))
	}
	return tw.Flush()
}

// Time formats a time: short and local on a terminal, RFC 3339 in UTC
// otherwise; the zero time is "-" or "".
func Time(io *iostreams.IOStreams, t time.Time) string {
	if io.IsStdoutTTY() {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02 15:04")
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ID formats a numeric id.
func ID(n int64) string { return strconv.FormatInt(n, 10) }

// Join formats a list as comma-separated values.
func Join(s []string) string { return strings.Join(s, ",") }
