package inbox

import (
	"context"
	"fmt"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/events"
	"github.com/redazione/redazione/store"
	"github.com/redazione/redazione/topics"
)

// Emerging topics: what citizens write about this week far more than in
// the four weeks before (a flooded underpass, a bin collection missed)
// reaches the coordinators before it reaches the press.

const (
	topicWeek      = 7 * 24 * time.Hour
	topicBaseline  = 4 // weeks
	topicMin       = 10
	topicRatio     = 3.0
	topicAlertOnce = topicWeek
)

// EmergingSpan is how far back the emerging topics look: this week and
// the four before.
const EmergingSpan = topicWeek * (topicBaseline + 1)

// EmergingIn returns the emerging topics of texts (newest first, reaching
// back EmergingSpan at least): this week's against the four weeks before.
func EmergingIn(texts []store.TimedText, now time.Time) []topics.Topic {
	var cur, base []string
	for _, t := range texts {
		switch {
		case t.At.After(now.Add(-topicWeek)):
			cur = append(cur, t.Text)
		case t.At.After(now.Add(-EmergingSpan)):
			base = append(base, t.Text)
		}
	}
	return topics.Emerging(topics.Count(cur), topics.Count(base), topicBaseline, topicMin, topicRatio)
}

// EmergingTopics returns the emerging topics of the actor's conversations.
func (s *Service) EmergingTopics(ctx context.Context, a redazione.Actor) ([]topics.Topic, error) {
	now := s.DB.Now()
	texts, err := s.DB.CitizenTexts(ctx, a, now.Add(-EmergingSpan))
	if err != nil {
		return nil, err
	}
	return EmergingIn(texts, now), nil
}

// AlertTopics tells the coordinators of each ente of its new emerging
// topics, each topic once a week at most. It returns how many it announced.
func (s *Service) AlertTopics(ctx context.Context) (int, error) {
	enti, err := s.DB.Enti(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range enti {
		em, err := s.EmergingTopics(ctx, redazione.SystemActor(e))
		if err != nil {
			return n, err
		}
		for _, t := range em {
			already, err := s.DB.TopicAlerted(ctx, e, t.Stem, s.DB.Now().Add(-topicAlertOnce))
			if err != nil {
				return n, err
			}
			if already {
				continue
			}
			coords, err := s.DB.Coordinators(ctx, e)
			if err != nil {
				return n, err
			}
			text := fmt.Sprintf("Tema emergente: «%s» in %d messaggi questa settimana (prima %.1f a settimana)", t.Label, t.Count, t.Before)
			if err := s.DB.Notify(ctx, e, 0, text, coords); err != nil {
				return n, err
			}
			for _, u := range coords {
				s.publish(ctx, events.Event{Type: events.Notification, EnteID: e, UserID: u})
			}
			n++
		}
	}
	return n, nil
}
