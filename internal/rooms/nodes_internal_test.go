package rooms

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodeWire(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"command", `{"id":"1","from":"n1","op":"remove","room":"r","peer_id":"p"}`, true},
		{"reply", `{"id":"1","reply":true,"result":{"a":1}}`, true},
		{"reply with error", `{"id":"1","reply":true,"code":"PEER_NOT_FOUND","error":"no such peer"}`, true},
		{"no id", `{"from":"n1","op":"end"}`, false},
		{"unknown op", `{"id":"1","from":"n1","op":"drop-tables"}`, false},
		{"no sender", `{"id":"1","op":"end"}`, false},
		{"not JSON", `remove r p`, false},
		{"an array", `[]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := decodeWire(tt.in); (err == nil) != tt.ok {
				t.Fatalf("decodeWire(%s) = %v, want ok %v", tt.in, err, tt.ok)
			}
		})
	}
}

// FuzzDecodeWire: whatever arrives on a node's topic is refused with an
// error or decoded into a message that survives a round trip.
func FuzzDecodeWire(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","from":"n1","op":"send","room":"r","message":{"x":[1,2]}}`,
		`{"id":"1","reply":true,"result":3}`,
		`{"id":"","op":"end"}`, `{`, `null`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := decodeWire(in)
		if err != nil {
			return
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %+v: %v", m, err)
		}
		again, err := decodeWire(string(b))
		if err != nil {
			t.Fatalf("%s decoded, its encoding %s does not: %v", in, b, err)
		}
		if !reflect.DeepEqual(normal(t, m), normal(t, again)) {
			t.Fatalf("round trip of %s: %+v, then %+v", in, m, again)
		}
	})
}

// normal is m as generic JSON, so that raw fields compare by value.
func normal(t *testing.T, m wire) any {
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestParseOwner(t *testing.T) {
	t.Parallel()
	n := &nodes{value: "aaa http://127.0.0.1:1"}
	tests := []struct {
		in   string
		want *owner
	}{
		{"aaa http://127.0.0.1:1", &owner{node: "aaa", url: "http://127.0.0.1:1", self: true}},
		{"bbb http://127.0.0.1:2", &owner{node: "bbb", url: "http://127.0.0.1:2"}},
		{"", nil},
		{"no-url", nil},
	}
	for _, tt := range tests {
		if got := n.parse(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parse(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
