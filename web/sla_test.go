package web_test

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

type apiSLAConv struct {
	ID       int64  `json:"id"`
	Priority string `json:"priority"`
	SLA      *struct {
		FirstResponseDueAt *time.Time `json:"first_response_due_at"`
		ResolutionDueAt    *time.Time `json:"resolution_due_at"`
		Breached           bool       `json:"breached"`
		Paused             bool       `json:"paused"`
	} `json:"sla"`
}

// An administrator sets the office hours and a response-time target; the
// inbox, the conversation page and the API then show what is due.
func TestResponseTimesEndToEnd(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	b := e.login(admin)
	tok := e.token(admin)

	// a wrong opening time names the day and changes nothing
	form := url.Values{"week1": {"9:00-8:00"}}
	if code, page := b.post("/admin/calendar", form); code != 400 || !strings.Contains(page, "lunedì") {
		t.Fatalf("bad hours: %d, want 400 naming Monday", code)
	}
	// round the clock, so that due times are plain wall-clock arithmetic
	form = url.Values{"patron": {"29/06"}, "closures": {"2026-12-24"}}
	for d := 0; d < 7; d++ {
		form.Set(fmt.Sprintf("week%d", d), "0:00-24:00")
	}
	code, page := b.post("/admin/calendar", form)
	if code != 200 || !strings.Contains(page, "Lunedì dell&#39;Angelo") || !strings.Contains(page, "Santo patrono") {
		t.Fatalf("save calendar: %d; the page must list the year's holidays with the patron", code)
	}
	if code, _ := b.post("/admin/sla", url.Values{"name": {"Nessun tempo"}}); code != 400 {
		t.Errorf("a policy without times: %d, want 400", code)
	}
	if code, _ := b.post("/admin/sla", url.Values{"name": {"Ufficio"}, "first_response": {"2"}, "resolution": {"8"}}); code != 200 {
		t.Fatalf("save policy: %d", code)
	}
	if _, page := b.get("/admin/sla"); !strings.Contains(page, "Ufficio") || !strings.Contains(page, "2 h") {
		t.Fatal("the policy is not listed")
	}

	fresh := e.ingest(e.api, "m1", "c1", "Domanda arrivata adesso")
	e.db.SetNow(func() time.Time { return time.Now().Add(-3 * time.Hour) })
	late := e.ingest(e.api, "m2", "c2", "Domanda arrivata tre ore fa")
	e.db.SetNow(time.Now)

	get := func(id int64) apiSLAConv {
		var c apiSLAConv
		if code := e.apiGet(tok, fmt.Sprintf("/api/v1/conversations/%d", id), &c); code != 200 {
			t.Fatalf("api: %d", code)
		}
		return c
	}
	f, l := get(fresh), get(late)
	if f.SLA == nil || f.SLA.Breached || f.SLA.FirstResponseDueAt == nil || time.Until(*f.SLA.FirstResponseDueAt) < 110*time.Minute {
		t.Fatalf("fresh conversation sla = %+v, want due in about 2 h", f.SLA)
	}
	if l.SLA == nil || !l.SLA.Breached || f.Priority != "normale" {
		t.Fatalf("late conversation sla = %+v (priority %q), want breached", l.SLA, f.Priority)
	}
	// the inbox: overdue filter, and the text an operator reads
	_, inbox := b.get("/inbox?view=all&due=breached")
	if !strings.Contains(inbox, "tre ore fa") || strings.Contains(inbox, "arrivata adesso") || !strings.Contains(inbox, "Prima risposta scaduta da") {
		t.Fatal("the overdue view does not show exactly the late conversation, marked as overdue")
	}
	_, inbox = b.get("/inbox?view=all&sort=due")
	if strings.Index(inbox, "tre ore fa") > strings.Index(inbox, "arrivata adesso") {
		t.Error("sorting by due time does not put the overdue conversation first")
	}
	// priority from the conversation page
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/priority", fresh), url.Values{"priority": {"2"}}); code != 200 {
		t.Fatalf("set priority: %d", code)
	}
	if code, _ := b.post(fmt.Sprintf("/conversations/%d/priority", fresh), url.Values{"priority": {"9"}}); code != 400 {
		t.Errorf("priority 9: %d, want 400", code)
	}
	if _, page := b.get(fmt.Sprintf("/conversations/%d", fresh)); !strings.Contains(page, "Urgente") || !strings.Contains(page, "Prima risposta entro") {
		t.Error("the conversation page does not show the priority and the time left")
	}
	// the breach is notified to the coordinators, once
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	if n, err := e.app.Inbox.AlertSLA(t.Context()); err != nil || n != 1 {
		t.Fatalf("AlertSLA: %d alerts (%v), want 1", n, err)
	}
	if n, _ := e.app.Inbox.AlertSLA(t.Context()); n != 0 {
		t.Fatalf("the same breach alerted again (%d)", n)
	}
	if _, page := e.login(co).get("/notifications"); !strings.Contains(page, "scaduto il tempo per la prima risposta") {
		t.Error("the coordinator was not told of the breach")
	}
	// waiting for the citizen stops the clock; a target missed before
	// stays missed
	b.post(fmt.Sprintf("/conversations/%d/status", late), url.Values{"status": {"pending"}})
	b.post(fmt.Sprintf("/conversations/%d/status", fresh), url.Values{"status": {"pending"}})
	if l = get(late); l.SLA == nil || !l.SLA.Paused || !l.SLA.Breached {
		t.Fatalf("late, pending: sla = %+v, want paused and still breached", l.SLA)
	}
	if f = get(fresh); f.SLA == nil || !f.SLA.Paused || f.SLA.Breached {
		t.Fatalf("fresh, pending: sla = %+v, want paused, not breached", f.SLA)
	}
	// The page says since when the clock is stopped, and what will be
	// left when it starts again; the date is the moment it stopped.
	_, page = b.get(fmt.Sprintf("/conversations/%d", fresh))
	m := regexp.MustCompile(`Tempo di risposta sospeso: in attesa del cittadino dal (\d{2}/\d{2}/\d{4}) alle (\d{2}:\d{2})`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the conversation page does not say since when the clock is stopped")
	}
	rome, _ := time.LoadLocation("Europe/Rome")
	if since, err := time.ParseInLocation("02/01/2006 15:04", m[1]+" "+m[2], rome); err != nil || time.Since(since) > 2*time.Minute || time.Since(since) < -time.Minute {
		t.Errorf("the clock stopped at %s %s, the page says; it stopped just now", m[1], m[2])
	}
	if !strings.Contains(page, "restano") || !strings.Contains(page, "lavorative quando il cittadino risponde") {
		t.Error("the conversation page does not say what will be left when the citizen answers")
	}
	if strings.Contains(page, "Tempo fermo") {
		t.Error("the old wording, which did not say what its date was, is still there")
	}
}

// capturedMail is a notify.Mailer that keeps what it is asked to send (the
// SMTP conversation itself is tested in package notify).
type capturedMail struct {
	mu   sync.Mutex
	sent []string
}

func (m *capturedMail) Send(_ context.Context, to []string, subject, body string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, strings.Join(to, ",")+"|"+subject+"|"+body)
	return nil
}

// A breach is also sent by e-mail to the coordinators, with a link.
func TestBreachByEmail(t *testing.T) {
	t.Parallel()
	mail := &capturedMail{}
	e := start(t, testdb.Open(t, store.SQLite), func(c *app.Config) { c.Mailer = mail; c.PublicURL = "https://redazione.comune.example.it" })
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	co := e.newUser(e.ente, redazione.RoleCoordinator)
	b := e.login(admin)
	form := url.Values{}
	for d := 0; d < 7; d++ {
		form.Set(fmt.Sprintf("week%d", d), "0:00-24:00")
	}
	b.post("/admin/calendar", form)
	b.post("/admin/sla", url.Values{"name": {"Ufficio"}, "first_response": {"1"}})
	e.db.SetNow(func() time.Time { return time.Now().Add(-2 * time.Hour) })
	conv := e.ingest(e.api, "m1", "c1", "Domanda di due ore fa")
	e.db.SetNow(time.Now)
	if n, err := e.app.Inbox.AlertSLA(t.Context()); n != 1 || err != nil {
		t.Fatalf("alerts: %d %v", n, err)
	}
	mail.mu.Lock()
	defer mail.mu.Unlock()
	if len(mail.sent) != 1 || !strings.HasPrefix(mail.sent[0], co.Email+"|È scaduto il tempo") ||
		!strings.Contains(mail.sent[0], fmt.Sprintf("https://redazione.comune.example.it/conversations/%d", conv)) {
		t.Fatalf("mail = %q", mail.sent)
	}
}
