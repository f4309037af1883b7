// Command tokenir parses and verifies one management token 20,000 times (or
// none, given the argument 0), so that valgrind can count the instructions
// one Parse+Verify costs, a measure that does not depend on machine load:
// see bench/token-ir.sh.
package main

import (
	"fmt"
	"os"

	"github.com/keyward/keyward/token"
)

func main() {
	sec := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	s, _ := token.New(token.Management, "0123456789abcdef01234567", sec).ToJWT()
	raw := []byte(s)
	v, _ := token.NewVerifier(token.Config{})
	secs := []*token.Secret{token.MustSecret("", sec)}
	c := new(token.Claims)
	n := 20000
	if len(os.Args) > 1 && os.Args[1] == "0" {
		n = 0
	}
	for i := 0; i < n; i++ {
		if err := token.Parse(c, raw); err != nil {
			panic(err)
		}
		if err := v.Verify(c, secs, token.AllProfiles, nil); err != nil {
			panic(err)
		}
	}
	fmt.Println("ok")
}
