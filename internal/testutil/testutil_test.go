package testutil

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestGolden: with update, Golden writes the file (and its folder) and
// reports it the same; without, it reports a different got as not the
// same and returns the file's text.
func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "x.golden")
	if want, same := Golden(t, path, "a\n", true); !same || want != "a\n" {
		t.Errorf("update: %q, %v; want %q, true", want, same, "a\n")
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != "a\n" {
		t.Errorf("the file holds %q, %v", b, err)
	}
	if want, same := Golden(t, path, "b\n", false); same || want != "a\n" {
		t.Errorf("compare: %q, %v; want %q, false", want, same, "a\n")
	}
}

// TestCPUTime: the process's CPU time does not go backwards across some
// work (on Unix it is getrusage's; elsewhere 0).
func TestCPUTime(t *testing.T) {
	a := CPUTime()
	s := 0.0
	for i := range 1_000_000 {
		s += float64(i)
	}
	if b := CPUTime(); b < a || s == 0 {
		t.Errorf("CPU time went from %d to %d", a, b)
	}
}

// TestMissing: Missing keeps, in order, exactly the wants that are not
// substrings of got.
func TestMissing(t *testing.T) {
	got := Missing("loss 1.5\r50/50", "50/50", "it/s", "", "loss", "\n", "\r")
	if want := []string{"it/s", "\n"}; !slices.Equal(got, want) {
		t.Errorf("Missing = %q, want %q", got, want)
	}
}
