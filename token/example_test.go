package token_test

import (
	"fmt"
	"time"

	"github.com/keyward/keyward/token"
)

var exampleClock = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// Mint a management token, as a customer's server does before calling the
// management API.
func ExampleBuilder_ToJWT() {
	tok, err := token.New(token.Management, "AK_example", []byte("example-secret-of-at-least-32-bytes!")).
		SetIssuedAt(exampleClock).
		SetJWTID("3f1c6a9e-0000-4000-8000-000000000001").
		ToJWT()
	if err != nil {
		panic(err)
	}
	var c token.Claims
	if err := token.ParseString(&c, tok); err != nil {
		panic(err)
	}
	fmt.Println(string(c.Payload()))
	// Output:
	// {"access_key":"AK_example","type":"management","version":2,"iat":1795341600,"nbf":1795341600,"exp":1795428000,"jti":"3f1c6a9e-0000-4000-8000-000000000001"}
}

// Verify a Soundlinks request token the way a server does: parse, look up
// the secrets of the key the token names, then verify against the request.
func ExampleVerifier_Verify() {
	secret := []byte("my_app_secret-0123456789abcdefghij")
	tok, _ := token.New(token.Request, "my_app_id", secret).
		SetIssuedAt(exampleClock).
		SetMethod("POST").SetURL("/v3/sl/encoding").
		SetArg(map[string]string{"src": "https://example.com/song.mp3"}).
		ToJWT()

	keys := map[string][]*token.Secret{"my_app_id": {token.MustSecret("", secret)}}
	v, _ := token.NewVerifier(token.Config{NowFunc: func() time.Time { return exampleClock.Add(5 * time.Second) }})

	var c token.Claims
	if err := token.ParseString(&c, tok); err != nil {
		fmt.Println(err)
		return
	}
	err := v.Verify(&c, keys[string(c.KeyBytes())], token.ProfileSet(token.Request),
		&token.Binding{Method: "POST", Path: "/v3/sl/encoding"})
	fmt.Println(err, c.Key(), string(c.Arg()))

	// The same token sent to another route fails its binding.
	err = v.Verify(&c, keys[string(c.KeyBytes())], token.ProfileSet(token.Request),
		&token.Binding{Method: "POST", Path: "/v3/sl/query"})
	fmt.Println(token.CodeOf(err), token.CodeOf(err).Status())
	// Output:
	// <nil> my_app_id {"src":"https://example.com/song.mp3"}
	// TOKEN_BINDING 401
}

// The qsh claim of the Sunbird profile is the SHA-256 of the canonical
// request; these are the public Atlassian test vectors.
func ExampleQueryStringHash() {
	fmt.Println(token.CanonicalRequest("GET", "/test", "param=value"))
	fmt.Println(token.QueryStringHash("GET", "/test", "param=value"))
	fmt.Println(token.CanonicalRequest("GET", "/path/to/service", "zee_last=param&repeated=parameter+1&first=param&repeated=parameter+2"))
	// Output:
	// GET&/test&param=value
	// be16910858a41fd19ea5c1b4e9decca9a784d1024cb00b2158defe2f29dc86dd
	// GET&/path/to/service&first=param&repeated=parameter%201,parameter%202&zee_last=param
}

// Errors carry stable codes that map to HTTP statuses.
func ExampleCodeOf() {
	var c token.Claims
	err := token.ParseString(&c, "not-a-token")
	fmt.Println(token.CodeOf(err), token.CodeOf(err).Status())
	// Output: TOKEN_MALFORMED 401
}
