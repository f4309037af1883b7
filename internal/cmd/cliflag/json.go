// Package cliflag holds the flag kinds keyward's commands share: --json
// with field selection, and string flags limited to a set of values.
package cliflag

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
)

// jsonAllFields is the value of a bare --json: every field.
const jsonAllFields = "*"

// JSONExporter is the --json flag of a command: whether it was given and
// which fields it selects. Bind it with [AddJSON]; its zero value means
// "no --json".
type JSONExporter struct {
	enabled bool
	fields  []string
	allowed []string
}

// AddJSON adds "--json[=FIELDS]" to cmd, bound to e. A bare --json
// selects every allowed field; --json=a,b selects a and b. A field not in
// allowed is a flag error that lists the valid ones.
func AddJSON(cmd *cobra.Command, e *JSONExporter, allowed []string) {
	e.allowed = slices.Clone(allowed)
	f := cmd.Flags().VarPF(&jsonValue{e: e}, "json", "",
		"print JSON; --json=FIELDS prints only those comma-separated fields: "+strings.Join(allowed, ", "))
	f.NoOptDefVal = jsonAllFields
}

// Enabled reports whether --json was given.
func (e *JSONExporter) Enabled() bool { return e.enabled }

// Fields returns the selected fields, in the order given.
func (e *JSONExporter) Fields() []string { return slices.Clone(e.fields) }

// Select turns --json on with the given fields (every allowed one when none
// are given), as the flag would; for tests and for commands that always
// print JSON.
func (e *JSONExporter) Select(fields ...string) error {
	if len(fields) == 0 {
		fields = []string{jsonAllFields}
	}
	return (&jsonValue{e: e}).Set(strings.Join(fields, ","))
}

// Write prints v as indented JSON keeping only the selected fields. v is
// marshalled first, so its JSON names are the field names; a list is
// filtered element by element.
func (e *JSONExporter) Write(w io.Writer, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	var data any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&data); err != nil {
		return fmt.Errorf("encode JSON: %w", err)
	}
	switch d := data.(type) {
	case map[string]any:
		data = e.pick(d)
	case []any:
		for i, el := range d {
			if m, ok := el.(map[string]any); ok {
				d[i] = e.pick(m)
			}
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(data)
}

// pick keeps the selected fields of m; a selected field m lacks is null.
func (e *JSONExporter) pick(m map[string]any) map[string]any {
	out := make(map[string]any, len(e.fields))
	for _, f := range e.fields {
		out[f] = m[f]
	}
	return out
}

// jsonValue is the pflag.Value of --json.
type jsonValue struct {
	e *JSONExporter
}

func (v *jsonValue) String() string {
	if !v.e.enabled {
		return ""
	}
	return strings.Join(v.e.fields, ",")
}

// Type is empty so that help shows "--json[=*]" rather than a value name
// that suggests "--json FIELDS", which a flag with an optional value cannot
// take.
func (v *jsonValue) Type() string { return "" }

func (v *jsonValue) Set(s string) error {
	var fields []string
	if s == jsonAllFields {
		fields = slices.Clone(v.e.allowed)
	} else {
		for f := range strings.SplitSeq(s, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if !slices.Contains(v.e.allowed, f) {
				return fmt.Errorf("unknown JSON field %q; available fields:\n  %s", f, strings.Join(v.e.allowed, "\n  "))
			}
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
		if len(fields) == 0 {
			return fmt.Errorf("no JSON fields given; available fields:\n  %s", strings.Join(v.e.allowed, "\n  "))
		}
	}
	v.e.enabled, v.e.fields = true, fields
	return nil
}
