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

// A post to an Instagram account without an image, or with an image that
// is not JPEG, is stopped by the checks with the reason; with a JPEG it
// goes on its way. Keyed hashes depend on their purpose.
func TestInstagramPostChecks(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		o := newOffice(t, db, "alfa")
		o.account(t, "seal", false) // sets the sealer
		ig := &redazione.Channel{Kind: redazione.ChannelInstagram, Name: "@comune", DeskID: o.desks["campagne"].ID, Secret: "s-ig",
			Settings: map[string]string{"page_id": "1", "token": "t", "app_secret": "a", "verify_token": "v"}}
		if err := db.CreateChannel(ctx, o.as(o.admin), ig); err != nil {
			t.Fatal(err)
		}
		writer := o.as(o.coord)
		submit := func(p *store.Post) error {
			p.DeskID, p.ChannelID = o.desks["campagne"].ID, ig.ID
			if err := db.SavePost(ctx, writer, p); err != nil {
				t.Fatal(err)
			}
			_, err := db.SubmitPost(ctx, writer, p.ID, true)
			return err
		}
		var ec *store.ErrChecks
		if err := submit(&store.Post{Text: "Solo testo"}); !errors.As(err, &ec) || !ec.Blocked || !strings.Contains(ec.Findings[0].Message, "Instagram pubblica solo post con almeno un'immagine") {
			t.Errorf("text only: %v", err)
		}
		png := &store.Post{Text: "Una mappa", Images: []store.PostImage{{Key: strings.Repeat("a", 64), Name: "mappa.png", Type: "image/png", Alt: "La mappa dei cantieri del centro"}}}
		if err := submit(png); !errors.As(err, &ec) || !strings.Contains(ec.Error()+ec.Findings[0].Message, "JPEG") {
			t.Errorf("a PNG: %v", err)
		}
		jpg := &store.Post{Text: "Una foto", Images: []store.PostImage{{Key: strings.Repeat("b", 64), Name: "foto.jpg", Type: "image/jpeg", Alt: "La piazza rinnovata con le panchine"}}}
		if err := submit(jpg); err != nil {
			t.Errorf("a JPEG: %v", err)
		}
		a, _ := db.KeyedHash("public-image", "x")
		b, _ := db.KeyedHash("other", "x")
		if a == "" || a == b {
			t.Errorf("keyed hashes %q %q", a, b)
		}
	})
}
