package inbox

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
)

// Out of office hours, what cannot wait reaches the people on call: an
// urgent message (the store notified them in the app; here they get the
// e-mail), a missed response time, a spike of citizens' messages.

// closed reports whether the ente's office is closed now.
func (s *Service) closed(ctx context.Context, enteID int64) bool {
	cfg, err := s.DB.SLA(ctx, enteID)
	if err != nil || cfg.Calendar == nil {
		return false
	}
	return !cfg.Calendar.IsOpen(s.DB.Now())
}

// mail e-mails users a notice with a link into Redazione. The in-app
// notice is the durable one; the e-mail is a courtesy copy, so a mail
// server that is down is logged, not retried.
func (s *Service) mail(ctx context.Context, users []*redazione.User, subject, link string) {
	if s.Mailer == nil || len(users) == 0 {
		return
	}
	var to []string
	for _, u := range users {
		to = append(to, u.Email)
	}
	body := subject + "\n\n" + strings.TrimRight(s.PublicURL, "/") + link + "\n\n-- \nRedazione: messaggio automatico, non rispondere."
	mctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.Mailer.Send(mctx, to, subject, body); err != nil && s.Log != nil {
		s.Log.Warn("notice e-mail", "subject", subject, "err", err)
	}
}

// escalateUrgent tells the people on call of an urgent message out of hours.
func (s *Service) escalateUrgent(ctx context.Context, enteID, convID int64) {
	if !s.closed(ctx, enteID) {
		return
	}
	users, err := s.DB.OnCall(ctx, enteID, s.DB.Now())
	if err != nil {
		s.Log.Warn("on call", "err", err)
		return
	}
	for _, u := range users {
		s.publish(ctx, events.Event{Type: events.Notification, EnteID: enteID, ConversationID: convID, UserID: u.ID})
	}
	s.mail(ctx, users, "Messaggio urgente fuori orario", fmt.Sprintf("/conversations/%d", convID))
}

// onCallFor returns the people on call out of hours who are not among ids.
func (s *Service) onCallFor(ctx context.Context, enteID int64, ids []int64) []*redazione.User {
	if !s.closed(ctx, enteID) {
		return nil
	}
	users, err := s.DB.OnCall(ctx, enteID, s.DB.Now())
	if err != nil {
		s.Log.Warn("on call", "err", err)
		return nil
	}
	var out []*redazione.User
	for _, u := range users {
		if !slices.Contains(ids, u.ID) {
			out = append(out, u)
		}
	}
	return out
}

// spikes counts citizens' messages per ente and minute, in this process.
type spikes struct {
	mu      sync.Mutex
	counts  map[int64]map[int64]int // ente -> minute -> messages
	alerted map[int64]time.Time     // ente -> last alert
	pruned  map[int64]int64         // ente -> minute of the last pruning
}

// spikeCounts returns the process's counts, made on first use (ingest and
// the sweep may ask at the same time).
func (s *Service) spikeCounts() *spikes {
	s.spikeOnce.Do(func() {
		s.spikes = &spikes{counts: map[int64]map[int64]int{}, alerted: map[int64]time.Time{}, pruned: map[int64]int64{}}
	})
	return s.spikes
}

func (s *Service) countMessage(enteID int64, at time.Time) {
	sp := s.spikeCounts()
	sp.mu.Lock()
	defer sp.mu.Unlock()
	m := sp.counts[enteID]
	if m == nil {
		m = map[int64]int{}
		sp.counts[enteID] = m
	}
	min := at.Unix() / 60
	m[min]++
	// Keep a day at most, pruned once a minute: this runs on every message.
	if sp.pruned[enteID] != min {
		sp.pruned[enteID] = min
		for k := range m {
			if k < min-1440 {
				delete(m, k)
			}
		}
	}
}

// CheckSpikes alerts, out of office hours, the people on call and the
// coordinators of an ente whose citizens wrote more than its spike rule
// allows (threshold messages within minutes), once per window. It returns
// how many enti were alerted. The count is this process's: with several
// processes behind a balancer each sees its share.
func (s *Service) CheckSpikes(ctx context.Context) (int, error) {
	sp := s.spikeCounts()
	now := s.DB.Now()
	sp.mu.Lock()
	totals := map[int64]map[int64]int{}
	for e, m := range sp.counts {
		totals[e] = map[int64]int{}
		for k, v := range m {
			totals[e][k] = v
		}
	}
	sp.mu.Unlock()
	alerted := 0
	for enteID, m := range totals {
		rule, err := s.DB.SpikeRule(ctx, enteID)
		if err != nil {
			return alerted, err
		}
		window := time.Duration(rule.Minutes) * time.Minute
		from := now.Add(-window).Unix() / 60
		n := 0
		for k, v := range m {
			if k > from {
				n += v
			}
		}
		if n < rule.Threshold || !s.closed(ctx, enteID) {
			continue
		}
		sp.mu.Lock()
		last := sp.alerted[enteID]
		if now.Sub(last) < window {
			sp.mu.Unlock()
			continue
		}
		sp.alerted[enteID] = now
		sp.mu.Unlock()
		coords, err := s.DB.Coordinators(ctx, enteID)
		if err != nil {
			return alerted, err
		}
		onCall := s.onCallFor(ctx, enteID, coords)
		ids := coords
		for _, u := range onCall {
			ids = append(ids, u.ID)
		}
		text := fmt.Sprintf("Picco di messaggi fuori orario: %d negli ultimi %d minuti", n, rule.Minutes)
		if err := s.DB.Notify(ctx, enteID, 0, text, ids); err != nil {
			return alerted, err
		}
		for _, u := range ids {
			s.publish(ctx, events.Event{Type: events.Notification, EnteID: enteID, UserID: u})
		}
		s.mail(ctx, onCall, text, "/inbox")
		alerted++
	}
	return alerted, nil
}
