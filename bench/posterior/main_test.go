package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/internal/posteriordb"
)

// A /usr/bin/time -v report as GNU time 1.9 writes it (cut).
const timeReport = `	Command being timed: "flowppl run --seed 1 m.flow"
	User time (seconds): 8.72
	System time (seconds): 0.46
	Percent of CPU this job got: 71%
	Elapsed (wall clock) time (h:mm:ss or m:ss): 1:12.87
	Maximum resident set size (kbytes): 63268
	Exit status: 0
`

func TestReadTimeV(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.time")
	if err := os.WriteFile(path, []byte(timeReport), 0o666); err != nil {
		t.Fatal(err)
	}
	tv, err := readTimeV(path)
	if err != nil {
		t.Fatal(err)
	}
	want := timeV{wall: 72.87, user: 8.72, sys: 0.46, rssKB: 63268, status: 0}
	if math.Abs(tv.wall-want.wall) > 1e-9 || tv.user != want.user || tv.sys != want.sys || tv.rssKB != want.rssKB || tv.status != 0 {
		t.Errorf("readTimeV = %+v, want %+v", tv, want)
	}
	if _, err := readTimeV(filepath.Join(dir, "none.time")); err == nil || !strings.Contains(err.Error(), "not run") {
		t.Errorf("missing file: err = %v, want a 'not run' error", err)
	}
	bad := filepath.Join(dir, "bad.time")
	os.WriteFile(bad, []byte("hello\n"), 0o666)
	if _, err := readTimeV(bad); err == nil || !strings.Contains(err.Error(), "no wall time and peak RSS") {
		t.Errorf("not a report: err = %v", err)
	}
}

func TestClock(t *testing.T) {
	for s, want := range map[string]float64{"0:02.31": 2.31, "12:00.50": 720.5, "1:02:03": 3723} {
		if got, err := clock(s); err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("clock(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
}

// TestScoreCSV scores a flowppl summary (quoted matrix names, extra
// columns) and an R one (unquoted commas in names) against the same
// reference, with figures worked out by hand.
func TestScoreCSV(t *testing.T) {
	ref := &posteriordb.Reference{Params: map[string]posteriordb.Param{
		"mu":     {Mean: 1, SD: 2},
		"L[1,2]": {Mean: 0, SD: 1},
	}}
	dir := t.TempDir()
	flow := filepath.Join(dir, "flow.csv")
	os.WriteFile(flow, []byte("name,mean,sd,q5\nmu,1.4,2.2,0\n\"L[0, 1]\",-0.1,0.8,0\nextra,9,9,9\n"), 0o666)
	s := scoreCSV(flow, ref)
	// mu: z = 0.4/2 = 0.2, ratio 1.1; L: z = -0.1, ratio 0.8 (farther from 1 on a log scale).
	if s.err != "" || !s.pass || math.Abs(s.worstZ-0.2) > 1e-12 || s.zName != "mu" ||
		math.Abs(s.worstRatio-0.8) > 1e-12 || s.ratioName != "L[0, 1]" || s.lo != 0.8 || s.hi != 1.1 {
		t.Errorf("flowppl summary: %+v", s)
	}
	r := filepath.Join(dir, "r.csv")
	os.WriteFile(r, []byte("name,mean,sd\nmu,1.8,2\nL[0,1],0,0.5\n"), 0o666)
	s = scoreCSV(r, ref)
	// mu: z = 0.4 > 0.3 and L's ratio 0.5 < 0.7: fails on both.
	if s.err != "" || s.pass || math.Abs(s.worstZ-0.4) > 1e-12 || s.worstRatio != 0.5 || s.ratioName != "L[0, 1]" {
		t.Errorf("R summary: %+v", s)
	}
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("name,mean,sd\nmu,1,2\n"), 0o666)
	if s := scoreCSV(short, ref); !strings.Contains(s.err, "no row L[0, 1]") || s.bar() != "error" {
		t.Errorf("summary without L: %+v", s)
	}
	if s := scoreCSV(filepath.Join(dir, "none.csv"), ref); s.err != "no summary none.csv" {
		t.Errorf("missing summary: %+v", s)
	}
}

func TestReadTimes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "times.txt")
	os.WriteFile(path, []byte("TIMES a compile 45.1 nuts_wall 6.0 nuts_chains 0.2 meanfield 1.5 fullrank 2.5\n"+
		"TIMES a compile 40.0 nuts_wall 5.0 nuts_chains 0.3 meanfield 1.0 fullrank 2.0\n"), 0o666)
	m, err := readTimes(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := (stanTimes{40, 5, 0.3, 1, 2}); m["a"] != want {
		t.Errorf("readTimes: %+v, want the last line %+v", m["a"], want)
	}
	os.WriteFile(path, []byte("TIMES a compile 45.1\n"), 0o666)
	if _, err := readTimes(path); err == nil {
		t.Error("a short TIMES line: no error")
	}
}

func TestNUTSWarnings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.log")
	os.WriteFile(path, []byte(`TIMES a compile 1 nuts_wall 1 nuts_chains 1 meanfield 1 fullrank 1
Warning messages:
1: There were 3 divergent transitions after warmup. See
https://mc-stan.org/misc/warnings.html#divergent-transitions-after-warmup
2: Examine the pairs() plot to diagnose sampling problems
3: The largest R-hat is 1.05, indicating chains have not mixed.
4: Bulk Effective Samples Size (ESS) is too low, indicating posterior means and medians may be unreliable.
`), 0o666)
	want := "There were 3 divergent transitions after warmup; The largest R-hat is 1.05, indicating chains have not mixed; " +
		"Bulk Effective Samples Size (ESS) is too low, indicating posterior means and medians may be unreliable"
	if got := nutsWarnings(path); got != want {
		t.Errorf("nutsWarnings = %q, want %q", got, want)
	}
	if got := nutsWarnings(filepath.Join(t.TempDir(), "none.log")); got != "" {
		t.Errorf("no log: %q", got)
	}
}

// TestReadFit reads one run's files as posterior.sh leaves them.
func TestReadFit(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "m.seed2")
	os.WriteFile(base+".time", []byte(timeReport), 0o666)
	os.WriteFile(base+".out", []byte("ELBO -31.5 pareto k 0.4\nbench-report steps 350 stopped tol (slope test)\n"), 0o666)
	os.WriteFile(base+".csv", []byte("name,mean,sd\nmu,1.2,2\n"), 0o666)
	ref := &posteriordb.Reference{Params: map[string]posteriordb.Param{"mu": {Mean: 1, SD: 2}}}
	f := readFit(dir, "m", 2, ref)
	if f.err != "" || f.steps != "350" || f.stopped != "tol (slope test)" || f.rssMB != 63268.0/1024 ||
		math.Abs(f.cpu-9.18) > 1e-9 || !f.score.pass || math.Abs(f.score.worstZ-0.1) > 1e-12 {
		t.Errorf("readFit = %+v", f)
	}
	// A script error: exit status 1, its message in the note, no score.
	os.WriteFile(base+".time", []byte(strings.Replace(timeReport, "Exit status: 0", "Exit status: 1", 1)), 0o666)
	os.WriteFile(base+".err", []byte("m.flow:3:5: undefined: r\n"), 0o666)
	f = readFit(dir, "m", 2, ref)
	if f.err != "exit status 1: m.flow:3:5: undefined: r" || f.score.bar() != "error" {
		t.Errorf("failed run: err %q, bar %s", f.err, f.score.bar())
	}
	// posterior.sh's reason for not running a script.
	os.WriteFile(filepath.Join(dir, "n.seed1.err"), []byte("no translation examples/posteriordb/n/model.flow\n"), 0o666)
	if f := readFit(dir, "n", 1, ref); f.err != "no translation examples/posteriordb/n/model.flow" {
		t.Errorf("not run: err %q", f.err)
	}
}
