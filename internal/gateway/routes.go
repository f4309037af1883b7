package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/token"
)

// DefaultTimeout is the default of [Route.Timeout].
const DefaultTimeout = 30 * time.Second

// Route maps a path prefix to an upstream under a policy.
type Route struct {
	// Prefix is the path prefix served, e.g. "/v3/sl/" or "/rooms". A prefix
	// without a trailing slash matches itself and what lies below it
	// ("/rooms" matches "/rooms" and "/rooms/1", not "/roomsx"). The longest
	// matching prefix wins.
	Prefix string
	// Upstream is the base URL requests go to; the request path (after
	// StripPrefix) is appended to its path.
	Upstream *url.URL
	// Methods, when not empty, are the methods allowed (405 otherwise).
	Methods []string
	// StripPrefix removes Prefix from the path before it is appended.
	StripPrefix bool
	// Timeout bounds the wait for the upstream's response headers (504
	// GATEWAY_TIMEOUT). The body then streams without a deadline. Default 30 s.
	Timeout time.Duration
	// Auth is the route's policy; Auth.APIID names the route.
	Auth auth.Route
}

// routesFile is the JSON routes file.
type routesFile struct {
	Routes []routeJSON `json:"routes"`
}

type routeJSON struct {
	APIID       string   `json:"api_id"`
	Prefix      string   `json:"prefix"`
	Upstream    string   `json:"upstream"`
	Methods     []string `json:"methods"`
	StripPrefix bool     `json:"strip_prefix"`
	Timeout     string   `json:"timeout"`
	Group       string   `json:"group"`
	Profiles    []string `json:"profiles"`
	SingleUse   bool     `json:"single_use"`
	AdminOnly   bool     `json:"admin_only"`
	Roles       []string `json:"roles"`
	Permission  string   `json:"permission"`
	MaxBody     int64    `json:"max_body"`
}

// LoadRoutes reads a routes file; see [ParseRoutes].
func LoadRoutes(path string) ([]Route, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gateway: routes file: %w", err)
	}
	defer f.Close()
	routes, err := ParseRoutes(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return routes, nil
}

// ParseRoutes reads the JSON routes file format:
//
//	{"routes": [{
//	  "api_id": "sl.encoding.start",        required: envelope id, qsh id, metrics label
//	  "prefix": "/v3/sl/encoding",          required
//	  "upstream": "http://127.0.0.1:9000",  required, http or https
//	  "methods": ["POST"],                  optional; default any
//	  "strip_prefix": false,                optional
//	  "timeout": "30s",                     optional; Go duration, response-header timeout
//	  "group": "encoding",                  optional; API group required
//	  "profiles": ["request", "qsh"],       required; request|qsh|management|app|apikey
//	  "single_use": true,                   optional; request/qsh tokens single-use
//	  "admin_only": false,                  optional
//	  "roles": ["host"],                    optional; app-token roles allowed
//	  "permission": "allow_join",           optional; apikey permission required
//	  "max_body": 1048576                   optional; body cap for {"data": token}
//	}]}
//
// Unknown fields are an error, so a misspelt policy never goes unnoticed.
func ParseRoutes(r io.Reader) ([]Route, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f routesFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("gateway: parse routes: %w", err)
	}
	if len(f.Routes) == 0 {
		return nil, errors.New("gateway: parse routes: no routes")
	}
	out := make([]Route, 0, len(f.Routes))
	var errs []error
	for i, rj := range f.Routes {
		rt, err := rj.route()
		if err != nil {
			errs = append(errs, fmt.Errorf("route %d (%s): %w", i, rj.Prefix, err))
			continue
		}
		out = append(out, rt)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("gateway: parse routes: %w", err)
	}
	return out, nil
}

func (rj *routeJSON) route() (Route, error) {
	rt := Route{Prefix: rj.Prefix, Methods: rj.Methods, StripPrefix: rj.StripPrefix, Auth: auth.Route{
		APIID: rj.APIID, Group: rj.Group, SingleUse: rj.SingleUse, AdminOnly: rj.AdminOnly,
		Roles: rj.Roles, Permission: rj.Permission, MaxBody: rj.MaxBody,
	}}
	for _, name := range rj.Profiles {
		p, err := token.ParseProfile(name)
		if err != nil {
			return rt, fmt.Errorf("profiles: %w", err)
		}
		rt.Auth.Profiles |= token.ProfileSet(p)
	}
	if rj.Timeout != "" {
		d, err := time.ParseDuration(rj.Timeout)
		if err != nil {
			return rt, fmt.Errorf("timeout: %w", err)
		}
		rt.Timeout = d
	}
	u, err := url.Parse(rj.Upstream)
	if err != nil {
		return rt, fmt.Errorf("upstream: %w", err)
	}
	rt.Upstream = u
	return rt, rt.Validate()
}

// Validate reports whether rt is complete.
func (rt *Route) Validate() error {
	var errs []error
	if !strings.HasPrefix(rt.Prefix, "/") {
		errs = append(errs, errors.New(`prefix must start with "/"`))
	}
	if strings.ContainsAny(rt.Prefix, "{} \t") {
		errs = append(errs, errors.New("prefix must not hold braces or spaces"))
	}
	if rt.Upstream == nil || (rt.Upstream.Scheme != "http" && rt.Upstream.Scheme != "https") || rt.Upstream.Host == "" {
		errs = append(errs, errors.New("upstream must be an absolute http(s) URL"))
	} else if rt.Upstream.RawQuery != "" || rt.Upstream.Fragment != "" || rt.Upstream.User != nil {
		errs = append(errs, errors.New("upstream must not carry a query, fragment or user info"))
	}
	if rt.Timeout < 0 {
		errs = append(errs, errors.New("timeout must not be negative"))
	}
	if err := rt.Auth.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
