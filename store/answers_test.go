package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// Canned answers are written by coordinators and administrators, and each
// operator sees those of every desk and of their own.
func TestCannedAnswers(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		other := newOffice(t, db, "altro")
		save := func(a redazione.Actor, c *store.CannedAnswer) error { return db.SaveCannedAnswer(ctx, a, c) }
		if err := save(o.as(o.mario), &store.CannedAnswer{Title: "x", Body: "y"}); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("an operator wrote a canned answer: %v", err)
		}
		for _, bad := range []store.CannedAnswer{{Body: "senza titolo"}, {Title: "senza testo"}, {Title: "t", Body: "b", DeskID: 99999}} {
			if err := save(o.as(o.coord), &bad); redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("%+v accepted: %v", bad, err)
			}
		}
		all := &store.CannedAnswer{Title: "Orari dell'URP", Body: "Siamo aperti {orari}"}
		news := &store.CannedAnswer{Title: "Rettifica stampa", Body: "Gentile redazione", DeskID: o.desks["notizie"].ID}
		for _, c := range []*store.CannedAnswer{all, news} {
			if err := save(o.as(o.coord), c); err != nil {
				t.Fatal(err)
			}
		}
		if err := save(other.as(other.admin), &store.CannedAnswer{Title: "Orari di Altro", Body: "altro"}); err != nil {
			t.Fatal(err)
		}
		titles := func(a redazione.Actor, desk int64, q string) []string {
			list, err := db.CannedAnswers(ctx, a, desk, q, 0)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range list {
				out = append(out, c.Title)
			}
			return out
		}
		if got := titles(o.as(o.mario), 0, ""); len(got) != 1 || got[0] != "Orari dell'URP" {
			t.Errorf("Mario (contatti) sees %v, want only the all-desk answer", got)
		}
		if got := titles(o.as(o.paolo), 0, ""); len(got) != 2 {
			t.Errorf("Paolo (notizie) sees %v, want both", got)
		}
		if got := titles(o.as(o.coord), 0, "orari"); len(got) != 1 {
			t.Errorf("search \"orari\" = %v, want one (never another ente's)", got)
		}
		if got := titles(o.as(o.coord), 0, "%"); len(got) != 0 {
			t.Errorf("\"%%\" is a wildcard: %v", got)
		}
		if _, err := db.CannedAnswer(ctx, o.as(o.mario), news.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("Mario read another desk's answer: %v", err)
		}
		if err := db.DeleteCannedAnswer(ctx, other.as(other.admin), all.ID); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Errorf("another ente deleted our answer: %v", err)
		}
	})
}

// The typical reply length is the median of the office's recent replies.
func TestTypicalReplyLength(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.SQLite)
	clk := useClock(db, t0)
	o := newOffice(t, db, "ente")
	ctx := context.Background()
	conv := o.ingest(t, o.webchat, "c1", "m1", "Domanda").ConversationID
	if n, _ := db.TypicalReplyLength(ctx, o.ente.ID); n != 0 {
		t.Fatalf("with no replies: %d, want 0", n)
	}
	for i := 0; i < 11; i++ {
		o.reply(t, o.as(o.mario), conv, strings.Repeat("a", 10*(i+1))) // 10, 20, ... 110
	}
	if _, err := db.AddMessage(ctx, o.as(o.mario), conv, store.Outgoing{Text: strings.Repeat("n", 4000), Note: true}); err != nil {
		t.Fatal(err)
	}
	// read again every ten minutes, not at every page
	clk.Advance(9 * time.Minute)
	if n, _ := db.TypicalReplyLength(ctx, o.ente.ID); n != 0 {
		t.Fatalf("nine minutes later: %d, want the 0 read before", n)
	}
	clk.Advance(time.Minute)
	if n, _ := db.TypicalReplyLength(ctx, o.ente.ID); n != 60 {
		t.Fatalf("median = %d, want 60 (notes do not count)", n)
	}
}

// Guidelines: written by coordinators, one per situation; an operator marks
// the situations the detectors cannot see, once.
func TestPlaybooksAndSituations(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		pb := store.Playbook{Situation: "journalist", Steps: "Indica l'ufficio stampa", Alert: "Ufficio stampa"}
		if err := db.SavePlaybook(ctx, o.as(o.mario), pb); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("operator saved a playbook: %v", err)
		}
		if err := db.SavePlaybook(ctx, o.as(o.coord), pb); err != nil {
			t.Fatal(err)
		}
		pbs, _ := db.Playbooks(ctx, o.ente.ID)
		if pbs["journalist"].Steps != pb.Steps {
			t.Fatalf("playbooks = %+v", pbs)
		}
		// empty steps remove it
		db.SavePlaybook(ctx, o.as(o.coord), store.Playbook{Situation: "journalist"})
		if pbs, _ := db.Playbooks(ctx, o.ente.ID); len(pbs) != 0 {
			t.Fatalf("an emptied playbook remains: %+v", pbs)
		}
		conv := o.ingest(t, o.webchat, "c1", "m1", "Sono un giornalista").ConversationID
		for i := 0; i < 2; i++ {
			if err := db.MarkSituation(ctx, o.as(o.mario), conv, "journalist"); err != nil {
				t.Fatal(err)
			}
		}
		flags, _ := db.Flags(ctx, o.as(o.mario), conv)
		if len(flags) != 1 || flags[0].Situation() != "journalist" {
			t.Fatalf("flags = %+v, want one journalist flag", flags)
		}
		if err := db.MarkSituation(ctx, o.as(o.paolo), conv, "journalist"); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Fatalf("another desk marked the conversation: %v", err)
		}
	})
}

// A survey is created once, for resolved private conversations only.
func TestSurveyRules(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "ente")
		conv := o.ingest(t, o.webchat, "c1", "m1", "Domanda").ConversationID
		co := o.as(o.coord)
		if ok, err := db.CreateSurvey(ctx, co, conv, "h1"); ok || err != nil {
			t.Fatalf("survey on an open conversation: %v %v", ok, err)
		}
		o.change(t, co, conv, store.Change{Status: ptr(redazione.StatusResolved)})
		if ok, err := db.CreateSurvey(ctx, co, conv, "h1"); !ok || err != nil {
			t.Fatalf("survey on a resolved conversation: %v %v", ok, err)
		}
		if ok, _ := db.CreateSurvey(ctx, co, conv, "h2"); ok {
			t.Fatal("a second survey for the same conversation")
		}
		if err := db.AnswerSurvey(ctx, "h1", store.RatingPositive, "ok"); err != nil {
			t.Fatal(err)
		}
		if err := db.AnswerSurvey(ctx, "h1", store.RatingNegative, ""); redazione.ErrorCode(err) != redazione.ECONFLICT {
			t.Fatalf("second answer: %v, want ECONFLICT", err)
		}
		if err := db.AnswerSurvey(ctx, "nope", store.RatingPositive, ""); redazione.ErrorCode(err) != redazione.ENOTFOUND {
			t.Fatalf("unknown token: %v", err)
		}
		if err := db.SetSurveysEnabled(ctx, o.as(o.coord), false); redazione.ErrorCode(err) != redazione.EFORBIDDEN {
			t.Fatalf("a coordinator switched surveys: %v", err)
		}
	})
}
