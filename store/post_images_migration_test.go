package store

import (
	"context"
	"testing"
)

// Migration 00054 moves the one image a post had (00028) into post_images,
// as its first, with its alternative text; the posts read it back.
func TestPostImagesMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, w, p := unmigratedSQLite(t)
	if _, err := p.UpTo(ctx, 53); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"PRAGMA foreign_keys = OFF", // a post of an older installation, without its ente and account
		`INSERT INTO posts (id, ente_id, desk_id, channel_id, text, status, created_by, created_at, updated_at, image_key, image_name, image_type, alt_text)
		 VALUES (5, 1, 1, 1, 'La piazza', 'published', 1, 1, 1, 'k1', 'piazza.png', 'image/png', 'La piazza con le panchine'),
		        (6, 1, 1, 1, 'Solo testo', 'draft', 1, 1, 1, '', '', '', '')`,
		"PRAGMA foreign_keys = ON",
	} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	posts := []*Post{{ID: 5}, {ID: 6}}
	if err := db.withImages(ctx, posts); err != nil {
		t.Fatal(err)
	}
	if want := (PostImage{Key: "k1", Name: "piazza.png", Type: "image/png", Alt: "La piazza con le panchine"}); len(posts[0].Images) != 1 || posts[0].Images[0] != want {
		t.Errorf("the old image after the migration: %+v", posts[0].Images)
	}
	if len(posts[1].Images) != 0 {
		t.Errorf("a post without image got %+v", posts[1].Images)
	}
	if used, err := blobInUse(ctx, db.reader(), "k1"); err != nil || !used {
		t.Errorf("the old image's file is not seen as in use: %v", err)
	}
}
