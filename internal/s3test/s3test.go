// Package s3test runs a real S3-compatible server for the tests: the Versity
// S3 Gateway (versitygw, Apache-2.0) with its POSIX backend on a temporary
// directory. `.ci/run` installs it (go install
// github.com/versity/versitygw/cmd/versitygw@v1.8.0); tests find it through
// REDAZIONE_TEST_VERSITYGW, the PATH, GOBIN or GOPATH/bin. Without it they
// are skipped, except in CI (CI=true), where its absence fails them.
package s3test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

const (
	accessKey = "redazione-test"
	secretKey = "una-chiave-segreta-di-prova"
)

// Server is the running gateway.
type Server struct {
	Endpoint  string // host:port
	CredsFile string // an AWS-style credentials file with its keys
	Root      string // where the buckets are, as directories
	client    *minio.Client
}

var (
	once   sync.Once
	server *Server
	err    error
)

// Binary finds versitygw.
func Binary() (string, error) {
	if p := os.Getenv("REDAZIONE_TEST_VERSITYGW"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p, nil
	}
	var dirs []string
	if b := os.Getenv("GOBIN"); b != "" {
		dirs = append(dirs, b)
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, d := range filepath.SplitList(strings.TrimSpace(string(out))) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	}
	for _, d := range dirs {
		p := filepath.Join(d, "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("versitygw not found: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0")
}

// Start returns the test binary's gateway, started on first use and killed
// with the test binary.
func Start(t testing.TB) *Server {
	t.Helper()
	once.Do(func() { server, err = start() })
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("S3 test server: %v", err)
		}
		t.Skipf("S3 test server: %v", err)
	}
	return server
}

func start() (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "redazione-s3-")
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"data", "meta"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o700); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "--access", accessKey, "--secret", secretKey, "--port", addr,
		"posix", "--sidecar", filepath.Join(root, "meta"), filepath.Join(root, "data"))
	log, err := os.Create(filepath.Join(root, "versitygw.log"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	creds := filepath.Join(root, "credentials")
	if err := os.WriteFile(creds, []byte("[default]\naws_access_key_id = "+accessKey+"\naws_secret_access_key = "+secretKey+"\n"), 0o600); err != nil {
		return nil, err
	}
	s := &Server{Endpoint: addr, CredsFile: creds, Root: filepath.Join(root, "data")}
	// Ready when it answers HTTP; wait on that, up to a deadline.
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-exited:
			b, _ := os.ReadFile(log.Name())
			return nil, fmt.Errorf("versitygw exited: %v\n%s", err, b)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("versitygw not answering on %s", addr)
		}
	}
	s.client, err = minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(accessKey, secretKey, ""), Region: "us-east-1", BucketLookup: minio.BucketLookupPath})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Bucket makes a new empty bucket and returns its REDAZIONE_BLOB_URL,
// with prefix (may be "").
func (s *Server) Bucket(t testing.TB, prefix string) (name, url string) {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	name = "prova-" + hex.EncodeToString(b)
	if err := s.client.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatal(err)
	}
	path := ""
	if prefix != "" {
		path = "/" + prefix
	}
	return name, fmt.Sprintf("s3://%s%s?endpoint=%s&region=us-east-1&secure=false&path_style=true&credentials_file=%s", name, path, s.Endpoint, s.CredsFile)
}

// Objects lists the object names of a bucket.
func (s *Server) Objects(t testing.TB, bucket string) []string {
	t.Helper()
	var names []string
	for o := range s.client.ListObjects(context.Background(), bucket, minio.ListObjectsOptions{Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		names = append(names, o.Key)
	}
	return names
}
