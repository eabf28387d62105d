package blob

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// RootCAs, when set, are the certification authorities trusted for the
// object store's https (REDAZIONE_CA_FILE); nil: the system's.
var RootCAs *x509.CertPool

// s3Backend keeps blobs as objects of a bucket, under prefix, with the
// directory store's layout (prefix/ab/cd/abcd…), so that one can be copied
// onto the other with any tool.
type s3Backend struct {
	c      *minio.Client
	bucket string
	prefix string
	name   string // the URL without credentials, for logs
}

// openS3 opens s3://bucket[/prefix]?endpoint=host[:port]&region=R&secure=false&path_style=true&credentials_file=F.
// The credentials come from the environment (AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY, or MINIO_ACCESS_KEY and MINIO_SECRET_KEY) or from
// an AWS-style credentials file (credentials_file, or
// AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials); never from the URL.
// The bucket must exist and be reachable: the server does not start
// otherwise.
func openS3(ctx context.Context, raw string) (*s3Backend, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("blob store: REDAZIONE_BLOB_URL is not a URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("blob store %s: put no credentials in the URL; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY or credentials_file", redactURL(raw))
	}
	q := u.Query()
	for k := range q {
		switch k {
		case "endpoint", "region", "secure", "path_style", "credentials_file":
		default:
			return nil, fmt.Errorf("blob store %s: unknown parameter %q (endpoint, region, secure, path_style, credentials_file)", raw, k)
		}
	}
	if u.Host == "" {
		return nil, fmt.Errorf("blob store %s: no bucket (s3://bucket?endpoint=...)", raw)
	}
	endpoint := q.Get("endpoint")
	if endpoint == "" {
		endpoint = "s3.amazonaws.com"
	}
	secure := true
	if v := q.Get("secure"); v != "" {
		if secure, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("blob store %s: secure=%q: use true or false", raw, v)
		}
	}
	lookup := minio.BucketLookupAuto
	if v := q.Get("path_style"); v != "" {
		ps, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("blob store %s: path_style=%q: use true or false", raw, v)
		}
		if ps {
			lookup = minio.BucketLookupPath
		} else {
			lookup = minio.BucketLookupDNS
		}
	}
	creds := credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{}, &credentials.EnvMinio{}, &credentials.FileAWSCredentials{Filename: q.Get("credentials_file")},
	})
	opts := &minio.Options{Creds: creds, Secure: secure, Region: q.Get("region"), BucketLookup: lookup, MaxRetries: 3}
	if RootCAs != nil && secure {
		tr, err := minio.DefaultTransport(true)
		if err != nil {
			return nil, fmt.Errorf("blob store %s: %w", raw, err)
		}
		tr.TLSClientConfig.RootCAs = RootCAs
		opts.Transport = tr
	}
	c, err := minio.New(endpoint, opts)
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", raw, err)
	}
	b := &s3Backend{c: c, bucket: u.Host, prefix: strings.Trim(u.Path, "/"), name: raw}
	if b.prefix != "" {
		b.prefix += "/"
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	ok, err := c.BucketExists(ctx, b.bucket)
	if err != nil {
		return nil, fmt.Errorf("blob store %s: %w", raw, err)
	}
	if !ok {
		return nil, fmt.Errorf("blob store %s: the bucket %q does not exist", raw, b.bucket)
	}
	return b, nil
}

// startTimeout bounds the check of the bucket at start: a store that
// does not answer stops the start with a message rather than hanging it.
const startTimeout = 15 * time.Second

// redactURL drops the user information of a URL, for messages.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(not a URL)"
	}
	u.User = nil
	return u.String()
}

func (b *s3Backend) String() string { return b.name }

func (b *s3Backend) object(key string) string {
	return b.prefix + path.Join(key[:2], key[2:4], key)
}

func (b *s3Backend) put(ctx context.Context, key, tmp string, size int64, contentType string) error {
	f, err := os.Open(tmp)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = b.c.PutObject(ctx, b.bucket, b.object(key), f, size, minio.PutObjectOptions{ContentType: contentType})
	return err
}

// s3File is an object being read.
type s3File struct {
	*minio.Object
	size int64
}

func (f s3File) Size() int64 { return f.size }

func (b *s3Backend) open(ctx context.Context, key string) (File, error) {
	o, err := b.c.GetObject(ctx, b.bucket, b.object(key), minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(err)
	}
	st, err := o.Stat()
	if err != nil {
		o.Close()
		return nil, notFound(err)
	}
	return s3File{o, st.Size}, nil
}

func notFound(err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return ErrNotFound
	}
	return err
}

func (b *s3Backend) has(ctx context.Context, key string) (bool, error) {
	_, err := b.c.StatObject(ctx, b.bucket, b.object(key), minio.StatObjectOptions{})
	if err == nil {
		return true, nil
	}
	if errors.Is(notFound(err), ErrNotFound) {
		return false, nil
	}
	return false, err
}

func (b *s3Backend) delete(ctx context.Context, key string) error {
	return b.c.RemoveObject(ctx, b.bucket, b.object(key), minio.RemoveObjectOptions{})
}

func (b *s3Backend) keys(ctx context.Context, fn func(string) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for o := range b.c.ListObjects(ctx, b.bucket, minio.ListObjectsOptions{Prefix: b.prefix, Recursive: true}) {
		if o.Err != nil {
			return o.Err
		}
		k := path.Base(o.Key)
		if validKey(k) && o.Key == b.object(k) {
			if err := fn(k); err != nil {
				return err
			}
		}
	}
	return nil
}
