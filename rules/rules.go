// Package rules holds the office's routing rules: what a rule's conditions
// and actions are, when it matches an incoming message, and what makes a
// rule valid. The store keeps them; the inbox applies them.
package rules

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/search"
	"github.com/redazione/redazione/sla"
)

// Conditions must all hold for a rule to fire; empty ones hold always.
type Conditions struct {
	ChannelIDs []int64  `json:"channel_ids,omitempty"`
	Kind       string   `json:"kind,omitempty"`    // "private", "public" or "" (any)
	Words      []string `json:"words,omitempty"`   // any of these words or phrases (Italian stemming)
	Contact    string   `json:"contact,omitempty"` // a word of the contact's name or id
	Hours      string   `json:"hours,omitempty"`   // "open" (office hours), "closed" or "" (any)
	NewOnly    bool     `json:"new_only,omitempty"`
}

// Actions are what a rule does when it fires.
type Actions struct {
	DeskID     int64         `json:"desk_id,omitempty"`
	AssigneeID int64         `json:"assignee_id,omitempty"`
	Priority   *sla.Priority `json:"priority,omitempty"`
	Tags       []string      `json:"tags,omitempty"`
	Situation  string        `json:"situation,omitempty"`
	AutoReply  string        `json:"auto_reply,omitempty"` // sent once, on a new conversation
	Stop       bool          `json:"stop,omitempty"`       // later rules are not evaluated
}

// Rule is a routing rule of an ente.
type Rule struct {
	ID         int64
	Position   int
	Name       string
	Enabled    bool
	Conditions Conditions
	Actions    Actions
	Fired      int64
}

// Input is what a rule is evaluated against.
type Input struct {
	ChannelID   int64
	Public      bool
	Text        string
	ContactID   string
	ContactName string
	At          time.Time
	New         bool // the message opened the conversation
}

// Matches reports whether the rule's conditions hold for in; open tells
// whether the office is open at in.At.
func (r *Rule) Matches(in Input, open bool) bool {
	c := r.Conditions
	if len(c.ChannelIDs) > 0 && !slices.Contains(c.ChannelIDs, in.ChannelID) {
		return false
	}
	if (c.Kind == "public" && !in.Public) || (c.Kind == "private" && in.Public) {
		return false
	}
	if (c.Hours == "open" && !open) || (c.Hours == "closed" && open) {
		return false
	}
	if c.NewOnly && !in.New {
		return false
	}
	if c.Contact != "" {
		want := strings.ToLower(strings.TrimSpace(c.Contact))
		if !strings.Contains(strings.ToLower(in.ContactName+" "+in.ContactID), want) {
			return false
		}
	}
	if len(c.Words) > 0 {
		terms := search.Terms(in.Text)
		found := false
		for _, w := range c.Words {
			if containsPhrase(terms, search.Terms(w)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// containsPhrase reports whether phrase's terms appear in terms, in order
// and next to each other.
func containsPhrase(terms, phrase []string) bool {
	if len(phrase) == 0 {
		return false
	}
	for i := 0; i+len(phrase) <= len(terms); i++ {
		if slices.Equal(terms[i:i+len(phrase)], phrase) {
			return true
		}
	}
	return false
}

// Check validates a rule and puts it in its normal form (trimmed words,
// normalised tags); it reads no data, so a desk or a user named in the
// actions is checked where they are stored.
func Check(r *Rule) error {
	r.Name = strings.TrimSpace(r.Name)
	c, act := &r.Conditions, &r.Actions
	switch {
	case r.Name == "":
		return redazione.FieldError("name", "il nome è obbligatorio")
	case c.Kind != "" && c.Kind != "public" && c.Kind != "private":
		return redazione.FieldError("kind", "tipo non valido")
	case c.Hours != "" && c.Hours != "open" && c.Hours != "closed":
		return redazione.FieldError("hours", "orario non valido")
	case act.Priority != nil && !act.Priority.Valid():
		return redazione.FieldError("priority", "priorità non valida")
	case act.Situation != "" && !slices.Contains(redazione.ManualSituations, act.Situation):
		return redazione.FieldError("situation", "situazione sconosciuta")
	case utf8.RuneCountInString(act.AutoReply) > redazione.MaxTextRunes || strings.ContainsRune(act.AutoReply, 0):
		return redazione.FieldError("auto_reply", "risposta automatica troppo lunga")
	}
	var words []string
	for _, w := range c.Words {
		if w = strings.TrimSpace(w); w != "" {
			if len(search.Terms(w)) == 0 {
				return redazione.FieldError("words", "«%s» contiene solo parole troppo comuni per una regola", w)
			}
			words = append(words, w)
		}
	}
	c.Words = words
	act.AutoReply = strings.TrimSpace(act.AutoReply)
	var tags []string
	for _, t := range act.Tags {
		if t = redazione.NormalizeTag(t); t != "" {
			tags = append(tags, t)
		}
	}
	act.Tags = tags
	if act.DeskID == 0 && act.AssigneeID == 0 && act.Priority == nil && len(act.Tags) == 0 && act.Situation == "" && act.AutoReply == "" && !act.Stop {
		return redazione.FieldError("actions", "indica almeno un'azione")
	}
	return nil
}
