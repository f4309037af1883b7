package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyward/keyward/token"
)

// TestGateway runs keyward serve as a gateway in front of an upstream on
// loopback: verified requests reach it without the token and with the
// identity headers; bad ones never do.
func TestGateway(t *testing.T) {
	t.Parallel()
	type seen struct {
		Path, Authorization, Key, Credential, Groups, User, Role, Spoof, Body string
	}
	hits := make(chan seen, 16)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		hits <- seen{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Keyward-Key"), r.Header.Get("X-Keyward-Credential"),
			r.Header.Get("X-Keyward-Groups"), r.Header.Get("X-Keyward-User"), r.Header.Get("X-Keyward-Role"), r.Header.Get("X-Keyward-Spoof"), string(b)}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"upstream":"ok"}`)
	}))
	defer upstream.Close()
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadURL := "http://" + dead.Addr().String()
	dead.Close()

	routes := filepath.Join(t.TempDir(), "routes.json")
	os.WriteFile(routes, []byte(fmt.Sprintf(`{"routes":[
	  {"api_id":"music.catalog","prefix":"/api/catalog","upstream":%q,"group":"encoding","profiles":["management","app"],"strip_prefix":true},
	  {"api_id":"music.upload","prefix":"/api/upload","upstream":%q,"methods":["POST"],"group":"encoding","profiles":["request"],"single_use":true},
	  {"api_id":"music.down","prefix":"/api/down","upstream":%q,"profiles":["management"]}
	]}`, upstream.URL, upstream.URL, deadURL)), 0o600)
	n := startNode(t, "", "--gateway", routes)
	admin := n.adminCreds()
	r := n.call(admin, "POST", "/v1/credentials", map[string]any{"name": "gw", "groups": []string{"encoding"}})
	var s secretJSON
	r.field("secret", &s)
	app := creds{Key: s.Key, Secret: s.Secret}
	// A developer's credential without the group (an admin's would pass:
	// admin credentials reach every group).
	r = n.call(admin, "POST", "/v1/accounts", map[string]any{"email": "gw@example.test", "name": "Dev", "role": "developer", "password": "a long enough passphrase"})
	var dev struct{ ID int64 }
	r.field("account", &dev)
	r = n.call(admin, "POST", "/v1/credentials", map[string]any{"name": "nogroup", "owner": dev.ID, "groups": []string{}})
	var s2 secretJSON
	r.field("secret", &s2)
	noGroup := creds{Key: s2.Key, Secret: s2.Secret}

	mgmt, _ := token.New(token.Management, app.Key, []byte(app.Secret)).ToJWT()
	req, _ := http.NewRequest("GET", n.URL+"/api/catalog/albums?page=2", nil)
	req.Header.Set("Authorization", "Bearer "+mgmt)
	req.Header.Set("X-Keyward-Spoof", "evil")
	req.Header.Set("X-Keyward-Key", "someone-else")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || string(body) != `{"upstream":"ok"}` {
		t.Fatalf("proxied GET: %d %s", res.StatusCode, body)
	}
	h := <-hits
	if h.Path != "/albums" || h.Authorization != "" || h.Key != app.Key || h.Groups != "encoding" || h.Spoof != "" || h.Credential == "" {
		t.Errorf("upstream saw %+v", h)
	}

	appTok, _ := token.New(token.App, app.Key, []byte(app.Secret)).SetRoom("r1").SetUser("u9").SetRole("host").ToJWT()
	if r := n.raw("GET", "/api/catalog/x", "Bearer "+appTok, nil); r.Status != 200 {
		t.Errorf("app token through the gateway: %d %s", r.Status, r.Raw)
	} else if h := <-hits; h.User != "u9" || h.Role != "host" {
		t.Errorf("app identity headers: %+v", h)
	}

	// A request token: single use, its arg becomes the upstream body.
	up, _ := token.New(token.Request, app.Key, []byte(app.Secret)).SetMethod("POST").SetURL("/api/upload").SetArg(map[string]string{"title": "Song"}).ToJWT()
	if r := n.raw("POST", "/api/upload", "", map[string]string{"data": up}); r.Status != 200 {
		t.Fatalf("request token through the gateway: %d %s", r.Status, r.Raw)
	}
	if h := <-hits; !strings.Contains(h.Body, `"title":"Song"`) || strings.Contains(h.Body, up) {
		t.Errorf("upstream body %q", h.Body)
	}
	if r := n.raw("POST", "/api/upload", "", map[string]string{"data": up}); r.Status != 401 || r.Params.Err != "TOKEN_REPLAYED" {
		t.Errorf("replay through the gateway: %d %s", r.Status, r.Raw)
	}

	// Refusals never reach the upstream.
	bad, _ := token.New(token.Management, noGroup.Key, []byte(noGroup.Secret)).ToJWT()
	for _, c := range []struct {
		authz  string
		status int
		code   string
	}{
		{"", 401, "TOKEN_MISSING"},
		{"Bearer " + mgmt[:len(mgmt)-2] + "AA", 401, "TOKEN_SIGNATURE"},
		{"Bearer " + bad, 403, "GROUP_NOT_GRANTED"},
	} {
		if r := n.raw("GET", "/api/catalog/albums", c.authz, nil); r.Status != c.status || r.Params.Err != c.code {
			t.Errorf("gateway refusal: %d %s, want %d %s", r.Status, r.Raw, c.status, c.code)
		}
	}
	// A dead upstream: 502 in the envelope, its address not shown.
	if r := n.raw("GET", "/api/down/x", "Bearer "+mgmt, nil); r.Status != 502 || strings.Contains(string(r.Raw), dead.Addr().String()) {
		t.Errorf("dead upstream: %d %s", r.Status, r.Raw)
	}
	select {
	case h := <-hits:
		t.Errorf("a refused request reached the upstream: %+v", h)
	default:
	}
	var doc struct{ Paths map[string]any }
	res, _ = http.Get(n.URL + "/openapi.json")
	json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if doc.Paths["/api/catalog"] == nil {
		t.Errorf("gateway routes missing from /openapi.json")
	}
}
