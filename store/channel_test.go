package store_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestEnteAndDesks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		desks, err := db.Desks(ctx, o.ente.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range desks {
			if d.Slug != redazione.DefaultDesks[i].Slug || d.Name != redazione.DefaultDesks[i].Name || d.EnteID != o.ente.ID {
				t.Errorf("desk %d = %+v, want %+v", i, d, redazione.DefaultDesks[i])
			}
		}
		_, err = db.CreateEnte(ctx, "roma", "Un altro Comune di Roma")
		wantCode(t, err, redazione.ECONFLICT)
		_, err = db.CreateEnte(ctx, "", "Senza codice")
		wantCode(t, err, redazione.EINVALID)
		if es, _ := db.Entes(ctx); len(es) != 1 {
			t.Errorf("enti = %+v, want only roma", es)
		}
		e, err := db.EnteBySlug(ctx, "roma")
		if err != nil || e.ID != o.ente.ID || e.Name != "Comune di roma" {
			t.Errorf("EnteBySlug = %+v, %v", e, err)
		}
		_, err = db.EnteBySlug(ctx, "napoli")
		wantCode(t, err, redazione.ENOTFOUND)

		// Desks are renamable by administrators, and stay found by slug.
		id := o.desks["contatti"].ID
		wantCode(t, db.RenameDesk(ctx, o.as(o.coord), id, "URP"), redazione.EFORBIDDEN)
		wantCode(t, db.RenameDesk(ctx, o.as(o.admin), id, ""), redazione.EINVALID)
		if err := db.RenameDesk(ctx, o.as(o.admin), id, "URP e social"); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"contatti", "URP e social"} {
			if d, err := db.DeskBySlug(ctx, o.ente.ID, key); err != nil || d.ID != id || d.Name != "URP e social" {
				t.Errorf("DeskBySlug(%q) = %+v, %v", key, d, err)
			}
		}
		c := o.ingest(t, o.webchat, "v1", "m1", "ciao").ConversationID
		if conv, _ := db.Conversation(ctx, o.as(o.mario), c); conv == nil || conv.DeskName != "URP e social" {
			t.Errorf("conversation shows desk %+v, want the new name", conv)
		}
	})
}

func TestChannels(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "roma")
		admin := o.as(o.admin)

		def := &redazione.Channel{Kind: redazione.ChannelAPI, Name: "  Segnalazioni  ", Secret: "s", CallbackURL: "https://gw.example.it/hook"}
		if err := db.CreateChannel(ctx, admin, def); err != nil {
			t.Fatal(err)
		}
		got, err := db.Channel(ctx, def.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Segnalazioni" || got.DeskID != o.desks["contatti"].ID || got.EnteID != o.ente.ID || got.Secret != "s" ||
			got.CallbackURL != "https://gw.example.it/hook" || got.Kind != redazione.ChannelAPI || got.Disabled {
			t.Errorf("channel = %+v, want it on the first desk", got)
		}

		n := count(t, db, "channels")
		for name, c := range map[string]*redazione.Channel{
			"unknown kind": {Kind: "fax", Name: "Fax", Secret: "s"},
			"no name":      {Kind: redazione.ChannelAPI, Name: "  ", Secret: "s"},
			"no secret":    {Kind: redazione.ChannelAPI, Name: "X"},
			"bad callback": {Kind: redazione.ChannelAPI, Name: "X", Secret: "s", CallbackURL: "file:///etc/passwd"},
			"relative URL": {Kind: redazione.ChannelAPI, Name: "X", Secret: "s", CallbackURL: "/hook"},
			"missing desk": {Kind: redazione.ChannelAPI, Name: "X", Secret: "s", DeskID: 999999},
		} {
			if err := db.CreateChannel(ctx, admin, c); redazione.ErrorCode(err) != redazione.EINVALID {
				t.Errorf("%s: error %v, want %s", name, err, redazione.EINVALID)
			}
		}
		wantCode(t, db.CreateChannel(ctx, o.as(o.coord), &redazione.Channel{Kind: redazione.ChannelAPI, Name: "X", Secret: "s"}), redazione.EFORBIDDEN)
		if m := count(t, db, "channels"); m != n {
			t.Errorf("refused channels stored: %d rows, want %d", m, n)
		}

		// Updating routes new conversations to the new desk.
		got.Name, got.DeskID, got.Disabled = "Segnalazioni stradali", o.desks["notizie"].ID, true
		if err := db.UpdateChannel(ctx, admin, got); err != nil {
			t.Fatal(err)
		}
		upd, _ := db.Channel(ctx, def.ID)
		if upd.Name != "Segnalazioni stradali" || upd.DeskID != o.desks["notizie"].ID || !upd.Disabled {
			t.Errorf("updated channel = %+v", upd)
		}
		if res := o.ingest(t, upd, "c1", "x1", "buca"); res.DeskID != o.desks["notizie"].ID {
			t.Errorf("new conversation on desk %d, want the channel's new desk", res.DeskID)
		}
		// Bad updates are refused and change nothing.
		for name, c := range map[string]redazione.Channel{
			"no name":      {ID: upd.ID, Name: " ", DeskID: upd.DeskID},
			"bad callback": {ID: upd.ID, Name: "X", DeskID: upd.DeskID, CallbackURL: "javascript:alert(1)"},
			"missing desk": {ID: upd.ID, Name: "X", DeskID: 999999},
		} {
			if err := db.UpdateChannel(ctx, admin, &c); err == nil {
				t.Errorf("%s: update accepted", name)
			}
		}
		wantCode(t, db.UpdateChannel(ctx, o.as(o.coord), upd), redazione.EFORBIDDEN)
		if now, _ := db.Channel(ctx, def.ID); !reflect.DeepEqual(now, upd) {
			t.Errorf("after refused updates channel = %+v, want %+v", now, upd)
		}
	})
}
