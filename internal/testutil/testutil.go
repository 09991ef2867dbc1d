// Package testutil holds helpers shared by the tests of several packages.
// Only _test.go files import it.
package testutil

import (
	"encoding/csv"
	"math"
	"os"
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
