package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/channel/apichannel"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

// The fan-out benchmark: n operators, each signed in (a session row per
// operator, as a login makes it) with the inbox open, i.e. its event
// stream (GET /events); a citizen writes, and the time is measured from
// the message's POST until each stream has received the event. Rounds
// repeat it; the server's memory is read before and after the streams
// opened.

type fanoutResult struct {
	Engine      string
	Operators   int
	Rounds      int
	Lat         []time.Duration // every delivery of every round, sorted
	RoundP95    []time.Duration
	Missed      int // deliveries not seen within 10 s
	RSSBefore   int64
	RSSAfter    int64 // kB, with every stream open
	OpenTime    time.Duration
	ServerCPU   float64 // during the rounds
	Machine     machineSample
	StreamLimit int
}

type arrival struct {
	stream int
	conv   int64
	at     time.Time
}

// benchFanout runs the fan-out on a new database: SQLite in a temporary
// data directory, or the PostgreSQL database redazione_bench_fanout when
// base is set.
func benchFanout(ctx context.Context, bin, work, base string, n, rounds int, logf func(string, ...any)) (*fanoutResult, error) {
	dir, err := os.MkdirTemp(work, "fanout-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	out := &fanoutResult{Engine: "SQLite", Operators: n, Rounds: rounds, StreamLimit: n + 10}
	u := ""
	if base != "" {
		out.Engine = "PostgreSQL"
		if err := pgRecreate(ctx, base, pgScratch+"fanout"); err != nil {
			return nil, err
		}
		if u, err = pgURL(base, pgScratch+"fanout"); err != nil {
			return nil, err
		}
	}
	// The ente, its channel and n operators with their sessions, through
	// the store, as the server's admin commands and logins write them.
	db, err := store.Open(ctx, u, dir)
	if err != nil {
		return nil, err
	}
	box, err := secrets.FromEnv("", dir)
	if err != nil {
		db.Close()
		return nil, err
	}
	db.SetSealer(box)
	e, err := db.CreateEnte(ctx, "ente", "Comune di Benchmark")
	if err != nil {
		db.Close()
		return nil, err
	}
	sys := redazione.SystemActor(e.ID)
	desks, err := db.Desks(ctx, e.ID)
	if err != nil {
		db.Close()
		return nil, err
	}
	ch := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "Segnalazioni app", DeskID: desks[0].ID, Secret: auth.NewToken("")}
	if err := db.CreateChannel(ctx, sys, ch); err != nil {
		db.Close()
		return nil, err
	}
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		db.Close()
		return nil, err
	}
	cookies := make([]string, n)
	for i := range n {
		usr := &redazione.User{Email: fmt.Sprintf("op%d@fanout.example.it", i), Name: fmt.Sprintf("Operatore %d", i),
			Role: redazione.RoleOperator, DeskIDs: []int64{desks[0].ID}, PasswordHash: hash}
		if err := db.CreateUser(ctx, sys, usr); err != nil {
			db.Close()
			return nil, err
		}
		token := auth.NewToken("")
		if err := db.CreateSession(ctx, usr, auth.HashToken(token), auth.NewToken(""), "redazione-bench", "127.0.0.1"); err != nil {
			db.Close()
			return nil, err
		}
		cookies[i] = "redazione_session=" + token
	}
	if err := db.Close(); err != nil {
		return nil, err
	}

	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// The operators' streams in all are capped (REDAZIONE_STREAMS_OPERATORS,
	// 500 by default): an ente with n operators raises it.
	env := append(redazioneEnvDB(dir, addr, u), "REDAZIONE_STREAMS_OPERATORS="+strconv.Itoa(out.StreamLimit))
	srv, err := startProc(ctx, addr, "/healthz", env, bin, "serve")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	base2 := "http://" + addr
	_, out.RSSBefore, _ = srv.memory()
	logf("fan-out (%s): %d operators open their event streams (server pid %d, RSS %d MB)", out.Engine, n, srv.cmd.Process.Pid, out.RSSBefore>>10)

	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tr := &http.Transport{MaxIdleConnsPerHost: n, MaxConnsPerHost: 0, DisableCompression: true}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	arrivals := make(chan arrival, n*4)
	opened := make(chan error, n)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, base2+"/events", nil)
			req.Header.Set("Cookie", cookies[i])
			req.Header.Set("Accept", "text/event-stream")
			resp, err := hc.Do(req)
			if err != nil {
				opened <- err
				return
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				opened <- fmt.Errorf("GET /events: %s", resp.Status)
				return
			}
			opened <- nil
			sc := bufio.NewScanner(resp.Body)
			for sc.Scan() {
				line := sc.Bytes()
				if !bytes.HasPrefix(line, []byte("data: ")) {
					continue
				}
				at := time.Now()
				var d struct {
					Conversation int64 `json:"conversation"`
				}
				if json.Unmarshal(line[6:], &d) == nil && d.Conversation != 0 {
					select {
					case arrivals <- arrival{stream: i, conv: d.Conversation, at: at}:
					case <-sctx.Done():
						return
					}
				}
			}
		}()
	}
	defer wg.Wait()
	defer cancel()
	for range n {
		if err := <-opened; err != nil {
			return nil, fmt.Errorf("%w\nserver log:\n%s", err, tail(srv.log.String(), 3000))
		}
	}
	out.OpenTime = time.Since(t0)
	_, out.RSSAfter, _ = srv.memory()
	logf("  %d streams open in %s; server RSS %d MB → %d MB", n, out.OpenTime.Round(time.Millisecond), out.RSSBefore>>10, out.RSSAfter>>10)

	post := &http.Client{Timeout: 30 * time.Second}
	smp := startSampler(ctx, u)
	cpu0 := srv.cpuSeconds()
	for r := range rounds {
		body, _ := json.Marshal(apiBody{ExternalID: fmt.Sprintf("fanout-%d", r),
			Contact: apiContact{ExternalID: fmt.Sprintf("fanout-c%d", r), Name: fmt.Sprintf("Cittadino %d", r)},
			Text:    "Buongiorno, il lampione di via Roma è spento da tre giorni.", SentAt: time.Now().UTC().Format(time.RFC3339)})
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/channels/%d/messages", base2, ch.ID), bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(apichannel.SignatureHeader, apichannel.Sign(ch.Secret, body))
		start := time.Now()
		resp, err := post.Do(req)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var res struct {
			ConversationID int64 `json:"conversation_id"`
		}
		if resp.StatusCode != http.StatusAccepted || json.Unmarshal(b, &res) != nil || res.ConversationID == 0 {
			return nil, fmt.Errorf("fan-out message: %s %s", resp.Status, b)
		}
		seen := make([]bool, n)
		var lat []time.Duration
		deadline := time.NewTimer(10 * time.Second)
	wait:
		for len(lat) < n {
			select {
			case a := <-arrivals:
				if a.conv == res.ConversationID && !seen[a.stream] {
					seen[a.stream] = true
					lat = append(lat, a.at.Sub(start))
				}
			case <-deadline.C:
				break wait
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		deadline.Stop()
		out.Missed += n - len(lat)
		slices.Sort(lat)
		out.RoundP95 = append(out.RoundP95, pct(lat, .95))
		out.Lat = append(out.Lat, lat...)
		logf("  round %d: %d of %d streams saw the message; p50 %s, p95 %s, max %s", r+1, len(lat), n,
			pct(lat, .5).Round(time.Microsecond), pct(lat, .95).Round(time.Microsecond), pct(lat, 1).Round(time.Microsecond))
	}
	out.ServerCPU = srv.cpuSeconds() - cpu0
	out.Machine = smp.Stop()
	slices.Sort(out.Lat)
	return out, nil
}

// reportFanout prints the fan-out.
func reportFanout(w io.Writer, rs []*fanoutResult, check func(bool) string) {
	for _, r := range rs {
		fmt.Fprintf(w, "\n### %d operators' event streams, one citizen's message (%s, %d rounds)\n\n", r.Operators, r.Engine, r.Rounds)
		fmt.Fprintln(w, "| Measure | Value |")
		fmt.Fprintln(w, "|---|---:|")
		fmt.Fprintf(w, "| streams opened (all at once) in | %s ms |\n", ms(r.OpenTime))
		fmt.Fprintf(w, "| deliveries seen / missed (10 s) | %d / %d |\n", len(r.Lat), r.Missed)
		fmt.Fprintf(w, "| message sent → event on each stream, p50 / p95 / max | %s / %s / %s ms |\n", ms(pct(r.Lat, .5)), ms(pct(r.Lat, .95)), ms(pct(r.Lat, 1)))
		var rp []string
		for _, d := range r.RoundP95 {
			rp = append(rp, ms(d))
		}
		fmt.Fprintf(w, "| p95 of each round | %s ms |\n", strings.Join(rp, " · "))
		fmt.Fprintf(w, "| server RSS before → with the streams open | %d → %d MB |\n", r.RSSBefore>>10, r.RSSAfter>>10)
		fmt.Fprintf(w, "| memory per open stream | %.1f KiB |\n", float64(r.RSSAfter-r.RSSBefore)/float64(r.Operators))
		fmt.Fprintf(w, "| server CPU during the rounds | %.2f s |\n", r.ServerCPU)
		fmt.Fprintf(w, "\nMachine during the rounds: %s. Server started with REDAZIONE_STREAMS_OPERATORS=%d.\n\n", r.Machine, r.StreamLimit)
		fmt.Fprintln(w, "| Target | Measured | Verdict |")
		fmt.Fprintln(w, "|---|---:|---|")
		fmt.Fprintf(w, "| %d streams: the event reaches all, p95 < 250 ms | %s ms, %d missed | %s |\n", r.Operators, ms(pct(r.Lat, .95)), r.Missed,
			check(r.Missed == 0 && pct(r.Lat, .95) < 250*time.Millisecond))
	}
}
