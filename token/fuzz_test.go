package token_test

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/keyward/keyward/token"
)

// FuzzParse feeds arbitrary bytes to Parse and Verify. Neither may panic,
// and whatever Parse accepts must be JSON that encoding/json accepts too:
// the strict scanner may refuse more, never less.
func FuzzParse(f *testing.F) {
	f.Add([]byte(forge(hdr, mgmt(""), goldenSecret)))
	f.Add([]byte(forge(`{"alg":"HS256","kid":"k"}`, `{"iss":"k","iat":"1442426231600","id":"x","qsh":"q","params":{"msgid":"m"}}`, goldenSecret)))
	f.Add([]byte(forge(hdr, `{"apikey":"K","permissions":["allow_join"],"roles":["rtc"],"version":2,"exp":1e10}`, goldenSecret)))
	f.Add([]byte(forge(hdr, `{"iss":"k","iat":1,"mtd":"POST","url":"/","arg":{"a":[{"b":"\u00e9\ud83c\udfb5"}]}}`, goldenSecret)))
	f.Add([]byte("a.b.c"))
	f.Add([]byte(""))
	v := newVerifier(f, token.Config{})
	secrets := []*token.Secret{token.MustSecret("", goldenSecret), token.MustSecret("k", goldenSecret)}
	f.Fuzz(func(t *testing.T, raw []byte) {
		c := new(token.Claims)
		err := token.Parse(c, raw)
		if err != nil {
			if token.CodeOf(err) == "" {
				t.Fatalf("Parse error %v has no code", err)
			}
			return
		}
		if !json.Valid(c.Header()) || !json.Valid(c.Payload()) {
			t.Fatalf("Parse accepted invalid JSON: header %q payload %q", c.Header(), c.Payload())
		}
		var m map[string]any
		if err := json.Unmarshal(c.Payload(), &m); err != nil {
			t.Fatalf("payload accepted by Parse is not an object for encoding/json: %v", err)
		}
		_ = c.Key()
		_ = c.Arg()
		_ = c.MsgID()
		_ = c.IssuedAt()
		_ = c.Permissions()
		err = v.Verify(c, secrets, token.AllProfiles, &token.Binding{Method: "POST", Path: "/"})
		if err != nil && token.CodeOf(err) == "" {
			t.Fatalf("Verify error %v has no code", err)
		}
		_ = v.Diagnose(c, secrets, token.AllProfiles, nil)
	})
}

// FuzzRoundTrip signs claims made of fuzzed values with the Builder and
// checks that they verify and read back unchanged.
func FuzzRoundTrip(f *testing.F) {
	f.Add("my_app_id", "POST", "/v3/sl/encoding", []byte(`{"src":"https://example.com/song.mp3"}`), "room", "user", "host", "k1", int64(3600))
	f.Add("ké\"y", "get", "/a b/c?d=e", []byte(`{}`), "r\n", "u\\", "ro\u2028le", "", int64(1))
	f.Add("x", "PUT", "https://h/p", []byte(`{"a":{"b":[1,2.5,true,null,"s"]}}`), "", "", "", "kid-2", int64(86400))
	f.Fuzz(func(t *testing.T, key, method, url string, arg []byte, room, user, role, kid string, ttl int64) {
		for _, s := range []string{key, method, url, room, user, role, kid} {
			if !utf8.ValidString(s) {
				return
			}
		}
		if key == "" || ttl <= 0 || ttl > 86400 {
			return
		}
		iat := time.Unix(now, 0)
		v := newVerifier(t, token.Config{})
		secrets := []*token.Secret{token.MustSecret(kid, goldenSecret)}

		// request
		b := token.New(token.Request, key, goldenSecret).SetKeyID(kid).SetIssuedAt(iat).SetMethod(method).SetURL(url).SetArgJSON(arg)
		tok, err := b.ToJWT()
		if err == nil {
			c, err := verify(t, v, tok, token.ProfileSet(token.Request), nil, secrets...)
			if err != nil {
				t.Fatalf("request token %q: Verify = %v", tok, err)
			}
			if c.Key() != key || c.URL() != url || c.KeyID() != kid {
				t.Fatalf("request round trip: key %q url %q kid %q; want %q %q %q", c.Key(), c.URL(), c.KeyID(), key, url, kid)
			}
			var got, want any
			if json.Unmarshal(c.Arg(), &got) != nil || json.Unmarshal(arg, &want) != nil || !jsonEqual(got, want) {
				t.Fatalf("arg round trip: got %s, want %s", c.Arg(), arg)
			}
		} else {
			// The builder may refuse raw JSON the verifier would refuse
			// (duplicates, invalid UTF-8, lone surrogates); the same
			// object re-encoded by encoding/json must always sign.
			var m map[string]any
			if json.Unmarshal(arg, &m) == nil && m != nil && method != "" && url != "" && len(arg) < 4000 {
				if _, err := token.New(token.Request, key, goldenSecret).SetMethod(method).SetURL(url).SetArg(m).ToJWT(); err != nil {
					t.Fatalf("request ToJWT(%q, %q, %v) = %v", method, url, m, err)
				}
			}
		}

		// app
		tok, err = token.New(token.App, key, goldenSecret).SetKeyID(kid).SetIssuedAt(iat).SetTTL(time.Duration(ttl) * time.Second).SetRoom(room).SetUser(user).SetRole(role).ToJWT()
		if err != nil {
			if room != "" && user != "" && role != "" {
				t.Fatalf("app ToJWT = %v", err)
			}
			return
		}
		c, err := verify(t, v, tok, token.ProfileSet(token.App), nil, secrets...)
		if err != nil {
			t.Fatalf("app token: Verify = %v", err)
		}
		if c.Key() != key || c.RoomID() != room || c.UserID() != user || c.Role() != role || c.Expires().Unix() != now+ttl {
			t.Fatalf("app round trip: %s", c.Payload())
		}
	})
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
