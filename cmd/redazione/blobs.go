package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/redazione/redazione/blob"
)

// blobsCommand runs `redazione blobs copy --to URL`: it copies every file
// of the store in use (REDAZIONE_BLOB_URL, or DATA_DIR/blobs) into another
// (an S3 bucket, or a directory), checking each file against its hash; files
// already there are left alone, so it can be run again after a stop, and
// once more just before REDAZIONE_BLOB_URL is switched.
func blobsCommand(ctx context.Context, cfg config, args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 || args[1] != "copy" {
		return fmt.Errorf("usage: redazione blobs copy --to URL")
	}
	fs := flag.NewFlagSet("blobs copy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	to := fs.String("to", "", "destination: s3://bucket[/prefix]?endpoint=host:port&region=R, or a directory")
	if err := fs.Parse(args[2:]); err != nil {
		return err
	}
	if *to == "" {
		return fmt.Errorf("blobs copy: --to is required")
	}
	if _, err := trustCA(cfg.CAFile); err != nil {
		return err
	}
	local := filepath.Join(cfg.DataDir, "blobs")
	src, err := blob.OpenURL(ctx, cfg.BlobURL, local)
	if err != nil {
		return err
	}
	dst, err := blob.OpenURL(ctx, *to, local)
	if err != nil {
		return err
	}
	if src.String() == dst.String() {
		return fmt.Errorf("blobs copy: the destination is the store in use")
	}
	res, err := src.Copy(ctx, dst, func(r blob.CopyResult) {
		fmt.Fprintf(stderr, "%d files copied (%d MB), %d already there\n", r.Copied, r.Bytes>>20, r.Present)
	})
	if err != nil {
		return fmt.Errorf("blobs copy (run it again to go on): %w", err)
	}
	out := json.NewEncoder(stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(map[string]any{"from": src.String(), "to": dst.String(), "copied": res.Copied, "present": res.Present, "bytes": res.Bytes, "corrupt": res.Corrupt}); err != nil {
		return err
	}
	if len(res.Corrupt) > 0 {
		return fmt.Errorf("blobs copy: %d files no longer match their hash and were not copied", len(res.Corrupt))
	}
	return nil
}
