package inbox

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
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

// CheckSpikes alerts, out of office hours, the people on call and the
// coordinators of an ente whose citizens wrote more than its spike rule
// allows (threshold messages within minutes), once per window. It returns
// how many enti were alerted. The messages are counted in the database, so
// several processes behind a balancer count the total, and the alert is
// claimed on the ente's row, so of several processes checking together one
// alerts.
func (s *Service) CheckSpikes(ctx context.Context) (int, error) {
	now := s.DB.Now()
	rules, err := s.DB.SpikeRules(ctx)
	if err != nil {
		return 0, err
	}
	alerted := 0
	for enteID, rule := range rules {
		if !s.closed(ctx, enteID) {
			continue
		}
		window := time.Duration(rule.Minutes) * time.Minute
		n, err := s.DB.CitizenMessagesSince(ctx, enteID, now.Add(-window), rule.Threshold)
		if err != nil {
			return alerted, err
		}
		if n < rule.Threshold {
			continue
		}
		if ok, err := s.DB.ClaimSpikeAlert(ctx, enteID, now, window); err != nil || !ok {
			if err != nil {
				return alerted, err
			}
			continue // alerted within the window, here or by another process
		}
		coords, err := s.DB.Coordinators(ctx, enteID)
		if err != nil {
			return alerted, err
		}
		onCall := s.onCallFor(ctx, enteID, coords)
		ids := coords
		for _, u := range onCall {
			ids = append(ids, u.ID)
		}
		// The count stopped at the threshold; the notice says the whole of it.
		if all, err := s.DB.CitizenMessagesSince(ctx, enteID, now.Add(-window), math.MaxInt32); err == nil {
			n = all
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
