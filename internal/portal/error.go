package portal

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
)

// internalMessage is what the user sees of an error without a code.
const internalMessage = "Something went wrong on our side. Please try again."

// asError converts any error into an [*errcode.Error]: coded errors (the
// credential services' among them) as they are, everything else as INTERNAL
// with a generic message and the cause kept for the log.
func asError(err error) *errcode.Error {
	if e, ok := errors.AsType[*errcode.Error](err); ok && e.Code != errcode.Internal {
		return e
	}
	return errcode.Wrap(errcode.Internal, internalMessage, err)
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
