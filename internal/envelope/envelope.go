package envelope

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/keyward/keyward/internal/errcode"
	"github.com/keyward/keyward/token"
)

// Version is the value of the envelope's ver member.
const Version = "3.0"

// Params is the envelope's params member as a reader decodes it (the
// writers here build it by hand).
type Params struct {
	ResMsgID string  `json:"resmsgid"`
	MsgID    *string `json:"msgid"`
	Status   string  `json:"status"`
	Err      string  `json:"err"`
	ErrMsg   string  `json:"errmsg"`
}

// Meta is what the envelope takes from the request: the route's API id, the
// msgid of the verified token and the logger for internal errors. The auth
// middleware puts one in the request context; handlers leave it alone.
type Meta struct {
	// ID is the API id of the route, the envelope's id.
	ID string
	// MsgID is params.msgid of the verified token, or "" (written as null).
	MsgID string
	// Logger receives internal errors. Nil means slog.Default().
	Logger *slog.Logger
}

type metaKey struct{}

// MetaKey is the context key under which [NewContext] stores a *Meta. A
// context type of its own that carries a Meta (to save an allocation per
// request) answers Value(MetaKey) with it.
var MetaKey any = metaKey{}

// NewContext returns a copy of ctx that carries m.
func NewContext(ctx context.Context, m *Meta) context.Context {
	return context.WithValue(ctx, MetaKey, m)
}

// MetaFromContext returns the [Meta] carried by ctx, or nil.
func MetaFromContext(ctx context.Context) *Meta {
	m, _ := ctx.Value(MetaKey).(*Meta)
	return m
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// reserved are the top-level names Write writes itself.
var reserved = map[string]bool{"id": true, "ver": true, "ets": true, "params": true}

// Write writes a response with status and the envelope around fields, whose
// members sit at the top level beside params. fields must marshal to a JSON
// object (or be nil); its members named id, ver, ets or params are dropped.
// id is the envelope's id; "" takes the route's id from the request context.
// params.status is "successful" below 400 and "failed" from 400 on. A fields
// value that cannot be marshalled is logged and answered as INTERNAL.
func Write(w http.ResponseWriter, r *http.Request, status int, id string, fields any) {
	var extra []byte
	if fields != nil {
		b, err := json.Marshal(fields)
		if err != nil || len(b) < 2 || b[0] != '{' {
			if err == nil {
				err = errors.New("envelope: fields do not marshal to a JSON object")
			}
			Error(w, r, errcode.Wrap(errcode.Internal, "internal error", err))
			return
		}
		extra = b
	}
	st := "successful"
	if status >= 400 {
		st = "failed"
	}
	write(w, r, status, id, st, "", "", extra)
}

// Error writes the error response for err: the status of its code,
// params.status "failed", params.err the code and params.errmsg a safe
// message (see the package documentation for how the code is found). A
// 401 also gets WWW-Authenticate, a RATE_LIMITED error Retry-After. Errors
// of status 500 and above are logged with their full text; the client only
// ever sees the code's safe message.
func Error(w http.ResponseWriter, r *http.Request, err error) {
	code, status, msg, retry := Classify(err)
	if status >= 500 {
		logger(r).LogAttrs(r.Context(), slog.LevelError, "request failed",
			slog.String("code", code), slog.String("method", r.Method),
			slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	h := w.Header()
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer error="invalid_token", error_description="`+quoteSafe(msg)+`"`)
	}
	if retry > 0 {
		h.Set("Retry-After", strconv.FormatInt(int64((retry+time.Second-1)/time.Second), 10))
	}
	write(w, r, status, "", "failed", code, msg, nil)
}

// Classify returns the code, status, safe message and retry delay of err,
// as [Error] would write them: an [*errcode.Error] in err's chain gives its
// code, message and retry delay; a [*token.Error] its code and reason; an
// [*http.MaxBytesError] is BODY_TOO_LARGE and [context.DeadlineExceeded]
// GATEWAY_TIMEOUT; anything else is INTERNAL. The status is always the
// table's ([errcode.Status]).
func Classify(err error) (code string, status int, msg string, retryAfter time.Duration) {
	if ce, ok := errors.AsType[*errcode.Error](err); ok {
		status = errcode.Status(ce.Code)
		msg = ce.Message
		if msg == "" {
			msg = http.StatusText(status)
		}
		if ce.Code == errcode.Internal {
			msg = "internal error"
		}
		return ce.Code, status, msg, ce.RetryAfter
	}
	if te, ok := errors.AsType[*token.Error](err); ok {
		msg = te.Reason
		if te.Claim != "" {
			msg = te.Claim + ": " + te.Reason
		}
		return string(te.Code), te.Code.Status(), msg, 0
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errcode.BodyTooLarge, http.StatusRequestEntityTooLarge, "request body too large", 0
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return errcode.GatewayTimeout, http.StatusGatewayTimeout, "timed out", 0
	}
	return errcode.Internal, http.StatusInternalServerError, "internal error", 0
}

func write(w http.ResponseWriter, r *http.Request, status int, id, st, code, msg string, extra []byte) {
	m := MetaFromContext(r.Context())
	msgid := ""
	if m != nil {
		if id == "" {
			id = m.ID
		}
		msgid = m.MsgID
	}
	bp := bufPool.Get().(*[]byte)
	b := (*bp)[:0]
	b = append(b, `{"id":`...)
	b = appendString(b, id)
	b = append(b, `,"ver":"`+Version+`","ets":`...)
	b = strconv.AppendInt(b, time.Now().UnixMilli(), 10)
	b = append(b, `,"params":{"resmsgid":"`...)
	b = appendUUID(b)
	b = append(b, `","msgid":`...)
	if msgid == "" {
		b = append(b, "null"...)
	} else {
		b = appendString(b, msgid)
	}
	b = append(b, `,"status":"`...)
	b = append(b, st...)
	b = append(b, `","err":`...)
	b = appendString(b, code)
	b = append(b, `,"errmsg":`...)
	b = appendString(b, msg)
	b = append(b, '}')
	if len(extra) > 2 {
		b = appendMembers(b, extra)
	}
	b = append(b, '}', '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		bufPool.Put(bp)
	}
}

// appendMembers appends ",name:value" for each member of the JSON object obj
// except the reserved names.
func appendMembers(b, obj []byte) []byte {
	var m map[string]json.RawMessage
	if !hasReserved(obj) {
		// The common case: splice the object's members as they are.
		return append(append(b, ','), obj[1:len(obj)-1]...)
	}
	if err := json.Unmarshal(obj, &m); err != nil {
		return b
	}
	for k, v := range m {
		if reserved[k] {
			continue
		}
		b = append(b, ',')
		b = appendString(b, k)
		b = append(b, ':')
		b = append(b, v...)
	}
	return b
}

// hasReserved reports whether obj may have a reserved member; it is
// conservative (a reserved name inside a value also says yes).
func hasReserved(obj []byte) bool {
	for k := range reserved {
		if bytes.Contains(obj, []byte(`"`+k+`"`)) {
			return true
		}
	}
	return false
}

func logger(r *http.Request) *slog.Logger {
	if m := MetaFromContext(r.Context()); m != nil && m.Logger != nil {
		return m.Logger
	}
	return slog.Default()
}

const hexDigits = "0123456789abcdef"

// appendUUID appends a random UUID (version 4).
func appendUUID(b []byte) []byte {
	var u [16]byte
	_, _ = rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	for i, x := range u {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return b
}

// appendString appends s as a JSON string, escaping HTML-significant
// characters too.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == '<' || c == '>' || c == '&' || c == 0x7f:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// quoteSafe makes s safe inside a quoted-string of WWW-Authenticate:
// printable ASCII without quote or backslash (RFC 6750 §3).
func quoteSafe(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7e && c != '"' && c != '\\' {
			b = append(b, c)
		}
	}
	return string(b)
}
