package draws

import (
	"fmt"
	"math"
	"strings"
	"text/tabwriter"

	"gonum.org/v1/gonum/stat"
)

// Warning thresholds of a Summary.
const (
	// RhatWarning is the R-hat above which a quantity's chains have not
	// mixed (Vehtari et al. 2021 recommend 1.01).
	RhatWarning = 1.01
	// ESSWarning is the bulk or tail ESS below which a quantity's mean,
	// median or tail quantiles are unreliable (100 per chain for 4
	// chains, as Vehtari et al. 2021 recommend).
	ESSWarning = 400
	// BFMIWarning is the E-BFMI below which a chain explored the energy
	// distribution poorly (CmdStan's diagnose uses 0.3).
	BFMIWarning = 0.3
)

// Row is one quantity's line of a Summary, as stansummary and
// posterior::summarise_draws compute it: the mean and its MCSE, the sd,
// the 5 %, 50 % and 95 % quantiles, bulk and tail ESS and R-hat.
type Row struct {
	Name                         string
	Mean, MCSE, SD, Q5, Q50, Q95 float64
	ESSBulk, ESSTail, Rhat       float64
}

// Summary is the summary table of a Set with its sampler diagnostics and
// warnings.
type Summary struct {
	Method        Method
	Chains, Draws int // chains and draws per chain
	// Rows are lp__ (when the set has log densities) and then each
	// parameter's elements, named as flowppl names them ("theta[0]").
	Rows []Row
	// Divergent counts the divergent transitions after warm-up (NUTS),
	// MaxDepthHits the transitions whose tree depth reached MaxDepth.
	Divergent, MaxDepthHits, MaxDepth int
	// BFMI is each chain's energy Bayesian fraction of missing
	// information (NUTS with at least 3 draws a chain).
	BFMI []float64
	// ParetoK, WeightsESS and GuideDraws are a PSIS set's k̂, weights'
	// ESS and number of guide draws (from its Settings). Resampled draws
	// hold no more information than WeightsESS independent draws, whatever
	// their ESS column says (duplicates look independent to it).
	ParetoK, WeightsESS float64
	GuideDraws          int
	// Warnings are the problems found, one sentence each: R-hat above
	// RhatWarning, bulk or tail ESS below ESSWarning, divergences,
	// tree-depth saturation, E-BFMI below BFMIWarning.
	Warnings []string
	// SamplerWarnings are the last three of those, the ones about how
	// the sampler ran (SamplerWarnings of the Set): a program that
	// reported them when it sampled need not report them again.
	SamplerWarnings []string
}

// SummaryRow computes the summary line of one quantity's draws
// x[chain][iteration].
func SummaryRow(name string, x [][]float64) (Row, error) {
	r := Row{Name: name}
	if err := check(x); err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	all := flatten(x)
	r.Mean, r.SD = stat.Mean(all, nil), sd(all)
	r.MCSE, _ = MCSEMean(x)
	r.Q5, _ = Quantile(x, 0.05)
	r.Q50, _ = Quantile(x, 0.5)
	r.Q95, _ = Quantile(x, 0.95)
	r.ESSBulk, _ = ESSBulk(x)
	r.ESSTail, _ = ESSTail(x)
	r.Rhat, _ = Rhat(x)
	return r, nil
}

// Summarize returns the summary table of s: a Row for lp__ (when s has
// log densities) and for each parameter element; for NUTS the number of
// divergent transitions, of transitions at the maximum tree depth and
// each chain's E-BFMI; and the warnings.
func Summarize(s *Set) (*Summary, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	sum := &Summary{Method: s.Method, Chains: len(s.Draws), Draws: len(s.Draws[0]), MaxDepth: s.Settings.MaxDepth}
	if s.Method == PSIS {
		sum.ParetoK, sum.WeightsESS, sum.GuideDraws = s.Settings.ParetoK, s.Settings.WeightsESS, s.Settings.GuideDraws
	}
	if s.LogDensity != nil {
		r, err := SummaryRow("lp__", s.LogDensity)
		if err != nil {
			return nil, err
		}
		sum.Rows = append(sum.Rows, r)
	}
	for _, col := range s.Columns() {
		r, err := SummaryRow(col.Name, col.Draws)
		if err != nil {
			return nil, err
		}
		sum.Rows = append(sum.Rows, r)
	}
	sum.countSampler(s)
	sum.SamplerWarnings = sum.samplerWarnings()
	sum.Warnings = append(sum.warnings(), sum.SamplerWarnings...)
	return sum, nil
}

// SamplerWarnings returns the warnings about how NUTS ran, as Summarize
// words them: divergent transitions after warm-up, transitions at the
// maximum tree depth and chains with an E-BFMI below BFMIWarning; none
// for other methods. It needs no summary rows.
func SamplerWarnings(s *Set) []string {
	sum := &Summary{Method: s.Method, MaxDepth: s.Settings.MaxDepth}
	if len(s.Draws) > 0 {
		sum.Chains, sum.Draws = len(s.Draws), len(s.Draws[0])
	}
	sum.countSampler(s)
	return sum.samplerWarnings()
}

// countSampler counts a NUTS set's divergent transitions and transitions
// at the maximum tree depth, and computes each chain's E-BFMI.
func (sum *Summary) countSampler(s *Set) {
	if s.Method != NUTS {
		return
	}
	for _, ch := range s.Stats {
		energy := make([]float64, len(ch))
		for i, t := range ch {
			if t.Divergent {
				sum.Divergent++
			}
			if sum.MaxDepth > 0 && t.TreeDepth >= sum.MaxDepth {
				sum.MaxDepthHits++
			}
			energy[i] = t.Energy
		}
		sum.BFMI = append(sum.BFMI, bfmi(energy))
	}
}

// bfmi is the energy Bayesian fraction of missing information of a chain,
// Σ(E_t − E_{t−1})² / Σ(E_t − Ē)² (Betancourt 2016; as CmdStan computes it).
func bfmi(e []float64) float64 {
	if len(e) < 3 {
		return math.NaN()
	}
	m := stat.Mean(e, nil)
	num, den := 0.0, 0.0
	for i, v := range e {
		if i > 0 {
			num += (v - e[i-1]) * (v - e[i-1])
		}
		den += (v - m) * (v - m)
	}
	return num / den
}

// warnings words the convergence problems: R-hat above RhatWarning, bulk or
// tail ESS below ESSWarning (samplerWarnings words the sampler's).
func (s *Summary) warnings() []string {
	var out []string
	type bad struct {
		name string
		v    float64
	}
	worst := func(test func(r Row) (float64, bool), larger bool) ([]string, bad) {
		var names []string
		var w bad
		for _, r := range s.Rows {
			v, ok := test(r)
			if !ok {
				continue
			}
			names = append(names, r.Name)
			if w.name == "" || (larger && v > w.v) || (!larger && v < w.v) {
				w = bad{r.Name, v}
			}
		}
		return names, w
	}
	// which names the quantities: "1.48 > 1.01 for b" for one, "above
	// 1.01 for a, b (largest 1.48, b)" for several.
	which := func(names []string, w bad, many, one, extreme string) string {
		if len(names) == 1 {
			return one + " for " + names[0]
		}
		list := strings.Join(names, ", ")
		if len(names) > 5 {
			list = strings.Join(names[:5], ", ") + fmt.Sprintf(" and %d more", len(names)-5)
		}
		return fmt.Sprintf("%s for %s ("+extreme+", %s)", many, list, w.v, w.name)
	}
	if names, w := worst(func(r Row) (float64, bool) { return r.Rhat, r.Rhat > RhatWarning }, true); len(names) > 0 {
		out = append(out, fmt.Sprintf("R-hat %s: the chains have not mixed, so the draws do not represent the posterior yet; run longer chains or reparameterise", which(names, w, fmt.Sprintf("above %g", RhatWarning), fmt.Sprintf("%.3g > %g", w.v, RhatWarning), "largest %.3g")))
	}
	if names, w := worst(func(r Row) (float64, bool) { return r.ESSBulk, r.ESSBulk < ESSWarning }, false); len(names) > 0 {
		out = append(out, fmt.Sprintf("bulk ESS %s: means and medians are unreliable; run more iterations", which(names, w, fmt.Sprintf("below %d", ESSWarning), fmt.Sprintf("%.0f < %d", w.v, ESSWarning), "smallest %.0f")))
	}
	if names, w := worst(func(r Row) (float64, bool) { return r.ESSTail, r.ESSTail < ESSWarning }, false); len(names) > 0 {
		out = append(out, fmt.Sprintf("tail ESS %s: the 5 %% and 95 %% quantiles are unreliable; run more iterations", which(names, w, fmt.Sprintf("below %d", ESSWarning), fmt.Sprintf("%.0f < %d", w.v, ESSWarning), "smallest %.0f")))
	}
	return out
}

// samplerWarnings words the sampler's counts (countSampler).
func (s *Summary) samplerWarnings() []string {
	var out []string
	total := s.Chains * s.Draws
	if s.Divergent > 0 {
		out = append(out, fmt.Sprintf("%d of %d transitions after warm-up diverged (%.1f %%): the draws may be biased where the posterior's curvature is high; raise adapt_delta or reparameterise (e.g. non-centred, or NeuTra: sample with guide = a fitted guide)", s.Divergent, total, 100*float64(s.Divergent)/float64(total)))
	}
	if s.MaxDepthHits > 0 {
		out = append(out, fmt.Sprintf("%d of %d transitions after warm-up reached the maximum tree depth %d (%.1f %%): sampling is inefficient; raise max_depth or reparameterise", s.MaxDepthHits, total, s.MaxDepth, 100*float64(s.MaxDepthHits)/float64(total)))
	}
	var low []string
	for c, b := range s.BFMI {
		if b < BFMIWarning {
			low = append(low, fmt.Sprintf("chain %d (%.2f)", c+1, b))
		}
	}
	if len(low) > 0 {
		out = append(out, fmt.Sprintf("E-BFMI below %g in %s: the chains explore the energy distribution poorly; reparameterise", BFMIWarning, strings.Join(low, ", ")))
	}
	return out
}

// String formats the summary as a table like stansummary's, then the
// sampler diagnostics and the warnings, one per line.
func (s *Summary) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d chain", s.Method, s.Chains)
	if s.Chains != 1 {
		b.WriteString("s")
	}
	fmt.Fprintf(&b, " × %d draws\n", s.Draws)
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tmean\tmcse\tsd\t5%\t50%\t95%\tess_bulk\tess_tail\trhat\t")
	for _, r := range s.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name,
			g3(r.Mean), g2(r.MCSE), g3(r.SD), g3(r.Q5), g3(r.Q50), g3(r.Q95),
			f0(r.ESSBulk), f0(r.ESSTail), f2(r.Rhat))
	}
	tw.Flush()
	if s.Method == NUTS {
		fmt.Fprintf(&b, "divergent: %d, max tree depth (%d) reached: %d", s.Divergent, s.MaxDepth, s.MaxDepthHits)
		if len(s.BFMI) > 0 {
			parts := make([]string, len(s.BFMI))
			for i, v := range s.BFMI {
				parts[i] = fmt.Sprintf("%.2f", v)
			}
			fmt.Fprintf(&b, ", E-BFMI: %s", strings.Join(parts, " "))
		}
		b.WriteByte('\n')
	}
	if s.Method == PSIS {
		fmt.Fprintf(&b, "pareto k: %.2f, weights ESS: %.0f of %d guide draws\n", s.ParetoK, s.WeightsESS, s.GuideDraws)
	}
	for _, w := range s.Warnings {
		fmt.Fprintf(&b, "warning: %s\n", w)
	}
	return b.String()
}

func na(v float64, f func(float64) string) string {
	if math.IsNaN(v) {
		return "NA"
	}
	return f(v)
}

func g3(v float64) string { return na(v, func(v float64) string { return fmt.Sprintf("%.3g", v) }) }
func g2(v float64) string { return na(v, func(v float64) string { return fmt.Sprintf("%.2g", v) }) }
func f0(v float64) string { return na(v, func(v float64) string { return fmt.Sprintf("%.0f", v) }) }
func f2(v float64) string { return na(v, func(v float64) string { return fmt.Sprintf("%.2f", v) }) }
