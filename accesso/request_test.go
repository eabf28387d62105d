package accesso

import (
	"errors"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
)

func date(t *testing.T, s string) calendar.Date {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Check refuses, with the field to correct, what the register cannot
// record, and fills the terms of what it can.
func TestCheck(t *testing.T) {
	t.Parallel()
	ok := Request{Kind: CivicoGeneralizzato, ReceivedOn: "2026-03-02", Subject: "Verbali 2026"}
	for name, c := range map[string]struct {
		change func(r *Request)
		field  string
	}{
		"unknown kind":                {func(r *Request) { r.Kind = "foia" }, "kind"},
		"bad date":                    {func(r *Request) { r.ReceivedOn = "31/02/2026" }, "received_on"},
		"no subject":                  {func(r *Request) { r.Subject = "   " }, "subject"},
		"subject too long":            {func(r *Request) { r.Subject = strings.Repeat("a", 2001) }, "subject"},
		"NUL in the subject":          {func(r *Request) { r.Subject = "a\x00b" }, "subject"},
		"suspension over ten days":    {func(r *Request) { r.Counterparties, r.SuspendedDays = true, 11 }, "suspended_days"},
		"refusal without a reason":    {func(r *Request) { r.Outcome, r.DecidedOn = RifiutoTotale, "2026-03-20" }, "reason"},
		"outcome without its date":    {func(r *Request) { r.Outcome = Accolta }, "outcome"},
		"decided before received":     {func(r *Request) { r.Outcome, r.DecidedOn = Accolta, "2026-03-01" }, "decided_on"},
		"unknown outcome":             {func(r *Request) { r.Outcome, r.DecidedOn = "boh", "2026-03-20" }, "outcome"},
		"riesame of documentale":      {func(r *Request) { r.Kind, r.ReviewOn = Documentale, "2026-04-10" }, "review_on"},
		"riesame outcome, no date":    {func(r *Request) { r.ReviewOutcome, r.ReviewDecidedOn = Accolta, "2026-04-20" }, "review_outcome"},
		"ricorso outcome, no ricorso": {func(r *Request) { r.AppealOutcome = "accolto" }, "appeal_outcome"},
		"wrong codice fiscale":        {func(r *Request) { r.FiscalCode = "RSSMRA85T10A562T" }, "fiscal_code"},
		"App IO without the code":     {func(r *Request) { r.AppIONotify = true }, "fiscal_code"},
	} {
		r := ok
		c.change(&r)
		_, err := Check(&r, calendar.Standard())
		var de *redazione.Error
		if !errors.As(err, &de) || de.Code != redazione.EINVALID || de.Field != c.field {
			t.Errorf("%s: error %v, want invalid field %q", name, err, c.field)
		}
	}
	r := ok
	r.Counterparties, r.SuspendedDays = true, 10
	r.Document = "  Verbali del consiglio comunale 2026 "
	r.FiscalCode, r.AppIONotify = " rssmra85t10a562s ", true
	key, err := Check(&r, calendar.Standard())
	if err != nil {
		t.Fatal(err)
	}
	// 30 days from 2 March, plus 10 suspended: 11 April 2026, a Saturday.
	if r.DueOn != "2026-04-11" || r.Document != "Verbali del consiglio comunale 2026" || key != DocumentKey(r.Document) || r.FiscalCode != "RSSMRA85T10A562S" {
		t.Errorf("checked request: due %s, document %q, key %q, codice fiscale %q", r.DueOn, r.Document, key, r.FiscalCode)
	}
}

// A request's state on a day: pending in time, due soon, overdue, under
// riesame, decided.
func TestRequestState(t *testing.T) {
	t.Parallel()
	today := date(t, "2026-02-15")
	for _, c := range []struct {
		r     Request
		state State
		left  int
	}{
		{Request{DueOn: "2026-02-04"}, StateOverdue, -11},
		{Request{DueOn: "2026-02-19"}, StateSoon, 4},
		{Request{DueOn: "2026-03-12"}, StateOpen, 25},
		{Request{DueOn: "2026-02-01", Outcome: Accolta, DecidedOn: "2026-01-30"}, StateDecided, 0},
		{Request{DueOn: "2026-02-01", Outcome: RifiutoTotale, ReviewOn: "2026-02-02", ReviewDueOn: "2026-02-23"}, StateReview, 8},
		{Request{DueOn: "2026-02-01", Outcome: RifiutoTotale, ReviewOn: "2026-02-02", ReviewOutcome: Accolta}, StateReviewed, 0},
	} {
		if st, left := c.r.State(today); st != c.state || left != c.left {
			t.Errorf("%+v: %s, %d; want %s, %d", c.r, st, left, c.state, c.left)
		}
	}
	if n := (&Request{Year: 2026, Seq: 7}).Number(); n != "2026/7" {
		t.Errorf("number %s", n)
	}
}

// Access granted over the controinteressati's opposition: the documents go
// no earlier than 15 days after the decision.
func TestReleaseOn(t *testing.T) {
	t.Parallel()
	r := Request{Opposed: true, Outcome: Accolta, DecidedOn: "2026-03-10"}
	if got := r.ReleaseOn(); got != "2026-03-25" {
		t.Errorf("release on %q, want 2026-03-25", got)
	}
	r.Opposed = false
	if got := r.ReleaseOn(); got != "" {
		t.Errorf("without opposition: %q", got)
	}
}
