package auth

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

// Endpoint is one route a service serves, and all the server needs to know
// of it: where it is, what it does, who may call it, and the handler. Every
// service (the management API, the Encoding API, operations, the gateway,
// rooms) returns its endpoints; [NewMux] puts each behind the door and
// registers it, and the OpenAPI document is made from the same list, so a
// route is added with one entry in its own package.
type Endpoint struct {
	// ID is the API id, e.g. "sl.encoding.start": the envelope's id, the id a
	// qsh token must name, the label in metrics and usage counts, and the
	// OpenAPI operationId. Required.
	ID string
	// Pattern is the [http.ServeMux] pattern, "METHOD /path/{param}". Without
	// a method the endpoint answers every method; a path ending in "/" or
	// "{name...}" also serves every path below it. Required.
	Pattern string
	// Summary says in one line what the endpoint does, for the OpenAPI
	// document.
	Summary string
	// Tag groups endpoints in the OpenAPI document: "management",
	// "encoding", "rooms", …
	Tag string
	// Policy is what the door asks of the request's token: profiles (one
	// handler may accept several; it reads which from [FromContext]), API
	// group, admin only, single use, roles, permission, limits. Its APIID is
	// ID (leave it empty). Nil means public: the door asks for no token,
	// and the handler proves the caller some other way (a signed link, a
	// browser session, a token it checks itself) or serves anyone.
	Policy *Route
	// Tokens, on an endpoint without a Policy, are the token profiles its
	// handler checks itself ([Authenticator.Check]), as the rooms join does
	// so that every refusal comes before the WebSocket upgrade. They are
	// documented as the endpoint's security; the door does nothing with
	// them. Zero on an endpoint that takes no token.
	Tokens token.Profiles
	// Handler serves the requests the door lets through, with the
	// [Identity] in their context (none on public endpoints). Required.
	Handler http.Handler
}

// Validate reports whether e is complete and its policy valid.
func (e *Endpoint) Validate() error {
	var errs []error
	if e.ID == "" {
		errs = append(errs, errors.New("ID is required"))
	}
	if _, path := e.Split(); !strings.HasPrefix(path, "/") {
		errs = append(errs, fmt.Errorf("pattern %q: the path must start with /", e.Pattern))
	}
	if e.Handler == nil {
		errs = append(errs, errors.New("Handler is required"))
	}
	if e.Policy != nil && e.Tokens != 0 {
		errs = append(errs, errors.New("Tokens is for endpoints without a Policy"))
	}
	if e.Policy != nil {
		if e.Policy.APIID != "" && e.Policy.APIID != e.ID {
			errs = append(errs, fmt.Errorf("Policy.APIID %q differs from ID", e.Policy.APIID))
		}
		p := e.policy()
		if err := p.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("auth: endpoint %q (%s): %w", e.ID, e.Pattern, err)
	}
	return nil
}

// Split returns the pattern's method ("" when it has none) and path.
func (e *Endpoint) Split() (method, path string) {
	if i := strings.IndexAny(e.Pattern, " \t"); i >= 0 {
		return e.Pattern[:i], strings.TrimLeft(e.Pattern[i:], " \t")
	}
	return "", e.Pattern
}

// policy returns a copy of the policy with APIID set to ID.
func (e *Endpoint) policy() Route {
	p := *e.Policy
	p.APIID = e.ID
	return p
}

// handler returns the endpoint's handler behind the door, or, for a public
// endpoint, with the envelope's view (its id) in the request context.
func (e *Endpoint) handler(a *Authenticator) http.Handler {
	if e.Policy != nil {
		return a.Require(e.policy())(e.Handler)
	}
	next, meta := e.Handler, &envelope.Meta{ID: e.ID}
	if a != nil {
		meta.Logger = a.cfg.Logger
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(envelope.NewContext(r.Context(), meta)))
	})
}

// NewMux returns a ServeMux that serves eps, each behind the door a (which
// may be nil when every endpoint is public), and answers any other request
// with the envelope: 405 METHOD_NOT_ALLOWED (with Allow) when the path is
// served for other methods, 404 NOT_FOUND otherwise. An invalid endpoint,
// or a pattern that conflicts with another, is an error.
func NewMux(a *Authenticator, eps ...Endpoint) (*http.ServeMux, error) {
	mux := http.NewServeMux()
	for i := range eps {
		ep := &eps[i]
		if err := ep.Validate(); err != nil {
			return nil, err
		}
		if ep.Policy != nil && a == nil {
			return nil, fmt.Errorf("auth: endpoint %q has a policy but there is no door", ep.ID)
		}
		if err := handle(mux, ep.Pattern, ep.handler(a)); err != nil {
			return nil, fmt.Errorf("auth: endpoint %q: %w", ep.ID, err)
		}
	}
	// An endpoint that serves every path already answers what is left.
	_ = handle(mux, "/", unrouted(mux))
	return mux, nil
}

// handle registers pattern, turning ServeMux's panic on a conflicting
// pattern into an error (gateway patterns come from the operator's file).
func handle(mux *http.ServeMux, pattern string, h http.Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	mux.Handle(pattern, h)
	return nil
}

// probeMethods are the methods tried to tell 405 from 404.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// unrouted answers the requests no endpoint serves.
func unrouted(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var allow []string
		for _, m := range probeMethods {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			envelope.Error(w, r, errcode.Errorf(errcode.MethodNotAllowed, "%s is not allowed on %s", r.Method, r.URL.Path))
			return
		}
		envelope.Error(w, r, errcode.Errorf(errcode.NotFound, "no such API: %s %s", r.Method, r.URL.Path))
	})
}
