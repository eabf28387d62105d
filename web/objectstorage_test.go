package web_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/redazione/redazione"
	"github.com/redazione/redazione/app"
	"github.com/redazione/redazione/internal/s3test"
	"github.com/redazione/redazione/internal/testdb"
	"github.com/redazione/redazione/store"
)

// With REDAZIONE_BLOB_URL on an S3-compatible store, a citizen's file is
// kept in the bucket, not on the local disk; the operator opens it (a range
// too), the citizen's export carries it, and erasure takes it out of the
// bucket. Both databases.
func TestCitizensFilesOnObjectStorage(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	testdb.Each(t, func(t *testing.T, db *store.DB) {
		bucket, blobURL := srv.Bucket(t, "redazione")
		e := start(t, db, func(c *app.Config) { c.BlobURL = blobURL })
		ctx := context.Background()
		photo := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 40000)...)
		rand.Read(photo[8:])
		b := e.keep(photo)
		if objs := srv.Objects(t, bucket); len(objs) != 1 {
			t.Fatalf("the bucket holds %v after a file arrived, want it", objs)
		}
		res, err := e.db.Ingest(ctx, e.api, redazione.Inbound{ExternalID: "s3-1", ContactID: "mario", ContactName: "Mario Bianchi",
			Text: "La foto del lampione spento", Attachments: []redazione.InboundAttachment{{Name: "lampione.png", ContentType: b.ContentType, Size: b.Size, BlobKey: b.Key}}})
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := db.Messages(ctx, redazione.SystemActor(e.ente.ID), res.ConversationID, 0)
		att := ms[0].Attachments[0]
		admin := e.newUser(e.ente, redazione.RoleAdmin)
		ab := e.login(admin)
		resp, err := ab.c.Get(e.srv.URL + fmt.Sprint("/attachments/", att.ID))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(got, photo) {
			t.Fatalf("the operator opened %d bytes (status %d), want the %d the citizen sent", len(got), resp.StatusCode, len(photo))
		}
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+fmt.Sprint("/attachments/", att.ID), nil)
		req.Header.Set("Range", "bytes=1000-1999")
		resp, err = ab.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(got, photo[1000:2000]) {
			t.Fatalf("a range: status %d, %d bytes", resp.StatusCode, len(got))
		}
		resp, err = ab.c.Get(e.srv.URL + fmt.Sprintf("/contacts/%d/export", res.ContactID))
		if err != nil {
			t.Fatal(err)
		}
		zipped, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || len(zipped) < len(photo)/2 {
			t.Fatalf("export: %d, %d bytes (the photo is %d)", resp.StatusCode, len(zipped), len(photo))
		}
		code, _ := ab.post(fmt.Sprintf("/contacts/%d/erase", res.ContactID), url.Values{"confirm": {"CANCELLA"}, "conversation": {fmt.Sprint(res.ConversationID)}})
		if code >= 400 {
			t.Fatalf("erasure: %d", code)
		}
		if objs := srv.Objects(t, bucket); len(objs) != 0 {
			t.Fatalf("after erasure the bucket still holds %v", objs)
		}
	})
}
