package portal_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/portal"
)

func TestSignUpSignInSignOut(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	dev := b.newBrowser(t)
	dev.signUp("ada@example.com", "correct horse battery").has(t, "dashboard after sign-up", "ada@example.com", "Welcome to keyward")

	dev.get("/portal/signin") // refresh the CSRF token from a page with the sign-out form
	dev.post("/portal/signout", nil).must(t, "sign out", 200).has(t, "after sign-out", "You are signed out.")
	pg := dev.get("/portal/credentials").must(t, "credentials after sign-out", 200)
	if pg.url != "/portal/signin" {
		t.Fatalf("GET /portal/credentials signed out ended at %s, want /portal/signin", pg.url)
	}
	dev.signIn("ADA@example.com ", "correct horse battery").has(t, "dashboard after sign-in", "ada@example.com")
}

func TestSignUpRefusals(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	tests := []struct {
		name       string
		form       url.Values
		wantStatus int
		wantText   string
	}{
		{"ShortPassword", url.Values{"email": {"a@example.com"}, "password": {"short"}, "password2": {"short"}}, 400, "at least 10 characters"},
		{"PasswordsDiffer", url.Values{"email": {"a@example.com"}, "password": {"correct horse battery"}, "password2": {"correct horse batterx"}}, 400, "The two passwords differ."},
		{"BadEmail", url.Values{"email": {"not an email"}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, 400, "is not a valid address"},
		{"Taken", url.Values{"email": {b.adminEmail}, "password": {"correct horse battery"}, "password2": {"correct horse battery"}}, 409, "already exists"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			br := b.newBrowser(t)
			br.get("/portal/signup")
			br.post("/portal/signup", tt.form).must(t, "POST /portal/signup "+tt.name, tt.wantStatus).
				has(t, "sign-up refusal", tt.wantText, `value="`+tt.form.Get("email")+`"`).
				lacks(t, "sign-up refusal", tt.form.Get("password"))
		})
	}
}

func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{SignIn: portal.ThrottleConfig{MaxFailures: 3, Lockout: time.Minute}})

	t.Run("PerAccount", func(t *testing.T) {
		t.Parallel()
		br := b.newBrowser(t)
		br.get("/portal/signin")
		for i := range 3 {
			br.post("/portal/signin", url.Values{"email": {b.adminEmail}, "password": {"wrong password " + string(rune('a'+i))}}).
				must(t, "wrong password", http.StatusUnauthorized).has(t, "wrong password", "Wrong email or password.")
		}
		pg := br.post("/portal/signin", url.Values{"email": {b.adminEmail}, "password": {b.adminPassword}}).
			must(t, "right password while locked out", http.StatusTooManyRequests).has(t, "throttled", "Too many failed sign-ins")
		if pg.header.Get("Retry-After") == "" {
			t.Errorf("throttled sign-in has no Retry-After")
		}
		// Another browser (same address, another account) is not locked.
		other := b.newBrowser(t)
		other.get("/portal/signin")
		other.post("/portal/signin", url.Values{"email": {"nobody@example.com"}, "password": {"wrong password"}}).
			must(t, "other account", http.StatusUnauthorized)
	})
}

func TestSignInThrottledPerAddress(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{SignIn: portal.ThrottleConfig{MaxFailures: 2}}) // 8 per address
	br := b.newBrowser(t)
	br.get("/portal/signin")
	for i := range 8 {
		br.post("/portal/signin", url.Values{"email": {"user" + string(rune('a'+i)) + "@example.com"}, "password": {"wrong password"}}).
			must(t, "wrong password", http.StatusUnauthorized)
	}
	br.post("/portal/signin", url.Values{"email": {b.adminEmail}, "password": {b.adminPassword}}).
		must(t, "right password from a throttled address", http.StatusTooManyRequests)
}

func TestSessionRenewedAtSignIn(t *testing.T) {
	t.Parallel()
	b := setup(t, portal.Config{})
	br := b.newBrowser(t)
	br.get("/portal/signin")
	u, _ := url.Parse(b.server.URL)
	before := sessionCookie(br.c.Jar.Cookies(u))
	if before == "" {
		t.Fatalf("the sign-in page set no session cookie")
	}
	br.signIn(b.adminEmail, b.adminPassword)
	after := sessionCookie(br.c.Jar.Cookies(u))
	if after == "" || after == before {
		t.Fatalf("session token after sign-in = %q, want a new one (before: %q)", after, before)
	}
	// The pre-sign-in token is worth nothing now.
	old := b.newBrowser(t)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "keyward_portal", Value: before}})
	if pg := old.get("/portal/credentials"); pg.url != "/portal/signin" {
		t.Fatalf("the old session token opened %s, want the sign-in page", pg.url)
	}
}

func sessionCookie(cs []*http.Cookie) string {
	for _, c := range cs {
		if strings.HasSuffix(c.Name, "keyward_portal") {
			return c.Value
		}
	}
	return ""
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	for _, secure := range []bool{false, true} {
		b := setup(t, portal.Config{Secure: secure})
		resp, err := http.Get(b.server.URL + "/portal/signin")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		sc := resp.Header.Get("Set-Cookie")
		for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(sc, want) {
				t.Errorf("Secure=%v: Set-Cookie %q lacks %s", secure, sc, want)
			}
		}
		if got := strings.Contains(sc, "; Secure") && strings.HasPrefix(sc, "__Host-"); got != secure {
			t.Errorf("Secure=%v: Set-Cookie %q: Secure with __Host- prefix = %v", secure, sc, got)
		}
		if got := resp.Header.Get("Strict-Transport-Security") != ""; got != secure {
			t.Errorf("Secure=%v: HSTS sent = %v", secure, got)
		}
	}
}
