package appio_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/appio"
	"github.com/redazione/redazione/channel/appio/appiotest"
	"github.com/redazione/redazione/codicefiscale"
	"github.com/redazione/redazione/jobs"
)

const (
	cf  = codicefiscale.Code("RSSMRA85T10A562S")
	key = "chiave-di-prova"
)

var body = strings.Repeat("Il suo documento è pronto per il ritiro presso lo sportello. ", 2)

func channelFor(srv *appiotest.Server, k string) *redazione.Channel {
	return &redazione.Channel{ID: 1, EnteID: 1, Kind: redazione.ChannelAppIO, Settings: map[string]string{"api_key": k, "api_base_url": srv.URL, "service_name": "Servizi demografici"}}
}

func TestContentLimits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, subject, markdown, field string
	}{
		{"good", "Documento pronto", body, ""},
		{"subject too short", "Pronto", body, "subject"},
		{"subject too long", strings.Repeat("a", 121), body, "subject"},
		{"subject of 120 accented letters", strings.Repeat("è", 120), body, ""},
		{"body too short", "Documento pronto", "Venga a ritirarlo.", "markdown"},
		{"body too long", "Documento pronto", strings.Repeat("a", 10001), "markdown"},
		{"subject on two lines", "Documento\npronto da ritirare", body, "subject"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ct := appio.Content{Subject: c.subject, Markdown: c.markdown}
			err := ct.Check()
			var e *redazione.Error
			switch {
			case c.field == "" && err != nil:
				t.Fatalf("Check: %v", err)
			case c.field != "" && (!errors.As(err, &e) || e.Field != c.field):
				t.Fatalf("Check = %v, want an error on %s", err, c.field)
			}
		})
	}
}

func TestProfileAndSend(t *testing.T) {
	t.Parallel()
	srv := appiotest.New(key)
	defer srv.Close()
	c := appio.ClientFor(channelFor(srv, key), nil)
	ctx := context.Background()

	var perm jobs.Permanent
	if err := c.Profile(ctx, cf); !errors.As(err, &perm) || !errors.Is(err, appio.ErrNoProfile) {
		t.Fatalf("profile of a citizen without IO = %v, want ErrNoProfile, permanent", err)
	}
	srv.Profile(cf.String(), false)
	if err := c.Profile(ctx, cf); !errors.Is(err, appio.ErrNotAllowed) {
		t.Fatalf("profile with sender_allowed false = %v, want ErrNotAllowed", err)
	}
	srv.Profile(cf.String(), true)
	if err := c.Profile(ctx, cf); err != nil {
		t.Fatalf("profile: %v", err)
	}
	due := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	id, err := c.Submit(ctx, cf, appio.Content{Subject: "Documento pronto", Markdown: body, DueDate: due})
	if err != nil || id == "" {
		t.Fatalf("submit = %q, %v", id, err)
	}
	sent := srv.Sent()
	if len(sent) != 1 || sent[0].FiscalCode != cf.String() || sent[0].DueDate != "2026-12-31T00:00:00.000Z" || sent[0].Subject != "Documento pronto" {
		t.Fatalf("IO got %+v", sent)
	}
	if st, err := c.MessageStatus(ctx, cf, id); err != nil || st != appio.Processed {
		t.Fatalf("status = %q, %v", st, err)
	}
	srv.Outcome(cf.String(), "REJECTED")
	if st, _ := c.MessageStatus(ctx, cf, id); st != appio.Rejected || !st.Final() {
		t.Fatalf("status = %q, want REJECTED (final)", st)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	srv := appiotest.New(key)
	defer srv.Close()
	srv.Profile(cf.String(), true)
	ctx := context.Background()
	var perm jobs.Permanent
	if err := appio.ClientFor(channelFor(srv, "chiave-sbagliata"), nil).Profile(ctx, cf); !errors.As(err, &perm) || !strings.Contains(err.Error(), "chiave API") {
		t.Fatalf("a wrong key = %v, want a permanent error naming the key", err)
	}
	c := appio.ClientFor(channelFor(srv, key), nil)
	srv.Throttle("7")
	var later jobs.Later
	if err := c.Profile(ctx, cf); !errors.As(err, &later) || later.After != 7*time.Second {
		t.Fatalf("429 = %v, want to wait the 7 s of Retry-After", err)
	}
	if _, err := c.Submit(ctx, cf, appio.Content{Subject: "Breve", Markdown: body}); !errors.As(err, &perm) || !strings.Contains(err.Error(), "HTTP 400") {
		t.Fatalf("an invalid message = %v, want a permanent 400", err)
	}
}

// The samples written from the specification decode as the client expects.
func TestDocumentedSamples(t *testing.T) {
	t.Parallel()
	files := map[string]struct {
		file   string
		status int
	}{
		"/api/v1/profiles": {"profile_not_allowed.json", 200},
		"/api/v1/messages": {"message_created.json", 201},
		"/api/v1/messages/SPNDNL80R13C555X/01BX9NSMKVXXS5PSP2FATZMYYY": {"message_rejected.json", 200},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := files[r.URL.Path]
		b, err := os.ReadFile("testdata/" + f.file)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(f.status)
		w.Write(b)
	}))
	defer srv.Close()
	c := &appio.Client{HTTP: srv.Client(), BaseURL: srv.URL, Key: key}
	sample := codicefiscale.Code("SPNDNL80R13C555X") // the specification's example, not a real code
	ctx := context.Background()
	if err := c.Profile(ctx, sample); !errors.Is(err, appio.ErrNotAllowed) {
		t.Fatalf("profile sample: %v", err)
	}
	if id, err := c.Submit(ctx, sample, appio.Content{Subject: "Documento pronto", Markdown: body}); err != nil || id != "01BX9NSMKVXXS5PSP2FATZMYYY" {
		t.Fatalf("created sample: %q, %v", id, err)
	}
	if st, err := c.MessageStatus(ctx, sample, "01BX9NSMKVXXS5PSP2FATZMYYY"); err != nil || st != appio.Rejected {
		t.Fatalf("status sample: %q, %v", st, err)
	}
}
