package encoding

import (
	"context"
	"errors"
	"fmt"

	"github.com/keyward/keyward/internal/jobs"
)

// errNoJob means no job matches.
var errNoJob = errors.New("encoding: no such job")

// jobStore is every statement of the service on its tables (encoding_job,
// encoding_soundlink), one text for both dialects. Times are Unix
// milliseconds from now.
type jobStore struct {
	q   *jobs.Queue
	now func() int64
}

const jobColumns = `id, credential_id, src, artist, soundlink, status, stage, progress, message,
	river_job_id, cancel_requested, input_format, blob_name, format, duration_ms, sample_rate, channels, size,
	download_ms, decode_ms, mark_ms, encode_ms, store_ms, attempts, created_at, finished_at`

func scanJob(r jobs.Row) (*job, error) {
	var j job
	err := r.Scan(&j.ID, &j.CredentialID, &j.Src, &j.Artist, &j.SoundLink, &j.Status, &j.Stage, &j.Progress, &j.Message,
		&j.RiverJobID, &j.Cancel, &j.InputFormat, &j.BlobName, &j.Format, &j.DurationMS, &j.SampleRate, &j.Channels, &j.Size,
		&j.Timings.DownloadMS, &j.Timings.DecodeMS, &j.Timings.MarkMS, &j.Timings.EncodeMS, &j.Timings.StoreMS,
		&j.Attempts, &j.CreatedAt, &j.FinishedAt)
	if errors.Is(err, jobs.ErrNoRows) {
		return nil, errNoJob
	}
	if err != nil {
		return nil, fmt.Errorf("encoding: read job: %w", err)
	}
	return &j, nil
}

// get reads a job by id.
func (st *jobStore) get(ctx context.Context, id string) (*job, error) {
	return scanJob(st.q.QueryRow(ctx, `SELECT `+jobColumns+` FROM encoding_job WHERE id = $1`, id))
}

// byQuery reads the job of a query credential, only for its owner.
func (st *jobStore) byQuery(ctx context.Context, query string, credentialID int64) (*job, error) {
	return scanJob(st.q.QueryRow(ctx, `SELECT `+jobColumns+` FROM encoding_job WHERE query_hash = $1 AND credential_id = $2`,
		hashQuery(query), credentialID))
}

// create records a processing job and enqueues its River job, in one
// transaction.
func (st *jobStore) create(ctx context.Context, j *job, query, credentialKey string) error {
	err := st.q.InTx(ctx, func(tx jobs.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO encoding_job (id, query_hash, credential_id, credential_key, src, artist,
			soundlink, status, stage, progress, message, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, '', $10, $10)`,
			j.ID, hashQuery(query), j.CredentialID, credentialKey, j.Src, j.Artist, j.SoundLink, StatusProcessing, StageQueued, st.now()); err != nil {
			return fmt.Errorf("insert job: %w", err)
		}
		rid, err := tx.Insert(ctx, encodeArgs{JobID: j.ID}, nil)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE encoding_job SET river_job_id = $1 WHERE id = $2`, rid, j.ID); err != nil {
			return fmt.Errorf("record river job: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("encoding: create job: %w", err)
	}
	return nil
}

// recordAttempt records that attempt number n of the job starts.
func (st *jobStore) recordAttempt(ctx context.Context, id string, n int) error {
	if _, err := st.q.Exec(ctx, `UPDATE encoding_job SET attempts = $1, updated_at = $2 WHERE id = $3`, int64(n), st.now(), id); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// cancelRequested reports whether the job was asked to cancel.
func (st *jobStore) cancelRequested(ctx context.Context, id string) (bool, error) {
	var c int64
	if err := st.q.QueryRow(ctx, `SELECT cancel_requested FROM encoding_job WHERE id = $1`, id).Scan(&c); err != nil {
		return false, fmt.Errorf("check cancel: %w", err)
	}
	return c != 0, nil
}

// requestCancel asks the job to cancel.
func (st *jobStore) requestCancel(ctx context.Context, id string) error {
	if _, err := st.q.Exec(ctx, `UPDATE encoding_job SET cancel_requested = 1, updated_at = $1 WHERE id = $2`, st.now(), id); err != nil {
		return fmt.Errorf("encoding: cancel: %w", err)
	}
	return nil
}

// setProgress records the stage, progress and message of a processing job.
func (st *jobStore) setProgress(ctx context.Context, id, stage string, progress float64, message string) error {
	_, err := st.q.Exec(ctx, `UPDATE encoding_job SET stage = $1, progress = $2, message = $3, updated_at = $4
		WHERE id = $5 AND status = $6`, stage, progress, message, st.now(), id, StatusProcessing)
	return err
}

// result is what a finished attempt records.
type result struct {
	InputFormat, BlobName, Format          string
	DurationMS, SampleRate, Channels, Size int64
	Timings                                timings
}

// complete records the result of a processing job not asked to cancel,
// and its sound link, in one transaction. It reports false when the job
// was no longer processing or was asked to cancel (nothing is recorded).
func (st *jobStore) complete(ctx context.Context, j *job, r *result) (bool, error) {
	now := st.now()
	var done bool
	err := st.q.InTx(ctx, func(tx jobs.Tx) error {
		t := r.Timings
		n, err := tx.Exec(ctx, `UPDATE encoding_job SET status = $1, stage = $2, progress = 1, message = $3,
			input_format = $4, blob_name = $5, format = $6, duration_ms = $7, sample_rate = $8, channels = $9, size = $10,
			download_ms = $11, decode_ms = $12, mark_ms = $13, encode_ms = $14, store_ms = $15,
			updated_at = $16, finished_at = $16
			WHERE id = $17 AND status = $18 AND cancel_requested = 0`,
			StatusComplete, StageDone, "the song is encoded", r.InputFormat, r.BlobName, r.Format,
			r.DurationMS, r.SampleRate, r.Channels, r.Size,
			t.DownloadMS, t.DecodeMS, t.MarkMS, t.EncodeMS, t.StoreMS, now, j.ID, StatusProcessing)
		if err != nil || n == 0 {
			return err
		}
		done = true
		_, err = tx.Exec(ctx, `INSERT INTO encoding_soundlink (id, job_id, artist, credential_id, created_at)
			VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, j.SoundLink, j.ID, j.Artist, j.CredentialID, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record result: %w", err)
	}
	return done, nil
}

// fail ends a processing job failed with msg.
func (st *jobStore) fail(ctx context.Context, id, msg string) error {
	if _, err := st.q.Exec(ctx, `UPDATE encoding_job SET status = $1, message = $2, updated_at = $3, finished_at = $3
		WHERE id = $4 AND status = $5`, StatusFailed, msg, st.now(), id, StatusProcessing); err != nil {
		return fmt.Errorf("record failure: %w", err)
	}
	return nil
}

// soundLink returns the artist and job of a sound link this server made;
// found is false for one it did not.
func (st *jobStore) soundLink(ctx context.Context, id string) (artist, jobID string, found bool, err error) {
	err = st.q.QueryRow(ctx, `SELECT artist, job_id FROM encoding_soundlink WHERE id = $1`, id).Scan(&artist, &jobID)
	switch {
	case errors.Is(err, jobs.ErrNoRows):
		return "", "", false, nil
	case err != nil:
		return "", "", false, fmt.Errorf("encoding: look up sound link: %w", err)
	}
	return artist, jobID, true, nil
}
