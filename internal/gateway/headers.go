package gateway

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/token"
)

// The identity headers that depend only on the credential, in the order of
// [credentialHeaders.vals].
var credentialHeaderNames = [...]string{
	"X-Keyward-Key",
	"X-Keyward-Credential",
	"X-Keyward-Account",
	"X-Keyward-Owner-Role",
	"X-Keyward-Groups",
}

// credentialHeaders are the values of credentialHeaderNames for one
// credential, each a one-element slice whose length is its capacity: they
// are shared by every request of the credential, and an append to a header
// of an outgoing request (Header.Add) then copies instead of writing into
// the shared array.
type credentialHeaders struct {
	key, ownerRole string
	account        int64
	groups         []string
	vals           [len(credentialHeaderNames)][]string
}

func newCredentialHeaders(id *auth.Identity) *credentialHeaders {
	return &credentialHeaders{
		key:       id.Key,
		ownerRole: id.OwnerRole,
		account:   id.AccountID,
		groups:    id.Groups,
		vals: [...][]string{
			{id.Key},
			{strconv.FormatInt(id.CredentialID, 10)},
			{strconv.FormatInt(id.AccountID, 10)},
			{id.OwnerRole},
			{strings.Join(id.Groups, ",")},
		},
	}
}

// describes reports whether h was made for id's credential as it is now:
// a credential whose groups, owner or key changed gets new values.
func (h *credentialHeaders) describes(id *auth.Identity) bool {
	return h.key == id.Key && h.ownerRole == id.OwnerRole && h.account == id.AccountID && slices.Equal(h.groups, id.Groups)
}

// maxCachedCredentials bounds headerCache; past it the cache starts over.
const maxCachedCredentials = 4096

// headerCache keeps the credential headers of recently proxied credentials,
// so a request costs no formatting and no allocation for them.
type headerCache struct {
	m sync.Map // credential id → *credentialHeaders
	n atomic.Int64
}

// get returns the headers of id's credential.
func (c *headerCache) get(id *auth.Identity) *credentialHeaders {
	if v, ok := c.m.Load(id.CredentialID); ok {
		if h := v.(*credentialHeaders); h.describes(id) {
			return h
		}
	}
	h := newCredentialHeaders(id)
	if _, loaded := c.m.Swap(id.CredentialID, h); !loaded && c.n.Add(1) > maxCachedCredentials {
		c.m.Clear()
		c.n.Store(0)
	}
	return h
}

// profileHeaders are the values of X-Keyward-Profile by profile, shared
// like credentialHeaders.vals.
var profileHeaders = func() [token.APIKey + 1][]string {
	var vals [token.APIKey + 1][]string
	for p := range vals {
		vals[p] = []string{token.Profile(p).String()}
	}
	return vals
}()

// profileHeader returns the X-Keyward-Profile value of p.
func profileHeader(p token.Profile) []string {
	if int(p) < len(profileHeaders) {
		return profileHeaders[p]
	}
	return []string{p.String()}
}

// gatewaySets reports whether a client header named name must be dropped
// before proxying because the gateway sets a header of that name: any
// X-Keyward-* and the X-Forwarded-* trio, compared without regard to case
// and with "_" read as "-". CGI and WSGI servers map both "-" and "_" to
// "_" (HTTP_X_KEYWARD_OWNER_ROLE), so X_Keyward_Owner_Role would otherwise
// reach the upstream as the gateway's own header.
func gatewaySets(name string) bool {
	return foldPrefix(name, "x-keyward-") || foldEqual(name, "x-forwarded-for") ||
		foldEqual(name, "x-forwarded-host") || foldEqual(name, "x-forwarded-proto")
}

// foldEqual reports whether name equals lower (lower case, "-" for
// separators) ignoring ASCII case, with "_" in name read as "-".
func foldEqual(name, lower string) bool {
	return len(name) == len(lower) && foldPrefix(name, lower)
}

// foldPrefix is foldEqual for a prefix of name.
func foldPrefix(name, lower string) bool {
	if len(name) < len(lower) {
		return false
	}
	for i := 0; i < len(lower); i++ {
		c := name[i]
		switch {
		case c == '_':
			c = '-'
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}
