package openapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/openapi"
	"github.com/keyward/keyward/token"
)

type document struct {
	OpenAPI string
	Paths   map[string]map[string]struct {
		OperationID string           `json:"operationId"`
		Security    []map[string]any `json:"security"`
		Parameters  []struct{ Name, In string }
		Description string
		RequestBody any `json:"requestBody"`
	}
}

func TestDocument(t *testing.T) {
	t.Parallel()
	ok := http.NotFoundHandler()
	raw, err := openapi.Document("keyward", "test", []auth.Endpoint{
		{ID: "keyward.credential.read", Pattern: "GET /v1/credentials/{id}", Summary: "Read", Tag: "credentials",
			Policy: &auth.Route{Profiles: token.ProfileSet(token.Management)}, Handler: ok},
		{ID: "sl.encoding.start", Pattern: "POST /v3/sl/encoding", Handler: ok,
			Policy: &auth.Route{Profiles: token.ProfileSet(token.Request, token.QSH), Group: "encoding", SingleUse: true}},
		{ID: "keyward.healthz", Pattern: "GET /healthz", Handler: ok},
		{ID: "gw.api", Pattern: "/api", Handler: ok, Policy: &auth.Route{Profiles: token.ProfileSet(token.Management)}},
		{ID: "gw.api", Pattern: "/api/{path...}", Handler: ok, Policy: &auth.Route{Profiles: token.ProfileSet(token.Management)}},
		{ID: "keyward.root", Pattern: "GET /{$}", Handler: ok},
		{ID: "keyward.portal", Pattern: "/portal/", Handler: ok},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	read := doc.Paths["/v1/credentials/{id}"]["get"]
	if read.OperationID != "keyward.credential.read" || len(read.Parameters) != 1 || read.Parameters[0].Name != "id" || len(read.Security) != 1 {
		t.Errorf("credential read: %+v", read)
	}
	enc := doc.Paths["/v3/sl/encoding"]["post"]
	if len(enc.Security) != 2 || enc.RequestBody == nil || enc.Description == "" {
		t.Errorf("encoding: %+v", enc)
	}
	if h := doc.Paths["/healthz"]["get"]; h.OperationID != "keyward.healthz" || h.Security != nil {
		t.Errorf("healthz: %+v", h)
	}
	if len(doc.Paths["/api"]) != 5 || len(doc.Paths["/api/{path}"]) != 5 {
		t.Errorf("an endpoint without a method: /api has %d operations, /api/{path} %d; want 5 each", len(doc.Paths["/api"]), len(doc.Paths["/api/{path}"]))
	}
	if doc.Paths["/"]["get"].OperationID != "keyward.root" || doc.Paths["/portal/{path}"]["post"].OperationID != "keyward.portal.post" {
		t.Errorf("/{$} and /portal/ documented as %v and %v", doc.Paths["/"], doc.Paths["/portal/{path}"])
	}
	ids := map[string]bool{}
	for path, item := range doc.Paths {
		for method, op := range item {
			if ids[op.OperationID] {
				t.Errorf("%s %s: operationId %s is not unique", method, path, op.OperationID)
			}
			ids[op.OperationID] = true
		}
	}
	if _, err := openapi.Document("k", "v", []auth.Endpoint{{ID: "x", Pattern: "GET nopath"}}); err == nil {
		t.Error("pattern without a path: nil error")
	}
}

func TestEndpoint(t *testing.T) {
	t.Parallel()
	ep, err := openapi.Endpoint("keyward", "test", []auth.Endpoint{{ID: "keyward.healthz", Pattern: "GET /healthz", Handler: http.NotFoundHandler()}})
	if err != nil {
		t.Fatal(err)
	}
	if ep.Pattern != "GET /openapi.json" || ep.Policy != nil {
		t.Fatalf("Endpoint = %s, policy %v", ep.Pattern, ep.Policy)
	}
	rec := httptest.NewRecorder()
	ep.Handler.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	raw, _ := io.ReadAll(rec.Body)
	var doc document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Paths["/healthz"]["get"].OperationID != "keyward.healthz" || doc.Paths["/openapi.json"]["get"].OperationID != "keyward.openapi" {
		t.Errorf("the document lists %v; want /healthz and itself", doc.Paths)
	}
}
