package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// A coordinator exports a citizen's data as a ZIP (their messages and
// files); an administrator erases them: the conversation stays without its
// messages, the file goes from disk, and no one can reply any more.
func TestExportAndEraseCitizen(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
	png := pngPixel
	b := e.keep(png)
	res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "g1", ContactID: "lucia", ContactName: "Lucia Zanetti",
		Text: "Ecco la foto della buca in via Zanardelli", Attachments: []redazione.InboundAttachment{{Name: "../buca.png", ContentType: b.ContentType, Size: b.Size, BlobKey: b.Key}}})
	if err != nil {
		t.Fatal(err)
	}
	conv := res.ConversationID
	cb, ab, ob := e.login(coord), e.login(admin), e.login(op)
	if _, page := ob.get(fmt.Sprintf("/conversations/%d", conv)); strings.Contains(page, "Esporta i dati del cittadino") {
		t.Error("an operator is offered the export")
	}
	if code, _ := ob.get(fmt.Sprintf("/contacts/%d/export", res.ContactID)); code != 403 {
		t.Errorf("an operator exported a citizen's data: %d", code)
	}
	_, page := cb.get(fmt.Sprintf("/conversations/%d", conv))
	if !strings.Contains(page, fmt.Sprintf(`href="/contacts/%d/export"`, res.ContactID)) || strings.Contains(page, "Per confermare scrivi CANCELLA") {
		t.Error("the coordinator sees no export, or an erasure")
	}

	resp, err := cb.c.Get(e.srv.URL + fmt.Sprintf("/contacts/%d/export", res.ContactID))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	var x store.PersonExport
	if err := json.Unmarshal(files["dati.json"], &x); err != nil {
		t.Fatalf("dati.json: %v (archive has %v)", err, len(files))
	}
	if len(x.Conversations) != 1 || len(x.Conversations[0].Messages) != 1 || x.Conversations[0].Messages[0].Text != "Ecco la foto della buca in via Zanardelli" {
		t.Fatalf("exported conversations: %+v", x.Conversations)
	}
	f := x.Conversations[0].Messages[0].Files
	if len(f) != 1 || f[0].Path != "allegati/001-buca.png" || !bytes.Equal(files[f[0].Path], png) {
		t.Errorf("exported file: %+v; archive paths %v", f, len(files))
	}

	// Erasure: administrators only, and only once confirmed.
	erase := fmt.Sprintf("/contacts/%d/erase", res.ContactID)
	if code, _ := cb.post(erase, url.Values{"confirm": {"CANCELLA"}}); code != 403 {
		t.Errorf("a coordinator erased a citizen: %d", code)
	}
	if code, page := ab.post(erase, url.Values{"confirm": {"sì"}, "conversation": {fmt.Sprint(conv)}}); code != 400 || !strings.Contains(page, "scrivi CANCELLA") {
		t.Errorf("erasure without confirmation: %d", code)
	}
	if msgs, _ := e.db.Messages(ctx, redazione.ActorOf(admin), conv, 0); len(msgs) != 1 {
		t.Fatal("an unconfirmed erasure erased")
	}
	// the operator has the conversation open: it must not keep showing the citizen
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	screen := ob.events(sctx, "/events")
	code, page := ab.post(erase, url.Values{"confirm": {"CANCELLA"}, "conversation": {fmt.Sprint(conv)}})
	if !waitEvent(t, screen, "conversation", fmt.Sprintf(`"conversation":%d,`, conv), time.Second) {
		t.Error("the operator's screen got no event for the erasure: it still shows the erased messages")
	}
	if code != 200 || !strings.Contains(page, "I messaggi di questa conversazione sono stati cancellati il") ||
		strings.Contains(page, "via Zanardelli") || strings.Contains(page, "Lucia") || strings.Contains(page, `id="reply-text"`) {
		t.Errorf("after erasure: %d; the page still shows the citizen, their message or the composer", code)
	}
	if _, err := e.app.Blobs.Open(b.Key); err != blob.ErrNotFound {
		t.Errorf("the photo is still on disk: %v", err)
	}
	if code, _ := ab.post(fmt.Sprintf("/conversations/%d/messages", conv), url.Values{"text": {"Buongiorno"}, "kind": {"reply"}}); code < 400 {
		t.Errorf("a reply to an erased citizen was accepted: %d", code)
	}
}

// An administrator sets how long messages are kept; bad values change nothing.
func TestRetentionSetting(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	admin := e.newUser(e.ente, redazione.RoleAdmin)
	ab := e.login(admin)
	if code, page := ab.get("/admin/privacy"); code != 200 || !strings.Contains(page, `name="months"`) || !strings.Contains(page, `value="0"`) {
		t.Fatalf("privacy page: %d", code)
	}
	for _, bad := range []string{"sei", "-1", "121"} {
		if code, _ := ab.post("/admin/privacy", url.Values{"months": {bad}}); code != 400 {
			t.Errorf("months %q: %d, want 400", bad, code)
		}
	}
	if code, page := ab.post("/admin/privacy", url.Values{"months": {"24"}}); code != 200 || !strings.Contains(page, `value="24"`) {
		t.Errorf("save 24 months: %d", code)
	}
	if m, _ := e.db.Retention(context.Background(), e.ente.ID); m != 24 {
		t.Errorf("retention %d, want 24", m)
	}
	op := e.login(e.newUser(e.ente, redazione.RoleCoordinator))
	if code, _ := op.post("/admin/privacy", url.Values{"months": {"1"}}); code != 403 {
		t.Errorf("a coordinator set the retention: %d", code)
	}
}

// The export names each file by what its content is, never by what the
// citizen called it: a page called x.html lands as text, a photo called
// foto.exe as a PNG, a name with a path or control characters as a plain
// name.
func TestExportFileNamesAreSafe(t *testing.T) {
	t.Parallel()
	e := start(t, testdb.Open(t, store.SQLite))
	ctx := context.Background()
	coord := e.newUser(e.ente, redazione.RoleCoordinator)
	page := e.keep([]byte("<html><body><script>alert(1)</script></body></html>"))
	photo := e.keep(pngPixel)
	raw := e.keep([]byte{0x00, 0x01, 0x02, 0xfe, 0xff, 0x00})
	res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "n1", ContactID: "mario", ContactName: "Mario",
		Text: "Ecco i file", Attachments: []redazione.InboundAttachment{
			{Name: "x.html", ContentType: "text/html", Size: page.Size, BlobKey: page.Key},
			{Name: "foto.exe", ContentType: photo.ContentType, Size: photo.Size, BlobKey: photo.Key},
			{Name: "..\\..\\windows\\system32\\\x07dati.bat", ContentType: "application/octet-stream", Size: raw.Size, BlobKey: raw.Key},
		}})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.login(coord).c.Get(e.srv.URL + fmt.Sprintf("/contacts/%d/export", res.ContactID))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("export: %d, %v", resp.StatusCode, err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	want := []string{"dati.json", "allegati/001-x.txt", "allegati/002-foto.png", "allegati/003-dati.bin"}
	if !slices.Equal(names, want) {
		t.Errorf("archive names %q, want %q", names, want)
	}
}
