//go:build unix

package lang_test

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// TestDirFSPipe checks that DirFS refuses a named pipe in its directory
// for reading and writing, at once: opening one would block until the
// other end is opened.
func TestDirFSPipe(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Skipf("no named pipe: %v", err)
	}
	th := &lang.Thread{FS: lang.DirFS(dir)}
	if _, err := th.ReadFile("fifo"); err == nil || err.Error() != `cannot read "fifo": not a regular file` {
		t.Errorf("read: %v", err)
	}
	if err := th.WriteFile("fifo", nil); err == nil || err.Error() != `cannot write "fifo": not a regular file` {
		t.Errorf("write: %v", err)
	}
}
