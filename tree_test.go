package redazione_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// maxTrackedBytes is the largest file the repository may hold: the vendored
// front-end assets and the test payloads are well under it.
const maxTrackedBytes = 3 << 20

// The repository holds sources only: no compiled program (ELF, Mach-O, PE,
// WebAssembly, an ar archive such as a Go package archive) and no file over
// maxTrackedBytes is tracked. It checks what git tracks, so it fails in CI
// on a fresh clone as well as here.
func TestRepositoryHoldsSourcesOnly(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("git ls-files: %v", err)
		}
		t.Skipf("not a git checkout: %v", err)
	}
	magic := map[string]string{
		"\x7fELF": "an ELF executable", "\xcf\xfa\xed\xfe": "a Mach-O executable", "\xce\xfa\xed\xfe": "a Mach-O executable",
		"\x00asm": "a WebAssembly module", "MZ\x90\x00": "a Windows executable", "!<ar": "an ar archive (a compiled Go package?)",
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	for _, f := range files {
		st, err := os.Stat("./" + f)
		if err != nil || !st.Mode().IsRegular() {
			continue // deleted in the work tree, or a link
		}
		if st.Size() > maxTrackedBytes {
			t.Errorf("%s is %d bytes (limit %d): keep large or generated data out of the repository", f, st.Size(), maxTrackedBytes)
		}
		fh, err := os.Open("./" + f)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 4)
		n, _ := fh.Read(head)
		fh.Close()
		head = head[:n]
		if what, ok := magic[string(head)]; ok {
			t.Errorf("%s is %s: build outputs are not committed", f, what)
		}
	}
	if len(files) < 100 {
		t.Fatalf("git tracks only %d files: run from the repository", len(files))
	}
}
