package mastodon

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
)

// memIngester keeps the revisions applied, and lists the statuses given.
type memIngester struct {
	mu     sync.Mutex
	recent []string
	since  time.Time
	limit  int
	revs   []redazione.Revision
}

func (m *memIngester) Ingest(context.Context, *redazione.Channel, redazione.Inbound) (*redazione.Ingested, error) {
	return &redazione.Ingested{}, nil
}

func (m *memIngester) Revise(_ context.Context, _ *redazione.Channel, revs []redazione.Revision) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.revs = append(m.revs, revs...)
	return len(revs), nil
}

func (m *memIngester) RecentPublicStatuses(_ context.Context, _ *redazione.Channel, since time.Time, limit int) ([]string, error) {
	m.since, m.limit = since, limit
	return m.recent, nil
}

// Asked again, a status that is gone (404) is a deletion and one edited
// since is an edit; one unchanged, or an edit already applied, costs no
// write; an instance in trouble is reported and changes nothing.
func TestRecheckPass(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	down := false
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		id, _ := strings.CutPrefix(r.URL.Path, "/api/v1/statuses/")
		asked = append(asked, id)
		if down {
			http.Error(w, `{"error":"Service Unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		switch id {
		case "1": // deleted by its author
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"error":"Record not found"}`))
		case "2": // edited
			w.Write([]byte(`{"id":"2","created_at":"2026-11-20T11:00:00.000Z","edited_at":"2026-11-20T11:05:00.000Z","visibility":"public",
			  "content":"<p><span class=\"h-card\"><a href=\"https://social.comune.example.it/@comune\" class=\"u-url mention\">@<span>comune</span></a></span> il semaforo è guasto da ieri</p>"}`))
		case "3": // as received
			w.Write([]byte(`{"id":"3","created_at":"2026-11-20T11:00:00.000Z","edited_at":null,"visibility":"public","content":"<p>grazie</p>"}`))
		}
	}))
	defer srv.Close()
	ing := &memIngester{recent: []string{"1", "2", "3"}}
	r := &rechecker{client: srv.Client(), ch: &redazione.Channel{Settings: map[string]string{"api_base_url": srv.URL, "token": "T"}}, ing: ing}
	now := time.Now()
	if n, err := r.pass(t.Context(), now); err != nil || n != 2 {
		t.Fatalf("first pass: %d revisions, %v", n, err)
	}
	if ing.limit != RecheckLimit || !ing.since.Equal(now.Add(-RecheckWindow)) {
		t.Errorf("asked the store for %d since %v", ing.limit, ing.since)
	}
	if len(ing.revs) != 2 || !ing.revs[0].Deleted || ing.revs[0].ExternalID != "1" ||
		ing.revs[1].ExternalID != "2" || ing.revs[1].Text != "il semaforo è guasto da ieri" || ing.revs[1].At.IsZero() {
		t.Fatalf("revisions %+v", ing.revs)
	}
	ing.recent = []string{"2", "3"} // the deleted one is no longer listed
	if n, err := r.pass(t.Context(), now); err != nil || n != 0 || len(ing.revs) != 2 {
		t.Fatalf("second pass: %d, %v, revisions %+v; want nothing new", n, err, ing.revs)
	}
	mu.Lock()
	down = true
	mu.Unlock()
	if n, err := r.pass(t.Context(), now); err == nil || n != 0 || !strings.Contains(err.Error(), "503") {
		t.Fatalf("instance down: %d, %v", n, err)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if n, _ := r.pass(t.Context(), now); n != 0 {
		t.Errorf("after the outage the edit was applied again")
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(asked[:3], []string{"1", "2", "3"}) {
		t.Errorf("asked %v", asked)
	}
}
