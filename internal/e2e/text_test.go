package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyward/keyward/internal/testenv"
	"github.com/keyward/keyward/token"
)

// textNode is a server on PostgreSQL, which refuses to store a NUL byte,
// with what the text-field tests need: the admin, a credential, a group and
// a pending access request to aim at.
type textNode struct {
	*node
	admin   creds
	app     creds
	credID  int64
	request int64
	seq     atomic.Int64
}

func newTextNode(t testing.TB) *textNode {
	t.Helper()
	n := &textNode{node: startNode(t, "", "--database", testenv.Postgres(t), "--fetch-allow", "127.0.0.1/32")}
	n.admin = n.adminCreds()
	r := n.call(n.admin, "POST", "/v1/credentials", map[string]any{"name": "target", "groups": []string{"encoding"}})
	if r.Status != 201 {
		t.Fatalf("create credential: %d %s", r.Status, r.Raw)
	}
	var c struct{ ID int64 }
	r.field("credential", &c)
	var s secretJSON
	r.field("secret", &s)
	n.credID, n.app = c.ID, creds{Key: s.Key, Secret: s.Secret}
	return n
}

// textCase is one request that carries the text under test in one field.
type textCase struct {
	field string
	send  func(n *textNode, s string) (status int, body string)
}

// textCases covers every text field a caller can set: through the
// management API, the Encoding API and the portal's forms.
var textCases = []textCase{
	{"credential name", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/credentials", map[string]any{"name": s, "groups": []string{"encoding"}})
	}},
	{"credential notes", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/credentials", map[string]any{"name": "n", "notes": s, "groups": []string{"encoding"}})
	}},
	{"credential name (update)", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "PATCH", fmt.Sprintf("/v1/credentials/%d", n.credID), map[string]any{"name": s})
	}},
	{"credential notes (update)", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "PATCH", fmt.Sprintf("/v1/credentials/%d", n.credID), map[string]any{"notes": s})
	}},
	{"group description", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/groups", map[string]any{"name": fmt.Sprintf("g%d", n.seq.Add(1)), "description": s})
	}},
	{"group description (update)", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "PATCH", "/v1/groups/encoding", map[string]any{"description": s})
	}},
	{"account name", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/accounts", map[string]any{"email": fmt.Sprintf("a%d@example.com", n.seq.Add(1)), "name": s, "role": "developer"})
	}},
	{"account email", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/accounts", map[string]any{"email": s, "name": "x", "role": "developer"})
	}},
	{"request reason", func(n *textNode, s string) (int, string) {
		return n.api3(n.admin, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": s})
	}},
	{"decision note", func(n *textNode, s string) (int, string) {
		status, body := n.api3(n.admin, "POST", "/v1/requests", map[string]any{"groups": []string{"encoding"}, "reason": "r"})
		var id int64
		if m := regexp.MustCompile(`"request":\{"id":(\d+)`).FindStringSubmatch(body); status == 201 && m != nil {
			fmt.Sscan(m[1], &id)
		}
		return n.api3(n.admin, "POST", fmt.Sprintf("/v1/requests/%d/reject", id), map[string]any{"note": s})
	}},
	{"artist", func(n *textNode, s string) (int, string) {
		tok, err := token.New(token.Request, n.app.Key, []byte(n.app.Secret)).SetMethod("POST").SetURL("/v3/sl/encoding").
			SetArg(map[string]string{"src": "http://127.0.0.1:9/song.wav", "artist": s}).ToJWT()
		if err != nil {
			panic(err)
		}
		r, err := n.do("POST", "/v3/sl/encoding", "", map[string]string{"data": tok})
		if err != nil {
			return 0, err.Error()
		}
		return r.Status, string(r.Raw)
	}},
	{"portal sign-up name", func(n *textNode, s string) (int, string) {
		return n.portalForm("/portal/signup", url.Values{"email": {fmt.Sprintf("p%d@example.com", n.seq.Add(1))}, "name": {s},
			"password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	}},
	{"portal sign-up email", func(n *textNode, s string) (int, string) {
		return n.portalForm("/portal/signup", url.Values{"email": {s}, "name": {"x"},
			"password": {"correct horse battery"}, "password2": {"correct horse battery"}})
	}},
	{"portal sign-in email", func(n *textNode, s string) (int, string) {
		return n.portalForm("/portal/signin", url.Values{"email": {s}, "password": {"wrong password"}})
	}},
}

// api3 makes a management call and returns its status and body; a
// transport error is status 0.
func (n *textNode) api3(c creds, method, path string, body any) (int, string) {
	r, err := n.callErr(c, method, path, body)
	if err != nil {
		return 0, err.Error()
	}
	return r.Status, string(r.Raw)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// portalForm opens path in a fresh browser-like session and submits form
// there the way the page's own form does (same origin, its CSRF token).
func (n *textNode) portalForm(path string, form url.Values) (int, string) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest("GET", n.URL+path, nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := csrfRE.FindSubmatch(page)
	if m == nil {
		return 0, "no CSRF token on " + path
	}
	form.Set("csrf", string(m[1]))
	req, _ = http.NewRequest("POST", n.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Origin", n.URL)
	res, err = c.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestControlCharactersRefused sends a NUL and other control characters in
// every text field to a server on PostgreSQL: each is refused with 400 and
// a message that names the field, never a 500. Tab and line breaks stay
// allowed where text may have several lines.
func TestControlCharactersRefused(t *testing.T) {
	t.Parallel()
	n := newTextNode(t)
	multiline := map[string]bool{"credential notes": true, "credential notes (update)": true, "group description": true,
		"group description (update)": true, "request reason": true, "decision note": true}
	for _, tc := range textCases {
		for _, bad := range []string{"a\x00b", "\x00", "a\x01", "a\x1b[31m", "a\x7f", "a\u0085b"} {
			status, body := tc.send(n, bad)
			if status != 400 {
				t.Errorf("%s %q: %d, want 400\n%s", tc.field, bad, status, body)
			}
		}
		// Invalid UTF-8: a form carries the bytes as they are and is
		// refused; JSON cannot carry them (encoders send U+FFFD instead).
		status, body := tc.send(n, "a\xffb")
		if (strings.HasPrefix(tc.field, "portal") && status != 400) || status >= 500 {
			t.Errorf("%s with invalid UTF-8: %d\n%s", tc.field, status, body)
		}
		status, body = tc.send(n, "line one\n\tline two\r\n")
		if multiline[tc.field] && status >= 300 {
			t.Errorf("%s with tab and line breaks: %d, want it accepted\n%s", tc.field, status, body)
		}
		if !multiline[tc.field] && status >= 500 {
			t.Errorf("%s with tab and line breaks: %d\n%s", tc.field, status, body)
		}
	}
	if status, body := textCases[0].send(n, "a\x00b"); !strings.Contains(body, "Credential name contains a control character (U+0000 at character 2)") {
		t.Errorf("credential name with a NUL: %d %s; want a message naming the field and the character", status, body)
	}
}

// FuzzTextFields drives arbitrary text through every text field of a
// server on PostgreSQL: whatever the text, the answer is never a 5xx, and
// text with a NUL is refused with 400.
func FuzzTextFields(f *testing.F) {
	for _, s := range []string{"plain", "", "a\x00b", "\x00", "é\u0085", "\x7f", "\xff\xfe", "tab\there", "line\nbreak", "\u2028", "\ufeff", "%00", "'; DROP TABLE credentials; --", strings.Repeat("x", 201)} {
		f.Add(s)
	}
	n := newTextNode(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, tc := range textCases {
			status, body := tc.send(n, s)
			if status == 0 || status >= 500 {
				t.Fatalf("%s %q: %d\n%s", tc.field, s, status, body)
			}
			if strings.ContainsRune(s, 0) && status != 400 {
				t.Errorf("%s %q with a NUL: %d, want 400\n%s", tc.field, s, status, body)
			}
		}
	})
}
