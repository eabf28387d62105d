package meta

import (
	"errors"
	"testing"
	"time"

	"github.com/redazione/redazione"
)

// A citizen's edit of a Messenger message, an Instagram message unsent and
// comments edited or removed on the page are revisions; the page's own
// edits are not.
func TestParseRevisions(t *testing.T) {
	revs, err := ParseRevisions(readTestdata(t, "messenger_edit.json"), "page")
	if err != nil || len(revs) != 1 {
		t.Fatalf("messenger_edit.json: %+v, %v; want the citizen's edit only", revs, err)
	}
	if r := revs[0]; r.ExternalID != "m_AbCdEfGhIjKlMnOp" || r.Text != "Buongiorno, quando è la raccolta della plastica?" || r.Deleted ||
		!r.At.Equal(time.UnixMilli(1749416683000)) {
		t.Errorf("edit = %+v", r)
	}

	revs, err = ParseRevisions(readTestdata(t, "instagram_unsend.json"), "instagram")
	if err != nil || len(revs) != 1 || revs[0].ExternalID != "aWdfZAG1faXRlbTo1" || !revs[0].Deleted {
		t.Fatalf("instagram_unsend.json: %+v, %v", revs, err)
	}
	if ins, err := ParseMessaging(readTestdata(t, "instagram_unsend.json"), "instagram"); err != nil || len(ins) != 0 {
		t.Errorf("an unsent message is read as a new one: %+v, %v", ins, err)
	}

	revs, err = ParseRevisions(readTestdata(t, "page_feed_other.json"), "page")
	if err != nil || len(revs) != 2 {
		t.Fatalf("page_feed_other.json: %+v, %v; want one edit and one removal", revs, err)
	}
	if r := revs[0]; r.ExternalID != "998877665544332_1122334455" || r.Text != "Il ponte di via Roma sarà riaperto prima di Natale? Grazie" || r.Deleted {
		t.Errorf("edited comment = %+v", r)
	}
	if r := revs[1]; r.ExternalID != "998877665544332_1122334466" || !r.Deleted || !r.At.Equal(time.Unix(1749416500, 0)) {
		t.Errorf("removed comment = %+v", r)
	}
	// Plain messages carry no revision; a wrong object or a broken body is refused.
	if revs, err := ParseRevisions(readTestdata(t, "messenger_text.json"), "page"); err != nil || len(revs) != 0 {
		t.Errorf("messenger_text.json: %+v, %v", revs, err)
	}
	for body, field := range map[string]string{
		`{`:                                    "body",
		`{"object": "instagram", "entry": []}`: "object",
		`{"object": "page", "entry": [{"messaging": [{"message_edit": {"text": "x"}}]}]}`: "message_edit.mid",
	} {
		_, err := ParseRevisions([]byte(body), "page")
		var de *redazione.Error
		if !errors.As(err, &de) || de.Field != field {
			t.Errorf("%s: %v; want a refusal naming %s", body, err, field)
		}
	}
}

// The revision parser never panics, and what it accepts names a message and,
// unless a deletion, carries a text.
func FuzzParseRevisions(f *testing.F) {
	for _, n := range []string{"messenger_edit.json", "instagram_unsend.json", "page_feed_other.json", "messenger_text.json"} {
		f.Add(readTestdata(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, object := range []string{"page", "instagram"} {
			revs, err := ParseRevisions(body, object)
			if err != nil {
				continue
			}
			for _, r := range revs {
				if r.ExternalID == "" || (!r.Deleted && r.Text == "") {
					t.Fatalf("accepted %+v", r)
				}
			}
		}
	})
}
