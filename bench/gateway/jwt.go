package gateway

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTLeeway is the clock skew the golang-jwt middleware forgives, keyward's
// default.
const JWTLeeway = 60 * time.Second

// errUnknownKey is the golang-jwt key function's answer for an access_key it
// does not know.
var errUnknownKey = errors.New("gatewaybench: unknown access_key")

// jwtClaims are a management token's claims as the golang-jwt middleware
// decodes them.
type jwtClaims struct {
	AccessKey string `json:"access_key"`
	Type      string `json:"type"`
	Version   int    `json:"version"`
	jwt.RegisteredClaims
}

var _ jwt.Claims = (*jwtClaims)(nil)

// management applies the management profile's rules that the parser's
// options do not: type, version, jti, nbf present, and exp no more than
// [TokenLifetime] (plus leeway) ahead. The parser has already checked exp
// (required), nbf and iat against the clock.
func (c *jwtClaims) management(now time.Time) bool {
	return c.Type == "management" && c.Version == 2 && c.ID != "" &&
		c.NotBefore != nil && c.IssuedAt != nil &&
		c.ExpiresAt.Sub(now) <= TokenLifetime+JWTLeeway
}

// jwtClaimsKey carries the verified claims in the request context, as a
// real middleware would hand them to the handler.
type jwtClaimsKey struct{}

// unauthorizedBody is the golang-jwt middleware's 401 body.
var unauthorizedBody = []byte(`{"error":{"code":"TOKEN_INVALID","message":"invalid or missing token"}}`)

// GolangJWTMiddleware returns middleware that lets through only requests
// whose "Authorization: Bearer" token is a valid management token signed
// with the secret that secrets holds for its access_key, verified with
// golang-jwt/jwt/v5: HS256 only, exp required, iat checked, 60 s leeway,
// then type "management", version 2, a jti and an nbf. Others get 401 with
// a JSON body. It is the fair peer of keyward's door for issue 5: it does
// the same checks and the same kind of key lookup (a map read standing in
// for the door's key cache).
func GolangJWTMiddleware(secrets map[string][]byte) func(http.Handler) http.Handler {
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"HS256"}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(JWTLeeway),
	)
	keyFunc := func(t *jwt.Token) (any, error) {
		c, ok := t.Claims.(*jwtClaims)
		if !ok {
			return nil, errUnknownKey
		}
		s, ok := secrets[c.AccessKey]
		if !ok {
			return nil, errUnknownKey
		}
		return s, nil
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c := new(jwtClaims)
			raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if ok {
				_, err := parser.ParseWithClaims(raw, c, keyFunc)
				ok = err == nil && c.management(time.Now())
			}
			if !ok {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				w.Write(unauthorizedBody)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), jwtClaimsKey{}, c)))
		})
	}
}
