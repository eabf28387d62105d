package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The flood benchmark (issue 12): an outsider with no account sends
// parallel logins for an address that does not exist, or opens tens of
// thousands of web-chat event streams, while an operator works. It measures
// what the operator and a monitor notice (the latency of the inbox page and
// of /healthz during the flood), what the server holds (its peak memory and
// its open descriptors), and how the flood was answered.
//
// Each scenario runs its own `redazione serve` on a copy of a generated data
// set, so that the peak memory (VmHWM) is the scenario's own. "One address"
// is the flood as a single client sends it; "many addresses" is the same
// flood through a trusted reverse proxy with a different X-Forwarded-For on
// every request, as a botnet behind the ente's proxy would be seen, so that
// only the server-wide bounds hold it.

// floodOptions sizes the flood.
type floodOptions struct {
	logins   int           // parallel login workers
	streams  int           // event streams opened
	duration time.Duration // length of the login flood; how long streams are held
	samples  int           // at most this many latency samples per probe and phase
}

// floodResult is one scenario.
type floodResult struct {
	// Beyond marks a scenario harsher than the target's (reported, not
	// counted as a missed target).
	Beyond   bool
	Name     string
	Attack   string // what was sent and how it was answered
	Healthz  []time.Duration
	Inbox    []time.Duration
	BaseHWM  int64 // kB, before the flood
	PeakHWM  int64 // kB, at the end
	PeakFDs  int   // the server's most open descriptors seen
	Errors   int   // probe requests that failed (not 200)
	Duration time.Duration
	// ServerCPU and BenchCPU are the CPU seconds the server and this
	// process (the flood's load generator and the probe) used meanwhile.
	ServerCPU, BenchCPU float64
}

// selfCPU is the user+system CPU seconds this process and its waited-for
// children have used.
func selfCPU() float64 {
	var self, kids syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &kids)
	sec := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return sec(self.Utime) + sec(self.Stime) + sec(kids.Utime) + sec(kids.Stime)
}

// probe measures the operator's inbox and /healthz, one request after the
// other, until stop is closed; it also samples the server's descriptors.
type probe struct {
	op      *client
	srv     *proc
	mu      sync.Mutex
	healthz []time.Duration
	inbox   []time.Duration
	errors  int
	peakFDs int
}

func (p *probe) run(ctx context.Context, stop <-chan struct{}, limit int) {
	hc := &http.Client{Timeout: 30 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			return
		default:
		}
		if n := p.srv.fds(); n > p.peakFDs {
			p.peakFDs = n
		}
		var d time.Duration
		var err error
		if i%2 == 0 {
			t0 := time.Now()
			var resp *http.Response
			resp, err = hc.Get(p.op.base + "/healthz")
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("healthz: %s", resp.Status)
				}
			}
			d = time.Since(t0)
			p.mu.Lock()
			if err == nil && len(p.healthz) < limit {
				p.healthz = append(p.healthz, d)
			}
		} else {
			d, _, err = p.op.get(ctx, "/inbox?view=all", "/conversations/")
			p.mu.Lock()
			if err == nil && len(p.inbox) < limit {
				p.inbox = append(p.inbox, d)
			}
		}
		if err != nil {
			p.errors++
		}
		full := len(p.healthz) >= limit && len(p.inbox) >= limit
		p.mu.Unlock()
		if full {
			<-stop
			return
		}
		// Paced like a person and a monitor, not a load generator.
		select {
		case <-stop:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// fds counts the process's open descriptors.
func (p *proc) fds() int {
	es, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	return len(es)
}

// benchFlood runs the scenarios on copies of ds.
func benchFlood(ctx context.Context, bin, work string, ds *dataset, fo floodOptions, logf func(string, ...any)) ([]*floodResult, error) {
	var out []*floodResult
	for _, sc := range []struct {
		name   string
		many   bool
		stream bool
		emails int // unknown e-mail addresses the logins are for
	}{
		{"quiet (no flood), for reference", false, false, 0},
		{"logins for one unknown e-mail, one address", false, false, 1},
		{"logins for one unknown e-mail, many addresses", true, false, 1},
		{fmt.Sprintf("logins for %d unknown e-mails, many addresses", fo.logins), true, false, fo.logins},
		{"streams, one address", false, true, 0},
		{"streams, many addresses", true, true, 0},
	} {
		r, err := floodScenario(ctx, bin, work, ds, fo, sc.name, sc.many, sc.stream, sc.emails, logf)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.name, err)
		}
		r.Beyond = sc.emails > 1
		out = append(out, r)
	}
	return out, nil
}

func floodScenario(ctx context.Context, bin, work string, ds *dataset, fo floodOptions, name string, many, stream bool, emails int, logf func(string, ...any)) (*floodResult, error) {
	dir := filepath.Join(work, "flood")
	os.RemoveAll(dir)
	if err := copyDir(ds.Dir, dir); err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := redazioneEnv(dir, addr)
	if many {
		env = append(env, "REDAZIONE_TRUSTED_PROXIES=127.0.0.1/32")
	}
	srv, err := startProc(ctx, addr, "/healthz", env, bin, "serve")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base := "http://" + addr
	op, err := login(ctx, base, operatorEmail)
	if err != nil {
		return nil, err
	}
	res := &floodResult{Name: name}
	res.BaseHWM, _, _ = srv.memory()
	logf("flood: %s (server pid %d, %d MB)", name, srv.cmd.Process.Pid, res.BaseHWM>>10)
	p := &probe{op: op, srv: srv}
	stop := make(chan struct{})
	probed := make(chan struct{})
	go func() { p.run(ctx, stop, fo.samples); close(probed) }()
	t0 := time.Now()
	cpu0, self0 := srv.cpuSeconds(), selfCPU()
	switch {
	case strings.HasPrefix(name, "quiet"):
		select {
		case <-time.After(fo.duration):
		case <-ctx.Done():
		}
		res.Attack = "none"
	case !stream:
		res.Attack = loginFlood(ctx, base, fo.logins, fo.duration, many, emails)
	default:
		res.Attack, err = streamFlood(ctx, base, ds, fo.streams, fo.duration, many)
	}
	close(stop)
	<-probed
	res.Duration = time.Since(t0)
	res.ServerCPU, res.BenchCPU = srv.cpuSeconds()-cpu0, selfCPU()-self0
	if err != nil {
		return nil, err
	}
	res.PeakHWM, _, _ = srv.memory()
	slices.Sort(p.healthz)
	slices.Sort(p.inbox)
	res.Healthz, res.Inbox, res.Errors, res.PeakFDs = p.healthz, p.inbox, p.errors, p.peakFDs
	logf("  %s; healthz p95 %s, inbox p95 %s, peak %d MB, %d fds", res.Attack,
		pct(res.Healthz, .95).Round(time.Microsecond), pct(res.Inbox, .95).Round(time.Microsecond), res.PeakHWM>>10, res.PeakFDs)
	return res, nil
}

// loginFlood sends logins for e-mail addresses that have no account (as
// many as emails) from n workers for d, and says how they were answered.
func loginFlood(ctx context.Context, base string, n int, d time.Duration, many bool, emails int) string {
	var mu sync.Mutex
	codes := map[int]int{}
	failed := 0
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: n}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end) && ctx.Err() == nil; i++ {
				form := url.Values{"email": {fmt.Sprintf("nessuno%d@example.it", w%emails)}, "password": {fmt.Sprintf("tentativo-%d", i)}}
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Origin", base)
				if many {
					req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", w/250, w%250, i%250+1))
				}
				resp, err := hc.Do(req)
				mu.Lock()
				if err != nil {
					failed++
				} else {
					codes[resp.StatusCode]++
				}
				mu.Unlock()
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	tr.CloseIdleConnections()
	total := failed
	for _, c := range codes {
		total += c
	}
	var parts []string
	for _, c := range slices.Sorted(maps.Keys(codes)) {
		parts = append(parts, fmt.Sprintf("%d× %d", codes[c], c))
	}
	if failed > 0 {
		parts = append(parts, fmt.Sprintf("%d× no answer", failed))
	}
	return fmt.Sprintf("%d logins from %d workers in %s: %s", total, n, d, strings.Join(parts, ", "))
}

// streamFlood opens n web-chat event streams at once, from child processes
// of 9,000 connections each (a process here may hold at most 20,000
// descriptors), holds the accepted ones for d, and says how they were
// answered.
func streamFlood(ctx context.Context, base string, ds *dataset, n int, d time.Duration, many bool) (string, error) {
	chID, err := webchatChannel(ctx, base, ds)
	if err != nil {
		return "", err
	}
	self, err := os.Executable()
	if err != nil {
		return "", err
	}
	const perChild = 9000
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Reader
	}
	var kids []child
	defer func() {
		for _, k := range kids {
			k.stdin.Close()
			k.cmd.Wait()
		}
	}()
	for first := 0; first < n; first += perChild {
		cnt := min(perChild, n-first)
		cmd := exec.CommandContext(ctx, self, "-stream-client", strings.TrimPrefix(base, "http://"),
			"-stream-path", fmt.Sprintf("/widget/v1/%d/events", chID), "-stream-count", strconv.Itoa(cnt),
			"-stream-first", strconv.Itoa(first), "-stream-many="+strconv.FormatBool(many))
		cmd.Stderr = os.Stderr
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		in, err := cmd.StdinPipe()
		if err != nil {
			return "", err
		}
		outp, err := cmd.StdoutPipe()
		if err != nil {
			return "", err
		}
		if err := cmd.Start(); err != nil {
			return "", err
		}
		kids = append(kids, child{cmd, in, bufio.NewReader(outp)})
	}
	var ok, refused, failed int
	for _, k := range kids {
		line, err := k.out.ReadString('\n')
		if err != nil {
			return "", fmt.Errorf("stream client: %w", err)
		}
		var a, b, c int
		if _, err := fmt.Sscanf(line, "%d %d %d", &a, &b, &c); err != nil {
			return "", fmt.Errorf("stream client said %q", line)
		}
		ok, refused, failed = ok+a, refused+b, failed+c
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
	return fmt.Sprintf("%d streams opened at once: %d held open, %d refused with 429, %d failed to connect", n, ok, refused, failed), nil
}

// webchatChannel finds the data set's web chat.
func webchatChannel(ctx context.Context, base string, ds *dataset) (int64, error) {
	for _, id := range ds.Channels {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/widget/v1/%d/config", base, id), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == 200 {
			return id, nil
		}
	}
	return 0, fmt.Errorf("the data set has no web chat")
}

// streamClient is the child process of streamFlood: it opens count streams
// at once, prints "held refused failed" when every one has its answer, and
// holds the held ones until its standard input closes.
func streamClient(addr, path string, count, first int, many bool) error {
	var held, refused, failed atomic.Int64
	var conns sync.Map
	var wg sync.WaitGroup
	for i := range count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.DialTimeout("tcp", addr, 30*time.Second)
			if err != nil {
				failed.Add(1)
				return
			}
			n := first + i
			xff := ""
			if many {
				xff = fmt.Sprintf("X-Forwarded-For: 10.%d.%d.%d\r\n", 100+n/62500, n/250%250, n%250+1)
			}
			fmt.Fprintf(c, "GET %s?token=flood%032d HTTP/1.1\r\nHost: %s\r\n%sAccept: text/event-stream\r\n\r\n", path, n, addr, xff)
			c.SetReadDeadline(time.Now().Add(60 * time.Second))
			st, err := bufio.NewReader(c).ReadString('\n')
			switch {
			case err != nil:
				failed.Add(1)
				c.Close()
			case strings.Contains(st, " 200 "):
				held.Add(1)
				c.SetReadDeadline(time.Time{})
				conns.Store(i, c)
			default:
				refused.Add(1)
				c.Close()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%d %d %d\n", held.Load(), refused.Load(), failed.Load())
	io.Copy(io.Discard, os.Stdin)
	conns.Range(func(_, v any) bool { v.(net.Conn).Close(); return true })
	return nil
}

// copyDir copies the files of a data set (not its subdirectories' caches).
func copyDir(from, to string) error {
	return filepath.WalkDir(from, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// floodVerdict is check(ok), or for a scenario beyond the target's what it
// showed without counting it.
func floodVerdict(beyond, ok bool, check func(bool) string) string {
	switch {
	case !beyond:
		return check(ok)
	case ok:
		return "held (beyond the target's scenario)"
	}
	return "not held (beyond the target's scenario)"
}

// reportFlood prints the flood scenarios and returns how many targets were
// missed: /healthz and the inbox at p95 under 100 ms.
func reportFlood(w io.Writer, fo floodOptions, rs []*floodResult, check func(bool) string) {
	fmt.Fprintf(w, "\n### Flood (%d parallel logins for unknown e-mail addresses for %s; %d web-chat streams opened at once and held %s)\n\n",
		fo.logins, fo.duration, fo.streams, fo.duration)
	fmt.Fprintln(w, "| Scenario | What the flood got | /healthz p50 / p95 | inbox p50 / p95 (operator) | probe errors | server memory before → peak | peak descriptors | CPU: server / load generator, of the cores' time | p95 < 100 ms |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---|")
	for _, r := range rs {
		ok := pct(r.Healthz, .95) < 100*time.Millisecond && pct(r.Inbox, .95) < 100*time.Millisecond && r.Errors == 0 && len(r.Inbox) > 0
		avail := r.Duration.Seconds() * float64(runtime.NumCPU())
		fmt.Fprintf(w, "| %s | %s | %s / %s ms (n=%d) | %s / %s ms (n=%d) | %d | %d → %d MB | %d | %.0f %% / %.0f %% | %s |\n", r.Name, r.Attack,
			ms(pct(r.Healthz, .5)), ms(pct(r.Healthz, .95)), len(r.Healthz), ms(pct(r.Inbox, .5)), ms(pct(r.Inbox, .95)), len(r.Inbox),
			r.Errors, r.BaseHWM>>10, r.PeakHWM>>10, r.PeakFDs, 100*r.ServerCPU/avail, 100*r.BenchCPU/avail, floodVerdict(r.Beyond, ok, check))
	}
}
