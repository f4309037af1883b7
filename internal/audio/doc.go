// Package audio decodes and encodes the sound files keyward's encoding
// service handles, and resamples them.
//
// # Formats
//
// [Decode] reads WAV (PCM 8, 16, 24 and 32 bit, IEEE float 32 and 64 bit,
// WAVE_FORMAT_EXTENSIBLE), FLAC and MP3 (MPEG-1 and MPEG-2 Layer III; the
// encoder and decoder delay announced by a LAME/Xing tag is trimmed; MPEG 2.5,
// the 8–12 kHz variant, is refused with [ErrUnsupported]). The format is
// sniffed from the content, never from a file name. [EncodeWAV] and
// [EncodeFLAC] write a [Buffer] back at its own rate and channel count.
//
// # Streams
//
// [NewReader] and [NewWriter] do the same a block at a time, so a song of
// any length passes through in the memory of one block: [Decode] and the
// encoders are built on them. A [Writer] on a file completes the header's
// length when it is closed; on a pipe the length is left unknown.
// Ogg Vorbis, AAC and Opus are not decoded here: convert them first.
//
// # Limits
//
// Decoding never trusts a header for an allocation. Every decoder grows its
// buffers as samples really arrive and stops with [ErrTooLong] when the
// configured duration is exceeded; channel counts and sample rates are
// checked against [Limits] before any sample is read. A decoder that meets a
// truncated stream returns the samples it got when they are at least one
// whole frame, so a file cut short still decodes.
//
// # Resampling
//
// [Resample] converts between any two rates with a windowed-sinc filter whose
// length and cut-off are set by [ResampleQuality]. It is exact in time: the
// n-th output sample sits at n·from/to input samples, computed in integers,
// so long files never drift.
package audio
