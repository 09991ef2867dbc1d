package draws

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// nutsColumns are the sampler columns of CmdStan's NUTS output, in order.
var nutsColumns = []string{"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"}

// guideColumns are the leading columns of guide and PSIS draws, named as
// CmdStan's Pathfinder names them: the approximation's log density, then
// the model's.
var guideColumns = []string{"lp_approx__", "lp__"}

// WriteCmdStan writes chain c (0-based) of s to w in CmdStan's CSV layout:
//
//   - a comment header of "# key = value" lines, indented as CmdStan
//     indents its argument tree: model, method = sample, num_samples,
//     num_warmup, save_warmup = 0, thin = 1, the adaptation settings,
//     algorithm = hmc, engine = nuts, max_depth, metric, stepsize,
//     id (the 1-based chain), seed;
//   - the column names: lp__,accept_stat__,stepsize__,treedepth__,
//     n_leapfrog__,divergent__,energy__ and the parameters, named
//     "theta.1" (1-based) and ordered column-major ("Sigma.1.1",
//     "Sigma.2.1", "Sigma.1.2", ...) as CmdStan orders them;
//   - for NUTS, the adaptation block "# Adaptation terminated",
//     "# Step size = …", "# Diagonal elements of inverse mass matrix:"
//     (or "# Elements of inverse mass matrix:" and one line per row);
//   - the draws, one a line, each number in the shortest form that reads
//     back exactly (so R and flowppl see the same doubles);
//   - the "Elapsed Time" comment block (0 seconds when not measured:
//     rstan fails on a set where some chains have the block and some not).
//
// Guide and PSIS draws have the columns lp_approx__ (the guide's log
// density, as in CmdStan's Pathfinder output) and lp__ then the
// parameters; the header notes method = guide or psis, with num_samples,
// num_warmup = 0 and thin = 1 (so rstan::read_stan_csv reads it) and, for
// PSIS, pareto_k, the weights' ESS, the number of guide draws resampled
// and whether with replacement.
func WriteCmdStan(w io.Writer, s *Set, c int) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if c < 0 || c >= len(s.Draws) {
		return fmt.Errorf("draws: chain %d out of range (the set has %d chains)", c+1, len(s.Draws))
	}
	b := bufio.NewWriter(w)
	n := len(s.Draws[c])
	st := s.Settings
	ns := st.NumSamples
	if ns == 0 {
		ns = n
	}
	line := func(indent int, key string, v any) {
		fmt.Fprintf(b, "#%s%s = %v\n", strings.Repeat(" ", 1+2*indent), key, v)
	}
	model := s.Model
	if model == "" {
		model = "model"
	}
	line(0, "model", model)
	switch s.Method {
	case NUTS:
		line(0, "method", "sample")
		fmt.Fprintln(b, "#   sample")
		line(2, "num_samples", ns)
		line(2, "num_warmup", st.NumWarmup)
		line(2, "save_warmup", 0)
		line(2, "thin", 1)
		fmt.Fprintln(b, "#     adapt")
		line(3, "engaged", b2i(st.AdaptEngaged))
		line(3, "gamma", FormatCSVNumber(st.Gamma))
		line(3, "delta", FormatCSVNumber(st.Delta))
		line(3, "kappa", FormatCSVNumber(st.Kappa))
		line(3, "t0", FormatCSVNumber(st.T0))
		line(3, "init_buffer", st.InitBuffer)
		line(3, "term_buffer", st.TermBuffer)
		line(3, "window", st.Window)
		line(2, "algorithm", "hmc")
		fmt.Fprintln(b, "#       hmc")
		line(4, "engine", "nuts")
		fmt.Fprintln(b, "#           nuts")
		line(6, "max_depth", st.MaxDepth)
		line(4, "metric", st.Metric)
		line(4, "stepsize", FormatCSVNumber(st.StepSize))
		line(4, "stepsize_jitter", FormatCSVNumber(st.StepSizeJitter))
	default:
		line(0, "method", string(s.Method))
		fmt.Fprintf(b, "#   %s\n", s.Method)
		line(2, "num_samples", ns)
		line(2, "num_warmup", 0)
		line(2, "save_warmup", 0)
		line(2, "thin", 1)
		if s.Method == PSIS {
			line(2, "guide_draws", st.GuideDraws)
			line(2, "replace", b2i(st.Replace))
			line(2, "pareto_k", FormatCSVNumber(st.ParetoK))
			line(2, "weights_ess", FormatCSVNumber(st.WeightsESS))
		}
	}
	line(0, "id", c+1)
	fmt.Fprintln(b, "# random")
	line(1, "seed", st.Seed)
	fmt.Fprintln(b, "# generator = flowppl")

	cols := s.Columns()
	names := guideColumns
	if s.Method == NUTS {
		names = nutsColumns
	}
	names = append([]string(nil), names...)
	for _, col := range cols {
		names = append(names, col.CmdStan)
	}
	fmt.Fprintln(b, strings.Join(names, ","))

	var info ChainInfo
	if len(s.Chains) > 0 {
		info = s.Chains[c]
	}
	if s.Method == NUTS && st.AdaptEngaged {
		fmt.Fprintln(b, "# Adaptation terminated")
		fmt.Fprintf(b, "# Step size = %s\n", FormatCSVNumber(info.StepSize))
		switch {
		case len(info.InvMetric) == 1:
			fmt.Fprintln(b, "# Diagonal elements of inverse mass matrix:")
			writeRow(b, info.InvMetric[0])
		case len(info.InvMetric) > 1:
			fmt.Fprintln(b, "# Elements of inverse mass matrix:")
			for _, row := range info.InvMetric {
				writeRow(b, row)
			}
		}
	}

	row := make([]string, 0, len(names))
	for i := range n {
		row = row[:0]
		lp := 0.0
		if s.LogDensity != nil {
			lp = s.LogDensity[c][i]
		}
		if s.Method == NUTS {
			t := s.Stats[c][i]
			row = append(row, FormatCSVNumber(lp), FormatCSVNumber(t.AcceptStat), FormatCSVNumber(t.StepSize),
				strconv.Itoa(t.TreeDepth), strconv.Itoa(t.Leapfrog), strconv.Itoa(b2i(t.Divergent)), FormatCSVNumber(t.Energy))
		} else {
			lq := 0.0
			if s.LogApprox != nil {
				lq = s.LogApprox[c][i]
			}
			row = append(row, FormatCSVNumber(lq), FormatCSVNumber(lp))
		}
		for _, col := range cols {
			row = append(row, FormatCSVNumber(col.Draws[c][i]))
		}
		fmt.Fprintln(b, strings.Join(row, ","))
	}
	{ // always: rstan's get_elapsed_time fails on a chain without it
		fmt.Fprintln(b, "# ")
		fmt.Fprintf(b, "#  Elapsed Time: %s seconds (Warm-up)\n", formatSeconds(info.WarmupSeconds))
		fmt.Fprintf(b, "#                %s seconds (Sampling)\n", formatSeconds(info.SamplingSeconds))
		fmt.Fprintf(b, "#                %s seconds (Total)\n", formatSeconds(info.WarmupSeconds+info.SamplingSeconds))
		fmt.Fprintln(b, "# ")
	}
	return b.Flush()
}

func writeRow(b *bufio.Writer, v []float64) {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = FormatCSVNumber(x)
	}
	fmt.Fprintf(b, "# %s\n", strings.Join(s, ", "))
}

func formatSeconds(t float64) string { return strconv.FormatFloat(t, 'g', 6, 64) }

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// ChainFiles returns the file names WriteCmdStanFiles writes for a set of
// m chains at path: path itself for one chain, else path with _1, _2, …
// before its extension ("draws.csv" → "draws_1.csv", "draws_2.csv"), as
// CmdStan names the files of num_chains > 1 and as
// rstan::read_stan_csv expects them (one file per chain; there is no
// chain column in CmdStan's layout).
func ChainFiles(path string, m int) []string {
	if m == 1 {
		return []string{path}
	}
	ext := filepath.Ext(path)
	stem := strings.TrimSuffix(path, ext)
	if ext == "" {
		ext = ".csv"
	}
	out := make([]string, m)
	for c := range m {
		out[c] = fmt.Sprintf("%s_%d%s", stem, c+1, ext)
	}
	return out
}

// WriteCmdStanFiles writes each chain of s with WriteCmdStan to its own
// file, named by ChainFiles(path, chains), creating each with create (a
// script's files go through its Thread's filesystem, never os directly).
// It returns the names written.
func WriteCmdStanFiles(create func(name string) (io.WriteCloser, error), path string, s *Set) ([]string, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	names := ChainFiles(path, len(s.Draws))
	for c, name := range names {
		f, err := create(name)
		if err != nil {
			return names[:c], err
		}
		err = WriteCmdStan(f, s, c)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return names[:c], fmt.Errorf("writing %s: %w", name, err)
		}
	}
	return names, nil
}
