package main

import "syscall"

// raiseOpenFiles raises the soft limit of open files to the hard limit:
// each connection, an event stream's above all, holds a descriptor. (Go's
// runtime already does so when it starts; this makes it explicit, and the
// figure is logged.) It returns the limits in force.
func raiseOpenFiles() (soft, hard uint64, err error) {
	var l syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l); err != nil {
		return 0, 0, err
	}
	if l.Cur < l.Max {
		want := l
		want.Cur = l.Max
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
			return l.Cur, l.Max, err
		}
		l = want
	}
	return l.Cur, l.Max, nil
}
