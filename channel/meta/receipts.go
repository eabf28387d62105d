package meta

import (
	"fmt"
	"strconv"
	"time"

	"github.com/redazione/redazione"
)

// ParseWhatsAppStatuses reads the status notifications of a WhatsApp webhook
// POST (value.statuses): sent, delivered, read, or failed with Meta's reason,
// each naming the message by the id the Cloud API gave it.
func ParseWhatsAppStatuses(body []byte) ([]redazione.Receipt, error) {
	var p struct {
		envelope
		Entry []struct {
			Changes []struct {
				Field string `json:"field"`
				Value struct {
					Statuses []struct {
						ID          string `json:"id"`
						Status      string `json:"status"`
						Timestamp   string `json:"timestamp"`
						RecipientID string `json:"recipient_id"`
						Errors      []struct {
							Code      int    `json:"code"`
							Title     string `json:"title"`
							Message   string `json:"message"`
							ErrorData struct {
								Details string `json:"details"`
							} `json:"error_data"`
						} `json:"errors"`
					} `json:"statuses"`
				} `json:"value"`
			} `json:"changes"`
		} `json:"entry"`
	}
	if err := decodeHook(body, "whatsapp_business_account", &p); err != nil {
		return nil, err
	}
	var out []redazione.Receipt
	for _, e := range p.Entry {
		for _, c := range e.Changes {
			if c.Field != "messages" {
				continue
			}
			for _, s := range c.Value.Statuses {
				if s.ID == "" {
					return nil, redazione.FieldError("statuses.id", "campo obbligatorio")
				}
				r := redazione.Receipt{ExternalID: s.ID, ContactID: s.RecipientID}
				switch s.Status {
				case "delivered":
					r.State = redazione.DeliveryDelivered
				case "read":
					r.State = redazione.DeliveryRead
				case "failed":
					r.State = redazione.DeliveryFailed
					r.Reason = "WhatsApp non ha consegnato il messaggio"
					for _, e := range s.Errors {
						r.Reason = fmt.Sprintf("WhatsApp non ha consegnato il messaggio: %d %s", e.Code, e.Title)
						if e.ErrorData.Details != "" {
							r.Reason += ": " + e.ErrorData.Details
						}
					}
				default:
					continue // "sent" is known already from the Cloud API's answer
				}
				if sec, err := strconv.ParseInt(s.Timestamp, 10, 64); err == nil {
					r.At = time.Unix(sec, 0).UTC()
				}
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// ParseMessagingReceipts reads the delivery and read events of a Messenger
// (object "page") or Instagram (object "instagram") webhook POST. Messenger
// names the messages delivered (mids) and a watermark: every message sent
// before it was delivered, or read; Instagram names the message read.
func ParseMessagingReceipts(body []byte, object string) ([]redazione.Receipt, error) {
	var p struct {
		envelope
		Entry []struct {
			Messaging []struct {
				Sender struct {
					ID string `json:"id"`
				} `json:"sender"`
				Delivery *struct {
					MIDs      []string `json:"mids"`
					Watermark int64    `json:"watermark"`
				} `json:"delivery"`
				Read *struct {
					MID       string `json:"mid"`
					Watermark int64  `json:"watermark"`
				} `json:"read"`
			} `json:"messaging"`
		} `json:"entry"`
	}
	if err := decodeHook(body, object, &p); err != nil {
		return nil, err
	}
	var out []redazione.Receipt
	for _, e := range p.Entry {
		for _, ev := range e.Messaging {
			switch {
			case ev.Delivery != nil:
				for _, mid := range ev.Delivery.MIDs {
					out = append(out, redazione.Receipt{ExternalID: mid, ContactID: ev.Sender.ID, State: redazione.DeliveryDelivered})
				}
				if ev.Delivery.Watermark > 0 && ev.Sender.ID != "" {
					out = append(out, redazione.Receipt{ContactID: ev.Sender.ID, State: redazione.DeliveryDelivered, Until: time.UnixMilli(ev.Delivery.Watermark).UTC()})
				}
			case ev.Read != nil && ev.Read.MID != "":
				out = append(out, redazione.Receipt{ExternalID: ev.Read.MID, ContactID: ev.Sender.ID, State: redazione.DeliveryRead})
			case ev.Read != nil && ev.Read.Watermark > 0 && ev.Sender.ID != "":
				out = append(out, redazione.Receipt{ContactID: ev.Sender.ID, State: redazione.DeliveryRead, Until: time.UnixMilli(ev.Read.Watermark).UTC()})
			}
		}
	}
	return out, nil
}
