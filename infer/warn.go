package infer

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/flowppl/flowppl/tensor"
	"gonum.org/v1/gonum/stat"
)

// Warnings of a posterior fit. A fit can end without an error and still
// be wrong: the posterior is improper (a latent with a flat prior that the
// likelihood does not inform), or many draws were dropped because the
// log density was not finite there. FitPosterior checks for both after
// the fit and puts one sentence per problem in PosteriorReport.Warnings.

// CoordNamer is a Posterior that can name the coordinates of its
// unconstrained space for messages ("mu", "theta[2]", "log sigma").
type CoordNamer interface {
	CoordName(i int) string
}

// DropExplainer is a Posterior that can say why some draws (unconstrained
// points) had a non-finite log density, in one sentence that names the
// term (the ~ or factor) and the values that led there. FitPosterior
// calls it on a few of the draws it dropped, when it drops more than
// DropWarning of them.
type DropExplainer interface {
	ExplainDropped(z [][]float64) string
}

// DropWarning is the fraction of a fit's draws that may be dropped (their
// log density not finite) without a warning.
const DropWarning = 0.01

// dropKeep is how many dropped draws a fit keeps (a uniform sample of all
// it dropped) to explain them.
const dropKeep = 8

// dropSample keeps a uniform sample of dropKeep of the rows it is shown
// (reservoir sampling, with its own random source so that the fit's draws
// do not depend on how many are dropped).
type dropSample struct {
	rows [][]float64
	seen int
	rng  *rand.Rand
}

// add offers rows idx of x ([B, D]) to the sample.
func (s *dropSample) add(x *tensor.Tensor, idx []int) {
	if s.rng == nil {
		s.rng = rand.New(rand.NewPCG(0xd209, 1))
	}
	d := x.Dim(1)
	data := x.Data()
	for _, i := range idx {
		s.seen++
		k := len(s.rows)
		if k >= dropKeep {
			k = s.rng.IntN(s.seen)
			if k >= dropKeep {
				continue
			}
		}
		row := slices.Clone(data[i*d : (i+1)*d])
		if k == len(s.rows) {
			s.rows = append(s.rows, row)
		} else {
			s.rows[k] = row
		}
	}
}

// droppedRows returns the indices of the rows of lp that are not finite.
func droppedRows(good []bool) []int {
	var out []int
	for i, g := range good {
		if !g {
			out = append(out, i)
		}
	}
	return out
}

// dropWarning returns the warning about dropped draws, or "".
func dropWarning(p Posterior, dropped, total int, s *dropSample) string {
	if total == 0 || float64(dropped) <= DropWarning*float64(total) {
		return ""
	}
	msg := fmt.Sprintf("%d of %d draws (%s %%) had a non-finite log density and were dropped", dropped, total, pct(float64(dropped)/float64(total)))
	why := ""
	if e, ok := p.(DropExplainer); ok && len(s.rows) > 0 {
		why = e.ExplainDropped(s.rows)
	} else if e, ok := p.(Explainer); ok && len(s.rows) > 0 {
		why = e.Explain(s.rows[0])
	}
	if why != "" {
		msg += ": " + why
	}
	return msg
}

// pct formats a fraction as a percentage with two significant digits.
func pct(f float64) string {
	return fmtNum(math.Round(f*100*100) / 100)
}

// capWarning is the warning of a posterior fit that reached its cap with
// the stopping rule on: reason is the report's Reason ("did not converge
// within steps = N: ..."), init its Init.
func capWarning(reason, init string) string {
	msg := "the fit " + reason + "; its answer may be far from the posterior: try more steps, or a larger batch (a less noisy loss)"
	if init == "prior" {
		msg += `, or init = "auto" (a start near the posterior's mode)`
	}
	return msg
}

// spreadTrace records, at checkpoints of a posterior fit, the robust
// location (median) and scale (interquartile range / 1.349, the sd of a
// normal) of each coordinate of the guide's draws in the unconstrained
// space, and the step's loss.
type spreadTrace struct {
	every int
	steps []int
	loc   [][]float64 // loc[k][j]: checkpoint k, coordinate j
	scale [][]float64
}

// spreadCheckpoints is about how many checkpoints a fit of up to
// spreadCheckpoints·spreadEvery steps records (more for a longer fit).
const spreadCheckpoints = 50

// spreadEvery is the largest interval between checkpoints: with a large
// cap (DefaultPosteriorSteps) a fit that ends early or diverges still has
// enough of them.
const spreadEvery = 20

func newSpreadTrace(steps int) *spreadTrace {
	return &spreadTrace{every: max(1, min(steps/spreadCheckpoints, spreadEvery))}
}

// record adds a checkpoint at step from the draws x ([B, D]) when step is
// one.
func (t *spreadTrace) record(step int, x *tensor.Tensor) {
	if step != 1 && step%t.every != 0 {
		return
	}
	b, d := x.Dim(0), x.Dim(1)
	data := x.Data()
	loc, scale := make([]float64, d), make([]float64, d)
	col := make([]float64, 0, b)
	for j := range d {
		col = col[:0]
		for i := range b {
			if v := data[i*d+j]; !math.IsNaN(v) && !math.IsInf(v, 0) {
				col = append(col, v)
			}
		}
		if len(col) < 4 {
			loc[j], scale[j] = math.NaN(), math.NaN()
			continue
		}
		slices.Sort(col)
		loc[j] = quantileSorted(col, 0.5)
		scale[j] = (quantileSorted(col, 0.75) - quantileSorted(col, 0.25)) / 1.349
	}
	t.steps = append(t.steps, step)
	t.loc = append(t.loc, loc)
	t.scale = append(t.scale, scale)
}

// quantileSorted is the p-quantile of sorted values by linear
// interpolation (R type 7).
func quantileSorted(s []float64, p float64) float64 {
	h := p * float64(len(s)-1)
	lo := int(math.Floor(h))
	if lo+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[lo] + (h-float64(lo))*(s[lo+1]-s[lo])
}

// Improper-posterior detection. On an improper posterior the ELBO has no
// maximum: the guide spreads out (a flat direction: its scale grows
// without bound) or drifts away (a density that keeps rising along a
// direction: HalfFlat's log-Jacobian), and the loss keeps falling. A
// proper posterior's guide settles: its spread and location change by a
// bounded factor from the start (which init = "auto" puts near the
// posterior's scale), and the loss levels. improperWarning fires when,
// for some coordinate,
//
//   - the guide's extent, max(scale, |location − start location|) in
//     units of the starting scale, grew at least improperGrowth-fold over
//     the fit;
//   - it was still growing at the end: it at least doubled over the last
//     third of the checkpoints (geometric growth, as an optimiser moving
//     a flow's log-scale at a steady rate gives; a proper fit's approach to
//     its target slows down);
//   - and the loss kept falling over the last third: the mean of the last
//     tenth of the step losses is below the mean of the tenth before the
//     last third by more than four standard errors;
//
// or when the guide's median of some coordinate ends beyond improperFar
// (the mode search that starts the guide ran off to infinity along a
// direction where the log density keeps rising; no proper posterior of a
// model in float64 has its mass there).
//
// On the examples and the posteriordb posteriors (with init "auto" and
// "prior") the growth stays below 5; the improper reproducers of the tests
// grow 50-fold in 300 steps and 1e10-fold in 1000.
const (
	improperGrowth   = 20
	improperFar      = 1e15
	improperMinSteps = 30
)

// improperWarning returns the warning of a fit whose posterior looks
// improper, or "".
func improperWarning(p Posterior, t *spreadTrace, losses []float64) string {
	n := len(t.steps)
	if n == 0 {
		return ""
	}
	coord := func(j int) string {
		if cn, ok := p.(CoordNamer); ok {
			if s := cn.CoordName(j); s != "" {
				return s
			}
		}
		return fmt.Sprintf("coordinate %d", j)
	}
	for j, l := range t.loc[n-1] {
		if math.Abs(l) > improperFar {
			return fmt.Sprintf("the posterior may be improper: the guide sits at %s = %s in the unconstrained space, where the mode search that starts it ran off to (the log density keeps rising that way); check that every latent has a proper prior or is informed by the likelihood",
				coord(j), fmtShort(l))
		}
	}
	if n < 6 || len(losses) < improperMinSteps {
		return ""
	}
	k := (2 * n) / 3
	best, bestJ, bestLoc := 0.0, -1, false
	extent := func(c, j int) (float64, bool) {
		s0 := t.scale[0][j]
		sc := t.scale[c][j] / s0
		dl := math.Abs(t.loc[c][j]-t.loc[0][j]) / s0
		if dl > sc {
			return dl, true
		}
		return sc, false
	}
	for j := range t.scale[0] {
		if !(t.scale[0][j] > 0) || math.IsInf(t.scale[0][j], 0) {
			continue
		}
		last, isLoc := extent(n-1, j)
		mid, _ := extent(k, j)
		if !(last >= improperGrowth && last >= 2*mid) {
			continue
		}
		if last > best {
			best, bestJ, bestLoc = last, j, isLoc
		}
	}
	if bestJ < 0 {
		return ""
	}
	// The loss over the last tenth against the tenth before step
	// steps[k].
	w := max(len(losses)/10, 3)
	end := losses[len(losses)-w:]
	at := min(max(t.steps[k]-1, w), len(losses)-w)
	before := losses[at-w : at]
	se := math.Sqrt((variance(end) + variance(before)) / float64(w))
	if !(stat.Mean(before, nil)-stat.Mean(end, nil) > 4*se) {
		return ""
	}
	name := coord(bestJ)
	var seen string
	if bestLoc {
		seen = fmt.Sprintf("the guide's location of %s drifted from %s to %s, %s times its starting scale",
			name, fmtShort(t.loc[0][bestJ]), fmtShort(t.loc[n-1][bestJ]), fmtShort(best))
	} else {
		seen = fmt.Sprintf("the guide's scale of %s grew from %s to %s", name, fmtShort(t.scale[0][bestJ]), fmtShort(t.scale[n-1][bestJ]))
	}
	return fmt.Sprintf("the posterior may be improper: %s over %d steps and the ELBO kept rising (from %s to %s over the last third); check that every latent has a proper prior or is informed by the likelihood",
		seen, len(losses), fmtShort(-stat.Mean(before, nil)), fmtShort(-stat.Mean(end, nil)))
}

// fmtShort formats a number with three significant digits.
func fmtShort(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return tensor.FormatNumber(v)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}
