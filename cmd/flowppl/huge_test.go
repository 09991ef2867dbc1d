package main

import (
	"strings"
	"testing"
)

// TestCLIHugeSum: check, run and fmt of the 1.5-million-term sum of the
// reliability report (6 MB on one line) give the depth error at the
// 5,001st "+" with a snippet cut to a window of the line.
func TestCLIHugeSum(t *testing.T) {
	src := "x = " + strings.Repeat("1 + ", 1_500_000-1) + "1\n"
	inTemp(t, map[string]string{"huge.flow": src})
	want := "huge.flow:1:20007: expression nested deeper than 5000 levels (a chain of operators counts one level per operator: split it into several assignments)\n" +
		"    ..." + strings.Repeat("1 + ", 25) + "...\n" +
		"       " + strings.Repeat(" ", 50) + "^\n"
	for _, cmd := range []string{"check", "run", "fmt"} {
		code, stdout, stderr := flowppl(t, "", cmd, "huge.flow")
		if code != exitError || stdout != "" || stderr != want {
			t.Errorf("%s: exit %d, stdout %.100q, stderr\n%.400q\nwant\n%q", cmd, code, stdout, stderr, want)
		}
	}
}
