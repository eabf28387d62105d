package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

func TestAttachmentsInTheThread(t *testing.T) {
	t.Parallel()
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		e := start(t, db)
		ctx := context.Background()
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
		photo, err := e.app.Blobs.Put(bytes.NewReader(png), 0)
		if err != nil {
			t.Fatal(err)
		}
		// A "PDF" that is really a web page: served as what it is, inert.
		page, err := e.app.Blobs.Put(strings.NewReader("<html><script>alert(1)</script></html>"), 0)
		if err != nil {
			t.Fatal(err)
		}
		res, err := db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "m-1", ContactID: "c-1", Text: "Ecco la foto della buca",
			Attachments: []redazione.InboundAttachment{
				{Name: "buca.png", BlobKey: photo.Key, ContentType: photo.ContentType, Size: photo.Size},
				{Name: "modulo.pdf", BlobKey: page.Key, ContentType: page.ContentType, Size: page.Size},
				{Name: "video.mp4", Source: "file-id-9"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := db.Messages(ctx, redazione.SystemActor(e.ente.ID), res.ConversationID, 0)
		as := ms[0].Attachments

		op := e.newUser(e.ente, redazione.RoleOperator, e.desks[0].ID)
		b := e.login(op)
		code, body := b.get(fmt.Sprint("/conversations/", res.ConversationID))
		if code != 200 {
			t.Fatalf("conversation page: %d", code)
		}
		for _, want := range []string{
			fmt.Sprintf(`<img class="msg-image" src="/attachments/%d" alt="Immagine inviata dal cittadino: buca.png"`, as[0].ID),
			fmt.Sprintf(`<a href="/attachments/%d" download>modulo.pdf</a>`, as[1].ID),
			"video.mp4: <em>in scaricamento dalla piattaforma</em>",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the thread does not show %q", want)
			}
		}

		resp, err := b.c.Get(e.srv.URL + fmt.Sprint("/attachments/", as[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, png) || resp.Header.Get("Content-Type") != "image/png" ||
			!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") {
			t.Errorf("image: %d %q %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(got))
		}
		resp, err = b.c.Get(e.srv.URL + fmt.Sprint("/attachments/", as[1].ID))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") ||
			resp.Header.Get("Content-Disposition") != `attachment; filename=modulo.pdf` ||
			resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Errorf("a hostile file is served as %q, %q, CSP %q", ct, resp.Header.Get("Content-Disposition"), resp.Header.Get("Content-Security-Policy"))
		}
		if code, _ := b.get(fmt.Sprint("/attachments/", as[2].ID)); code != http.StatusNotFound {
			t.Errorf("a file not yet fetched: %d, want 404", code)
		}

		// Integrations see the files in the API and fetch them with their token.
		token := e.token(op)
		var conv struct {
			Messages []struct {
				Attachments []struct {
					Name, Status, URL string
				}
			}
		}
		if code := e.apiGet(token, fmt.Sprint("/api/v1/conversations/", res.ConversationID), &conv); code != 200 || len(conv.Messages) != 1 {
			t.Fatalf("API conversation: %d %+v", code, conv)
		}
		if got := conv.Messages[0].Attachments; len(got) != 3 || got[0].Name != "buca.png" || got[0].Status != "stored" ||
			got[2].Status != "pending" || got[2].URL != "" {
			t.Fatalf("API attachments = %+v", got)
		}
		req, _ := http.NewRequest("GET", e.srv.URL+conv.Messages[0].Attachments[0].URL, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, png) {
			t.Errorf("API attachment: %d, %d bytes", resp.StatusCode, len(got))
		}

		// Another desk's operator, another ente's administrator: not found.
		other := e.login(e.newUser(e.ente, redazione.RoleOperator, e.desks[1].ID))
		if code, _ := other.get(fmt.Sprint("/attachments/", as[0].ID)); code != http.StatusNotFound {
			t.Errorf("another desk's operator: %d, want 404", code)
		}
		en := e.newEnte("comune-b", "Comune di Beta")
		if code, _ := e.login(e.newUser(en, redazione.RoleAdmin)).get(fmt.Sprint("/attachments/", as[0].ID)); code != http.StatusNotFound {
			t.Errorf("another ente's administrator: %d, want 404", code)
		}
		anon := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err = anon.Get(e.srv.URL + fmt.Sprint("/attachments/", as[0].ID))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("a file is served without login")
		}
	})
}
