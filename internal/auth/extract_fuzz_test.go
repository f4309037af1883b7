package auth

import (
	"encoding/json"
	"errors"
	"testing"
)

// FuzzBodyToken checks the {"data": token} extractor on any body: it never
// panics, it accepts only a valid JSON object and then returns exactly
// what encoding/json reads as its "data" string, and a body made of one
// string as {"data": s} gives s back.
func FuzzBodyToken(f *testing.F) {
	for _, s := range []string{
		`{"data":"eyJhbGciOiJIUzI1NiJ9.e30.sig"}`,
		`{"data":"a","data":"b"}`,
		`{"data":1}`,
		`{"other":{"data":"x"},"data":"\u00e9\ud83d\ude00"}`,
		`{}`, `[]`, `{"data":"x"} {}`, `{"data":"x"`, `"data"`, ``, `{"data":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raw, err := bodyToken(body)
		if err == nil {
			if !json.Valid(body) {
				t.Fatalf("bodyToken(%q) accepted invalid JSON", body)
			}
			var v struct {
				Data *string `json:"data"`
			}
			if uerr := json.Unmarshal(body, &v); uerr != nil {
				t.Fatalf("bodyToken(%q) = %q, but encoding/json: %v", body, raw, uerr)
			}
			if want := ""; v.Data != nil {
				want = *v.Data
				if raw != want {
					t.Fatalf("bodyToken(%q) = %q, encoding/json reads %q", body, raw, want)
				}
			} else if raw != want {
				t.Fatalf("bodyToken(%q) = %q without a data member", body, raw)
			}
		} else if !errors.Is(err, errNotJSON) && !errors.Is(err, errDupData) && !errors.Is(err, errDataType) {
			t.Fatalf("bodyToken(%q): unexpected error %v", body, err)
		}
		wrapped, _ := json.Marshal(map[string]string{"data": string(body)})
		got, err := bodyToken(wrapped)
		var want string
		_ = json.Unmarshal(wrapped, &struct{ Data *string }{&want})
		if err != nil || got != want {
			t.Fatalf("bodyToken(%s) = %q, %v; want %q", wrapped, got, err, want)
		}
	})
}
