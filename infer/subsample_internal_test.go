package infer

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestRowDraws: each draw of m of N rows is m distinct sorted rows, and
// every row is drawn with probability m/N: over 20000 draws the frequency
// of each row is within 4 standard errors (sqrt(p(1−p)/20000) = 0.0032)
// of 0.3.
func TestRowDraws(t *testing.T) {
	const (
		n, m, k = 10, 3, 20000
	)
	d := &rowDraws{m: m, perm: make([]int, n)}
	for i := range d.perm {
		d.perm[i] = i
	}
	rng := rand.New(rand.NewPCG(1, 1))
	count := make([]int, n)
	for range k {
		rows := d.draw(rng, m)
		if len(rows) != m {
			t.Fatalf("%d rows, want %d", len(rows), m)
		}
		for i, r := range rows {
			if i > 0 && r <= rows[i-1] {
				t.Fatalf("rows %v not distinct and sorted", rows)
			}
			count[r]++
		}
	}
	p := float64(m) / n
	se := math.Sqrt(p * (1 - p) / k)
	for r, c := range count {
		if f := float64(c) / k; math.Abs(f-p) > 4*se {
			t.Errorf("row %d drawn with frequency %.4f, want %.4f ± %.4f", r, f, p, 4*se)
		}
	}
}

// TestAnchorStep: the anchor moves at steps 1, 101, 301, 701, 1501.
func TestAnchorStep(t *testing.T) {
	var got []int
	for step := 1; step <= 2000; step++ {
		if anchorStep(step) {
			got = append(got, step)
		}
	}
	if want := []int{1, 101, 301, 701, 1501}; !slices.Equal(got, want) {
		t.Errorf("anchor steps %v, want %v", got, want)
	}
}
