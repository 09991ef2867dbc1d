package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestRun fits the ring (with fewer steps) and checks that the flow puts
// more density on the ring than at its centre and draws near radius 2.
func TestRun(t *testing.T) {
	var out strings.Builder
	if err := run(&out, 600); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	num := func(re string) float64 {
		m := regexp.MustCompile(re).FindStringSubmatch(s)
		if m == nil {
			t.Fatalf("output lacks %s:\n%s", re, s)
		}
		x, _ := strconv.ParseFloat(m[1], 64)
		return x
	}
	onRing, centre := num(`log q\(2, 0\) = (\S+)`), num(`log q\(0, 0\) = (\S+)`)
	radius := num(`mean radius of 10000 draws: (\S+)`)
	if onRing <= centre || radius < 1.6 || radius > 2.4 {
		t.Errorf("ring fit is off:\n%s", s)
	}
}
