package apichannel

import (
	"strconv"
	"testing"
	"time"

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

// A request signed with its time is accepted within five minutes and
// refused after (a replay), or when its time was changed; a channel can
// require the time; the body-only signature keeps working where it is not
// required.
func TestVerifyRequestWithTimestamp(t *testing.T) {
	t.Parallel()
	const secret = "segreto-del-canale"
	body := []byte(`{"external_id":"e1","contact":{"external_id":"c1"},"text":"Buongiorno"}`)
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	ts := func(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }
	signed := SignAt(secret, now, body)
	for name, c := range map[string]struct {
		sig, ts string
		require bool
		at      time.Time
		ok      bool
	}{
		"signed with its time":            {signed, ts(now), false, now, true},
		"four minutes later":              {signed, ts(now), false, now.Add(4 * time.Minute), true},
		"six minutes later (a replay)":    {signed, ts(now), false, now.Add(6 * time.Minute), false},
		"from the future":                 {SignAt(secret, now.Add(10*time.Minute), body), ts(now.Add(10 * time.Minute)), false, now, false},
		"time changed after signing":      {signed, ts(now.Add(time.Minute)), false, now, false},
		"body-only signature, time given": {Sign(secret, body), ts(now), false, now, false},
		"body-only signature":             {Sign(secret, body), "", false, now, true},
		"body-only, time required":        {Sign(secret, body), "", true, now, false},
		"time required and given":         {signed, ts(now), true, now, true},
		"not a number":                    {signed, "ieri", false, now, false},
	} {
		err := VerifyRequest(secret, body, c.sig, c.ts, c.require, c.at)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", name, err)
		}
		if err != nil && redazione.ErrorCode(err) != redazione.EUNAUTHORIZED {
			t.Errorf("%s: code %s", name, redazione.ErrorCode(err))
		}
	}
}
