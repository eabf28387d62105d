//go:build !linux

package main

import "errors"

// raiseOpenFiles leaves the open files' limit alone outside Linux (Go's
// runtime raises it on the other Unix systems).
func raiseOpenFiles() (soft, hard uint64, err error) {
	return 0, 0, errors.ErrUnsupported
}
