package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

const (
	sqlRunningJobs = `SELECT id FROM river_job WHERE state = 'running'`
	sqlStaleLeases = `SELECT j.id FROM river_job j JOIN keyward_job_lease l ON l.job_id = j.id
		WHERE j.state = 'running' AND l.beat < $1`
	sqlMissingLeases = `SELECT j.id FROM river_job j LEFT JOIN keyward_job_lease l ON l.job_id = j.id
		WHERE j.state = 'running' AND l.job_id IS NULL`
	sqlUpsertLease = `INSERT INTO keyward_job_lease (job_id, node, beat) VALUES ($1, $2, $3)
		ON CONFLICT (job_id) DO UPDATE SET node = excluded.node, beat = excluded.beat`
	sqlRenewLease = `UPDATE keyward_job_lease SET beat = $1 WHERE job_id = $2 AND node = $3`
	// sqlDropRecorded drops node's lease on a job once River has recorded
	// its end, in one statement, so that a new run's lease is never taken.
	sqlDropRecorded = `DELETE FROM keyward_job_lease WHERE job_id = $1 AND node = $2
		AND NOT EXISTS (SELECT 1 FROM river_job WHERE id = $1 AND state = 'running')`
	// sqlMakeAvailable returns a running job to the queue. scheduled_at is
	// already in the past: the job was fetched.
	sqlMakeAvailable = `UPDATE river_job SET state = 'available' WHERE id = $1 AND state = 'running'`
	sqlDropStale     = `DELETE FROM keyward_job_lease WHERE job_id = $1 AND beat < $2`
	sqlNoLease       = `SELECT COUNT(*) FROM keyward_job_lease WHERE job_id = $1`
)

// leaseMiddleware holds a lease on every job while it runs.
type leaseMiddleware struct {
	river.MiddlewareDefaults
	q *Queue
}

var _ rivertype.WorkerMiddleware = (*leaseMiddleware)(nil)

func (m *leaseMiddleware) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	q := m.q
	node := q.cfg.ID
	if _, err := q.b.Exec(ctx, sqlUpsertLease, job.ID, node, q.cfg.NowFunc().UnixMilli()); err != nil {
		q.cfg.Logger.Warn("jobs: take lease", "job", job.ID, "err", err)
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(q.cfg.HeartbeatInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if _, err := q.b.Exec(context.WithoutCancel(ctx), sqlRenewLease, q.cfg.NowFunc().UnixMilli(), job.ID, node); err != nil {
					q.cfg.Logger.Warn("jobs: renew lease", "job", job.ID, "err", err)
				}
			}
		}
	}()
	err := doInner(ctx)
	close(done)
	<-stopped
	// River records how the job ended only after Work returns, and it may
	// take a while (its completer batches). Until then the job is still
	// "running": dropping the lease now would let a sweeper, here or on
	// another node, hand the job out again while this node is alive — it
	// would run twice, and River panics when it completes a job it did not
	// expect. So the lease is held until River has recorded the end.
	q.holders.Add(1)
	go q.holdUntilRecorded(context.WithoutCancel(ctx), job.ID, node)
	return err
}

// holdUntilRecorded renews the lease on job id, held by node, until River
// has recorded the job's end (its state is no longer "running"), then
// drops it. It also stops when the lease is no longer node's, and makes a
// last attempt when the queue stops.
func (q *Queue) holdUntilRecorded(ctx context.Context, id int64, node string) {
	defer q.holders.Done()
	t := time.NewTicker(q.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		n, err := q.b.Exec(ctx, sqlDropRecorded, id, node)
		if err == nil && n == 1 {
			return
		}
		if err == nil {
			n, err = q.b.Exec(ctx, sqlRenewLease, q.cfg.NowFunc().UnixMilli(), id, node)
			if err == nil && n == 0 {
				return // another node took the job over
			}
		}
		if err != nil {
			q.cfg.Logger.Warn("jobs: hold lease until the job's end is recorded", "job", id, "err", err)
		}
		select {
		case <-q.holdStop:
			// River has stopped: what it recorded is final. A lease left
			// behind goes stale and is swept like a dead node's.
			if _, err := q.b.Exec(ctx, sqlDropRecorded, id, node); err != nil {
				q.cfg.Logger.Warn("jobs: drop lease", "job", id, "err", err)
			}
			return
		case <-t.C:
		}
	}
}

// sweep makes orphaned running jobs available again until ctx ends.
func (q *Queue) sweep(ctx context.Context) {
	defer close(q.sweeperDone)
	interval := max(q.cfg.LeaseTimeout/4, 50*time.Millisecond)
	t := time.NewTicker(interval)
	defer t.Stop()
	unleased := map[int64]time.Time{} // running jobs without a lease, first seen
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := q.cfg.NowFunc()
		cutoff := now.Add(-q.cfg.LeaseTimeout).UnixMilli()
		stale, err := q.b.QueryInt64s(ctx, sqlStaleLeases, cutoff)
		if err != nil {
			if ctx.Err() == nil {
				q.cfg.Logger.Warn("jobs: sweep", "err", err)
			}
			continue
		}
		for _, id := range stale {
			q.rescueOne(ctx, id, func(tx Tx) (bool, error) {
				n, err := tx.Exec(ctx, sqlDropStale, id, cutoff)
				return n == 1, err
			})
		}
		missing, err := q.b.QueryInt64s(ctx, sqlMissingLeases)
		if err != nil {
			continue
		}
		seen := map[int64]bool{}
		for _, id := range missing {
			seen[id] = true
			first, ok := unleased[id]
			if !ok {
				unleased[id] = now
				continue
			}
			if now.Sub(first) < q.cfg.LeaseTimeout {
				continue
			}
			delete(unleased, id)
			q.rescueOne(ctx, id, func(tx Tx) (bool, error) {
				var n int64
				err := tx.QueryRow(ctx, sqlNoLease, id).Scan(&n)
				return n == 0, err
			})
		}
		for id := range unleased {
			if !seen[id] {
				delete(unleased, id)
			}
		}
	}
}

// rescueOne makes job id available again when check, run in the same
// transaction, agrees that it is orphaned.
func (q *Queue) rescueOne(ctx context.Context, id int64, check func(Tx) (bool, error)) {
	var rescued bool
	err := q.b.inTx(ctx, func(tx Tx) error {
		ok, err := check(tx)
		if err != nil || !ok {
			return err
		}
		n, err := tx.Exec(ctx, sqlMakeAvailable, id)
		rescued = n == 1
		return err
	})
	if err != nil {
		if ctx.Err() == nil {
			q.cfg.Logger.Warn("jobs: rescue", "job", id, "err", err)
		}
		return
	}
	if rescued {
		q.cfg.Logger.Info("jobs: rescued a job whose worker stopped renewing its lease", "job", id)
	}
}

// rescue makes every job the query lists available again.
func (q *Queue) rescue(ctx context.Context, query string) (int, error) {
	ids, err := q.b.QueryInt64s(ctx, query)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		k, err := q.b.Exec(ctx, sqlMakeAvailable, id)
		if err != nil {
			return n, err
		}
		n += int(k)
	}
	return n, nil
}
