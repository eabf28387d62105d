package store

import (
	"context"
	"fmt"

	"github.com/redazione/redazione"
)

// receiptFrom are the states a receipt may move a reply from: receipts come
// in any order, and a reply read is not made "delivered" again; a device
// that got it overrides an earlier failure.
var receiptFrom = map[redazione.Delivery]string{
	redazione.DeliveryDelivered: "'sent', 'failed'",
	redazione.DeliveryRead:      "'sent', 'delivered', 'failed'",
	redazione.DeliveryFailed:    "'sent'",
}

// Receipted is a reply whose delivery state a receipt changed.
type Receipted struct {
	MessageID, ConversationID int64
}

// ApplyReceipt records a receipt on the channel's replies it names and
// returns those it changed (none for an unknown id or a receipt come late).
func (db *DB) ApplyReceipt(ctx context.Context, ch *redazione.Channel, r redazione.Receipt) ([]Receipted, error) {
	from, ok := receiptFrom[r.State]
	if !ok {
		return nil, redazione.FieldError("status", "stato di consegna sconosciuto")
	}
	if len(r.ExternalID) > 255 || len(r.ContactID) > 255 || (r.ExternalID == "" && (r.Until.IsZero() || r.ContactID == "")) {
		return nil, redazione.FieldError("id", "ricevuta senza un messaggio riconoscibile")
	}
	if len(r.Reason) > 500 {
		r.Reason = r.Reason[:500]
	}
	q := "UPDATE messages SET delivery = ?, delivery_error = ? WHERE channel_id = ? AND direction = 'out' AND delivery IN (" + from + ")"
	args := []any{string(r.State), r.Reason, ch.ID}
	if r.ExternalID != "" {
		q += " AND external_id = ?"
		args = append(args, r.ExternalID)
	} else {
		q += ` AND sent_at <= ? AND conversation_id IN (SELECT cv.id FROM conversations cv JOIN contacts ct ON ct.id = cv.contact_id
		 WHERE ct.channel_id = ? AND ct.external_id = ?)`
		args = append(args, ms(r.Until), ch.ID, r.ContactID)
	}
	rows, err := conn{db: db, q: db.write}.query(ctx, q+" RETURNING id, conversation_id", args...)
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	defer rows.Close()
	var out []Receipted
	for rows.Next() {
		var c Receipted
		if err := rows.Scan(&c.MessageID, &c.ConversationID); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
