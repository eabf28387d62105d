// Package accesso holds the rules of the registro degli accessi: the three
// kinds of request, their legal deadlines, the outcomes the register records,
// how two requests are recognised as asking for the same document, and what
// is removed before the register is published.
//
// Sources: d.lgs. 33/2013 art. 5 (accesso civico), L. 241/1990 capo V and
// DPR 184/2006 (accesso documentale), Circolare FOIA n. 2/2017 §2, §8, §9
// and its Allegato 3, ANAC delibera 1309/2016 §9.
package accesso

import (
	"slices"
	"strings"
	"time"

	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/detect"
	"github.com/redazione/redazione/search"
)

// The kinds of request (Circolare FOIA 2/2017 §2.1).
const (
	Documentale         = "documentale"          // L. 241/1990 capo V
	CivicoSemplice      = "civico_semplice"      // d.lgs. 33/2013 art. 5 c. 1
	CivicoGeneralizzato = "civico_generalizzato" // d.lgs. 33/2013 art. 5 c. 2
)

// Kinds lists the kinds in the order the register shows them. A request
// naming no legal basis is handled as generalizzato (§2.2), so it comes
// first in the form.
var Kinds = []string{CivicoGeneralizzato, CivicoSemplice, Documentale}

// The outcomes of a decision (Allegato 3 §4); "" while it is pending.
const (
	Accolta         = "accoglimento"
	RifiutoParziale = "rifiuto_parziale"
	RifiutoTotale   = "rifiuto_totale"
)

// Outcomes lists the outcomes a decision, or a riesame, may have.
var Outcomes = []string{Accolta, RifiutoParziale, RifiutoTotale}

// Outcomes of a ricorso to the judge, as the register records them.
var AppealOutcomes = []string{"accolto", "respinto", "in_corso"}

const (
	// DecisionDays is the term for an express, reasoned decision, from the
	// day the administration receives the request (art. 5 c. 6; art. 25
	// c. 4 L. 241/1990 for accesso documentale).
	DecisionDays = 30
	// MaxSuspension is how long the term stays suspended while the
	// controinteressati, once notified, may oppose (art. 5 c. 5).
	MaxSuspension = 10
	// ReviewDays is the term of the RPCT for a riesame (art. 5 c. 7).
	ReviewDays = 20
	// RepeatThreshold: a document asked for more than this many times by
	// different people within RepeatWindow is proposed for proactive
	// publication (§8.2).
	RepeatThreshold = 3
	// RepeatWindow is the year §8.2 counts requests in.
	RepeatWindow = 365
	// OppositionDays: access granted over the controinteressati's
	// opposition goes out no earlier than this after the decision (art. 5 c. 6).
	OppositionDays = 15
	// SoonDays: a pending request due within this many days is "in scadenza".
	SoonDays = 5
)

// ValidKind reports whether k is a kind of request.
func ValidKind(k string) bool { return slices.Contains(Kinds, k) }

// ValidOutcome reports whether o is a decided outcome.
func ValidOutcome(o string) bool { return slices.Contains(Outcomes, o) }

// Reviewable reports whether a request of kind k can go to a riesame by
// the RPCT (art. 5 c. 7 concerns accesso civico only).
func Reviewable(k string) bool { return k == CivicoSemplice || k == CivicoGeneralizzato }

// AddDays returns d moved by n days.
func AddDays(d calendar.Date, n int) calendar.Date {
	t := time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC)
	return calendar.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}
}

// DaysBetween returns the number of days from a to b (negative when b is
// before a).
func DaysBetween(a, b calendar.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, time.UTC)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Hours()) / 24 // both at noon UTC: whole days
}

// Before reports whether a is before b.
func Before(a, b calendar.Date) bool { return a.String() < b.String() }

// Due returns the last day for the decision on a request received on
// received, whose term was suspended for suspended days (0 to
// MaxSuspension) while the controinteressati could oppose. A term that ends
// on a Sunday or a holiday of the ente ends on the next day that is
// neither (art. 2963 c.c., art. 155 c.p.c.).
func Due(cal *calendar.Calendar, received calendar.Date, suspended int) calendar.Date {
	suspended = max(0, min(suspended, MaxSuspension))
	return nextWorking(cal, AddDays(received, DecisionDays+suspended))
}

// ReviewDue returns the last day for the RPCT's decision on a riesame
// asked for on requested.
func ReviewDue(cal *calendar.Calendar, requested calendar.Date) calendar.Date {
	return nextWorking(cal, AddDays(requested, ReviewDays))
}

// nextWorking returns d, or the first day after it that is neither a
// Sunday nor a holiday. Saturdays and the office's weekly closing days are
// not holidays: a legal term runs through them.
func nextWorking(cal *calendar.Calendar, d calendar.Date) calendar.Date {
	if cal == nil {
		cal = calendar.Standard()
	}
	for range 14 {
		sunday := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday() == time.Sunday
		holiday := false
		for _, h := range cal.Holidays(d.Year) {
			if h.Date == d {
				holiday = true
				break
			}
		}
		if !sunday && !holiday {
			return d
		}
		d = AddDays(d, 1)
	}
	return d
}

// DocumentKey is what two requests for the same document have in common:
// the stemmed words of its description, without stop words, in order and
// without repeats. "Delibere della giunta sul bilancio 2026" and "delibera
// giunta bilancio 2026" have the same key.
func DocumentKey(document string) string {
	terms := search.Terms(document)
	slices.Sort(terms)
	return strings.Join(slices.Compact(terms), " ")
}

// Redact returns text with the personal data the detectors recognise
// replaced by detect.Omissis, as the published register shows it.
func Redact(text string) string { return detect.Redact(text) }
