package scale_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"

	"github.com/flowppl/flowppl/scale"
)

func TestMain(m *testing.M) {
	flag.Parse()
	beamlog.LogLevel = "warn" // not Prism's job lines
	beam.Init()
	restore, err := scale.PrivateTempDir()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	restore()
	os.Exit(code)
}

// sweep runs Sweep and WriteCSV on the in-process Prism runner with the
// given shards and GOMAXPROCS (the cores its workers may use) and returns
// the output file.
func sweep(t testing.TB, cfg scale.Config, elems []scale.Element, shards, procs int) []byte {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	out := filepath.Join(t.TempDir(), "out.csv")
	p, s := beam.NewPipelineWithRoot()
	scale.WriteCSV(s, out, scale.Sweep(s, cfg, elems, shards))
	if _, err := prism.Execute(context.Background(), p); err != nil {
		t.Fatalf("prism: %v", err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sweepElements are k elements of the conjugate script with different
// data sizes, the one at bad with a binding that fails at run time.
func sweepElements(k, bad int) []scale.Element {
	elems := make([]scale.Element, k)
	for i := range elems {
		n := fmt.Sprint(5 + i%7)
		if i == bad {
			n = "-1"
		}
		elems[i] = scale.Element{Key: fmt.Sprintf("e%02d", i), Pos: i, Sets: []scale.Binding{{Name: "n", Value: n}}}
	}
	return elems
}

// TestSweepDeterministic runs one sweep three ways: on Prism with one
// shard and one core, on Prism with three shards on two cores and the
// elements in reverse order, and element by element with Fit (no Beam).
// The three files must be equal byte for byte; the failing element is one
// error row and the others complete.
func TestSweepDeterministic(t *testing.T) {
	cfg := scale.Config{Name: "c.flow", Source: conjugate, Seed: 42}
	const k, bad = 12, 4
	elems := sweepElements(k, bad)
	one := sweep(t, cfg, elems, 1, 1)
	rev := slices.Clone(elems)
	slices.Reverse(rev)
	two := sweep(t, cfg, rev, 3, 2)
	var rows []scale.Row
	for _, e := range elems {
		rows = append(rows, scale.Fit(context.Background(), cfg, e)...)
	}
	direct := scale.FormatCSV(rows)
	if !bytes.Equal(one, direct) {
		t.Errorf("Prism, 1 shard on 1 core:\n%s\ndirect Fit:\n%s", one, direct)
	}
	if !bytes.Equal(two, direct) {
		t.Errorf("Prism, 3 shards on 2 cores, reversed:\n%s\ndirect Fit:\n%s", two, direct)
	}
	lines := strings.Split(strings.TrimSpace(string(one)), "\n")
	if len(lines) != k+1 {
		t.Fatalf("%d lines, want a header and %d rows:\n%s", len(lines), k, one)
	}
	if want := "key,seed,name,mean,sd,q5,q50,q95,warnings,error"; lines[0] != want {
		t.Errorf("header %s, want %s", lines[0], want)
	}
	for i, l := range lines[1:] {
		failed := strings.Contains(l, "c.flow:3:5:")
		if !strings.HasPrefix(l, fmt.Sprintf("e%02d,%d,", i, scale.SeedOf(42, fmt.Sprintf("e%02d", i)))) || failed != (i == bad) {
			t.Errorf("row %d: %s (want key, seed, and an error only in row %d)", i, l, bad)
		}
	}
}
