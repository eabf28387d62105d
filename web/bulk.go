package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/sla"
	"github.com/redazione/redazione/store"
)

var bulkCatalog = map[string][2]string{
	"inbox.snoozed":        {"Rimandate", "Snoozed"},
	"bulk.title":           {"Azioni su più conversazioni", "Actions on several conversations"},
	"bulk.confirm.title":   {"Conferma l'azione", "Confirm the action"},
	"bulk.done.title":      {"Azione eseguita", "Action done"},
	"bulk.select":          {"Seleziona", "Select"},
	"bulk.all":             {"Applica a tutte le conversazioni di questa vista, anche quelle non ancora caricate", "Apply to every conversation of this view, including those not loaded yet"},
	"bulk.help":            {"Scegli le conversazioni con le caselle dell'elenco (Maiusc+clic per un intervallo), poi l'azione: ti sarà chiesta una conferma.", "Choose the conversations with the list's boxes (Shift+click for a range), then the action: you will be asked to confirm."},
	"bulk.assign":          {"Assegna a", "Assign to"},
	"bulk.assign.button":   {"Assegna", "Assign"},
	"bulk.me":              {"A me", "To me"},
	"bulk.desk":            {"Sposta nel desk", "Move to desk"},
	"bulk.desk.button":     {"Sposta", "Move"},
	"bulk.tag":             {"Aggiungi l'etichetta", "Add the tag"},
	"bulk.tag.button":      {"Aggiungi", "Add"},
	"bulk.priority":        {"Imposta la priorità", "Set the priority"},
	"bulk.priority.button": {"Imposta", "Set"},
	"bulk.snooze":          {"Rimanda", "Snooze"},
	"bulk.snooze.button":   {"Rimanda", "Snooze"},
	"bulk.resolve.button":  {"Segna come risolte", "Mark as resolved"},
	"bulk.confirm":         {"Conferma", "Confirm"},
	"bulk.cancel":          {"Annulla", "Cancel"},
	"bulk.back":            {"Torna ai messaggi", "Back to the inbox"},
	"snooze.1h":            {"Tra 1 ora", "In 1 hour"},
	"snooze.tomorrow":      {"Domani alle 9", "Tomorrow at 9"},
	"snooze.monday":        {"Lunedì alle 9", "Monday at 9"},
	"snooze.reply":         {"Finché il cittadino non scrive", "Until the citizen writes"},
	"snooze.custom":        {"Data e ora scelte", "A chosen date and time"},
	"snooze.until":         {"Data e ora (se scelte)", "Date and time (if chosen)"},
	"snooze.until.reply":   {"quando il cittadino scrive", "when the citizen writes"},
	"snooze.title":         {"Rimanda", "Snooze"},
	"snooze.label":         {"Rimanda fino a", "Snooze until"},
	"snooze.state":         {"Rimandata fino a", "Snoozed until"},
	"snooze.state.reply":   {"Rimandata finché il cittadino non scrive", "Snoozed until the citizen writes"},
	"snooze.wake":          {"Riporta tra i messaggi ora", "Bring back now"},
	"snooze.help":          {"Esce dalle viste aperte e torna da sola all'ora scelta, o appena il cittadino scrive.", "It leaves the open views and comes back by itself at the chosen time, or as soon as the citizen writes."},
	"snooze.view.help":     {"Le conversazioni rimandate, in ordine di ritorno.", "The snoozed conversations, in the order they come back."},
	"bulk.capped":          {"La vista ha più conversazioni di quante se ne possano cambiare in una volta: l'azione riguarda le prime, nell'ordine della vista.", "The view has more conversations than can be changed at once: the action applies to the first ones, in the view's order."},
	"bulk.snapshot":        {"L'azione riguarda le conversazioni della vista in questo momento: quelle che vi entrano dopo non sono toccate.", "The action applies to the view's conversations as they are now: those entering it later are not touched."},
	"bulk.none":            {"Scegli almeno una conversazione, o tutte quelle della vista.", "Choose at least one conversation, or all those of the view."},
	"bulk.action.invalid":  {"Scegli un'azione.", "Choose an action."},
	"bulk.view.empty":      {"Nessuna conversazione in questa vista.", "No conversations in this view."},
}

var bulkPlurals = map[string][2]map[string]string{
	"bulk.selected": {
		{"zero": "Nessuna conversazione selezionata", "one": "%d conversazione selezionata", "other": "%d conversazioni selezionate"},
		{"zero": "No conversation selected", "one": "%d conversation selected", "other": "%d conversations selected"},
	},
	"bulk.select.view": {
		{"one": "Seleziona tutte le %d di questa vista", "other": "Seleziona tutte le %d di questa vista"},
		{"one": "Select all %d of this view", "other": "Select all %d of this view"},
	},
	"bulk.q.assign": {
		{"one": "Assegnare %d conversazione a {x}?", "other": "Assegnare %d conversazioni a {x}?"},
		{"one": "Assign %d conversation to {x}?", "other": "Assign %d conversations to {x}?"},
	},
	"bulk.q.unassign": {
		{"one": "Togliere l'assegnatario a %d conversazione?", "other": "Togliere l'assegnatario a %d conversazioni?"},
		{"one": "Unassign %d conversation?", "other": "Unassign %d conversations?"},
	},
	"bulk.q.desk": {
		{"one": "Spostare %d conversazione nel desk {x}?", "other": "Spostare %d conversazioni nel desk {x}?"},
		{"one": "Move %d conversation to the {x} desk?", "other": "Move %d conversations to the {x} desk?"},
	},
	"bulk.q.tag": {
		{"one": "Aggiungere l'etichetta «{x}» a %d conversazione?", "other": "Aggiungere l'etichetta «{x}» a %d conversazioni?"},
		{"one": "Add the tag “{x}” to %d conversation?", "other": "Add the tag “{x}” to %d conversations?"},
	},
	"bulk.q.priority": {
		{"one": "Impostare la priorità {x} a %d conversazione?", "other": "Impostare la priorità {x} a %d conversazioni?"},
		{"one": "Set priority {x} on %d conversation?", "other": "Set priority {x} on %d conversations?"},
	},
	"bulk.q.resolve": {
		{"one": "Segnare come risolta %d conversazione?", "other": "Segnare come risolte %d conversazioni?"},
		{"one": "Mark %d conversation as resolved?", "other": "Mark %d conversations as resolved?"},
	},
	"bulk.q.snooze": {
		{"one": "Rimandare %d conversazione fino a {x}?", "other": "Rimandare %d conversazioni fino a {x}?"},
		{"one": "Snooze %d conversation until {x}?", "other": "Snooze %d conversations until {x}?"},
	},
	"bulk.q.snooze.reply": {
		{"one": "Rimandare %d conversazione finché il cittadino non scrive?", "other": "Rimandare %d conversazioni finché i cittadini non scrivono?"},
		{"one": "Snooze %d conversation until the citizen writes?", "other": "Snooze %d conversations until the citizens write?"},
	},
	"bulk.done": {
		{"zero": "Nessuna conversazione da cambiare: erano già così.", "one": "Fatto: %d conversazione aggiornata.", "other": "Fatto: %d conversazioni aggiornate."},
		{"zero": "Nothing to change: they were already so.", "one": "Done: %d conversation updated.", "other": "Done: %d conversations updated."},
	},
	"bulk.done.of": {
		{"one": "L'azione è stata applicata a %d conversazione in tutto (comprese quelle che erano già così).", "other": "L'azione è stata applicata a %d conversazioni in tutto (comprese quelle che erano già così)."},
		{"one": "The action was applied to %d conversation in all (including those already so).", "other": "The action was applied to %d conversations in all (including those already so)."},
	},
}

var (
	_ = addCatalog(bulkCatalog)
	_ = addPlurals(bulkPlurals)
)

// addPlurals adds an area's texts that say a number to pluralCatalog.
func addPlurals(m map[string][2]map[string]string) bool {
	for k, v := range m {
		pluralCatalog[k] = v
	}
	return true
}

// bulkReads is what the bulk pages read (*store.DB has it).
type bulkReads interface {
	ViewIDs(ctx context.Context, a redazione.Actor, f store.InboxFilter, max int) ([]int64, error)
	BulkCheck(ctx context.Context, a redazione.Actor, ids []int64) error
	Now() time.Time
}

func (s *Server) bulkDB() bulkReads { return s.DB }

// bulkAction is an action read from a bulk form: the change, and how the
// confirmation names it.
type bulkAction struct {
	Name     string // assign, desk, tag, priority, resolve, snooze
	Change   store.Change
	question string // plural key
	target   string // the {x} of the question
}

// bulkView is the data of the bulk confirmation and result pages.
type bulkView struct {
	Question string
	Done     string
	DoneOf   string
	Capped   bool
	All      bool
	N        int
	IDs      string // comma-separated: what the confirmation covers
	Back     string // the view the operator came from
	// The form's values, sent again with the confirmation.
	Fields url.Values
}

// bulkFields are the form fields that say what a bulk action does.
var bulkFields = []string{"action", "assignee", "desk", "tag", "priority", "snooze", "until"}

// readBulkAction reads what a bulk form asks for, in the actor's words.
func (s *Server) readBulkAction(r *http.Request, u *session, lang string) (*bulkAction, error) {
	ctx := r.Context()
	a := &bulkAction{Name: r.PostFormValue("action")}
	switch a.Name {
	case "assign":
		raw := r.PostFormValue("assignee")
		var id int64
		if raw == "me" {
			id = u.User.ID
		} else {
			var err error
			if id, err = strconv.ParseInt(raw, 10, 64); err != nil || id < 0 {
				return nil, redazione.FieldError("assignee", "scegli a chi assegnare")
			}
		}
		a.Change.AssigneeID = &id
		a.question = "bulk.q.assign"
		if id == 0 {
			a.question = "bulk.q.unassign"
			break
		}
		users, err := s.conversationDB().Users(ctx, u.Actor.EnteID)
		if err != nil {
			return nil, err
		}
		for _, usr := range users {
			if usr.ID == id {
				a.target = usr.Name
			}
		}
		if a.target == "" {
			return nil, redazione.FieldError("assignee", "utente inesistente")
		}
	case "desk":
		id, _ := strconv.ParseInt(r.PostFormValue("desk"), 10, 64)
		desks, err := s.conversationDB().Desks(ctx, u.Actor.EnteID)
		if err != nil {
			return nil, err
		}
		for _, d := range desks {
			if d.ID == id {
				a.target = d.Name
			}
		}
		if a.target == "" {
			return nil, redazione.FieldError("desk", "scegli un desk dell'ente")
		}
		a.Change.DeskID, a.question = &id, "bulk.q.desk"
	case "tag":
		t := redazione.NormalizeTag(r.PostFormValue("tag"))
		if t == "" {
			return nil, redazione.FieldError("tag", "scrivi un'etichetta")
		}
		a.Change.AddTags, a.question, a.target = []string{t}, "bulk.q.tag", t
	case "priority":
		n, err := strconv.Atoi(r.PostFormValue("priority"))
		p := sla.Priority(n)
		if err != nil || !p.Valid() {
			return nil, redazione.FieldError("priority", "priorità non valida")
		}
		a.Change.Priority, a.question, a.target = &p, "bulk.q.priority", priorityLabel(lang, n)
	case "resolve":
		st := redazione.StatusResolved
		a.Change.Status, a.question = &st, "bulk.q.resolve"
	case "snooze":
		sn, err := snoozeAt(r.PostFormValue("snooze"), r.PostFormValue("until"), s.bulkDB().Now())
		if err != nil {
			return nil, err
		}
		a.Change.Snooze, a.question, a.target = &sn, "bulk.q.snooze", snoozeLabel(lang, sn)
		if sn.UntilReply {
			a.question = "bulk.q.snooze.reply"
		}
	default:
		return nil, redazione.FieldError("action", "%s", translate(lang, "bulk.action.invalid"))
	}
	return a, nil
}

// bulkFilter is the inbox view a bulk form was sent from, as inboxPage
// reads it.
func (s *Server) bulkFilter(r *http.Request, u *session) (store.InboxFilter, string, error) {
	v := &inboxView{View: r.PostFormValue("view"), DeskID: formInt(r, "desk_view"), Status: r.PostFormValue("status"),
		ChannelID: formInt(r, "channel"), Tag: r.PostFormValue("tag_view"), AssigneeID: formInt(r, "assignee_view"),
		Due: r.PostFormValue("due"), Sort: r.PostFormValue("sort")}
	f, err := s.inboxFilter(r, u, v)
	q := url.Values{}
	for k, val := range map[string]string{"view": v.View, "status": v.Status, "due": v.Due, "sort": v.Sort, "tag": v.Tag} {
		if val != "" {
			q.Set(k, val)
		}
	}
	for k, val := range map[string]int64{"desk": v.DeskID, "channel": v.ChannelID, "assignee": v.AssigneeID} {
		if val != 0 {
			q.Set(k, strconv.FormatInt(val, 10))
		}
	}
	return f, "/inbox?" + q.Encode(), err
}

// bulkIDs reads the chosen conversations: the ids of the form's boxes
// (id, repeated) or of its confirmation (ids, comma-separated).
func bulkIDs(r *http.Request) ([]int64, error) {
	raw := r.PostForm["id"]
	if s := r.PostFormValue("ids"); s != "" {
		raw = append(raw, strings.Split(s, ",")...)
	}
	out := make([]int64, 0, len(raw))
	for _, v := range raw {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			return nil, redazione.FieldError("id", "conversazione non valida")
		}
		out = append(out, id)
	}
	return out, nil
}

// bulkConfirm answers a bulk form with the confirmation of what it will do
// (nothing is changed yet): the conversations chosen, or those of the whole
// view as it is now, up to store.BulkMax.
func (s *Server) bulkConfirm(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "bulk.confirm.title"), "inbox")
	v, a, ids, err := s.readBulk(r, u, lang)
	if err == nil && r.PostFormValue("all") != "" {
		var f store.InboxFilter
		if f, v.Back, err = s.bulkFilter(r, u); err == nil {
			ids, err = s.bulkDB().ViewIDs(r.Context(), u.Actor, f, store.BulkMax+1)
			v.All = true
			if len(ids) > store.BulkMax {
				ids, v.Capped = ids[:store.BulkMax], true
			}
			if err == nil && len(ids) == 0 {
				err = redazione.FieldError("all", "%s", translate(lang, "bulk.view.empty"))
			}
		}
	} else if err == nil && len(ids) == 0 {
		err = redazione.FieldError("id", "%s", translate(lang, "bulk.none"))
	}
	if err == nil {
		err = s.bulkDB().BulkCheck(r.Context(), u.Actor, ids)
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.N = len(ids)
	v.IDs = joinIDs(ids)
	v.Question = strings.ReplaceAll(translateN(lang, a.question, v.N), "{x}", a.target)
	p.Data = v
	s.render(w, r, http.StatusOK, "bulk", "", p)
}

// readBulk reads the parts of a bulk form common to its two steps.
func (s *Server) readBulk(r *http.Request, u *session, lang string) (*bulkView, *bulkAction, []int64, error) {
	v := &bulkView{Back: "/inbox", Fields: url.Values{}}
	if _, back, err := s.bulkFilter(r, u); err == nil {
		v.Back = back
	}
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/inbox") {
		v.Back = b
	}
	for _, k := range bulkFields {
		if val := r.PostFormValue(k); val != "" {
			v.Fields.Set(k, val)
		}
	}
	if !u.Actor.CanWrite() {
		return v, nil, nil, redazione.Errorf(redazione.EFORBIDDEN, "il ruolo di analista è di sola lettura")
	}
	a, err := s.readBulkAction(r, u, lang)
	if err != nil {
		return v, nil, nil, err
	}
	ids, err := bulkIDs(r)
	return v, a, ids, err
}

// bulkApply does a confirmed bulk action, on the conversations the
// confirmation listed, and says how many changed.
func (s *Server) bulkApply(w http.ResponseWriter, r *http.Request, u *session) {
	lang := langOf(r)
	p := s.page(r, u, translate(lang, "bulk.done.title"), "inbox")
	v, a, ids, err := s.readBulk(r, u, lang)
	if err == nil && len(ids) == 0 {
		err = redazione.FieldError("id", "%s", translate(lang, "bulk.none"))
	}
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	res, err := s.Inbox.Bulk(r.Context(), u.Actor, ids, a.Change)
	if err != nil {
		s.fail(w, r, p, err)
		return
	}
	v.N = res.Done
	v.Done = translateN(lang, "bulk.done", len(res.Changed))
	v.DoneOf = translateN(lang, "bulk.done.of", res.Done)
	p.Data = v
	s.render(w, r, http.StatusOK, "bulk", "", p)
}

func joinIDs(ids []int64) string {
	var b strings.Builder
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatInt(id, 10))
	}
	return b.String()
}
