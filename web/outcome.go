package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/store"
)

// The texts of the split view, the keyboard shortcuts and the outcomes
// announced after an action on a conversation.
var outcomeCatalog = map[string][2]string{
	"done.assigned":    {"Assegnata a %s", "Assigned to %s"},
	"done.unassigned":  {"Assegnazione tolta", "No longer assigned"},
	"done.desk":        {"Spostata nel desk %s", "Moved to the desk %s"},
	"done.status":      {"Stato: %s", "Status: %s"},
	"done.priority":    {"Priorità: %s", "Priority: %s"},
	"done.tag.added":   {"Etichetta aggiunta", "Tag added"},
	"done.tag.removed": {"Etichetta tolta", "Tag removed"},
	"done.reply":       {"Risposta inviata", "Reply sent"},
	"done.note":        {"Nota aggiunta", "Note added"},
	"done.situation":   {"Situazione segnata", "Situation marked"},
	"done.flag":        {"Avviso chiuso", "Flag cleared"},
	"done.merge":       {"Contatti uniti", "Contacts merged"},
	"done.separate":    {"Contatto separato", "Contact separated"},
	"done.hidden":      {"Commento nascosto", "Comment hidden"},
	"done.shown":       {"Commento di nuovo visibile", "Comment shown again"},
	"split.empty":      {"Scegli una conversazione dall'elenco: si apre qui accanto.", "Choose a conversation in the list: it opens here."},
	"keys.title":       {"Scorciatoie da tastiera", "Keyboard shortcuts"},
	"keys.open":        {"Scorciatoie da tastiera", "Keyboard shortcuts"},
	"keys.intro":       {"Funzionano quando non stai scrivendo in un campo.", "They work when you are not typing in a field."},
	"keys.next":        {"Conversazione successiva nell'elenco", "Next conversation in the list"},
	"keys.prev":        {"Conversazione precedente nell'elenco", "Previous conversation in the list"},
	"keys.enter":       {"Apri la conversazione scelta", "Open the chosen conversation"},
	"keys.reply":       {"Scrivi una risposta al cittadino", "Write a reply to the citizen"},
	"keys.note":        {"Scrivi una nota interna", "Write an internal note"},
	"keys.assign":      {"Assegna a me la conversazione aperta", "Assign the open conversation to me"},
	"keys.resolve":     {"Segna come risolta la conversazione aperta", "Mark the open conversation resolved"},
	"keys.send":        {"Invia la risposta o la nota (nel testo)", "Send the reply or note (in the text)"},
	"keys.help":        {"Mostra questo elenco", "Show this list"},
	"keys.close":       {"Chiudi", "Close"},
	"keys.none":        {"Nessuna conversazione aperta", "No conversation open"},
	"keys.unavailable": {"Azione non disponibile per questa conversazione", "Action not available for this conversation"},
	"keys.opened":      {"Conversazione aperta: %s", "Conversation open: %s"},
	"keys.ctrl":        {"Ctrl", "Ctrl"},
	"keys.enter.key":   {"Invio", "Enter"},
	"keys.list.label":  {"Elenco delle scorciatoie", "List of shortcuts"},
}

var _ = addCatalog(outcomeCatalog)

// outcome says what an action did, in the operator's language, for the
// page's live region: "Assegnata a Anna Russo", "Stato: risolta".
type outcome func(lang string, c *redazione.Conversation) string

// said is an outcome that does not depend on the conversation.
func said(key string) outcome {
	return func(lang string, _ *redazione.Conversation) string { return translate(lang, key) }
}

// changeOutcome says what a change to a conversation did, as it is now.
func changeOutcome(ch store.Change) outcome {
	return func(lang string, c *redazione.Conversation) string {
		var parts []string
		if ch.AssigneeID != nil {
			if *ch.AssigneeID == 0 || c.AssigneeName == "" {
				parts = append(parts, translate(lang, "done.unassigned"))
			} else {
				parts = append(parts, strings.Replace(translate(lang, "done.assigned"), "%s", c.AssigneeName, 1))
			}
		}
		if ch.DeskID != nil {
			parts = append(parts, strings.Replace(translate(lang, "done.desk"), "%s", c.DeskName, 1))
		}
		if ch.Status != nil {
			parts = append(parts, strings.Replace(translate(lang, "done.status"), "%s", strings.ToLower(translate(lang, "status."+string(c.Status))), 1))
		}
		if ch.Priority != nil {
			parts = append(parts, strings.Replace(translate(lang, "done.priority"), "%s", strings.ToLower(priorityLabel(lang, c.Priority)), 1))
		}
		if len(ch.AddTags) > 0 {
			parts = append(parts, translate(lang, "done.tag.added"))
		}
		if len(ch.RemoveTags) > 0 {
			parts = append(parts, translate(lang, "done.tag.removed"))
		}
		return strings.Join(parts, ". ")
	}
}

// sayDone puts what an htmx action did in the X-Redazione-Done header
// (URL-escaped, like X-Redazione-Error): app.js announces it in the page's
// live region, where the redrawn panel would otherwise say nothing.
func sayDone(w http.ResponseWriter, text string) {
	if text != "" {
		w.Header().Set("X-Redazione-Done", url.PathEscape(text))
	}
}
