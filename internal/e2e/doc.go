// Package e2e runs keyward's end-to-end tests: it builds the real keyward
// binary, starts "keyward serve" on loopback against real SQLite or
// PostgreSQL (and Redis, SMTP) servers, and drives it over HTTP the way a
// customer's code and the keyward CLI do. It has no non-test code beyond
// the helpers in this package's test files.
package e2e
