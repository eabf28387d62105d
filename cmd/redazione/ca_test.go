package main

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An ente's server behind the ente's own certification authority is
// refused until REDAZIONE_CA_FILE names that authority; then the platforms'
// HTTP clients and the mail channels' TLS trust it, besides the system's
// roots. Not parallel: it changes the process's default HTTP transport.
func TestPrivateCA(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	defer srv.Close()
	if _, err := (&http.Client{}).Get(srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a server of a private CA was trusted before REDAZIONE_CA_FILE: %v", err)
	}
	dir := t.TempDir()
	bad := filepath.Join(dir, "vuoto.pem")
	os.WriteFile(bad, []byte("non è un certificato"), 0o600)
	if _, err := trustCA(bad); err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Fatalf("a file with no certificate = %v", err)
	}
	if _, err := trustCA(filepath.Join(dir, "manca.pem")); err == nil || !strings.Contains(err.Error(), "REDAZIONE_CA_FILE") {
		t.Fatalf("a missing file = %v", err)
	}
	ca := filepath.Join(dir, "ca-ente.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)
	mail, err := trustCA(ca)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := (&http.Client{}).Get(srv.URL)
	if err != nil {
		t.Fatalf("with REDAZIONE_CA_FILE the platform client still refuses: %v", err)
	}
	resp.Body.Close()
	conn, err := tls.Dial("tcp", srv.Listener.Addr().String(), mail.Clone())
	if err != nil {
		t.Fatalf("the mail channels' TLS refuses the ente's server: %v", err)
	}
	conn.Close()
}
