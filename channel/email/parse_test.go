package email

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/channel"
	"github.com/redazione/redazione/channel/email/mailtest"
)

// sample reads a message of testdata (mailtest.Message).
func sample(t testing.TB, name string, vars ...string) []byte {
	return mailtest.Message(t, "testdata/"+name, vars...)
}

func TestParsePlain(t *testing.T) {
	m, err := Parse(sample(t, "citizen_plain.eml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageID != "20261119091244.4f2a@mail.example.org" || m.From != "lucia.bianchi@example.org" || m.FromName != "Lucia Bianchi" ||
		m.Subject != "Buca in via Roma" || !strings.Contains(m.Text, "c'è una buca pericolosa") || m.HTML != "" || m.Date.IsZero() {
		t.Fatalf("%+v", m)
	}
	in, err := m.Inbound()
	if err != nil || in.ContactID != "lucia.bianchi@example.org" || in.ExternalID != m.MessageID || in.Email.Subject != "Buca in via Roma" {
		t.Fatalf("%+v %v", in, err)
	}
}

// Encoded headers (RFC 2047, ISO-8859-1), a quoted-printable ISO-8859-1
// HTML body without a plain part: decoded to UTF-8, the HTML made text, and
// the HTML kept without anything that runs or loads.
func TestParseLatin1HTML(t *testing.T) {
	m, err := Parse(sample(t, "citizen_latin1_html.eml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if m.FromName != "Nicolò Rossi" || m.Subject != "Richiesta certificato di residenza è urgente" {
		t.Fatalf("headers: %q %q", m.FromName, m.Subject)
	}
	if !strings.Contains(m.Text, "perché mi serve il certificato di residenza entro venerdì") || strings.Contains(m.Text, "rubo") ||
		strings.Contains(m.Text, "<") || !strings.Contains(m.Text, "Nicolò Rossi") {
		t.Fatalf("text: %q", m.Text)
	}
	for _, bad := range []string{"<script", "rubo la sessione", "onload", "onerror", "javascript:", "<iframe", "<form", "<style", "url(", "background-image", "tracker.example.com/css", "tracker.example.com/bg"} {
		if strings.Contains(m.HTML, bad) {
			t.Errorf("sanitised HTML holds %q:\n%s", bad, m.HTML)
		}
	}
	for _, good := range []string{"perché", `href="https://www.comune.example.it/modulo"`, `rel="nofollow noreferrer noopener"`, `target="_blank"`, "color: red"} {
		if !strings.Contains(m.HTML, good) {
			t.Errorf("sanitised HTML lost %q:\n%s", good, m.HTML)
		}
	}
	blocked, n := BlockRemoteImages(m.HTML)
	if n != 1 || strings.Contains(blocked, "tracker.example.com") || !strings.Contains(blocked, `alt="logo dello studio"`) {
		t.Fatalf("%d remote images, %s", n, blocked)
	}
}

func TestParseAlternative(t *testing.T) {
	m, err := Parse(sample(t, "citizen_alternative.eml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject != "Orari dell'ufficio anagrafe – sabato" || m.FromName != "Conti, Giulia" {
		t.Fatalf("headers: %q %q", m.Subject, m.FromName)
	}
	if m.Text != "Buongiorno,\nl'ufficio anagrafe è aperto anche il sabato mattina?\n\nGiulia Conti" {
		t.Fatalf("the plain part is the text: %q", m.Text)
	}
	if !strings.Contains(m.HTML, "<b>sabato</b>") {
		t.Fatalf("html: %q", m.HTML)
	}
}

// Without a Message-ID, the same bytes get the same id, so a repeat is
// known; different bytes, another one.
func TestParseNoMessageID(t *testing.T) {
	raw := sample(t, "citizen_no_message_id.eml")
	a, err := Parse(raw, false)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Parse(raw, false)
	c, _ := Parse(append(raw, "altro\r\n"...), false)
	if a.MessageID == "" || a.MessageID != b.MessageID || a.MessageID == c.MessageID {
		t.Fatalf("%q %q %q", a.MessageID, b.MessageID, c.MessageID)
	}
}

// A PEC transport envelope is unwrapped: the citizen's message is
// postacert.eml. On a mailbox that is not PEC, the same message is an
// ordinary e-mail from the provider.
func TestParsePECEnvelope(t *testing.T) {
	m, err := Parse(sample(t, "pec_envelope.eml"), true)
	if err != nil {
		t.Fatal(err)
	}
	if !m.PEC || m.From != "mario.verdi@pec.example.it" || m.FromName != "Mario Verdi" || m.Subject != "Istanza di accesso civico" ||
		m.MessageID != "A1B2C3D4.5566@pec.example.it" || !strings.Contains(m.Text, "d.lgs. 33/2013") || strings.Contains(m.Text, "Messaggio di posta certificata") {
		t.Fatalf("%+v", m)
	}
	plain, err := Parse(sample(t, "pec_envelope.eml"), false)
	if err != nil || plain.PEC || plain.From != "posta-certificata@pec.gestore.example" {
		t.Fatalf("%+v %v", plain, err)
	}
}

func TestParsePECReceipts(t *testing.T) {
	for _, c := range []struct {
		file, kind, reason string
	}{
		{"pec_accettazione.eml", redazione.ReceiptAccepted, ""},
		{"pec_consegna.eml", redazione.ReceiptDelivered, ""},
		// no X-Riferimento-Message-ID: the msgid of daticert.xml
		{"pec_errore_consegna.eml", redazione.ReceiptDeliveryError, "5.1.1 - Utente non riconosciuto"},
	} {
		m, err := Parse(sample(t, c.file, "{{MSGID}}", "redazione.1.2.3@pec.comune.example.it"), true)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		r := m.Receipt
		if r == nil || r.Kind != c.kind || r.Refers != "redazione.1.2.3@pec.comune.example.it" || r.Reason != c.reason || r.ExternalID == "" || r.At.IsZero() {
			t.Fatalf("%s: %+v", c.file, r)
		}
	}
	// a receipt about nothing is refused
	raw := sample(t, "pec_errore_consegna.eml", "&lt;{{MSGID}}&gt;", "")
	if _, err := Parse(raw, true); err == nil {
		t.Fatal("a receipt without a reference was accepted")
	}
}

// A receipt whose daticert.xml is missing or cannot be read (a provider
// that cut it short) is still linked to its message by the header
// X-Riferimento-Message-ID; with neither, it is refused.
func TestParsePECReceiptByHeader(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ file, kind, id string }{
		{"pec_consegna_daticert_illeggibile.eml", redazione.ReceiptDelivered, "opec-cons-0003@pec.gestore-comune.example"},
		{"pec_accettazione_senza_daticert.eml", redazione.ReceiptAccepted, "opec-acc-0004@pec.gestore-comune.example"},
	} {
		m, err := Parse(sample(t, c.file, "{{MSGID}}", "redazione.7.8.9@pec.comune.example.it"), true)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if r := m.Receipt; r == nil || r.Kind != c.kind || r.Refers != "redazione.7.8.9@pec.comune.example.it" || r.ExternalID != c.id || r.Reason != "" {
			t.Fatalf("%s: %+v", c.file, m.Receipt)
		}
	}
	// no header and an unreadable daticert.xml: refused, saying why
	raw := sample(t, "pec_consegna_daticert_illeggibile.eml", "X-Riferimento-Message-ID: <{{MSGID}}>\r\n", "")
	if _, err := Parse(raw, true); err == nil || !strings.Contains(redazione.ErrorMessage(err), "daticert.xml illeggibile") {
		t.Fatalf("accepted, or refused without saying why: %v", err)
	}
}

func TestParseRefusals(t *testing.T) {
	for name, raw := range map[string]string{
		"no sender":       "To: a@b.it\r\nSubject: x\r\n\r\ntesto\r\n",
		"bad multipart":   "From: a@b.it\r\nContent-Type: multipart/mixed\r\n\r\n--\r\n",
		"envelope no eml": "From: posta-certificata@pec.example\r\nX-Trasporto: posta-certificata\r\nContent-Type: text/plain\r\n\r\nciao\r\n",
		"unknown receipt": "From: posta-certificata@pec.example\r\nX-Ricevuta: inventata\r\nX-Riferimento-Message-ID: <a@b>\r\n\r\nciao\r\n",
	} {
		if m, err := Parse([]byte(raw), true); err == nil {
			t.Errorf("%s: accepted as %+v", name, m)
		}
	}
}

func TestCheckSettings(t *testing.T) {
	good := map[string]string{SettingIMAP: "imaps://u:p@imap.example.it/INBOX", SettingSMTP: "smtp://u:p@smtp.example.it:587", SettingAddress: "URP <urp@comune.example.it>"}
	if err := CheckSettings(good); err != nil {
		t.Fatal(err)
	}
	for key, bad := range map[string]string{SettingIMAP: "http://x", SettingSMTP: "smtps://", SettingAddress: "non un indirizzo", SettingPEC: "forse"} {
		s := map[string]string{}
		for k, v := range good {
			s[k] = v
		}
		s[key] = bad
		if err := CheckSettings(s); err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s=%q: %v", key, bad, err)
		}
	}
	if r := channel.Masked("imaps://urp:segretissima@imap.example.it/INBOX?tls=none"); r != "imaps://urp:xxxxx@imap.example.it/INBOX" {
		t.Fatal(r)
	}
}

// Attachments and inline images are kept, named as the sender named them
// (RFC 2231 included); the text is the plain part.
func TestParseAttachments(t *testing.T) {
	m, err := Parse(sample(t, "citizen_attachments.eml"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 2 || m.Attachments[0].Name != "lampione.png" || m.Attachments[1].Name != "modulo residenza è firmato.pdf" ||
		!bytes.HasPrefix(m.Attachments[0].Data, []byte("\x89PNG")) || !bytes.HasPrefix(m.Attachments[1].Data, []byte("%PDF-1.4")) {
		t.Fatalf("%+v", m.Attachments)
	}
	if !strings.HasPrefix(m.Text, "Vi mando il modulo") {
		t.Fatalf("text %q", m.Text)
	}
}

type fullBlobs struct{}

func (fullBlobs) Put(io.Reader, int64) (blob.Blob, error) { return blob.Blob{}, blob.ErrTooLarge }

// An attachment over the blob store's limit is named in the text, and the
// message still arrives.
func TestAttachmentTooLarge(t *testing.T) {
	rec := &recorder{}
	ch := &redazione.Channel{ID: 1, Kind: redazione.ChannelEmail, Settings: map[string]string{SettingAddress: "urp@comune.example.it"}}
	if err := (Poller{Ingester: rec, Blobs: fullBlobs{}, Log: nopLog{}}).store(context.Background(), ch, sample(t, "citizen_attachments.eml"), "", nil); err != nil {
		t.Fatal(err)
	}
	if len(rec.ins) != 1 || len(rec.ins[0].Attachments) != 0 || !strings.Contains(rec.ins[0].Text, "[allegato «modulo residenza è firmato.pdf» non acquisito: supera 25 MB]") {
		t.Fatalf("%+v", rec.ins)
	}
}

// A delivery report names the office's message that bounced and why.
func TestParseBounce(t *testing.T) {
	m, err := Parse(sample(t, "dsn_failed.eml", "{{MSGID}}", "redazione.1.2.3@comune.example.it"), false)
	if err != nil {
		t.Fatal(err)
	}
	b := m.Bounce
	if b == nil || b.Kind != redazione.ReceiptDeliveryError || b.Refers != "redazione.1.2.3@comune.example.it" ||
		b.Reason != "550 5.1.1 <lucia.bianchi@example.org>: Recipient address rejected: User unknown in virtual mailbox table" ||
		b.ExternalID != "20261120101002.4XkQ1Z3mQ8z9t0b@smtp.comune.example.it" {
		t.Fatalf("%+v", b)
	}
	if m.From != "mailer-daemon@smtp.comune.example.it" || !strings.Contains(m.Text, "could not") || len(m.Attachments) != 0 {
		t.Fatalf("%+v", m)
	}
}
