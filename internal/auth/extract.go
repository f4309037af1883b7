package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

var (
	errBearerEmpty = &token.Error{Code: token.CodeMalformed, Reason: "empty Bearer token"}
	errBareScheme  = &token.Error{Code: token.CodeMalformed, Reason: "use the Bearer scheme (only apikey tokens may be sent bare)"}
	errDataType    = &token.Error{Code: token.CodeMalformed, Claim: "data", Reason: `the body's "data" must be a string`}
	errTwoHeaders  = &token.Error{Code: token.CodeConflict, Reason: "two different Authorization headers"}
	errTwoTokens   = &token.Error{Code: token.CodeConflict, Reason: "the Authorization header and the body carry different tokens"}

	errForm       = errcode.Errorf(errcode.UnsupportedMediaType, "form-encoded bodies are not accepted; send application/json")
	errMediaType  = errcode.Errorf(errcode.UnsupportedMediaType, "send the body as application/json")
	errNotJSON    = errcode.Errorf(errcode.BadRequest, "the body is not a JSON object")
	errDupData    = errcode.Errorf(errcode.BadRequest, `the body has "data" twice`)
	errSlowBody   = errcode.Errorf(errcode.RequestTimeout, "the body arrived too slowly")
	errBodyTooBig = errcode.Errorf(errcode.BodyTooLarge, "the body is too large")
)

// headerToken returns the token of the Authorization header: "Bearer X"
// (any case), or a bare "X" (bare reports it). Two different headers are a
// conflict.
func headerToken(r *http.Request) (raw string, bare bool, err error) {
	hs := r.Header["Authorization"]
	if len(hs) == 0 {
		return "", false, nil
	}
	for _, h := range hs[1:] {
		if h != hs[0] {
			return "", false, errTwoHeaders
		}
	}
	h := strings.TrimSpace(hs[0])
	if len(h) >= 6 && strings.EqualFold(h[:6], "bearer") && (len(h) == 6 || h[6] == ' ' || h[6] == '\t') {
		raw = strings.TrimSpace(h[6:])
		if raw == "" {
			return "", false, errBearerEmpty
		}
		return raw, false, nil
	}
	if h == "" {
		return "", false, nil
	}
	return h, true, nil
}

// hasBody reports whether r carries a body.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// readBody reads r's body up to limit bytes, in at most timeout, and puts
// it back for the handler. It refuses form-encoded and non-JSON media types.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, timeout time.Duration) ([]byte, error) {
	if err := checkMediaType(r.Header.Get("Content-Type")); err != nil {
		return nil, err
	}
	if r.ContentLength > limit {
		return nil, errBodyTooBig
	}
	rc := http.NewResponseController(w)
	if timeout > 0 {
		_ = rc.SetReadDeadline(time.Now().Add(timeout))
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		// Leave the deadline passed and close the connection after the
		// answer: net/http would otherwise try to drain the rest of the
		// body before writing it, and wait on a slow client forever.
		w.Header().Set("Connection", "close")
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, errBodyTooBig
		}
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil, errSlowBody
		}
		return nil, errcode.Wrap(errcode.BadRequest, "the body could not be read", err)
	}
	if timeout > 0 {
		_ = rc.SetReadDeadline(time.Time{})
	}
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	return body, nil
}

func checkMediaType(ct string) error {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	switch {
	case mt == "", mt == "application/json", mt == "text/plain",
		strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"):
		return nil
	case mt == "application/x-www-form-urlencoded", strings.HasPrefix(mt, "multipart/"):
		return errForm
	default:
		return errMediaType
	}
}

// bodyToken returns the "data" string of a JSON object body ("" when the
// object has none). The body must be one JSON object with "data" at most
// once; "data" must be a string.
func bodyToken(body []byte) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return "", errNotJSON
	}
	var raw string
	seen := false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return "", errNotJSON
		}
		name, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return "", errNotJSON
		}
		if name != "data" {
			continue
		}
		if seen {
			return "", errDupData
		}
		seen = true
		if len(v) == 0 || v[0] != '"' {
			return "", errDataType
		}
		if err := json.Unmarshal(v, &raw); err != nil {
			return "", errNotJSON
		}
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return "", errNotJSON
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errNotJSON
	}
	return raw, nil
}
