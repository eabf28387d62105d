package store_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/accesso"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func day(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (o *office) access(t *testing.T, a redazione.Actor, r accesso.Request) *accesso.Request {
	t.Helper()
	if err := o.db.CreateAccessRequest(context.Background(), a, &r); err != nil {
		t.Fatalf("CreateAccessRequest(%q): %v", r.Subject, err)
	}
	return &r
}

func numbers(rs []*accesso.Request) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Number())
	}
	return out
}

// Requests are numbered in the year they were received, their legal term is
// computed on the ente's calendar, an operator sees the requests of their
// desks only, and every registration is in the audit log.
func TestAccessRegisterNumbersAndTerms(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		contatti, notizie := o.desks["contatti"].ID, o.desks["notizie"].ID
		a := o.access(t, o.as(o.mario), accesso.Request{DeskID: contatti, Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-06",
			Subject: "Copia del progetto esecutivo della pista ciclabile", RequesterName: "Lucia Neri", RequesterAddress: "lucia@example.it"})
		b := o.access(t, o.as(o.giulia), accesso.Request{DeskID: contatti, Kind: accesso.Documentale, ReceivedOn: "2026-03-02",
			Subject: "Accesso agli atti della mia pratica edilizia", Counterparties: true, SuspendedDays: 10})
		c := o.access(t, o.as(o.paolo), accesso.Request{DeskID: notizie, Kind: accesso.CivicoSemplice, ReceivedOn: "2025-12-30",
			Subject: "Pubblicazione dei compensi dei consulenti 2025"})
		if a.Number() != "2026/1" || b.Number() != "2026/2" || c.Number() != "2025/1" {
			t.Errorf("numbers %s %s %s, want 2026/1 2026/2 2025/1", a.Number(), b.Number(), c.Number())
		}
		// 6 March + 30 days is Sunday 5 April, then Easter Monday: Tuesday 7 April.
		if a.DueOn != "2026-04-07" {
			t.Errorf("term of a request received on 2026-03-06: %s, want 2026-04-07", a.DueOn)
		}
		if b.DueOn != "2026-04-11" {
			t.Errorf("term suspended 10 days for the controinteressati: %s, want 2026-04-11", b.DueOn)
		}
		got, err := db.AccessRequest(ctx, o.as(o.coord), a.ID)
		if err != nil || got.RequesterName != "Lucia Neri" || got.Subject != a.Subject || got.DueOn != a.DueOn || got.Kind != accesso.CivicoGeneralizzato {
			t.Fatalf("AccessRequest = %+v, %v", got, err)
		}
		_, err = db.AccessRequest(ctx, o.as(o.paolo), a.ID)
		wantCode(t, err, redazione.ENOTFOUND)
		mine, _ := db.AccessRequests(ctx, o.as(o.mario), store.AccessFilter{})
		if !slices.Equal(numbers(mine), []string{"2026/1", "2026/2"}) {
			t.Errorf("Mario's register: %v, want 2026/1 2026/2 (his desk, latest received first)", numbers(mine))
		}
		all, _ := db.AccessRequests(ctx, o.as(o.analyst), store.AccessFilter{Year: 2025})
		if !slices.Equal(numbers(all), []string{"2025/1"}) {
			t.Errorf("2025 for the analyst: %v", numbers(all))
		}
		err = db.CreateAccessRequest(ctx, o.as(o.analyst), &accesso.Request{DeskID: contatti, Kind: accesso.Documentale, ReceivedOn: "2026-03-02", Subject: "x"})
		wantCode(t, err, redazione.EFORBIDDEN)
		err = db.CreateAccessRequest(ctx, o.as(o.paolo), &accesso.Request{DeskID: contatti, Kind: accesso.Documentale, ReceivedOn: "2026-03-02", Subject: "x"})
		wantCode(t, err, redazione.EINVALID)
		log, _ := db.AuditLog(ctx, o.as(o.admin), 50)
		var created []string
		for _, e := range log {
			if e.Action == "access.create" {
				created = append(created, e.Target)
			}
		}
		slices.Sort(created)
		if !slices.Equal(created, []string{"2025/1", "2026/1", "2026/2"}) {
			t.Errorf("audit log of registrations: %v", created)
		}
	})
}

// A request registered from a conversation lands on its desk, and one
// the operator cannot see is not registered.
func TestAccessRequestFromConversation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := o.ingest(t, o.webchat, "c1", "w1", "Vorrei copia della delibera sulla ZTL")
		r := o.access(t, o.as(o.mario), accesso.Request{ConversationID: in.ConversationID, DeskID: o.desks["notizie"].ID,
			Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-02", Subject: "Delibera sulla ZTL"})
		if r.DeskID != o.desks["contatti"].ID {
			t.Errorf("desk %d, want the conversation's (contatti)", r.DeskID)
		}
		linked, err := db.ConversationAccessRequests(ctx, o.as(o.giulia), in.ConversationID)
		if err != nil || len(linked) != 1 || linked[0].ID != r.ID {
			t.Fatalf("ConversationAccessRequests = %v, %v", linked, err)
		}
		err = db.CreateAccessRequest(ctx, o.as(o.paolo), &accesso.Request{ConversationID: in.ConversationID,
			Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-02", Subject: "Delibera sulla ZTL"})
		wantCode(t, err, redazione.ENOTFOUND)
	})
}

// Bad input names its field and registers nothing.
// What accesso.Check refuses is not stored (the cases are in accesso).
func TestAccessRequestValidation(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		desk := o.desks["contatti"].ID
		ok := accesso.Request{DeskID: desk, Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-02", Subject: "Verbali 2026"}
		for name, c := range map[string]struct {
			change func(r *accesso.Request)
			field  string
		}{
			"unknown kind": {func(r *accesso.Request) { r.Kind = "foia" }, "kind"},
		} {
			r := ok
			c.change(&r)
			err := db.CreateAccessRequest(ctx, o.as(o.mario), &r)
			var de *redazione.Error
			if !errors.As(err, &de) || de.Code != redazione.EINVALID || de.Field != c.field {
				t.Errorf("%s: error %v, want invalid field %q", name, err, c.field)
			}
		}
		if rs, _ := db.AccessRequests(ctx, o.as(o.admin), store.AccessFilter{}); len(rs) != 0 {
			t.Fatalf("refused requests were registered: %v", numbers(rs))
		}
		// A refused update changes nothing either.
		r := o.access(t, o.as(o.mario), ok)
		bad := *r
		bad.Outcome, bad.DecidedOn = accesso.RifiutoParziale, "2026-03-20"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), &bad); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Fatalf("partial refusal without reason: %v", err)
		}
		if got, _ := db.AccessRequest(ctx, o.as(o.mario), r.ID); got.Outcome != "" {
			t.Errorf("a refused update recorded outcome %q", got.Outcome)
		}
		if err := db.UpdateAccessRequest(ctx, o.as(o.analyst), r); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Errorf("an analyst updated a request: %v", err)
		}
	})
}

// The register shows what is pending, in scadenza, overdue, decided and
// under riesame, on the day it is looked at.
func TestAccessRequestStates(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		desk := o.desks["contatti"].ID
		mk := func(received, subject string) *accesso.Request {
			return o.access(t, o.as(o.mario), accesso.Request{DeskID: desk, Kind: accesso.CivicoGeneralizzato, ReceivedOn: received, Subject: subject})
		}
		late := mk("2026-01-05", "Contratti di manutenzione del verde") // due 2026-02-04
		soon := mk("2026-01-20", "Spese di rappresentanza del sindaco") // due 2026-02-19
		open := mk("2026-02-10", "Elenco dei beni immobili del comune") // due 2026-03-12
		done := mk("2026-01-07", "Verbali del consiglio comunale")      // decided
		review := mk("2026-01-02", "Esposti sul rumore della movida")   // refused, riesame asked
		done.Outcome, done.DecidedOn = accesso.Accolta, "2026-01-30"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), done); err != nil {
			t.Fatal(err)
		}
		review.Outcome, review.DecidedOn, review.Reason = accesso.RifiutoTotale, "2026-01-28", "Tutela dei dati personali dei segnalanti"
		review.ReviewOn = "2026-02-02"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), review); err != nil {
			t.Fatal(err)
		}
		if review.ReviewDueOn != "2026-02-23" {
			t.Errorf("riesame term: %s, want 2026-02-23 (20 days; the 22nd is a Sunday)", review.ReviewDueOn)
		}
		today := day(t, "2026-02-15")
		for _, c := range []struct {
			r     *accesso.Request
			state accesso.State
			left  int
		}{{late, accesso.StateOverdue, -11}, {soon, accesso.StateSoon, 4}, {open, accesso.StateOpen, 25}, {done, accesso.StateDecided, 0}, {review, accesso.StateReview, 8}} {
			got, _ := db.AccessRequest(ctx, o.as(o.mario), c.r.ID)
			if st, left := got.State(today); st != c.state || left != c.left {
				t.Errorf("%s on %s: %s, %d days left; want %s, %d", got.Subject, today, st, left, c.state, c.left)
			}
		}
		list := func(state string) []string {
			rs, err := db.AccessRequests(ctx, o.as(o.mario), store.AccessFilter{State: state, Today: today})
			if err != nil {
				t.Fatal(err)
			}
			return numbers(rs)
		}
		if got := list("overdue"); !slices.Equal(got, []string{late.Number()}) {
			t.Errorf("overdue: %v, want %s", got, late.Number())
		}
		if got := list("pending"); !slices.Equal(got, []string{open.Number(), soon.Number(), late.Number(), review.Number()}) {
			t.Errorf("pending: %v", got)
		}
		if got := list("decided"); !slices.Equal(got, []string{done.Number()}) {
			t.Errorf("decided: %v", got)
		}
		// Overdue, in scadenza: two; the riesame is due in 8 days.
		if n, err := db.AccessDue(ctx, o.as(o.mario), today); err != nil || n != 2 {
			t.Errorf("AccessDue = %d, %v; want 2", n, err)
		}
		if n, _ := db.AccessDue(ctx, o.as(o.paolo), today); n != 0 {
			t.Errorf("AccessDue for another desk = %d, want 0", n)
		}
		// The riesame decided: the request is settled.
		review.ReviewOutcome, review.ReviewDecidedOn, review.ReviewReason = accesso.RifiutoParziale, "2026-02-20", "Accesso ai soli dati aggregati"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), review); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.AccessRequest(ctx, o.as(o.mario), review.ID); got.ReviewOutcome != accesso.RifiutoParziale {
			t.Errorf("riesame outcome not kept: %+v", got)
		} else if st, _ := got.State(today); st != accesso.StateReviewed {
			t.Errorf("state after the riesame: %s", st)
		}
	})
}

// §8.2: a document asked for more than three times in a year by different
// people is proposed for proactive publication, until it is published.
func TestAccessRepeatsProposePublication(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		desk := o.desks["contatti"].ID
		ask := func(received, who, document string) {
			o.access(t, o.as(o.coord), accesso.Request{DeskID: desk, Kind: accesso.CivicoGeneralizzato, ReceivedOn: received,
				Subject: "Richiesta: " + document, Document: document, RequesterName: who})
		}
		ask("2024-12-20", "Primo Vecchio", "Piano della sosta 2025") // more than a year before: not counted
		ask("2025-06-01", "Anna Uno", "Piano della sosta 2025")
		ask("2025-09-01", "Bruno Due", "piano sosta 2025")
		ask("2025-11-01", "Carla Tre", "Piano della Sosta, 2025")
		// The same person three times does not make three people.
		ask("2025-06-01", "Dario Quattro", "Graduatoria asili nido 2025")
		ask("2025-07-01", "dario  quattro", "Graduatoria asili nido 2025")
		ask("2025-08-01", "Dario Quattro", "Graduatoria asili nido 2025")
		ask("2025-09-01", "Elena Cinque", "Graduatoria asili nido 2025")
		today := day(t, "2026-01-05")
		reps, err := db.AccessRepeats(ctx, o.as(o.mario), today)
		if err != nil {
			t.Fatal(err)
		}
		if len(reps) != 0 {
			t.Fatalf("proposed with three people in the year: %+v", reps)
		}
		ask("2025-12-15", "Franco Sei", "piano della sosta 2025")
		reps, _ = db.AccessRepeats(ctx, o.as(o.mario), today)
		if len(reps) != 1 || reps[0].Requesters != 4 || reps[0].Requests != 4 || reps[0].Document != "piano della sosta 2025" || reps[0].Last != "2025-12-15" {
			t.Fatalf("repeats: %+v, want the parking plan asked by 4 people", reps)
		}
		// A year after the second request, only three people remain in the window.
		if reps, _ := db.AccessRepeats(ctx, o.as(o.mario), day(t, "2026-06-02")); len(reps) != 0 {
			t.Errorf("still proposed when the window holds three people: %+v", reps)
		}
		if _, err := db.PublishAccessDocument(ctx, o.as(o.mario), reps[0].Key, reps[0].Document, "javascript:alert(1)"); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("published at a javascript: address: %v", err)
		}
		if _, err := db.PublishAccessDocument(ctx, o.as(o.mario), reps[0].Key, reps[0].Document, "https://www.comune.roma.example.it/trasparenza/piano-sosta"); err != nil {
			t.Fatal(err)
		}
		if reps, _ := db.AccessRepeats(ctx, o.as(o.mario), today); len(reps) != 0 {
			t.Errorf("still proposed once published: %+v", reps)
		}
	})
}

// The published register carries no requester and no personal data.
func TestPublicAccessRegister(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		other := newOffice(t, db, "milano")
		r := o.access(t, o.as(o.mario), accesso.Request{DeskID: o.desks["contatti"].ID, Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-02",
			Subject: "Esposto del vicino (tel. 333 123 4567) sul cantiere di via Po", RequesterName: "Lucia Neri", RequesterAddress: "lucia.neri@pec.example.it"})
		r.Outcome, r.DecidedOn, r.Reason = accesso.RifiutoParziale, "2026-03-25", "Oscurati i dati di RSSMRA80A01H501U, controinteressato"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), r); err != nil {
			t.Fatal(err)
		}
		other.access(t, other.as(other.mario), accesso.Request{DeskID: other.desks["contatti"].ID, Kind: accesso.Documentale, ReceivedOn: "2026-03-03", Subject: "Milano"})
		pub, err := db.PublicAccessRegister(ctx, o.ente.ID)
		if err != nil || len(pub) != 1 {
			t.Fatalf("public register: %+v, %v", pub, err)
		}
		all := fmt.Sprintf("%+v", pub)
		for _, secret := range []string{"Lucia", "lucia.neri", "333 123 4567", "RSSMRA80A01H501U"} {
			if strings.Contains(all, secret) {
				t.Errorf("the public register shows %q: %s", secret, all)
			}
		}
		if p := pub[0]; p.Number != "2026/1" || p.Outcome != accesso.RifiutoParziale || p.DecidedOn != "2026-03-25" ||
			p.Subject != "Esposto del vicino (tel. [omissis]) sul cantiere di via Po" || !strings.Contains(p.Reason, "[omissis], controinteressato") {
			t.Errorf("public entry: %+v", p)
		}
	})
}

// Access granted over the controinteressati's opposition: the documents go
// out no earlier than 15 days after the decision.
func TestAccessReleaseAfterOpposition(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		r := o.access(t, o.as(o.mario), accesso.Request{DeskID: o.desks["contatti"].ID, Kind: accesso.CivicoGeneralizzato, ReceivedOn: "2026-03-02",
			Subject: "Progetto del parcheggio interrato", Counterparties: true, Opposed: true, SuspendedDays: 10})
		r.Outcome, r.DecidedOn = accesso.Accolta, "2026-03-20"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), r); err != nil {
			t.Fatal(err)
		}
		got, _ := db.AccessRequest(ctx, o.as(o.mario), r.ID)
		if !got.Opposed || got.ReleaseOn() != "2026-04-04" {
			t.Errorf("release after opposition: opposed %v, %q; want 2026-04-04", got.Opposed, got.ReleaseOn())
		}
		got.Outcome, got.Reason = accesso.RifiutoTotale, "Prevale la tutela dei controinteressati"
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), got); err != nil {
			t.Fatal(err)
		}
		if got.ReleaseOn() != "" {
			t.Errorf("a refusal has a release day: %q", got.ReleaseOn())
		}
		got.Counterparties = false
		if err := db.UpdateAccessRequest(ctx, o.as(o.mario), got); err != nil || got.Opposed {
			t.Errorf("without controinteressati the opposition stays: %v, %v", got.Opposed, err)
		}
	})
}
