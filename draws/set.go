package draws

import (
	"github.com/flowppl/flowppl/tensor"

	"fmt"
	"math"
	"strconv"
	"strings"
)

// Method says where a Set's draws come from; it selects the CSV layout.
type Method string

// The methods a Set can hold.
const (
	// NUTS draws are Markov chains; the CSV has lp__ and Stan's six
	// sampler columns before the parameters.
	NUTS Method = "nuts"
	// Guide draws are independent draws of a fitted guide; the CSV has
	// lp_approx__ (log q) and lp__ (log p) before the parameters.
	Guide Method = "guide"
	// PSIS draws are a guide's draws importance-resampled with
	// Pareto-smoothed weights; the CSV is laid out as for Guide, with k̂
	// and the weights' ESS in the header.
	PSIS Method = "psis"
)

// Param is a latent of the model: its name and shape (nil for a scalar).
// Its values take prod(Shape) consecutive entries of a draw, row-major
// (the last index fastest), as flowppl stores arrays.
type Param struct {
	Name  string
	Shape []int
}

// Size returns the number of scalars in p.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Set is the draws of one run of a sampler (or of a guide), chain by
// chain, with what the CmdStan CSV layout records beside them.
type Set struct {
	// Model names the model in the CSV header ("model = ...").
	Model  string
	Method Method
	// Params lists the latents in the order of the draws' entries.
	Params []Param
	// Draws[c][i] is chain c's i-th draw (after warm-up): the values of
	// Params concatenated, each row-major. Every chain has the same
	// number of draws.
	Draws [][][]float64
	// LogDensity[c][i] is the unnormalised log density of the draw (the
	// lp__ column; for NUTS, of the unconstrained point as Stan's lp__,
	// Jacobian included). Nil writes 0.
	LogDensity [][]float64
	// LogApprox[c][i] is the guide's log density of the draw (Guide and
	// PSIS: the lp_approx__ column). Nil writes 0.
	LogApprox [][]float64
	// Stats[c][i] are NUTS's sampler statistics of each draw (NUTS only).
	Stats [][]NUTSStat
	// Settings are the run's settings, written in the header.
	Settings Settings
	// Chains holds per-chain adaptation and timing (optional; entry c
	// for chain c).
	Chains []ChainInfo
}

// NUTSStat is one NUTS transition's sampler statistics, the columns
// accept_stat__, stepsize__, treedepth__, n_leapfrog__, divergent__ and
// energy__ of CmdStan's CSV.
type NUTSStat struct {
	AcceptStat float64
	StepSize   float64
	TreeDepth  int
	Leapfrog   int
	Divergent  bool
	Energy     float64
}

// Settings are a run's settings as CmdStan's CSV header records them.
// NUTS uses all but the PSIS fields; Guide and PSIS use Seed and the
// PSIS fields.
type Settings struct {
	NumSamples, NumWarmup int // per chain; NumSamples 0 means len(Draws[c])
	Seed                  uint64
	// Adaptation (NUTS): engaged, target acceptance Delta, dual
	// averaging's Gamma, Kappa and T0, and the warm-up windows.
	AdaptEngaged                   bool
	Delta, Gamma, Kappa, T0        float64
	InitBuffer, TermBuffer, Window int
	MaxDepth                       int
	Metric                         string  // "diag_e", "dense_e" or "unit_e"
	StepSize, StepSizeJitter       float64 // initial step size and its jitter
	ParetoK, WeightsESS            float64 // PSIS: k̂ and the weights' ESS
	GuideDraws                     int     // PSIS: draws of the guide resampled
	Replace                        bool    // PSIS: resampled with replacement
}

// StanDefaults returns CmdStan's default NUTS settings (adapt delta 0.8,
// gamma 0.05, kappa 0.75, t0 10, windows 75/50/25, max depth 10, diag_e,
// step size 1) with num_samples = num_warmup = 1000.
func StanDefaults() Settings {
	return Settings{
		NumSamples: 1000, NumWarmup: 1000, AdaptEngaged: true,
		Delta: 0.8, Gamma: 0.05, Kappa: 0.75, T0: 10,
		InitBuffer: 75, TermBuffer: 50, Window: 25,
		MaxDepth: 10, Metric: "diag_e", StepSize: 1,
	}
}

// ChainInfo is a chain's adaptation result and timing.
type ChainInfo struct {
	// StepSize is the adapted step size (NUTS).
	StepSize float64
	// InvMetric is the adapted inverse metric: one row of its diagonal
	// (diag_e) or the full matrix (dense_e); nil for none.
	InvMetric [][]float64
	// WarmupSeconds and SamplingSeconds are the chain's wall times (zero
	// when not measured).
	WarmupSeconds, SamplingSeconds float64
}

// Validate reports a Set whose parts do not fit together: chains of
// different lengths, draws of the wrong width, columns of the wrong
// length.
func (s *Set) Validate() error {
	if len(s.Draws) == 0 || len(s.Draws[0]) == 0 {
		return fmt.Errorf("draws: the set has no draws")
	}
	switch s.Method {
	case NUTS, Guide, PSIS:
	default:
		return fmt.Errorf("draws: unknown method %q (want %q, %q or %q)", s.Method, NUTS, Guide, PSIS)
	}
	width := 0
	for _, p := range s.Params {
		if p.Name == "" {
			return fmt.Errorf("draws: a parameter has no name")
		}
		for _, d := range p.Shape {
			if d < 1 {
				return fmt.Errorf("draws: parameter %s has shape %v; dimensions must be positive", p.Name, p.Shape)
			}
		}
		width += p.Size()
	}
	n := len(s.Draws[0])
	for c, ch := range s.Draws {
		if len(ch) != n {
			return fmt.Errorf("draws: chain %d has %d draws, chain 1 has %d; chains must have equal length", c+1, len(ch), n)
		}
		for i, d := range ch {
			if len(d) != width {
				return fmt.Errorf("draws: chain %d draw %d has %d values, the parameters need %d", c+1, i+1, len(d), width)
			}
		}
	}
	col := func(name string, m int, lens func(c int) int) error {
		if m == 0 {
			return nil
		}
		if m != len(s.Draws) {
			return fmt.Errorf("draws: %s has %d chains, the draws %d", name, m, len(s.Draws))
		}
		for c := range m {
			if lens(c) != n {
				return fmt.Errorf("draws: %s of chain %d has %d entries, the chain %d draws", name, c+1, lens(c), n)
			}
		}
		return nil
	}
	if err := col("LogDensity", len(s.LogDensity), func(c int) int { return len(s.LogDensity[c]) }); err != nil {
		return err
	}
	if err := col("LogApprox", len(s.LogApprox), func(c int) int { return len(s.LogApprox[c]) }); err != nil {
		return err
	}
	if err := col("Stats", len(s.Stats), func(c int) int { return len(s.Stats[c]) }); err != nil {
		return err
	}
	if s.Method == NUTS && len(s.Stats) == 0 {
		return fmt.Errorf("draws: NUTS draws need their sampler statistics (Stats)")
	}
	if len(s.Chains) != 0 && len(s.Chains) != len(s.Draws) {
		return fmt.Errorf("draws: Chains has %d entries, the draws %d chains", len(s.Chains), len(s.Draws))
	}
	return nil
}

// element is one scalar of a parameter: its index in a draw and its
// 0-based multi-index.
type element struct {
	offset int
	index  []int
}

// elements lists p's scalars in CmdStan's column order (column-major: the
// first index fastest), each with its row-major offset within p.
func (p Param) elements() []element {
	n := p.Size()
	out := make([]element, n)
	for k := range n {
		idx := make([]int, len(p.Shape))
		r := k
		for j, d := range p.Shape {
			idx[j] = r % d
			r /= d
		}
		off := 0
		for j, d := range p.Shape {
			off = off*d + idx[j]
		}
		out[k] = element{off, idx}
	}
	return out
}

// CmdStanName returns the CSV column name of p's element at the 0-based
// index: "theta.1" for theta[0], "Sigma.2.1" for Sigma[1, 0].
func CmdStanName(name string, index []int) string {
	var b strings.Builder
	b.WriteString(name)
	for _, i := range index {
		b.WriteByte('.')
		b.WriteString(strconv.Itoa(i + 1))
	}
	return b.String()
}

// FlowName returns the element's name as flowppl writes it, 0-based:
// "theta[0]", "Sigma[1, 0]".
func FlowName(name string, index []int) string {
	if len(index) == 0 {
		return name
	}
	parts := make([]string, len(index))
	for j, i := range index {
		parts[j] = strconv.Itoa(i)
	}
	return name + "[" + strings.Join(parts, ", ") + "]"
}

// Column is one scalar quantity of a Set: its names and its draws
// [chain][iteration].
type Column struct {
	Name    string // flowppl's name, e.g. "theta[0]"
	CmdStan string // CmdStan's name, e.g. "theta.1"
	Draws   [][]float64
}

// Columns returns the Set's scalar quantities in CmdStan's column order
// (parameters in order, each column-major).
func (s *Set) Columns() []Column {
	var out []Column
	base := 0
	for _, p := range s.Params {
		for _, e := range p.elements() {
			x := make([][]float64, len(s.Draws))
			for c, ch := range s.Draws {
				x[c] = make([]float64, len(ch))
				for i, d := range ch {
					x[c][i] = d[base+e.offset]
				}
			}
			out = append(out, Column{FlowName(p.Name, e.index), CmdStanName(p.Name, e.index), x})
		}
		base += p.Size()
	}
	return out
}

// FormatCSVNumber writes v for a CSV file in the shortest form that reads
// back exactly (tensor.FormatNumber: no exponent from 1 up to 1e16), with
// NaN and infinities spelled as R, pandas and Python read them. CmdStan
// files and write_csv both use it.
func FormatCSVNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return tensor.FormatNumber(v)
}
