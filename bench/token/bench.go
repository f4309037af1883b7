package token

import (
	"errors"
	"fmt"
	"testing"
)

// VerifyBenchmark returns a benchmark of impl verifying tok on one
// goroutine, with the state [Impl.NewVerify] keeps built before the timer
// starts. A failed verification fails the benchmark, so a broken path is
// never timed.
func VerifyBenchmark(impl Impl, tok string) func(*testing.B) {
	return func(b *testing.B) {
		verify := impl.NewVerify(tok)
		b.ReportAllocs()
		for b.Loop() {
			if err := verify(); err != nil {
				b.Fatalf("%s: verify: %v", impl.Name, err)
			}
		}
	}
}

// VerifyParallelBenchmark returns a benchmark of impl verifying tok on
// GOMAXPROCS goroutines at once through [Impl.NewSharedVerify]. Its ns/op
// is wall time divided by the operations of all goroutines.
func VerifyParallelBenchmark(impl Impl, tok string) func(*testing.B) {
	return func(b *testing.B) {
		verify := impl.NewSharedVerify(tok)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := verify(); err != nil {
					b.Errorf("%s: verify: %v", impl.Name, err)
					return
				}
			}
		})
	}
}

// SignBenchmark returns a benchmark of impl signing the fixture's token.
func SignBenchmark(impl Impl) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := impl.Sign(); err != nil {
				b.Fatalf("%s: sign: %v", impl.Name, err)
			}
		}
	}
}

// CrossCheck has every implementation sign the fixture's token and every
// implementation verify every one of those tokens, sequentially and through
// the shared path. It returns all failures joined, or nil.
func CrossCheck(impls []Impl) error {
	var errs []error
	for _, signer := range impls {
		tok, err := signer.Sign()
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: sign: %w", signer.Name, err))
			continue
		}
		for _, verifier := range impls {
			if err := verifier.NewVerify(tok)(); err != nil {
				errs = append(errs, fmt.Errorf("%s verifying %s's token: %w", verifier.Name, signer.Name, err))
			}
			if err := verifier.NewSharedVerify(tok)(); err != nil {
				errs = append(errs, fmt.Errorf("%s (shared) verifying %s's token: %w", verifier.Name, signer.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}
