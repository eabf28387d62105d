// Command redazione-bench measures Redazione on SQLite: ingest through the
// signed API channel against two ceilings (a no-op HTTP handler under the
// same load generator, and bare batched SQL inserts), the latency of the
// inbox, a conversation thread and search at 100,000 and 1,000,000
// conversations, and the server's memory. The server is the real
// `redazione serve` binary, run as a separate process.
//
//	go run ./cmd/redazione-bench [-smoke] [-sizes 100000,1000000] [-duration 15s] [-concurrency 32] [-data ./data/bench]
//
// See docs/PERFORMANCE.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	smoke        bool
	sizes        []int64
	duration     time.Duration
	concurrency  int
	data         string
	serverBin    string
	samples      int
	bareRows     int
	skipIngest   bool
	skipReads    bool
	strict       bool
	profile      string
	flood        bool
	floodOnly    bool
	floodSize    int64
	fo           floodOptions
	database     string // PostgreSQL server (-database)
	readEngines  []string
	nodes        bool // the two-node ingest on PostgreSQL
	sqliteIngest bool
	operators    int // fan-out: operators' streams (0: none)
	rounds       int
}

func main() {
	noop := flag.String("noop-server", "", "internal: run the no-op ceiling server on this address")
	var o options
	var sizes string
	flag.BoolVar(&o.smoke, "smoke", false, "tiny run for CI: 2 s of ingest, 2,000 conversations; checks nothing against the targets")
	flag.StringVar(&sizes, "sizes", "100000,1000000", "data-set sizes in conversations (10 messages each), comma-separated")
	flag.DurationVar(&o.duration, "duration", 15*time.Second, "length of each ingest run")
	flag.IntVar(&o.concurrency, "concurrency", 32, "concurrent keep-alive HTTP clients of the ingest load generator")
	flag.StringVar(&o.data, "data", "./data/bench", "where generated databases are cached (and temporary ones made)")
	flag.StringVar(&o.serverBin, "server-bin", "", "redazione binary to run (default: go build ./cmd/redazione)")
	flag.IntVar(&o.samples, "samples", 200, "requests measured per read kind (search: a quarter)")
	flag.IntVar(&o.bareRows, "bare-rows", 200000, "rows of the bare-insert ceiling")
	flag.BoolVar(&o.skipIngest, "skip-ingest", false, "only the read benchmarks")
	flag.BoolVar(&o.skipReads, "skip-reads", false, "only the ingest benchmark")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 when a target is missed")
	flag.StringVar(&o.profile, "ingest-profile", "", "diagnosis: run the server wiring in-process under the ingest load and write a CPU profile to this file, then exit")
	flag.BoolVar(&o.flood, "flood", false, "also run the flood benchmark (parallel logins and event streams from outsiders)")
	flag.BoolVar(&o.floodOnly, "flood-only", false, "run only the flood benchmark")
	flag.Int64Var(&o.floodSize, "flood-size", 20000, "conversations in the data set of the flood benchmark")
	flag.IntVar(&o.fo.logins, "flood-logins", 200, "parallel login workers of the flood benchmark")
	flag.IntVar(&o.fo.streams, "flood-streams", 20000, "web-chat event streams opened at once by the flood benchmark")
	flag.DurationVar(&o.fo.duration, "flood-duration", 15*time.Second, "length of each flood")
	flag.IntVar(&o.fo.samples, "flood-samples", 500, "most latency samples per probe and flood")
	flag.StringVar(&o.database, "database", "", "PostgreSQL server to benchmark too, as postgres://user@host:port/db (a role that may create databases; the bench creates redazione_bench_*)")
	engines := flag.String("read-engines", "", "engines of the read benchmark, comma-separated: sqlite, postgres (default: postgres with -database, else sqlite)")
	flag.BoolVar(&o.sqliteIngest, "sqlite-ingest", true, "with -database: run SQLite's ingest too (its pair; false for quick PostgreSQL runs)")
	flag.BoolVar(&o.nodes, "two-nodes", true, "with -database, also ingest through two server processes on one database")
	flag.IntVar(&o.operators, "fanout", 1000, "operators whose event streams are open when a message comes (0: skip)")
	flag.IntVar(&o.rounds, "fanout-rounds", 5, "messages sent to the open streams, one after the other")
	streamAddr := flag.String("stream-client", "", "internal: open event streams to this address (see flood.go)")
	streamPath := flag.String("stream-path", "", "internal: see -stream-client")
	streamCount := flag.Int("stream-count", 0, "internal: see -stream-client")
	streamFirst := flag.Int("stream-first", 0, "internal: see -stream-client")
	streamMany := flag.Bool("stream-many", false, "internal: see -stream-client")
	flag.Parse()
	raiseFileLimit()
	if *streamAddr != "" {
		if err := streamClient(*streamAddr, *streamPath, *streamCount, *streamFirst, *streamMany); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if *noop != "" {
		if err := noopServer(*noop); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if o.smoke {
		o.duration, o.samples, o.bareRows = 2*time.Second, 20, 20000
		sizes = "2000"
		o.flood, o.floodSize = true, 2000
		o.fo = floodOptions{logins: 10, streams: 200, duration: time.Second, samples: 20}
		o.operators, o.rounds = 50, 2
	}
	switch {
	case *engines != "":
		o.readEngines = strings.Split(*engines, ",")
	case o.database != "":
		o.readEngines = []string{"postgres"}
	default:
		o.readEngines = []string{"sqlite"}
	}
	for _, e := range o.readEngines {
		if e != "sqlite" && (e != "postgres" || o.database == "") {
			fmt.Fprintf(os.Stderr, "redazione-bench: read engine %q: sqlite, or postgres with -database\n", e)
			os.Exit(2)
		}
	}
	for _, s := range strings.Split(sizes, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		n, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "redazione-bench: bad size %q\n", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.smoke && o.database != "" {
		pgScratch = fmt.Sprintf("redazione_bench_smoke%d_", os.Getpid())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	missed, err := run(ctx, o, os.Stdout)
	if o.smoke && o.database != "" {
		dropScratch(context.Background(), o.database)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redazione-bench:", err)
		os.Exit(1)
	}
	if missed > 0 && o.strict && !o.smoke {
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, o options, stdout io.Writer) (int, error) {
	if err := os.MkdirAll(o.data, 0o750); err != nil {
		return 0, err
	}
	work, err := os.MkdirTemp(o.data, "run-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(work)
	if o.profile != "" {
		return 0, profileIngest(ctx, o.profile, work, o.database, o.concurrency, o.duration)
	}
	bin := o.serverBin
	if bin == "" {
		logf("building ./cmd/redazione")
		if bin, err = buildServer(ctx, work); err != nil {
			return 0, err
		}
	}
	if o.floodOnly {
		o.skipIngest, o.skipReads, o.flood, o.operators = true, true, true, 0
	}
	var ing *ingestResult
	var pgIng []*pgIngestResult
	if !o.skipIngest {
		if o.sqliteIngest || o.database == "" {
			if ing, err = benchIngest(ctx, bin, work, o.concurrency, o.duration, o.bareRows, logf); err != nil {
				return 0, err
			}
		}
		if o.database != "" {
			// Right after SQLite's, so that the pair sees the same machine.
			nodes := []int{1}
			if o.nodes {
				nodes = append(nodes, 2)
			}
			for _, k := range nodes {
				r, err := benchIngestPG(ctx, bin, work, o.database, o.concurrency, o.duration, k, logf)
				if err != nil {
					return 0, err
				}
				pgIng = append(pgIng, r)
			}
		}
	}
	var reads []*readResult
	if !o.skipReads {
		for _, n := range o.sizes {
			for _, engine := range o.readEngines {
				var ds *dataset
				if engine == "postgres" {
					ds, err = ensurePGDataset(ctx, o.data, o.database, n, logf)
				} else {
					ds, err = ensureDataset(ctx, o.data, n, logf)
				}
				if err != nil {
					return 0, err
				}
				r, err := benchReads(ctx, bin, ds, o.samples, logf)
				if err != nil {
					return 0, err
				}
				reads = append(reads, r)
			}
		}
	}
	var fanout []*fanoutResult
	if o.operators > 0 {
		bases := []string{""}
		if o.database != "" {
			bases = append(bases, o.database)
		}
		for _, b := range bases {
			r, err := benchFanout(ctx, bin, work, b, o.operators, o.rounds, logf)
			if err != nil {
				return 0, err
			}
			fanout = append(fanout, r)
		}
	}
	var flood []*floodResult
	if o.flood {
		ds, err := ensureDataset(ctx, o.data, o.floodSize, logf)
		if err != nil {
			return 0, err
		}
		if flood, err = benchFlood(ctx, bin, work, ds, o.fo, logf); err != nil {
			return 0, err
		}
	}
	return report(stdout, o, ing, pgIng, reads, fanout, flood), nil
}

// raiseFileLimit lifts this process's open-file limit to its hard limit:
// the flood's stream clients hold thousands of connections.
func raiseFileLimit() {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < l.Max {
		l.Cur = l.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func verdict(ok, smoke bool) string {
	switch {
	case smoke:
		return "n/a (smoke)"
	case ok:
		return "**met**"
	}
	return "**MISSED**"
}

func machine() string {
	model := "?"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "?"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "MemTotal:") {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(l, "MemTotal:")), " kB"), 10, 64)
				mem = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
			}
		}
	}
	return fmt.Sprintf("%d CPUs (%s), %s RAM, %s %s/%s", runtime.NumCPU(), model, mem, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// report prints the results as markdown and returns how many targets were missed.
func report(w io.Writer, o options, ing *ingestResult, pgIng []*pgIngestResult, reads []*readResult, fanout []*fanoutResult, flood []*floodResult) int {
	missed := 0
	check := func(ok bool) string {
		if !ok && !o.smoke {
			missed++
		}
		return verdict(ok, o.smoke)
	}
	fmt.Fprintf(w, "\n## Redazione benchmark — %s\n\n", time.Now().Format("2006-01-02 15:04"))
	fmt.Fprintf(w, "Machine: %s. Smoke: %v.\n", machine(), o.smoke)
	if ing != nil {
		fmt.Fprintf(w, "\n### Ingest (%d keep-alive clients, %s per run, SQLite)\n\n", o.concurrency, o.duration)
		fmt.Fprintln(w, "| Run | Requests | Rate | p50 | p95 | p99 | Server CPU | Load generator CPU |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
		for _, x := range []struct {
			name string
			r    loadResult
		}{{"No-op HTTP handler (ceiling 1)", ing.Noop}, {"Real API-channel ingest", ing.Real},
			{"Telegram webhook ingest", ing.Telegram}, {"WhatsApp webhook ingest", ing.WhatsApp}} {
			fmt.Fprintf(w, "| %s | %d | %.0f msg/s | %s ms | %s ms | %s ms | %.1f s of %.1f s | %.1f s |\n", x.name, x.r.OK, x.r.rate(),
				ms(pct(x.r.Lat, .5)), ms(pct(x.r.Lat, .95)), ms(pct(x.r.Lat, .99)), x.r.ServerCPU, x.r.Elapsed.Seconds(), x.r.GeneratorCPU)
		}
		fmt.Fprintf(w, "| Bare batched inserts, 1000/tx (ceiling 2) | %d rows | %.0f rows/s | | | | in-process | |\n", ing.BareRows, ing.Bare)
		fmt.Fprintf(w, "| Bare batched inserts + FTS5 row, 1000/tx | %d rows | %.0f rows/s | | | | in-process | |\n", ing.BareRows, ing.BareFTS)
		ratio := ing.Real.rate() / ing.Noop.rate()
		fmt.Fprintf(w, "\nThe three ingest runs created %d conversations and %d contacts; server peak RSS %d MB.\n\n", ing.Conversation, ing.Contacts, ing.ServerHWMkB>>10)
		fmt.Fprintln(w, "| Target | Measured | Verdict |")
		fmt.Fprintln(w, "|---|---:|---|")
		fmt.Fprintf(w, "| Ingest ≥ 1/2 of the no-op HTTP rate | %.2f × (%.0f / %.0f) | %s |\n", ratio, ing.Real.rate(), ing.Noop.rate(), check(ratio >= 0.5))
		fmt.Fprintf(w, "| Ingest ≥ 5,000 msg/s | %.0f msg/s | %s |\n", ing.Real.rate(), check(ing.Real.rate() >= 5000))
		fmt.Fprintf(w, "| Ingest ≥ 0.35 of the bare inserts with their FTS5 row | %.2f × (%.0f / %.0f) | %s |\n", ing.Real.rate()/ing.BareFTS,
			ing.Real.rate(), ing.BareFTS, check(ing.Real.rate()/ing.BareFTS >= 0.35))
		fmt.Fprintf(w, "| (for reference) real ingest / bare inserts without FTS | %.2f × | |\n", ing.Real.rate()/ing.Bare)
		fmt.Fprintf(w, "\nMachine during the real API-channel run: %s.\n", ing.RealMachine)
		fmt.Fprintf(w, "Machine during the bare inserts with their FTS5 row: %s.\n", ing.BareFTSMachine)
	}
	if len(pgIng) > 0 {
		fmt.Fprintf(w, "\n### Ingest on PostgreSQL (API channel, %d keep-alive clients, %s per run, right after SQLite's)\n\n", o.concurrency, o.duration)
		fmt.Fprintln(w, "| Run | Requests | Rate | p50 | p95 | p99 | max | Server CPU | Server peak RSS |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, r := range pgIng {
			var mem []string
			for _, h := range r.HWMkB {
				mem = append(mem, fmt.Sprintf("%d MB", h>>10))
			}
			fmt.Fprintf(w, "| %d server process(es), one database | %d | %.0f msg/s | %s ms | %s ms | %s ms | %s ms | %.1f s of %.1f s | %s |\n", r.Nodes, r.Load.OK, r.Load.rate(),
				ms(pct(r.Load.Lat, .5)), ms(pct(r.Load.Lat, .95)), ms(pct(r.Load.Lat, .99)), ms(pct(r.Load.Lat, 1)), r.Load.ServerCPU, r.Load.Elapsed.Seconds(), strings.Join(mem, " + "))
		}
		fmt.Fprintln(w)
		for _, r := range pgIng {
			fmt.Fprintf(w, "- %d process(es): %s.\n", r.Nodes, r.Machine)
		}
		if ing != nil {
			ratio := pgIng[0].Load.rate() / ing.Real.rate()
			fmt.Fprintln(w, "\n| Target | Measured | Verdict |")
			fmt.Fprintln(w, "|---|---:|---|")
			fmt.Fprintf(w, "| PostgreSQL ingest ≥ 1/2 of SQLite's (same run) | %.2f × (%.0f / %.0f) | %s |\n", ratio, pgIng[0].Load.rate(), ing.Real.rate(), check(ratio >= 0.5))
		}
	}
	for _, r := range reads {
		gen := fmt.Sprintf("generated in %.0f s", r.DS.GenSeconds)
		if r.DS.Cached {
			gen += ", cached"
		}
		engine := "SQLite"
		if r.DS.URL != "" {
			engine = "PostgreSQL"
		}
		fmt.Fprintf(w, "\n### Reads at %d conversations, %s (%d messages, %d contacts; database %d MB, %s)\n\n",
			r.Size, engine, r.DS.Messages, r.DS.Contacts, r.DS.DBBytes>>20, gen)
		fmt.Fprintln(w, "| Request | n | p50 | p95 | p99 | max | Target p95 | Verdict |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---|")
		atMillion := r.Size >= 1_000_000
		for _, l := range r.Lat {
			v := "(target is at 1M)"
			if atMillion || o.smoke {
				v = check(l.P95 < l.Target)
			}
			fmt.Fprintf(w, "| %s | %d | %s ms | %s ms | %s ms | %s ms | < %s ms | %s |\n", l.Name, l.N, ms(l.P50), ms(l.P95), ms(l.P99), ms(l.Max), ms(l.Target), v)
		}
		fmt.Fprintf(w, "\nServer memory after the reads: VmHWM (peak RSS) %d MB, VmRSS %d MB. Server ready in %s.\n",
			r.HWMkB>>10, r.RSSkB>>10, r.StartupTime.Round(time.Millisecond))
		fmt.Fprintf(w, "Machine during the reads: %s.\n", r.Machine)
	}
	reportFanout(w, fanout, check)
	if flood != nil {
		reportFlood(w, o.fo, flood, check)
	}
	if !o.smoke {
		fmt.Fprintf(w, "\nTargets missed: %d.\n", missed)
	}
	return missed
}
