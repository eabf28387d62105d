package main

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redazione/redazione/blob"
	"github.com/redazione/redazione/internal/s3test"
)

// An installation moves its citizens' files to object storage with
// `redazione blobs copy --to URL`, then switches REDAZIONE_BLOB_URL: every
// file is in the bucket, and a second run copies nothing again.
func TestBlobsCopyToObjectStorage(t *testing.T) {
	t.Parallel()
	srv := s3test.Start(t)
	bucket, url := srv.Bucket(t, "")
	dir := t.TempDir()
	local, err := blob.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"la foto di una buca", "il modulo firmato", "la ricevuta"} {
		if _, err := local.Put(strings.NewReader(s), 0); err != nil {
			t.Fatal(err)
		}
	}
	cfg := config{DataDir: dir}
	var out, errs bytes.Buffer
	if err := copyBlobs(cfg, []string{"blobs", "copy", "--to", url}, &out, &errs); err != nil {
		t.Fatalf("blobs copy: %v\n%s", err, errs.String())
	}
	var res struct{ Copied, Present int }
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Copied != 3 {
		t.Fatalf("blobs copy said %s (%v), want 3 copied", out.String(), err)
	}
	if strings.Contains(out.String(), "una-chiave-segreta") {
		t.Error("the output shows a credential")
	}
	if n := len(srv.Objects(t, bucket)); n != 3 {
		t.Fatalf("the bucket holds %d files, want 3", n)
	}
	out.Reset()
	if err := copyBlobs(cfg, []string{"blobs", "copy", "--to", url}, &out, &errs); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Copied != 0 || res.Present != 3 {
		t.Fatalf("a second run said %s, want the 3 left alone", out.String())
	}
	// Once switched, the store in use is the bucket: copying onto it is refused.
	cfg.BlobURL = url
	if err := copyBlobs(cfg, []string{"blobs", "copy", "--to", url}, &out, &errs); err == nil || !strings.Contains(err.Error(), "store in use") {
		t.Fatalf("copying the store onto itself = %v", err)
	}
	if err := copyBlobs(cfg, []string{"blobs", "copy"}, &out, &errs); err == nil || !strings.Contains(err.Error(), "--to") {
		t.Fatalf("no --to = %v", err)
	}
}

func copyBlobs(cfg config, args []string, stdout, stderr *bytes.Buffer) error {
	return blobsCommand(context.Background(), cfg, args, stdout, stderr)
}
