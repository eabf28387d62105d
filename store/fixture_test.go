package store_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// t0 is the fixed start of every test clock: a Monday morning in Rome.
var t0 = time.Date(2025, 3, 10, 8, 0, 0, 0, time.UTC)

// clock is a settable clock for db.SetNow.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }
func useClock(db *store.DB, at time.Time) *clock {
	c := &clock{now: at}
	db.SetNow(c.Now)
	return c
}

// office is one ente with the people and channels of a small communication
// office: an administrator, a coordinator, an analyst, two operators of the
// "contatti" desk and one of the "notizie" desk, a web chat landing on
// "contatti" and an API channel landing on "notizie".
type office struct {
	db    *store.DB
	ente  *redazione.Ente
	desks map[string]redazione.Desk

	admin, coord, analyst *redazione.User
	mario, giulia         *redazione.User // operators of "contatti"
	paolo                 *redazione.User // operator of "notizie"

	webchat, api *redazione.Channel
}

func newOffice(t testing.TB, db *store.DB, slug string) *office {
	t.Helper()
	ctx := context.Background()
	e, err := db.CreateEnte(ctx, slug, "Comune di "+slug)
	if err != nil {
		t.Fatalf("CreateEnte(%s): %v", slug, err)
	}
	o := &office{db: db, ente: e, desks: map[string]redazione.Desk{}}
	desks, err := db.Desks(ctx, e.ID)
	if err != nil {
		t.Fatalf("Desks: %v", err)
	}
	if len(desks) != len(redazione.DefaultDesks) {
		t.Fatalf("new ente has %d desks, want the %d default ones", len(desks), len(redazione.DefaultDesks))
	}
	for _, d := range desks {
		o.desks[d.Slug] = d
	}
	sys := redazione.SystemActor(e.ID)
	user := func(local, name string, role redazione.Role, desks ...string) *redazione.User {
		t.Helper()
		u := &redazione.User{Email: local + "@" + slug + ".example.it", Name: name, Role: role}
		for _, d := range desks {
			u.DeskIDs = append(u.DeskIDs, o.desks[d].ID)
		}
		if err := db.CreateUser(ctx, sys, u); err != nil {
			t.Fatalf("CreateUser(%s): %v", u.Email, err)
		}
		return u
	}
	o.admin = user("admin", "Anna Amministratrice", redazione.RoleAdmin)
	o.coord = user("capo.redazione", "Carla Coordinatrice", redazione.RoleCoordinator)
	o.analyst = user("analista", "Aldo Analista", redazione.RoleAnalyst)
	o.mario = user("mario.rossi", "Mario Rossi", redazione.RoleOperator, "contatti")
	o.giulia = user("giulia.bianchi", "Giulia Bianchi", redazione.RoleOperator, "contatti")
	o.paolo = user("paolo.verdi", "Paolo Verdi", redazione.RoleOperator, "notizie")

	o.webchat = &redazione.Channel{Kind: redazione.ChannelWebChat, Name: "Chat del sito", Secret: "s1", DeskID: o.desks["contatti"].ID}
	o.api = &redazione.Channel{Kind: redazione.ChannelAPI, Name: "API segnalazioni", Secret: "s2", DeskID: o.desks["notizie"].ID}
	for _, c := range []*redazione.Channel{o.webchat, o.api} {
		if err := db.CreateChannel(ctx, o.as(o.admin), c); err != nil {
			t.Fatalf("CreateChannel(%s): %v", c.Name, err)
		}
	}
	return o
}

func (o *office) as(u *redazione.User) redazione.Actor { return redazione.ActorOf(u) }

func (o *office) sys() redazione.Actor { return redazione.SystemActor(o.ente.ID) }

// ingest stores a citizen's message and fails the test on error.
func (o *office) ingest(t *testing.T, ch *redazione.Channel, contact, externalID, text string) *redazione.Ingested {
	t.Helper()
	res, err := o.db.Ingest(context.Background(), ch, redazione.Inbound{ExternalID: externalID, ContactID: contact, ContactName: "Cittadino " + contact, Text: text})
	if err != nil {
		t.Fatalf("Ingest(%s, %q): %v", contact, text, err)
	}
	return res
}

// change applies a change as the actor and fails the test on error.
func (o *office) change(t *testing.T, a redazione.Actor, conv int64, ch store.Change) *redazione.Conversation {
	t.Helper()
	c, err := o.db.ChangeConversation(context.Background(), a, conv, ch)
	if err != nil {
		t.Fatalf("ChangeConversation(%d): %v", conv, err)
	}
	return c
}

func (o *office) reply(t *testing.T, a redazione.Actor, conv int64, text string) *redazione.Message {
	t.Helper()
	m, err := o.db.AddMessage(context.Background(), a, conv, store.Outgoing{Text: text})
	if err != nil {
		t.Fatalf("AddMessage(%d): %v", conv, err)
	}
	return m
}

func (o *office) list(t *testing.T, a redazione.Actor, f store.InboxFilter) []int64 {
	t.Helper()
	cs, err := o.db.Conversations(context.Background(), a, f)
	if err != nil {
		t.Fatalf("Conversations(%+v): %v", f, err)
	}
	return ids(cs)
}

func ids(cs []*redazione.Conversation) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// count counts rows of a table straight from the database.
func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.WriteDB().QueryRowContext(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// wantCode fails the test unless err is a domain error with the code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := redazione.ErrorCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
}

func wantIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if !slices.Equal(got, want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// auditActions returns "action target" of the ente's audit entries, oldest first.
func auditActions(t *testing.T, db *store.DB, a redazione.Actor) []string {
	t.Helper()
	es, err := db.AuditLog(context.Background(), a, 1000)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	var out []string
	for i := len(es) - 1; i >= 0; i-- {
		out = append(out, fmt.Sprintf("%s %s", es[i].Action, es[i].Target))
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
