package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/calendar"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

// reportOffice is an office with five conversations at known times around
// the change to summer time (Sunday 29 March 2026), with answers,
// resolutions, targets and ratings whose figures are worked out by hand:
//
//	c1 Fri 27 10:00 chat   answered 10:30 (met, due 11:00)   resolved 12:00  positive
//	c2 Fri 27 10:10 API    answered 12:10 (missed, due 11:10) resolved Sat 10:10  negative
//	c3 Fri 27 16:00 chat   answered 16:20 (met, due Mon 10:00)
//	c4 Mon 30 09:00 chat   two messages, never answered (due 10:00, past)
//	c5 Tue 31 00:30 chat   answered 09:05 (met, due 10:00)    resolved 09:35  sufficient
//
// c5 arrives on Monday 30 at 22:30 UTC: in Rome it is Tuesday.
func reportOffice(t *testing.T, db *store.DB) *office {
	t.Helper()
	ctx := context.Background()
	clk := useClock(db, rome("2026-03-26 09:00"))
	o := newOffice(t, db, "rapporti")
	admin := o.as(o.admin)
	if err := db.SaveCalendar(ctx, admin, calendar.StandardSettings()); err != nil {
		t.Fatal(err)
	}
	if err := db.SavePolicy(ctx, admin, &sla.Policy{Name: "Standard", FirstResponse: time.Hour, Resolution: 16 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	at := func(s string) { clk.now = rome(s) }
	open := func(ch *redazione.Channel, contact, when string) int64 {
		at(when)
		return o.ingest(t, ch, contact, contact+"-1", "Buongiorno, una domanda").ConversationID
	}
	resolve := func(c int64, when string, rating int) {
		at(when)
		o.change(t, o.as(o.coord), c, store.Change{Status: ptr(redazione.StatusResolved)})
		if rating == 0 {
			return
		}
		hash := "hash-" + itoa(c)
		if ok, err := db.CreateSurvey(ctx, o.sys(), c, hash); err != nil || !ok {
			t.Fatalf("CreateSurvey(%d) = %v, %v", c, ok, err)
		}
		if err := db.AnswerSurvey(ctx, hash, rating, ""); err != nil {
			t.Fatal(err)
		}
	}
	c1 := open(o.webchat, "c1", "2026-03-27 10:00")
	at("2026-03-27 10:05")
	o.ingest(t, o.webchat, "c1", "c1-2", "Aggiungo un dettaglio")
	c2 := open(o.api, "c2", "2026-03-27 10:10")
	c3 := open(o.webchat, "c3", "2026-03-27 16:00")
	at("2026-03-27 10:30")
	o.reply(t, o.as(o.mario), c1, "Risposta")
	at("2026-03-27 12:10")
	o.reply(t, o.as(o.paolo), c2, "Risposta")
	resolve(c1, "2026-03-27 12:00", store.RatingPositive)
	at("2026-03-27 16:20")
	o.reply(t, o.as(o.mario), c3, "Risposta")
	resolve(c2, "2026-03-28 10:10", store.RatingNegative)
	open(o.webchat, "c4", "2026-03-30 09:00")
	at("2026-03-30 09:30")
	o.ingest(t, o.webchat, "c4", "c4-2", "Qualcuno mi risponde?")
	c5 := open(o.webchat, "c5", "2026-03-31 00:30")
	at("2026-03-31 09:05")
	o.reply(t, o.as(o.giulia), c5, "Risposta")
	resolve(c5, "2026-03-31 09:35", store.RatingSufficient)
	at("2026-03-31 12:00")

	// another ente's conversation on the same day counts nowhere here
	other := newOffice(t, db, "altro")
	other.ingest(t, other.webchat, "x", "x-1", "Altro ente")
	return o
}

func TestReportSeries(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := reportOffice(t, db)
		q := store.ReportQuery{From: rome("2026-03-27 00:00"), To: rome("2026-04-01 00:00")}
		s, err := db.ReportSeries(ctx, o.as(o.coord), q)
		if err != nil {
			t.Fatal(err)
		}
		type day struct {
			date                    string
			messages, conversations int
		}
		var got []day
		for _, p := range s.Days {
			got = append(got, day{p.Start.In(calendar.Rome).Format("2006-01-02 15:04"), p.Messages, p.Conversations})
		}
		want := []day{{"2026-03-27 00:00", 4, 3}, {"2026-03-28 00:00", 0, 0}, {"2026-03-29 00:00", 0, 0}, {"2026-03-30 00:00", 2, 1}, {"2026-03-31 00:00", 1, 1}}
		if len(got) != len(want) {
			t.Fatalf("days = %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("day %d = %+v, want %+v", i, got[i], want[i])
			}
		}
		if s.Messages != 7 {
			t.Errorf("messages = %d, want 7", s.Messages)
		}
		tot := s.Total
		if tot.Conversations != 5 || tot.Answered != 4 || tot.Resolved != 3 || tot.WithTarget != 5 || tot.TargetMet != 3 || tot.SLAShare() != 60 {
			t.Errorf("total = %+v, want 5 conversations, 4 answered, 3 resolved, 3 of 5 targets met (60%%)", tot.ReportCounts)
		}
		if tot.Ratings != [4]int{0, 1, 1, 1} || tot.RatingShare(store.RatingPositive) != 33 {
			t.Errorf("ratings = %v (positive %d%%), want one of each (33%%)", tot.Ratings, tot.RatingShare(store.RatingPositive))
		}
		// first answers: 20 min, 30 min, 2 h, 8 h 35 min
		wantSpread(t, "first answer overall", tot.FirstResponse, 4, 30*time.Minute, 8*time.Hour+35*time.Minute)
		// resolutions: 2 h, 9 h 5 min, 24 h
		wantSpread(t, "resolution overall", tot.Resolution, 3, 9*time.Hour+5*time.Minute, 24*time.Hour)
		fri := s.Buckets[0]
		wantSpread(t, "first answer on Friday", fri.FirstResponse, 3, 30*time.Minute, 2*time.Hour)
		if fri.SLAShare() != 67 || s.Buckets[3].SLAShare() != 0 || s.Buckets[4].SLAShare() != 100 || s.Buckets[1].SLAShare() != -1 {
			t.Errorf("targets met by day: %d%%, %d%%, %d%%, %d%%, want 67%%, none, 0%%, 100%%",
				fri.SLAShare(), s.Buckets[1].SLAShare(), s.Buckets[3].SLAShare(), s.Buckets[4].SLAShare())
		}
		if len(s.Desks) != 2 || s.Desks[0].Label != o.desks["contatti"].Name || s.Desks[0].Conversations != 4 || s.Desks[1].Conversations != 1 {
			t.Fatalf("desks = %+v", s.Desks)
		}
		wantSpread(t, "first answer of contatti", s.Desks[0].FirstResponse, 3, 30*time.Minute, 8*time.Hour+35*time.Minute)
		if len(s.Channels) != 2 || s.Channels[0].Label != o.webchat.Name || s.Channels[1].Label != o.api.Name || s.Channels[1].Ratings[store.RatingNegative] != 1 {
			t.Fatalf("channels = %+v", s.Channels)
		}

		// by week: Friday to Sunday (the week began before the period), then Monday and Tuesday
		q.Weekly = true
		w, err := db.ReportSeries(ctx, o.as(o.coord), q)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Buckets) != 2 || w.Buckets[0].Days != 3 || w.Buckets[1].Days != 2 ||
			!w.Buckets[1].Start.Equal(rome("2026-03-30 00:00")) || w.Buckets[0].Conversations != 3 || w.Buckets[1].Messages != 3 {
			t.Fatalf("weeks = %+v", w.Buckets)
		}
		wantSpread(t, "first answer in the second week", w.Buckets[1].FirstResponse, 1, 8*time.Hour+35*time.Minute, 8*time.Hour+35*time.Minute)

		// An operator of "contatti" sees that desk only, and not "notizie".
		mine, err := db.ReportSeries(ctx, o.as(o.mario), store.ReportQuery{From: q.From, To: q.To})
		if err != nil {
			t.Fatal(err)
		}
		if mine.Total.Conversations != 4 || mine.Messages != 6 || len(mine.Desks) != 1 || len(mine.Channels) != 1 {
			t.Errorf("operator's report: %d conversations, %d messages, desks %+v", mine.Total.Conversations, mine.Messages, mine.Desks)
		}
		_, err = db.ReportSeries(ctx, o.as(o.mario), store.ReportQuery{From: q.From, To: q.To, DeskID: o.desks["notizie"].ID})
		wantCode(t, err, redazione.EFORBIDDEN)
		one, err := db.ReportSeries(ctx, o.as(o.coord), store.ReportQuery{From: q.From, To: q.To, DeskID: o.desks["notizie"].ID})
		if err != nil || one.Total.Conversations != 1 || one.Messages != 1 {
			t.Errorf("the notizie desk: %+v, %v", one, err)
		}
		_, err = db.ReportSeries(ctx, o.as(o.coord), store.ReportQuery{From: q.To, To: q.From})
		wantCode(t, err, redazione.EINVALID)
	})
}

func wantSpread(t *testing.T, what string, got store.Spread, n int, median, p90 time.Duration) {
	t.Helper()
	if got.N != n || got.Median != median || got.P90 != p90 {
		t.Errorf("%s: %d, median %v, p90 %v; want %d, median %v, p90 %v", what, got.N, got.Median, got.P90, n, median, p90)
	}
}

// Each statement of a report reads one range of an index on the time (the
// conversations by opening, the citizens' messages by arrival), for every
// desk, one desk or an operator's desks: never the whole table, nor a
// desk's whole history.
func TestReportUsesTheTimeIndexes(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "piani")
		o.ingest(t, o.webchat, "c1", "m1", "Buongiorno")
		q := store.ReportQuery{From: rome("2026-03-01 00:00"), To: rome("2026-04-01 00:00")}
		one := q
		one.DeskID = o.desks["contatti"].ID
		weekly := q
		weekly.Weekly = true
		for _, c := range []struct {
			name string
			a    redazione.Actor
			q    store.ReportQuery
		}{{"every desk", o.as(o.coord), q}, {"one desk", o.as(o.coord), one}, {"an operator's desks", o.as(o.mario), q}, {"by week", o.as(o.coord), weekly}} {
			plans, err := db.ExplainReport(ctx, c.a, c.q, false)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			for stmt, plan := range plans {
				want := "conversations_opened_at"
				if stmt == "messages" {
					want = "messages_inbound_at"
				}
				t.Logf("%s, %s:\n%s", c.name, stmt, plan)
				if !strings.Contains(plan, want) || strings.Contains(plan, "Seq Scan on conversations") || strings.Contains(plan, "SCAN c\n") || strings.HasSuffix(plan, "SCAN c") {
					t.Errorf("%s, %s: not read by %s:\n%s", c.name, stmt, want, plan)
				}
			}
		}
	})
}
