// Package watermark embeds a sound link — a 64-bit [ID] — into audio so
// that it survives lossy coding, resampling, filtering, noise, small speed
// changes and cropping, and detects it again from any excerpt of a few
// seconds. It works on samples only: no I/O, no context, no goroutines; the
// same key, strength, input and id always give the same output.
//
// # Use
//
//	m, err := watermark.New(watermark.Config{Key: key})
//	err = m.Embed(samples, rate, id)        // in place, one slice per channel
//	results, err := m.Detect(samples, rate) // ids found, best first
//
// For long inputs that should not be held in memory, [Marker.NewEmbedder]
// marks a stream chunk by chunk with about 12 s of look-ahead, and
// [Marker.EmbedStream] runs a whole file through it from a reader to a
// writer (an audio.Reader and audio.Writer fit), with output identical to
// [Marker.Embed].
//
// # How the mark is made
//
// Every signal is mixed to mono and resampled to 11025 Hz for analysis.
// Frames of 512 samples (46 ms) come in pairs; in each pair, each of 80
// bands of two FFT bins between 861 and 4306 Hz is raised by a fraction of
// a decibel in one frame and lowered in the other, the direction given by
// a key-derived chip. The detector compares the two frames of a pair, so
// the music's own slow envelope cancels, and the mark is indifferent to
// volume, equalisation and companding. Only the analysis frames aligned
// with mark frames are changed.
//
// The detector normalises what it sees, so a decibel of change is worth
// the same to it in any band of any frame, while its cost in distortion
// energy grows with the music's level there. The change is therefore
// weighted towards bands holding little of the frame's energy and towards
// pairs quieter than their surroundings. It is also informed by the host:
// the embedder computes the music's own pair difference in every cell, as
// the detector will see it, and where the sum over one coded bit's cells
// in a period opposes the bit, raises those cells by enough to cancel most
// of it; where the music already helps, it lowers them a little. Every
// block of about 12 s is then scaled to a target signal-to-noise ratio
// (31.75 dB at strength 1; music with little energy in the mark's band,
// such as bass-heavy electronics, comes out quieter still, as the change
// is never more than 1.6 times its nominal size).
//
// A period of 16 pairs (1.49 s) carries the whole payload: 256 of its 1280
// cells are pilots for synchronisation, the rest carry the 96 payload bits
// (the id and a 32-bit keyed MAC of it) coded with a rate-1/3, constraint-7
// convolutional code. The period repeats throughout the song, so every
// excerpt longer than a period holds every coded bit, and longer excerpts
// add up more copies.
//
// # How it is found
//
// The detector computes a short-time spectrum at a hop of 64 samples and
// the difference of log band energy between each frame and the next. From
// every such row it takes out the running mean across bands (a drum hit or
// a decay moves many bands together; the chips are independent from band
// to band) and brings the row to a unit mean magnitude. It finds the
// period's start from the pilots, adds up the soft value of every copy
// of every coded bit, and decodes them with a soft-decision list Viterbi
// decoder that checks the 16 most likely payloads against the MAC. A copy
// whose start falls between two hops of the analysis, or whose pilots
// lose to a chance peak, is decoded again at the half hops and neighbours
// around the best start and at the next best start. An id is reported
// only when the keyed MAC matches and the received soft bits agree with
// the re-encoded payload beyond a threshold calibrated on unmarked music. Long inputs are also tracked window by
// window, which follows drift. When nothing is found at the original speed,
// speeds within ±[Config.SpeedSearch] (default 4%) are searched in 0.4%
// steps by rescaling the analysed spectrum, so a sped-up or slowed-down copy
// is found without a second pass over the audio. Detection analyses at most
// three minutes at a time, with overlap, so memory stays bounded on long
// files.
//
// # Caveats
//
// The key is the only secret: anyone holding it can detect and, with
// effort, remove or forge marks. Keep it with the other credentials.
// Material shorter than [PeriodDuration] cannot carry a mark ([ErrTooShort]);
// reliable detection wants excerpts of 5 s or more. Pitch-preserving tempo
// changes, heavy time-stretching and speed changes beyond the search range
// are not handled.
package watermark
