// Package encoding is the Encoding API (the Soundlinks seed's service) and
// its durable worker: fetch a song from a link, mark it with a sound link,
// store it, and answer queries about the job and detections of the mark.
//
// # API
//
//	POST /v3/sl/encoding  sl.encoding.start   arg {src, artist}  → {query}
//	POST /v3/sl/query     sl.encoding.query   arg {query}        → {status, message, …}
//	POST /v3/sl/detect    sl.encoding.detect  arg {src}          → {found, soundlink{…}} | {found:false, message}
//	GET  /v3/sl/files/{name}?exp=&sig=                          the signed download (local store only)
//
// The three API routes are in the API group "encoding" and accept the
// request profile (parameters in the token's arg) and the qsh profile
// (parameters in the query string). Starting a job and detecting are
// single-use: both download and decode a song, so a replayed token is
// refused by the door (TOKEN_REPLAYED) instead of repeating that work; a
// query token may be used again within its window.
//
// status is "processing", "complete" or "failed". A processing message
// names the stage (queued, downloading, decoding, encoding, storing) and
// the progress; a complete answer carries url (a signed link to the
// encoded song, valid for Config.LinkTTL), expires, soundlink (the
// 16-hex-digit id the mark carries), duration (seconds), format (wav or
// flac), artist and job; a failed answer's message says, in words, what
// was wrong (the link answered 404, the file is not audio, is too large, too
// long, the host does not exist or is not allowed, the download timed out).
//
// # The query credential
//
// A query credential is 192 random bits (base64url, prefix "q_"). Only
// its SHA-256 is stored, bound to the credential that started the job:
// another credential asking about it gets NOT_FOUND, exactly as for a
// credential that never existed, so nothing about other apps' jobs leaks.
//
// # The worker
//
// A job runs on River (package jobs): downloading (through the guard of
// package fetch) to a temporary file, then decoding (package audio) and
// encoding (the watermark embed and the output file) in one streamed pass
// that never holds the whole song, then storing (package blob). Transient faults (a timeout, a 5xx, a broken
// connection) are retried with backoff up to jobs.Config.MaxAttempts; a
// permanent fault ends the job "failed" at once. A job killed with its
// process resumes from the start on the next node or restart; the worker is
// idempotent (the same sound link id, the same file name, one result). The
// worker checks between stages whether the job was cancelled
// ([Service.Cancel]). On failure no file is kept.
//
// # Tables
//
// In the jobs database (DATA/jobs.db on SQLite, the main database on
// PostgreSQL), migration set "encoding" (migration/, package migrate):
// encoding_job (one row a job; the
// query credential's hash, the owner, stage, progress, result, stage
// timings) and encoding_soundlink (sound link id → artist, job, owner).
package encoding
