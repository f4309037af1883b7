package portal

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/envelope"
)

// The portal's error codes: the management API's, so a script that reads
// the portal's JSON errors reads the API's too.
const (
	codeBadRequest   = envelope.CodeBadRequest
	codeInvalid      = "INVALID_ARGUMENT"
	codeNotFound     = envelope.CodeNotFound
	codeConflict     = envelope.CodeConflict
	codeForbidden    = envelope.CodeForbidden
	codeUnauthorized = envelope.CodeUnauthorized
	codeRateLimited  = envelope.CodeRateLimited
	codeGone         = "GONE"
	codeInternal     = envelope.CodeInternal
)

// statusOf is the one table from the portal's codes to HTTP statuses.
var statusOf = map[string]int{
	codeBadRequest:   http.StatusBadRequest,
	codeInvalid:      http.StatusBadRequest,
	codeNotFound:     http.StatusNotFound,
	codeConflict:     http.StatusConflict,
	codeForbidden:    http.StatusForbidden,
	codeUnauthorized: http.StatusUnauthorized,
	codeRateLimited:  http.StatusTooManyRequests,
	codeGone:         http.StatusGone,
	codeInternal:     http.StatusInternalServerError,
}

// credentialCodes maps the domain's codes onto the portal's.
var credentialCodes = map[string]string{
	credential.ENOTFOUND:     codeNotFound,
	credential.ECONFLICT:     codeConflict,
	credential.EFORBIDDEN:    codeForbidden,
	credential.EINVALID:      codeInvalid,
	credential.EUNAUTHORIZED: codeUnauthorized,
}

// Error is a portal error: a stable code, a message safe to show, and for
// internal errors the cause, which only the log sees.
type Error struct {
	// Code is one of the codes of the management API's table.
	Code string
	// Message is shown to the user.
	Message string
	// RetryAfter, when positive, is sent as Retry-After.
	RetryAfter time.Duration
	// Err is the cause, for the log only.
	Err error
}

// Error returns the code, message and cause.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("portal: %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("portal: %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Status returns the HTTP status of the error's code.
func (e *Error) Status() int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// EnvelopeCode implements envelope.Coder, so JSON answers carry the code.
func (e *Error) EnvelopeCode() (string, int, string) { return e.Code, e.Status(), e.Message }

func portalErrorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// asError converts any error into an *Error: its own kind as it is,
// credential errors by code, everything else as INTERNAL with a generic
// message and the cause kept for the log.
func asError(err error) *Error {
	if e, ok := errors.AsType[*Error](err); ok {
		return e
	}
	if e, ok := errors.AsType[*credential.Error](err); ok {
		if code := credentialCodes[e.Code]; code != "" {
			return &Error{Code: code, Message: e.Message}
		}
	}
	return &Error{Code: codeInternal, Message: "Something went wrong on our side. Please try again.", Err: err}
}

// errorPage is the data of the error template.
type errorPage struct {
	Code   string
	Status int
	Text   string
}

// fail is the portal's one error renderer: the status of the error's code,
// and either the API's JSON envelope or an HTML page, as Accept prefers.
// Internal errors are logged with their cause and shown with a generic
// message.
func (p *Portal) fail(w http.ResponseWriter, r *http.Request, err error) {
	e := asError(err)
	status := e.Status()
	if status >= 500 {
		p.log.ErrorContext(r.Context(), "portal: request failed", "method", r.Method, "path", r.URL.Path, "err", e.Err)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.FormatInt(int64((e.RetryAfter+time.Second-1)/time.Second), 10))
	}
	if wantsJSON(r) {
		r = r.WithContext(envelope.NewContext(r.Context(), &envelope.Meta{ID: "keyward.portal", Logger: p.log}))
		envelope.Error(w, r, e)
		return
	}
	v := &view{Title: http.StatusText(status), Data: errorPage{Code: e.Code, Status: status, Text: e.Message}}
	if sessionLoaded(r.Context()) {
		v = p.newView(r, http.StatusText(status), "", v.Data)
	}
	p.render(w, r, status, "error", v)
}

// wantsJSON reports whether the client prefers JSON to HTML.
func wantsJSON(r *http.Request) bool {
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	var qJSON, qHTML float64 = -1, -1
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "application/json":
			qJSON = max(qJSON, q)
		case "text/html", "application/xhtml+xml":
			qHTML = max(qHTML, q)
		}
	}
	return qJSON > 0 && qJSON > qHTML
}
