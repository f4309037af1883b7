package credential_test

import (
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/internal/credential"
)

func TestValidate(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 2001)
	tests := []struct {
		name     string
		v        interface{ Validate() error }
		wantCode string
	}{
		{"account ok", &credential.Account{Email: "a@example.com", Role: credential.RoleDeveloper}, ""},
		{"account bad email", &credential.Account{Email: "a@", Role: credential.RoleDeveloper}, credential.EINVALID},
		{"account display name email", &credential.Account{Email: "A <a@example.com>", Role: credential.RoleDeveloper}, credential.EINVALID},
		{"account bad role", &credential.Account{Email: "a@example.com", Role: "root"}, credential.EINVALID},
		{"group ok", &credential.Group{Name: "encoding", APIIDs: []string{"sl.encoding.start"}}, ""},
		{"group upper case", &credential.Group{Name: "Encoding"}, credential.EINVALID},
		{"group empty name", &credential.Group{Name: ""}, credential.EINVALID},
		{"group duplicate api id", &credential.Group{Name: "g", APIIDs: []string{"a", "a"}}, credential.EINVALID},
		{"group bad api id", &credential.Group{Name: "g", APIIDs: []string{"has space"}}, credential.EINVALID},
		{"request ok", &credential.CreateAccessRequestParams{Groups: []string{"encoding"}}, ""},
		{"request no groups", &credential.CreateAccessRequestParams{}, credential.EINVALID},
		{"request duplicate group", &credential.CreateAccessRequestParams{Groups: []string{"a", "a"}}, credential.EINVALID},
		{"request long reason", &credential.CreateAccessRequestParams{Groups: []string{"a"}, Reason: long}, credential.EINVALID},
		{"decide approve", &credential.DecideAccessRequestParams{Decision: credential.RequestApproved}, ""},
		{"decide reject", &credential.DecideAccessRequestParams{Decision: credential.RequestRejected}, ""},
		{"decide pending", &credential.DecideAccessRequestParams{Decision: credential.RequestPending}, credential.EINVALID},
		{"decide withdrawn", &credential.DecideAccessRequestParams{Decision: credential.RequestWithdrawn}, credential.EINVALID},
		{"credential ok", &credential.CreateCredentialParams{Name: "app", Groups: []string{"encoding"}}, ""},
		{"credential no name", &credential.CreateCredentialParams{Groups: []string{"encoding"}}, credential.EINVALID},
		{"credential no groups is a management-only credential", &credential.CreateCredentialParams{Name: "app"}, ""},
		{"credential long notes", &credential.CreateCredentialParams{Name: "app", Notes: long, Groups: []string{"a"}}, credential.EINVALID},
		{"credential value ok", &credential.Credential{Name: "app", Groups: []string{"a"}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := credential.ErrorCode(tt.v.Validate()); got != tt.wantCode {
				t.Errorf("%T.Validate() code = %q, want %q", tt.v, got, tt.wantCode)
			}
		})
	}
}

func TestValidateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key string
		ok  bool
	}{
		{"8f00bc9585904d95e51cc4a1", true},
		{"8F00BC9585904D95E51CC4A1", false},
		{"8f00bc9585904d95e51cc4a", false},
		{"8f00bc9585904d95e51cc4a1a", false},
		{"", false},
		{"8f00bc9585904d95e51cc4g1", false},
	}
	for _, tt := range tests {
		if err := credential.ValidateKey(tt.key); (err == nil) != tt.ok {
			t.Errorf("ValidateKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
		}
	}
}

func TestSecretInfoActive(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		si   credential.SecretInfo
		want bool
	}{
		{"no expiry", credential.SecretInfo{}, true},
		{"expires later", credential.SecretInfo{ExpiresAt: now.Add(time.Second)}, true},
		{"expires now", credential.SecretInfo{ExpiresAt: now}, false},
		{"expired", credential.SecretInfo{ExpiresAt: now.Add(-time.Second)}, false},
		{"retired", credential.SecretInfo{RetiredAt: now.Add(-time.Hour)}, false},
	}
	for _, tt := range tests {
		if got := tt.si.Active(now); got != tt.want {
			t.Errorf("%s: Active = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestSecretStringRedacts(t *testing.T) {
	t.Parallel()
	s := &credential.Secret{Key: "k", KID: "kid", Value: "0123456789abcdef"}
	if got := s.String(); strings.Contains(got, s.Value) {
		t.Errorf("Secret.String() = %q, shows the secret", got)
	}
}

func TestActorContext(t *testing.T) {
	t.Parallel()
	if a := credential.ActorFromContext(context.Background()); a != nil {
		t.Errorf("ActorFromContext(empty) = %+v, want nil", a)
	}
	want := &credential.Actor{AccountID: 3, RemoteAddr: "192.0.2.1"}
	if got := credential.ActorFromContext(credential.NewContextWithActor(context.Background(), want)); got != want {
		t.Errorf("ActorFromContext = %+v, want %+v", got, want)
	}
	if !credential.SystemActor().System {
		t.Errorf("SystemActor().System = false")
	}
}

func TestPageLimit(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want int }{{0, credential.DefaultLimit}, {-1, credential.DefaultLimit}, {10, 10}, {100000, credential.MaxLimit}}
	for _, tt := range tests {
		if got := (credential.Page{Limit: tt.in}).PageLimit(); got != tt.want {
			t.Errorf("Page{Limit: %d}.PageLimit() = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestValidateText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in          string
		line, lines bool // accepted as one line, as several lines
	}{
		{"", true, true},
		{"Ann Lee", true, true},
		{"Zoë — 東京 🎵", true, true},
		{"\ufffd", true, true}, // a well-formed U+FFFD is text
		{"\u2028", true, true}, // a line separator is not a control character
		{"a\tb", false, true},
		{"a\nb", false, true},
		{"a\r\nb", false, true},
		{"a\x00b", false, false},
		{"\x00", false, false},
		{"a\x01", false, false},
		{"a\x1b[31m", false, false},
		{"a\x0b", false, false},
		{"a\x7f", false, false},
		{"a\u0085b", false, false},
		{"a\u009f", false, false},
		{"a\xffb", false, false},
		{"a\xc3", false, false},
		{"\xed\xa0\x80", false, false}, // a surrogate in UTF-8
	}
	for _, tt := range tests {
		for _, c := range []struct {
			name string
			fn   func(string, string) error
			want bool
		}{{"ValidateLine", credential.ValidateLine, tt.line}, {"ValidateLines", credential.ValidateLines, tt.lines}} {
			err := c.fn("Field", tt.in)
			if (err == nil) != c.want {
				t.Errorf("%s(%q) = %v, want accepted %v", c.name, tt.in, err, c.want)
			}
			if err != nil && (credential.ErrorCode(err) != credential.EINVALID || !strings.HasPrefix(credential.ErrorMessage(err), "Field ")) {
				t.Errorf("%s(%q) = %v, want EINVALID naming the field", c.name, tt.in, err)
			}
		}
	}
	if err := credential.ValidateLine("Credential name", "ab\x00"); credential.ErrorMessage(err) !=
		"Credential name contains a control character (U+0000 at character 3); only printable text is accepted." {
		t.Errorf("message = %q", credential.ErrorMessage(err))
	}
}

func FuzzValidateText(f *testing.F) {
	for _, s := range []string{"", "a", "a\x00", "\xff", "é\u0085", "a\tb\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		line, lines := credential.ValidateLine("f", s), credential.ValidateLines("f", s)
		if line == nil && lines != nil {
			t.Fatalf("%q is one valid line but not valid lines: %v", s, lines)
		}
		if lines == nil && (!utf8.ValidString(s) || strings.ContainsAny(s, "\x00\x7f")) {
			t.Fatalf("%q accepted", s)
		}
	})
}
