package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
)

// `redazione healthcheck` exits 0 while /healthz answers 200 and 1 when it
// does not or nothing listens: what a container's HEALTHCHECK reads.
func TestHealthcheckExitStatus(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	ready.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" || !ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	check := func(env ...string) (string, int) {
		c := exec.Command(os.Args[0], "-test.run=^$")
		c.Env = append(os.Environ(), append(env, childEnv+"=cli", childArgsEnv+"=healthcheck")...)
		var out bytes.Buffer
		c.Stdout, c.Stderr = &out, &out
		c.Run()
		return out.String(), c.ProcessState.ExitCode()
	}
	if out, code := check("REDAZIONE_ADDR=" + addr); code != 0 {
		t.Fatalf("healthcheck of a ready server exited %d: %s", code, out)
	}
	// a wildcard address is asked on the loopback
	if out, code := check("REDAZIONE_ADDR=:" + addr[strings.LastIndex(addr, ":")+1:]); code != 0 {
		t.Fatalf("healthcheck of :port exited %d: %s", code, out)
	}
	ready.Store(false)
	if out, code := check("REDAZIONE_ADDR=" + addr); code != 1 || !strings.Contains(out, "503") {
		t.Fatalf("healthcheck of a server not ready exited %d: %s", code, out)
	}
	srv.Close()
	if out, code := check("REDAZIONE_ADDR=" + addr); code != 1 {
		t.Fatalf("healthcheck with nothing listening exited %d: %s", code, out)
	}
}

func TestHealthURL(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		":8080":          "http://127.0.0.1:8080/healthz",
		"0.0.0.0:9000":   "http://127.0.0.1:9000/healthz",
		"[::]:8080":      "http://127.0.0.1:8080/healthz",
		"10.0.0.5:8080":  "http://10.0.0.5:8080/healthz",
		"[fd00::1]:8080": "http://[fd00::1]:8080/healthz",
	} {
		if got := healthURL(addr); got != want {
			t.Errorf("healthURL(%q) = %q, want %q", addr, got, want)
		}
	}
}
