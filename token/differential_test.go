package token_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	jwt "github.com/golang-jwt/jwt/v5"

	"github.com/keyward/keyward/token"
)

// TestDifferentialGolangJWT signs random claim sets with golang-jwt and
// checks that keyward accepts exactly those that golang-jwt accepts (HS256
// only, exp required, iat checked, 60 s leeway) and that also meet the
// management profile's own rules, which golang-jwt does not know and which
// this test restates independently. Then the reverse: every token keyward
// signs, of every profile, verifies in golang-jwt with the same claims.
func TestDifferentialGolangJWT(t *testing.T) {
	t.Parallel()
	clock := time.Unix(now, 0)
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(60*time.Second),
		jwt.WithTimeFunc(func() time.Time { return clock }),
	)
	v := newVerifier(t, token.Config{})
	secrets := []*token.Secret{token.MustSecret("", goldenSecret)}
	rng := rand.New(rand.NewPCG(1, 2))

	offsets := []int64{-100000, -3600, -301, -61, -60, -59, -1, 0, 1, 59, 60, 61, 300, 3600, 86400, 86460, 86461, 200000}
	past := []int64{-3600, -301, -61, -60, -59, -1, 0}
	future := []int64{61, 300, 3600, 86400, 86460}
	pick := func(good []int64) any {
		if rng.IntN(10) < 8 {
			return now + good[rng.IntN(len(good))]
		}
		switch rng.IntN(12) {
		case 0:
			return nil // absent
		case 1:
			return fmt.Sprint(now + offsets[rng.IntN(len(offsets))]) // string date
		case 2:
			return float64(now+offsets[rng.IntN(len(offsets))]) + 0.5
		default:
			return now + offsets[rng.IntN(len(offsets))]
		}
	}
	methods := []jwt.SigningMethod{jwt.SigningMethodHS256, jwt.SigningMethodHS256, jwt.SigningMethodHS256, jwt.SigningMethodHS384, jwt.SigningMethodHS512}

	agree, accepted := 0, 0
	for i := range 3000 {
		claims := jwt.MapClaims{}
		set := func(name string, val any) {
			if val != nil {
				claims[name] = val
			}
		}
		mostly := func(good any, bad ...any) any {
			if rng.IntN(10) < 9 {
				return good
			}
			return bad[rng.IntN(len(bad))]
		}
		set("access_key", mostly("AK", 7, ""))
		set("type", mostly("management", "app", nil))
		set("version", mostly(2, 2.0, "2", 3, nil))
		set("jti", mostly("j", nil, 5))
		set("iat", pick(past))
		set("nbf", pick(past))
		set("exp", pick(future))
		if rng.IntN(4) == 0 {
			claims["extra"] = map[string]any{"n": rng.IntN(100), "s": "x"}
		}
		secret := goldenSecret
		if rng.IntN(10) == 0 {
			secret = otherSecret
		}
		m := methods[rng.IntN(len(methods))]
		raw, err := jwt.NewWithClaims(m, claims).SignedString(secret)
		if err != nil {
			t.Fatalf("golang-jwt sign: %v", err)
		}

		_, gerr := parser.Parse(raw, func(*jwt.Token) (any, error) { return goldenSecret, nil })
		want := gerr == nil && managementRulesHold(claims)
		_, kerr := verify(t, v, raw, token.ProfileSet(token.Management), nil, secrets...)
		got := kerr == nil
		if got != want {
			t.Errorf("case %d: claims %v alg %s: keyward err = %v, golang-jwt err = %v, profile rules hold = %v",
				i, claims, m.Alg(), kerr, gerr, managementRulesHold(claims))
			continue
		}
		agree++
		if got {
			accepted++
		}
	}
	if accepted < 100 || accepted > 2900 {
		t.Errorf("only %d of 3000 random tokens were valid: the generator is lopsided", accepted)
	}
	t.Logf("golang-jwt → keyward: %d agree, %d accepted", agree, accepted)

	// keyward → golang-jwt.
	for i := range 500 {
		key := fmt.Sprintf("key-%d-é", rng.IntN(1000))
		var b *token.Builder
		p := signProfiles[i%len(signProfiles)]
		b = token.New(p, key, goldenSecret).SetIssuedAt(clock).SetMethod("POST").SetURL("/v3/sl/encoding").
			SetArg(map[string]any{"src": fmt.Sprint(rng.Int()), "n": rng.IntN(9)}).SetAPIID("api").SetRequest("GET", "/x", "a=b").
			SetRoom("r").SetUser("u").SetRole("host").SetTTL(time.Duration(1+rng.IntN(86400)) * time.Second)
		raw, err := b.ToJWT()
		if err != nil {
			t.Fatalf("keyward sign %s: %v", p, err)
		}
		var mc jwt.MapClaims
		if _, err := parser.ParseWithClaims(raw, &mc, func(*jwt.Token) (any, error) { return goldenSecret, nil }); err != nil {
			t.Fatalf("golang-jwt rejects keyward %s token: %v", p, err)
		}
		if mc[keyClaim(p)] != key {
			t.Fatalf("golang-jwt reads %s = %v, want %q", keyClaim(p), mc[keyClaim(p)], key)
		}
	}
}

var signProfiles = []token.Profile{token.Request, token.QSH, token.Management, token.App, token.APIKey}

func keyClaim(p token.Profile) string {
	switch p {
	case token.Management, token.App:
		return "access_key"
	case token.APIKey:
		return "apikey"
	}
	return "iss"
}

// managementRulesHold restates DESIGN §2's management profile: a non-empty
// string access_key, type "management", the number 2 as version, a
// non-empty string jti, numeric iat/nbf/exp all present, and exp − now ≤
// 24 h + 60 s.
func managementRulesHold(c map[string]any) bool {
	if s, ok := c["access_key"].(string); !ok || s == "" {
		return false
	}
	if c["type"] != "management" {
		return false
	}
	switch v := c["version"].(type) {
	case int:
		if v != 2 {
			return false
		}
	case float64:
		// golang-jwt writes 2.0 as 2; a float 2.0 is the number 2.
		if v != 2 {
			return false
		}
	default:
		return false
	}
	if s, ok := c["jti"].(string); !ok || s == "" {
		return false
	}
	for _, name := range []string{"iat", "nbf", "exp"} {
		switch c[name].(type) {
		case int64, float64:
		default:
			return false
		}
	}
	var exp int64
	switch e := c["exp"].(type) {
	case int64:
		exp = e
	case float64:
		exp = int64(e)
	}
	return exp-now <= 86400+60
}
