package rules

import (
	"errors"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/sla"
)

func TestRuleMatching(t *testing.T) {
	t.Parallel()
	r := Rule{Conditions: Conditions{Words: []string{"rifiuti ingombranti", "TARI"}, Kind: "private", Hours: "closed"}}
	in := Input{Text: "Quando ritirano il rifiuto ingombrante?", ChannelID: 1}
	if !r.Matches(in, false) {
		t.Error("«rifiuti ingombranti» does not match «rifiuto ingombrante» (stemming)")
	}
	if r.Matches(in, true) {
		t.Error("an out-of-hours rule fired during office hours")
	}
	in.Public = true
	if r.Matches(in, false) {
		t.Error("a private-only rule fired on a public comment")
	}
	in = Input{Text: "Ingombranti e altri rifiuti"}
	if r.Matches(in, false) {
		t.Error("a phrase matched words that are not next to each other")
	}
	r = Rule{Conditions: Conditions{ChannelIDs: []int64{7}, Contact: "rossi", NewOnly: true}}
	if !r.Matches(Input{ChannelID: 7, ContactName: "Mario Rossi", New: true}, true) ||
		r.Matches(Input{ChannelID: 8, ContactName: "Mario Rossi", New: true}, true) ||
		r.Matches(Input{ChannelID: 7, ContactName: "Mario Rossi"}, true) {
		t.Error("channel, contact or first-message conditions are not applied")
	}
}

// Check refuses a rule that could not work, with the field to correct, and
// normalises what it keeps.
func TestCheck(t *testing.T) {
	t.Parallel()
	bad := sla.Priority(9)
	for name, c := range map[string]struct {
		r     Rule
		field string
	}{
		"no name":           {Rule{Actions: Actions{Stop: true}}, "name"},
		"unknown kind":      {Rule{Name: "x", Conditions: Conditions{Kind: "dm"}, Actions: Actions{Stop: true}}, "kind"},
		"unknown hours":     {Rule{Name: "x", Conditions: Conditions{Hours: "night"}, Actions: Actions{Stop: true}}, "hours"},
		"unknown priority":  {Rule{Name: "x", Actions: Actions{Priority: &bad}}, "priority"},
		"unknown situation": {Rule{Name: "x", Actions: Actions{Situation: "emergency"}}, "situation"},
		"only stop words":   {Rule{Name: "x", Conditions: Conditions{Words: []string{"il la di"}}, Actions: Actions{Stop: true}}, "words"},
		"no action":         {Rule{Name: "x", Conditions: Conditions{Words: []string{"tari"}}}, "actions"},
	} {
		err := Check(&c.r)
		var de *redazione.Error
		if !errors.As(err, &de) || de.Code != redazione.EINVALID || de.Field != c.field {
			t.Errorf("%s: %v, want invalid %q", name, err, c.field)
		}
	}
	r := Rule{Name: "  Rifiuti ", Conditions: Conditions{Words: []string{" rifiuti ingombranti ", " "}}, Actions: Actions{Tags: []string{" Raccolta Rifiuti ", ""}}}
	if err := Check(&r); err != nil {
		t.Fatal(err)
	}
	if r.Name != "Rifiuti" || len(r.Conditions.Words) != 1 || r.Conditions.Words[0] != "rifiuti ingombranti" || len(r.Actions.Tags) != 1 || r.Actions.Tags[0] != "raccolta-rifiuti" {
		t.Errorf("normal form: %+v", r)
	}
}
