package credential_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/keyward/keyward/internal/credential"
)

func TestErrorCode(t *testing.T) {
	t.Parallel()
	notFound := credential.Errorf(credential.ENOTFOUND, "Credential %d not found.", 7)
	tests := []struct {
		name     string
		err      error
		wantCode string
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"application error", notFound, credential.ENOTFOUND, "Credential 7 not found."},
		{"wrapped application error", fmt.Errorf("lookup: %w", notFound), credential.ENOTFOUND, "Credential 7 not found."},
		{"other error", errors.New("disk on fire"), credential.EINTERNAL, "Internal error."},
		{"with cause", &credential.Error{Code: credential.ECONFLICT, Message: "Taken.", Err: errors.New("UNIQUE constraint failed")}, credential.ECONFLICT, "Taken."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := credential.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.wantCode)
			}
			if got := credential.ErrorMessage(tt.err); got != tt.wantMsg {
				t.Errorf("ErrorMessage(%v) = %q, want %q", tt.err, got, tt.wantMsg)
			}
		})
	}
}

func TestErrorIs(t *testing.T) {
	t.Parallel()
	cause := errors.New("driver says no")
	err := fmt.Errorf("step: %w", &credential.Error{Code: credential.ECONFLICT, Message: "Taken.", Err: cause})
	if !errors.Is(err, &credential.Error{Code: credential.ECONFLICT}) {
		t.Errorf("errors.Is(%v, ECONFLICT) = false, want true", err)
	}
	if errors.Is(err, &credential.Error{Code: credential.ENOTFOUND}) {
		t.Errorf("errors.Is(%v, ENOTFOUND) = true, want false", err)
	}
	if !errors.Is(err, cause) {
		t.Errorf("errors.Is(%v, cause) = false; Unwrap must expose the cause", err)
	}
}
