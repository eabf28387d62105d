package email

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/redazione/redazione"
)

// recorder is an Ingester that keeps what it is given.
type recorder struct {
	ins      []redazione.Inbound
	receipts []redazione.PECReceipt
}

func (r *recorder) Ingest(_ context.Context, _ *redazione.Channel, in redazione.Inbound) (*redazione.Ingested, error) {
	r.ins = append(r.ins, in)
	return &redazione.Ingested{}, nil
}

func (r *recorder) PECReceipt(_ context.Context, _ *redazione.Channel, rc redazione.PECReceipt) error {
	r.receipts = append(r.receipts, rc)
	return nil
}

type nopLog struct{}

func (nopLog) Warn(string, ...any) {}

// FuzzParse: no input makes the parser panic; a message it refuses
// reaches neither the inbox nor the receipts, and one it accepts is valid
// for the store.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.eml")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true)
		f.Add(b, false)
	}
	f.Add([]byte("From: a@b.it\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\n--x--\r\n"), true)
	f.Fuzz(func(t *testing.T, raw []byte, pec bool) {
		ch := &redazione.Channel{ID: 1, Kind: redazione.ChannelEmail, Settings: map[string]string{SettingAddress: "urp@comune.example.it"}}
		if pec {
			ch.Settings[SettingPEC] = "true"
		}
		m, perr := Parse(raw, pec)
		rec := &recorder{}
		if err := (Poller{Ingester: rec, Log: nopLog{}}).store(context.Background(), ch, raw, "", nil); err != nil {
			t.Fatalf("store: %v", err)
		}
		if perr != nil {
			if len(rec.ins)+len(rec.receipts) > 0 {
				t.Fatalf("refused (%v) but handed over: %+v %+v", perr, rec.ins, rec.receipts)
			}
			return
		}
		if len(rec.ins)+len(rec.receipts) > 1 {
			t.Fatalf("one message handed over twice: %+v %+v", rec.ins, rec.receipts)
		}
		for _, in := range rec.ins {
			if err := in.Validate(); err != nil {
				t.Fatalf("invalid inbound handed over: %v", err)
			}
		}
		for _, r := range rec.receipts {
			if !redazione.ReceiptKindValid(r.Kind) || r.Refers == "" || !utf8.ValidString(r.Reason) {
				t.Fatalf("bad receipt %+v", r)
			}
		}
		if m.Receipt == nil && !utf8.ValidString(m.Subject+m.Text+m.HTML+m.FromName) {
			t.Fatalf("not UTF-8: %+v", m)
		}
	})
}
