package connect

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
)

func TestExplain(t *testing.T) {
	t.Parallel()
	target := &Target{Server: "http://127.0.0.1:8080", ServerFrom: "keyward-data/admin.json", From: "keyward-data/admin.json"}
	tests := []struct {
		name     string
		err      error
		target   *Target
		want     string
		wantAuth bool
	}{
		{"refused credential", &client.Error{HTTPStatus: 401, Code: "TOKEN_UNKNOWN_KEY", Message: "unknown key"}, target,
			"http://127.0.0.1:8080 refused the credential from keyward-data/admin.json (TOKEN_UNKNOWN_KEY: unknown key)", true},
		{"forbidden", &client.Error{HTTPStatus: 403, Code: "GROUP_NOT_GRANTED", Message: "no encoding"}, target,
			"GROUP_NOT_GRANTED: no encoding (the credential from keyward-data/admin.json is known but not allowed to do this)", true},
		{"rate limited", &client.Error{HTTPStatus: 429, Code: "RATE_LIMITED", Message: "slow down", RetryAfter: 2 * time.Second}, target,
			"RATE_LIMITED: slow down (retry after 2s)", false},
		{"server error", &client.Error{HTTPStatus: 404, Code: "NOT_FOUND", Message: "no group x"}, target, "NOT_FOUND: no group x", false},
		{"not an envelope", &client.Error{HTTPStatus: 502, Message: "Bad Gateway"}, target,
			"http://127.0.0.1:8080 answered 502 Bad Gateway, not as a keyward server; check the \"server\" of keyward-data/admin.json", false},
		{"malformed", fmt.Errorf("GET /v1/me: %w (HTTP 200, text/html)", client.ErrMalformedResponse), target,
			"http://127.0.0.1:8080 answered, but not as a keyward server (HTTP 200, text/html)", false},
		{"no target", &client.Error{HTTPStatus: 401, Code: "TOKEN_SIGNATURE", Message: "bad"}, nil,
			"the server refused the credential from the given credential (TOKEN_SIGNATURE: bad)", true},
		{"other", errors.New("client: sign management token: boom"), target, "sign management token: boom", false},
	}
	for _, tt := range tests {
		got := Explain(tt.err, tt.target)
		if got == nil || !strings.HasPrefix(got.Error(), tt.want) {
			t.Errorf("%s: Explain(%v) = %v, want it to start %q", tt.name, tt.err, got, tt.want)
			continue
		}
		if errors.Is(got, cmderror.ErrAuth) != tt.wantAuth {
			t.Errorf("%s: errors.Is(ErrAuth) = %v, want %v", tt.name, !tt.wantAuth, tt.wantAuth)
		}
		if !errors.Is(got, tt.err) {
			t.Errorf("%s: the explained error no longer matches the original", tt.name)
		}
	}
	if Explain(nil, target) != nil {
		t.Errorf("Explain(nil) != nil")
	}
	if got := Explain(context.Canceled, target); !errors.Is(got, cmderror.ErrCancel) {
		t.Errorf("Explain(context.Canceled) = %v, want ErrCancel", got)
	}
}
