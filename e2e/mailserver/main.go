// Command mailserver runs, for the browser tests, a real IMAP server (go-imap's
// in-memory one) and an SMTP server on the loopback, without TLS, with one
// citizen's HTML mail in the INBOX. It prints a JSON line with the channel's
// imap_url and smtp_url, then one JSON line for each mail the SMTP server
// accepts, and stops when its standard input closes.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"time"

	"github.com/redazione/redazione/channel/email/mailtest"
)

// runner lets the test servers run outside a test: a failure ends the program.
type runner struct{}

func (runner) Helper()           {}
func (runner) Fatal(args ...any) { log.Fatal(args...) }
func (runner) Cleanup(func())    {}

func main() {
	image := flag.String("image", "", "address of the remote image in the citizen's mail")
	flag.Parse()
	imapSrv := mailtest.StartIMAP(runner{}, mailtest.IMAPOptions{TLS: mailtest.Plain})
	smtpSrv := mailtest.StartSMTP(runner{}, mailtest.Plain, nil)
	imapSrv.Deliver(runner{}, []byte(citizenMail(*image)))
	out := json.NewEncoder(os.Stdout)
	out.Encode(map[string]string{"imap_url": imapSrv.URL(), "smtp_url": smtpSrv.URL(), "address": imapSrv.User})

	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	seen := 0
	for range time.Tick(100 * time.Millisecond) {
		got := smtpSrv.Received()
		for _, m := range got[seen:] {
			out.Encode(map[string]any{"from": m.From, "to": m.To, "data": string(m.Data)})
		}
		seen = len(got)
	}
}

func citizenMail(image string) string {
	return fmt.Sprintf("From: Mario Bianchi <mario.bianchi@example.it>\r\n"+
		"To: URP <urp@comune.example.it>\r\n"+
		"Subject: =?UTF-8?Q?Certificato_di_residenza_=E2=80=93_richiesta?=\r\n"+
		"Date: %s\r\n"+
		"Message-ID: <e2e-citizen-1@example.it>\r\n"+
		"MIME-Version: 1.0\r\n"+
		"Content-Type: text/html; charset=UTF-8\r\n"+
		"\r\n"+
		"<html><body><p>Buongiorno, vorrei il <b>certificato di residenza</b> per mio figlio.</p>"+
		"<script>document.title='violato'</script>"+
		"<p><img src=\"%s\" alt=\"logo del mittente\"></p><p>Grazie, Mario Bianchi</p></body></html>\r\n",
		time.Now().Format(time.RFC1123Z), image)
}
