package cliflag

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestStringEnum(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args    []string
		want    string
		wantErr string
	}{
		{nil, "request", ""},
		{[]string{"--profile", "qsh"}, "qsh", ""},
		{[]string{"-p", "management"}, "management", ""},
		{[]string{"--profile", "QSH"}, "", "valid values are {request|qsh|management}"},
		{[]string{"--profile", ""}, "", "valid values are {request|qsh|management}"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var got string
			cmd := &cobra.Command{Use: "x", RunE: func(*cobra.Command, []string) error { return nil }}
			StringEnum(cmd, &got, "profile", "p", "request", []string{"request", "qsh", "management"}, "token profile")
			cmd.SetArgs(tt.args)
			cmd.SilenceUsage, cmd.SilenceErrors = true, true
			err := cmd.Execute()
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Execute(%q) error = %v, want one containing %q", tt.args, err, tt.wantErr)
				}
			case err != nil:
				t.Fatalf("Execute(%q): %v", tt.args, err)
			case got != tt.want:
				t.Fatalf("Execute(%q): flag = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
	cmd := &cobra.Command{Use: "x"}
	var v string
	StringEnum(cmd, &v, "profile", "", "request", []string{"request", "qsh"}, "token profile")
	if usage := cmd.Flags().Lookup("profile").Usage; usage != "token profile: {request|qsh}" {
		t.Errorf("usage = %q, want the options listed", usage)
	}
}

func TestParseArgs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pairs   []string
		want    map[string]any
		wantErr string
	}{
		{nil, map[string]any{}, ""},
		{[]string{"a=b", "n:=2", `l:=["x"]`, "u=https://e.com/?a=b", "e="}, map[string]any{"a": "b", "n": json.Number("2"), "l": []any{"x"}, "u": "https://e.com/?a=b", "e": ""}, ""},
		{[]string{"big:=12345678901234567890"}, map[string]any{"big": json.Number("12345678901234567890")}, ""},
		{[]string{"a=b:=c"}, map[string]any{"a": "b:=c"}, ""},
		{[]string{"novalue"}, nil, "want k=v or k:=JSON"},
		{[]string{"=v"}, nil, "want k=v or k:=JSON"},
		{[]string{"n:=nope"}, nil, "must be JSON"},
		{[]string{"n:=1 2"}, nil, "must be JSON"},
	}
	for _, tt := range tests {
		got, err := ParseArgs(tt.pairs)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseArgs(%q) error = %v, want %q", tt.pairs, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseArgs(%q) = %#v, %v; want %#v", tt.pairs, got, err, tt.want)
		}
	}
}

// FuzzParseArgs: any pair either parses into an object that marshals, or
// is refused with an error; nothing panics.
func FuzzParseArgs(f *testing.F) {
	for _, s := range []string{"a=b", "n:=2", `l:=["x"]`, "novalue", ":=", "k:=", "a=b:=c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pair string) {
		m, err := ParseArgs([]string{pair})
		if err != nil {
			return
		}
		if m == nil {
			t.Fatalf("ParseArgs(%q) = nil without an error", pair)
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("ParseArgs(%q) = %#v, which does not marshal: %v", pair, m, err)
		}
	})
}
