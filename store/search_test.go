package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func hitIDs(t *testing.T, db *store.DB, a redazione.Actor, q string) []int64 {
	t.Helper()
	res, err := db.Search(context.Background(), a, q, 50)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	out := []int64{}
	for _, h := range res.Hits {
		if h.Conversation == nil || h.Conversation.ID != h.Message.ConversationID {
			t.Errorf("Search(%q): hit %d without its conversation", q, h.Message.ID)
		}
		out = append(out, h.Message.ID)
	}
	return out
}

func TestSearchStemsItalian(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		coord := o.as(o.coord)
		multe := o.ingest(t, o.webchat, "v1", "m1", "Buongiorno, ho ricevuto due multe per la ZTL ma avevo il permesso").Message.ID
		clk.Advance(time.Minute)
		rifiuti := o.ingest(t, o.webchat, "v2", "m2", "I rifiuti non vengono ritirati da una settimana in via Po").Message.ID
		clk.Advance(time.Minute)
		ufficio := o.ingest(t, o.api, "a1", "a1", "Quali sono gli orari dell'Ufficio anagrafe della città? Perché è già chiuso").Message.ID
		clk.Advance(time.Minute)
		other := o.ingest(t, o.webchat, "v3", "m3", "Il parco è pulito e curato, grazie").Message.ID
		clk.Advance(time.Minute)
		conv := o.ingest(t, o.webchat, "v4", "m4", "Vorrei informazioni").ConversationID
		reply := o.reply(t, o.as(o.mario), conv, "Per contestare una multa serve il ricorso al Prefetto")
		note, err := db.AddMessage(context.Background(), o.as(o.mario), conv, store.Outgoing{Text: "Verificare la sanzione con la Polizia Locale", Note: true})
		if err != nil {
			t.Fatal(err)
		}

		wantIDs(t, `"multa"`, hitIDs(t, db, coord, "multa"), reply.ID, multe)
		wantIDs(t, `"MULTE"`, hitIDs(t, db, coord, "MULTE"), reply.ID, multe)
		wantIDs(t, `"rifiuto"`, hitIDs(t, db, coord, "rifiuto"), rifiuti)
		wantIDs(t, `"ritirato"`, hitIDs(t, db, coord, "ritirato"), rifiuti)
		wantIDs(t, `"l'ufficio"`, hitIDs(t, db, coord, "l'ufficio"), ufficio)
		wantIDs(t, `"chiusa"`, hitIDs(t, db, coord, "chiusa"), ufficio)
		wantIDs(t, `"Città"`, hitIDs(t, db, coord, "Città"), ufficio)
		wantIDs(t, `"sanzioni"`, hitIDs(t, db, coord, "sanzioni"), note.ID)
		// Every word must match.
		wantIDs(t, `"multa permesso"`, hitIDs(t, db, coord, "multa permesso"), multe)
		wantIDs(t, `"multa parco"`, hitIDs(t, db, coord, "multa parco"), []int64{}...)
		wantIDs(t, `"parco"`, hitIDs(t, db, coord, "parco"), other)
		// Stop words alone and search syntax find nothing and break nothing.
		wantIDs(t, `"il la di"`, hitIDs(t, db, coord, "il la di"), []int64{}...)
		for _, q := range []string{`multa"`, `multa OR parco`, `multa*`, `NEAR(multa parco)`, `'multa' | 'parco'`, `multa & !parco`, `\`, `:*`} {
			if _, err := db.Search(context.Background(), coord, q, 10); err != nil {
				t.Errorf("Search(%q): %v", q, err)
			}
		}
		wantIDs(t, `"multa OR parco"`, hitIDs(t, db, coord, "multa OR parco"), []int64{}...)
	})
}

func TestSearchIsLimitedToTheActorsDesks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		o := newOffice(t, db, "roma")
		chat := o.ingest(t, o.webchat, "v1", "m1", "Segnalo una multa sospetta")
		api := o.ingest(t, o.api, "a1", "a1", "Comunicato sulle multe del weekend")
		wantIDs(t, "coordinator", hitIDs(t, db, o.as(o.coord), "multa"), api.Message.ID, chat.Message.ID)
		wantIDs(t, "analyst", hitIDs(t, db, o.as(o.analyst), "multa"), api.Message.ID, chat.Message.ID)
		wantIDs(t, "Mario (contatti)", hitIDs(t, db, o.as(o.mario), "multa"), chat.Message.ID)
		wantIDs(t, "Paolo (notizie)", hitIDs(t, db, o.as(o.paolo), "multa"), api.Message.ID)
		nobody := redazione.Actor{EnteID: o.ente.ID, UserID: o.mario.ID, Role: redazione.RoleOperator}
		wantIDs(t, "operator without desks", hitIDs(t, db, nobody, "multa"), []int64{}...)

		// Moving the case moves its messages out of the operator's results.
		o.change(t, o.as(o.coord), chat.ConversationID, store.Change{DeskID: ptr(o.desks["notizie"].ID)})
		wantIDs(t, "Mario after the move", hitIDs(t, db, o.as(o.mario), "multa"), []int64{}...)
		wantIDs(t, "Paolo after the move", hitIDs(t, db, o.as(o.paolo), "multa"), api.Message.ID, chat.Message.ID)
	})
}

func TestSearchFindsContactsByName(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := useClock(db, t0)
		o := newOffice(t, db, "roma")
		in := func(ch *redazione.Channel, contact, name, ext string) *redazione.Ingested {
			t.Helper()
			res, err := db.Ingest(ctx, ch, redazione.Inbound{ExternalID: ext, ContactID: contact, ContactName: name, Text: "Buongiorno"})
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(time.Minute)
			return res
		}
		first := in(o.webchat, "tg-1001", "Lucia D'Angelo", "e1")
		o.change(t, o.as(o.coord), first.ConversationID, store.Change{Status: ptr(redazione.StatusResolved)})
		second := in(o.webchat, "tg-1001", "Lucia D'Angelo", "e2") // a new case of the same citizen
		marco := in(o.webchat, "tg-2002", "Marco Angelini", "e3")
		press := in(o.api, "ansa-1", "Redazione ANSA", "e4")
		in(o.webchat, "tg-3003", "100% Cittadino_Attivo", "e5")

		contacts := func(a redazione.Actor, q string) []int64 {
			t.Helper()
			res, err := db.Search(ctx, a, q, 10)
			if err != nil {
				t.Fatalf("Search(%q): %v", q, err)
			}
			return ids(res.Contacts)
		}
		coord := o.as(o.coord)
		// One row per citizen, their newest case; newest citizens first.
		wantIDs(t, `"angel"`, contacts(coord, "angel"), marco.ConversationID, second.ConversationID)
		wantIDs(t, `"LUCIA d'angelo"`, contacts(coord, "LUCIA d'angelo"), second.ConversationID)
		wantIDs(t, `"tg-2002" (platform id)`, contacts(coord, "tg-2002"), marco.ConversationID)
		wantIDs(t, `"ansa"`, contacts(coord, "ansa"), press.ConversationID)
		wantIDs(t, `"ansa" by Mario (other desk)`, contacts(o.as(o.mario), "ansa"))
		wantIDs(t, `"angel" by Paolo (other desk)`, contacts(o.as(o.paolo), "angel"))
		// Names match by word prefix; what the user types is never syntax.
		wantIDs(t, `"ang luc"`, contacts(coord, "ang luc"), second.ConversationID)
		wantIDs(t, `"ngel" (not a word start)`, contacts(coord, "ngel"))
		wantIDs(t, `"%"`, contacts(coord, "%%"))
		wantIDs(t, `"__"`, contacts(coord, "__"))
		if got := contacts(coord, "100% citt"); len(got) != 1 {
			t.Errorf(`"100%% citt" finds %v, want the one contact whose name has it`, got)
		}
		if got := contacts(coord, `angel" OR "ansa`); len(got) != 0 {
			t.Errorf(`quotes and OR were read as search syntax: %v`, got)
		}
		// A single character is too little to search contacts by.
		wantIDs(t, `"a"`, contacts(coord, "a"))
	})
}

// On PostgreSQL a search first walks the newest 50,000 indexed messages,
// then, when they hold fewer hits than the page, reads every hit from the
// GIN index: a word found only beyond the newest 50,000 messages is still
// found, newest first, and a common word gives the newest page.
func TestSearchBeyondTheNewestMessages(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, store.Postgres)
	ctx := context.Background()
	o := newOffice(t, db, "ente")
	old := o.ingest(t, o.webchat, "cittadino-1", "m-old", "Segnalo una frana a Cilento")
	testdb.BulkMessages(t, db, o.ente.ID, o.webchat.ID, old.ConversationID, 52000)
	if _, err := db.WriteDB().ExecContext(ctx, `INSERT INTO message_search (message_id, ente_id, doc)
	 SELECT id, ente_id, to_tsvector('simple', 'messagg ' || id) FROM messages WHERE id > $1`, old.Message.ID); err != nil {
		t.Fatalf("index the bulk messages: %v", err)
	}
	newest := o.ingest(t, o.webchat, "cittadino-1", "m-new", "Cilento: la strada è ancora chiusa")
	got := hitIDs(t, db, o.as(o.admin), "Cilento")
	if want := []int64{newest.Message.ID, old.Message.ID}; !slices.Equal(got, want) {
		t.Errorf("Search(Cilento) = %v, want %v (the newest first, the one before 52,000 others too)", got, want)
	}
	got = hitIDs(t, db, o.as(o.admin), "messaggio")
	if len(got) != 50 || got[0] != newest.Message.ID-1 || !slices.IsSortedFunc(got, func(a, b int64) int { return int(b - a) }) {
		t.Errorf("Search(messaggio) = %d hits from %v, want the newest 50, newest first", len(got), got[:min(len(got), 3)])
	}
}
