package scale_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/flowppl/flowppl/scale"
)

// TestPrivateTempDir: files created in os.TempDir() between
// PrivateTempDir and restore are gone after restore, and $TMPDIR is put
// back as it was.
func TestPrivateTempDir(t *testing.T) {
	before := os.Getenv("TMPDIR")
	restore, err := scale.PrivateTempDir()
	if err != nil {
		t.Fatal(err)
	}
	dir := os.TempDir()
	if dir == before {
		t.Fatalf("TempDir still %s", dir)
	}
	f, err := os.CreateTemp("", "beamloopbackworker-*")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if filepath.Dir(f.Name()) != dir {
		t.Fatalf("temp file %s not in %s", f.Name(), dir)
	}
	restore()
	if got := os.Getenv("TMPDIR"); got != before {
		t.Errorf("TMPDIR after restore = %q, want %q", got, before)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("private dir %s still there: %v", dir, err)
	}
}
