package store

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
)

// A post's images (migration 00054): kept in the blob store by content
// hash, in the order they go out, each with its alternative text. Saving a
// post writes its whole list again, so adding, removing, reordering and
// changing a description are one edit, checked and logged like the text.

// PostImage is one image of a post.
type PostImage struct {
	Key  string // the file in the blob store
	Name string // the file's name as uploaded
	Type string // its content type, read from the content
	Alt  string // the alternative text, for people who cannot see it
}

// MaxAltRunes bounds an image's alternative text (Mastodon's limit for a
// media description is 1500 characters).
const MaxAltRunes = 1500

// validImages checks what a post's images may be stored as, whatever the
// platform: each alternative text is then checked by the publishing checks.
func validImages(imgs []PostImage) error {
	if len(imgs) > publish.MaxGallery {
		return redazione.FieldError("image", "al massimo %d immagini per pubblicazione", publish.MaxGallery)
	}
	for i := range imgs {
		im := &imgs[i]
		im.Alt = strings.TrimSpace(im.Alt)
		if utf8.RuneCountInString(im.Alt) > MaxAltRunes || strings.ContainsRune(im.Alt, 0) || !utf8.ValidString(im.Alt) {
			return redazione.FieldError("alt_text", "testo alternativo dell'immagine %d troppo lungo (massimo %d caratteri)", i+1, MaxAltRunes)
		}
		if im.Key == "" || !publish.ImageType(im.Type) {
			return redazione.FieldError("image", "l'immagine %d deve essere JPEG, PNG, GIF o WebP", i+1)
		}
		if utf8.RuneCountInString(im.Name) > 255 || strings.ContainsRune(im.Name, 0) || !utf8.ValidString(im.Name) {
			return redazione.FieldError("image", "nome del file dell'immagine %d non valido", i+1)
		}
	}
	return nil
}

// writeImages replaces a post's images with imgs, in order, in tx.
func writeImages(ctx context.Context, tx conn, postID int64, imgs []PostImage) error {
	if _, err := tx.exec(ctx, "DELETE FROM post_images WHERE post_id = ?", postID); err != nil {
		return fmt.Errorf("post images: %w", err)
	}
	for i, im := range imgs {
		if _, err := tx.exec(ctx, "INSERT INTO post_images (post_id, position, blob_key, name, content_type, alt_text) VALUES (?, ?, ?, ?, ?, ?)",
			postID, i, im.Key, im.Name, im.Type, im.Alt); err != nil {
			return fmt.Errorf("post images: %w", err)
		}
	}
	return nil
}

// withImages reads the images of posts, in order, in one query a chunk.
func (db *DB) withImages(ctx context.Context, posts []*Post) error {
	byID := make(map[int64]*Post, len(posts))
	for _, p := range posts {
		byID[p.ID] = p
		p.Images = nil
	}
	for len(posts) > 0 {
		n := min(len(posts), 200)
		chunk := make([]any, n)
		for i, p := range posts[:n] {
			chunk[i] = p.ID
		}
		posts = posts[n:]
		type row struct {
			postID int64
			img    PostImage
		}
		rows, err := queryAll(ctx, db.reader(), func(s scanner) (row, error) {
			var r row
			err := s.Scan(&r.postID, &r.img.Key, &r.img.Name, &r.img.Type, &r.img.Alt)
			return r, err
		}, "SELECT post_id, blob_key, name, content_type, alt_text FROM post_images WHERE post_id IN ("+placeholders(n)+") ORDER BY post_id, position", chunk...)
		if err != nil {
			return fmt.Errorf("post images: %w", err)
		}
		for _, r := range rows {
			if p := byID[r.postID]; p != nil {
				p.Images = append(p.Images, r.img)
			}
		}
	}
	return nil
}

// imagesDetail is what the publication log says of a post's images: how
// many, and a fingerprint of the files and their descriptions in order, so
// that what was approved can be told from what went out.
func imagesDetail(imgs []PostImage) string {
	if len(imgs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, im := range imgs {
		fmt.Fprintf(&b, "%s\n%s\n", im.Key, im.Alt)
	}
	return fmt.Sprintf(" immagini=%d %s", len(imgs), publish.Digest(0, b.String()))
}
