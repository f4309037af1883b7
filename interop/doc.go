// Package interop tests that keyward's tokens and the JWT libraries its users
// run agree, with the real libraries: npm jsonwebtoken and atlassian-jwt
// (pinned in package-lock.json, installed by npm ci), Debian's python3-jwt
// (PyJWT, run with /usr/bin/python3) and ruby-jwt.
//
// The directory holds one script per code sample of the seed documents,
// kept as close to the seed text as a runnable program allows (each says at
// its top which seed it comes from and what was fixed): node/, python/ and
// ruby/. The tests run each sample with a fresh key and secret and verify its
// token with package token under the sample's profile; sign every profile
// with package token and verify the result with each language's library
// (node/verify.js, python/verify.py, ruby/verify.rb); and compare keyward's
// query string hash with atlassian-jwt's (node/qsh_vectors.js).
//
// The package has no code of its own. Run its tests with
//
//	go test ./interop/
//
// after `npm ci` in this directory; scripts/test.sh installs everything and
// makes a missing interpreter or library fail the tests instead of skipping
// them.
package interop
