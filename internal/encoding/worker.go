package encoding

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/keyward/keyward/internal/audio"
	"github.com/keyward/keyward/internal/fetch"
	"github.com/keyward/keyward/internal/jobs"
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
	j, err := s.getJob(ctx, rj.Args.JobID)
	if errors.Is(err, errNoJob) {
		return river.JobCancel(fmt.Errorf("encoding job %s does not exist", rj.Args.JobID))
	}
	if err != nil {
		return err
	}
	if j.Status != StatusProcessing {
		return nil // already finished (a rescued duplicate)
	}
	s.queue.Exec(ctx, `UPDATE encoding_job SET attempts = $1, updated_at = $2 WHERE id = $3`, int64(rj.Attempt), s.now(), j.ID)
	err = s.run(ctx, j)
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
	in, err := os.CreateTemp(s.cfg.TempDir, "download-*")
	if err != nil {
		return fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(in.Name())
	defer in.Close()

	// Downloading.
	if err := s.checkCancel(ctx, j.ID); err != nil {
		return err
	}
	start := time.Now()
	s.setProgress(ctx, j.ID, StageDownloading, 0, "")
	prog := s.throttledProgress(ctx, j.ID)
	res, err := s.cfg.Fetcher.Fetch(ctx, j.Src, in, func(done, total int64) {
		if total > 0 {
			prog(StageDownloading, float64(done)/float64(total))
		}
	})
	if err != nil {
		return fetchError(ctx, err)
	}
	if res.Format == fetch.FormatOgg {
		return permanent(nil, "the file is Ogg, which keyward cannot decode yet; send WAV, FLAC or MP3")
	}
	t.DownloadMS = time.Since(start).Milliseconds()

	// Decoding.
	if err := s.checkCancel(ctx, j.ID); err != nil {
		return err
	}
	start = time.Now()
	s.setProgress(ctx, j.ID, StageDecoding, 0, "")
	if _, err := in.Seek(0, 0); err != nil {
		return fmt.Errorf("rewind download: %w", err)
	}
	buf, err := audio.Decode(bufio.NewReaderSize(in, 1<<20), audio.Format(res.Format), s.decodeLimits())
	if err != nil {
		return decodeError(err, s.cfg.MaxDuration)
	}
	in.Close()
	os.Remove(in.Name())
	t.DecodeMS = time.Since(start).Milliseconds()

	// Encoding: the mark, then the output file.
	if err := s.checkCancel(ctx, j.ID); err != nil {
		return err
	}
	start = time.Now()
	s.setProgress(ctx, j.ID, StageEncoding, 0, "")
	id, err := watermark.ParseID(j.SoundLink)
	if err != nil {
		return fmt.Errorf("sound link id %q: %w", j.SoundLink, err)
	}
	if err := s.cfg.Marker.Embed(buf.Data, buf.Rate, id); err != nil {
		if errors.Is(err, watermark.ErrTooShort) {
			return permanent(err, "the song is too short to carry a sound link: it needs at least %.1f seconds", 3*watermark.PeriodDuration/1e9)
		}
		return permanent(err, "the audio could not be marked (it has an unusual sample rate or channel layout)")
	}
	t.MarkMS = time.Since(start).Milliseconds()
	if err := s.checkCancel(ctx, j.ID); err != nil {
		return err
	}
	start = time.Now()
	format := audio.FormatWAV
	if buf.Format == audio.FormatFLAC && s.cfg.MatchFLAC {
		format = audio.FormatFLAC
	}
	out, err := os.CreateTemp(s.cfg.TempDir, "encoded-*")
	if err != nil {
		return fmt.Errorf("temp file: %w", err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	if format == audio.FormatFLAC {
		err = audio.EncodeFLAC(bw, buf)
	} else {
		err = audio.EncodeWAV(bw, buf)
	}
	if err == nil {
		err = bw.Flush()
	}
	if err != nil {
		return fmt.Errorf("encode %s: %w", format, err)
	}
	size, err := out.Seek(0, 1)
	if err != nil {
		return fmt.Errorf("encoded size: %w", err)
	}
	if _, err := out.Seek(0, 0); err != nil {
		return fmt.Errorf("rewind encoded: %w", err)
	}
	t.EncodeMS = time.Since(start).Milliseconds()

	// Storing.
	if err := s.checkCancel(ctx, j.ID); err != nil {
		return err
	}
	start = time.Now()
	s.setProgress(ctx, j.ID, StageStoring, 0, "")
	name := j.ID + "." + string(format)
	contentType := "audio/wav"
	if format == audio.FormatFLAC {
		contentType = "audio/flac"
	}
	if err := s.cfg.Blob.Put(ctx, name, out, size, contentType); err != nil {
		return transient(err, "the encoded song could not be stored")
	}
	t.StoreMS = time.Since(start).Milliseconds()

	// Record the result and the sound link together.
	now := s.now()
	var updated int64
	err = s.queue.InTx(ctx, func(tx jobs.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE encoding_job SET status = $1, stage = $2, progress = 1, message = $3,
			input_format = $4, blob_name = $5, format = $6, duration_ms = $7, sample_rate = $8, channels = $9, size = $10,
			download_ms = $11, decode_ms = $12, mark_ms = $13, encode_ms = $14, store_ms = $15,
			updated_at = $16, finished_at = $16
			WHERE id = $17 AND status = $18 AND cancel_requested = 0`,
			StatusComplete, StageDone, "the song is encoded", string(res.Format), name, string(format),
			buf.Duration().Milliseconds(), int64(buf.Rate), int64(buf.Channels()), size,
			t.DownloadMS, t.DecodeMS, t.MarkMS, t.EncodeMS, t.StoreMS, now, j.ID, StatusProcessing)
		if err != nil {
			return err
		}
		updated = n
		if n == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO encoding_soundlink (id, job_id, artist, credential_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, j.SoundLink, j.ID, j.Artist, j.CredentialID, now)
		return err
	})
	if err != nil {
		s.cfg.Blob.Delete(context.WithoutCancel(ctx), name)
		return fmt.Errorf("record result: %w", err)
	}
	if updated == 0 {
		// Cancelled or finished meanwhile: keep nothing of this attempt.
		cur, gerr := s.getJob(ctx, j.ID)
		if gerr == nil && cur.BlobName != name {
			s.cfg.Blob.Delete(context.WithoutCancel(ctx), name)
		}
		if gerr == nil && cur.Cancel != 0 {
			return errCancelled
		}
		return nil
	}
	s.log.Info("encoding: job complete", "job", j.ID, "soundlink", j.SoundLink, "duration", buf.Duration(),
		"download_ms", t.DownloadMS, "decode_ms", t.DecodeMS, "mark_ms", t.MarkMS, "encode_ms", t.EncodeMS, "store_ms", t.StoreMS)
	return nil
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
	var c int64
	if err := s.queue.QueryRow(ctx, `SELECT cancel_requested FROM encoding_job WHERE id = $1`, id).Scan(&c); err != nil {
		return fmt.Errorf("check cancel: %w", err)
	}
	if c != 0 {
		return errCancelled
	}
	return nil
}

// setProgress records the stage, progress and message of a running job.
func (s *Service) setProgress(ctx context.Context, id, stage string, progress float64, message string) {
	_, err := s.queue.Exec(ctx, `UPDATE encoding_job SET stage = $1, progress = $2, message = $3, updated_at = $4
		WHERE id = $5 AND status = $6`, stage, progress, message, s.now(), id, StatusProcessing)
	if err != nil && ctx.Err() == nil {
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
	now := s.now()
	if _, err := s.queue.Exec(ctx, `UPDATE encoding_job SET status = $1, message = $2, updated_at = $3, finished_at = $3
		WHERE id = $4 AND status = $5`, StatusFailed, msg, now, j.ID, StatusProcessing); err != nil {
		s.log.Error("encoding: record failure", "job", j.ID, "err", err)
	}
	for _, ext := range []string{".wav", ".flac"} {
		if err := s.cfg.Blob.Delete(ctx, j.ID+ext); err != nil {
			s.log.Warn("encoding: remove file of failed job", "job", j.ID, "err", err)
		}
	}
}

// Cancel cancels the job: it will end "failed" with "the job was
// cancelled" before its next stage, and keep no file. Cancelling a
// finished job does nothing.
func (s *Service) Cancel(ctx context.Context, jobID string) error {
	j, err := s.getJob(ctx, jobID)
	if err != nil {
		return err
	}
	if j.Status != StatusProcessing {
		return nil
	}
	if _, err := s.queue.Exec(ctx, `UPDATE encoding_job SET cancel_requested = 1, updated_at = $1 WHERE id = $2`, s.now(), jobID); err != nil {
		return fmt.Errorf("encoding: cancel: %w", err)
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
