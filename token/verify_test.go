package token_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/token"
)

// now is the fixed clock of the golden tests: 2023-11-14T22:13:20Z.
const now = 1_700_000_000

var (
	goldenSecret = []byte("golden-secret-0123456789abcdefghij")
	otherSecret  = []byte("another-secret-0123456789abcdefghij")
)

// forge signs header and payload JSON exactly as given, so tests can make
// tokens that no well-behaved builder would.
func forge(header, payload string, secret []byte) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

const hdr = `{"alg":"HS256","typ":"JWT"}`

func mgmt(extra string) string {
	base := fmt.Sprintf(`"access_key":"AK1","type":"management","version":2,"jti":"j-1","iat":%d,"nbf":%d,"exp":%d`, now, now, now+3600)
	if extra == "" {
		return "{" + base + "}"
	}
	return "{" + base + "," + extra + "}"
}

func newVerifier(t testing.TB, cfg token.Config) *token.Verifier {
	t.Helper()
	if cfg.NowFunc == nil {
		cfg.NowFunc = func() time.Time { return time.Unix(now, 0) }
	}
	v, err := token.NewVerifier(cfg)
	if err != nil {
		t.Fatalf("NewVerifier: %v", err)
	}
	return v
}

func verify(t testing.TB, v *token.Verifier, raw string, accept token.Profiles, b *token.Binding, secrets ...*token.Secret) (*token.Claims, error) {
	t.Helper()
	c := new(token.Claims)
	if err := token.ParseString(c, raw); err != nil {
		return c, err
	}
	if secrets == nil {
		secrets = []*token.Secret{token.MustSecret("", goldenSecret)}
	}
	return c, v.Verify(c, secrets, accept, b)
}

var encodingPOST = &token.Binding{Method: "POST", Path: "/v3/sl/encoding"}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	qshAll := token.QueryStringHash("GET", "/v1/content", "b=2&a=1")
	tests := []struct {
		name    string
		header  string
		payload string
		binding *token.Binding
		want    token.Profile
	}{
		{"request seed", hdr, fmt.Sprintf(`{"iss":"my_app_id","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{"src":"https://example.com/song.mp3"}}`, now), encodingPOST, token.Request},
		{"request empty arg", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{}}`, now), encodingPOST, token.Request},
		{"request absolute url", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"https://api.example.com/v3/sl/encoding","arg":{}}`, now), encodingPOST, token.Request},
		{"request no typ", `{"alg":"HS256"}`, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{}}`, now), encodingPOST, token.Request},
		{"request iat within leeway ahead", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{}}`, now+59), encodingPOST, token.Request},
		{"request iat 299s old", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{}}`, now-299), encodingPOST, token.Request},
		{"qsh seconds", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"id":"api.content","qsh":"%s","version":"1.0","params":{"did":"d1","msgid":"m1"}}`, now, qshAll), &token.Binding{Method: "GET", Path: "/v1/content", RawQuery: "a=1&b=2", APIID: "api.content"}, token.QSH},
		{"qsh ms string", hdr, fmt.Sprintf(`{"iss":"k","iat":"%d000","id":"api.content","qsh":"%s"}`, now, qshAll), &token.Binding{Method: "GET", Path: "/v1/content", RawQuery: "a=1&b=2"}, token.QSH},
		{"management", hdr, mgmt(""), nil, token.Management},
		{"management typ lower", `{"typ":"jwt","alg":"HS256"}`, mgmt(""), nil, token.Management},
		{"management unknown claims ignored", hdr, mgmt(`"x":{"y":[1,2,{"z":null}]},"sub":"s"`), nil, token.Management},
		{"management float dates", hdr, fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d.5,"nbf":%d.25,"exp":%d.75}`, now, now, now+60), nil, token.Management},
		{"management exponent date", hdr, `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":1.7e9,"nbf":1.7e9,"exp":1.7000036e9}`, nil, token.Management},
		{"management java style iat 60s ago", hdr, fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now-60, now, now+86400), nil, token.Management},
		{"management exactly 24h + leeway", hdr, fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+86400+60), nil, token.Management},
		{"management expired within leeway", hdr, fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now-600, now-600, now-59), nil, token.Management},
		{"app", hdr, fmt.Sprintf(`{"access_key":"AK1","room_id":"r1","user_id":"u1","role":"host","type":"app","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+60), nil, token.App},
		{"apikey", hdr, fmt.Sprintf(`{"apikey":"K","iat":%d,"exp":%d,"jti":"x"}`, now, now+86400), nil, token.APIKey},
		{"apikey v2", hdr, fmt.Sprintf(`{"apikey":"K","permissions":["allow_join","allow_mod"],"version":2,"roomId":"r","participantId":"p","roles":["rtc","crawler"],"exp":%d}`, now+60), nil, token.APIKey},
		{"escaped key claim", hdr, fmt.Sprintf(`{"acce\u0073s_key":"AK1","type":"management","version":2,"jti":"j\n","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+60), nil, token.Management},
		{"unicode values", hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{"artist":"Björk 日本 \ud83c\udfb5"}}`, now), encodingPOST, token.Request},
		{"whitespace inside JSON", "{ \"alg\" : \"HS256\" }", fmt.Sprintf("{\n \"apikey\" : \"K\" ,\t\"exp\" : %d\r\n}", now+60), nil, token.APIKey},
	}
	v := newVerifier(t, token.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := forge(tt.header, tt.payload, goldenSecret)
			c, err := verify(t, v, raw, token.AllProfiles, tt.binding)
			if err != nil {
				t.Fatalf("Verify(%s) = %v, want nil", tt.payload, err)
			}
			if c.Profile() != tt.want {
				t.Errorf("Profile() = %s, want %s", c.Profile(), tt.want)
			}
		})
	}
}

func TestVerifyRejects(t *testing.T) {
	t.Parallel()
	req := func(iat int64, mtd, url, arg string) string {
		return fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":%q,"url":%q,"arg":%s}`, iat, mtd, url, arg)
	}
	validReq := req(now, "POST", "/v3/sl/encoding", "{}")
	qshOK := token.QueryStringHash("GET", "/v1/content", "a=1")
	qshBind := &token.Binding{Method: "GET", Path: "/v1/content", RawQuery: "a=1", APIID: "api.content"}
	deep := strings.Repeat(`{"a":`, token.MaxDepth) + "1" + strings.Repeat("}", token.MaxDepth)
	good := forge(hdr, mgmt(""), goldenSecret)
	parts := strings.Split(good, ".")

	type tc struct {
		name    string
		raw     string // used when set; else header+payload are forged
		header  string
		payload string
		accept  token.Profiles
		binding *token.Binding
		want    token.Code
	}
	tests := []tc{
		// algorithm and header
		{name: "alg none", header: `{"alg":"none","typ":"JWT"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg NONE", header: `{"alg":"NONE"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg none unsigned", raw: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + parts[1] + ".", want: token.CodeAlg},
		{name: "alg HS384 real signature", raw: forge384(`{"alg":"HS384","typ":"JWT"}`, mgmt("")), want: token.CodeAlg},
		{name: "escaped header and payload", header: `{"alg":"HS\u0032\u00356","kid":"\u006b"}`, payload: mgmt(""), want: token.CodeUnknownKey},
		{name: "alg HS384", header: `{"alg":"HS384","typ":"JWT"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg HS512", header: `{"alg":"HS512","typ":"JWT"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg RS256", header: `{"alg":"RS256","typ":"JWT"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg hs256 lower", header: `{"alg":"hs256"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg missing", header: `{"typ":"JWT"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "alg not a string", header: `{"alg":256}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "typ JWE", header: `{"alg":"HS256","typ":"JWE"}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "crit", header: `{"alg":"HS256","crit":["exp"],"exp":1}`, payload: mgmt(""), want: token.CodeAlg},
		{name: "kid not a string", header: `{"alg":"HS256","kid":7}`, payload: mgmt(""), want: token.CodeMalformed},
		{name: "unknown kid", header: `{"alg":"HS256","kid":"k9"}`, payload: mgmt(""), want: token.CodeUnknownKey},
		{name: "duplicate header alg", header: `{"alg":"HS256","alg":"none"}`, payload: mgmt(""), want: token.CodeMalformed},
		{name: "header not object", header: `["alg","HS256"]`, payload: mgmt(""), want: token.CodeMalformed},

		// structure
		{name: "empty", raw: "", want: token.CodeMissing},
		{name: "two segments", raw: parts[0] + "." + parts[1], want: token.CodeMalformed},
		{name: "four segments", raw: good + ".x", want: token.CodeMalformed},
		{name: "empty payload segment", raw: parts[0] + ".." + parts[2], want: token.CodeMalformed},
		{name: "padding", raw: parts[0] + "=." + parts[1] + "." + parts[2], want: token.CodeMalformed},
		{name: "signature padding", raw: good + "=", want: token.CodeMalformed},
		{name: "leading space", raw: " " + good, want: token.CodeMalformed},
		{name: "trailing newline", raw: good + "\n", want: token.CodeMalformed},
		{name: "newline inside", raw: parts[0] + ".\n" + parts[1] + "." + parts[2], want: token.CodeMalformed},
		{name: "standard base64 chars", raw: strings.NewReplacer("-", "+", "_", "/").Replace(good) + "+/", want: token.CodeMalformed},
		{name: "too large", header: hdr, payload: mgmt(`"pad":"` + strings.Repeat("x", token.MaxTokenSize) + `"`), want: token.CodeTooLarge},
		{name: "payload not object", header: hdr, payload: `"hello"`, want: token.CodeMalformed},
		{name: "payload array", header: hdr, payload: `[1,2]`, want: token.CodeMalformed},
		{name: "payload null", header: hdr, payload: `null`, want: token.CodeMalformed},
		{name: "payload not json", header: hdr, payload: `{access_key:1}`, want: token.CodeMalformed},
		{name: "trailing garbage", header: hdr, payload: mgmt("") + "x", want: token.CodeMalformed},
		{name: "trailing comma", header: hdr, payload: `{"apikey":"K",}`, want: token.CodeMalformed},
		{name: "duplicate claim", header: hdr, payload: mgmt(`"exp":99999999999`), want: token.CodeMalformed},
		{name: "duplicate escaped claim", header: hdr, payload: mgmt(`"e\u0078p":99999999999`), want: token.CodeMalformed},
		{name: "duplicate nested name", header: hdr, payload: req(now, "POST", "/v3/sl/encoding", `{"src":"a","src":"b"}`), binding: encodingPOST, want: token.CodeMalformed},
		{name: "deeply nested arg", header: hdr, payload: req(now, "POST", "/v3/sl/encoding", deep), binding: encodingPOST, want: token.CodeMalformed},
		{name: "invalid utf8", header: hdr, payload: "{\"apikey\":\"K\xff\",\"exp\":1800000000}", want: token.CodeMalformed},
		{name: "lone surrogate", header: hdr, payload: `{"apikey":"K\ud800","exp":1800000000}`, want: token.CodeMalformed},
		{name: "raw control char", header: hdr, payload: "{\"apikey\":\"K\x01\",\"exp\":1800000000}", want: token.CodeMalformed},
		{name: "bad number", header: hdr, payload: `{"apikey":"K","exp":01}`, want: token.CodeMalformed},

		// signature
		{name: "wrong secret", raw: forge(hdr, mgmt(""), otherSecret), want: token.CodeSignature},
		{name: "tampered header", raw: base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT","x":1}`)) + "." + parts[1] + "." + parts[2], want: token.CodeSignature},
		{name: "tampered payload", raw: parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(mgmt(`"x":1`))) + "." + parts[2], want: token.CodeSignature},
		{name: "tampered signature", raw: parts[0] + "." + parts[1] + "." + flipLast(parts[2]), want: token.CodeSignature},
		{name: "signature non-canonical bits", raw: parts[0] + "." + parts[1] + "." + parts[2][:42] + nextB64(parts[2][42]), want: token.CodeMalformed},
		{name: "short signature", raw: parts[0] + "." + parts[1] + "." + parts[2][:40], want: token.CodeMalformed},

		// dates
		{name: "missing exp", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":1700000000,"nbf":1700000000}`, want: token.CodeClaimMissing},
		{name: "missing nbf", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":1700000000,"exp":1700003600}`, want: token.CodeClaimMissing},
		{name: "missing iat", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","nbf":1700000000,"exp":1700003600}`, want: token.CodeClaimMissing},
		{name: "string exp", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":1700000000,"nbf":1700000000,"exp":"1700003600"}`, want: token.CodeClaimInvalid},
		{name: "string nbf", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":1700000000,"nbf":"1700000000","exp":1700003600}`, want: token.CodeClaimInvalid},
		{name: "string iat", header: hdr, payload: `{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":"1700000000","nbf":1700000000,"exp":1700003600}`, want: token.CodeClaimInvalid},
		{name: "null exp", header: hdr, payload: `{"apikey":"K","exp":null}`, want: token.CodeClaimInvalid},
		{name: "string exp on request", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{},"exp":"%d"}`, now, now+60), binding: encodingPOST, want: token.CodeClaimInvalid},
		{name: "huge exp", header: hdr, payload: `{"apikey":"K","exp":1e300}`, want: token.CodeClaimInvalid},
		{name: "expired", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now-7200, now-7200, now-60), want: token.CodeExpired},
		{name: "request expired exp", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{},"exp":%d}`, now-100, now-61), binding: encodingPOST, want: token.CodeExpired},
		{name: "not yet valid", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now+61, now+3600), want: token.CodeNotYetValid},
		{name: "iat in future", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now+120, now, now+3600), want: token.CodeNotYetValid},
		{name: "stale iat", header: hdr, payload: req(now-301, "POST", "/v3/sl/encoding", "{}"), binding: encodingPOST, want: token.CodeStale},
		{name: "future iat request", header: hdr, payload: req(now+61, "POST", "/v3/sl/encoding", "{}"), binding: encodingPOST, want: token.CodeStale},
		{name: "stale qsh ms", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":"%d000","id":"api.content","qsh":"%s"}`, now-400, qshOK), binding: qshBind, want: token.CodeStale},
		{name: "over-long lifetime", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","type":"management","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+86400+61), want: token.CodeLifetime},
		{name: "apikey without exp", header: hdr, payload: `{"apikey":"K"}`, want: token.CodeClaimMissing},

		// profile claims
		{name: "no key claim", header: hdr, payload: `{"sub":"x","exp":1800000000}`, want: token.CodeClaimMissing},
		{name: "wrong type", header: hdr, payload: mgmtWith(`"type":"admin"`), want: token.CodeClaimInvalid},
		{name: "type missing", header: hdr, payload: mgmtWithout("type"), want: token.CodeClaimMissing},
		{name: "wrong version", header: hdr, payload: mgmtWith(`"version":3`), want: token.CodeClaimInvalid},
		{name: "version as string", header: hdr, payload: mgmtWith(`"version":"2"`), want: token.CodeClaimInvalid},
		{name: "missing jti", header: hdr, payload: mgmtWithout("jti"), want: token.CodeClaimMissing},
		{name: "access_key not a string", header: hdr, payload: mgmtWith(`"access_key":5`), want: token.CodeClaimInvalid},
		{name: "empty access_key", header: hdr, payload: mgmtWith(`"access_key":""`), want: token.CodeClaimInvalid},
		{name: "app missing room", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","user_id":"u1","role":"host","type":"app","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+60), want: token.CodeClaimMissing},
		{name: "unknown permission", header: hdr, payload: fmt.Sprintf(`{"apikey":"K","permissions":["allow_join","root"],"exp":%d}`, now+60), want: token.CodeClaimInvalid},
		{name: "permissions not a list", header: hdr, payload: fmt.Sprintf(`{"apikey":"K","permissions":"allow_join","exp":%d}`, now+60), want: token.CodeClaimInvalid},
		{name: "unknown role", header: hdr, payload: fmt.Sprintf(`{"apikey":"K","version":2,"roles":["admin"],"exp":%d}`, now+60), want: token.CodeClaimInvalid},
		{name: "apikey room without version", header: hdr, payload: fmt.Sprintf(`{"apikey":"K","roomId":"r","exp":%d}`, now+60), want: token.CodeClaimMissing},
		{name: "request missing mtd", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"url":"/v3/sl/encoding","arg":{}}`, now), want: token.CodeClaimMissing},
		{name: "request missing arg", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding"}`, now), want: token.CodeClaimMissing},
		{name: "request arg not object", header: hdr, payload: req(now, "POST", "/v3/sl/encoding", `"src=x"`), want: token.CodeClaimInvalid},
		{name: "context-qsh", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"id":"api.content","qsh":"context-qsh"}`, now), binding: qshBind, want: token.CodeClaimInvalid},
		{name: "qsh iat bad string", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":"yesterday","id":"api.content","qsh":"%s"}`, qshOK), binding: qshBind, want: token.CodeClaimInvalid},

		// binding
		{name: "wrong mtd", header: hdr, payload: req(now, "GET", "/v3/sl/encoding", "{}"), binding: encodingPOST, want: token.CodeBinding},
		{name: "lowercase mtd", header: hdr, payload: req(now, "post", "/v3/sl/encoding", "{}"), binding: encodingPOST, want: token.CodeBinding},
		{name: "wrong url", header: hdr, payload: req(now, "POST", "/v3/sl/query", "{}"), binding: encodingPOST, want: token.CodeBinding},
		{name: "url with extra query", header: hdr, payload: req(now, "POST", "/v3/sl/encoding?x=1", "{}"), binding: encodingPOST, want: token.CodeBinding},
		{name: "wrong qsh", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"id":"api.content","qsh":"%s"}`, now, qshOK), binding: &token.Binding{Method: "GET", Path: "/v1/content", RawQuery: "a=2", APIID: "api.content"}, want: token.CodeBinding},
		{name: "wrong id", header: hdr, payload: fmt.Sprintf(`{"iss":"k","iat":%d,"id":"api.other","qsh":"%s"}`, now, qshOK), binding: qshBind, want: token.CodeBinding},

		// route profile set
		{name: "app token on management route", header: hdr, payload: fmt.Sprintf(`{"access_key":"AK1","room_id":"r1","user_id":"u1","role":"host","type":"app","version":2,"jti":"j","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+60), accept: token.ProfileSet(token.Management), want: token.CodeProfile},
		{name: "request token on apikey route", header: hdr, payload: validReq, accept: token.ProfileSet(token.APIKey), binding: encodingPOST, want: token.CodeProfile},
	}
	v := newVerifier(t, token.Config{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw := tt.raw
			if raw == "" && tt.header != "" {
				raw = forge(tt.header, tt.payload, goldenSecret)
			}
			accept := tt.accept
			if accept == 0 {
				accept = token.AllProfiles
			}
			_, err := verify(t, v, raw, accept, tt.binding)
			if got := token.CodeOf(err); got != tt.want {
				t.Fatalf("Verify(%q) error = %v (code %q), want code %q", tt.payload, err, got, tt.want)
			}
			var te *token.Error
			if !errors.As(err, &te) {
				t.Fatalf("error %T is not *token.Error", err)
			}
			if msg := err.Error(); strings.Contains(msg, string(goldenSecret)) || (len(raw) > 20 && strings.Contains(msg, raw[:20])) {
				t.Errorf("error message %q leaks the token or secret", msg)
			}
			if tt.want.Status() != 401 && tt.want.Status() != 403 {
				t.Errorf("Status() = %d", tt.want.Status())
			}
		})
	}
}

// forge384 signs with HMAC-SHA384, as jsonwebtoken does for HS384.
func forge384(header, payload string) string {
	enc := base64.RawURLEncoding
	input := enc.EncodeToString([]byte(header)) + "." + enc.EncodeToString([]byte(payload))
	m := hmac.New(sha512.New384, goldenSecret)
	m.Write([]byte(input))
	return input + "." + enc.EncodeToString(m.Sum(nil))
}

func mgmtWith(override string) string {
	name := override[1 : strings.Index(override[1:], `"`)+1]
	return mgmtWithout(name)[:len(mgmtWithout(name))-1] + "," + override + "}"
}

func mgmtWithout(name string) string {
	fields := map[string]string{
		"access_key": `"AK1"`, "type": `"management"`, "version": "2", "jti": `"j"`,
		"iat": fmt.Sprint(now), "nbf": fmt.Sprint(now), "exp": fmt.Sprint(now + 3600),
	}
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range []string{"access_key", "type", "version", "jti", "iat", "nbf", "exp"} {
		if k == name {
			continue
		}
		if b.Len() > 1 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%q:%s", k, fields[k])
	}
	b.WriteByte('}')
	return b.String()
}

func flipLast(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

// nextB64 returns a base64url digit that differs from c only in its two
// lowest bits, which the last digit of a 32-byte value must leave zero.
func nextB64(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

func TestVerifyKeyIDSelection(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, token.Config{})
	old := token.MustSecret("k1", otherSecret)
	cur := token.MustSecret("k2", goldenSecret)
	tests := []struct {
		name    string
		header  string
		secret  []byte
		secrets []*token.Secret
		want    token.Code
	}{
		{"kid picks new", `{"alg":"HS256","kid":"k2"}`, goldenSecret, []*token.Secret{old, cur}, ""},
		{"kid picks old", `{"alg":"HS256","kid":"k1"}`, otherSecret, []*token.Secret{old, cur}, ""},
		{"kid names the other secret", `{"alg":"HS256","kid":"k1"}`, goldenSecret, []*token.Secret{old, cur}, token.CodeSignature},
		{"no kid tries each", hdr, otherSecret, []*token.Secret{cur, old}, ""},
		{"no kid none match", hdr, []byte("nope-nope-nope-nope-nope-nope-nope"), []*token.Secret{cur, old}, token.CodeSignature},
		{"escaped alg and kid", `{"alg":"HS\u0032\u00356","kid":"k\u0032"}`, goldenSecret, []*token.Secret{old, cur}, ""},
		{"unknown kid", `{"alg":"HS256","kid":"k3"}`, goldenSecret, []*token.Secret{old, cur}, token.CodeUnknownKey},
		{"no secrets", hdr, goldenSecret, nil, token.CodeUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := new(token.Claims)
			if err := token.ParseString(c, forge(tt.header, mgmt(""), tt.secret)); err != nil {
				t.Fatal(err)
			}
			err := v.Verify(c, tt.secrets, token.AllProfiles, nil)
			if got := token.CodeOf(err); got != tt.want {
				t.Fatalf("Verify = %v, want code %q", err, tt.want)
			}
		})
	}
}

func TestVerifyConfig(t *testing.T) {
	t.Parallel()
	noExp := forge(hdr, `{"apikey":"K"}`, goldenSecret)
	if _, err := verify(t, newVerifier(t, token.Config{AllowAPIKeyWithoutExp: true}), noExp, token.AllProfiles, nil); err != nil {
		t.Errorf("AllowAPIKeyWithoutExp: Verify = %v, want nil", err)
	}
	expired := forge(hdr, fmt.Sprintf(`{"apikey":"K","exp":%d}`, now-30), goldenSecret)
	if _, err := verify(t, newVerifier(t, token.Config{Leeway: -1}), expired, token.AllProfiles, nil); token.CodeOf(err) != token.CodeExpired {
		t.Errorf("Leeway none: Verify = %v, want TOKEN_EXPIRED", err)
	}
	if _, err := verify(t, newVerifier(t, token.Config{}), expired, token.AllProfiles, nil); err != nil {
		t.Errorf("default leeway: Verify = %v, want nil", err)
	}
	long := forge(hdr, fmt.Sprintf(`{"apikey":"K","exp":%d}`, now+7*86400), goldenSecret)
	if _, err := verify(t, newVerifier(t, token.Config{APIKeyMaxLifetime: 24 * time.Hour}), long, token.AllProfiles, nil); token.CodeOf(err) != token.CodeLifetime {
		t.Errorf("APIKeyMaxLifetime: Verify = %v, want TOKEN_LIFETIME", err)
	}
	old := forge(hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{}}`, now-600), goldenSecret)
	if _, err := verify(t, newVerifier(t, token.Config{Window: 15 * time.Minute}), old, token.AllProfiles, encodingPOST); err != nil {
		t.Errorf("Window 15m: Verify = %v, want nil", err)
	}
	if _, err := token.NewVerifier(token.Config{Window: -time.Second}); err == nil {
		t.Error("NewVerifier(negative Window) = nil error")
	}
	var c token.Claims
	if err := new(token.Verifier).Verify(&c, nil, token.AllProfiles, nil); token.CodeOf(err) != token.CodeMalformed {
		t.Errorf("Verify before Parse = %v, want TOKEN_MALFORMED", err)
	}
}

func TestClaimsAccessors(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, token.Config{})
	raw := forge(`{"alg":"HS256","kid":"k2"}`, fmt.Sprintf(`{"iss":"sun","iat":"%d000","id":"api.content","qsh":"%s","version":"1.0","params":{"did":"dev-1","msgid":"m\u00e9"}}`, now, token.QueryStringHash("GET", "/c", "")), goldenSecret)
	c, err := verify(t, v, raw, token.AllProfiles, &token.Binding{Method: "GET", Path: "/c"}, token.MustSecret("k2", goldenSecret))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct{ name, got, want string }{
		{"Key", c.Key(), "sun"},
		{"KeyID", c.KeyID(), "k2"},
		{"APIID", c.APIID(), "api.content"},
		{"MsgID", c.MsgID(), "mé"},
		{"DID", c.DID(), "dev-1"},
		{"Params", string(c.Params()), `{"did":"dev-1","msgid":"m\u00e9"}`},
		{"IssuedAt", c.IssuedAt().UTC().Format(time.RFC3339), "2023-11-14T22:13:20Z"},
	}
	for _, ch := range checks {
		if ch.got != ch.want {
			t.Errorf("%s() = %q, want %q", ch.name, ch.got, ch.want)
		}
	}

	app := forge(hdr, fmt.Sprintf(`{"access_key":"AK","room_id":"r1","user_id":"u1","role":"guest","type":"app","version":2,"jti":"J","iat":%d,"nbf":%d,"exp":%d}`, now, now, now+60), goldenSecret)
	c, err = verify(t, v, app, token.AllProfiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.RoomID() != "r1" || c.UserID() != "u1" || c.Role() != "guest" || c.JWTID() != "J" || c.Type() != "app" || c.Expires().Unix() != now+60 || c.NotBefore().Unix() != now {
		t.Errorf("app accessors: room %q user %q role %q jti %q type %q exp %v nbf %v", c.RoomID(), c.UserID(), c.Role(), c.JWTID(), c.Type(), c.Expires(), c.NotBefore())
	}
	key := forge(hdr, fmt.Sprintf(`{"apikey":"K","exp":%d}`, now+60), goldenSecret)
	c, err = verify(t, v, key, token.AllProfiles, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.HasPermission("allow_join") || c.HasPermission("allow_mod") || fmt.Sprint(c.Permissions()) != "[allow_join]" {
		t.Errorf("apikey default permissions = %v", c.Permissions())
	}
	req := forge(hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{"src":"s","n":[1,2]}}`, now), goldenSecret)
	c, err = verify(t, v, req, token.AllProfiles, encodingPOST)
	if err != nil {
		t.Fatal(err)
	}
	if string(c.Arg()) != `{"src":"s","n":[1,2]}` || c.Method() != "POST" || c.URL() != "/v3/sl/encoding" {
		t.Errorf("request accessors: arg %s mtd %s url %s", c.Arg(), c.Method(), c.URL())
	}
}

// TestClaimsReuse parses good tokens on a Claims that a failed parse left
// behind, as a pooled Claims in a server is: no state may leak from one
// token to the next.
func TestClaimsReuse(t *testing.T) {
	t.Parallel()
	v := newVerifier(t, token.Config{})
	good := forge(hdr, mgmt(""), goldenSecret)
	bad := []string{
		forge(`{"alg":"none"}`, mgmt(""), goldenSecret),
		forge(`{"alg":"HS256","kid":"k","typ":"JWE"}`, mgmt(""), goldenSecret),
		forge(hdr, `{"access_key":"AK1","x":[`, goldenSecret),
		forge(hdr, `{"access_key":"AK1","access_key":"AK2"}`, goldenSecret),
		forge(`{"alg":"HS256","a":{"b":{"c":1}}`, mgmt(""), goldenSecret),
		"x.y",
		strings.Repeat("a", token.MaxTokenSize+1),
	}
	c := new(token.Claims)
	secrets := []*token.Secret{token.MustSecret("", goldenSecret)}
	for _, b := range bad {
		if err := token.ParseString(c, b); err == nil {
			t.Fatalf("ParseString(%.40q) = nil, want an error", b)
		}
		if err := token.ParseString(c, good); err != nil {
			t.Fatalf("after %.40q: ParseString(good) = %v", b, err)
		}
		if c.Key() != "AK1" || c.Profile() != token.Management {
			t.Fatalf("after %.40q: Key() = %q, Profile() = %s; want AK1, management", b, c.Key(), c.Profile())
		}
		if err := v.Verify(c, secrets, token.AllProfiles, nil); err != nil {
			t.Fatalf("after %.40q: Verify = %v", b, err)
		}
	}
}

func TestVerifyAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	sec := []*token.Secret{token.MustSecret("", goldenSecret)}
	v := newVerifier(t, token.Config{})
	for _, tt := range []struct {
		name string
		raw  string
		b    *token.Binding
	}{
		{"management", forge(hdr, mgmt(""), goldenSecret), nil},
		{"request", forge(hdr, fmt.Sprintf(`{"iss":"k","iat":%d,"mtd":"POST","url":"/v3/sl/encoding","arg":{"src":"https://example.com/a.mp3"}}`, now), goldenSecret), encodingPOST},
		{"apikey", forge(hdr, fmt.Sprintf(`{"apikey":"K","permissions":["allow_join"],"exp":%d}`, now+60), goldenSecret), nil},
	} {
		raw := []byte(tt.raw)
		c := new(token.Claims)
		allocs := testing.AllocsPerRun(200, func() {
			if err := token.Parse(c, raw); err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(c, sec, token.AllProfiles, tt.b); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Parse+Verify allocated %.1f times per run, want 0", tt.name, allocs)
		}
	}
}
