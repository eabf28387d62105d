package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/backup"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// acked is a message the inbox acknowledged, with the hash of its file.
type acked struct {
	id     int64
	text   string
	blob   string // the file's key, or ""
	sha256 string
}

// A backup taken while citizens keep writing, restored into a new
// directory, starts, and holds every message acknowledged before the
// backup began and every file byte for byte; a damaged backup is refused
// and leaves nothing behind.
func TestBackupUnderLoadRestores(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REDAZIONE_DATA_DIR", dir)
	t.Setenv("REDAZIONE_DATABASE_URL", "")
	t.Setenv("REDAZIONE_SECRET_KEY", "")
	cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova")
	chID := int64(cli(t, "channel", "add", "api", "--name", "Sportello")["id"].(float64))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := openDB(ctx, configFromEnv())
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.StartWith(ctx, db, app.Config{DataDir: dir}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close(context.Background())
	ch, err := a.DB.CachedChannel(ctx, chID)
	if err != nil {
		t.Fatal(err)
	}

	// Citizens write, some with a file, until the test has what it needs.
	var (
		mu      sync.Mutex
		started bool    // the backup has begun
		before  []acked // acknowledged before it began
		after   int     // acknowledged since
		enough  = make(chan struct{})
		more    = make(chan struct{})
		stop    = make(chan struct{})
		stopped = make(chan error, 1)
	)
	go func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				stopped <- nil
				return
			default:
			}
			m := acked{text: fmt.Sprintf("Segnalazione numero %d: buca in via Roma", i)}
			in := redazione.Inbound{ExternalID: fmt.Sprintf("m%d", i), ContactID: fmt.Sprintf("c%d", i%7), ContactName: "Cittadino", Text: m.text, SentAt: time.Now()}
			if i%3 == 0 {
				data := make([]byte, 2048+i)
				rand.Read(data)
				b, err := a.Blobs.Put(bytes.NewReader(data), 0)
				if err != nil {
					stopped <- err
					return
				}
				sum := sha256.Sum256(data)
				m.blob, m.sha256 = b.Key, hex.EncodeToString(sum[:])
				in.Attachments = []redazione.InboundAttachment{{Name: fmt.Sprintf("foto%d.bin", i), BlobKey: b.Key, Size: b.Size}}
			}
			res, err := a.Inbox.Ingest(ctx, ch, in)
			if err != nil {
				stopped <- err
				return
			}
			m.id = res.Message.ID
			mu.Lock()
			if !started {
				before = append(before, m)
				if len(before) == 60 {
					close(enough)
				}
			} else {
				after++
				if after == 20 {
					close(more)
				}
			}
			mu.Unlock()
		}
	}()
	select {
	case <-enough:
	case err := <-stopped:
		t.Fatalf("writing stopped: %v", err)
	}
	mu.Lock()
	started = true
	want := append([]acked(nil), before...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "redazione.tar.gz")
	var out, errb bytes.Buffer
	if err := run(ctx, []string{"backup", "--to", file}, &out, &errb); err != nil {
		t.Fatalf("backup: %v\n%s", err, errb.String())
	}
	select { // citizens kept writing meanwhile, and after
	case <-more:
	case err := <-stopped:
		t.Fatalf("writing stopped: %v", err)
	}
	close(stop)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	var printed map[string]any
	if err := json.Unmarshal(out.Bytes(), &printed); err != nil || printed["database"] != "sqlite" || printed["key"] != backup.KeyIncluded || printed["blobs"].(float64) < 20 {
		t.Fatalf("backup printed %q (%v)", out.String(), err)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("the backup file: %v, mode %v; want 0600", err, st.Mode())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(file), ".*")); len(left) > 0 {
		t.Errorf("the backup left temporary files: %v", left)
	}

	restored := filepath.Join(t.TempDir(), "nuova")
	out.Reset()
	if err := run(ctx, []string{"restore", "--from", file, "--data-dir", restored}, &out, &errb); err != nil {
		t.Fatalf("restore: %v\n%s", err, errb.String())
	}
	key, _ := os.ReadFile(filepath.Join(dir, "secret.key"))
	if got, _ := os.ReadFile(filepath.Join(restored, "secret.key")); len(key) == 0 || !bytes.Equal(got, key) {
		t.Error("the master key was not restored")
	}

	// The server starts on what was restored, and has everything.
	rdb, err := openDB(ctx, config{DataDir: restored, TombstoneDays: store.DefaultTombstoneDays})
	if err != nil {
		t.Fatal(err)
	}
	ra, err := app.StartWith(ctx, rdb, app.Config{DataDir: restored}, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close(context.Background())
	srv := httptest.NewServer(ra.Handler())
	defer srv.Close()
	if resp, err := http.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the restored server is not healthy: %v", err)
	}
	if got, err := ra.DB.CachedChannel(ctx, chID); err != nil || got.Secret != ch.Secret {
		t.Errorf("the channel's sealed secret does not open with the restored key: %v", err)
	}
	files := 0
	for _, m := range want {
		got, err := ra.DB.Message(ctx, ch.EnteID, m.id)
		if err != nil {
			t.Errorf("message %d, acknowledged before the backup, is not in it: %v", m.id, err)
			continue
		}
		if got.Text != m.text {
			t.Errorf("message %d = %q, want %q", m.id, got.Text, m.text)
		}
		if m.blob == "" {
			continue
		}
		if len(got.Attachments) != 1 || got.Attachments[0].BlobKey != m.blob {
			t.Errorf("message %d has attachments %+v, want the file %s", m.id, got.Attachments, m.blob)
			continue
		}
		f, err := ra.Blobs.Open(m.blob)
		if err != nil {
			t.Errorf("message %d's file is not restored: %v", m.id, err)
			continue
		}
		h := sha256.New()
		io.Copy(h, f)
		f.Close()
		if hex.EncodeToString(h.Sum(nil)) != m.sha256 {
			t.Errorf("message %d's file differs from what the citizen sent", m.id)
		}
		files++
	}
	if files < 20 {
		t.Fatalf("only %d files checked", files)
	}

	// A restore never goes into a directory that holds something.
	err = run(ctx, []string{"restore", "--from", file, "--data-dir", restored}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("a restore into a full directory: %v", err)
	}

	// A damaged backup is refused, saying so, and leaves nothing.
	raw, _ := os.ReadFile(file)
	for name, bad := range map[string][]byte{
		"a byte changed": flip(raw, len(raw)/2),
		"cut short":      raw[:len(raw)*2/3],
		"not a backup":   []byte("ciao"),
	} {
		damaged := filepath.Join(t.TempDir(), "danneggiato.tar.gz")
		os.WriteFile(damaged, bad, 0o600)
		into := filepath.Join(t.TempDir(), "vuota")
		err := run(ctx, []string{"restore", "--from", damaged, "--data-dir", into}, &out, &errb)
		if err == nil || !strings.Contains(message(err), "the backup is damaged, nothing restored") {
			t.Errorf("%s: restore answered %v", name, err)
		}
		if left, _ := os.ReadDir(into); len(left) > 0 {
			t.Errorf("%s: a refused restore left %d entries in the directory", name, len(left))
		}
	}
}

// flip returns b with the byte at i changed.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

// On PostgreSQL the backup holds the files and the key, says how to pair
// it with pg_dump, and restores them.
func TestBackupPostgresFilesAndKey(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("REDAZIONE_DATA_DIR", dir)
	t.Setenv("REDAZIONE_DATABASE_URL", testdb.URL(t, store.Postgres))
	t.Setenv("REDAZIONE_SECRET_KEY", "")
	cli(t, "ente", "create", "--slug", "comune", "--name", "Comune di Prova") // makes the key
	content := []byte("una foto")
	sum := sha256.Sum256(content)
	key := hex.EncodeToString(sum[:])
	rel := filepath.Join("blobs", key[:2], key[2:4], key)
	os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o700)
	os.WriteFile(filepath.Join(dir, rel), content, 0o600)

	file := filepath.Join(t.TempDir(), "files.tar.gz")
	var out, errb bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--to", file}, &out, &errb); err != nil {
		t.Fatalf("backup: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), `"database":"postgres"`) || !strings.Contains(out.String(), "pg_dump") || !strings.Contains(errb.String(), "pg_dump") {
		t.Fatalf("backup on PostgreSQL printed %s / %s", out.String(), errb.String())
	}
	restored := filepath.Join(t.TempDir(), "nuova")
	out.Reset()
	if err := run(context.Background(), []string{"restore", "--from", file, "--data-dir", restored}, &out, &errb); err != nil {
		t.Fatalf("restore: %v", err)
	}
	if !strings.Contains(out.String(), "pg_restore") {
		t.Errorf("restore of a PostgreSQL backup does not say how to restore the database: %s", out.String())
	}
	if got, _ := os.ReadFile(filepath.Join(restored, rel)); !bytes.Equal(got, content) {
		t.Error("the file was not restored")
	}
	if _, err := os.Stat(filepath.Join(restored, "secret.key")); err != nil {
		t.Errorf("the key was not restored: %v", err)
	}
}
