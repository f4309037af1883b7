package auth_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	goredis "github.com/redis/go-redis/v9"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/internal/ratelimit"
	"github.com/keyward/keyward/internal/replay"
	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

const (
	devKey     = "dev-key-0001"
	adminKey   = "admin-key-01"
	revokedKey = "revoked-key1"
)

var (
	devSecret   = []byte("dev-secret-dev-secret-dev-secret-0001")
	adminSecret = []byte("admin-secret-admin-secret-admin-secret-1")
)

func keys() []auth.Key {
	return []auth.Key{
		{Key: devKey, CredentialID: 7, AccountID: 3, OwnerRole: auth.RoleDeveloper, Active: true,
			Groups: []string{"encoding"}, Secrets: []auth.Secret{{Secret: devSecret}}},
		{Key: adminKey, CredentialID: 1, AccountID: 1, OwnerRole: auth.RoleAdmin, Active: true,
			Secrets: []auth.Secret{{Secret: adminSecret}}},
		{Key: revokedKey, CredentialID: 9, AccountID: 3, OwnerRole: auth.RoleDeveloper, Active: false},
	}
}

// The routes of the test server.
var (
	encodingRoute = auth.Route{APIID: "sl.encoding.start", Group: "encoding",
		Profiles: token.ProfileSet(token.Request, token.QSH), SingleUse: true}
	queryRoute = auth.Route{APIID: "sl.encoding.query", Group: "encoding",
		Profiles: token.ProfileSet(token.Request, token.QSH)}
	mgmtRoute  = auth.Route{APIID: "keyward.management", Profiles: token.ProfileSet(token.Management)}
	adminRoute = auth.Route{APIID: "keyward.admin", Profiles: token.ProfileSet(token.Management), AdminOnly: true}
	otherGroup = auth.Route{APIID: "rooms.list", Group: "rooms", Profiles: token.ProfileSet(token.Management)}
	roomsRoute = auth.Route{APIID: "rooms.connect", Profiles: token.ProfileSet(token.App, token.APIKey),
		Roles: []string{"host"}, Permission: "allow_mod"}
)

type testBundle struct {
	src  *authtest.Source
	a    *auth.Authenticator
	srv  *httptest.Server
	reg  *prometheus.Registry
	seen chan *auth.Identity
}

type setupOpts struct {
	replay    replay.Store
	limiter   ratelimit.Limiter
	limit     ratelimit.Limit
	src       *authtest.Source
	maxBody   int64
	readTimeo time.Duration
}

func setup(t *testing.T, o setupOpts) *testBundle {
	t.Helper()
	b := &testBundle{src: o.src, reg: prometheus.NewRegistry(), seen: make(chan *auth.Identity, 64)}
	if b.src == nil {
		b.src = authtest.NewSource(keys()...)
	}
	m, err := auth.NewMetrics(b.reg)
	if err != nil {
		t.Fatalf("NewMetrics: %v", err)
	}
	b.a, err = auth.New(auth.Config{
		Keys: b.src, Replay: o.replay, Limiter: o.limiter, RateLimit: o.limit, Metrics: m,
		MaxBody: o.maxBody, BodyReadTimeout: o.readTimeo,
		KeyCache: auth.KeyCacheConfig{PollInterval: 50 * time.Millisecond, MaxStale: time.Second},
	})
	if err != nil {
		t.Fatalf("auth.New: %v", err)
	}
	t.Cleanup(func() { b.a.Close() })
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if !ok {
			envelope.Error(w, r, errors.New("no identity"))
			return
		}
		select {
		case b.seen <- id:
		default:
		}
		body, _ := io.ReadAll(r.Body)
		envelope.Write(w, r, http.StatusOK, "", map[string]any{"key": id.Key, "arg": id.Arg, "body": string(body)})
	})
	mux := http.NewServeMux()
	mux.Handle("POST /v3/sl/encoding", b.a.Require(encodingRoute)(handler))
	mux.Handle("POST /v3/sl/query", b.a.Require(queryRoute)(handler))
	mux.Handle("GET /mgmt", b.a.Require(mgmtRoute)(handler))
	mux.Handle("GET /admin", b.a.Require(adminRoute)(handler))
	mux.Handle("GET /rooms", b.a.Require(otherGroup)(handler))
	mux.Handle("GET /connect", b.a.Require(roomsRoute)(handler))
	b.srv = httptest.NewServer(mux)
	t.Cleanup(b.srv.Close)
	return b
}

// reply is a decoded envelope.
type reply struct {
	status int
	header http.Header
	raw    string
	ID     string          `json:"id"`
	Ver    string          `json:"ver"`
	ETS    int64           `json:"ets"`
	Params envelope.Params `json:"params"`
	Key    string          `json:"key"`
	Arg    json.RawMessage `json:"arg"`
	Body   string          `json:"body"`
}

func (b *testBundle) do(t *testing.T, method, path string, header map[string]string, body string) *reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, b.srv.URL+path, rd)
	if err != nil {
		t.Fatalf("NewRequest: %v", err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if body != "" && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := b.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	rep := &reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, rep); err != nil {
		t.Fatalf("%s %s: body is not the envelope: %v\n%s", method, path, err, raw)
	}
	return rep
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// check verifies the envelope of a reply.
func (r *reply) check(t *testing.T, what string, status int, code, id string) {
	t.Helper()
	if r.status != status || r.Params.Err != code {
		t.Fatalf("%s: got %d %q (%s), want %d %q\n%s", what, r.status, r.Params.Err, r.Params.ErrMsg, status, code, r.raw)
	}
	if r.ID != id || r.Ver != envelope.Version || r.ETS == 0 || !uuidRE.MatchString(r.Params.ResMsgID) {
		t.Fatalf("%s: envelope id=%q ver=%q ets=%d resmsgid=%q; want id %q\n%s", what, r.ID, r.Ver, r.ETS, r.Params.ResMsgID, id, r.raw)
	}
	wantStatus := "successful"
	if status >= 400 {
		wantStatus = "failed"
	}
	if r.Params.Status != wantStatus {
		t.Fatalf("%s: params.status = %q, want %q", what, r.Params.Status, wantStatus)
	}
	wa := r.header.Get("WWW-Authenticate")
	if status == 401 && !strings.HasPrefix(wa, `Bearer error="invalid_token"`) {
		t.Fatalf("%s: WWW-Authenticate = %q on a 401", what, wa)
	}
	if status != 401 && wa != "" {
		t.Fatalf("%s: WWW-Authenticate = %q on a %d", what, wa, status)
	}
	if status >= 400 && (r.Params.ErrMsg == "" || strings.Contains(r.raw, string(devSecret)) || strings.Contains(r.raw, "eyJ")) {
		t.Fatalf("%s: errmsg empty or the reply echoes a token or secret:\n%s", what, r.raw)
	}
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func mustJWT(t *testing.T, b *token.Builder) string {
	t.Helper()
	s, err := b.ToJWT()
	if err != nil {
		t.Fatalf("ToJWT: %v", err)
	}
	return s
}

func requestToken(t *testing.T, url string) string {
	return mustJWT(t, token.New(token.Request, devKey, devSecret).SetMethod("POST").SetURL(url).SetArg(map[string]string{"src": "https://example.com/a.mp3"}))
}

func mgmtToken(t *testing.T, key string, secret []byte) string {
	return mustJWT(t, token.New(token.Management, key, secret))
}

func TestRejections(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	now := time.Now().Unix()
	hdr := `{"alg":"HS256","typ":"JWT"}`
	mgmtClaims := func(extra string) string {
		return fmt.Sprintf(`{"access_key":%q,"type":"management","version":2,"jti":"j-%d","iat":%d,"nbf":%d,"exp":%d%s}`, devKey, time.Now().UnixNano(), now, now, now+3600, extra)
	}
	big := strings.Repeat("a", token.MaxTokenSize)
	tests := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		code               string
		id                 string
	}{
		{"NoToken", "GET", "/mgmt", nil, "", 401, "TOKEN_MISSING", "keyward.management"},
		{"NoTokenBody", "POST", "/v3/sl/encoding", nil, `{"other":1}`, 401, "TOKEN_MISSING", "sl.encoding.start"},
		{"EmptyBearer", "GET", "/mgmt", map[string]string{"Authorization": "Bearer "}, "", 401, "TOKEN_MALFORMED", "keyward.management"},
		{"Malformed", "GET", "/mgmt", bearer("abc.def"), "", 401, "TOKEN_MALFORMED", "keyward.management"},
		{"BasicScheme", "GET", "/mgmt", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, "", 401, "TOKEN_MALFORMED", "keyward.management"},
		{"TooLarge", "GET", "/mgmt", bearer(big + "." + big + ".x"), "", 401, "TOKEN_TOO_LARGE", "keyward.management"},
		{"AlgHS384", "GET", "/mgmt", bearer(authtest.SignRaw(`{"alg":"HS384","typ":"JWT"}`, mgmtClaims(""), devSecret)), "", 401, "TOKEN_ALG", "keyward.management"},
		{"AlgNone", "GET", "/mgmt", bearer(authtest.SignRaw(`{"alg":"none"}`, mgmtClaims(""), devSecret)), "", 401, "TOKEN_ALG", "keyward.management"},
		{"Signature", "GET", "/mgmt", bearer(mgmtToken(t, devKey, adminSecret)), "", 401, "TOKEN_SIGNATURE", "keyward.management"},
		{"UnknownKey", "GET", "/mgmt", bearer(mgmtToken(t, "nobody-00001", devSecret)), "", 401, "TOKEN_UNKNOWN_KEY", "keyward.management"},
		{"RevokedCredential", "GET", "/mgmt", bearer(mgmtToken(t, revokedKey, devSecret)), "", 401, "TOKEN_REVOKED", "keyward.management"},
		{"ClaimMissing", "GET", "/mgmt", bearer(authtest.SignRaw(hdr, fmt.Sprintf(`{"access_key":%q,"type":"management","version":2,"iat":%d,"nbf":%d,"exp":%d}`, devKey, now, now, now+60), devSecret)), "", 401, "TOKEN_CLAIM_MISSING", "keyward.management"},
		{"ClaimInvalidStringExp", "GET", "/mgmt", bearer(authtest.SignRaw(hdr, fmt.Sprintf(`{"access_key":%q,"type":"management","version":2,"jti":"x","iat":%d,"nbf":%d,"exp":"%d"}`, devKey, now, now, now+60), devSecret)), "", 401, "TOKEN_CLAIM_INVALID", "keyward.management"},
		{"Expired", "GET", "/mgmt", bearer(mustJWT(t, token.New(token.Management, devKey, devSecret).SetIssuedAt(time.Now().Add(-3*time.Hour)).SetExpiry(time.Now().Add(-2*time.Hour)))), "", 401, "TOKEN_EXPIRED", "keyward.management"},
		{"NotYetValid", "GET", "/mgmt", bearer(mustJWT(t, token.New(token.Management, devKey, devSecret).SetNotBefore(time.Now().Add(time.Hour)))), "", 401, "TOKEN_NOT_YET_VALID", "keyward.management"},
		{"Lifetime", "GET", "/mgmt", bearer(mustJWT(t, token.New(token.Management, devKey, devSecret).SetTTL(72*time.Hour))), "", 401, "TOKEN_LIFETIME", "keyward.management"},
		{"Stale", "POST", "/v3/sl/query", nil, `{"data":"` + mustJWT(t, token.New(token.Request, devKey, devSecret).SetMethod("POST").SetURL("/v3/sl/query").SetIssuedAt(time.Now().Add(-time.Hour))) + `"}`, 401, "TOKEN_STALE", "sl.encoding.query"},
		{"BindingURL", "POST", "/v3/sl/query", nil, `{"data":"` + requestToken(t, "/v3/sl/encoding") + `"}`, 401, "TOKEN_BINDING", "sl.encoding.query"},
		{"BindingQSHID", "POST", "/v3/sl/query", bearer(mustJWT(t, token.New(token.QSH, devKey, devSecret).SetAPIID("other.api").SetRequest("POST", "/v3/sl/query", ""))), "", 401, "TOKEN_BINDING", "sl.encoding.query"},
		{"Conflict", "POST", "/v3/sl/query", bearer(requestToken(t, "/v3/sl/query")), `{"data":"` + requestToken(t, "/v3/sl/query") + `x"}`, 401, "TOKEN_CONFLICT", "sl.encoding.query"},
		{"ConflictTwoHeaders", "GET", "/mgmt", nil, "", 401, "TOKEN_CONFLICT", "keyward.management"},
		{"ProfileRefused", "GET", "/mgmt", bearer(requestToken(t, "/mgmt")), "", 403, "TOKEN_PROFILE", "keyward.management"},
		{"GroupNotGranted", "GET", "/rooms", bearer(mgmtToken(t, devKey, devSecret)), "", 403, "GROUP_NOT_GRANTED", "rooms.list"},
		{"AdminOnly", "GET", "/admin", bearer(mgmtToken(t, devKey, devSecret)), "", 403, "PERMISSION_DENIED", "keyward.admin"},
		{"AppRole", "GET", "/connect", bearer(mustJWT(t, token.New(token.App, devKey, devSecret).SetRoom("r1").SetUser("u1").SetRole("guest"))), "", 403, "PERMISSION_DENIED", "rooms.connect"},
		{"APIKeyPermission", "GET", "/connect", map[string]string{"Authorization": mustJWT(t, token.New(token.APIKey, devKey, devSecret).SetPermissions("allow_join"))}, "", 403, "PERMISSION_DENIED", "rooms.connect"},
		{"BareNonAPIKey", "GET", "/mgmt", map[string]string{"Authorization": mgmtToken(t, devKey, devSecret)}, "", 401, "TOKEN_MALFORMED", "keyward.management"},
		{"BodyNotJSON", "POST", "/v3/sl/query", nil, `data=abc`, 400, "BAD_REQUEST", "sl.encoding.query"},
		{"BodyArray", "POST", "/v3/sl/query", nil, `["x"]`, 400, "BAD_REQUEST", "sl.encoding.query"},
		{"BodyTrailing", "POST", "/v3/sl/query", nil, `{"data":"x"} {}`, 400, "BAD_REQUEST", "sl.encoding.query"},
		{"BodyDataTwice", "POST", "/v3/sl/query", nil, `{"data":"a","data":"b"}`, 400, "BAD_REQUEST", "sl.encoding.query"},
		{"DataNotString", "POST", "/v3/sl/query", nil, `{"data":42}`, 401, "TOKEN_MALFORMED", "sl.encoding.query"},
		{"DataObject", "POST", "/v3/sl/query", nil, `{"data":{"t":"x"}}`, 401, "TOKEN_MALFORMED", "sl.encoding.query"},
		{"FormBody", "POST", "/v3/sl/query", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, `data=abc`, 415, "UNSUPPORTED_MEDIA_TYPE", "sl.encoding.query"},
		{"MultipartBody", "POST", "/v3/sl/query", map[string]string{"Content-Type": "multipart/form-data; boundary=x"}, `--x--`, 415, "UNSUPPORTED_MEDIA_TYPE", "sl.encoding.query"},
		{"BodyTooLarge", "POST", "/v3/sl/query", nil, `{"data":"` + strings.Repeat("a", 2<<20) + `"}`, 413, "BODY_TOO_LARGE", "sl.encoding.query"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var r *reply
			if tt.name == "ConflictTwoHeaders" {
				req, _ := http.NewRequest("GET", b.srv.URL+"/mgmt", nil)
				req.Header.Add("Authorization", "Bearer "+mgmtToken(t, devKey, devSecret))
				req.Header.Add("Authorization", "Bearer "+mgmtToken(t, devKey, devSecret))
				res, err := b.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				raw, _ := io.ReadAll(res.Body)
				r = &reply{status: res.StatusCode, header: res.Header, raw: string(raw)}
				if err := json.Unmarshal(raw, r); err != nil {
					t.Fatal(err)
				}
			} else {
				r = b.do(t, tt.method, tt.path, tt.header, tt.body)
			}
			r.check(t, tt.method+" "+tt.path+" ("+tt.name+")", tt.status, tt.code, tt.id)
			if r.Params.MsgID != nil && tt.status == 401 {
				t.Fatalf("%s: msgid %q echoed from an unverified token", tt.name, *r.Params.MsgID)
			}
		})
	}
}

func TestAccepts(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})

	t.Run("RequestBodyToken", func(t *testing.T) {
		t.Parallel()
		r := b.do(t, "POST", "/v3/sl/query", nil, `{"data":"`+requestToken(t, "/v3/sl/query")+`"}`)
		r.check(t, "request token in body", 200, "", "sl.encoding.query")
		if r.Key != devKey || string(r.Arg) != `{"src":"https://example.com/a.mp3"}` {
			t.Fatalf("identity key=%q arg=%s, want %q and the token's arg", r.Key, r.Arg, devKey)
		}
		if !strings.Contains(r.Body, `"data"`) {
			t.Fatalf("handler body = %q, want the original body restored", r.Body)
		}
	})
	t.Run("RequestSameTokenHeaderAndBody", func(t *testing.T) {
		t.Parallel()
		tok := requestToken(t, "/v3/sl/query")
		b.do(t, "POST", "/v3/sl/query", bearer(tok), `{"data":"`+tok+`"}`).check(t, "same token twice", 200, "", "sl.encoding.query")
	})
	t.Run("QSHEchoesMsgID", func(t *testing.T) {
		t.Parallel()
		tok := mustJWT(t, token.New(token.QSH, devKey, devSecret).SetAPIID("sl.encoding.query").SetRequest("POST", "/v3/sl/query", "a=1").SetParams("did-1", "msg-42"))
		r := b.do(t, "POST", "/v3/sl/query?a=1", bearer(tok), "")
		r.check(t, "qsh token", 200, "", "sl.encoding.query")
		if r.Params.MsgID == nil || *r.Params.MsgID != "msg-42" {
			t.Fatalf("params.msgid = %v, want msg-42", r.Params.MsgID)
		}
	})
	t.Run("AdminPassesGroups", func(t *testing.T) {
		t.Parallel()
		b.do(t, "GET", "/rooms", bearer(mgmtToken(t, adminKey, adminSecret)), "").check(t, "admin on rooms", 200, "", "rooms.list")
		b.do(t, "GET", "/admin", bearer(mgmtToken(t, adminKey, adminSecret)), "").check(t, "admin on admin", 200, "", "keyward.admin")
	})
	t.Run("ManagementReusable", func(t *testing.T) {
		t.Parallel()
		tok := mgmtToken(t, devKey, devSecret)
		for i := range 3 {
			b.do(t, "GET", "/mgmt", bearer(tok), "").check(t, fmt.Sprintf("management #%d", i), 200, "", "keyward.management")
		}
	})
	t.Run("APIKeyBare", func(t *testing.T) {
		t.Parallel()
		tok := mustJWT(t, token.New(token.APIKey, devKey, devSecret).SetPermissions("allow_join", "allow_mod"))
		b.do(t, "GET", "/connect", map[string]string{"Authorization": tok}, "").check(t, "bare apikey", 200, "", "rooms.connect")
	})
	t.Run("AppIdentity", func(t *testing.T) {
		t.Parallel()
		tok := mustJWT(t, token.New(token.App, devKey, devSecret).SetRoom("room-9").SetUser("user-5").SetRole("host"))
		b.do(t, "GET", "/connect", bearer(tok), "").check(t, "app token", 200, "", "rooms.connect")
	})
	t.Run("QueryRouteServesRepeat", func(t *testing.T) {
		t.Parallel()
		tok := requestToken(t, "/v3/sl/query")
		for i := range 2 {
			b.do(t, "POST", "/v3/sl/query", nil, `{"data":"`+tok+`"}`).check(t, fmt.Sprintf("read route use #%d", i), 200, "", "sl.encoding.query")
		}
	})
}

func TestIdentityCopied(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	tok := mustJWT(t, token.New(token.App, devKey, devSecret).SetRoom("room-9").SetUser("user-5").SetRole("host").SetJWTID("jti-1"))
	b.do(t, "GET", "/connect", bearer(tok), "").check(t, "app token", 200, "", "rooms.connect")
	id := <-b.seen
	// Reuse the pooled claims with other tokens, then read the identity.
	for range 5 {
		b.do(t, "GET", "/mgmt", bearer(mgmtToken(t, devKey, devSecret)), "")
	}
	if id.Key != devKey || id.CredentialID != 7 || id.AccountID != 3 || id.OwnerRole != auth.RoleDeveloper ||
		id.Profile != token.App || id.RoomID != "room-9" || id.UserID != "user-5" || id.Role != "host" || id.JTI != "jti-1" {
		t.Fatalf("identity = %+v", id)
	}
}

func TestReplay(t *testing.T) {
	t.Parallel()
	t.Run("OneNode", func(t *testing.T) {
		t.Parallel()
		b := setup(t, setupOpts{})
		tok := requestToken(t, "/v3/sl/encoding")
		b.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+tok+`"}`).check(t, "first use", 200, "", "sl.encoding.start")
		b.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+tok+`"}`).check(t, "second use", 401, "TOKEN_REPLAYED", "sl.encoding.start")
		b.do(t, "POST", "/v3/sl/encoding", bearer(tok), "").check(t, "third use, in the header", 401, "TOKEN_REPLAYED", "sl.encoding.start")
	})
	t.Run("TwoNodesSharingRedis", func(t *testing.T) {
		t.Parallel()
		addr, prefix := testenv.Redis(t)
		newStore := func() replay.Store {
			c := goredis.NewClient(&goredis.Options{Addr: addr})
			t.Cleanup(func() { c.Close() })
			s, err := replay.NewRedis(replay.RedisConfig{Client: c, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		src := authtest.NewSource(keys()...)
		n1 := setup(t, setupOpts{replay: newStore(), src: src})
		n2 := setup(t, setupOpts{replay: newStore(), src: src})
		tok := requestToken(t, "/v3/sl/encoding")
		n1.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+tok+`"}`).check(t, "node 1, first use", 200, "", "sl.encoding.start")
		n2.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+tok+`"}`).check(t, "node 2, replay", 401, "TOKEN_REPLAYED", "sl.encoding.start")
		n1.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+tok+`"}`).check(t, "node 1, replay", 401, "TOKEN_REPLAYED", "sl.encoding.start")

		// A jti revoked on node 1 is refused on node 2.
		mt := mgmtToken(t, devKey, devSecret)
		n2.do(t, "GET", "/mgmt", bearer(mt), "").check(t, "node 2 before revoke", 200, "", "keyward.management")
		var c token.Claims
		if err := token.ParseString(&c, mt); err != nil {
			t.Fatal(err)
		}
		if err := n1.a.RevokeToken(context.Background(), devKey, c.JWTID(), c.Expires()); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		n2.do(t, "GET", "/mgmt", bearer(mt), "").check(t, "node 2 after revoke", 401, "TOKEN_REVOKED", "keyward.management")
	})
	t.Run("RedisDownFailsClosed", func(t *testing.T) {
		t.Parallel()
		c := goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
		t.Cleanup(func() { c.Close() })
		s, err := replay.NewRedis(replay.RedisConfig{Client: c})
		if err != nil {
			t.Fatal(err)
		}
		b := setup(t, setupOpts{replay: s})
		b.do(t, "POST", "/v3/sl/encoding", nil, `{"data":"`+requestToken(t, "/v3/sl/encoding")+`"}`).check(t, "single-use, Redis down", 503, "UNAVAILABLE", "sl.encoding.start")
	})
}

func TestRevocationPropagates(t *testing.T) {
	t.Parallel()
	src := authtest.NewSource(keys()...)
	n1 := setup(t, setupOpts{src: src})
	n2 := setup(t, setupOpts{src: src})
	tok := mgmtToken(t, devKey, devSecret)
	for _, n := range []*testBundle{n1, n2} {
		n.do(t, "GET", "/mgmt", bearer(tok), "").check(t, "before revocation", 200, "", "keyward.management")
	}
	src.Revoke(devKey)
	for i, n := range []*testBundle{n1, n2} {
		deadline := time.Now().Add(5 * time.Second)
		for {
			r := n.do(t, "GET", "/mgmt", bearer(tok), "")
			if r.status == 401 {
				r.check(t, fmt.Sprintf("node %d after revocation", i+1), 401, "TOKEN_REVOKED", "keyward.management")
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d still accepts a revoked credential after 5 s", i+1)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func TestStoreDown(t *testing.T) {
	t.Parallel()
	src := authtest.NewSource(keys()...)
	b := setup(t, setupOpts{src: src})
	src.SetErr(errors.New("connection refused: secret dsn postgres://u:p@h/db"))
	r := b.do(t, "GET", "/mgmt", bearer(mgmtToken(t, devKey, devSecret)), "")
	r.check(t, "store down", 503, "UNAVAILABLE", "keyward.management")
	if strings.Contains(r.raw, "postgres") {
		t.Fatalf("reply echoes the store's error: %s", r.raw)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{limiter: ratelimit.NewMemory(ratelimit.MemoryConfig{}), limit: ratelimit.Limit{Rate: 0.01, Burst: 2}})
	tok := mgmtToken(t, devKey, devSecret)
	for i := range 2 {
		b.do(t, "GET", "/mgmt", bearer(tok), "").check(t, fmt.Sprintf("within burst #%d", i), 200, "", "keyward.management")
	}
	r := b.do(t, "GET", "/mgmt", bearer(tok), "")
	r.check(t, "over the limit", 429, "RATE_LIMITED", "keyward.management")
	if ra := r.header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After = %q, want a positive number of seconds", ra)
	}
	// Another credential has its own bucket.
	b.do(t, "GET", "/mgmt", bearer(mgmtToken(t, adminKey, adminSecret)), "").check(t, "other credential", 200, "", "keyward.management")
}

func TestKeyCacheNegativeAndHits(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	tok := mgmtToken(t, devKey, devSecret)
	for range 20 {
		b.do(t, "GET", "/mgmt", bearer(tok), "")
	}
	unknown := mgmtToken(t, "unknown-key1", devSecret)
	for range 20 {
		b.do(t, "GET", "/mgmt", bearer(unknown), "")
	}
	if n := b.src.Lookups.Load(); n > 4 {
		t.Fatalf("store lookups = %d for 20 known and 20 unknown requests, want the cache to answer", n)
	}
}

func TestUsage(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []auth.UsageRow
	u, err := auth.NewUsage(auth.UsageConfig{Interval: time.Hour, FlushFunc: func(ctx context.Context, rows []auth.UsageRow) error {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, rows...)
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	minute := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := range 5 {
		u.Record(7, "r", 200, true, minute.Add(time.Duration(i)*time.Second))
	}
	u.Record(7, "r", 401, false, minute)
	u.Record(7, "r", 200, true, minute.Add(time.Minute))
	if err := u.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	counts := map[string]int64{}
	for _, r := range got {
		counts[fmt.Sprintf("%d %s %d %s", r.CredentialID, r.Route, r.Status, r.Minute.Format("15:04"))] = r.Count
	}
	want := map[string]int64{"7 r 200 10:00": 5, "7 r 401 10:00": 1, "7 r 200 10:01": 1}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Fatalf("usage rows = %v, want %v", counts, want)
	}
}

// TestUsageLastUsed records many requests of a few credentials: each flush
// makes one LastUsedFunc call, with each credential's newest accepted
// request, not one write per request.
func TestUsageLastUsed(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls [][]auth.LastUse
	fail := true
	u, err := auth.NewUsage(auth.UsageConfig{
		Interval:  time.Hour,
		FlushFunc: func(ctx context.Context, rows []auth.UsageRow) error { return nil },
		LastUsedFunc: func(ctx context.Context, uses []auth.LastUse) error {
			mu.Lock()
			defer mu.Unlock()
			if fail {
				fail = false
				return errors.New("store down")
			}
			calls = append(calls, uses)
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	const n = 1000
	for i := range n {
		u.Record(int64(1+i%3), "r", 200, true, t0.Add(time.Duration(i)*time.Millisecond))
	}
	u.Record(1, "r", 403, false, t0.Add(time.Hour)) // proven, refused: not a use
	u.Record(2, "r", 200, true, t0)                 // older than what is held
	if err := u.Flush(context.Background()); err == nil {
		t.Fatal("Flush with a failing LastUsedFunc = nil, want the error")
	}
	u.Record(3, "r", 200, true, t0.Add(-time.Hour)) // older than the kept one
	if err := u.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(calls) != 1 {
		t.Fatalf("LastUsedFunc succeeded %d times for %d requests, want once", len(calls), n)
	}
	got := map[int64]time.Time{}
	for _, use := range calls[0] {
		got[use.CredentialID] = use.At
	}
	want := map[int64]time.Time{1: t0.Add(999 * time.Millisecond), 2: t0.Add(997 * time.Millisecond), 3: t0.Add(998 * time.Millisecond)}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("last uses = %v, want %v (newest accepted request each, kept across a failed flush)", got, want)
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t, setupOpts{})
	b.do(t, "GET", "/mgmt", nil, "")
	b.do(t, "GET", "/mgmt", bearer(mgmtToken(t, devKey, devSecret)), "")
	mfs, err := b.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		fmt.Fprintln(&buf, mf.String())
	}
	for _, want := range []string{"keyward_http_requests_total", `value:"TOKEN_MISSING"`, "keyward_http_request_duration_seconds", `value:"200"`, `value:"401"`} {
		if !strings.Contains(buf.String(), want) {
			t.Fatalf("metrics lack %q:\n%s", want, buf.String())
		}
	}
}

func TestRouteValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		r    auth.Route
		ok   bool
	}{
		{"ok", auth.Route{APIID: "a", Profiles: token.AllProfiles}, true},
		{"no id", auth.Route{Profiles: token.AllProfiles}, false},
		{"no profiles", auth.Route{APIID: "a"}, false},
		{"bad permission", auth.Route{APIID: "a", Profiles: token.AllProfiles, Permission: "root"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := tt.r.Validate(); (err == nil) != tt.ok {
				t.Fatalf("Route%+v.Validate() = %v, want ok=%v", tt.r, err, tt.ok)
			}
		})
	}
}
