package lang_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

// BenchmarkReadFile reads a 64 KiB file through the process's files and
// through a sandbox (DirFS opens an os.Root and checks the file's kind on
// every access).
func BenchmarkReadFile(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), make([]byte, 64<<10), 0o644); err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		th   *lang.Thread
		path string
	}{
		{"host", &lang.Thread{FS: lang.HostFS{}}, filepath.Join(dir, "d.csv")},
		{"dir", &lang.Thread{FS: lang.DirFS(dir)}, "d.csv"},
	} {
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tt.th.ReadFile(tt.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
