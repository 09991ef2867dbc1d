// Command posterior makes the tables of bench/posterior.sh: flowppl's runs
// of examples/posteriordb/*/model.flow beside Stan's NUTS and ADVI on the
// same posteriors, every summary scored against the posteriordb NUTS
// reference by internal/posteriordb.Score (the scoring of bench/posteriordb:
// z = (mean − reference mean) / reference sd, ratio = sd / reference sd; a
// fit passes when every |z| ≤ 0.3 and every ratio is in [0.7, 1.4]).
//
//	go run ./bench/posterior -data DIR -flow DIR [-stan DIR] [-seeds 1,2,3] [-only NAME]
//
// It runs nothing: bench/posterior.sh times the runs and leaves their files
// here.
//
//   - -data: the posteriordb folders (NAME/reference.json); one table row per folder.
//   - -flow: flowppl's runs, for posterior NAME and seed K: NAME.seedK.time
//     (the output of /usr/bin/time -v: wall, peak RSS, CPU, exit status),
//     NAME.seedK.out (the script's standard output, with the line
//     "bench-report steps N stopped WHY" that posterior.sh appends to a copy
//     of the script), NAME.seedK.err and NAME.seedK.csv (write_csv of the
//     summary s).
//   - -stan: the output directory of ../shared/bench/stan/run_stan.R:
//     times.txt (its TIMES lines; the last line for a posterior wins) and
//     NAME.nuts.csv, NAME.meanfield.csv, NAME.fullrank.csv. Without it, or
//     for a posterior without a TIMES line, the Stan columns are empty.
//
// Output (standard output), markdown: the main table (one row per
// posterior, the seeds' figures as "a / b / c"), the Done-when
// comparisons, and two detail tables (each flowppl fit; each Stan method).
package main

import (
	"bufio"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/internal/posteriordb"
)

// The Done-when figures of issue 13.
const (
	maxRSSMB       = 150 // peak RSS of one flowppl run
	hardChains     = 2.5 // chains ÷ 2 from which flowppl must beat pure sampling
	firstRunFactor = 5   // flowppl ≤ (compile + NUTS wall) / firstRunFactor
	cores          = 2   // run_stan.R samples 4 chains on 2 cores
)

func main() {
	data := flag.String("data", "", "folder of the posteriordb folders (NAME/reference.json)")
	flowDir := flag.String("flow", "", "folder of flowppl's run files (NAME.seedK.time, .out, .err, .csv)")
	stanDir := flag.String("stan", "", "run_stan.R's output folder (times.txt, NAME.METHOD.csv); empty: no Stan columns")
	seedList := flag.String("seeds", "1,2,3", "comma-separated seeds")
	only := flag.String("only", "", "only the posteriors whose name contains this")
	flag.Parse()
	if *data == "" || *flowDir == "" {
		fmt.Fprintln(os.Stderr, "usage: posterior -data DIR -flow DIR [-stan DIR] [-seeds 1,2,3] [-only NAME]")
		os.Exit(2)
	}
	seeds, err := parseSeeds(*seedList)
	if err != nil {
		fail(err)
	}
	names, err := posteriors(*data, *only)
	if err != nil {
		fail(err)
	}
	var stan map[string]stanTimes
	if *stanDir != "" {
		if stan, err = readTimes(filepath.Join(*stanDir, "times.txt")); err != nil {
			fail(err)
		}
	}
	var rows []posterior
	for _, name := range names {
		ref, err := posteriordb.Read(filepath.Join(*data, name, "reference.json"))
		if err != nil {
			fail(err)
		}
		p := posterior{name: name}
		for _, seed := range seeds {
			p.fits = append(p.fits, readFit(*flowDir, name, seed, ref))
		}
		if t, ok := stan[name]; ok {
			p.stan = &t
			p.stanWarnings = nutsWarnings(filepath.Join(*stanDir, name+".log"))
			for _, m := range stanMethods {
				p.methods = append(p.methods, scoreCSV(filepath.Join(*stanDir, name+"."+m+".csv"), ref))
			}
		}
		rows = append(rows, p)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	mainTable(w, rows)
	fmt.Fprintln(w)
	doneTable(w, rows)
	fmt.Fprintln(w)
	fitTable(w, rows)
	fmt.Fprintln(w)
	stanTable(w, rows)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "posterior:", err)
	os.Exit(2)
}

func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, f := range strings.Split(s, ",") {
		k, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("bad seed %q in -seeds %q", f, s)
		}
		out = append(out, k)
	}
	return out, nil
}

// posteriors lists the folders of dir that hold a reference.json, sorted.
func posteriors(dir, only string) ([]string, error) {
	refs, err := filepath.Glob(filepath.Join(dir, "*", "reference.json"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, r := range refs {
		name := filepath.Base(filepath.Dir(r))
		if strings.Contains(name, only) {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no posteriordb folder (NAME/reference.json) in %s matches %q", dir, only)
	}
	return names, nil
}

// posterior is one table row.
type posterior struct {
	name    string
	fits    []fit        // one per seed
	stan    *stanTimes   // nil: no Stan figures
	methods []stanMethod // nuts, meanfield, fullrank when stan != nil

	stanWarnings string // NUTS's warnings in Stan's log (divergences, tree depth, R-hat)
}

// score is a summary scored against the reference.
type score struct {
	err        string // the summary could not be read or scored
	worstZ     float64
	zName      string
	worstRatio float64 // the ratio farthest from 1 (on a log scale)
	ratioName  string
	lo, hi     float64 // the range of sd ratios
	pass       bool
}

func (s score) bar() string {
	switch {
	case s.err != "":
		return "error"
	case s.pass:
		return "pass"
	}
	return "FAIL"
}

// scoreCSV scores a summary CSV: a header line with a first column of
// parameter names and columns named mean and sd (flowppl's write_csv of
// summary(q), run_stan.R's name,mean,sd). A name with unquoted commas (R
// writes them unquoted) takes the fields left over before the last ones.
func scoreCSV(path string, ref *posteriordb.Reference) score {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return score{err: "no summary " + filepath.Base(path)}
		}
		return score{err: err.Error()}
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return score{err: fmt.Sprintf("%s: %v", path, err)}
	}
	mi, si := -1, -1
	for j, h := range header {
		switch strings.TrimSpace(h) {
		case "mean":
			mi = j
		case "sd":
			si = j
		}
	}
	if mi < 1 || si < 1 {
		return score{err: fmt.Sprintf("%s: want a first column of names and columns mean and sd, got %v", path, header)}
	}
	var names []string
	var means, sds []float64
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return score{err: fmt.Sprintf("%s: %v", path, err)}
		}
		extra := len(rec) - len(header)
		if extra < 0 {
			return score{err: fmt.Sprintf("%s: short line %v", path, rec)}
		}
		m, err1 := strconv.ParseFloat(rec[mi+extra], 64)
		s, err2 := strconv.ParseFloat(rec[si+extra], 64)
		if err1 != nil || err2 != nil {
			return score{err: fmt.Sprintf("%s: bad numbers in %v", path, rec)}
		}
		names = append(names, canonical(strings.Join(rec[:1+extra], ",")))
		means, sds = append(means, m), append(sds, s)
	}
	rows, err := posteriordb.Score(names, means, sds, ref)
	if err != nil {
		return score{err: err.Error()}
	}
	sc := score{pass: true, lo: math.Inf(1), hi: math.Inf(-1), worstZ: -1, worstRatio: 1}
	for _, row := range rows {
		if z := math.Abs(row.Z); z > sc.worstZ || math.IsNaN(z) {
			sc.worstZ, sc.zName = z, row.Name
		}
		if d := math.Abs(math.Log(row.Ratio)); d > math.Abs(math.Log(sc.worstRatio)) || math.IsNaN(d) {
			sc.worstRatio, sc.ratioName = row.Ratio, row.Name
		}
		sc.lo, sc.hi = math.Min(sc.lo, row.Ratio), math.Max(sc.hi, row.Ratio)
		sc.pass = sc.pass && row.Pass
	}
	return sc
}

// canonical writes an element name as posteriordb.FlowName does:
// L[1, 2], whatever the spacing after the commas.
func canonical(name string) string {
	name = strings.ReplaceAll(strings.TrimSpace(name), " ", "")
	return strings.ReplaceAll(name, ",", ", ")
}

// fit is one flowppl run.
type fit struct {
	seed    uint64
	err     string // the run failed or left no figures
	wall    float64
	cpu     float64 // user + system seconds
	rssMB   float64
	steps   string
	stopped string
	score   score
}

func readFit(dir, name string, seed uint64, ref *posteriordb.Reference) fit {
	base := filepath.Join(dir, fmt.Sprintf("%s.seed%d", name, seed))
	ft := fit{seed: seed}
	tv, err := readTimeV(base + ".time")
	if err != nil {
		ft.err = err.Error()
		if _, serr := os.Stat(base + ".err"); serr == nil && errors.Is(err, errNotRun) {
			ft.err = firstLine(base + ".err") // posterior.sh says why it did not run
		}
		ft.score.err = ft.err
		return ft
	}
	ft.wall, ft.cpu, ft.rssMB = tv.wall, tv.user+tv.sys, tv.rssKB/1024
	if tv.status != 0 {
		ft.err = fmt.Sprintf("exit status %d: %s", tv.status, firstLine(base+".err"))
		ft.score.err = ft.err
		return ft
	}
	if out, err := os.ReadFile(base + ".out"); err == nil {
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) >= 3 && f[0] == "bench-report" && f[1] == "steps" {
				ft.steps = f[2]
				if len(f) >= 5 && f[3] == "stopped" {
					ft.stopped = strings.ReplaceAll(strings.Join(f[4:], " "), "|", "/")
				}
			}
		}
	}
	ft.score = scoreCSV(base+".csv", ref)
	if ft.score.err != "" {
		ft.err = ft.score.err
	}
	return ft
}

// firstLine is the first non-empty line of a file, cut to 200 bytes
// and safe in a markdown cell.
func firstLine(path string) string {
	b, _ := os.ReadFile(path)
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 200 {
				l = l[:200] + "…"
			}
			return strings.ReplaceAll(l, "|", "/")
		}
	}
	return "(no message)"
}

// errNotRun says a run left no /usr/bin/time output.
var errNotRun = errors.New("not run")

// timeV is what /usr/bin/time -v reports.
type timeV struct {
	wall, user, sys, rssKB float64
	status                 int
}

func readTimeV(path string) (timeV, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return timeV{}, fmt.Errorf("%w (no %s)", errNotRun, filepath.Base(path))
		}
		return timeV{}, err
	}
	var tv timeV
	seen := 0
	for _, l := range strings.Split(string(b), "\n") {
		key, val, ok := strings.Cut(strings.TrimSpace(l), ": ")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch {
		case key == "User time (seconds)":
			tv.user, err = strconv.ParseFloat(val, 64)
		case key == "System time (seconds)":
			tv.sys, err = strconv.ParseFloat(val, 64)
		case key == "Maximum resident set size (kbytes)":
			tv.rssKB, err = strconv.ParseFloat(val, 64)
			seen++
		case key == "Exit status":
			tv.status, err = strconv.Atoi(val)
		case strings.HasPrefix(key, "Elapsed (wall clock) time"):
			// "h:mm:ss" or "m:ss.ss"; the key itself holds colons.
			val = val[strings.LastIndex(val, " ")+1:]
			tv.wall, err = clock(val)
			seen++
		}
		if err != nil {
			return timeV{}, fmt.Errorf("%s: %q: %v", path, l, err)
		}
	}
	if seen < 2 {
		return timeV{}, fmt.Errorf("%s: no wall time and peak RSS (is it /usr/bin/time -v output?)", path)
	}
	return tv, nil
}

// clock reads h:mm:ss or m:ss.ss as seconds.
func clock(s string) (float64, error) {
	var t float64
	for _, part := range strings.Split(s, ":") {
		v, err := strconv.ParseFloat(part, 64)
		if err != nil {
			return 0, err
		}
		t = 60*t + v
	}
	return t, nil
}

var stanMethods = []string{"nuts", "meanfield", "fullrank"}

// nutsWarnings picks rstan's sampling warnings out of the log that
// posterior.sh keeps of run_stan.R (NAME.log): "There were 3 divergent
// transitions after warmup", "... exceeded the maximum treedepth", "The
// largest R-hat is 1.05", "Bulk Effective Samples Size (ESS) is too low".
func nutsWarnings(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		for _, m := range []string{"There were ", "The largest R-hat", "Bulk Effective Samples Size", "Tail Effective Samples Size"} {
			if i := strings.Index(l, m); i >= 0 {
				l = strings.TrimSuffix(strings.TrimSpace(l[i:]), " See")
				out = append(out, strings.TrimRight(l, ",."))
				break
			}
		}
	}
	return strings.ReplaceAll(strings.Join(out, "; "), "|", "/")
}

// stanTimes is a TIMES line of run_stan.R, in seconds.
type stanTimes struct {
	compile, nutsWall, nutsChains, meanfield, fullrank float64
}

// stanMethod is a Stan method's summary, scored.
type stanMethod = score

func readTimes(path string) (map[string]stanTimes, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := map[string]stanTimes{}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.Fields(l)
		if len(f) == 0 || f[0] != "TIMES" {
			continue
		}
		if len(f) != 12 {
			return nil, fmt.Errorf("%s: want TIMES NAME compile S nuts_wall S nuts_chains S meanfield S fullrank S, got %q", path, l)
		}
		v := map[string]float64{}
		for i := 2; i+1 < len(f); i += 2 {
			x, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q: %v", path, l, err)
			}
			v[f[i]] = x
		}
		out[f[1]] = stanTimes{v["compile"], v["nuts_wall"], v["nuts_chains"], v["meanfield"], v["fullrank"]}
	}
	return out, nil
}

// perSeed joins one figure of every seed's fit as "a / b / c".
func (p posterior) perSeed(f func(fit) string) string {
	var s []string
	for _, ft := range p.fits {
		if ft.err != "" && ft.wall == 0 {
			s = append(s, "–")
			continue
		}
		s = append(s, f(ft))
	}
	return strings.Join(s, " / ")
}

// worst is the slowest wall time and the largest peak RSS over the seeds;
// ok is false when a run left no time figures.
func (p posterior) worst() (wall, rss float64, ok bool) {
	ok = len(p.fits) > 0
	for _, ft := range p.fits {
		if ft.wall == 0 {
			ok = false
		}
		wall, rss = math.Max(wall, ft.wall), math.Max(rss, ft.rssMB)
	}
	return wall, rss, ok
}

func (p posterior) allPass() bool {
	for _, ft := range p.fits {
		if ft.err != "" || !ft.score.pass {
			return false
		}
	}
	return len(p.fits) > 0
}

func mainTable(w io.Writer, rows []posterior) {
	seeds := "seeds"
	if len(rows) > 0 {
		var s []string
		for _, ft := range rows[0].fits {
			s = append(s, strconv.FormatUint(ft.seed, 10))
		}
		seeds += " " + strings.Join(s, " / ")
	}
	fmt.Fprintf(w, "| posterior | flowppl wall s (%s) | peak RSS MB | steps | worst abs z | worst sd ratio | bar | Stan compile s | NUTS wall s | NUTS chains s ÷ %d | ADVI meanfield s: worst abs z, worst sd ratio, bar | ADVI fullrank s: worst abs z, worst sd ratio, bar |\n", seeds, cores)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range rows {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |", p.name,
			p.perSeed(func(f fit) string { return fmt.Sprintf("%.1f", f.wall) }),
			p.perSeed(func(f fit) string { return fmt.Sprintf("%.0f", f.rssMB) }),
			p.perSeed(func(f fit) string { return orDash(f.steps) }),
			p.perSeed(func(f fit) string { return zCell(f.score) }),
			p.perSeed(func(f fit) string { return ratioCell(f.score) }),
			p.perSeed(func(f fit) string { return f.score.bar() }))
		if p.stan == nil {
			fmt.Fprintln(w, " – | – | – | – | – |")
			continue
		}
		t := p.stan
		fmt.Fprintf(w, " %.1f | %.1f | %.1f | %s | %s |\n", t.compile, t.nutsWall, t.nutsChains/cores,
			advi(t.meanfield, p.methods[1]), advi(t.fullrank, p.methods[2]))
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func zCell(s score) string {
	if s.err != "" {
		return "–"
	}
	return fmt.Sprintf("%.2f", s.worstZ)
}

func ratioCell(s score) string {
	if s.err != "" {
		return "–"
	}
	return fmt.Sprintf("%.2f", s.worstRatio)
}

func advi(secs float64, s score) string {
	if s.err != "" {
		return fmt.Sprintf("%.1f: error", secs)
	}
	return fmt.Sprintf("%.1f: %s, %s, %s", secs, zCell(s), ratioCell(s), s.bar())
}

// doneTable compares each posterior with the Done-when of issue 13: the
// slowest seed's wall time and the largest peak RSS against Stan's figures.
func doneTable(w io.Writer, rows []posterior) {
	fmt.Fprintf(w, "| posterior | bar on every seed | flowppl wall s (slowest seed) | < NUTS wall | < NUTS chains ÷ %d where that is ≥ %.1f s | ≤ (compile + NUTS wall) / %d | peak RSS ≤ %d MB |\n",
		cores, hardChains, firstRunFactor, maxRSSMB)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	var nPass, nNUTS, nChains, nHard, nFirst, nRSS, nStan int
	for _, p := range rows {
		wall, rss, ok := p.worst()
		bar := "no"
		if p.allPass() {
			bar = "yes"
			nPass++
		}
		if !ok {
			fmt.Fprintf(w, "| %s | %s | – | – | – | – | – |\n", p.name, bar)
			continue
		}
		rssCell := fmt.Sprintf("%s (%.0f)", yes(rss <= maxRSSMB), rss)
		if rss <= maxRSSMB {
			nRSS++
		}
		if p.stan == nil {
			fmt.Fprintf(w, "| %s | %s | %.1f | no Stan figures | – | – | %s |\n", p.name, bar, wall, rssCell)
			continue
		}
		nStan++
		t := p.stan
		if wall < t.nutsWall {
			nNUTS++
		}
		chains := t.nutsChains / cores
		chainCell := fmt.Sprintf("not required (%.1f)", chains)
		if chains >= hardChains {
			nHard++
			chainCell = fmt.Sprintf("%s (%.1f)", yes(wall < chains), chains)
			if wall < chains {
				nChains++
			}
		}
		first := (t.compile + t.nutsWall) / firstRunFactor
		if wall <= first {
			nFirst++
		}
		fmt.Fprintf(w, "| %s | %s | %.1f | %s (%.1f) | %s | %s (%.1f) | %s |\n", p.name, bar, wall,
			yes(wall < t.nutsWall), t.nutsWall, chainCell, yes(wall <= first), first, rssCell)
	}
	fmt.Fprintf(w, "| **met** | %d of %d | | %d of %d | %d of %d | %d of %d | %d of %d |\n",
		nPass, len(rows), nNUTS, nStan, nChains, nHard, nFirst, nStan, nRSS, len(rows))
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// fitTable lists every flowppl fit.
func fitTable(w io.Writer, rows []posterior) {
	fmt.Fprintln(w, "| posterior | seed | wall s | CPU s | peak RSS MB | steps | stopped | worst abs z (parameter) | sd ratio range (worst) | bar | note |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range rows {
		for _, f := range p.fits {
			if f.wall == 0 && f.err != "" {
				fmt.Fprintf(w, "| %s | %d | | | | | | | | error | %s |\n", p.name, f.seed, f.err)
				continue
			}
			bar, note := f.score.bar(), ""
			if f.err != "" {
				bar, note = "error", f.err
			}
			fmt.Fprintf(w, "| %s | %d | %.1f | %.1f | %.0f | %s | %s | %s | %s | %s | %s |\n", p.name, f.seed,
				f.wall, f.cpu, f.rssMB, orDash(f.steps), orDash(f.stopped), zDetail(f.score), ratioDetail(f.score), bar, note)
		}
	}
}

func zDetail(s score) string {
	if s.err != "" {
		return "–"
	}
	return fmt.Sprintf("%.3f (%s)", s.worstZ, s.zName)
}

func ratioDetail(s score) string {
	if s.err != "" {
		return "–"
	}
	return fmt.Sprintf("%.2f–%.2f (%s %.2f)", s.lo, s.hi, s.ratioName, s.worstRatio)
}

// stanTable lists Stan's three methods, NUTS scored too (rstan's NUTS
// against posteriordb's reference draws: a check of the reference and of
// the scoring).
func stanTable(w io.Writer, rows []posterior) {
	fmt.Fprintln(w, "| posterior | Stan method | s | worst abs z (parameter) | sd ratio range (worst) | bar | note |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, p := range rows {
		if p.stan == nil {
			fmt.Fprintf(w, "| %s | – | | | | | not run |\n", p.name)
			continue
		}
		secs := []float64{p.stan.nutsWall, p.stan.meanfield, p.stan.fullrank}
		for i, m := range stanMethods {
			s := p.methods[i]
			note := ""
			if s.err != "" {
				note = strings.ReplaceAll(s.err, "|", "/")
			} else if m == "nuts" {
				note = p.stanWarnings
			}
			fmt.Fprintf(w, "| %s | %s | %.1f | %s | %s | %s | %s |\n", p.name, m, secs[i], zDetail(s), ratioDetail(s), s.bar(), note)
		}
	}
}
