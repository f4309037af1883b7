package gateway

import (
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/token"
)

func TestHeaderCacheFollowsTheCredential(t *testing.T) {
	base := auth.Identity{Key: "k1", CredentialID: 7, AccountID: 3, OwnerRole: auth.RoleDeveloper, Groups: []string{"encoding", "rooms"}}
	want := func(id auth.Identity) [len(credentialHeaderNames)][]string {
		return [...][]string{{id.Key}, {"7"}, {strconv.FormatInt(id.AccountID, 10)}, {id.OwnerRole}, {strings.Join(id.Groups, ",")}}
	}
	changes := []struct {
		name   string
		change func(*auth.Identity)
	}{
		{"same", func(*auth.Identity) {}},
		{"groups granted", func(id *auth.Identity) { id.Groups = []string{"encoding", "rooms", "billing"} }},
		{"groups withdrawn", func(id *auth.Identity) { id.Groups = nil }},
		{"owner made admin", func(id *auth.Identity) { id.OwnerRole = auth.RoleAdmin }},
		{"moved to another account", func(id *auth.Identity) { id.AccountID = 4 }},
		{"key changed", func(id *auth.Identity) { id.Key = "k2" }},
	}
	var c headerCache
	first := c.get(&base)
	if !reflect.DeepEqual(first.vals, want(base)) {
		t.Fatalf("first get = %q, want %q", first.vals, want(base))
	}
	if again := c.get(&base); again != first {
		t.Fatal("an unchanged credential was formatted again")
	}
	for _, tc := range changes {
		t.Run(tc.name, func(t *testing.T) {
			id := base
			id.Groups = slices.Clone(base.Groups)
			tc.change(&id)
			if got := c.get(&id).vals; !reflect.DeepEqual(got, want(id)) {
				t.Errorf("get = %q, want %q", got, want(id))
			}
			if got := c.get(&base).vals; !reflect.DeepEqual(got, want(base)) {
				t.Errorf("back to the original: get = %q, want %q", got, want(base))
			}
		})
	}
}

func TestHeaderCacheIsBounded(t *testing.T) {
	var c headerCache
	for i := range int64(3 * maxCachedCredentials) {
		c.get(&auth.Identity{Key: "k", CredentialID: i})
	}
	n := 0
	c.m.Range(func(any, any) bool { n++; return true })
	if n > maxCachedCredentials {
		t.Fatalf("cache holds %d credentials, want at most %d", n, maxCachedCredentials)
	}
}

// TestSharedHeaderValuesAreNotWrittenThrough checks that an append to a
// header of one request (what Header.Add does) leaves the shared values of
// every other request alone.
func TestSharedHeaderValuesAreNotWrittenThrough(t *testing.T) {
	var c headerCache
	id := &auth.Identity{Key: "k", CredentialID: 1, Groups: []string{"g"}, Profile: token.Management}
	h1, h2 := http.Header{}, http.Header{}
	for _, h := range []http.Header{h1, h2} {
		for i, v := range c.get(id).vals {
			h[credentialHeaderNames[i]] = v
		}
		h["X-Keyward-Profile"] = profileHeader(id.Profile)
	}
	for _, name := range append(credentialHeaderNames[:], "X-Keyward-Profile") {
		want := append(slices.Clone(h1[name]), "one")
		h1.Add(name, "one")
		h2.Add(name, "two")
		if !slices.Equal(h1[name], want) {
			t.Errorf("%s: one request's values became %q after another's Add, want %q", name, h1[name], want)
		}
	}
	if got := profileHeader(token.Profile(200)); len(got) != 1 || got[0] != token.Profile(200).String() {
		t.Errorf("profileHeader(200) = %q", got)
	}
}

func TestBufferPool(t *testing.T) {
	p := newBufferPool()
	b := p.Get()
	if len(b) != copyBufferSize {
		t.Fatalf("Get: %d bytes, want %d", len(b), copyBufferSize)
	}
	p.Put(b)
	p.Put(make([]byte, 10)) // a foreign buffer is dropped, not lent out short
	for range 4 {
		if got := len(p.Get()); got != copyBufferSize {
			t.Fatalf("Get after Put: %d bytes, want %d", got, copyBufferSize)
		}
	}
	if n := testing.AllocsPerRun(100, func() { p.Put(p.Get()) }); n != 0 {
		t.Errorf("Get+Put allocates %v times, want 0", n)
	}
}

func TestGatewaySets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{"X-Keyward-Owner-Role", true},
		{"X_Keyward_Owner_Role", true},
		{"x_keyward_groups", true},
		{"X-KEYWARD_ACCOUNT", true},
		{"X-Keyward-Anything", true},
		{"X_Forwarded_For", true},
		{"x-forwarded-host", true},
		{"X_FORWARDED_PROTO", true},
		{"X-Keyward", false},
		{"X-Keywardish", false},
		{"X_Forwarded_Fort", false},
		{"X-Forwarded-Port", false},
		{"X-Other", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := gatewaySets(tt.name); got != tt.want {
			t.Errorf("gatewaySets(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}
