// Package room is the rooms domain (DESIGN §9): rooms, templates of roles
// and their capabilities, sessions, peer records, bans, the [Store] that
// keeps them, and the rooms API's error codes. It does no I/O, so the store
// implements it without reaching net/http; package rooms serves it (REST,
// the signal socket, media) and re-exports these names.
package room
