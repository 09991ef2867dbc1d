package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRun runs flowppl-scale run on Prism over a settings file with a
// failing row: exit 0, one row per element in the settings' order, the
// failing one an error row, the progress line of all elements.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "m.flow")
	write(t, script, `n = 10
y = read_csv("data.csv").y
model m(y) {
    mu ~ Normal(0, 10)
    y ~ Normal(mu, 1)
}
q = flow Affine
r = fit q to m(y[0:n]) by elbo { steps = 400, quiet = true }
result = record(mean = mean(q).mu, n = n)
`)
	write(t, filepath.Join(dir, "data.csv"), "y\n1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n")
	write(t, filepath.Join(dir, "s.csv"), "key,n\nb,3\na,5\nbad,x\nc,\n")
	out := filepath.Join(dir, "out.csv")
	var stderr bytes.Buffer
	if code := runCmd([]string{script, "--over", filepath.Join(dir, "s.csv"), "--out", out, "--seed", "3", "--shards", "2"}, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, &stderr)
	}
	if !strings.Contains(stderr.String(), "4/4 elements done") || !strings.Contains(stderr.String(), "4 elements in") || !strings.Contains(stderr.String(), "1 failed (see the error column)") {
		t.Errorf("stderr:\n%s\nwant the progress 4/4 and one failure", &stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || lines[0] != "key,seed,mean,n,warnings,error" {
		t.Fatalf("output:\n%s", b)
	}
	for i, want := range []string{"b,", "a,", "bad,", "c,"} {
		if !strings.HasPrefix(lines[i+1], want) {
			t.Errorf("row %d: %s, want key %s", i+1, lines[i+1], want)
		}
	}
	if !strings.HasSuffix(lines[1], ",3,,") || !strings.HasSuffix(lines[4], ",10,,") { // no warnings, no error
		t.Errorf("rows b and c: %s / %s, want n = 3 (bound) and 10 (empty cell: the script's)", lines[1], lines[4])
	}
	if want := `bad,12102397957775140169,,,,"--set n:1:1: unknown name ""x"""`; lines[3] != want {
		t.Errorf("row bad: %s, want %s", lines[3], want)
	}
}

// TestRunUsage checks the usage errors (exit 2) and a misspelt settings
// column (exit 1, before any fit).
func TestRunUsage(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "m.flow")
	write(t, script, "lr = 1\nresult = record(x = lr)\n")
	write(t, filepath.Join(dir, "s.csv"), "key,lrr\na,1\n")
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, exitUsage, "want one SCRIPT, got 0 arguments"},
		{[]string{script}, exitUsage, "--over SETTINGS.csv and --out RESULTS.csv are required"},
		{[]string{filepath.Join(dir, "no.flow"), "--over", "s.csv", "--out", "o.csv"}, exitUsage, "no.flow: no such file or directory"},
		{[]string{script, "--over", filepath.Join(dir, "s.csv"), "--out", filepath.Join(dir, "o.csv")}, exitError, `--set lrr: the script has no top-level assignment lrr = ... to override (did you mean "lr"?)`},
	} {
		var stderr bytes.Buffer
		*over, *out = "", "" // the flags of an earlier call
		code := runCmd(tt.args, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%q: exit %d, %q; want %d, %q", tt.args, code, &stderr, tt.code, tt.want)
		}
	}
}

// TestRanks checks flowppl-scale ranks on a results file: a uniform and
// a U-shaped rank column, the chi-square verdicts and the plot.
func TestRanks(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("key,seed,rank_u,rank_x,warnings,error\n")
	for i := range 40 {
		x := 0
		if i%2 == 1 {
			x = 9
		}
		b.WriteString(strings.Join([]string{"k", "1", itoa(i % 10), itoa(x), "", ""}, ",") + "\n")
	}
	b.WriteString("bad,1,,,,boom\n")
	write(t, filepath.Join(dir, "r.csv"), b.String())
	var stdout, stderr bytes.Buffer
	code := ranksCmd([]string{filepath.Join(dir, "r.csv"), "--draws", "9", "--bins", "5", "--plot", filepath.Join(dir, "h")}, &stdout, &stderr)
	got := stdout.String()
	// rank_u: 8 in each of 5 bins, chi-square 0 (p = 1); rank_x: 20, 0,
	// 0, 0, 20: chi-square 3·8²/8 + 2·12²/8 = 60 on 4 df.
	if code != exitError || !strings.Contains(got, "rank_u: 40 data sets (1 failed), chi-square 0.0 on 4 df, p = 1: uniform") ||
		!strings.Contains(got, "rank_x: 40 data sets (1 failed), chi-square 60.0 on 4 df, p = 2.9e-12: NOT uniform") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, got, &stderr)
	}
	for _, c := range []string{"rank_u", "rank_x"} {
		svg, err := os.ReadFile(filepath.Join(dir, "h_"+c+".svg"))
		if err != nil || !bytes.Contains(svg, []byte("<svg")) {
			t.Errorf("plot of %s: %v", c, err)
		}
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func write(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
