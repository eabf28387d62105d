package meta

import (
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
)

func TestParseWhatsAppStatuses(t *testing.T) {
	rs, err := ParseWhatsAppStatuses(read(t, "status.json"))
	if err != nil || len(rs) != 1 || rs[0].ExternalID != "wamid.SENT0001" || rs[0].State != redazione.DeliveryDelivered ||
		!rs[0].At.Equal(time.Unix(1749416500, 0)) {
		t.Fatalf("delivered: %+v, %v", rs, err)
	}
	rs, err = ParseWhatsAppStatuses(read(t, "wa_status_read.json"))
	if err != nil || len(rs) != 1 || rs[0].State != redazione.DeliveryRead {
		t.Fatalf("read: %+v, %v", rs, err)
	}
	rs, err = ParseWhatsAppStatuses(read(t, "wa_status_failed.json"))
	if err != nil || len(rs) != 1 || rs[0].State != redazione.DeliveryFailed ||
		!strings.Contains(rs[0].Reason, "131047 Re-engagement message: Message failed to send because more than 24 hours") {
		t.Fatalf("failed: %+v, %v", rs, err)
	}
	// a citizen's message carries no receipt
	if rs, err := ParseWhatsAppStatuses(read(t, "text.json")); err != nil || len(rs) != 0 {
		t.Fatalf("text message: %+v, %v", rs, err)
	}
	for _, bad := range []string{`{`, `{"object": "page"}`,
		`{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": {"statuses": [{"status": "read"}]}}]}]}`} {
		if _, err := ParseWhatsAppStatuses([]byte(bad)); redazione.ErrorCode(err) != redazione.EINVALID {
			t.Errorf("%s: %v, want invalid", bad, err)
		}
	}
}

func TestParseMessagingReceipts(t *testing.T) {
	rs, err := ParseMessagingReceipts(read(t, "messenger_receipts.json"), "page")
	if err != nil {
		t.Fatal(err)
	}
	want := []redazione.Receipt{
		{ExternalID: "m_Reply0001", ContactID: "6543210987654321", State: redazione.DeliveryDelivered},
		{ContactID: "6543210987654321", State: redazione.DeliveryDelivered, Until: time.UnixMilli(1749416800000).UTC()},
		{ContactID: "6543210987654321", State: redazione.DeliveryRead, Until: time.UnixMilli(1749416850000).UTC()},
	}
	if len(rs) != len(want) {
		t.Fatalf("receipts = %+v", rs)
	}
	for i := range want {
		if rs[i] != want[i] {
			t.Errorf("receipt %d = %+v, want %+v", i, rs[i], want[i])
		}
	}
	rs, err = ParseMessagingReceipts(read(t, "instagram_read.json"), "instagram")
	if err != nil || len(rs) != 1 || rs[0].State != redazione.DeliveryRead || !strings.HasPrefix(rs[0].ExternalID, "aWdf") {
		t.Fatalf("Instagram read: %+v, %v", rs, err)
	}
	if _, err := ParseMessagingReceipts(read(t, "instagram_read.json"), "page"); err == nil {
		t.Error("an Instagram payload on a Messenger channel was accepted")
	}
	if rs, err := ParseMessagingReceipts(read(t, "messenger_text.json"), "page"); err != nil || len(rs) != 0 {
		t.Fatalf("text message: %+v, %v", rs, err)
	}
}

func FuzzParseReceipts(f *testing.F) {
	for _, n := range []string{"status.json", "wa_status_failed.json", "messenger_receipts.json", "instagram_read.json"} {
		f.Add(read(f, n))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		check := func(rs []redazione.Receipt, err error) {
			if err != nil && len(rs) != 0 {
				t.Fatal("an error with receipts: a partial result could be applied")
			}
			for _, r := range rs {
				if r.ExternalID == "" && (r.Until.IsZero() || r.ContactID == "") {
					t.Fatalf("a receipt naming no message: %+v", r)
				}
			}
		}
		check(ParseWhatsAppStatuses(body))
		check(ParseMessagingReceipts(body, "page"))
		check(ParseMessagingReceipts(body, "instagram"))
	})
}
