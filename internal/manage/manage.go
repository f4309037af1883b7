// Package manage serves keyward's management API: JSON over HTTP under /v1,
// every response in the envelope of DESIGN §3, every request authenticated
// with a management token by the door (each endpoint's policy). The handlers
// are thin: authorisation beyond "who is calling" (a developer may touch only
// their own requests and credentials, only admins may decide) lives in the
// credential services, which read the actor from the request context.
package manage

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/credential"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

// MaxBodyBytes is the largest request body the management API reads.
const MaxBodyBytes = 64 << 10

// Services are the credential services the API is built on. One store
// usually implements them all.
type Services = credential.Services

// Caller is the authenticated credential behind a request.
type Caller struct {
	// AccountID is the account that owns the credential: the actor the
	// credential services authorise and audit.
	AccountID int64
	// CredentialID is the credential whose token authenticated the call.
	CredentialID int64
	// Key is its public key.
	Key string
	// Groups are its granted API groups.
	Groups []string
}

// Config configures a [Handler].
type Config struct {
	// Services is required.
	Services Services
	// CallerFunc returns the authenticated caller of r. Default: the
	// door's [auth.Identity] of the request.
	CallerFunc func(r *http.Request) (Caller, bool)
	// Logger receives internal errors. Default slog.Default().
	Logger *slog.Logger
}

// Handler serves the management API.
type Handler struct {
	svc    Services
	caller func(*http.Request) (Caller, bool)
	log    *slog.Logger
}

// New returns a Handler for cfg.
func New(cfg Config) (*Handler, error) {
	if cfg.Services == nil {
		return nil, errors.New("manage: Services is required")
	}
	if cfg.CallerFunc == nil {
		cfg.CallerFunc = identityCaller
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Handler{svc: cfg.Services, caller: cfg.CallerFunc, log: cfg.Logger}, nil
}

// Endpoints lists every endpoint of the API. Each accepts management
// tokens only, whoever owns the credential: the credential services decide
// what each account may do.
func (h *Handler) Endpoints() []auth.Endpoint {
	policy := &auth.Route{Profiles: token.ProfileSet(token.Management)}
	e := func(pattern, id string, handle apiFunc, summary string) auth.Endpoint {
		return auth.Endpoint{ID: id, Pattern: pattern, Summary: summary, Tag: "management", Policy: policy, Handler: h.withActor(handle)}
	}
	return []auth.Endpoint{
		e("GET /v1/me", "keyward.me.read", h.handleMe, "The calling account and credential"),

		e("GET /v1/accounts", "keyward.account.list", h.handleAccountList, "List accounts (admins)"),
		e("POST /v1/accounts", "keyward.account.create", h.handleAccountCreate, "Create an account (admins)"),
		e("GET /v1/accounts/{id}", "keyward.account.read", withID(h.handleAccountRead), "Read an account"),

		e("GET /v1/groups", "keyward.group.list", h.handleGroupList, "List API groups"),
		e("POST /v1/groups", "keyward.group.create", h.handleGroupCreate, "Create an API group (admins)"),
		e("GET /v1/groups/{name}", "keyward.group.read", h.handleGroupRead, "Read an API group"),
		e("PATCH /v1/groups/{name}", "keyward.group.update", h.handleGroupUpdate, "Update an API group (admins)"),
		e("DELETE /v1/groups/{name}", "keyward.group.delete", h.handleGroupDelete, "Delete an API group (admins)"),

		e("GET /v1/requests", "keyward.request.list", h.handleRequestList, "List access requests (developers see their own)"),
		e("POST /v1/requests", "keyward.request.create", h.handleRequestCreate, "Request access to API groups"),
		e("GET /v1/requests/{id}", "keyward.request.read", withID(h.handleRequestRead), "Read an access request"),
		e("POST /v1/requests/{id}/approve", "keyward.request.approve", h.handleRequestDecide(credential.RequestApproved), "Approve a pending access request (admins)"),
		e("POST /v1/requests/{id}/reject", "keyward.request.reject", h.handleRequestDecide(credential.RequestRejected), "Reject a pending access request (admins)"),
		e("POST /v1/requests/{id}/withdraw", "keyward.request.withdraw", withID(h.handleRequestWithdraw), "Withdraw one's own pending access request"),

		e("GET /v1/credentials", "keyward.credential.list", h.handleCredentialList, "List credentials (developers see their own)"),
		e("POST /v1/credentials", "keyward.credential.create", h.handleCredentialCreate, "Create a credential; the secret is shown in this response only"),
		e("GET /v1/credentials/{id}", "keyward.credential.read", withID(h.handleCredentialRead), "Read a credential (never its secret)"),
		e("PATCH /v1/credentials/{id}", "keyward.credential.update", withID(h.handleCredentialUpdate), "Update a credential's name, notes or groups"),
		e("POST /v1/credentials/{id}/rotate", "keyward.credential.rotate", withID(h.handleCredentialRotate), "Rotate the secret; the old one keeps working for the overlap"),
		e("POST /v1/credentials/{id}/secrets/{kid}/retire", "keyward.credential.retire", withID(h.handleSecretRetire), "Retire one secret of a credential at once"),
		e("POST /v1/credentials/{id}/revoke", "keyward.credential.revoke", withID(h.handleCredentialRevoke), "Revoke a credential"),
		e("DELETE /v1/credentials/{id}", "keyward.credential.delete", withID(h.handleCredentialDelete), "Delete a credential"),

		e("GET /v1/audit", "keyward.audit.list", h.handleAuditList, "Read the audit log (developers see their own entries)"),
		e("GET /v1/notifications", "keyward.notification.list", h.handleNotificationList, "List notifications with the unread count"),
		e("POST /v1/notifications/{id}/read", "keyward.notification.read", withID(h.handleNotificationRead), "Mark a notification read"),
		e("GET /v1/usage", "keyward.usage.list", h.handleUsage, "Request counts by credential, route, status and minute"),
	}
}

// apiFunc is a handler of the API: it answers with a status and the
// envelope's fields, or with an error that [Handler.fail] writes.
type apiFunc func(w http.ResponseWriter, r *http.Request) (status int, fields any, err error)

// respond is the answer of an apiFunc: status and fields, unless err.
func respond(status int, fields any, err error) (int, any, error) {
	if err != nil {
		return 0, nil, err
	}
	return status, fields, nil
}

// withID passes the path's {id} to f; an id that is not a positive
// integer is 404.
func withID(f func(w http.ResponseWriter, r *http.Request, id int64) (int, any, error)) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) (int, any, error) {
		id, err := pathID(r, "id")
		if err != nil {
			return 0, nil, err
		}
		return f(w, r, id)
	}
}

// withActor puts the caller's account into the request context as the
// actor the credential services authorise and audit, runs next and writes
// its answer.
func (h *Handler) withActor(next apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := h.caller(r)
		if !ok {
			h.fail(w, r, errors.New("manage: a request without a caller reached a handler"))
			return
		}
		ctx := credential.NewContextWithActor(r.Context(), &credential.Actor{AccountID: c.AccountID, RemoteAddr: remoteIP(r)})
		status, fields, err := next(w, r.WithContext(ctx))
		if err != nil {
			h.fail(w, r, err)
			return
		}
		h.ok(w, r, status, fields)
	})
}

// identityCaller is the default CallerFunc: the door's identity.
func identityCaller(r *http.Request) (Caller, bool) {
	id, ok := auth.FromContext(r.Context())
	if !ok {
		return Caller{}, false
	}
	return Caller{AccountID: id.AccountID, CredentialID: id.CredentialID, Key: id.Key, Groups: id.Groups}, true
}

// remoteIP is the client's address without its port, for the audit log.
func remoteIP(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// ok writes a successful envelope with fields at the top level.
func (h *Handler) ok(w http.ResponseWriter, r *http.Request, status int, fields any) {
	envelope.Write(w, r, status, "", fields)
}

// fail writes err as an envelope error. Coded errors (the credential
// services' among them) keep their code and message; anything else is logged
// and reported as INTERNAL.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	envelope.Error(w, r, err)
}

// decode reads a JSON body into v strictly: JSON content type, at most
// MaxBodyBytes, no unknown fields, exactly one value.
func decode(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/json" {
			return errcode.Errorf(errcode.UnsupportedMediaType, "the body must be JSON (Content-Type: application/json)")
		}
	}
	body := http.MaxBytesReader(nil, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			return errcode.Errorf(errcode.BodyTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
		case errors.Is(err, io.EOF):
			return errcode.Errorf(errcode.BadRequest, "the body is empty; send a JSON object")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return errcode.Errorf(errcode.BadRequest, "%s", strings.TrimPrefix(err.Error(), "json: "))
		}
		return errcode.Errorf(errcode.BadRequest, "the body is not valid JSON: %s", jsonProblem(err))
	}
	if dec.More() {
		return errcode.Errorf(errcode.BadRequest, "the body holds more than one JSON value")
	}
	if _, err := io.Copy(io.Discard, body); err != nil {
		return errcode.Errorf(errcode.BodyTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
	}
	return nil
}

// decodeOptional is decode for endpoints whose body may be empty.
func decodeOptional(r *http.Request, v any) error {
	if r.ContentLength == 0 && r.Header.Get("Content-Type") == "" {
		return nil
	}
	err := decode(r, v)
	var ae *errcode.Error
	if errors.As(err, &ae) && ae.Code == errcode.BadRequest && strings.Contains(ae.Message, "empty") {
		return nil
	}
	return err
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("%s must be of JSON type %s", te.Field, te.Type)
	}
	return "malformed"
}

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, errcode.New(errcode.NotFound, "no such "+strings.TrimSuffix(name, "id")+"object")
	}
	return id, nil
}

// queryInt64 reads an optional positive integer query parameter.
func queryInt64(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, errcode.Errorf(errcode.InvalidArgument, "query parameter %s must be a whole number", name)
	}
	return n, nil
}

func page(r *http.Request) (credential.Page, error) {
	q := r.URL.Query()
	p := credential.Page{Cursor: q.Get("cursor")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return p, errcode.Errorf(errcode.InvalidArgument, "limit must be a whole number from 1 to %d", credential.MaxLimit)
		}
		p.Limit = n
	}
	return p, nil
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errcode.Errorf(errcode.InvalidArgument, "%s must be an RFC 3339 time such as 2026-11-22T10:00:00Z", name)
	}
	return t, nil
}
