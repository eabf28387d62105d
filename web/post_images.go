package web

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/publish"
	"github.com/redazione/redazione/store"
)

// A post's images on the form (docs/GALLERY.md). Without JavaScript:
// every image the post has is a row with its picture, its alternative
// text, its position and a box to take it out; below, empty rows take new
// files, each with its own alternative text. Field names:
//
//	img_alt_N, img_pos_N, img_remove_N  the post's image N (0-based, as stored)
//	image_J, alt_J                      a new image, J from 1
//	image, alt_text                     one new image (the one-image form of
//	                                    before, kept for scripts)
//	remove_image=on                     takes every image out (as before)

var _ = addCatalog(postImagesCatalog)

var postImagesCatalog = map[string][2]string{
	"post.images":          {"Immagini (facoltative: JPEG, PNG, GIF o WebP)", "Images (optional: JPEG, PNG, GIF or WebP)"},
	"post.images.max":      {"fino a %d immagini su %s", "up to %d images on %s"},
	"post.images.max1":     {"una sola immagine su %s", "one image only on %s"},
	"post.images.limits":   {"Ogni piattaforma ne accetta un numero diverso: %s. In ordine di pubblicazione.", "Each platform takes a different number: %s. In publishing order."},
	"post.images.n":        {"Immagine %d", "Image %d"},
	"post.images.new":      {"Nuova immagine %d", "New image %d"},
	"post.images.more":     {"Aggiungi altre immagini", "Add more images"},
	"post.images.full":     {"La pubblicazione ha già il massimo di immagini: togline una per aggiungerne un'altra.", "The post already has the most images: remove one to add another."},
	"post.images.alt.of":   {"Testo alternativo", "Alternative text"},
	"post.images.alt.n":    {"Testo alternativo dell'immagine %d", "Alternative text of image %d"},
	"post.images.pos.n":    {"Posizione dell'immagine %d", "Position of image %d"},
	"post.images.remove.n": {"Togli l'immagine %d", "Remove image %d"},
	"post.images.file.n":   {"File della nuova immagine %d", "File of new image %d"},
	"post.images.alt.new":  {"Testo alternativo della nuova immagine %d (obbligatorio con l'immagine)", "Alternative text of new image %d (required with the image)"},
	"post.images.alt.none": {"Manca il testo alternativo", "The alternative text is missing"},
}

// postImageRow is one image the post has, on the form or the review page.
type postImageRow struct {
	Index int // as stored, 0-based: the form's field names
	Pos   int // 1-based
	Count int // how many the post has
	Alt   string
	Name  string
	URL   string
}

// postImagesView is what the form says and offers about images.
type postImagesView struct {
	Have  []postImageRow
	First []int  // the numbers of the empty rows shown at once
	More  []int  // the rest, behind "Aggiungi altre immagini"
	Hint  string // what the chosen account takes
	// Limits says what each platform takes, when the accounts differ.
	Limits string
	// HintFor and MaxFor are each account's hint and number of images,
	// for the script that follows the choice of account (gallery.js).
	HintFor map[int64]string
	MaxFor  map[int64]int
	Full    bool
}

// imagesHint says how many images an account of kind takes.
func imagesHint(lang string, kind redazione.ChannelKind) string {
	name := translate(lang, "kind."+string(kind))
	var h string
	if n := publish.MaxImages(kind); n == 1 {
		h = fmt.Sprintf(translate(lang, "post.images.max1"), name)
	} else {
		h = fmt.Sprintf(translate(lang, "post.images.max"), n, name)
	}
	return strings.ToUpper(h[:1]) + h[1:] + "."
}

// imagesView prepares the image rows of a post's form: as many empty rows
// as the account that takes the most images leaves free, with what the
// chosen account (or the first) takes said beside the field.
func imagesView(lang string, post *store.Post, accounts []*redazione.Channel) postImagesView {
	var v postImagesView
	for i, im := range post.Images {
		v.Have = append(v.Have, postImageRow{Index: i, Pos: i + 1, Count: len(post.Images), Alt: im.Alt, Name: im.Name,
			URL: fmt.Sprintf("/pubblicazioni/%d/immagine?n=%d&v=%.12s", post.ID, i+1, im.Key)})
	}
	most := 0
	var kinds []redazione.ChannelKind
	chosen := post.ChannelKind
	v.HintFor, v.MaxFor = map[int64]string{}, map[int64]int{}
	for _, a := range accounts {
		if chosen == "" {
			chosen = a.Kind // the form checks the first
		}
		if !slices.Contains(kinds, a.Kind) {
			kinds = append(kinds, a.Kind)
		}
		most = max(most, publish.MaxImages(a.Kind))
		v.HintFor[a.ID], v.MaxFor[a.ID] = imagesHint(lang, a.Kind), publish.MaxImages(a.Kind)
	}
	if chosen != "" {
		v.Hint = imagesHint(lang, chosen)
	}
	if len(kinds) > 1 {
		var each []string
		for _, k := range kinds {
			each = append(each, fmt.Sprintf("%s %d", translate(lang, "kind."+string(k)), publish.MaxImages(k)))
		}
		v.Limits = fmt.Sprintf(translate(lang, "post.images.limits"), strings.Join(each, ", "))
	}
	free := most - len(post.Images)
	v.Full = free <= 0 && len(post.Images) > 0
	for j := 1; j <= free; j++ {
		if j == 1 {
			v.First = append(v.First, j)
		} else {
			v.More = append(v.More, j)
		}
	}
	return v
}

// postImages sets the post's images from the form: those it had, kept
// unless taken out, with their alternative text and position as changed,
// then the new files, stored in the blob store (their type read from the
// content). brought: the keys of the files this request stored, for the
// caller to remove when the post is refused.
func (s *Server) postImages(r *http.Request, u *session, post *store.Post) (brought []string, err error) {
	f := r.PostFormValue
	type kept struct {
		img      store.PostImage
		pos, idx int
	}
	var have []kept
	if post.ID != 0 && f("remove_image") != "on" {
		if old, err := s.postDB().Post(r.Context(), u.Actor, post.ID); err == nil {
			for i, im := range old.Images {
				if f(fmt.Sprintf("img_remove_%d", i)) == "on" {
					continue
				}
				if alt, ok := r.PostForm[fmt.Sprintf("img_alt_%d", i)]; ok && len(alt) > 0 {
					im.Alt = alt[0]
				}
				pos := i + 1
				if p, err := strconv.Atoi(strings.TrimSpace(f(fmt.Sprintf("img_pos_%d", i)))); err == nil {
					pos = p
				}
				have = append(have, kept{img: im, pos: pos, idx: i})
			}
		}
	}
	// By the positions asked for; where two ask for the same place, the
	// one moved there goes before the one that was there when it moved up,
	// after it when it moved down ("3 → 1" puts the third first, "1 → 3"
	// puts the first last).
	dir := func(k kept) int { return cmp.Compare(k.pos, k.idx+1) }
	slices.SortStableFunc(have, func(a, b kept) int {
		if c := cmp.Compare(a.pos, b.pos); c != 0 {
			return c
		}
		if c := cmp.Compare(dir(a), dir(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.idx, b.idx)
	})
	post.Images = post.Images[:0]
	for _, k := range have {
		post.Images = append(post.Images, k.img)
	}
	if r.MultipartForm == nil {
		return nil, nil
	}
	slots := [][2]string{{"image", "alt_text"}}
	for j := 1; j <= publish.MaxGallery; j++ {
		slots = append(slots, [2]string{fmt.Sprintf("image_%d", j), fmt.Sprintf("alt_%d", j)})
	}
	for _, slot := range slots {
		files := r.MultipartForm.File[slot[0]]
		if len(files) == 0 || files[0].Size == 0 {
			continue
		}
		if len(post.Images) >= publish.MaxGallery {
			return brought, redazione.FieldError("image", "al massimo %d immagini per pubblicazione", publish.MaxGallery)
		}
		if s.Blobs == nil {
			return brought, redazione.FieldError("image", "questo server non conserva file")
		}
		n := len(post.Images) + 1
		h := files[0]
		file, err := h.Open()
		if err != nil {
			return brought, redazione.FieldError("image", "immagine %d non leggibile", n)
		}
		b, err := s.Blobs.Put(file, s.Inbox.FileLimit())
		file.Close()
		if err != nil {
			return brought, redazione.FieldError("image", "immagine %d (%s) non conservata: %s", n, safeFileName(h.Filename), s.Inbox.TooLarge())
		}
		brought = append(brought, b.Key)
		if !publish.ImageType(b.ContentType) {
			return brought, redazione.FieldError("image", "l'immagine %d (%s) deve essere JPEG, PNG, GIF o WebP", n, safeFileName(h.Filename))
		}
		post.Images = append(post.Images, store.PostImage{Key: b.Key, Name: safeFileName(h.Filename), Type: b.ContentType, Alt: f(slot[1])})
	}
	return brought, nil
}

// forgetBrought removes the files a refused post brought, unless something
// else uses them (the blob store keeps each content once).
func (s *Server) forgetBrought(ctx context.Context, keys []string) {
	for _, k := range keys {
		if used, err := s.postDB().BlobInUse(ctx, k); err == nil && !used {
			s.Blobs.Delete(k)
		}
	}
}

// postImagePage serves a post's image (?n=, from 1) to those who see the
// post.
func (s *Server) postImagePage(w http.ResponseWriter, r *http.Request, u *session) {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if n == 0 {
		n = 1
	}
	post, err := s.postDB().Post(r.Context(), u.Actor, id)
	if err == nil && (n < 1 || n > len(post.Images) || s.Blobs == nil) {
		err = redazione.Errorf(redazione.ENOTFOUND, "immagine non trovata")
	}
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "posts"), err)
		return
	}
	im := post.Images[n-1]
	f, err := s.Blobs.Open(im.Key)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "posts"), redazione.Errorf(redazione.ENOTFOUND, "immagine non trovata"))
		return
	}
	defer f.Close()
	w.Header().Set("Content-Type", im.Type)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	io.Copy(w, f)
}
