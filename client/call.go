package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/keyward/keyward/token"
)

// Values of [Response.Status].
const (
	StatusSuccessful = "successful"
	StatusFailed     = "failed"
)

// DefaultAPIIDs are the API ids a qsh token names (its id claim) for the
// routes whose id is known, used by [Client.Call] when no [WithAPIID] option
// is given.
var DefaultAPIIDs = map[string]string{
	"/v3/sl/encoding": "sl.encoding.start",
	"/v3/sl/query":    "sl.encoding.query",
	"/v3/sl/detect":   "sl.encoding.detect",
}

// Response is one decoded envelope.
type Response struct {
	// ID is the envelope's id, e.g. "sl.encoding.start".
	ID string
	// Ver is the API version.
	Ver string
	// ETS is the server's timestamp in Unix milliseconds.
	ETS int64
	// ResMsgID is params.resmsgid, the response's unique id.
	ResMsgID string
	// MsgID is params.msgid, echoed from the token, or "".
	MsgID string
	// Status is params.status: [StatusSuccessful] or [StatusFailed].
	Status string
	// Err is params.err, the error code, or "".
	Err string
	// ErrMsg is params.errmsg, the error message, or "".
	ErrMsg string
	// Fields holds the API's own top-level fields (everything beside id,
	// ver, ets and params), e.g. "query" of the Encoding API.
	Fields map[string]json.RawMessage
	// HTTPStatus is the response's status code.
	HTTPStatus int
	// Header is the response's header.
	Header http.Header
	// Body is the response body as received.
	Body []byte
}

// decodeResponse decodes raw as an envelope. It returns an error wrapping
// [ErrMalformedResponse] when raw is not a JSON object with params; an empty
// body of a successful response decodes to an empty envelope.
func decodeResponse(res *http.Response, raw []byte) (*Response, error) {
	resp := &Response{HTTPStatus: res.StatusCode, Header: res.Header, Body: raw, Fields: map[string]json.RawMessage{}}
	if len(bytes.TrimSpace(raw)) == 0 && res.StatusCode < 300 {
		resp.Status = StatusSuccessful
		return resp, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return nil, fmt.Errorf("%w (HTTP %d, %s)", ErrMalformedResponse, res.StatusCode, res.Header.Get("Content-Type"))
	}
	var params struct {
		ResMsgID string  `json:"resmsgid"`
		MsgID    *string `json:"msgid"`
		Status   string  `json:"status"`
		Err      string  `json:"err"`
		ErrMsg   string  `json:"errmsg"`
	}
	p, ok := top["params"]
	if !ok || json.Unmarshal(p, &params) != nil {
		return nil, fmt.Errorf("%w: no params (HTTP %d)", ErrMalformedResponse, res.StatusCode)
	}
	resp.ResMsgID, resp.Status, resp.Err, resp.ErrMsg = params.ResMsgID, params.Status, params.Err, params.ErrMsg
	if params.MsgID != nil {
		resp.MsgID = *params.MsgID
	}
	for k, v := range top {
		switch k {
		case "id":
			_ = json.Unmarshal(v, &resp.ID)
		case "ver":
			_ = json.Unmarshal(v, &resp.Ver)
		case "ets":
			_ = json.Unmarshal(v, &resp.ETS)
		case "params":
		default:
			resp.Fields[k] = v
		}
	}
	return resp, nil
}

// Field decodes the top-level field name into v. It reports an error when
// the field is absent.
func (r *Response) Field(name string, v any) error {
	raw, ok := r.Fields[name]
	if !ok {
		return fmt.Errorf("client: response %s has no field %q", r.ID, name)
	}
	return json.Unmarshal(raw, v)
}

// CallOption adjusts one [Client.Call].
type CallOption func(*callOptions)

type callOptions struct {
	apiID string
	did   string
	msgID string
}

// WithAPIID sets the API id a qsh token names (its id claim). Without it,
// Call looks the path up in [DefaultAPIIDs].
func WithAPIID(id string) CallOption { return func(o *callOptions) { o.apiID = id } }

// WithParams sets a qsh token's params.did and params.msgid; the server
// echoes msgid in the response's params.msgid.
func WithParams(did, msgID string) CallOption {
	return func(o *callOptions) { o.did, o.msgID = did, msgID }
}

// Call calls any keyward API, signing the token profile asks for:
//
//   - token.Request: a request-bound token whose mtd is method, url is
//     path and arg is args, sent as the JSON body {"data": token};
//   - token.QSH: args go to the query string (a string as it is, a number
//     or bool formatted, a list as repeated parameters, anything else as
//     JSON) and the token, bound to the canonical request and naming the API
//     id (see [WithAPIID]), goes in the Authorization header;
//   - token.Management: the client's management token in the Authorization
//     header, with args in the query string for GET, HEAD and DELETE and as
//     the JSON body otherwise.
//
// path is the API path, e.g. "/v3/sl/encoding", and may carry a query of its
// own. Call returns the decoded envelope. When the server answers with a
// failure it returns the response together with an [*Error], so that
// callers can show the whole answer. A body that is not an envelope (a
// gateway route's upstream answers in its own format) comes back as a
// Response with only HTTPStatus, Header and Body set, with an error wrapping
// [ErrMalformedResponse] when the status is a success.
func (c *Client) Call(ctx context.Context, method, path string, args map[string]any, profile token.Profile, opts ...CallOption) (*Response, error) {
	var o callOptions
	for _, opt := range opts {
		opt(&o)
	}
	method = strings.ToUpper(method)
	if method == "" {
		method = http.MethodGet
	}
	u, err := url.Parse(path)
	if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
		return nil, fmt.Errorf("client: Call: path %q is not an absolute API path", path)
	}
	r := &apiRequest{method: method, path: u.EscapedPath(), rawQuery: u.RawQuery}
	switch profile {
	case token.Request:
		b := token.New(token.Request, c.key, c.secret).SetNowFunc(c.now).SetKeyID(c.kid).
			SetMethod(method).SetURL(r.path)
		if args != nil {
			b.SetArg(args)
		}
		tok, err := b.ToJWT()
		if err != nil {
			return nil, fmt.Errorf("client: sign request token: %w", err)
		}
		r.body, _ = json.Marshal(map[string]string{"data": tok})
	case token.QSH:
		r.rawQuery = joinQuery(r.rawQuery, queryOf(args))
		apiID := o.apiID
		if apiID == "" {
			apiID = DefaultAPIIDs[u.Path]
		}
		if apiID == "" {
			return nil, fmt.Errorf("client: Call: no API id known for %s: pass client.WithAPIID", u.Path)
		}
		b := token.New(token.QSH, c.key, c.secret).SetNowFunc(c.now).SetKeyID(c.kid).
			SetAPIID(apiID).SetRequest(method, r.path, r.rawQuery)
		if o.did != "" || o.msgID != "" {
			b.SetParams(o.did, o.msgID)
		}
		if r.bearer, err = b.ToJWT(); err != nil {
			return nil, fmt.Errorf("client: sign qsh token: %w", err)
		}
	case token.Management:
		if r.bearer, err = c.managementToken(); err != nil {
			return nil, err
		}
		r.mgmt = true
		switch method {
		case http.MethodGet, http.MethodHead, http.MethodDelete:
			r.rawQuery = joinQuery(r.rawQuery, queryOf(args))
		default:
			if args == nil {
				args = map[string]any{}
			}
			if r.body, err = json.Marshal(args); err != nil {
				return nil, fmt.Errorf("client: Call: encode args: %w", err)
			}
		}
	default:
		return nil, fmt.Errorf("client: Call signs request, qsh and management tokens, not %s", profile)
	}
	return c.send(ctx, r)
}

// queryOf encodes args as a query string.
func queryOf(args map[string]any) string {
	q := url.Values{}
	for _, k := range slices.Sorted(maps.Keys(args)) {
		switch v := args[k].(type) {
		case []string:
			q[k] = append(q[k], v...)
		case []any:
			for _, e := range v {
				q.Add(k, scalar(e))
			}
		default:
			q.Add(k, scalar(v))
		}
	}
	return q.Encode()
}

// scalar formats one query value.
func scalar(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case int, int32, int64, uint, uint32, uint64, float32:
		return fmt.Sprint(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func joinQuery(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "&" + b
}
