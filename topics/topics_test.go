package topics_test

import (
	"strings"
	"testing"

	"github.com/redazione/redazione/topics"
)

func TestCountAndTop(t *testing.T) {
	texts := []string{
		"Buongiorno, ho ricevuto una multa per divieto di sosta",
		"Le multe arrivano sempre in ritardo, multa ingiusta!",
		"Vorrei sapere come pagare la multa",
		"Quando passa la raccolta dei rifiuti ingombranti?",
		"Grazie, buongiorno",
	}
	m := topics.Count(texts)
	top := topics.Top(m, 3)
	if len(top) == 0 || top[0].Label != "multa" || top[0].Count != 3 {
		t.Fatalf("top topics: %+v; want multa in 3 messages (each counted once)", top)
	}
	for _, tp := range topics.Top(m, 100) {
		if tp.Label == "buongiorno" || tp.Label == "grazie" || tp.Label == "vorrei" {
			t.Errorf("a courtesy word is a topic: %+v", tp)
		}
	}
}

func TestEmerging(t *testing.T) {
	var baseline, current []string
	for range 8 { // four weeks: two messages a week about the bins
		baseline = append(baseline, "Il cassonetto sotto casa è pieno")
	}
	for range 3 {
		current = append(current, "Il cassonetto è pieno anche oggi")
	}
	for range 12 {
		current = append(current, "Il sottopasso è allagato, la strada è allagata")
	}
	em := topics.Emerging(topics.Count(current), topics.Count(baseline), 4, 5, 3)
	labels := map[string]int{}
	for _, e := range em {
		labels[e.Label] = e.Count
	}
	if labels["allagata"] != 12 || labels["sottopasso"] != 12 {
		t.Errorf("emerging: %+v; want the flooded underpass", em)
	}
	for l := range labels {
		if strings.HasPrefix(l, "cassonett") || strings.HasPrefix(l, "pien") {
			t.Errorf("the bins, as frequent as before, are emerging: %+v", em)
		}
	}
}
