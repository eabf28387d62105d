package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func imageKey(c string) string { return strings.Repeat(c, 64) }

func gallery(keys ...string) []store.PostImage {
	var out []store.PostImage
	for i, k := range keys {
		out = append(out, store.PostImage{Key: imageKey(k), Name: k + ".png", Type: "image/png",
			Alt: "Fotografia numero " + string(rune('1'+i)) + " della piazza del Municipio"})
	}
	return out
}

func keysOf(p *store.Post) string {
	var b strings.Builder
	for _, im := range p.Images {
		b.WriteString(im.Key[:1])
	}
	return b.String()
}

// A post keeps its images in the order given; an edit adds, removes,
// reorders them and changes their alternative texts, and the list and the
// single post read the same.
func TestPostImagesOrderAndEdit(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		acc := o.account(t, "Mastodon del Comune", false)
		w := o.as(o.coord)
		p := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "La piazza rinnovata", Images: gallery("c", "a", "b")}
		if err := db.SavePost(ctx, w, p); err != nil {
			t.Fatal(err)
		}
		got, err := db.Post(ctx, w, p.ID)
		if err != nil || keysOf(got) != "cab" {
			t.Fatalf("images read back %q (%v), want c, a, b in order", keysOf(got), err)
		}
		if got.Images[0].Name != "c.png" || got.Images[0].Type != "image/png" || !strings.Contains(got.Images[1].Alt, "numero 2") {
			t.Errorf("first image read back as %+v", got.Images[0])
		}
		// Edit: the last goes first, the middle one is taken out, a new one is added, a description changes.
		got.Images = []store.PostImage{got.Images[2], got.Images[0], gallery("d")[0]}
		got.Images[1].Alt = "  La fontana della piazza, restaurata  "
		if err := db.SavePost(ctx, w, got); err != nil {
			t.Fatal(err)
		}
		again, _ := db.Post(ctx, w, p.ID)
		if keysOf(again) != "bcd" || again.Images[1].Alt != "La fontana della piazza, restaurata" {
			t.Errorf("after the edit: %q, %q", keysOf(again), again.Images[1].Alt)
		}
		list, err := db.Posts(ctx, w, t0.AddDate(0, -1, 0), t0.AddDate(0, 1, 0))
		if err != nil || len(list) != 1 || keysOf(list[0]) != "bcd" {
			t.Errorf("the list reads %v, %v", list, err)
		}
		// All taken out.
		again.Images = nil
		if err := db.SavePost(ctx, w, again); err != nil {
			t.Fatal(err)
		}
		if none, _ := db.Post(ctx, w, p.ID); len(none.Images) != 0 {
			t.Errorf("images left: %q", keysOf(none))
		}
	})
}

// More images than the platform takes, or one without its alternative
// text, stop the post with a finding that says which; more than any
// platform takes, or a file that is not an image, is refused at once.
func TestPostImagesChecks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		useClock(db, t0)
		o := newOffice(t, db, "roma")
		acc := o.account(t, "Mastodon del Comune", false)
		w := o.as(o.coord)
		p := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "La piazza rinnovata", Images: gallery("a", "b", "c", "d", "e")}
		p.Images[2].Alt = ""
		if err := db.SavePost(ctx, w, p); err != nil {
			t.Fatal(err)
		}
		_, err := db.SubmitPost(ctx, w, p.ID, true)
		var ec *store.ErrChecks
		if !errors.As(err, &ec) || !ec.Blocked {
			t.Fatalf("five images on Mastodon, one without description: %v", err)
		}
		var msgs []string
		for _, f := range ec.Findings {
			msgs = append(msgs, f.Message)
		}
		all := strings.Join(msgs, "\n")
		for _, want := range []string{"5 immagini: su Mastodon se ne pubblicano al massimo 4", "immagine 3: l'immagine non ha il testo alternativo"} {
			if !strings.Contains(all, want) {
				t.Errorf("findings %q lack %q", all, want)
			}
		}
		four := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "Quattro foto della piazza", Images: gallery("a", "b", "c", "d")}
		if err := db.SavePost(ctx, w, four); err != nil {
			t.Fatal(err)
		}
		if s, err := db.SubmitPost(ctx, w, four.ID, true); err != nil || s.Status != store.PostScheduled {
			t.Errorf("four described images on Mastodon: %v", err)
		}
		eleven := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "Troppe", Images: gallery("a", "b", "c", "d", "e", "f", "0", "1", "2", "3", "4")}
		if err := db.SavePost(ctx, w, eleven); redazione.ErrorCode(err) != redazione.EINVALID || !strings.Contains(err.Error(), "al massimo 10 immagini") {
			t.Errorf("eleven images: %v", err)
		}
		bad := &store.Post{DeskID: o.desks["campagne"].ID, ChannelID: acc.ID, Text: "Un documento", Images: gallery("a")}
		bad.Images[0].Type = "application/pdf"
		if err := db.SavePost(ctx, w, bad); err == nil || !strings.Contains(err.Error(), "JPEG, PNG, GIF o WebP") {
			t.Errorf("a PDF as image: %v", err)
		}
	})
}
