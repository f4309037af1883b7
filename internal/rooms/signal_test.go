package rooms

import (
	"strings"
	"testing"
	"time"
)

func TestParseInbound(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in      string
		typ     string
		wantErr bool
	}{
		{`{"type":"ping"}`, "ping", false},
		{`  {"type":"message","message":{"a":1},"to":{"role":"host"}}  `, "message", false},
		{`{"type":"admit","peer_id":"x","allow":false,"extra":[1]}`, "admit", false},
		{``, "", true},
		{`[]`, "", true},
		{`"ping"`, "", true},
		{`{"type":1}`, "", true},
		{`{"type":""}`, "", true},
		{`{"type":"ping"}{"type":"ping"}`, "", true},
		{`{"type":"ping"`, "", true},
		{`{"type":"x","peer_id":"` + strings.Repeat("a", 1025) + `"}`, "", true},
	} {
		got, err := ParseInbound([]byte(c.in))
		if (err != nil) != c.wantErr || (err == nil && got.Type != c.typ) {
			t.Errorf("ParseInbound(%.40q) = %+v, %v; want type %q, error %v", c.in, got, err, c.typ, c.wantErr)
		}
	}
}

func FuzzParseInbound(f *testing.F) {
	for _, s := range []string{`{"type":"ping"}`, `{"type":"message","message":null,"to":{"peer_id":"p"}}`, `{"type":"mute","muted":false,"kind":"audio"}`, `[`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		in, err := ParseInbound(b)
		if err == nil && (in.Type == "" || len(in.Raw) == 0) {
			t.Fatalf("ParseInbound(%q) accepted a frame without a type", b)
		}
	})
}

func TestResumeToken(t *testing.T) {
	t.Parallel()
	r := &resumer{key: []byte(strings.Repeat("k", 32)), ttl: time.Minute}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	p := &Peer{ID: NewID(), grant: Grant{Room: &Room{ID: NewID(), AccountID: 7}, Identity: "ann", Role: "guest", CredentialID: 3, Key: "k1", JTI: "j1", Expires: now.Add(time.Hour)}}
	tok := r.make(p, now)
	c, err := r.parse(tok, now.Add(59*time.Second))
	if err != nil || c.Peer != p.ID || c.Identity != "ann" || c.Account != 7 || c.TokenExp != now.Add(time.Hour).Unix() {
		t.Fatalf("parse(fresh) = %+v, %v", c, err)
	}
	for name, bad := range map[string]string{
		"expired":       tok,
		"forged":        tok[:len(tok)-2] + "xx",
		"other payload": tok[:10] + map[bool]string{true: "A", false: "B"}[tok[10] != 'A'] + tok[11:],
		"no dot":        strings.ReplaceAll(tok, ".", ""),
		"empty":         "",
	} {
		at := now
		if name == "expired" {
			at = now.Add(61 * time.Second)
		}
		if _, err := r.parse(bad, at); err == nil {
			t.Errorf("parse(%s) accepted", name)
		}
	}
	other := &resumer{key: []byte(strings.Repeat("x", 32)), ttl: time.Minute}
	if _, err := other.parse(tok, now); err == nil {
		t.Errorf("a token made under another key was accepted")
	}
}

func FuzzResumeParse(f *testing.F) {
	r := &resumer{key: []byte(strings.Repeat("k", 32)), ttl: time.Minute}
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	p := &Peer{ID: NewID(), grant: Grant{Room: &Room{ID: NewID()}, Identity: "a"}}
	f.Add(r.make(p, now))
	f.Add("x.y")
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := r.parse(s, now); err == nil && (!IsID(c.Room) || !IsID(c.Peer)) {
			t.Fatalf("parse(%q) accepted claims without ids", s)
		}
	})
}
