package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/channel/email"
)

// emailReads is what the e-mail pages read (*store.DB has it).
type emailReads interface {
	EmailHTML(ctx context.Context, a redazione.Actor, conversationID, messageID int64) (string, error)
	EmailParts(ctx context.Context, enteID int64, ids []int64) (map[int64]*redazione.EmailPart, error)
	PECReceipts(ctx context.Context, enteID int64, ids []int64) (map[int64][]redazione.PECReceipt, error)
}

func (s *Server) emailDB() emailReads { return s.DB }

// emailView is what the thread shows of an e-mail: its subject, whether it
// came by PEC, whether it has an HTML version (shown in a sandboxed frame)
// with remote images held back, and, for the office's replies, the PEC
// receipts.
type emailView struct {
	Subject      string
	PEC          bool
	HTML         bool
	RemoteImages int
	Receipts     []redazione.PECReceipt
}

// receiptKeys names the label of each kind of receipt.
var receiptKeys = map[string]string{
	redazione.ReceiptAccepted:       "pec.accepted",
	redazione.ReceiptNotAccepted:    "pec.refused",
	redazione.ReceiptTakenInCharge:  "pec.taken",
	redazione.ReceiptDelivered:      "pec.delivered",
	redazione.ReceiptDeliveryError:  "pec.failed",
	redazione.ReceiptDeliveryNotice: "pec.delayed",
	redazione.ReceiptVirus:          "pec.virus",
}

func receiptLabel(lang, kind string) string {
	if key, ok := receiptKeys[kind]; ok {
		return translate(lang, key)
	}
	return kind
}

// loadEmail fills v.Email for the messages of an e-mail conversation.
func (s *Server) loadEmail(r *http.Request, enteID int64, v *conversationView) error {
	if v.Conversation.ChannelKind != redazione.ChannelEmail || len(v.Messages) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(v.Messages))
	for _, m := range v.Messages {
		ids = append(ids, m.ID)
	}
	parts, err := s.emailDB().EmailParts(r.Context(), enteID, ids)
	if err != nil {
		return err
	}
	receipts, err := s.emailDB().PECReceipts(r.Context(), enteID, ids)
	if err != nil {
		return err
	}
	v.Email = map[int64]*emailView{}
	for _, id := range ids {
		p, rs := parts[id], receipts[id]
		if p == nil && rs == nil {
			continue
		}
		ev := &emailView{Receipts: rs}
		if p != nil {
			ev.Subject, ev.PEC, ev.HTML = p.Subject, p.PEC, p.HTML != ""
			if ev.HTML {
				_, ev.RemoteImages = email.BlockRemoteImages(p.HTML)
			}
		}
		v.Email[id] = ev
	}
	v.ShowImages, _ = strconv.ParseInt(r.URL.Query().Get("images"), 10, 64)
	return nil
}

// emailPage is the document shown in a message's frame.
var emailPage = template.Must(template.New("mail").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><title>{{.Title}}</title>
<style>body{font-family:"Titillium Web",Geneva,Tahoma,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a;margin:0;padding:.5rem;overflow-wrap:anywhere}img{max-width:100%;height:auto}table{max-width:100%}img[data-remote-image]{display:inline-block;min-width:2rem;min-height:1rem;border:1px dashed #767676}</style>
</head><body>{{.Body}}</body></html>`))

// emailHTML serves the sanitised HTML of one e-mail, for the frame of the
// thread. Its own Content-Security-Policy runs no script and loads nothing
// but inline images, unless the operator asked for this message's remote
// images (images=1); the frame is sandboxed too.
func (s *Server) emailHTML(w http.ResponseWriter, r *http.Request, u *session) {
	mid, _ := strconv.ParseInt(r.PathValue("mid"), 10, 64)
	body, err := s.emailDB().EmailHTML(r.Context(), u.Actor, s.convID(r), mid)
	if err != nil {
		s.fail(w, r, s.page(r, u, "", "inbox"), err)
		return
	}
	images := r.URL.Query().Get("images") == "1"
	img := "data:"
	if !images {
		body, _ = email.BlockRemoteImages(body)
	} else {
		img += " https: http:"
	}
	h := w.Header()
	h.Set("Content-Security-Policy", fmt.Sprintf("default-src 'none'; style-src 'unsafe-inline'; img-src %s; frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-same-origin allow-popups allow-popups-to-escape-sandbox", img))
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Type", "text/html; charset=utf-8")
	lang := langOf(r)
	emailPage.Execute(w, map[string]any{"Lang": lang, "Title": translate(lang, "email.html"),
		// sanitised when it arrived (email.Sanitize), remote images taken out above
		"Body": template.HTML(body)})
}
