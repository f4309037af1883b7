package token

import (
	"fmt"
	"sync"
	"time"

	cristaljwt "github.com/cristalhq/jwt/v5"
	golangjwt "github.com/golang-jwt/jwt/v5"
	keyward "github.com/keyward/keyward/token"
)

// The names of the implementations, as they appear in benchmark names and
// in the tokenbench table.
const (
	Keyward         = "keyward"
	GolangJWTStruct = "golang-jwt-struct"
	GolangJWTMap    = "golang-jwt-map"
	Cristalhq       = "cristalhq"
)

// Impl is one implementation, set up once (secrets, parsers and signers
// built ahead, as a server builds them at start-up) to sign and verify the
// fixture's management token.
type Impl struct {
	// Name is one of [Keyward], [GolangJWTStruct], [GolangJWTMap] and
	// [Cristalhq].
	Name string
	// Sign signs the fixture's claims and returns the compact token. It is
	// safe for concurrent use.
	Sign func() (string, error)
	// NewVerify returns a function that verifies tok, for use on one
	// goroutine: it may keep state from call to call, as a keyward
	// middleware keeps one [keyward.Claims] per goroutine.
	NewVerify func(tok string) func() error
	// NewSharedVerify returns a function that verifies tok and is safe for
	// concurrent use; keyward's takes its Claims from a sync.Pool on every
	// call.
	NewSharedVerify func(tok string) func() error
}

// Impls returns the four implementations for f, keyward first.
func Impls(f Fixture) ([]Impl, error) {
	kw, err := newKeyward(f)
	if err != nil {
		return nil, err
	}
	cr, err := newCristalhq(f)
	if err != nil {
		return nil, err
	}
	return []Impl{kw, newGolangJWTStruct(f), newGolangJWTMap(f), cr}, nil
}

// newKeyward verifies the way a keyward middleware does: Parse into a reused
// Claims, then Verify against the key's secrets, accepting the management
// profile only.
func newKeyward(f Fixture) (Impl, error) {
	v, err := keyward.NewVerifier(keyward.Config{Leeway: Leeway, MaxLifetime: MaxLifetime})
	if err != nil {
		return Impl{}, fmt.Errorf("keyward verifier: %w", err)
	}
	secret, err := keyward.NewSecret("", f.Secret)
	if err != nil {
		return Impl{}, fmt.Errorf("keyward secret: %w", err)
	}
	secrets := []*keyward.Secret{secret}
	accept := keyward.ProfileSet(keyward.Management)
	verify := func(c *keyward.Claims, raw []byte) error {
		if err := keyward.Parse(c, raw); err != nil {
			return err
		}
		return v.Verify(c, secrets, accept, nil)
	}
	pool := &sync.Pool{New: func() any { return new(keyward.Claims) }}
	return Impl{
		Name: Keyward,
		Sign: func() (string, error) {
			return keyward.New(keyward.Management, f.AccessKey, f.Secret).
				SetIssuedAt(f.IssuedAt).
				SetNotBefore(f.NotBefore).
				SetExpiry(f.Expires).
				SetJWTID(f.JWTID).
				ToJWT()
		},
		NewVerify: func(tok string) func() error {
			c, raw := new(keyward.Claims), []byte(tok)
			return func() error { return verify(c, raw) }
		},
		NewSharedVerify: func(tok string) func() error {
			raw := []byte(tok)
			return func() error {
				c := pool.Get().(*keyward.Claims)
				err := verify(c, raw)
				pool.Put(c)
				return err
			}
		},
	}, nil
}

// golangJWTParser returns the parser both golang-jwt variants share: HS256
// only, exp, nbf and iat checked with the leeway, exp and nbf required.
// golang-jwt has no option to require iat; managementClaims.check does.
func golangJWTParser() *golangjwt.Parser {
	return golangjwt.NewParser(
		golangjwt.WithValidMethods([]string{"HS256"}),
		golangjwt.WithExpirationRequired(),
		golangjwt.WithNotBeforeRequired(),
		golangjwt.WithIssuedAt(),
		golangjwt.WithLeeway(Leeway),
	)
}

// golangJWTClaims is the typed claims of the golang-jwt struct variant. Its
// fields are in keyward's claim order, so it signs byte for byte the token
// keyward signs.
type golangJWTClaims struct {
	AccessKey string                 `json:"access_key"`
	Type      string                 `json:"type"`
	Version   int                    `json:"version"`
	IssuedAt  *golangjwt.NumericDate `json:"iat,omitempty"`
	NotBefore *golangjwt.NumericDate `json:"nbf,omitempty"`
	ExpiresAt *golangjwt.NumericDate `json:"exp,omitempty"`
	ID        string                 `json:"jti,omitempty"`
}

var _ golangjwt.Claims = (*golangJWTClaims)(nil)

// The methods of golangjwt.Claims, through which golang-jwt's validator
// reads the dates; this profile has no iss, sub or aud.

func (c *golangJWTClaims) GetExpirationTime() (*golangjwt.NumericDate, error) {
	return c.ExpiresAt, nil
}
func (c *golangJWTClaims) GetIssuedAt() (*golangjwt.NumericDate, error)  { return c.IssuedAt, nil }
func (c *golangJWTClaims) GetNotBefore() (*golangjwt.NumericDate, error) { return c.NotBefore, nil }
func (c *golangJWTClaims) GetIssuer() (string, error)                    { return "", nil }
func (c *golangJWTClaims) GetSubject() (string, error)                   { return "", nil }
func (c *golangJWTClaims) GetAudience() (golangjwt.ClaimStrings, error)  { return nil, nil }

func newGolangJWTStruct(f Fixture) Impl {
	p := golangJWTParser()
	keyFunc := func(*golangjwt.Token) (any, error) { return f.Secret, nil }
	verify := func(tok string) error {
		var c golangJWTClaims
		if _, err := p.ParseWithClaims(tok, &c, keyFunc); err != nil {
			return err
		}
		m := managementClaims{
			accessKey: c.AccessKey, typ: c.Type, jti: c.ID, version2: c.Version == 2,
			hasIAT: c.IssuedAt != nil, hasNBF: c.NotBefore != nil, hasExp: c.ExpiresAt != nil,
		}
		if m.hasExp {
			m.exp = c.ExpiresAt.Unix()
		}
		return m.check(time.Now(), true)
	}
	newVerify := func(tok string) func() error { return func() error { return verify(tok) } }
	return Impl{
		Name: GolangJWTStruct,
		Sign: func() (string, error) {
			c := &golangJWTClaims{
				AccessKey: f.AccessKey,
				Type:      "management",
				Version:   2,
				IssuedAt:  golangjwt.NewNumericDate(f.IssuedAt),
				NotBefore: golangjwt.NewNumericDate(f.NotBefore),
				ExpiresAt: golangjwt.NewNumericDate(f.Expires),
				ID:        f.JWTID,
			}
			return golangjwt.NewWithClaims(golangjwt.SigningMethodHS256, c).SignedString(f.Secret)
		},
		NewVerify:       newVerify,
		NewSharedVerify: newVerify,
	}
}

func newGolangJWTMap(f Fixture) Impl {
	p := golangJWTParser()
	keyFunc := func(*golangjwt.Token) (any, error) { return f.Secret, nil }
	verify := func(tok string) error {
		t, err := p.Parse(tok, keyFunc)
		if err != nil {
			return err
		}
		c, ok := t.Claims.(golangjwt.MapClaims)
		if !ok {
			return ErrClaims
		}
		m := managementClaims{}
		m.accessKey, _ = c["access_key"].(string)
		m.typ, _ = c["type"].(string)
		m.jti, _ = c["jti"].(string)
		v, _ := c["version"].(float64)
		m.version2 = v == 2
		_, m.hasIAT = c["iat"].(float64)
		_, m.hasNBF = c["nbf"].(float64)
		exp, _ := c["exp"].(float64)
		m.exp, m.hasExp = int64(exp), exp != 0
		return m.check(time.Now(), true)
	}
	newVerify := func(tok string) func() error { return func() error { return verify(tok) } }
	return Impl{
		Name: GolangJWTMap,
		Sign: func() (string, error) {
			c := golangjwt.MapClaims{
				"access_key": f.AccessKey,
				"type":       "management",
				"version":    2,
				"iat":        f.IssuedAt.Unix(),
				"nbf":        f.NotBefore.Unix(),
				"exp":        f.Expires.Unix(),
				"jti":        f.JWTID,
			}
			return golangjwt.NewWithClaims(golangjwt.SigningMethodHS256, c).SignedString(f.Secret)
		},
		NewVerify:       newVerify,
		NewSharedVerify: newVerify,
	}
}

// cristalClaims is the typed claims of the cristalhq variant, in keyward's
// claim order.
type cristalClaims struct {
	AccessKey string                  `json:"access_key"`
	Type      string                  `json:"type"`
	Version   int                     `json:"version"`
	IssuedAt  *cristaljwt.NumericDate `json:"iat,omitempty"`
	NotBefore *cristaljwt.NumericDate `json:"nbf,omitempty"`
	ExpiresAt *cristaljwt.NumericDate `json:"exp,omitempty"`
	ID        string                  `json:"jti,omitempty"`
}

// newCristalhq checks the signature with cristalhq (which pins the
// verifier's algorithm), decodes the claims, and leaves every time rule to
// managementClaims.check: cristalhq's own IsValidAt has no leeway.
func newCristalhq(f Fixture) (Impl, error) {
	signer, err := cristaljwt.NewSignerHS(cristaljwt.HS256, f.Secret)
	if err != nil {
		return Impl{}, fmt.Errorf("cristalhq signer: %w", err)
	}
	verifier, err := cristaljwt.NewVerifierHS(cristaljwt.HS256, f.Secret)
	if err != nil {
		return Impl{}, fmt.Errorf("cristalhq verifier: %w", err)
	}
	builder := cristaljwt.NewBuilder(signer)
	verify := func(raw []byte) error {
		t, err := cristaljwt.Parse(raw, verifier)
		if err != nil {
			return err
		}
		var c cristalClaims
		if err := t.DecodeClaims(&c); err != nil {
			return err
		}
		m := managementClaims{
			accessKey: c.AccessKey, typ: c.Type, jti: c.ID, version2: c.Version == 2,
			hasIAT: c.IssuedAt != nil, hasNBF: c.NotBefore != nil, hasExp: c.ExpiresAt != nil,
		}
		if m.hasIAT {
			m.iat = c.IssuedAt.Unix()
		}
		if m.hasNBF {
			m.nbf = c.NotBefore.Unix()
		}
		if m.hasExp {
			m.exp = c.ExpiresAt.Unix()
		}
		return m.check(time.Now(), false)
	}
	newVerify := func(tok string) func() error {
		raw := []byte(tok)
		return func() error { return verify(raw) }
	}
	return Impl{
		Name: Cristalhq,
		Sign: func() (string, error) {
			t, err := builder.Build(&cristalClaims{
				AccessKey: f.AccessKey,
				Type:      "management",
				Version:   2,
				IssuedAt:  cristaljwt.NewNumericDate(f.IssuedAt),
				NotBefore: cristaljwt.NewNumericDate(f.NotBefore),
				ExpiresAt: cristaljwt.NewNumericDate(f.Expires),
				ID:        f.JWTID,
			})
			if err != nil {
				return "", err
			}
			return t.String(), nil
		},
		NewVerify:       newVerify,
		NewSharedVerify: newVerify,
	}, nil
}
