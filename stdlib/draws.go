package stdlib

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/internal/option"
	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Draws is the value of sample(x, n, method = ...): the draws of a
// sampler (NUTS, PSIS resampling or a guide's own draws), chain by chain,
// on the constrained scale and with the model's names, derived
// quantities included. d.theta reads the draws of theta with the chains
// stacked (chain 1's draws first): an n-vector for a number, an n×k
// matrix for a k-vector, an n×(r·c) matrix for an r×c matrix (each draw
// flattened by rows), as the records of sample(q, n) hold them.
// summary(d) is its table with R-hat and ESS; write_draws(path, d)
// writes it in CmdStan's CSV layout.
type Draws struct {
	Set *draws.Set
}

var _ lang.HasAttrs = (*Draws)(nil)

// Type returns "draws".
func (*Draws) Type() string { return "draws" }

// String returns a short description: "<nuts draws of funnel: 4 chains ×
// 1000, v, z[9]>".
func (d *Draws) String() string {
	s := d.Set
	var names []string
	for _, p := range s.Params {
		n := p.Name
		if len(p.Shape) > 0 {
			parts := make([]string, len(p.Shape))
			for i, k := range p.Shape {
				parts[i] = fmt.Sprint(k)
			}
			n += "[" + strings.Join(parts, ", ") + "]"
		}
		names = append(names, n)
	}
	chains := "1 chain"
	if len(s.Draws) != 1 {
		chains = fmt.Sprintf("%d chains", len(s.Draws))
	}
	return fmt.Sprintf("<%s draws of %s: %s × %d; %s>", s.Method, s.Model, chains, len(s.Draws[0]), strings.Join(names, ", "))
}

// Attr returns the draws of the quantity name, chains stacked.
func (d *Draws) Attr(name string) (lang.Value, bool) {
	off := 0
	for _, p := range d.Set.Params {
		k := p.Size()
		if p.Name != name {
			off += k
			continue
		}
		var data []float64
		for _, ch := range d.Set.Draws {
			for _, row := range ch {
				data = append(data, row[off:off+k]...)
			}
		}
		n := len(data) / k
		if len(p.Shape) == 0 {
			return lang.NewArray(tensor.New(data, n)), true
		}
		return lang.NewArray(tensor.New(data, n, k)), true
	}
	return nil, false
}

// AttrNames returns the quantities' names.
func (d *Draws) AttrNames() []string {
	out := make([]string, len(d.Set.Params))
	for i, p := range d.Set.Params {
		out[i] = p.Name
	}
	return out
}

// Len returns the number of draws, all chains together.
func (d *Draws) Len() int { return len(d.Set.Draws) * len(d.Set.Draws[0]) }

// SampleOptions are the options of sample(x, n, method = ..., ...), set
// by SampleOptionTable; the zero value means the documented defaults.
// Given lists the options the call named, in order, so that a sampler
// can refuse one that does not apply to its method.
type SampleOptions struct {
	Method string
	// NUTS.
	Chains     int
	Warmup     int
	HasWarmup  bool
	Seed       uint64
	HasSeed    bool
	Metric     string
	AdaptDelta float64
	MaxDepth   int
	StepSize   float64
	InitRadius float64
	// PSIS.
	GuideDraws int
	Replace    bool
	HasReplace bool
	// Quiet turns the progress display off.
	Quiet bool
	// Guide is the guide= argument: a flow guide fitted to the posterior,
	// in whose base space NUTS runs (NeuTra); nil for none.
	Guide lang.Value
	Given []string
}

// SampleMethods are the values of sample's method option.
var SampleMethods = []string{"nuts", "psis", "guide"}

// SampleOptionTable is the options of sample(x, n, method = ...) besides
// guide: its name, range, default and doc each, read by sample, its
// errors, the REPL's help and docs/language.md.
var SampleOptionTable = &option.Table[SampleOptions]{What: "sample option", Options: []option.Option[SampleOptions]{
	{Name: "method", Kind: option.Choice, Choices: SampleMethods, Default: `"nuts" for a posterior m(data); none for a distribution or guide`,
		Doc: `"nuts": the No-U-Turn sampler on a posterior m(data); "psis": a fitted guide's draws importance-resampled; "guide": a fitted guide's own draws`,
		Set: func(o *SampleOptions, v any) { o.Method = v.(string) }},
	{Name: "chains", Kind: option.PositiveInt, Max: 1024, Default: "4",
		Doc: "nuts: the number of chains",
		Set: func(o *SampleOptions, v any) { o.Chains = v.(int) }},
	{Name: "warmup", Kind: option.NonNegativeInt, Default: "1000",
		Doc: "nuts: warm-up iterations per chain (step size and metric adaptation); 0 for none",
		Set: func(o *SampleOptions, v any) { o.Warmup, o.HasWarmup = int(min(v.(uint64), 1<<40)), true }},
	{Name: "seed", Kind: option.NonNegativeInt, Default: "none (the thread's random numbers)",
		Doc: "makes the draws reproducible (chain c uses the stream PCG(seed, c))",
		Set: func(o *SampleOptions, v any) { o.Seed, o.HasSeed = v.(uint64), true }},
	{Name: "metric", Kind: option.Choice, Choices: []string{"diag", "dense", "unit"}, Default: `"diag"`,
		Doc: "nuts: the metric, adapted in warm-up: diagonal, dense or the identity",
		Set: func(o *SampleOptions, v any) { o.Metric = v.(string) }},
	{Name: "adapt_delta", Kind: option.PositiveFloat, Range: "a number in (0, 1)", Default: "0.8",
		Doc: "nuts: the target acceptance statistic of step-size adaptation (raise it against divergences)",
		Set: func(o *SampleOptions, v any) { o.AdaptDelta = v.(float64) }},
	{Name: "max_depth", Kind: option.PositiveInt, Max: 30, Default: "10",
		Doc: "nuts: the maximum tree depth (at most 2^max_depth − 1 leapfrog steps a transition)",
		Set: func(o *SampleOptions, v any) { o.MaxDepth = v.(int) }},
	{Name: "stepsize", Kind: option.PositiveFloat, Default: "1",
		Doc: "nuts: the initial step size, before adaptation",
		Set: func(o *SampleOptions, v any) { o.StepSize = v.(float64) }},
	{Name: "init", Kind: option.PositiveFloat, Default: "2",
		Doc: "nuts: chains start uniformly in (−init, init) on the unconstrained space (CmdStan's init radius)",
		Set: func(o *SampleOptions, v any) { o.InitRadius = v.(float64) }},
	{Name: "guide_draws", Kind: option.PositiveInt, Default: "max(4n, 1000)",
		Doc: "psis: the guide draws weighted, of which n are resampled",
		Set: func(o *SampleOptions, v any) { o.GuideDraws = v.(int) }},
	{Name: "replace", Kind: option.Bool, Default: "true",
		Doc: "psis: resample with replacement (false: without, no duplicate draws)",
		Set: func(o *SampleOptions, v any) { o.Replace, o.HasReplace = v.(bool), true }},
	{Name: "quiet", Kind: option.Bool, Default: "false",
		Doc: "nuts: no progress display",
		Set: func(o *SampleOptions, v any) { o.Quiet = v.(bool) }},
}}

// MethodSampler is a value that sample(x, n, method = ...) draws from
// with a sampler: the interpreter's posteriors m(data) (NUTS) and guides
// fitted to them (PSIS, their own draws). n is the number of draws per
// chain after warm-up.
type MethodSampler interface {
	lang.Value
	SampleMethod(th *lang.Thread, n int, o SampleOptions) (*Draws, error)
}

// DefaultSampleDraws is n of sample(x, method = ...) without n (Stan's
// num_samples).
const DefaultSampleDraws = 1000

// sampleOptions parses the options of sample besides d and n.
func sampleOptions(kwargs []lang.Kwarg) (SampleOptions, error) {
	var o SampleOptions
	for _, kw := range kwargs {
		if kw.Name == "guide" {
			o.Guide = kw.Value
			o.Given = append(o.Given, kw.Name)
			continue
		}
		gv := OptionArg(kw.Value)
		opt, err := SampleOptionTable.Lookup(kw.Name)
		if err != nil {
			names := append([]string{"d", "n", "guide"}, SampleOptionTable.Names()...)
			return o, fmt.Errorf("sample: unexpected keyword argument %q%s (options: %s)", kw.Name, spell.Hint(kw.Name, names), strings.Join(names, ", "))
		}
		v, err := opt.Convert(gv)
		if err != nil {
			msg := err.Error()
			if s, ok := gv.(string); ok && opt.Kind == option.Choice {
				msg += spell.Hint(s, opt.Choices)
			}
			return o, fmt.Errorf("sample: %s", msg)
		}
		if opt.Name == "adapt_delta" && v.(float64) >= 1 {
			return o, fmt.Errorf("sample: %s", opt.Errorf(gv))
		}
		opt.Set(&o, v)
		o.Given = append(o.Given, kw.Name)
	}
	return o, nil
}

// OptionArg converts the value of an option argument (sample's keyword
// arguments, a fit's { name = value }) to the Go value that an option
// table (internal/option) converts and checks: a number to float64, a
// string to string, a bool to bool, none to nil; any other value to its
// kind, which every option rejects by name ("got vector").
func OptionArg(v lang.Value) any {
	switch v := v.(type) {
	case lang.Number:
		return float64(v)
	case lang.String:
		return string(v)
	case lang.Bool:
		return bool(v)
	case lang.NoneType:
		return nil
	}
	return kindName(v.Type())
}

// kindName is the kind of a value that no option takes; the option's
// error shows it ("got vector").
type kindName string

func (k kindName) String() string { return string(k) }

// sampleWithMethod is sample(x, n, method = ..., ...): kwargs holds the
// options (not d and n).
func sampleWithMethod(th *lang.Thread, x lang.Value, nv lang.Value, kwargs []lang.Kwarg) (lang.Value, error) {
	o, err := sampleOptions(kwargs)
	if err != nil {
		return nil, err
	}
	n := DefaultSampleDraws
	if nv != nil {
		k, err := intArg("sample", "n", nv)
		if err != nil {
			return nil, err
		}
		if k < 1 {
			return nil, fmt.Errorf("sample: n (draws per chain after warm-up) must be positive, got %d", k)
		}
		n = k
	}
	ms, ok := x.(MethodSampler)
	if !ok {
		what := "method = " + fmt.Sprintf("%q", o.Method)
		if o.Method == "" {
			what = o.Given[0]
		}
		return nil, fmt.Errorf("sample: %s needs a posterior m(data) (method \"nuts\") or a guide fitted to one (\"psis\", \"guide\"), got %s", what, lang.Describe(x))
	}
	d, err := ms.SampleMethod(th, n, o)
	if err != nil {
		return nil, err
	}
	return d, nil
}

func drawsBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("write_draws", "write_draws(path, d): write draws in CmdStan's CSV layout, one file per chain (path for one chain, else path_1.csv, path_2.csv, ...); returns the names written", builtinWriteDraws),
	}
}

func builtinWriteDraws(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var path string
	var dv lang.Value
	if err := lang.UnpackArgs("write_draws", args, kwargs, "path", &path, "d", &dv); err != nil {
		return nil, err
	}
	d, ok := dv.(*Draws)
	if !ok {
		return nil, fmt.Errorf("write_draws: got %s, want draws (the value of sample(m(data), n, method = \"nuts\"), or of sample(q, n, method = \"psis\" or \"guide\"))", lang.Describe(dv))
	}
	create := func(name string) (io.WriteCloser, error) { return &fileBuffer{th: th, name: name}, nil }
	names, err := draws.WriteCmdStanFiles(create, path, d.Set)
	if err != nil {
		var fe *lang.FileError
		if errors.As(err, &fe) { // the file's own error names the path
			err = fe
		}
		return nil, fmt.Errorf("write_draws: %w", err)
	}
	return lang.String(strings.Join(names, ", ")), nil
}

// fileBuffer collects a file's contents and writes them through the
// thread's file access when closed.
type fileBuffer struct {
	bytes.Buffer
	th   *lang.Thread
	name string
}

func (f *fileBuffer) Close() error { return f.th.WriteFile(f.name, f.Bytes()) }

// summaryOfDraws is summary(d) of draws: it prints the table like
// stansummary (lp__ first, then each quantity's elements: mean, MCSE, sd,
// 5%, 50%, 95%, bulk and tail ESS, R-hat) with the sampler's diagnostics,
// reports the warnings (R-hat above 1.01, ESS below 400, divergences,
// tree-depth saturation, low E-BFMI) at the call and returns the table.
func summaryOfDraws(th *lang.Thread, d *Draws) (lang.Value, error) {
	s, err := draws.Summarize(d.Set)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	t := DrawsTable(s)
	warnings := s.Warnings
	s.Warnings = nil
	fmt.Fprint(th.Stdout, s.String())
	if pr, ok := th.Stdout.(PrintRecorder); ok {
		pr.Printed(t)
	}
	for _, w := range warnings {
		if !slices.Contains(s.SamplerWarnings, w) { // sample reported those at its call
			th.Warning(th.CallPos(), w, false)
		}
	}
	return t, nil
}

// DrawsTable returns the rows of a draws summary as a Table with the
// columns mean, mcse, sd, q5, q50, q95, ess_bulk, ess_tail and rhat.
func DrawsTable(s *draws.Summary) *Table {
	t := &Table{RowLabel: "name"}
	cols := []struct {
		name, label string
		get         func(r draws.Row) float64
	}{
		{"mean", "mean", func(r draws.Row) float64 { return r.Mean }},
		{"mcse", "mcse", func(r draws.Row) float64 { return r.MCSE }},
		{"sd", "sd", func(r draws.Row) float64 { return r.SD }},
		{"q5", "5%", func(r draws.Row) float64 { return r.Q5 }},
		{"q50", "50%", func(r draws.Row) float64 { return r.Q50 }},
		{"q95", "95%", func(r draws.Row) float64 { return r.Q95 }},
		{"ess_bulk", "ess_bulk", func(r draws.Row) float64 { return r.ESSBulk }},
		{"ess_tail", "ess_tail", func(r draws.Row) float64 { return r.ESSTail }},
		{"rhat", "rhat", func(r draws.Row) float64 { return r.Rhat }},
	}
	for _, r := range s.Rows {
		t.Rows = append(t.Rows, r.Name)
	}
	for _, c := range cols {
		data := make([]float64, len(s.Rows))
		for i, r := range s.Rows {
			data[i] = c.get(r)
		}
		t.Cols = append(t.Cols, Column{Name: c.name, Label: c.label, Data: data})
	}
	return t
}
