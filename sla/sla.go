// Package sla measures response-time targets in an ente's business hours:
// which policy applies to a conversation, when its first answer and its
// resolution are due, how the clock pauses while the office waits for the
// citizen, and whether a target is breached or about to be.
package sla

import (
	"time"

	"github.com/redazione/redazione/calendar"
)

// Priority of a conversation: routing rules and urgency flags raise it.
type Priority int

const (
	Low    Priority = -1
	Normal Priority = 0
	High   Priority = 1
	Urgent Priority = 2
)

// Valid reports whether p is one of the four priorities.
func (p Priority) Valid() bool { return p >= Low && p <= Urgent }

// Label is p in Italian.
func (p Priority) Label() string {
	switch p {
	case Low:
		return "bassa"
	case High:
		return "alta"
	case Urgent:
		return "urgente"
	}
	return "normale"
}

// Policy is a pair of targets for the conversations it matches; zero
// fields match anything. Targets are business time.
type Policy struct {
	ID            int64
	Name          string
	DeskID        int64     // 0: any desk
	ChannelID     int64     // 0: any channel
	Priority      *Priority // nil: any priority
	FirstResponse time.Duration
	Resolution    time.Duration
}

// Matches reports whether the policy applies.
func (p *Policy) Matches(desk, channel int64, prio Priority) bool {
	return (p.DeskID == 0 || p.DeskID == desk) &&
		(p.ChannelID == 0 || p.ChannelID == channel) &&
		(p.Priority == nil || *p.Priority == prio)
}

// specificity ranks a policy: the more it names, the more it wins.
func (p *Policy) specificity() int {
	n := 0
	if p.Priority != nil {
		n += 4
	}
	if p.ChannelID != 0 {
		n += 2
	}
	if p.DeskID != 0 {
		n++
	}
	return n
}

// Pick returns the most specific policy matching a conversation (on a tie,
// the first in the list), or nil.
func Pick(policies []Policy, desk, channel int64, prio Priority) *Policy {
	var best *Policy
	for i := range policies {
		p := &policies[i]
		if p.Matches(desk, channel, prio) && (best == nil || p.specificity() > best.specificity()) {
			best = p
		}
	}
	return best
}

// Clock is the SLA state of one conversation. Zero times mean "no target".
type Clock struct {
	FirstResponseDue time.Time
	ResolutionDue    time.Time
	PendingSince     time.Time // the clock is paused since then
}

// Status is where a conversation stands against its next target.
type Status struct {
	Due       time.Time     // the next due time (first answer until given, then resolution)
	Left      time.Duration // business time left; negative once breached
	Breached  bool
	Imminent  bool // less than a fifth of the target, or 30 minutes, left
	Paused    bool
	FirstOnly bool // Due is the first-answer target
}

// ImminentWithin is the business time left at which a breach is imminent,
// when a fifth of the target is less.
const ImminentWithin = 30 * time.Minute

// Now returns the status at now of a conversation whose first answer was (or
// was not) given; target is the length of the target Due belongs to.
func (c Clock) Now(cal *calendar.Calendar, answered bool, target time.Duration, now time.Time) (Status, bool) {
	var s Status
	switch {
	case !answered && !c.FirstResponseDue.IsZero():
		s.Due, s.FirstOnly = c.FirstResponseDue, true
	case !c.ResolutionDue.IsZero():
		s.Due = c.ResolutionDue
	default:
		return s, false
	}
	s.Paused = !c.PendingSince.IsZero()
	at := now
	if s.Paused {
		at = c.PendingSince
	}
	if at.Before(s.Due) {
		s.Left = cal.Between(at, s.Due)
	} else {
		s.Left = -cal.Between(s.Due, at)
		s.Breached = true
	}
	limit := ImminentWithin
	if target > 0 && target/5 < limit {
		limit = target / 5
	}
	s.Imminent = !s.Breached && s.Left <= limit
	return s, true
}
