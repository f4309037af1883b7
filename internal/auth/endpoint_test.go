package auth_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

func TestEndpointValidate(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	mgmt := token.ProfileSet(token.Management)
	tests := []struct {
		name string
		ep   auth.Endpoint
		want string // "" means valid
	}{
		{"Valid", auth.Endpoint{ID: "a.b", Pattern: "GET /a/{id}", Handler: h, Policy: &auth.Route{Profiles: mgmt}}, ""},
		{"ValidPublicNoMethod", auth.Endpoint{ID: "a.b", Pattern: "/a/", Handler: h}, ""},
		{"NoID", auth.Endpoint{Pattern: "GET /a", Handler: h}, "ID is required"},
		{"NoPath", auth.Endpoint{ID: "a", Pattern: "GET", Handler: h}, "must start with /"},
		{"NoHandler", auth.Endpoint{ID: "a", Pattern: "GET /a"}, "Handler is required"},
		{"OtherAPIID", auth.Endpoint{ID: "a", Pattern: "GET /a", Handler: h, Policy: &auth.Route{APIID: "b", Profiles: mgmt}}, "differs from ID"},
		{"NoProfiles", auth.Endpoint{ID: "a", Pattern: "GET /a", Handler: h, Policy: &auth.Route{}}, "Profiles is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.ep.Validate()
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate(%s %s) = %v, want %q", tt.ep.ID, tt.ep.Pattern, err, tt.want)
			}
		})
	}
}

func TestNewMuxErrors(t *testing.T) {
	t.Parallel()
	h := http.NotFoundHandler()
	a := newDoor(t)
	policy := &auth.Route{Profiles: token.ProfileSet(token.Management)}
	for _, tt := range []struct {
		name string
		door *auth.Authenticator
		eps  []auth.Endpoint
	}{
		{"PolicyWithoutDoor", nil, []auth.Endpoint{{ID: "a", Pattern: "GET /a", Handler: h, Policy: policy}}},
		{"Conflict", a, []auth.Endpoint{{ID: "a", Pattern: "GET /a/{x}", Handler: h}, {ID: "b", Pattern: "GET /a/{y}", Handler: h}}},
		{"Invalid", a, []auth.Endpoint{{ID: "", Pattern: "GET /a", Handler: h}}},
	} {
		if _, err := auth.NewMux(tt.door, tt.eps...); err == nil {
			t.Errorf("%s: NewMux = nil error", tt.name)
		}
	}
}

func newDoor(t *testing.T) *auth.Authenticator {
	t.Helper()
	a, err := auth.New(auth.Config{Keys: authtest.NewSource(keys()...)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// TestNewMux serves endpoints of every kind the services declare: public,
// one profile, several profiles on one handler (the rooms REST API serves
// 100ms management tokens and VideoSDK apikey tokens on the same paths),
// admin only, and a subtree without a method; and the envelope answers
// what no endpoint serves.
func TestNewMux(t *testing.T) {
	t.Parallel()
	profileOf := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := auth.FromContext(r.Context())
		if !ok {
			envelope.Write(w, r, 200, "", map[string]string{"profile": "none"})
			return
		}
		envelope.Write(w, r, 200, "", map[string]string{"profile": id.Profile.String()})
	})
	mux, err := auth.NewMux(newDoor(t),
		auth.Endpoint{ID: "t.public", Pattern: "GET /public", Handler: profileOf},
		auth.Endpoint{ID: "t.rooms", Pattern: "POST /v2/rooms", Handler: profileOf,
			Policy: &auth.Route{Profiles: token.ProfileSet(token.Management, token.APIKey)}},
		auth.Endpoint{ID: "t.admin", Pattern: "GET /admin", Handler: profileOf,
			Policy: &auth.Route{Profiles: token.ProfileSet(token.Management), AdminOnly: true}},
		auth.Endpoint{ID: "t.tree", Pattern: "/tree/", Handler: profileOf,
			Policy: &auth.Route{Profiles: token.ProfileSet(token.Management)}},
	)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	sign := func(b *token.Builder) string {
		s, err := b.ToJWT()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	mgmt := sign(token.New(token.Management, devKey, devSecret))
	apikey := sign(token.New(token.APIKey, devKey, devSecret))
	app := sign(token.New(token.App, devKey, devSecret).SetRoom("r").SetUser("u").SetRole("host"))
	admin := sign(token.New(token.Management, adminKey, adminSecret))

	tests := []struct {
		name, method, path, token string
		status                    int
		id, code, profile         string
	}{
		{"Public", "GET", "/public", "", 200, "t.public", "", "none"},
		{"PublicOtherMethod", "POST", "/public", "", 405, "", "METHOD_NOT_ALLOWED", ""},
		{"Unknown", "GET", "/nothing", "", 404, "", "NOT_FOUND", ""},
		{"RoomsManagement", "POST", "/v2/rooms", mgmt, 200, "t.rooms", "", "management"},
		{"RoomsAPIKey", "POST", "/v2/rooms", apikey, 200, "t.rooms", "", "apikey"},
		{"RoomsAppRefused", "POST", "/v2/rooms", app, 403, "t.rooms", "TOKEN_PROFILE", ""},
		{"RoomsNoToken", "POST", "/v2/rooms", "", 401, "t.rooms", "TOKEN_MISSING", ""},
		{"AdminByDeveloper", "GET", "/admin", mgmt, 403, "t.admin", "PERMISSION_DENIED", ""},
		{"AdminByAdmin", "GET", "/admin", admin, 200, "t.admin", "", "management"},
		{"TreeBelow", "DELETE", "/tree/a/b", mgmt, 200, "t.tree", "", "management"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var env struct {
				ID      string
				Profile string
				Params  struct{ Err string }
			}
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatalf("%s %s: not an envelope: %s", tt.method, tt.path, raw)
			}
			if res.StatusCode != tt.status || env.ID != tt.id || env.Params.Err != tt.code || env.Profile != tt.profile {
				t.Fatalf("%s %s = %d %s; want %d id %q code %q profile %q", tt.method, tt.path, res.StatusCode, raw, tt.status, tt.id, tt.code, tt.profile)
			}
			if tt.status == 405 && res.Header.Get("Allow") != "GET, HEAD" {
				t.Fatalf("%s %s: Allow = %q, want GET, HEAD", tt.method, tt.path, res.Header.Get("Allow"))
			}
		})
	}
}
