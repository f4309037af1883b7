package cliflag

import (
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
