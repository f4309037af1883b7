package envelope_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

type body struct {
	ID     string          `json:"id"`
	Ver    string          `json:"ver"`
	ETS    int64           `json:"ets"`
	Params envelope.Params `json:"params"`
	Query  string          `json:"query"`
}

func decode(t *testing.T, rec *httptest.ResponseRecorder) body {
	t.Helper()
	var b body
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, rec.Body)
	}
	return b
}

func TestWrite(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("POST", "/v3/sl/encoding", nil)
	r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: "sl.encoding.start", MsgID: "m-1"}))
	rec := httptest.NewRecorder()
	envelope.Write(rec, r, 200, "", map[string]any{"query": "q-9", "id": "must not win", "params": 1})
	b := decode(t, rec)
	if rec.Code != 200 || b.ID != "sl.encoding.start" || b.Ver != "3.0" || b.ETS == 0 || b.Query != "q-9" ||
		b.Params.Status != "successful" || b.Params.MsgID == nil || *b.Params.MsgID != "m-1" || b.Params.Err != "" {
		t.Fatalf("Write = %d %s", rec.Code, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q", ct)
	}
	if strings.Count(rec.Body.String(), `"id"`) != 1 {
		t.Fatalf("reserved member duplicated: %s", rec.Body)
	}

	rec = httptest.NewRecorder()
	envelope.Write(rec, httptest.NewRequest("GET", "/", nil), 201, "x.y", struct {
		Query string `json:"query"`
	}{"<&>"})
	b = decode(t, rec)
	if b.ID != "x.y" || b.Params.MsgID != nil || b.Query != "<&>" {
		t.Fatalf("Write without meta = %s", rec.Body)
	}
}

func TestError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		err       error
		status    int
		code      string
		msg       string
		authn     bool
		retry     string
		mustNotIn string
	}{
		{"TokenExpired", token.ErrExpired, 401, "TOKEN_EXPIRED", "token expired", true, "", ""},
		{"TokenWrapped", fmt.Errorf("verify: %w", &token.Error{Code: token.CodeClaimInvalid, Claim: "exp", Reason: "not a number"}), 401, "TOKEN_CLAIM_INVALID", "exp: not a number", true, "", ""},
		{"GroupNotGranted", token.ErrGroupNotGranted, 403, "GROUP_NOT_GRANTED", "API group not granted", false, "", ""},
		{"Profile", token.ErrProfile, 403, "TOKEN_PROFILE", "", false, "", ""},
		{"RateLimited", &errcode.Error{Code: errcode.RateLimited, Message: "slow down", RetryAfter: 1500 * time.Millisecond}, 429, "RATE_LIMITED", "slow down", false, "2", ""},
		{"BadRequest", errcode.Errorf(errcode.BadRequest, "bad %s", "input"), 400, "BAD_REQUEST", "bad input", false, "", ""},
		{"Wrapped", fmt.Errorf("find: %w", errcode.Wrap(errcode.NotFound, "credential not found", errors.New("row 42 in table secrets"))), 404, "NOT_FOUND", "credential not found", false, "", "row 42"},
		{"InvalidArgument", errcode.New(errcode.InvalidArgument, "limit must be a whole number"), 400, "INVALID_ARGUMENT", "limit must be a whole number", false, "", ""},
		{"NoMessage", &errcode.Error{Code: errcode.Conflict}, 409, "CONFLICT", "Conflict", false, "", ""},
		{"MaxBytes", &http.MaxBytesError{Limit: 10}, 413, "BODY_TOO_LARGE", "", false, "", ""},
		{"Plain", errors.New("pq: password authentication failed for user secret"), 500, "INTERNAL", "internal error", false, "", "secret"},
		{"InternalCoded", errcode.Wrap(errcode.Internal, "disk full at /var/x", errors.New("x")), 500, "INTERNAL", "internal error", false, "", "/var/x"},
		{"Unavailable", errcode.Wrap(errcode.Unavailable, "the store is unavailable", errors.New("dial")), 503, "UNAVAILABLE", "the store is unavailable", false, "", "dial"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			r := httptest.NewRequest("GET", "/x", nil)
			r = r.WithContext(envelope.NewContext(context.Background(), &envelope.Meta{ID: "api.x", Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
			rec := httptest.NewRecorder()
			envelope.Error(rec, r, tt.err)
			b := decode(t, rec)
			if rec.Code != tt.status || b.Params.Err != tt.code || b.Params.Status != "failed" || b.ID != "api.x" {
				t.Fatalf("Error(%v) = %d %s; want %d %s", tt.err, rec.Code, rec.Body, tt.status, tt.code)
			}
			if tt.msg != "" && b.Params.ErrMsg != tt.msg {
				t.Fatalf("Error(%v) errmsg = %q, want %q", tt.err, b.Params.ErrMsg, tt.msg)
			}
			wa := rec.Header().Get("WWW-Authenticate")
			if tt.authn != (wa != "") || (tt.authn && !strings.HasPrefix(wa, `Bearer error="invalid_token", error_description="`)) {
				t.Fatalf("Error(%v) WWW-Authenticate = %q", tt.err, wa)
			}
			if got := rec.Header().Get("Retry-After"); got != tt.retry {
				t.Fatalf("Error(%v) Retry-After = %q, want %q", tt.err, got, tt.retry)
			}
			if tt.mustNotIn != "" && strings.Contains(rec.Body.String(), tt.mustNotIn) {
				t.Fatalf("Error(%v) echoes %q: %s", tt.err, tt.mustNotIn, rec.Body)
			}
			if tt.status >= 500 && !strings.Contains(logs.String(), "request failed") {
				t.Fatalf("Error(%v): internal error not logged", tt.err)
			}
		})
	}
}
