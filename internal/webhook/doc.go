// Package webhook delivers the rooms' webhook events: it relays the
// events the store wrote to its outbox (package room's [room.Outbox]) to
// the job queue (package jobs, on River), and its jobs post each event,
// signed, through the download guard (package fetch).
//
// # Guarantees
//
//   - No event is lost: an event is written in the transaction of the change
//     it reports, and stays in the outbox until a post of it was answered
//     2xx or its attempts ran out. A process killed at any point (kill -9)
//     leaves it there; the next process relays and delivers it.
//   - In order per room: an event is posted only after every earlier event
//     of its room was delivered or given up, so a receiver sees a peer's
//     joined before its left. Rooms do not wait for each other.
//   - Once per event id, for a receiver that drops repeats: every post
//     carries the event's id (Webhook-Id header, "id" in the body). A post
//     that was answered 2xx is not repeated, except when the process dies
//     between the answer and recording it; then the same id comes again.
//
// # Relay
//
// On SQLite the job queue lives in its own file (DATA/jobs.db), so no
// transaction spans the outbox and the queue. The relay polls the outbox
// for events not yet relayed, inserts one job per event (unique by event
// id, so a relay that dies after inserting and before marking inserts
// nothing new), then marks them relayed. PostgreSQL uses the same path.
//
// # Signature
//
// Every post carries
//
//	X-Keyward-Signature: t=UNIX,v1=HEX
//
// where HEX is hex(HMAC-SHA256(secret, UNIX + "." + body)) over the exact
// body bytes, and secret is the room's webhook secret ([Secret]): derived
// from the server's master key and the room id, the same on every node and
// across restarts, readable by the room's owner at GET
// /v1/rooms/{id}/webhook. [Verify] checks a post; docs/webhooks.md shows
// the check for receivers in other languages.
package webhook
