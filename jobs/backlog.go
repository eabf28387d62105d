package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Waiting is the queue's backlog in one state.
type Waiting struct {
	Count int64
	// Oldest is how long the state's oldest job has been due (negative
	// when all are due in the future).
	Oldest time.Duration
}

// The states counted: due and waiting, running, failed and waiting for a
// retry, due later.
const backlogStates = "('available', 'running', 'retryable', 'scheduled')"

// Backlog reads River's table: how many jobs are in each state and how
// long the oldest of each has been due.
func (q *Queue) Backlog(ctx context.Context) (map[string]Waiting, error) {
	if q.backlog == nil {
		return nil, fmt.Errorf("job queue: no backlog")
	}
	return q.backlog(ctx)
}

func sqliteBacklog(db *sql.DB) func(context.Context) (map[string]Waiting, error) {
	// River stores SQLite times as "2006-01-02 15:04:05.000" in UTC.
	const q = `SELECT state, count(*), COALESCE((julianday('now') - julianday(min(scheduled_at))) * 86400.0, 0)
		FROM river_job WHERE state IN ` + backlogStates + ` GROUP BY state`
	return func(ctx context.Context) (map[string]Waiting, error) {
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("job queue backlog: %w", err)
		}
		defer rows.Close()
		return readBacklog(rows)
	}
}

func postgresBacklog(pool *pgxpool.Pool) func(context.Context) (map[string]Waiting, error) {
	const q = `SELECT state::text, count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(scheduled_at))::float8, 0)
		FROM river_job WHERE state IN ` + backlogStates + ` GROUP BY state`
	return func(ctx context.Context) (map[string]Waiting, error) {
		rows, err := pool.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("job queue backlog: %w", err)
		}
		defer rows.Close()
		return readBacklog(rows)
	}
}

// readBacklog reads the rows of either query: state, count, age of the
// oldest in seconds.
func readBacklog(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
}) (map[string]Waiting, error) {
	out := map[string]Waiting{}
	for rows.Next() {
		var state string
		var n int64
		var secs float64
		if err := rows.Scan(&state, &n, &secs); err != nil {
			return nil, fmt.Errorf("job queue backlog: %w", err)
		}
		out[state] = Waiting{Count: n, Oldest: time.Duration(secs * float64(time.Second))}
	}
	return out, rows.Err()
}
