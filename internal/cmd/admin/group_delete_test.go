package admin

import (
	"errors"
	"testing"

	"github.com/keyward/keyward/internal/cmd/cmderror"
)

func TestNewCmdGroupDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cli      string
		stdinTTY bool
		wantYes  bool
		wantErr  string
	}{
		{"g --yes", false, true, ""},
		{"g -y", false, true, ""},
		{"g", true, false, ""},
		{"g", false, false, "--yes required when not running interactively"},
	}
	for _, tt := range tests {
		got, err := parseCmd(t, newCmdGroupDelete, tt.cli, tt.stdinTTY)
		if tt.wantErr != "" {
			wantFlagError(t, tt.cli, err, tt.wantErr)
			if _, ok := errors.AsType[*cmderror.FlagError](err); !ok {
				t.Errorf("%s: %v is not a flag error", tt.cli, err)
			}
			continue
		}
		if err != nil || got.Name != "g" || got.Yes != tt.wantYes {
			t.Errorf("group delete %s: %+v err %v", tt.cli, got, err)
		}
	}
}

func TestGroupDeleteRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		yes       bool
		answer    string
		wantCalls int
		wantErr   error
	}{
		{"yes", true, "", 1, nil},
		{"confirmed", false, "y\n", 1, nil},
		{"declined", false, "n\n", 0, cmderror.ErrCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stub := newStub(t).on("DELETE /v1/groups/rooms", "")
			api, in, _, errOut := runOpts(stub, true)
			in.WriteString(tt.answer)
			err := groupDeleteRun(&groupDeleteOptions{apiOptions: api, Name: "rooms", Yes: tt.yes})
			if !errors.Is(err, tt.wantErr) && err != tt.wantErr {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			if stub.count() != tt.wantCalls {
				t.Errorf("sent %d requests, want %d", stub.count(), tt.wantCalls)
			}
			if tt.wantCalls == 1 && !contains(errOut.String(), "✓ Deleted API group rooms") {
				t.Errorf("stderr = %q", errOut)
			}
		})
	}
}
