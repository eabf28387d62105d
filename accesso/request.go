package accesso

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/codicefiscale"
)

// Request is one entry of the registro degli accessi. Dates are days
// as YYYY-MM-DD, "" while not known.
type Request struct {
	ID     int64
	DeskID int64
	Year   int // with Seq, the register number: 2026/7
	Seq    int
	Kind   string // Documentale, CivicoSemplice, CivicoGeneralizzato

	ReceivedOn string // when the administration received it: the term runs from here
	Protocol   string // the ente's protocol number, if given
	Subject    string // oggetto
	Document   string // the document or data asked for, for §8.2

	// The requester: kept for the office, never published.
	RequesterName    string
	RequesterAddress string // e-mail, PEC or postal address
	// FiscalCode is the requester's codice fiscale, if they gave it;
	// AppIONotify: they asked to be told of the decision on App IO.
	FiscalCode  string
	AppIONotify bool

	ConversationID int64 // the conversation the request came from, if any

	Counterparties bool // controinteressati notified
	Opposed        bool // and they opposed
	SuspendedDays  int  // days the term stayed suspended for them (≤ 10)
	DueOn          string

	Outcome   string // Outcomes, "" while pending
	DecidedOn string
	Reason    string // sintesi della motivazione

	ReviewOn        string // riesame asked on
	ReviewDueOn     string
	ReviewOutcome   string
	ReviewDecidedOn string
	ReviewReason    string

	AppealOn      string // ricorso al giudice: data di comunicazione
	AppealOutcome string

	CreatedAt, UpdatedAt time.Time
}

// ReleaseOn is the first day the documents may go to the requester when
// access is granted over the controinteressati's opposition: 15 days after
// the decision (d.lgs. 33/2013 art. 5 c. 6); "" when it does not apply.
func (r *Request) ReleaseOn() string {
	if !r.Opposed || r.DecidedOn == "" || (r.Outcome != Accolta && r.Outcome != RifiutoParziale) {
		return ""
	}
	d, err := calendar.ParseDate(r.DecidedOn)
	if err != nil {
		return ""
	}
	return AddDays(d, OppositionDays).String()
}

// Number is the register number, as people quote it.
func (r *Request) Number() string { return fmt.Sprintf("%d/%d", r.Year, r.Seq) }

// State is where a request stands on a day.
type State string

const (
	StateOpen     State = "open"     // pending, in time
	StateSoon     State = "soon"     // pending, due within SoonDays
	StateOverdue  State = "overdue"  // pending, past its term
	StateReview   State = "review"   // riesame pending
	StateDecided  State = "decided"  // decided in time, or late
	StateReviewed State = "reviewed" // riesame decided
)

// State returns where the request stands on today, and the days left to
// its pending term (negative when past it).
func (r *Request) State(today calendar.Date) (State, int) {
	due, st := r.DueOn, StateOpen
	switch {
	case r.ReviewOn != "" && r.ReviewOutcome == "":
		due, st = r.ReviewDueOn, StateReview
	case r.ReviewOutcome != "":
		return StateReviewed, 0
	case r.Outcome != "":
		return StateDecided, 0
	}
	d, err := calendar.ParseDate(due)
	if err != nil {
		return st, 0
	}
	left := DaysBetween(today, d)
	switch {
	case left < 0:
		return StateOverdue, left
	case left <= SoonDays && st == StateOpen:
		return StateSoon, left
	}
	return st, left
}

// Limits of the register's texts.
const (
	SubjectMax = 2000 // the subject
	TextMax    = 4000 // reasons
	ShortMax   = 300  // names, addresses, a document's name
)

// Check validates a request and fills what follows from it: the
// document key, the terms. cal is the ente's calendar.
func Check(r *Request, cal *calendar.Calendar) (docKey string, err error) {
	trim := func(s *string) { *s = strings.TrimSpace(*s) }
	for _, s := range []*string{&r.Kind, &r.ReceivedOn, &r.Protocol, &r.Subject, &r.Document, &r.RequesterName, &r.RequesterAddress,
		&r.Outcome, &r.DecidedOn, &r.Reason, &r.ReviewOn, &r.ReviewOutcome, &r.ReviewDecidedOn, &r.ReviewReason, &r.AppealOn, &r.AppealOutcome} {
		trim(s)
		if strings.ContainsRune(*s, 0) || !utf8.ValidString(*s) {
			return "", redazione.FieldError("subject", "testo con caratteri non ammessi")
		}
	}
	if !ValidKind(r.Kind) {
		return "", redazione.FieldError("kind", "tipo di accesso sconosciuto")
	}
	received, err := calendar.ParseDate(r.ReceivedOn)
	if err != nil {
		return "", redazione.FieldError("received_on", "data di presentazione non valida: usa AAAA-MM-GG")
	}
	if r.Subject == "" {
		return "", redazione.FieldError("subject", "l'oggetto della richiesta è obbligatorio")
	}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"subject", r.Subject, SubjectMax}, {"document", r.Document, ShortMax}, {"protocol", r.Protocol, 100},
		{"requester_name", r.RequesterName, ShortMax}, {"requester_address", r.RequesterAddress, ShortMax},
		{"reason", r.Reason, TextMax}, {"review_reason", r.ReviewReason, TextMax}} {
		if utf8.RuneCountInString(f.value) > f.max {
			return "", redazione.FieldError(f.name, "testo troppo lungo (massimo %d caratteri)", f.max)
		}
	}
	if r.FiscalCode = strings.TrimSpace(r.FiscalCode); r.FiscalCode != "" {
		cf, err := codicefiscale.Parse(r.FiscalCode)
		if err != nil {
			return "", err
		}
		r.FiscalCode = cf.String()
	} else if r.AppIONotify {
		return "", redazione.FieldError("fiscal_code", "per l'avviso su App IO serve il codice fiscale del richiedente")
	}
	if r.SuspendedDays < 0 || r.SuspendedDays > MaxSuspension {
		return "", redazione.FieldError("suspended_days", "la sospensione per i controinteressati va da 0 a %d giorni", MaxSuspension)
	}
	if !r.Counterparties {
		r.SuspendedDays, r.Opposed = 0, false
	}
	// Every later date is on or after the one it follows.
	after := func(field, value, label string, not calendar.Date) (calendar.Date, error) {
		d, err := calendar.ParseDate(value)
		if err != nil {
			return d, redazione.FieldError(field, "%s non valida: usa AAAA-MM-GG", label)
		}
		if Before(d, not) {
			return d, redazione.FieldError(field, "%s precede la presentazione della richiesta", label)
		}
		return d, nil
	}
	if (r.Outcome == "") != (r.DecidedOn == "") {
		return "", redazione.FieldError("outcome", "esito e data del provvedimento vanno indicati insieme")
	}
	if r.Outcome != "" {
		if !ValidOutcome(r.Outcome) {
			return "", redazione.FieldError("outcome", "esito sconosciuto")
		}
		if _, err := after("decided_on", r.DecidedOn, "la data del provvedimento", received); err != nil {
			return "", err
		}
		if r.Outcome != Accolta && r.Reason == "" {
			return "", redazione.FieldError("reason", "un rifiuto va motivato: scrivi la sintesi della motivazione")
		}
	}
	r.ReviewDueOn = ""
	if r.ReviewOn != "" {
		if !Reviewable(r.Kind) {
			return "", redazione.FieldError("review_on", "il riesame riguarda solo l'accesso civico")
		}
		asked, err := after("review_on", r.ReviewOn, "la data della richiesta di riesame", received)
		if err != nil {
			return "", err
		}
		r.ReviewDueOn = ReviewDue(cal, asked).String()
	}
	if (r.ReviewOutcome == "") != (r.ReviewDecidedOn == "") {
		return "", redazione.FieldError("review_outcome", "esito e data del riesame vanno indicati insieme")
	}
	if r.ReviewOutcome != "" {
		if r.ReviewOn == "" {
			return "", redazione.FieldError("review_outcome", "indica prima la data della richiesta di riesame")
		}
		if !ValidOutcome(r.ReviewOutcome) {
			return "", redazione.FieldError("review_outcome", "esito del riesame sconosciuto")
		}
		if _, err := after("review_decided_on", r.ReviewDecidedOn, "la data del provvedimento di riesame", received); err != nil {
			return "", err
		}
		if r.ReviewOutcome != Accolta && r.ReviewReason == "" {
			return "", redazione.FieldError("review_reason", "un rifiuto in riesame va motivato")
		}
	}
	if r.AppealOn != "" {
		if _, err := after("appeal_on", r.AppealOn, "la data del ricorso", received); err != nil {
			return "", err
		}
	}
	if r.AppealOutcome != "" && (r.AppealOn == "" || !slices.Contains(AppealOutcomes, r.AppealOutcome)) {
		return "", redazione.FieldError("appeal_outcome", "esito del ricorso sconosciuto, o ricorso senza data")
	}
	r.DueOn = Due(cal, received, r.SuspendedDays).String()
	doc := r.Document
	if doc == "" {
		doc = r.Subject
	}
	return DocumentKey(doc), nil
}
