// Command posteriordb fits every examples/posteriordb/*/model.flow
// translation and scores its summary against the posteriordb NUTS
// reference (reference.json beside it): for each
// reference parameter, z = (mean - reference mean) / reference sd and the
// ratio sd / reference sd. A fit passes when every |z| < 0.3 and every
// ratio is in [0.7, 1.4] (issue 12's bar).
//
//	go run ./bench/posteriordb [-seeds 1,2,3] [-only NAME] [-set name=value]
//
// Run it from the repository root: the scripts read their data from
// examples/posteriordb/. Each script binds its guide's summary to s.
// Output is one markdown row per fit: wall time (the whole script), the
// worst |z|, the sd ratio range, and pass or FAIL.
package main

import (
	"encoding/json"
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

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

type refParam struct {
	Mean float64 `json:"mean"`
	SD   float64 `json:"sd"`
}

type reference struct {
	Params map[string]refParam `json:"params"`
}

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
	fmt.Println("| posterior | seed | wall s | worst abs z | sd ratio | pareto k | warnings | result |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	failed := 0
	for _, file := range files {
		name := filepath.Base(filepath.Dir(file))
		if *only != "" && !strings.Contains(name, *only) {
			continue
		}
		ref, err := readRef(filepath.Join(filepath.Dir(file), "reference.json"))
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

func readRef(path string) (*reference, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r reference
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}

var oneBased = regexp.MustCompile(`\[(\d+)\]`)

// flowName turns Stan's 1-based theta[1] into flowppl's theta[0].
func flowName(stan string) string {
	return oneBased.ReplaceAllStringFunc(stan, func(s string) string {
		k, _ := strconv.Atoi(s[1 : len(s)-1])
		return "[" + strconv.Itoa(k-1) + "]"
	})
}

// run runs one script with one seed and scores its summary s.
func run(file string, seed uint64, ref *reference, sets []string) (string, bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		return "| | | | | error: " + err.Error(), false
	}
	text := string(src)
	for _, kv := range sets {
		name, val, _ := strings.Cut(kv, "=")
		re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + `\s*=.*$`)
		text = re.ReplaceAllString(text, name+" = "+val)
	}
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(seed, 2)), Stdout: io.Discard, Stderr: io.Discard}
	start := time.Now()
	g, err := interp.ExecFile(th, file, text, nil)
	wall := time.Since(start).Seconds()
	if err != nil {
		msg := strings.ReplaceAll(interp.FormatError(err), "\n", " ")
		return fmt.Sprintf("%.1f | | | | | error: %s", wall, msg), false
	}
	tab, ok := g["s"].(*stdlib.Table)
	if !ok {
		return fmt.Sprintf("%.1f | | | | | error: s is not a summary table", wall), false
	}
	row := map[string]int{}
	for i, r := range tab.Rows {
		row[r] = i
	}
	col := func(name string) []float64 {
		for _, c := range tab.Cols {
			if c.Name == name {
				return c.Data
			}
		}
		return nil
	}
	means, sds := col("mean"), col("sd")
	worstZ, worstName := 0.0, ""
	lo, hi := math.Inf(1), math.Inf(-1)
	pass := true
	for stan, p := range ref.Params {
		i, ok := row[flowName(stan)]
		if !ok {
			return fmt.Sprintf("%.1f | | | | | error: no row %s in the summary", wall, flowName(stan)), false
		}
		z := math.Abs(means[i]-p.Mean) / p.SD
		r := sds[i] / p.SD
		if !(z <= worstZ) {
			worstZ, worstName = z, flowName(stan)
		}
		lo, hi = math.Min(lo, r), math.Max(hi, r)
		if !(z < 0.3 && r >= 0.7 && r <= 1.4) {
			pass = false
		}
	}
	result := "pass"
	if !pass {
		result = "FAIL"
	}
	return fmt.Sprintf("%.1f | %.3f (%s) | %.2f–%.2f | %s | %s | %s", wall, worstZ, worstName, lo, hi, field(g, "pareto_k"), warnings(g), result), pass
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
