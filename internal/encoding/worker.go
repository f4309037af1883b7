package encoding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/watermark"
)

// encodeArgs is the River job of one encoding.
type encodeArgs struct {
	// JobID is the encoding_job row.
	JobID string `json:"job_id"`
}

// Kind names the job kind in River's table.
func (encodeArgs) Kind() string { return "keyward_encoding" }

// jobError is a failure with a message for the person who started the job.
type jobError struct {
	msg       string
	permanent bool
	err       error
}

func (e *jobError) Error() string {
	if e.err != nil {
		return e.msg + ": " + e.err.Error()
	}
	return e.msg
}

func (e *jobError) Unwrap() error { return e.err }

func permanent(err error, format string, args ...any) *jobError {
	return &jobError{msg: fmt.Sprintf(format, args...), permanent: true, err: err}
}

func transient(err error, format string, args ...any) *jobError {
	return &jobError{msg: fmt.Sprintf(format, args...), err: err}
}

// errCancelled means the job was cancelled through Service.Cancel.
var errCancelled = errors.New("encoding: job cancelled")

// worker works encodeArgs jobs.
type worker struct {
	river.WorkerDefaults[encodeArgs]
	s *Service
}

// Work runs one attempt of a job and records its outcome.
func (w *worker) Work(ctx context.Context, rj *river.Job[encodeArgs]) error {
	s := w.s
	j, err := s.db.get(ctx, rj.Args.JobID)
	if errors.Is(err, errNoJob) {
		return river.JobCancel(fmt.Errorf("encoding job %s does not exist", rj.Args.JobID))
	}
	if err != nil {
		return err
	}
	if j.Status != StatusProcessing {
		return nil // already finished (a rescued duplicate)
	}
	err = s.db.recordAttempt(ctx, j.ID, rj.Attempt)
	if err == nil {
		err = s.run(ctx, j)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, errCancelled):
		s.fail(j, "the job was cancelled")
		return river.JobCancel(err)
	case ctx.Err() != nil:
		// Shutdown or River's job timeout: the job resumes later.
		s.setProgress(context.WithoutCancel(ctx), j.ID, StageQueued, 0, "interrupted; it will resume shortly")
		return err
	}
	je, ok := errors.AsType[*jobError](err)
	if !ok {
		// A fault of keyward (database, disk): retry, and say so plainly.
		je = transient(err, "an internal error occurred")
	}
	if je.permanent || rj.Attempt >= rj.MaxAttempts {
		msg := je.msg
		if !je.permanent && rj.Attempt > 1 {
			msg = fmt.Sprintf("%s (gave up after %d attempts)", msg, rj.Attempt)
		}
		s.log.Info("encoding: job failed", "job", j.ID, "reason", err)
		s.fail(j, msg)
		return river.JobCancel(err)
	}
	s.log.Info("encoding: job attempt failed; retrying", "job", j.ID, "attempt", rj.Attempt, "reason", err)
	s.setProgress(context.WithoutCancel(ctx), j.ID, StageQueued, 0,
		fmt.Sprintf("%s; retrying (attempt %d of %d)", je.msg, rj.Attempt+1, rj.MaxAttempts))
	return err
}

// run is one attempt: download, decode, mark, encode, store, record.
func (s *Service) run(ctx context.Context, j *job) error {
	var t timings
	in, err := step(s, ctx, j.ID, StageDownloading, &t.DownloadMS, func() (*download, error) { return s.download(ctx, j) })
	if err != nil {
		return err
	}
	defer in.remove()
	src, err := step(s, ctx, j.ID, StageDecoding, &t.DecodeMS, func() (*audio.Reader, error) { return s.open(in) })
	if err != nil {
		return err
	}
	// Decoding goes on through the encoding stage: the song passes through
	// the decoder, the mark and the encoder a block at a time.
	var passMS int64
	out, err := step(s, ctx, j.ID, StageEncoding, &passMS, func() (*encoded, error) { return s.markSong(j, src) })
	if err != nil {
		return err
	}
	defer out.remove()
	t.DecodeMS += out.stats.Read.Milliseconds()
	t.MarkMS, t.EncodeMS = out.stats.Mark.Milliseconds(), out.stats.Write.Milliseconds()
	name, err := step(s, ctx, j.ID, StageStoring, &t.StoreMS, func() (string, error) { return s.store(ctx, j, out) })
	if err != nil {
		return err
	}
	return s.record(ctx, j, &result{
		InputFormat: string(in.format), BlobName: name, Format: string(out.format),
		DurationMS: out.duration().Milliseconds(), SampleRate: int64(out.rate), Channels: int64(out.channels), Size: out.size,
		Timings: t,
	})
}

// step runs one stage of an attempt: it stops if the job was cancelled or
// the attempt interrupted, records the stage (unless stage is "": the
// previous one goes on), runs fn and adds its time to *ms.
func step[T any](s *Service, ctx context.Context, id, stage string, ms *int64, fn func() (T, error)) (T, error) {
	var zero T
	if err := s.checkCancel(ctx, id); err != nil {
		return zero, err
	}
	if stage != "" {
		s.setProgress(ctx, id, stage, 0, "")
	}
	start := time.Now()
	v, err := fn()
	*ms = time.Since(start).Milliseconds()
	return v, err
}

// download is a song downloaded into a temporary file.
type download struct {
	f      *os.File
	format fetch.Format
}

func (d *download) remove() {
	d.f.Close()
	os.Remove(d.f.Name())
}

// download fetches the job's song into a temporary file, recording the
// progress.
func (s *Service) download(ctx context.Context, j *job) (*download, error) {
	f, err := s.tempFile("download-")
	if err != nil {
		return nil, fmt.Errorf("temp file: %w", err)
	}
	d := &download{f: f}
	prog := s.throttledProgress(ctx, j.ID)
	res, err := s.cfg.Fetcher.Fetch(ctx, j.Src, f, func(done, total int64) {
		if total > 0 {
			prog(StageDownloading, float64(done)/float64(total))
		}
	})
	if err == nil && res.Format == fetch.FormatOgg {
		err = permanent(nil, "the file is Ogg, which keyward cannot decode yet; send WAV, FLAC or MP3")
	} else if err != nil {
		err = fetchError(ctx, err)
	}
	if err != nil {
		d.remove()
		return nil, err
	}
	d.format = res.Format
	return d, nil
}

// open starts decoding the download: it reads the song's header.
func (s *Service) open(d *download) (*audio.Reader, error) {
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("rewind download: %w", err)
	}
	src, err := audio.NewReader(d.f, audio.Format(d.format), s.decodeLimits())
	if err != nil {
		return nil, decodeError(err, s.cfg.MaxDuration)
	}
	return src, nil
}

// encoded is the output file of an attempt.
type encoded struct {
	f              *os.File
	format         audio.Format
	size           int64
	rate, channels int
	stats          watermark.StreamStats
}

func (e *encoded) remove() {
	e.f.Close()
	os.Remove(e.f.Name())
}

func (e *encoded) duration() time.Duration {
	return time.Duration(float64(e.stats.Frames) / float64(e.rate) * float64(time.Second))
}

// markSong reads the rest of src, marks it with the job's sound link and
// writes it as WAV (or FLAC, for a FLAC input when MatchFLAC is set) into
// a temporary file, rewound: one pass, a block at a time, so the song is
// never held whole.
func (s *Service) markSong(j *job, src *audio.Reader) (*encoded, error) {
	id, err := watermark.ParseID(j.SoundLink)
	if err != nil {
		return nil, fmt.Errorf("sound link id %q: %w", j.SoundLink, err)
	}
	format := audio.FormatWAV
	if src.Format() == audio.FormatFLAC && s.cfg.MatchFLAC {
		format = audio.FormatFLAC
	}
	f, err := s.tempFile("encoded-")
	if err != nil {
		return nil, fmt.Errorf("temp file: %w", err)
	}
	e := &encoded{f: f, format: format, rate: src.Rate(), channels: src.Channels()}
	err = e.write(s.cfg.Marker, src, id)
	if err == nil {
		if e.size, err = f.Seek(0, io.SeekCurrent); err != nil {
			err = fmt.Errorf("encoded size: %w", err)
		} else if _, err = f.Seek(0, io.SeekStart); err != nil {
			err = fmt.Errorf("rewind encoded: %w", err)
		}
	}
	if err != nil {
		e.remove()
		return nil, markError(err, s.cfg.MaxDuration)
	}
	return e, nil
}

// write runs src through the marker into e's file.
func (e *encoded) write(m Marker, src *audio.Reader, id watermark.ID) error {
	dst, err := audio.NewWriter(e.f, e.format, audio.Header{Rate: src.Rate(), Channels: src.Channels(), BitDepth: src.BitDepth()})
	if err != nil {
		return err
	}
	if e.stats, err = m.EmbedStream(dst, src, id); err != nil {
		return err
	}
	start := time.Now()
	if err := dst.Close(); err != nil {
		return fmt.Errorf("encode %s: %w", e.format, err)
	}
	e.stats.Write += time.Since(start)
	return nil
}

// markError turns a failure of the decode, mark and encode pass into a
// job error: the song's own faults are permanent, the rest keyward's.
func markError(err error, maxDuration time.Duration) error {
	switch {
	case errors.Is(err, watermark.ErrTooShort):
		return permanent(err, "the song is too short to carry a sound link: it needs at least %.1f seconds", 3*watermark.PeriodDuration/1e9)
	case errors.Is(err, watermark.ErrInput):
		return permanent(err, "the audio could not be marked (it has an unusual sample rate or channel layout)")
	case errors.Is(err, audio.ErrFormat), errors.Is(err, audio.ErrUnsupported),
		errors.Is(err, audio.ErrTooLong), errors.Is(err, audio.ErrEmpty):
		return decodeError(err, maxDuration)
	}
	return fmt.Errorf("mark and encode: %w", err)
}

// store puts the encoded file in the blob store and returns its name.
func (s *Service) store(ctx context.Context, j *job, e *encoded) (string, error) {
	name := j.ID + "." + string(e.format)
	contentType := "audio/wav"
	if e.format == audio.FormatFLAC {
		contentType = "audio/flac"
	}
	if err := s.cfg.Blob.Put(ctx, name, e.f, e.size, contentType); err != nil {
		return "", transient(err, "the encoded song could not be stored")
	}
	return name, nil
}

// record records the result and the sound link together. When the job was
// cancelled or finished meanwhile, it keeps nothing of this attempt.
func (s *Service) record(ctx context.Context, j *job, r *result) error {
	done, err := s.db.complete(ctx, j, r)
	if err != nil {
		s.deleteBlob(ctx, j.ID, r.BlobName)
		return err
	}
	if !done {
		cur, err := s.db.get(ctx, j.ID)
		if err != nil {
			return err
		}
		if cur.BlobName != r.BlobName {
			s.deleteBlob(ctx, j.ID, r.BlobName)
		}
		if cur.Cancel != 0 {
			return errCancelled
		}
		return nil
	}
	t := r.Timings
	s.log.Info("encoding: job complete", "job", j.ID, "soundlink", j.SoundLink, "duration_ms", r.DurationMS,
		"download_ms", t.DownloadMS, "decode_ms", t.DecodeMS, "mark_ms", t.MarkMS, "encode_ms", t.EncodeMS, "store_ms", t.StoreMS)
	return nil
}

// deleteBlob removes a stored file of the job, logging a failure.
func (s *Service) deleteBlob(ctx context.Context, jobID, name string) {
	if err := s.cfg.Blob.Delete(context.WithoutCancel(ctx), name); err != nil {
		s.log.Warn("encoding: remove file", "job", jobID, "name", name, "err", err)
	}
}

// fetchError turns a download failure into a job error.
func fetchError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if fe, ok := errors.AsType[*fetch.Error](err); ok {
		msg := "the song could not be downloaded: " + fe.Message
		if fe.Temporary {
			return transient(err, "%s", msg)
		}
		return permanent(err, "%s", msg)
	}
	return transient(err, "the song could not be downloaded")
}

// decodeError turns a decoding failure into a job error.
func decodeError(err error, maxDuration time.Duration) error {
	switch {
	case errors.Is(err, audio.ErrTooLong):
		return permanent(err, "the song is longer than the limit of %s", formatDuration(maxDuration))
	case errors.Is(err, audio.ErrEmpty):
		return permanent(err, "the file holds no sound")
	case errors.Is(err, audio.ErrUnsupported):
		return permanent(err, "the file's audio is in a form keyward does not handle (its codec, bit depth, channel count or sample rate)")
	case errors.Is(err, audio.ErrFormat):
		return permanent(err, "the file could not be read as WAV, FLAC or MP3: it may be damaged or in another format")
	}
	return permanent(err, "the file could not be decoded")
}

func formatDuration(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d minutes", int(d/time.Minute))
	}
	return d.String()
}

// checkCancel returns errCancelled when the job was cancelled, or ctx's
// error when the attempt is being interrupted.
func (s *Service) checkCancel(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cancelled, err := s.db.cancelRequested(ctx, id)
	if err != nil {
		return err
	}
	if cancelled {
		return errCancelled
	}
	return nil
}

// setProgress records the stage, progress and message of a running job;
// a failure is logged (progress is advice to the caller, not state).
func (s *Service) setProgress(ctx context.Context, id, stage string, progress float64, message string) {
	if err := s.db.setProgress(ctx, id, stage, progress, message); err != nil && ctx.Err() == nil {
		s.log.Warn("encoding: record progress", "job", id, "err", err)
	}
}

// throttledProgress returns a function that records progress at most
// every 250 ms.
func (s *Service) throttledProgress(ctx context.Context, id string) func(stage string, p float64) {
	var mu sync.Mutex
	var last time.Time
	return func(stage string, p float64) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		s.setProgress(ctx, id, stage, min(p, 1), "")
	}
}

// fail marks the job failed with msg and removes anything it stored.
func (s *Service) fail(j *job, msg string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.db.fail(ctx, j.ID, msg); err != nil {
		s.log.Error("encoding: record failure", "job", j.ID, "err", err)
	}
	for _, ext := range []string{".wav", ".flac"} {
		s.deleteBlob(ctx, j.ID, j.ID+ext)
	}
}

// Cancel cancels the job: it will end "failed" with "the job was
// cancelled" before its next stage, and keep no file. Cancelling a
// finished job does nothing.
func (s *Service) Cancel(ctx context.Context, jobID string) error {
	j, err := s.db.get(ctx, jobID)
	if err != nil {
		return err
	}
	if j.Status != StatusProcessing {
		return nil
	}
	if err := s.db.requestCancel(ctx, jobID); err != nil {
		return err
	}
	if err := s.queue.Cancel(ctx, j.RiverJobID); err != nil {
		s.log.Warn("encoding: cancel river job", "job", jobID, "err", err)
	}
	// A job River cancels before it runs never reaches the worker, so the
	// failure is recorded here; a running worker sees the flag and stops.
	s.fail(j, "the job was cancelled")
	return nil
}

func (s *Service) now() int64 { return s.cfg.NowFunc().UnixMilli() }
