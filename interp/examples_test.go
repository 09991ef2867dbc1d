package interp_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestExamples runs every examples/*.flow as `flowppl run` would (seed 1),
// in a temporary working directory (two_moons.flow writes a CSV file
// there), and checks that it succeeds and prints something.
func TestExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.flow")
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			t.Fatal(err)
		}
		files[i] = abs
	}
	t.Chdir(t.TempDir())
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(strings.TrimSuffix(name, ".flow"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			th := &lang.Thread{Rand: rand.New(rand.NewPCG(1, 2)), Stdout: &stdout, Stderr: &stderr}
			start := time.Now()
			_, err = interp.ExecFile(th, name, src, nil)
			t.Logf("%s ran in %.1f s\nstdout:\n%sstderr:\n%s", name, time.Since(start).Seconds(), stdout.String(), stderr.String())
			if err != nil {
				t.Fatalf("%s", interp.FormatError(err))
			}
			if stdout.Len() == 0 {
				t.Errorf("%s printed nothing", name)
			}
		})
	}
}
