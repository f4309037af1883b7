package token

import (
	"fmt"
	"strings"
)

// Profile is one of the token styles keyward serves. Each is defined by the
// claim that carries the key and by the claims it requires; see the package
// documentation.
type Profile uint8

// The five profiles.
const (
	// Request is the Soundlinks style: iss, iat, mtd, url and arg, sent as
	// {"data": token}; bound to one request.
	Request Profile = 1 + iota
	// QSH is the Sunbird/Atlassian style: iss, iat, id and qsh (a hash of
	// the canonical request), with optional version and params.
	QSH
	// Management is the 100ms server-to-server token: access_key, type
	// "management", version 2, jti, iat, nbf and exp.
	Management
	// App is the 100ms client token: a management token's claims with type
	// "app" plus room_id, user_id and role.
	App
	// APIKey is the VideoSDK style: apikey, optional permissions, and for
	// version 2 roomId, participantId and roles.
	APIKey
)

var profileNames = [...]string{"", "request", "qsh", "management", "app", "apikey"}

// String returns the profile's lower-case name as used on the command line.
func (p Profile) String() string {
	if int(p) < len(profileNames) && p != 0 {
		return profileNames[p]
	}
	return fmt.Sprintf("Profile(%d)", uint8(p))
}

// ParseProfile returns the profile with the given name.
func ParseProfile(name string) (Profile, error) {
	for i, n := range profileNames {
		if i > 0 && strings.EqualFold(n, name) {
			return Profile(i), nil
		}
	}
	return 0, fmt.Errorf("token: unknown profile %q (want one of request, qsh, management, app, apikey)", name)
}

// Profiles is a set of profiles, as accepted by a route.
type Profiles uint8

// AllProfiles accepts every profile.
const AllProfiles Profiles = 1<<Request | 1<<QSH | 1<<Management | 1<<App | 1<<APIKey

// ProfileSet returns the set holding ps.
func ProfileSet(ps ...Profile) Profiles {
	var s Profiles
	for _, p := range ps {
		s |= 1 << p
	}
	return s
}

// Has reports whether p is in the set.
func (s Profiles) Has(p Profile) bool { return s&(1<<p) != 0 }

// String lists the set's profile names joined by "|".
func (s Profiles) String() string {
	var names []string
	for p := Request; p <= APIKey; p++ {
		if s.Has(p) {
			names = append(names, p.String())
		}
	}
	return strings.Join(names, "|")
}
