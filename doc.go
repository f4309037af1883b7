// Package keyward is the root of the keyward module. It holds no code of its
// own, only tests that guard the whole repository (package documentation).
// The SDK lives in [github.com/keyward/keyward/token]; the binary in
// cmd/keyward.
package keyward
