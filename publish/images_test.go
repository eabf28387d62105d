package publish

import (
	"strings"
	"testing"

	"github.com/redazione/redazione"
)

func TestMaxImages(t *testing.T) {
	t.Parallel()
	for kind, want := range map[redazione.ChannelKind]int{
		redazione.ChannelMastodon: 4, redazione.ChannelBluesky: 4, redazione.ChannelX: 4,
		redazione.ChannelTelegram: 10, redazione.ChannelInstagram: 10, redazione.ChannelMessenger: 1, redazione.ChannelEmail: 0,
	} {
		if got := MaxImages(kind); got != want || got > MaxGallery {
			t.Errorf("MaxImages(%s) = %d, want %d", kind, got, want)
		}
	}
}

// More images than the platform takes block the post; each image needs its
// alternative text, and with several the finding says which one.
func TestCheckImages(t *testing.T) {
	t.Parallel()
	alt := ImageAlt{Name: "piazza.png", Alt: "La piazza del Municipio con le nuove panchine"}
	if fs := CheckImages(redazione.ChannelMastodon, []ImageAlt{alt, alt, alt, alt}); len(fs) != 0 {
		t.Errorf("four described images on Mastodon: %v", fs)
	}
	fs := CheckImages(redazione.ChannelBluesky, []ImageAlt{alt, alt, {Name: "x.png"}, alt, alt})
	var msgs []string
	for _, f := range fs {
		if f.Level != Block {
			t.Errorf("%q is not a block", f.Message)
		}
		msgs = append(msgs, f.Message)
	}
	got := strings.Join(msgs, "|")
	if got != "la pubblicazione ha 5 immagini: su Bluesky se ne pubblicano al massimo 4|immagine 3: l'immagine non ha il testo alternativo: descrivila per chi non la vede" {
		t.Errorf("findings: %q", got)
	}
	if fs := CheckImages(redazione.ChannelMessenger, []ImageAlt{alt, alt}); len(fs) != 1 || !strings.Contains(fs[0].Message, "se ne pubblica una sola") {
		t.Errorf("two images on Facebook: %v", fs)
	}
	if fs := CheckImages(redazione.ChannelMessenger, []ImageAlt{{Name: "a.png", Alt: "a.png"}}); len(fs) != 1 || strings.HasPrefix(fs[0].Message, "immagine 1") {
		t.Errorf("one image named by its file: %v", fs)
	}
}
