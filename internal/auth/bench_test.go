package auth_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/keyward/keyward/internal/auth"
	"github.com/keyward/keyward/internal/auth/authtest"
	"github.com/keyward/keyward/token"
)

// BenchmarkRequireManagement measures the middleware alone (no network) on
// the hot path: a cached key and a reusable management token.
func BenchmarkRequireManagement(b *testing.B) {
	a, err := auth.New(auth.Config{Keys: authtest.NewSource(keys()...)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	h := a.Require(mgmtRoute)(ok)
	tok, _ := token.New(token.Management, devKey, devSecret).ToJWT()
	req := httptest.NewRequest("GET", "/mgmt", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != 204 {
		b.Fatalf("status %d: %s", w.Code, w.Body)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		h.ServeHTTP(w, req)
	}
}
