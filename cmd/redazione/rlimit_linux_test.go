package main

import (
	"syscall"
	"testing"
)

func TestRaiseOpenFiles(t *testing.T) {
	soft, hard, err := raiseOpenFiles()
	if err != nil {
		t.Fatal(err)
	}
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		t.Fatal(err)
	}
	if soft != hard || uint64(l.Cur) != hard {
		t.Fatalf("soft limit %d (now %d), hard %d: want the soft raised to the hard", soft, l.Cur, hard)
	}
}
