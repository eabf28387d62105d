package redazione

import "strings"

// Situations a playbook can be written for: the automatic flags' ones
// (personal data, and the three kinds of urgency) and those an operator
// marks by hand.
var Situations = []string{
	"personal_data", "emergency", "threat", "self_harm", // raised by the detectors
	"complaint", "documents", "political", "journalist", // marked by an operator
}

// ManualSituations are the situations an operator marks on a conversation.
var ManualSituations = []string{"complaint", "documents", "political", "journalist"}

// NormalizeTag lower-cases a tag and keeps it short and printable.
func NormalizeTag(t string) string {
	t = strings.ToLower(strings.TrimSpace(t))
	t = strings.Join(strings.Fields(t), "-")
	if len([]rune(t)) > 40 {
		t = string([]rune(t)[:40])
	}
	return t
}
