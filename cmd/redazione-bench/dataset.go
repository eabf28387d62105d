package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/auth"
	"github.com/redazione/redazione/secrets"
	"github.com/redazione/redazione/store"
)

const (
	benchPassword = "bench-password-2026"
	adminEmail    = "admin@example.it"
	coordEmail    = "coordinatrice@bench.example.it"
	operatorEmail = "operatore@bench.example.it"
	msgsPerConv   = 10
	// longThread is the length of the first conversation (id 1), a
	// citizen and the office writing back and forth for a week, whose
	// latest page the read benchmark opens.
	longThread = 10_000
)

// dataset is a generated database, described by meta.json in its directory.
type dataset struct {
	Dir           string    `json:"-"`
	Conversations int64     `json:"conversations"`
	Messages      int64     `json:"messages"`
	Contacts      int64     `json:"contacts"`
	GenSeconds    float64   `json:"gen_seconds"`
	Generated     time.Time `json:"generated"`
	OperatorDesks []int64   `json:"operator_desks"`
	Channels      []int64   `json:"channels"`
	DBBytes       int64     `json:"db_bytes"`
	Rare          []string  `json:"rare_case_numbers"`
	Schema        string    `json:"schema"`
	// URL is the PostgreSQL database of the data set; empty on SQLite
	// (redazione.db in Dir).
	URL         string        `json:"url,omitempty"`
	Cached      bool          `json:"-"`
	GenDuration time.Duration `json:"-"`
}

// ensureDataset returns the dataset of n conversations under root,
// generating it when meta.json is missing.
func ensureDataset(ctx context.Context, root string, n int64, logf func(string, ...any)) (*dataset, error) {
	dir := filepath.Join(root, "conv-"+strconv.FormatInt(n, 10))
	metaPath := filepath.Join(dir, "meta.json")
	if b, err := os.ReadFile(metaPath); err == nil {
		ds := &dataset{Dir: dir, Cached: true}
		if err := json.Unmarshal(b, ds); err != nil {
			return nil, fmt.Errorf("%s: %w", metaPath, err)
		}
		if fp := schemaFingerprint(); fp == "" || fp == ds.Schema {
			return ds, nil
		}
		logf("%s was generated with other migrations or another bulk loader: generating it again", dir)
	}
	// A partial database from an interrupted run is thrown away.
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	logf("generating %d conversations × %d messages in %s", n, msgsPerConv, dir)
	start := time.Now()
	ds, err := generate(ctx, dir, "", n, logf)
	if err != nil {
		return nil, err
	}
	ds.Schema = schemaFingerprint()
	ds.GenDuration = time.Since(start)
	ds.GenSeconds = ds.GenDuration.Seconds()
	ds.Generated = time.Now().UTC()
	if fi, err := os.Stat(filepath.Join(dir, "redazione.db")); err == nil {
		ds.DBBytes = fi.Size()
	}
	b, _ := json.MarshalIndent(ds, "", "  ")
	if err := os.WriteFile(metaPath, b, 0o640); err != nil {
		return nil, err
	}
	logf("generated %d conversations, %d messages, %d contacts in %s (%.0f messages/s), database %d MB",
		ds.Conversations, ds.Messages, ds.Contacts, ds.GenDuration.Round(time.Second), float64(ds.Messages)/ds.GenSeconds, ds.DBBytes>>20)
	return ds, nil
}

// schemaFingerprint hashes the SQLite migrations and the bulk loader as they
// are in the working tree (empty when not run from the repository root), so
// that a cached data set is generated again when what the store writes
// changes.
func schemaFingerprint() string {
	return hashFiles(filepath.Join("store", "migrations", "sqlite", "*.sql"), filepath.Join("cmd", "redazione-bench", "bulk.go"))
}

// hashFiles hashes the files the glob names, then the others, and
// dataset.go, as they are in the working tree ("" when one cannot be read).
func hashFiles(glob string, others ...string) string {
	h := sha256.New()
	files, _ := filepath.Glob(glob)
	files = append(append(files, others...), filepath.Join("cmd", "redazione-bench", "dataset.go"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return ""
		}
		h.Write([]byte(f))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// generate makes a data set of n conversations: in dir on SQLite, or in
// the PostgreSQL database url (then dir holds the data directory's key).
func generate(ctx context.Context, dir, url string, n int64, logf func(string, ...any)) (*dataset, error) {
	ds := &dataset{Dir: dir, URL: url}
	// Ente, desks, users and channels through the store, as the server and
	// the admin commands create them.
	db, err := store.Open(ctx, url, dir)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	// The channels' secrets are sealed under the data directory's key, which
	// the server started on it reads.
	box, err := secrets.FromEnv("", dir)
	if err != nil {
		return nil, err
	}
	db.SetSealer(box)
	e, err := db.CreateEnte(ctx, "ente", "Comune di Benchmark")
	if err != nil {
		return nil, err
	}
	sys := redazione.SystemActor(e.ID)
	desks, err := db.Desks(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(benchPassword)
	if err != nil {
		return nil, err
	}
	ds.OperatorDesks = []int64{desks[0].ID, desks[1].ID}
	users := []*redazione.User{
		{Email: adminEmail, Name: "Amministratore", Role: redazione.RoleAdmin},
		{Email: coordEmail, Name: "Coordinatrice", Role: redazione.RoleCoordinator},
		{Email: operatorEmail, Name: "Operatore Due Desk", Role: redazione.RoleOperator, DeskIDs: ds.OperatorDesks},
	}
	for i := range 8 {
		users = append(users, &redazione.User{Email: fmt.Sprintf("op%d@bench.example.it", i), Name: fmt.Sprintf("Operatore %d", i),
			Role: redazione.RoleOperator, DeskIDs: []int64{desks[i%5].ID, desks[(i+1)%5].ID}})
	}
	var operators []int64
	for _, u := range users {
		u.PasswordHash = hash
		if err := db.CreateUser(ctx, sys, u); err != nil {
			return nil, err
		}
		if u.Role == redazione.RoleOperator {
			operators = append(operators, u.ID)
		}
	}
	type chdef struct {
		kind redazione.ChannelKind
		name string
		desk int
	}
	var chans []*redazione.Channel
	for _, c := range []chdef{
		{redazione.ChannelAPI, "Segnalazioni app", 0},
		{redazione.ChannelWebChat, "Chat del sito", 0},
		{redazione.ChannelAPI, "Social (integrazione)", 1},
		{redazione.ChannelAPI, "Sportello telematico", 2},
	} {
		ch := &redazione.Channel{Kind: c.kind, Name: c.name, DeskID: desks[c.desk].ID, Secret: auth.NewToken("")}
		if err := db.CreateChannel(ctx, sys, ch); err != nil {
			return nil, err
		}
		chans = append(chans, ch)
		ds.Channels = append(ds.Channels, ch.ID)
	}
	if err := db.Close(); err != nil {
		return nil, err
	}
	if err := checkDocs(newTextGen(42), 2000); err != nil {
		return nil, err
	}

	g := newTextGen(uint64(n))
	r := g.rnd
	// Conversations over the last year, oldest first, ids in time order.
	end := time.Now().Add(-time.Hour)
	span := 365 * 24 * time.Hour
	step := span / time.Duration(n)
	var i int64
	var prevStatus redazione.Status
	var prevChannel int
	last := time.Now()
	next := func(c *bulkConversation) bool {
		if i >= n || ctx.Err() != nil {
			return false
		}
		if i > 0 && i%100000 == 0 && time.Since(last) > 0 {
			logf("  %d conversations", i)
		}
		t0 := end.Add(-span + time.Duration(i)*step + time.Duration(r.Int64N(int64(step)+1)))
		ci := r.IntN(len(chans))
		// One conversation in ten is a returning citizen: the contact of the
		// previous conversation when that one was resolved (Ingest opens a
		// new conversation then).
		if i%10 == 9 && prevStatus == redazione.StatusResolved {
			c.ReusePrevious, ci = true, prevChannel
		} else if chans[ci].Kind == redazione.ChannelWebChat {
			c.ContactExternalID = fmt.Sprintf("wc-%016x", r.Uint64())
		} else {
			c.ContactExternalID, c.ContactName = fmt.Sprintf("cit-%d", i), g.name()
		}
		c.ChannelID = chans[ci].ID
		c.DeskID = desks[r.IntN(len(desks))].ID
		switch p := r.IntN(100); {
		case p < 30:
			c.Status = redazione.StatusOpen
		case p < 40:
			c.Status = redazione.StatusPending
		default:
			c.Status = redazione.StatusResolved
		}
		if c.Status != redazione.StatusOpen || r.IntN(2) == 0 {
			c.AssigneeID = operators[r.IntN(len(operators))]
		}
		if r.IntN(5) == 0 {
			c.Tags = append(c.Tags, []string{"tari", "viabilità", "illuminazione", "anagrafe", "verde-pubblico", "scuola"}[r.IntN(6)])
		}
		// Citizen and office alternate; an open conversation ends with the
		// citizen waiting, the others with the office's reply. One
		// conversation in five has an internal note.
		t, count, gap := t0, msgsPerConv, func() time.Duration { return time.Duration(2+r.IntN(240)) * time.Minute }
		if i == 0 {
			count, gap = longThread, func() time.Duration { return time.Minute }
		}
		for k := range count {
			var m bulkMessage
			in := k%2 == 0
			if c.Status == redazione.StatusOpen && k == count-1 {
				in = true
			}
			switch {
			case in:
				m.Direction = redazione.DirIn
				m.Text, m.Doc = g.citizen()
				m.ExternalID = fmt.Sprintf("ext-%d-%d", i, k)
			case k == 5 && i%5 == 0:
				m.Direction, m.AuthorID = redazione.DirNote, operators[r.IntN(len(operators))]
				m.Text, m.Doc = g.note()
			default:
				m.Direction, m.AuthorID, m.Delivery = redazione.DirOut, operators[r.IntN(len(operators))], redazione.DeliverySent
				m.Text, m.Doc = g.reply()
			}
			m.SentAt = t
			t = t.Add(gap())
			c.Messages = append(c.Messages, m)
		}
		prevStatus, prevChannel = c.Status, ci
		i++
		return true
	}
	var st bulkStats
	if url != "" {
		st, err = pgBulkLoad(ctx, url, e.ID, next, logf)
	} else {
		st, err = bulkLoad(ctx, filepath.Join(dir, "redazione.db"), e.ID, 1000, next)
	}
	if err != nil {
		return nil, err
	}
	ds.Conversations, ds.Messages, ds.Contacts = st.Conversations, st.Messages, st.Contacts
	// Rare terms: case numbers that occur a few times in the data set.
	ds.Rare = []string{"pratica 123456", "pratica 654321", "pratica 500000"}
	return ds, nil
}
