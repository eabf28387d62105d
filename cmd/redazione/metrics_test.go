package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// `redazione serve` with REDAZIONE_METRICS_ADDR serves the metrics there,
// without a token, and not on the main address; REDAZIONE_LOG_FORMAT=json
// writes one JSON object a line, each request's with its id.
func TestServeMetricsAddrAndJSONLogs(t *testing.T) {
	t.Setenv("REDAZIONE_DATA_DIR", t.TempDir())
	t.Setenv("REDAZIONE_DATABASE_URL", "")
	t.Setenv("REDAZIONE_DEMO", "false")
	t.Setenv("REDAZIONE_ADMIN_PASSWORD", "password-per-le-metriche")
	t.Setenv("REDAZIONE_LOG_FORMAT", "json")
	t.Setenv("REDAZIONE_METRICS_TOKEN", "")
	metricsAddr := freeAddr(t)
	t.Setenv("REDAZIONE_METRICS_ADDR", metricsAddr)
	s := startServer(t, freeAddr(t))

	resp, err := http.Get("http://" + metricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "redazione_jobs{state=\"available\"}") || !strings.Contains(string(body), "go_goroutines") {
		t.Fatalf("metrics on their own address: %d\n%.500s", resp.StatusCode, body)
	}
	resp, err = http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("/metrics on the main address without a token: %d, want 404", resp.StatusCode)
	}
	resp, err = http.Get(s.base + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	id := resp.Header.Get("X-Request-Id")

	// Each line is a JSON object; the request's carries its id.
	s.cmd.Process.Signal(syscall.SIGTERM)
	<-s.exited
	found := false
	for line := range strings.SplitSeq(strings.TrimSpace(s.log()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		if rec["msg"] == "request" && rec["request_id"] == id && rec["path"] == "/login" {
			found = true
		}
	}
	if !found {
		t.Errorf("no JSON log line for request %s:\n%s", id, s.log())
	}
}
