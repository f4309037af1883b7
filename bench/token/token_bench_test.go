package token_test

import (
	"testing"
	"time"

	tokenbench "github.com/keyward/keyward/bench/token"
)

// mustSetup builds the implementations and the token the verify benchmarks
// verify: keyward's, which golang-jwt (typed claims) and cristalhq sign byte
// for byte alike (TestSignSameToken).
func mustSetup(b *testing.B) ([]tokenbench.Impl, string) {
	b.Helper()
	impls, err := tokenbench.Impls(tokenbench.NewFixture(time.Now()))
	if err != nil {
		b.Fatalf("Impls: %v", err)
	}
	if err := tokenbench.CrossCheck(impls); err != nil {
		b.Fatalf("CrossCheck: %v", err)
	}
	tok, err := impls[0].Sign()
	if err != nil {
		b.Fatalf("%s Sign: %v", impls[0].Name, err)
	}
	return impls, tok
}

func BenchmarkVerify(b *testing.B) {
	impls, tok := mustSetup(b)
	for _, impl := range impls {
		b.Run(impl.Name, tokenbench.VerifyBenchmark(impl, tok))
	}
}

func BenchmarkVerifyParallel(b *testing.B) {
	impls, tok := mustSetup(b)
	for _, impl := range impls {
		b.Run(impl.Name, tokenbench.VerifyParallelBenchmark(impl, tok))
	}
}

func BenchmarkSign(b *testing.B) {
	impls, _ := mustSetup(b)
	for _, impl := range impls {
		b.Run(impl.Name, tokenbench.SignBenchmark(impl))
	}
}
