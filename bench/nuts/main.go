// Command nuts runs flowppl's NUTS (infer.NUTS, and NeuTra NUTS from a
// fitted flow guide) on the posteriordb translations and on Neal's 10-D
// funnel, with Stan's defaults (4 chains × (1000 warm-up + 1000 draws),
// adapt delta 0.8, max tree depth 10), and prints markdown tables for
// issue 15 (bench/nuts.sh runs it beside Stan and R).
//
//	go run ./bench/nuts [-only NAME] [-metric diag,dense] [-neutra NAME,...]
//	                    [-samples N] [-seed K] [-out DIR] [-funnel] [-stan FILE]
//
// Run it from the repository root. Each posterior is the script
// examples/posteriordb/NAME/model.flow up to its guide (`q = ...`), with
// `post = MODEL(...)` taken from its fit statement, as the interp
// benchmarks build it (interp/nuts_bench_test.go). The chains' draws are
// mapped to the constrained latents and derived quantities by the model
// itself (interp.Guide.SampleNamed on a flow that replays the draws), so
// theta of the non-centred eight schools is scored as summary(q) scores
// it. Scoring (issue 15's bar, stricter than bench/posteriordb's): every
// reference parameter's mean within 0.1 reference sd (|z| ≤ 0.1) and
// every sd ratio in [0.9, 1.1]. R-hat (rank-normalised split, the larger
// of bulk and tail) and bulk ESS are the R package posterior's, from
// draws.Summarize, over the reference parameters.
//
// Times: wall seconds of the whole NUTS call (warm-up + sampling) and the
// process's CPU seconds over it (getrusage: all threads, GC included).
// flowppl batches the four chains' gradients into one evaluation of the
// model on one core (interp.Posterior is not a Forker), so wall ≈ CPU on
// an idle core. "sampling s" apportions the CPU seconds to the sampling
// iterations by their share of the gradient evaluations (warm-up,
// step-size heuristic and initialisation are the rest): the chains run
// in lockstep rounds, so there is no clean time stamp between the phases.
//
// -out DIR writes each run's draws in CmdStan's layout (DIR/RUN_1.csv …
// RUN_4.csv, RUN = NAME.METRIC) and flowppl's summary of them
// (DIR/RUN.summary.csv), for bench/draws/compare.R DIR RUN. -stan FILE
// (written by bench/nuts/stan.R) adds Stan's rows to the speed table.
package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/flowppl/flowppl/bench/internal/cmdstanout"
	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/posteriordb"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// The bar: every mean within MaxZ reference sds, every sd ratio in
// [MinRatio, MaxRatio].
const (
	MaxZ     = 0.1
	MinRatio = 0.9
	MaxRatio = 1.1
)

var (
	only         = flag.String("only", "", "comma-separated substrings: only the posteriors whose folder name contains one")
	metrics      = flag.String("metric", "diag", "comma-separated metrics to run each posterior with (diag, dense, unit)")
	metricFor    = flag.String("metric-for", "", "NAME=M1+M2,...: the metrics of the posteriors whose name contains NAME, instead of -metric (e.g. diamonds=dense)")
	neutraOn     = flag.String("neutra", "", "comma-separated substrings: also run NeuTra NUTS from the default flow guide on these posteriors")
	samples      = flag.Int("samples", 1000, "sampling iterations per chain")
	warmup       = flag.Int("warmup", 1000, "warm-up iterations per chain")
	chains       = flag.Int("chains", 4, "chains")
	seed         = flag.Uint64("seed", 1, "seed of the chains (and of the guide fits)")
	out          = flag.String("out", "", "directory for the CmdStan CSV files and summaries (none when empty)")
	funnel       = flag.Bool("funnel", false, "run the 10-D funnel: plain NUTS and NeuTra NUTS from a fitted flow")
	noPDB        = flag.Bool("no-posteriordb", false, "skip the posteriordb posteriors")
	stanFile     = flag.String("stan", "", "Stan's speed rows (bench/nuts/stan.R's output) to print beside flowppl's")
	delta        = flag.Float64("delta", 0, "target acceptance (0: Stan's 0.8)")
	centered     = flag.Bool("centered", false, "run the centred eight schools: plain NUTS and NeuTra NUTS from the default flow guide, scored against the non-centred reference")
	centeredLong = flag.Int("centered-long", 5000, "with -centered, also run NeuTra with this many draws a chain (0: no)")
)

func main() {
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("nuts: ")
	if _, err := os.Stat("examples/posteriordb"); err != nil {
		log.Fatal("no examples/posteriordb here: run from the repository root")
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	var results []*result
	if !*noPDB {
		files, err := filepath.Glob("examples/posteriordb/*/model.flow")
		if err != nil || len(files) == 0 {
			log.Fatal("no examples/posteriordb/*/model.flow")
		}
		for _, file := range files {
			dir := filepath.Dir(file)
			name := filepath.Base(dir)
			if !matches(name, *only) {
				continue
			}
			for _, m := range metricsOf(name) {
				results = append(results, runPosteriordb(dir, name, m, false))
			}
			if *neutraOn != "" && matches(name, *neutraOn) {
				results = append(results, runPosteriordb(dir, name, "diag", true))
			}
		}
		printAccuracy(results)
	}
	if *centered {
		load := func() (*interp.Posterior, *lang.Thread, error) {
			const file = "examples/posteriordb/eight_schools-eight_schools_noncentered/centered.flow"
			src, err := os.ReadFile(file)
			if err != nil {
				return nil, nil, err
			}
			return execPosterior(file, string(src))
		}
		ref := "examples/posteriordb/eight_schools-eight_schools_noncentered/reference.json"
		var cr []*result
		for _, neutra := range []bool{false, true} {
			cr = append(cr, runScored("eight_schools_centered", ref, load, "diag", neutra, *samples))
		}
		if *centeredLong > 0 {
			cr = append(cr, runScored("eight_schools_centered", ref, load, "diag", true, *centeredLong))
		}
		printScored(fmt.Sprintf("Eight schools, centred, scored against the non-centred reference (%d chains × (%d + %d) unless the metric says ×N draws, seed %d)", *chains, *warmup, *samples, *seed), cr)
	}
	if *funnel {
		results = append(results, runFunnel(false), runFunnel(true))
		printFunnel(results)
	}
	printSpeed(results)
}

// matches says whether name contains one of the comma-separated
// substrings of list (every name when list is empty).
func matches(name, list string) bool {
	if list == "" {
		return true
	}
	for _, s := range strings.Split(list, ",") {
		if s = strings.TrimSpace(s); s != "" && strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// metricsOf returns the metrics posterior name runs with: -metric, or the
// first entry of -metric-for whose NAME it contains.
func metricsOf(name string) []string {
	list := strings.Split(*metrics, ",")
	if *metricFor != "" {
		for _, e := range strings.Split(*metricFor, ",") {
			n, ms, ok := strings.Cut(e, "=")
			if ok && n != "" && strings.Contains(name, strings.TrimSpace(n)) {
				list = strings.Split(ms, "+")
				break
			}
		}
	}
	for i := range list {
		list[i] = strings.TrimSpace(list[i])
	}
	return list
}

// result is one NUTS run, scored.
type result struct {
	name, method string // posterior, "diag"/"dense"/"neutra"
	err          error
	rows         []posteriordb.Row
	sum          *draws.Summary
	worstZ       posteriordb.Row
	worstRatio   posteriordb.Row
	rhat         float64 // max over the scored quantities
	essBulk      float64 // min over the scored quantities
	essTail      float64
	minESSName   string
	divergent    int
	saturated    int
	leapfrogs    float64 // per sampling iteration, mean over chains
	gradients    int     // all gradient evaluations, warm-up included
	sampleGrads  int     // leapfrogs of the sampling iterations
	wall, cpu    float64 // seconds of the NUTS call
	fitWall      float64 // NeuTra: the guide fit's seconds
	fitCPU       float64 // NeuTra: the guide fit's CPU seconds
	fitK         float64 // NeuTra: the guide's Pareto k
	stepSizes    []float64
	draws        int // per chain
	pass         bool
	scored       map[string]bool
	vSD, vMean   float64 // funnel: v's sd and mean
	// samplesOverride, when not 0, is the run's draws a chain instead of
	// -samples.
	samplesOverride int
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return math.NaN()
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// fitCall matches a posteriordb script's fit statement, as
// interp/model_step_bench_test.go does.
var fitCall = regexp.MustCompile(`(?s)\nr = fit q to (.*?) by elbo`)

// loadPosterior runs the script in dir up to its guide and returns the
// posterior of its fit statement.
func loadPosterior(dir string) (*interp.Posterior, *lang.Thread, error) {
	src, err := os.ReadFile(filepath.Join(dir, "model.flow"))
	if err != nil {
		return nil, nil, err
	}
	m := fitCall.FindSubmatch(src)
	cut := strings.Index(string(src), "\nq = ")
	if m == nil || cut < 0 {
		return nil, nil, fmt.Errorf("%s: no line q = ... and fit q to MODEL(...) by elbo", dir)
	}
	text := string(src[:cut]) + "\npost = " + string(m[1]) + "\n"
	return execPosterior(filepath.Join(dir, "model.flow"), text)
}

func execPosterior(file, text string) (*interp.Posterior, *lang.Thread, error) {
	th := &lang.Thread{Rand: rand.New(rand.NewPCG(*seed, 2)), Stdout: io.Discard, Stderr: io.Discard, Quiet: true}
	g, err := interp.ExecFile(th, file, text, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("%s", interp.FormatError(err))
	}
	p, ok := g["post"].(*interp.Posterior)
	if !ok {
		return nil, nil, fmt.Errorf("%s: post is not a posterior", file)
	}
	return p, th, nil
}

func options(metric string) infer.NUTSOptions {
	return infer.NUTSOptions{Chains: *chains, Warmup: *warmup, Samples: *samples, Seed: *seed, Metric: metric, Delta: *delta}
}

// defaultGuide fits the default posterior guide (flow
// AffineAutoregressive with the PosteriorHidden widths, default fit
// options) to p, as the scripts' fit does.
func defaultGuide(p *interp.Posterior) (*flows.Flow, *infer.PosteriorReport, error) {
	d := p.Dim()
	var h []float64
	for _, w := range interp.PosteriorHidden(d) {
		h = append(h, float64(w))
	}
	return fitGuide(p, map[string]flows.OptionValue{"hidden": h}, infer.Options{Quiet: true, Seed: *seed, HasSeed: true})
}

func fitGuide(p infer.Posterior, opts map[string]flows.OptionValue, fo infer.Options) (*flows.Flow, *infer.PosteriorReport, error) {
	d := p.Dim()
	base, err := dist.NewNormal(tensor.Zeros(d), tensor.Full(1, d))
	if err != nil {
		return nil, nil, err
	}
	q, err := flows.Apply("AffineAutoregressive", base, opts, rand.New(rand.NewPCG(*seed, 1)))
	if err != nil {
		return nil, nil, err
	}
	rep, err := infer.FitPosterior(q, p, fo, nil)
	return q, rep, err
}

// runPosteriordb runs NUTS (or NeuTra NUTS) on one posteriordb posterior
// and scores it.
func runPosteriordb(dir, name, metric string, neutra bool) *result {
	return runScored(name, filepath.Join(dir, "reference.json"), func() (*interp.Posterior, *lang.Thread, error) { return loadPosterior(dir) },
		metric, neutra, *samples)
}

// runScored runs NUTS (or NeuTra NUTS) with n draws a chain on the
// posterior load returns and scores it against the reference file ref0.
func runScored(name, ref0 string, load func() (*interp.Posterior, *lang.Thread, error), metric string, neutra bool, n int) *result {
	method := metric
	if neutra {
		method = "neutra"
	}
	if n != *samples {
		method += fmt.Sprintf(" ×%d", n)
	}
	r := &result{name: name, method: method, samplesOverride: n}
	fmt.Fprintf(os.Stderr, "nuts: %s %s ...\n", name, method)
	ref, err := posteriordb.Read(ref0)
	if err != nil {
		r.err = err
		return r
	}
	p, th, err := load()
	if err != nil {
		r.err = err
		return r
	}
	res, err := sample(r, p, metric, neutra)
	if err != nil {
		r.err = err
		return r
	}
	set, err := drawSet(name, p, th, res)
	if err != nil {
		r.err = err
		return r
	}
	r.scored = map[string]bool{}
	for stan := range ref.Params {
		r.scored[posteriordb.FlowName(stan)] = true
	}
	if err := r.score(set, ref); err != nil {
		r.err = err
		return r
	}
	if *out != "" {
		base := filepath.Join(*out, name+"."+strings.ReplaceAll(method, " ×", "_"))
		if _, err := cmdstanout.Write(base+".csv", base+".summary.csv", set, r.sum); err != nil {
			r.err = err
		}
	}
	fmt.Fprintf(os.Stderr, "nuts: %s %s: worst |z| %.3f (%s), sd ratio %.3f (%s), R-hat %.4f, min bulk ESS %.0f, %d divergent, %.1f s wall, %.1f s CPU\n",
		name, method, math.Abs(r.worstZ.Z), r.worstZ.Name, r.worstRatio.Ratio, r.worstRatio.Name, r.rhat, r.essBulk, r.divergent, r.wall, r.cpu)
	return r
}

// sample runs the sampler and fills r's sampler figures.
func sample(r *result, p infer.Posterior, metric string, neutra bool) (*infer.NUTSResult, error) {
	var q *flows.Flow
	if neutra {
		t0, cpu0 := time.Now(), cpuSeconds()
		var rep *infer.PosteriorReport
		var err error
		if ip, ok := p.(*interp.Posterior); ok {
			q, rep, err = defaultGuide(ip)
		} else {
			return nil, fmt.Errorf("neutra needs an interp posterior")
		}
		if err != nil {
			return nil, fmt.Errorf("guide fit: %v", err)
		}
		r.fitWall, r.fitCPU, r.fitK = time.Since(t0).Seconds(), cpuSeconds()-cpu0, rep.ParetoK
	}
	return runSampler(r, p, q, metric)
}

func runSampler(r *result, p infer.Posterior, q *flows.Flow, metric string) (*infer.NUTSResult, error) {
	o := options(metric)
	if r.samplesOverride > 0 {
		o.Samples = r.samplesOverride
	}
	cpu0, t0 := cpuSeconds(), time.Now()
	var res *infer.NUTSResult
	var err error
	if q != nil {
		res, err = infer.NeuTraNUTS(p, q, o)
	} else {
		res, err = infer.NUTS(p, o)
	}
	r.wall, r.cpu = time.Since(t0).Seconds(), cpuSeconds()-cpu0
	if err != nil {
		return nil, err
	}
	leap := 0
	for _, c := range res.Chains {
		r.gradients += c.Gradients
		r.divergent += c.Divergences()
		r.stepSizes = append(r.stepSizes, c.AdaptedStepSize)
		for i := c.Warmup; i < c.Len(); i++ {
			leap += c.NLeapfrog[i]
			if c.TreeDepth[i] >= res.Options.MaxDepth {
				r.saturated++
			}
		}
	}
	r.sampleGrads = leap
	r.draws = res.Options.Samples
	r.leapfrogs = float64(leap) / float64(len(res.Chains)*res.Options.Samples)
	return res, nil
}

// replay is a "distribution" whose draws are given rows, in order: a flow
// over it with no layers makes interp.Guide.SampleNamed map the chains'
// unconstrained draws through the model.
type replay struct {
	data []float64
	d    int
	pos  int
}

func (r *replay) Dim() int { return r.d }
func (r *replay) LogProb(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Zeros(x.Dim(0))
}
func (r *replay) Sample(_ *rand.Rand, n int) *tensor.Tensor {
	v := slices.Clone(r.data[r.pos*r.d : (r.pos+n)*r.d])
	r.pos += n
	return tensor.New(v, n, r.d)
}
func (r *replay) Support() dist.Support { return dist.Support{Kind: dist.Real} }
func (r *replay) String() string        { return "replay" }

// drawSet maps the chains' draws to the model's constrained latents and
// derived quantities and returns them as a draws.Set with the sampler
// columns.
func drawSet(model string, p *interp.Posterior, th *lang.Thread, res *infer.NUTSResult) (*draws.Set, error) {
	d := res.Dim
	var all []float64
	n := 0
	for _, c := range res.Chains {
		k := c.Len() - c.Warmup
		all = append(all, c.Draws[c.Warmup*d:]...)
		n += k
	}
	f, err := flows.New(&replay{data: all, d: d})
	if err != nil {
		return nil, err
	}
	rec, err := (&interp.Guide{Flow: f, Post: p}).SampleNamed(th, n)
	if err != nil {
		return nil, err
	}
	set := &draws.Set{Model: model, Method: draws.NUTS}
	type col struct {
		t *tensor.Tensor
		k int
	}
	var cols []col
	width := 0
	for _, name := range rec.Names {
		a, ok := rec.Fields[name].(*lang.Array)
		if !ok {
			continue
		}
		t := a.T
		k := t.Len() / n
		if t.Rank() == 1 {
			set.Params = append(set.Params, draws.Param{Name: name})
		} else {
			set.Params = append(set.Params, draws.Param{Name: name, Shape: []int{k}})
		}
		cols = append(cols, col{t, k})
		width += k
	}
	st := draws.StanDefaults()
	o := res.Options
	st.NumSamples, st.NumWarmup, st.Seed, st.Delta, st.MaxDepth = o.Samples, o.Warmup, o.Seed, o.Delta, o.MaxDepth
	st.Metric = o.Metric + "_e"
	set.Settings = st
	row := 0
	for _, c := range res.Chains {
		k := c.Len() - c.Warmup
		ch := make([][]float64, k)
		stats := make([]draws.NUTSStat, k)
		for i := range k {
			v := make([]float64, 0, width)
			for _, cl := range cols {
				v = append(v, cl.t.Data()[(row+i)*cl.k:(row+i+1)*cl.k]...)
			}
			ch[i] = v
			j := c.Warmup + i
			stats[i] = draws.NUTSStat{AcceptStat: c.AcceptStat[j], StepSize: c.StepSize[j], TreeDepth: c.TreeDepth[j],
				Leapfrog: c.NLeapfrog[j], Divergent: c.Divergent[j], Energy: c.Energy[j]}
		}
		row += k
		set.Draws = append(set.Draws, ch)
		set.LogDensity = append(set.LogDensity, slices.Clone(c.LP[c.Warmup:]))
		set.Stats = append(set.Stats, stats)
		info := draws.ChainInfo{StepSize: c.AdaptedStepSize, WarmupSeconds: c.WarmupTime.Seconds(), SamplingSeconds: c.SampleTime.Seconds()}
		if o.Metric == "dense" {
			for i := range d {
				info.InvMetric = append(info.InvMetric, slices.Clone(c.InvMetric[i*d:(i+1)*d]))
			}
		} else if c.InvMetric != nil {
			info.InvMetric = [][]float64{slices.Clone(c.InvMetric)}
		}
		set.Chains = append(set.Chains, info)
	}
	return set, set.Validate()
}

// score summarises set and scores the reference parameters.
func (r *result) score(set *draws.Set, ref *posteriordb.Reference) error {
	sum, err := draws.Summarize(set)
	if err != nil {
		return err
	}
	r.sum = sum
	var names []string
	var means, sds []float64
	r.essBulk, r.essTail = math.Inf(1), math.Inf(1)
	for _, row := range sum.Rows {
		names, means, sds = append(names, row.Name), append(means, row.Mean), append(sds, row.SD)
		if !r.scored[row.Name] {
			continue
		}
		r.rhat = max(r.rhat, row.Rhat)
		if row.ESSBulk < r.essBulk {
			r.essBulk, r.minESSName = row.ESSBulk, row.Name
		}
		r.essTail = min(r.essTail, row.ESSTail)
	}
	if ref == nil {
		return nil
	}
	rows, err := posteriordb.Score(names, means, sds, ref)
	if err != nil {
		return err
	}
	r.rows = rows
	r.worstZ, r.worstRatio = rows[0], rows[0]
	r.pass = true
	for _, x := range rows {
		if math.Abs(x.Z) > math.Abs(r.worstZ.Z) {
			r.worstZ = x
		}
		if math.Abs(math.Log(x.Ratio)) > math.Abs(math.Log(r.worstRatio.Ratio)) {
			r.worstRatio = x
		}
		if math.Abs(x.Z) > MaxZ || x.Ratio < MinRatio || x.Ratio > MaxRatio {
			r.pass = false
		}
	}
	return nil
}

// funnelSrc is Neal's funnel in 10 dimensions, as bench/nuts/funnel.stan.
const funnelSrc = `
model funnel() {
    v ~ Normal(0, 3)
    x ~ Normal(zeros(9), exp(v / 2))
}
post = funnel()
`

// runFunnel runs plain NUTS or NeuTra NUTS on the funnel. The guide is
// infer's TestNeuTraFunnel10's: a v-first AffineAutoregressive (hidden
// [64, 64]) fitted for 3000 steps (batch 256, lr 0.005, clip 10).
func runFunnel(neutra bool) *result {
	method := "diag"
	if neutra {
		method = "neutra"
	}
	r := &result{name: "funnel10", method: method}
	fmt.Fprintf(os.Stderr, "nuts: funnel %s ...\n", method)
	p, th, err := execPosterior("funnel.flow", funnelSrc)
	if err != nil {
		r.err = err
		return r
	}
	var q *flows.Flow
	if neutra {
		t0, cpu0 := time.Now(), cpuSeconds()
		var rep *infer.PosteriorReport
		q, rep, err = fitGuide(p, map[string]flows.OptionValue{"hidden": []float64{64, 64}, "permutation": []float64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
			infer.Options{Steps: 3000, Batch: 256, LR: 0.005, Clip: 10, Quiet: true, Seed: *seed, HasSeed: true})
		if err != nil {
			r.err = err
			return r
		}
		r.fitWall, r.fitCPU, r.fitK = time.Since(t0).Seconds(), cpuSeconds()-cpu0, rep.ParetoK
	}
	res, err := runSampler(r, p, q, "diag")
	if err != nil {
		r.err = err
		return r
	}
	set, err := drawSet("funnel10", p, th, res)
	if err != nil {
		r.err = err
		return r
	}
	r.scored = map[string]bool{"v": true}
	for i := range 9 {
		r.scored[fmt.Sprintf("x[%d]", i)] = true
	}
	if err := r.score(set, nil); err != nil {
		r.err = err
		return r
	}
	for _, row := range r.sum.Rows {
		if row.Name == "v" {
			r.vMean, r.vSD = row.Mean, row.SD
		}
	}
	if *out != "" {
		base := filepath.Join(*out, "funnel10."+method)
		if _, err := cmdstanout.Write(base+".csv", base+".summary.csv", set, r.sum); err != nil {
			r.err = err
		}
	}
	return r
}

func short(name string) string {
	if i := strings.Index(name, "-"); i > 0 {
		return name[:i]
	}
	return name
}

func printAccuracy(results []*result) {
	printScored(fmt.Sprintf("posteriordb by NUTS (%d chains × (%d + %d), seed %d): bar |z| ≤ %.1f, sd ratio in [%.1f, %.1f]", *chains, *warmup, *samples, *seed, MaxZ, MinRatio, MaxRatio), results)
}

func printScored(title string, results []*result) {
	fmt.Printf("\n### %s\n\n", title)
	fmt.Println("| posterior | metric | worst \\|z\\| | worst sd ratio | R-hat max | min bulk ESS | min tail ESS | divergent | max depth hits | leapfrogs / iter | step sizes | wall s | CPU s | result |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		if r.name == "funnel10" {
			continue
		}
		if r.err != nil {
			fmt.Printf("| %s | %s | | | | | | | | | | | | error: %s |\n", short(r.name), r.method, strings.ReplaceAll(r.err.Error(), "\n", " "))
			continue
		}
		res := "pass"
		switch {
		case !r.pass:
			res = "FAIL"
		case r.rhat >= 1.01:
			res = "means and sds within the bar, but R-hat ≥ 1.01: not converged"
		}
		method := r.method
		if strings.HasPrefix(r.method, "neutra") {
			method = fmt.Sprintf("%s (fit %.1f CPU s, k̂ %.2f)", r.method, r.fitCPU, r.fitK)
		}
		fmt.Printf("| %s | %s | %.3f (%s) | %.3f (%s) | %.4f | %.0f (%s) | %.0f | %d | %d | %.1f | %s | %.1f | %.1f | %s |\n",
			short(r.name), method, math.Abs(r.worstZ.Z), r.worstZ.Name, r.worstRatio.Ratio, r.worstRatio.Name, r.rhat, r.essBulk, r.minESSName, r.essTail,
			r.divergent, r.saturated, r.leapfrogs, stepRange(r.stepSizes), r.wall, r.cpu, res)
	}
}

func stepRange(s []float64) string {
	if len(s) == 0 {
		return ""
	}
	return fmt.Sprintf("%.3g–%.3g", slices.Min(s), slices.Max(s))
}

func printFunnel(results []*result) {
	fmt.Printf("\n### Neal's funnel, 10-D (%d chains × (%d + %d), seed %d): sd(v) should be 3\n\n", *chains, *warmup, *samples, *seed)
	fmt.Println("| sampler | mean v | sd v | R-hat max | min bulk ESS | divergent | max depth hits | leapfrogs / iter | wall s | CPU s |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range results {
		if r.name != "funnel10" {
			continue
		}
		if r.err != nil {
			fmt.Printf("| %s | error: %s |\n", r.method, r.err)
			continue
		}
		m := "plain NUTS (diag)"
		if r.method == "neutra" {
			m = fmt.Sprintf("NeuTra NUTS (fit %.1f CPU s, k̂ %.2f)", r.fitCPU, r.fitK)
		}
		fmt.Printf("| %s | %.3f | %.3f | %.4f | %.0f | %d of %d | %d | %.1f | %.1f | %.1f |\n", m, r.vMean, r.vSD, r.rhat, r.essBulk,
			r.divergent, *chains**samples, r.saturated, r.leapfrogs, r.wall, r.cpu)
	}
}

// speedNames are the posteriors of the speed table.
var speedNames = []string{"eight_schools", "kidiq", "funnel10"}

// printSpeed prints ESS per second, flowppl's rows beside Stan's (from
// -stan).
func printSpeed(results []*result) {
	stan := readStan(*stanFile)
	fmt.Printf("\n### Speed: min bulk ESS per second (%d chains × (%d + %d))\n\n", *chains, *warmup, *samples)
	fmt.Println("| posterior | sampler | min bulk ESS | warm-up + sampling s | sampling s | ESS / s (sampling) | ESS / s (all) | gradients | leapfrogs / iter |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	defer fmt.Println("\nflowppl: CPU s of the NUTS call (getrusage), sampling s apportioned by gradients; NeuTra's guide fit is not in these columns, it is added in the last line of each such row. Stan: get_elapsed_time summed over the 4 chains (clock(): CPU s), run one chain at a time. ESS: posterior's bulk ESS, smallest over the reference parameters (funnel: v and x).")
	for _, n := range speedNames {
		for _, r := range results {
			if short(r.name) != n || r.err != nil {
				continue
			}
			samp := r.cpu * float64(r.sampleGrads) / float64(r.gradients)
			fmt.Printf("| %s | flowppl %s (CPU s) | %.0f | %.2f | %.2f | %.0f | %.0f | %d | %.1f |\n", n, r.method, r.essBulk, r.cpu, samp,
				r.essBulk/samp, r.essBulk/r.cpu, r.gradients, r.leapfrogs)
			if r.method == "neutra" {
				fmt.Printf("| %s | flowppl neutra, guide fit included | %.0f | %.2f + fit %.2f | | | %.0f | | |\n", n, r.essBulk, r.cpu, r.fitCPU,
					r.essBulk/(r.cpu+r.fitCPU))
			}
		}
		for _, s := range stan {
			if s["name"] != n {
				continue
			}
			ess, w, sm := num(s["min_ess_bulk"]), num(s["warmup_s"]), num(s["sampling_s"])
			fmt.Printf("| %s | Stan %s (chain s, summed) | %.0f | %.2f | %.2f | %.0f | %.0f | %s | %s |\n", n, s["metric"], ess, w+sm, sm,
				ess/sm, ess/(w+sm), s["gradients"], s["leapfrogs_per_iter"])
		}
	}
}

func num(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}

// readStan reads stan.R's CSV (one row per run: name, metric, min_ess_bulk,
// warmup_s, sampling_s, ...).
func readStan(path string) []map[string]string {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		log.Printf("no Stan figures: %v", err)
		return nil
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 1 {
		log.Printf("no Stan figures in %s: %v", path, err)
		return nil
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			if i < len(rec) {
				m[h] = rec[i]
			}
		}
		out = append(out, m)
	}
	return out
}
