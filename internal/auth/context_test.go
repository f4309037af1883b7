package auth_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/internal/envelope"
	"github.com/keyward/keyward/token"
)

type parentKey struct{}

// TestRequireContext checks what a handler behind the door finds in its
// context: the identity, the envelope's view of the route, and every value
// of the request's own context; and that a remembered management token
// costs no more than the context and the request copy that carry them.
func TestRequireContext(t *testing.T) {
	a, err := auth.New(auth.Config{Keys: authtest.NewSource(keys()...)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var problems []string
	h := a.Require(mgmtRoute)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		problems = problems[:0]
		ctx := r.Context()
		if id, ok := auth.FromContext(ctx); !ok || id.Key != devKey || id.Profile != token.Management || id.JTI == "" {
			problems = append(problems, fmt.Sprintf("FromContext = %+v, %v", id, ok))
		}
		if m := envelope.MetaFromContext(ctx); m == nil || m.ID != mgmtRoute.APIID {
			problems = append(problems, fmt.Sprintf("MetaFromContext = %+v, want ID %q", m, mgmtRoute.APIID))
		}
		if v, _ := ctx.Value(parentKey{}).(string); v != "from the server" {
			problems = append(problems, fmt.Sprintf("the request's own context value = %q", v))
		}
		w.WriteHeader(204)
	}))
	tok, err := token.New(token.Management, devKey, devSecret).ToJWT()
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest("GET", "/mgmt", nil)
	req = req.WithContext(context.WithValue(req.Context(), parentKey{}, "from the server"))
	req.Header.Set("Authorization", "Bearer "+tok)
	for i := range 2 { // verified in full, then remembered
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 204 || len(problems) > 0 {
			t.Fatalf("request %d: status %d %s; %v", i+1, w.Code, w.Body, problems)
		}
	}
	w := httptest.NewRecorder()
	if n := testing.AllocsPerRun(200, func() { h.ServeHTTP(w, req) }); n > 2 {
		t.Errorf("a remembered token allocates %v times per request, want at most 2 (the context and the request copy)", n)
	}
}
