// Command posteriordb fits every examples/posteriordb/*/model.flow
// translation and scores its summary against the posteriordb NUTS
// reference (reference.json beside it): for each reference parameter,
// z = (mean - reference mean) / reference sd and the ratio sd / reference
// sd. A fit passes when every |z| ≤ 0.3 and every ratio is in [0.7, 1.4]
// (the bar of package internal/posteriordb).
//
//	go run ./bench/posteriordb [-seeds 1,2,3] [-only NAME] [-set name=value]
//
// Run it from the repository root: the scripts read their data from
// examples/posteriordb/. Each script binds its fit's report to r and its
// guide's summary to s, and is written as a user writes it, with default
// fit options and only a seed: a top-level `seed = 1` used as
// `{ seed = seed }`. The seed of each run replaces that assignment (and
// seeds the script's own random numbers). -set name=value replaces the
// script's first top-level assignment to name; when there is none and name
// is a fit option (steps, tol, lr, ...), it is added to the options of
// the script's fit: -set steps=3000 runs 3,000 steps, -set tol=0 turns the
// stopping rule off.
//
// Output is one markdown row per fit: wall time (the whole script), the
// worst |z|, the sd ratio range, Pareto k, warnings, the steps taken and
// why the fit stopped (the step the stopping rule fired at, or the cap),
// and pass or FAIL.
package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

func main() {
	seeds := flag.String("seeds", "1,2,3", "comma-separated seeds")
	only := flag.String("only", "", "run only the scripts whose name contains this")
	var sets multiFlag
	flag.Var(&sets, "set", "name=value: replace the script's first top-level assignment to name (repeatable)")
	flag.Parse()
	files, err := filepath.Glob("examples/posteriordb/*/model.flow")
	if err != nil || len(files) == 0 {
		fmt.Fprintln(os.Stderr, "posteriordb: no examples/posteriordb/*/model.flow here (run from the repository root)")
		os.Exit(2)
	}
	fmt.Println("| posterior | seed | wall s | worst abs z | sd ratio | pareto k | warnings | steps | result |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	failed := 0
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		if *only != "" && !strings.Contains(name, *only) {
			continue
		}
		ref, err := posteriordb.Read(filepath.Join(filepath.Dir(file), "reference.json"))
		if err != nil {
			fmt.Fprintln(os.Stderr, "posteriordb:", err)
			os.Exit(2)
		}
		for _, s := range strings.Split(*seeds, ",") {
			seed, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil {
				fmt.Fprintln(os.Stderr, "posteriordb: bad seed", s)
				os.Exit(2)
			}
			row, ok := run(file, seed, ref, sets)
			if !ok {
				failed++
			}
			fmt.Printf("| %s | %d | %s |\n", name, seed, row)
		}
	}
	if failed > 0 {
		fmt.Printf("\n%d fits failed\n", failed)
		os.Exit(1)
	}
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }

// run runs one script with one seed and scores its summary s.
func run(file string, seed uint64, ref *posteriordb.Reference, sets []string) (string, bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "| | | | | | error: " + err.Error(), false
	}
	text := setOption(string(src), "seed", strconv.FormatUint(seed, 10))
	for _, kv := range sets {
		name, val, _ := strings.Cut(kv, "=")
		text = setOption(text, strings.TrimSpace(name), strings.TrimSpace(val))
	}
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(seed, 2)), Stdout: io.Discard, Stderr: io.Discard}
	start := time.Now()
	g, err := interp.ExecFile(th, file, text, nil)
	wall := time.Since(start).Seconds()
	if err != nil {
		msg := strings.ReplaceAll(interp.FormatError(err), "\n", " ")
		return fmt.Sprintf("%.1f | | | | | | error: %s", wall, msg), false
	}
	tab, ok := g["s"].(*stdlib.Table)
	if !ok {
		return fmt.Sprintf("%.1f | | | | | | error: s is not a summary table", wall), false
	}
	means, sds := tab.Column("mean"), tab.Column("sd")
	rows, err := posteriordb.Score(tab.Rows, means, sds, ref)
	if err != nil {
		return fmt.Sprintf("%.1f | | | | | | error: %v", wall, err), false
	}
	worstZ, worstName := 0.0, ""
	lo, hi := math.Inf(1), math.Inf(-1)
	pass := true
	for _, r := range rows {
		if math.Abs(r.Z) >= worstZ {
			worstZ, worstName = math.Abs(r.Z), r.Name
		}
		lo, hi = math.Min(lo, r.Ratio), math.Max(hi, r.Ratio)
		pass = pass && r.Pass
	}
	result := "pass"
	if !pass {
		result = "FAIL"
	}
	return fmt.Sprintf("%.1f | %.3f (%s) | %.2f–%.2f | %s | %s | %s | %s", wall, worstZ, worstName, lo, hi, field(g, "pareto_k"), warnings(g), stepsTaken(g), result), pass
}

// setOption sets name to val in a script: it replaces the first top-level
// assignment to name, or, when there is none and name is a fit option,
// adds `name = val` to the options of the script's first fit.
func setOption(text, name, val string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*=.*$`)
	if loc := re.FindStringIndex(text); loc != nil {
		return text[:loc[0]] + name + " = " + val + text[loc[1]:]
	}
	if _, err := infer.FitOptions.Lookup(name); err != nil {
		fmt.Fprintf(os.Stderr, "posteriordb: -set %s: the script has no assignment to %s and it is not a fit option\n", name, name)
		os.Exit(2)
	}
	fit := regexp.MustCompile(`(?m)^(r = fit [^{]*\{)`)
	if fit.FindStringIndex(text) == nil {
		fmt.Fprintf(os.Stderr, "posteriordb: -set %s: no `r = fit ... {` in the script\n", name)
		os.Exit(2)
	}
	return fit.ReplaceAllString(text, "${1} "+name+" = "+val+",")
}

// stepsTaken is the steps of the fit report r and why it stopped: "1260
// (rule at 1050)", "10000 (cap)".
func stepsTaken(g lang.StringDict) string {
	r, ok := g["r"].(*lang.Record)
	if !ok {
		return ""
	}
	steps, _ := r.Fields["steps"].(lang.Number)
	reason, _ := r.Fields["reason"].(lang.String)
	var fired int
	if _, err := fmt.Sscanf(string(reason), "converged at step %d", &fired); err == nil {
		return fmt.Sprintf("%d (rule at %d)", int(steps), fired)
	}
	stopped, _ := r.Fields["stopped"].(lang.String)
	return fmt.Sprintf("%d (%s)", int(steps), stopped)
}

// field formats a number of the fit report r.
func field(g lang.StringDict, name string) string {
	r, ok := g["r"].(*lang.Record)
	if !ok {
		return ""
	}
	if v, ok := r.Fields[name].(lang.Number); ok {
		return fmt.Sprintf("%.2f", float64(v))
	}
	return ""
}

// warnings lists the fit's warnings other than Pareto k's (reported in
// its own column), or "none".
func warnings(g lang.StringDict) string {
	r, ok := g["r"].(*lang.Record)
	if !ok {
		return ""
	}
	w, _ := r.Fields["warnings"].(lang.String)
	var out []string
	for _, l := range strings.Split(string(w), "\n") {
		if l != "" && !strings.Contains(l, "pareto k") {
			out = append(out, strings.ReplaceAll(l, "|", "/"))
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, "; ")
}
