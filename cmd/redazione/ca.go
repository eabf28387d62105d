package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"

	"github.com/redazione/redazione/blob"
)

// trustCA adds the certificates of REDAZIONE_CA_FILE (PEM, one or more) to
// the system's roots for every connection Redazione opens: the platforms'
// APIs and webhooks (the process's default HTTP transport), the e-mail
// channels' IMAP and SMTP servers, and the object store. An ente's own mail
// server behind the ente's own certification authority is the common case.
// It returns the TLS configuration for the mail channels; nil when file is
// empty.
func trustCA(file string) (*tls.Config, error) {
	if file == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("REDAZIONE_CA_FILE: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("REDAZIONE_CA_FILE %s: no PEM certificate in it", file)
	}
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12}
		if t.TLSClientConfig != nil {
			cfg = t.TLSClientConfig.Clone()
		}
		cfg.RootCAs = pool
		t.TLSClientConfig = cfg
	}
	blob.RootCAs = pool
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}
