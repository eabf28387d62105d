package apichannel

import (
	"testing"

	"github.com/redazione/redazione"
)

// FuzzParse: any body gets either a message the store accepts or an error
// naming the field; never a panic, never both.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"external_id": "m-1", "contact": {"external_id": "c-1", "name": "Lucia"}, "text": "Buongiorno", "sent_at": "2026-11-23T10:00:00Z"}`))
	f.Add([]byte(`{"external_id": "m-1", "contact": {"external_id": "c-1"}, "text": "", "sent_at": "2026-11-23T10:00:00Z", "public": true}`))
	f.Add([]byte(`{"contact": null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := Parse(body)
		if err != nil {
			if redazione.ErrorCode(err) != redazione.EINVALID {
				t.Fatalf("error %v is not a field error", err)
			}
			return
		}
		if err := in.Validate(); err != nil {
			t.Fatalf("accepted a message the store refuses: %+v: %v", in, err)
		}
		if in.ExternalID == "" {
			t.Fatalf("accepted a message without external_id: %+v", in)
		}
	})
}
