package webhook_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/keyward/keyward/internal/webhook"
)

// The golden signature: computed with
//
//	printf '%s' '1700000000.{"id":"e1"}' | openssl dgst -sha256 -hmac whsec_test
const (
	goldenSecret = "whsec_test"
	goldenBody   = `{"id":"e1"}`
	goldenHeader = "t=1700000000,v1=6a85cb117c993612a34c72b4cfb5a16baed25a80d26e298ce0e6671320fd07c8"
)

var goldenTime = time.Unix(1700000000, 0)

func TestSign(t *testing.T) {
	t.Parallel()
	if got := webhook.Sign(goldenSecret, goldenTime, []byte(goldenBody)); got != goldenHeader {
		t.Fatalf("Sign = %q, want %q", got, goldenHeader)
	}
}

func TestVerify(t *testing.T) {
	t.Parallel()
	other := webhook.Sign("whsec_other", goldenTime, []byte(goldenBody))
	for _, c := range []struct {
		name, secret, header, body string
		now                        time.Time
		want                       error
	}{
		{"good", goldenSecret, goldenHeader, goldenBody, goldenTime, nil},
		{"good within tolerance", goldenSecret, goldenHeader, goldenBody, goldenTime.Add(4 * time.Minute), nil},
		{"second v1 matches", goldenSecret, other + "," + goldenHeader[strings.Index(goldenHeader, "v1="):], goldenBody, goldenTime, nil},
		{"unknown key ignored", goldenSecret, goldenHeader + ",v0=zz", goldenBody, goldenTime, nil},
		{"spaces", goldenSecret, strings.ReplaceAll(goldenHeader, ",", ", "), goldenBody, goldenTime, nil},
		{"wrong secret", "whsec_other", goldenHeader, goldenBody, goldenTime, webhook.ErrMismatch},
		{"body changed", goldenSecret, goldenHeader, `{"id":"e2"}`, goldenTime, webhook.ErrMismatch},
		{"body reformatted", goldenSecret, goldenHeader, `{"id": "e1"}`, goldenTime, webhook.ErrMismatch},
		{"time changed", goldenSecret, strings.Replace(goldenHeader, "t=1700000000", "t=1700000001", 1), goldenBody, goldenTime, webhook.ErrMismatch},
		{"stale", goldenSecret, goldenHeader, goldenBody, goldenTime.Add(6 * time.Minute), webhook.ErrStale},
		{"future", goldenSecret, goldenHeader, goldenBody, goldenTime.Add(-6 * time.Minute), webhook.ErrStale},
		{"empty", goldenSecret, "", goldenBody, goldenTime, webhook.ErrMalformed},
		{"no v1", goldenSecret, "t=1700000000", goldenBody, goldenTime, webhook.ErrMalformed},
		{"no t", goldenSecret, goldenHeader[strings.Index(goldenHeader, "v1="):], goldenBody, goldenTime, webhook.ErrMalformed},
		{"two t", goldenSecret, "t=1," + goldenHeader, goldenBody, goldenTime, webhook.ErrMalformed},
		{"t not a number", goldenSecret, strings.Replace(goldenHeader, "1700000000", "17e8", 1), goldenBody, goldenTime, webhook.ErrMalformed},
		{"t with a sign", goldenSecret, strings.Replace(goldenHeader, "1700000000", "+1700000000", 1), goldenBody, goldenTime, webhook.ErrMalformed},
		{"short v1", goldenSecret, goldenHeader[:len(goldenHeader)-2], goldenBody, goldenTime, webhook.ErrMalformed},
		{"v1 not hex", goldenSecret, goldenHeader[:len(goldenHeader)-2] + "zz", goldenBody, goldenTime, webhook.ErrMalformed},
		{"no equals", goldenSecret, goldenHeader + ",junk", goldenBody, goldenTime, webhook.ErrMalformed},
		{"huge", goldenSecret, goldenHeader + strings.Repeat(",x=y", 2000), goldenBody, goldenTime, webhook.ErrMalformed},
	} {
		err := webhook.Verify(c.secret, c.header, []byte(c.body), c.now, 0)
		if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: Verify(%q, %q, %q) = %v, want %v", c.name, c.secret, c.header, c.body, err, c.want)
		}
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	key := []byte("0123456789abcdef")
	a, b := webhook.Secret(key, "aaaaaaaaaaaaaaaaaaaaaaaa"), webhook.Secret(key, "bbbbbbbbbbbbbbbbbbbbbbbb")
	if !strings.HasPrefix(a, "whsec_") || len(a) != len("whsec_")+64 || a == b {
		t.Fatalf("Secret = %q and %q, want whsec_ + 64 hex, one per room", a, b)
	}
	if again := webhook.Secret(key, "aaaaaaaaaaaaaaaaaaaaaaaa"); again != a {
		t.Fatalf("Secret changed between calls: %q then %q", a, again)
	}
	if other := webhook.Secret([]byte("fedcba9876543210"), "aaaaaaaaaaaaaaaaaaaaaaaa"); other == a {
		t.Fatalf("Secret is the same under another key")
	}
}

// FuzzParseSignature feeds the header parser anything: it never panics,
// and whatever it accepts has a time and 32-byte MACs, and verifies only
// with the right secret.
func FuzzParseSignature(f *testing.F) {
	f.Add(goldenHeader)
	f.Add("t=1,v1=" + strings.Repeat("0", 64))
	f.Add("t=,v1=")
	f.Add(",,,")
	f.Add("v1=" + strings.Repeat("a", 64) + ",t=99,v1=" + strings.Repeat("b", 64))
	f.Fuzz(func(t *testing.T, header string) {
		sig, err := webhook.ParseSignature(header)
		if err != nil {
			if !errors.Is(err, webhook.ErrMalformed) {
				t.Fatalf("ParseSignature(%q) = %v, want ErrMalformed", header, err)
			}
			return
		}
		if sig.Timestamp == "" || len(sig.V1) == 0 {
			t.Fatalf("ParseSignature(%q) = %+v, want a time and a MAC", header, sig)
		}
		for _, v := range sig.V1 {
			if len(v) != 32 {
				t.Fatalf("ParseSignature(%q): MAC of %d bytes", header, len(v))
			}
		}
		good := webhook.Sign(goldenSecret, sig.Time(), []byte(goldenBody))
		if err := webhook.Verify(goldenSecret, good, []byte(goldenBody), sig.Time(), 0); err != nil {
			t.Fatalf("Verify(Sign) at %v = %v", sig.Time(), err)
		}
		if header != good && webhook.Verify(goldenSecret, header, []byte(goldenBody), sig.Time(), 0) == nil && !strings.Contains(strings.ToLower(header), good[strings.Index(good, "v1="):]) {
			t.Fatalf("Verify accepted %q, which carries no MAC of the body", header)
		}
	})
}

// A receiver checks the signature on the raw body before parsing it.
func ExampleVerify() {
	secret := "whsec_test" // GET /v1/rooms/{id}/webhook shows the room's
	body := []byte(`{"id":"e1"}`)
	header := "t=1700000000,v1=6a85cb117c993612a34c72b4cfb5a16baed25a80d26e298ce0e6671320fd07c8"
	now := time.Unix(1700000060, 0) // the receiver's clock: a minute later
	fmt.Println(webhook.Verify(secret, header, body, now, 0))
	fmt.Println(webhook.Verify(secret, header, []byte(`{"id":"e2"}`), now, 0))
	// Output:
	// <nil>
	// webhook: signature does not match
}
