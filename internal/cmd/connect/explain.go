package connect

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"

	"github.com/keyward/keyward/client"
	"github.com/keyward/keyward/internal/cmd/cmderror"
)

// Explain turns the error of a call to t's server into what every API
// command prints: a refused connection, an address that is not a keyward
// server, a refused credential and the server's own errors each read the
// same from admin, call, encode and detect, and none shows the client's
// internal prefixes. A 401 or 403 also matches [cmderror.ErrAuth] (exit 4).
// A nil or empty t (a test's own client) is worded as "the server" and "the
// given credential". Nil stays nil.
func Explain(err error, t *Target) error {
	if err == nil {
		return nil
	}
	if t == nil || t.Server == "" {
		t = &Target{Server: "the server", ServerFrom: "--server", From: "the given credential"}
	}
	if _, ok := errors.AsType[*explained](err); ok {
		return err
	}
	if e, ok := errors.AsType[*client.Error](err); ok {
		return explainStatus(e, t)
	}
	if errors.Is(err, client.ErrMalformedResponse) {
		detail := strings.TrimLeft(afterLast(err.Error(), client.ErrMalformedResponse.Error()), ": ")
		return &explained{err: err, msg: fmt.Sprintf("%s answered, but not as a keyward server (%s); check %s: it should be the address \"keyward serve\" printed",
			t.Server, strings.Trim(detail, "()"), fromText(t.ServerFrom))}
	}
	if errors.Is(err, context.Canceled) {
		return cmderror.Mark(err, cmderror.ErrCancel)
	}
	if ue, ok := errors.AsType[*url.Error](err); ok {
		switch {
		case ue.Timeout():
			return &explained{err: err, msg: fmt.Sprintf("%s did not answer in time; is it a keyward server, and is it overloaded?", t.Server)}
		case errors.Is(err, syscall.ECONNREFUSED):
			return &explained{err: err, msg: fmt.Sprintf("no keyward server is running at %s (connection refused; the address is %s). "+
				"Start one with \"keyward serve\", or point --server or $KEYWARD_SERVER at yours", t.Server, serverFromText(t.ServerFrom))}
		}
		if _, ok := errors.AsType[*net.DNSError](err); ok {
			return &explained{err: err, msg: fmt.Sprintf("cannot reach %s: its host name does not resolve; check %s", t.Server, fromText(t.ServerFrom))}
		}
		if _, ok := errors.AsType[*net.OpError](err); ok {
			return &explained{err: err, msg: fmt.Sprintf("cannot reach %s (%v); check %s", t.Server, ue.Err, fromText(t.ServerFrom))}
		}
		return &explained{err: err, msg: fmt.Sprintf("calling %s failed: %v", t.Server, ue.Err)}
	}
	return &explained{err: err, msg: strings.TrimPrefix(err.Error(), "client: ")}
}

// explainStatus words an error the server answered.
func explainStatus(e *client.Error, t *Target) error {
	if e.Code == "" {
		// Not an envelope: a proxy, another program, or a wrong path.
		return &explained{err: e, msg: fmt.Sprintf("%s answered %d %s, not as a keyward server; check %s: it should be the address \"keyward serve\" printed",
			t.Server, e.HTTPStatus, http.StatusText(e.HTTPStatus), fromText(t.ServerFrom))}
	}
	msg := e.Code + ": " + e.Message
	switch e.HTTPStatus {
	case http.StatusUnauthorized:
		msg = fmt.Sprintf("%s refused the credential from %s (%s). Check that this key and secret belong to this server: "+
			"each data directory and each database has its own admin.json, and the clocks must agree within a minute", t.Server, t.From, msg)
		return &explained{err: e, msg: msg, kind: cmderror.ErrAuth}
	case http.StatusForbidden:
		msg = fmt.Sprintf("%s (the credential from %s is known but not allowed to do this)", msg, t.From)
		return &explained{err: e, msg: msg, kind: cmderror.ErrAuth}
	case http.StatusTooManyRequests:
		if e.RetryAfter > 0 {
			msg += fmt.Sprintf(" (retry after %s)", e.RetryAfter)
		}
	}
	return &explained{err: e, msg: msg}
}

// explained is an error as the command line shows it; it still matches
// the underlying error, and kind when set.
type explained struct {
	err  error
	msg  string
	kind error
}

func (e *explained) Error() string { return e.msg }

func (e *explained) Unwrap() []error {
	if e.kind != nil {
		return []error{e.err, e.kind}
	}
	return []error{e.err}
}

// serverFromText says where the server address came from.
func serverFromText(from string) string {
	switch from {
	case "the default":
		return "the default; --server or $KEYWARD_SERVER change it"
	case "--server", "$KEYWARD_SERVER":
		return "from " + from
	}
	return "the \"server\" of " + from
}

// afterLast returns what follows the last occurrence of sep in s, or s.
func afterLast(s, sep string) string {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[i+len(sep):]
	}
	return s
}
