package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// buildServer builds cmd/redazione into dir and returns the binary's path.
func buildServer(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "redazione")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/redazione")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/redazione (run from the repository root, or pass -server-bin): %w", err)
	}
	return bin, nil
}

// proc is a server running as a child process.
type proc struct {
	cmd  *exec.Cmd
	addr string // host:port
	log  *bytes.Buffer
	done chan error

	stopOnce sync.Once
	stopErr  error
}

func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// redazioneEnv is the environment of the real server on dataDir.
func redazioneEnv(dataDir, addr string) []string { return redazioneEnvDB(dataDir, addr, "") }

// redazioneEnvDB is the environment of the real server on dataDir and, when
// dbURL is not empty, on that PostgreSQL database.
func redazioneEnvDB(dataDir, addr, dbURL string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "REDAZIONE_") {
			env = append(env, kv)
		}
	}
	env = append(env, "REDAZIONE_DATA_DIR="+dataDir, "REDAZIONE_ADDR="+addr,
		"REDAZIONE_ADMIN_EMAIL="+adminEmail, "REDAZIONE_ADMIN_PASSWORD="+benchPassword, "REDAZIONE_DEMO=false")
	if dbURL != "" {
		env = append(env, "REDAZIONE_DATABASE_URL="+dbURL)
	}
	return env
}

// startProc starts a server process and waits until url answers 200.
func startProc(ctx context.Context, addr, readyPath string, env []string, name string, args ...string) (*proc, error) {
	p := &proc{addr: addr, log: &bytes.Buffer{}, done: make(chan error, 1)}
	p.cmd = exec.Command(name, args...)
	p.cmd.Env = env
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { p.done <- p.cmd.Wait() }()
	deadline := time.Now().Add(120 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + readyPath)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p, nil
			}
		}
		select {
		case err := <-p.done:
			return nil, fmt.Errorf("%s exited before it was ready: %v\n%s", name, err, p.log.String())
		case <-ctx.Done():
			p.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.stop()
			return nil, fmt.Errorf("%s not ready after 120 s\n%s", name, p.log.String())
		}
	}
}

// stop ends the process (SIGTERM, then SIGKILL after 15 s); it may be
// called more than once.
func (p *proc) stop() error {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	p.stopOnce.Do(func() { p.stopErr = p.terminate() })
	return p.stopErr
}

func (p *proc) terminate() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(15 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("process %d killed after 15 s", p.cmd.Process.Pid)
	}
}

// memory reads VmHWM and VmRSS (kB) of the process.
func (p *proc) memory() (hwm, rss int64, err error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmHWM":
			hwm = n
		case "VmRSS":
			rss = n
		}
	}
	return hwm, rss, sc.Err()
}

// cpuSeconds is the user+system CPU time the process has used.
func (p *proc) cpuSeconds() float64 {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return 0
	}
	return p.cpuSecondsOf(p.cmd.Process.Pid)
}

// cpuSecondsOf is the user+system CPU time process pid has used.
func (*proc) cpuSecondsOf(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+2:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ is 100 on Linux
}
