package openapi_test

import (
	"encoding/json"
	"testing"

	"github.com/keyward/keyward/internal/openapi"
	"github.com/keyward/keyward/token"
)

func TestDocument(t *testing.T) {
	t.Parallel()
	raw, err := openapi.Document("keyward", "test", []openapi.Operation{
		{Pattern: "GET /v1/credentials/{id}", ID: "keyward.credential.read", Summary: "Read", Profiles: token.ProfileSet(token.Management), Tag: "credentials"},
		{Pattern: "POST /v3/sl/encoding", ID: "sl.encoding.start", Profiles: token.ProfileSet(token.Request, token.QSH), Group: "encoding", SingleUse: true},
		{Pattern: "GET /healthz", ID: "keyward.health"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string
		Paths   map[string]map[string]struct {
			OperationID string           `json:"operationId"`
			Security    []map[string]any `json:"security"`
			Parameters  []struct{ Name, In string }
			Description string
			RequestBody any `json:"requestBody"`
		}
	}
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
	if h := doc.Paths["/healthz"]["get"]; h.Security != nil {
		t.Errorf("healthz has security %v", h.Security)
	}
	if _, err := openapi.Document("k", "v", []openapi.Operation{{Pattern: "/nomethod"}}); err == nil {
		t.Error("pattern without method: nil error")
	}
}
