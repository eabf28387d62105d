package store

import (
	"context"
	"strings"

	"github.com/redazione/redazione"
)

// ExplainReport returns the plans of a report's three statements (counts,
// messages, times), by name. With seqscan, PostgreSQL may scan the table
// (a benchmark's real choice); without, the question is whether an index
// can serve (a test's few rows would make the scan the cheapest).
// With analyze (PostgreSQL), the statements run and the plans say what
// each step took.
func (db *DB) ExplainReport(ctx context.Context, a redazione.Actor, q ReportQuery, seqscan bool, analyze ...bool) (map[string]string, error) {
	st := db.reportStatements(a, q)
	out := map[string]string{}
	err := db.inTx(ctx, func(tx conn) error {
		prefix := "EXPLAIN QUERY PLAN "
		if db.Dialect() == Postgres {
			prefix = "EXPLAIN "
			if len(analyze) > 0 && analyze[0] {
				prefix = "EXPLAIN (ANALYZE, BUFFERS) "
			}
			if !seqscan {
				if _, err := tx.exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
					return err
				}
			}
		}
		for name, s := range map[string]struct {
			q    string
			args []any
		}{"counts": {st.counts, st.countArgs}, "messages": {st.messages, st.messageArgs}, "times": {st.times, st.timeArgs}} {
			rows, err := tx.query(ctx, prefix+s.q, s.args...)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			var plan []string
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				switch v := vals[len(vals)-1].(type) {
				case string:
					plan = append(plan, v)
				case []byte:
					plan = append(plan, string(v))
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			out[name] = strings.Join(plan, "\n")
		}
		return nil
	})
	return out, err
}
