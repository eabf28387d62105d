package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgScratch is the prefix of the databases a run makes and drops again
// (ingest, fan-out, profile); a smoke run has its own, so that two at once
// on one server do not meet.
var pgScratch = "redazione_bench_"

// dropScratch drops the databases of this run's pgScratch.
func dropScratch(ctx context.Context, base string) {
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return
	}
	defer c.Close(context.Background())
	for _, n := range []string{"ingest", "fanout", "profile"} {
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{pgScratch + n}.Sanitize()+" WITH (FORCE)")
	}
}

// machineSample is what the machine and the database did during a run: the
// load average, how busy the cores were, how many threads were ready to
// run, and what PostgreSQL's active sessions of the database were waiting
// on (pg_stat_activity, sampled every 100 ms). It tells a stall of the
// machine (cores busy, a long run queue) from one of the database (its
// sessions waiting on locks or on the WAL).
type machineSample struct {
	Load1Start, Load1End float64
	Busy                 float64 // fraction of the cores' time not idle
	// Steal is the fraction of the cores' time the hypervisor gave to
	// others while this machine wanted to run (counted in Busy): a run
	// with much of it measured a slower machine.
	Steal    float64
	RunQueue float64 // mean threads ready to run (procs_running)
	Samples  int
	Active   float64        // mean active sessions of the database
	Waits    map[string]int // wait_event_type:wait_event (or "CPU") → samples
	// PGCPU is the CPU seconds of the database's server processes (its
	// sessions; those open at the start and at the end).
	PGCPU float64
}

type sampler struct {
	stop chan struct{}
	done chan struct{}
	res  machineSample
}

func loadavg() float64 {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}

// cpuStat reads the machine's busy, stolen and total jiffies and
// procs_running.
func cpuStat() (busy, steal, total float64, running int) {
	b, _ := os.ReadFile("/proc/stat")
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		switch {
		case len(f) > 5 && f[0] == "cpu":
			for i, v := range f[1:] {
				x, _ := strconv.ParseFloat(v, 64)
				total += x
				if i != 3 && i != 4 { // idle, iowait
					busy += x
				}
				if i == 7 {
					steal = x
				}
			}
		case len(f) == 2 && f[0] == "procs_running":
			running, _ = strconv.Atoi(f[1])
		}
	}
	return busy, steal, total, running
}

// startSampler samples the machine, and the database dbURL when not empty,
// until stopped.
func startSampler(ctx context.Context, dbURL string) *sampler {
	s := &sampler{stop: make(chan struct{}), done: make(chan struct{}), res: machineSample{Load1Start: loadavg(), Waits: map[string]int{}}}
	go func() {
		defer close(s.done)
		var c *pgx.Conn
		if dbURL != "" {
			c, _ = pgx.Connect(ctx, dbURL)
			if c != nil {
				defer c.Close(context.Background())
			}
		}
		b0, st0, t0, _ := cpuStat()
		pg0 := pgSessionsCPU(ctx, c)
		var run, active int
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for first := true; ; first = false {
			if !first {
				select {
				case <-s.stop:
					b1, st1, t1, _ := cpuStat()
					if t1 > t0 {
						s.res.Busy, s.res.Steal = (b1-b0)/(t1-t0), (st1-st0)/(t1-t0)
					}
					if s.res.Samples > 0 {
						s.res.RunQueue = float64(run) / float64(s.res.Samples)
						s.res.Active = float64(active) / float64(s.res.Samples)
					}
					s.res.Load1End = loadavg()
					if c != nil {
						pg1 := pgSessionsCPU(ctx, c)
						for pid, v := range pg1 {
							s.res.PGCPU += v - pg0[pid]
						}
					}
					return
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
			_, _, _, r := cpuStat()
			run += r
			s.res.Samples++
			if c == nil {
				continue
			}
			rows, err := c.Query(ctx, `SELECT COALESCE(wait_event_type || ':' || wait_event, 'CPU') FROM pg_stat_activity
			 WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()`)
			if err != nil {
				continue
			}
			for rows.Next() {
				var w string
				if rows.Scan(&w) == nil {
					s.res.Waits[w]++
					active++
				}
			}
			rows.Close()
		}
	}()
	return s
}

// pgSessionsCPU reads the CPU seconds of each server process of c's
// database (PostgreSQL runs on this machine).
func pgSessionsCPU(ctx context.Context, c *pgx.Conn) map[int]float64 {
	out := map[int]float64{}
	if c == nil {
		return out
	}
	rows, err := c.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) == nil {
			p := &proc{}
			out[pid] = p.cpuSecondsOf(pid)
		}
	}
	return out
}

func (s *sampler) Stop() machineSample {
	close(s.stop)
	<-s.done
	return s.res
}

// String is the sample in a line of the report.
func (m machineSample) String() string {
	out := fmt.Sprintf("load average %.1f → %.1f, cores %.0f %% busy (%.1f %% stolen by the hypervisor), %.1f threads ready to run on average", m.Load1Start, m.Load1End, 100*m.Busy, 100*m.Steal, m.RunQueue)
	if len(m.Waits) > 0 {
		total := 0
		for _, n := range m.Waits {
			total += n
		}
		keys := slices.SortedFunc(maps.Keys(m.Waits), func(a, b string) int { return m.Waits[b] - m.Waits[a] })
		var parts []string
		for i, k := range keys {
			if i == 5 {
				break
			}
			parts = append(parts, fmt.Sprintf("%s %.0f %%", k, 100*float64(m.Waits[k])/float64(total)))
		}
		out += fmt.Sprintf("; PostgreSQL: %.1f sessions active on average, of their samples: %s", m.Active, strings.Join(parts, ", "))
	}
	return out
}

// pgIngestResult is the API-channel ingest on PostgreSQL through nodes
// server processes.
type pgIngestResult struct {
	Nodes   int
	Load    loadResult
	PerNode []loadResult
	Machine machineSample
	HWMkB   []int64
}

// benchIngestPG runs the API-channel ingest against nodes `redazione serve`
// processes on one new PostgreSQL database, the clients spread evenly over
// them, and checks that every accepted message was stored.
func benchIngestPG(ctx context.Context, bin, work, base string, conc int, dur time.Duration, nodes int, logf func(string, ...any)) (*pgIngestResult, error) {
	name := pgScratch + "ingest"
	if err := pgRecreate(ctx, base, name); err != nil {
		return nil, err
	}
	u, err := pgURL(base, name)
	if err != nil {
		return nil, err
	}
	dataDir, err := os.MkdirTemp(work, "pgingest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dataDir)
	var srvs []*proc
	defer func() {
		for _, s := range srvs {
			s.stop()
		}
	}()
	var env []string
	for range nodes {
		addr, err := freeAddr()
		if err != nil {
			return nil, err
		}
		env = redazioneEnvDB(dataDir, addr, u)
		srv, err := startProc(ctx, addr, "/healthz", env, bin, "serve")
		if err != nil {
			return nil, err
		}
		srvs = append(srvs, srv)
	}
	ch, err := addAPIChannel(ctx, bin, env)
	if err != nil {
		return nil, err
	}
	logf("ingest: PostgreSQL, %d server process(es), channel %d, %d clients, %s", nodes, ch.ID, conc, dur)
	out := &pgIngestResult{Nodes: nodes, PerNode: make([]loadResult, nodes)}
	p := &payloads{secret: ch.Secret, run: fmt.Sprintf("pg%d", nodes)}
	smp := startSampler(ctx, u)
	var wg sync.WaitGroup
	for i, srv := range srvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := conc / nodes
			if i < conc%nodes {
				c++
			}
			out.PerNode[i] = runLoad(ctx, fmt.Sprintf("http://%s/api/v1/channels/%d/messages", srv.addr, ch.ID), c, dur, p, srv)
		}()
	}
	wg.Wait()
	out.Machine = smp.Stop()
	for _, r := range out.PerNode {
		out.Load.OK += r.OK
		out.Load.Errors += r.Errors
		out.Load.Lat = append(out.Load.Lat, r.Lat...)
		out.Load.Elapsed = max(out.Load.Elapsed, r.Elapsed)
		out.Load.ServerCPU += r.ServerCPU
		if out.Load.FirstError == "" {
			out.Load.FirstError = r.FirstError
		}
	}
	slices.Sort(out.Load.Lat)
	for _, s := range srvs {
		hwm, _, _ := s.memory()
		out.HWMkB = append(out.HWMkB, hwm)
	}
	for _, s := range srvs {
		if err := s.stop(); err != nil {
			return nil, err
		}
	}
	if out.Load.Errors > 0 {
		return nil, fmt.Errorf("PostgreSQL ingest: %d errors, first: %s\nserver log:\n%s", out.Load.Errors, out.Load.FirstError, tail(srvs[0].log.String(), 4000))
	}
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return nil, err
	}
	defer c.Close(context.Background())
	var msgs, indexed int64
	if err := c.QueryRow(ctx, "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM message_search)").Scan(&msgs, &indexed); err != nil {
		return nil, fmt.Errorf("count stored messages: %w", err)
	}
	if msgs != out.Load.OK || indexed != msgs {
		return nil, fmt.Errorf("PostgreSQL ingest: %d messages accepted but %d stored, %d indexed", out.Load.OK, msgs, indexed)
	}
	logf("  %d messages, %.0f msg/s, p95 %s; CPU per message: server %.0f µs, PostgreSQL %.0f µs; %s", out.Load.OK, out.Load.rate(), pct(out.Load.Lat, .95).Round(time.Microsecond),
		1e6*out.Load.ServerCPU/float64(out.Load.OK), 1e6*out.Machine.PGCPU/float64(out.Load.OK), out.Machine)
	return out, nil
}
