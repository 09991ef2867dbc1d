// Package testutil holds helpers shared by the tests of several packages.
// Only _test.go files import it.
package testutil

import (
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ReadCSV returns the records of the CSV file at path, failing t when the
// file cannot be opened or parsed.
func ReadCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// RelErr returns max |a−b| / (1 + |b|) over the elements: NaN if any
// difference is, +Inf when the lengths differ.
func RelErr(a, b []float64) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	e := 0.0
	for i := range a {
		d := math.Abs(a[i]-b[i]) / (1 + math.Abs(b[i]))
		if math.IsNaN(d) {
			return d
		}
		e = max(e, d)
	}
	return e
}

// Golden returns the golden file at path and whether got equals it. With
// update set it first writes got there (making the folder), so the file
// then equals got; a missing file fails t with the flag to run.
func Golden(t testing.TB, path, got string, update bool) (want string, same bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	return string(b), string(b) == got
}

// Missing returns those of wants that got does not contain, in order: the
// lines a test expects in a program's output and did not find.
func Missing(got string, wants ...string) []string {
	var out []string
	for _, w := range wants {
		if !strings.Contains(got, w) {
			out = append(out, w)
		}
	}
	return out
}
