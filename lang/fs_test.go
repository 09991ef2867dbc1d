package lang_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// TestDirFS checks the sandboxed file access on its own: a file beneath
// the directory is read and written, a directory and paths that leave the
// directory are refused (a named pipe: TestDirFSPipe),
// and every error names the path as given.
func TestDirFS(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.txt"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	th := &lang.Thread{FS: lang.DirFS(dir)}
	if b, err := th.ReadFile("a.txt"); err != nil || string(b) != "hello" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if err := th.WriteFile("sub/b.txt", []byte("x")); err != nil {
		t.Error(err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "sub", "b.txt")); err != nil || string(b) != "x" {
		t.Errorf("written %q, %v", b, err)
	}
	for _, tt := range []struct{ path, want string }{
		{"sub", `cannot read "sub": is a directory`},
		{"missing.txt", `cannot read "missing.txt": no such file or directory`},
		{"../a.txt", `cannot read "../a.txt": the path leads outside the interpreter's directory`},
		{filepath.Join(dir, "a.txt"), `cannot read "` + filepath.Join(dir, "a.txt") + `": the path leads outside the interpreter's directory`},
		{"", `cannot read "": the path leads outside the interpreter's directory`},
	} {
		_, err := th.ReadFile(tt.path)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ReadFile(%q) = %v, want %s", tt.path, err, tt.want)
		}
	}
	var fe *lang.FileError
	if _, err := th.ReadFile("missing.txt"); !errors.As(err, &fe) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %#v", err)
	}
	// a directory that does not exist: the message does not show it
	gone := &lang.Thread{FS: lang.DirFS(filepath.Join(dir, "gone"))}
	if _, err := gone.ReadFile("a.txt"); err == nil || strings.Contains(err.Error(), dir) {
		t.Errorf("missing directory: %v", err)
	}
}

// TestNoFilesAndHost checks NoFiles and the zero Thread's HostFS.
func TestNoFilesAndHost(t *testing.T) {
	th := &lang.Thread{FS: lang.NoFiles}
	if _, err := th.ReadFile("a"); !errors.Is(err, lang.ErrNoFileAccess) {
		t.Errorf("NoFiles read: %v", err)
	}
	if err := th.WriteFile("a", nil); !errors.Is(err, lang.ErrNoFileAccess) {
		t.Errorf("NoFiles write: %v", err)
	}
	p := filepath.Join(t.TempDir(), "h.txt")
	var zero lang.Thread
	if err := zero.WriteFile(p, []byte("h")); err != nil {
		t.Fatal(err)
	}
	if b, err := zero.ReadFile(p); err != nil || string(b) != "h" {
		t.Errorf("HostFS: %q, %v", b, err)
	}
}

func TestQuotePath(t *testing.T) {
	long := strings.Repeat("a", 200) + ".csv"
	want := `"` + strings.Repeat("a", 40) + `"..."` + strings.Repeat("a", 36) + `.csv" (204 bytes)`
	if got := lang.QuotePath(long); got != want {
		t.Errorf("QuotePath = %s, want %s", got, want)
	}
	if got := lang.QuotePath("a\x00b"); got != `"a\x00b"` {
		t.Errorf("QuotePath = %s", got)
	}
}
