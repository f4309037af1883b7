package cliflag

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/google/shlex"
	"github.com/spf13/cobra"
)

func TestAddJSON(t *testing.T) {
	t.Parallel()
	allowed := []string{"id", "name", "groups"}
	tests := []struct {
		name        string
		cli         string
		wantEnabled bool
		wantFields  []string
		wantErr     string
	}{
		{"no flag", "", false, nil, ""},
		{"bare", "--json", true, allowed, ""},
		{"some fields", "--json=name,id", true, []string{"name", "id"}, ""},
		{"spaces and repeats", "--json=' id , id,name'", true, []string{"id", "name"}, ""},
		{"unknown field", "--json=id,secret", false, nil, "unknown JSON field \"secret\"; available fields:\n  id\n  name\n  groups"},
		{"empty list", "--json=,", false, nil, "no JSON fields given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var e JSONExporter
			cmd := &cobra.Command{Use: "x", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error { return nil }}
			AddJSON(cmd, &e, allowed)
			argv, err := shlex.Split(tt.cli)
			if err != nil {
				t.Fatal(err)
			}
			cmd.SetArgs(argv)
			cmd.SetOut(io.Discard)
			cmd.SetErr(io.Discard)
			err = cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("x %s: error = %v, want %q", tt.cli, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("x %s: %v", tt.cli, err)
			}
			if e.Enabled() != tt.wantEnabled || strings.Join(e.Fields(), ",") != strings.Join(tt.wantFields, ",") {
				t.Errorf("x %s: enabled %v fields %v, want %v %v", tt.cli, e.Enabled(), e.Fields(), tt.wantEnabled, tt.wantFields)
			}
		})
	}
}

func TestJSONExporterWrite(t *testing.T) {
	t.Parallel()
	type item struct {
		ID     int64    `json:"id"`
		Name   string   `json:"name"`
		Groups []string `json:"groups"`
		Big    int64    `json:"big"`
	}
	allowed := []string{"id", "name", "groups", "big", "extra"}
	tests := []struct {
		name   string
		fields []string
		v      any
		want   string
	}{
		{"object subset", []string{"name", "id"}, item{ID: 1, Name: "a<b"}, "{\n  \"id\": 1,\n  \"name\": \"a<b\"\n}\n"},
		{"list", []string{"id"}, []item{{ID: 1}, {ID: 2}}, "[\n  {\n    \"id\": 1\n  },\n  {\n    \"id\": 2\n  }\n]\n"},
		{"missing field is null", []string{"extra"}, item{}, "{\n  \"extra\": null\n}\n"},
		{"large numbers stay exact", []string{"big"}, item{Big: 1<<62 + 1}, "{\n  \"big\": 4611686018427387905\n}\n"},
		{"all fields", nil, item{ID: 3, Groups: []string{"g"}}, "{\n  \"big\": 0,\n  \"extra\": null,\n  \"groups\": [\n    \"g\"\n  ],\n  \"id\": 3,\n  \"name\": \"\"\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := JSONExporter{allowed: allowed}
			if err := e.Select(tt.fields...); err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := e.Write(&out, tt.v); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("Write(%+v) with %v =\n%s\nwant\n%s", tt.v, tt.fields, out.String(), tt.want)
			}
		})
	}
}
