package infer

import (
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// Large batches are split into chunks of rows for the tape. The loss of
// FitForward and FitReverse is a mean over the rows of a batch, and each
// row's term depends only on that row and the parameters, so its gradient
// is the sum of the gradients of the chunks' terms (Σ_rows term / Batch):
// a step draws the whole batch first (the same random numbers as unsplit),
// then runs the forward and backward pass of one chunk at a time on the
// tape, accumulating into the parameters' gradients, and steps the
// optimiser once. The tape then holds one chunk's activations and
// gradients instead of the whole batch's (at batch 10000 and hidden
// [256, 256], about 1460 values per row: 117 MB for the batch); results
// equal the unsplit step's up to rounding.
//
// FitPosterior splits its draws the same way: a draw of a posterior holds
// values for every row of the data (about 127,000 for the 5,000 rows of
// posteriordb's diamonds: 260 MB for 256 draws), so a large posterior's
// step runs in chunks of draws, each pushed through the guide and the
// model and differentiated in turn (posteriorChunks), with the draws
// whose log density is not finite dropped chunk by chunk and the loss
// normalised by the draws kept in the whole step.
//
// The chunk size comes from a memory budget: once per fit, the forward and
// backward passes of least/2 and least rows (probeRows for a batch of
// rows, DrawProbe for draws of a posterior) measure the tape's values per
// row and per chunk (their gradients are discarded), and a batch that
// would hold more than tapeBudget values is cut into the fewest chunks
// that each stay within it, of nearly equal size (chunks of least rows
// are allowed whatever the budget). A batch that fits is not split, so
// small fits run exactly as before. Guides whose rows interact
// (RowCoupler: a flow with BatchNorm, whose training statistics are the
// batch's) are never split.
//
// Evaluations without gradients (the ELBO and PSIS draws after a
// posterior fit, a guide's named draws for summary and sample, the mode
// search's ELBO estimates) run in chunks of draws on the scratch tensors
// of a tape within the same budget (EvalChunks), so that their memory
// does not grow with the number of draws.

// tapeBudget is the number of float64 values one chunk of a batch may
// hold on the tape (see SetTapeBudget).
var tapeBudget = DefaultTapeBudget

// DefaultTapeBudget is the default of SetTapeBudget: 1 Mi values, 8 MiB.
// The Go heap holds up to about twice what is live, so a fit's peak RSS is
// about twice the tape plus the data and the runtime: 96 MB for
// posteriordb's diamonds (5,000 rows, chunks of 8 draws), against 128 MB
// at 2 Mi values and 157 MB at 4 Mi. Smaller chunks cost no time there
// (same flops; the chunks stay in cache): see "Memory: chunks of draws"
// in bench/RESULTS.md.
const DefaultTapeBudget = 1 << 20

// SetTapeBudget sets the number of float64 values that one chunk of a
// split batch (a fit's step) or of draws evaluated in chunks (EvalChunks)
// may hold, and returns the previous budget. A smaller budget bounds
// memory more tightly at the cost of more, smaller passes; results change
// by rounding only. It must not be called while a fit or an evaluation
// runs (tests and measurements use it).
func SetTapeBudget(values int) int {
	old := tapeBudget
	tapeBudget = max(values, 1)
	return old
}

// probeRows is the number of rows of the measuring pass, and the smallest
// chunk: batches of at most probeRows rows are never split.
const probeRows = 256

// RowCoupler is a guide whose log density of a row can depend on the
// other rows of the batch it is computed with (a flow with a BatchNorm
// layer, in training). A fit never splits such a guide's batches.
type RowCoupler interface {
	CouplesRows() bool
}

// NoisePusher is a reparameterised guide that draws in two stages: Noise
// returns the randomness of n draws as an untracked [n, k] tensor, and
// Push maps rows of it to draws and their log densities, differentiably in
// the parameters; Push(Noise(rng, n)) is SampleAndLogProb(rng, n), row for
// row. FitReverse uses it to split a large batch (*flows.Flow implements
// it).
type NoisePusher interface {
	Noise(rng *rand.Rand, n int) *tensor.Tensor
	Push(noise *tensor.Tensor) (x, logq *tensor.Tensor)
}

// splitter splits the batches of one fit.
type splitter struct {
	params []*tensor.Tensor
	ok     bool    // the guide allows splitting
	least  int     // rows of the measuring pass, and the smallest chunk
	perRow float64 // tape values per row, once measured (0: not yet)
	fixed  float64 // tape values of a chunk whatever its rows
}

func newSplitter(q Guide) *splitter {
	ok := true
	if c, isRC := q.(RowCoupler); isRC && c.CouplesRows() {
		ok = false
	}
	return &splitter{params: q.Params(), ok: ok, least: probeRows}
}

// chunkRows returns the number of rows per chunk for a batch of n rows
// when a chunk of m rows holds fixed + m·perRow values: n when the batch
// fits the budget, else the size of the fewest nearly equal chunks that
// each fit (or that have at most least rows, whatever the budget).
func chunkRows(n int, perRow, fixed float64, least int) int {
	if fixed+float64(n)*perRow <= float64(tapeBudget) {
		return n
	}
	most := least
	if room := float64(tapeBudget) - fixed; room > 0 {
		most = max(least, int(room/perRow))
	}
	k := (n + most - 1) / most
	return (n + k - 1) / k
}

// size returns the number of rows per chunk for a batch of n rows on tp,
// whose parameters are watched: n when the batch is not to be split. Its
// first call on a splittable batch measures the tape's values per row and
// per chunk: probe(m) computes the loss of the batch's first m rows as a
// tracked scalar (nil: nothing to differentiate), and the forward and
// backward passes (a backward pass may take scratch space from the tape
// too) of least/2 and of least rows give the values per row (their
// difference) and the values of a chunk whatever its rows (the guide's
// pass over its parameters); the probes' gradients and recordings are
// discarded.
func (s *splitter) size(tp *tensor.Tape, n int, probe func(m int) *tensor.Tensor) int {
	if !s.ok || n <= s.least {
		return n
	}
	if s.perRow == 0 {
		h := s.least / 2
		f1 := s.measure(tp, h, probe)
		f2 := s.measure(tp, s.least, probe)
		s.perRow = max((f2-f1)/float64(s.least-h), 1)
		s.fixed = max(f2-float64(s.least)*s.perRow, 0)
	}
	return chunkRows(n, s.perRow, s.fixed, s.least)
}

// measure returns the tape's values after the forward and backward pass
// of probe(m), and then discards them.
func (s *splitter) measure(tp *tensor.Tape, m int, probe func(m int) *tensor.Tensor) float64 {
	if l := probe(m); l != nil && !math.IsNaN(l.Item()) && !math.IsInf(l.Item(), 0) {
		tp.Backward(l)
	}
	f := float64(tp.Floats())
	for _, p := range s.params {
		p.ZeroGrad()
	}
	s.restart(tp)
	return f
}

// chunks calls f(lo, m) on the consecutive chunks of rows rows of a batch
// of n rows, restarting the tape between them (see eachChunk).
func (s *splitter) chunks(tp *tensor.Tape, n, rows int, f func(lo, m int) bool) {
	eachChunk(0, n, rows, func() { s.restart(tp) }, f)
}

// eachChunk calls f(lo, m) on the consecutive chunks of rows rows of rows
// from..n-1 (m rows each, the last possibly fewer), calling between before
// each chunk but the first; it stops after a call of f that returns false.
func eachChunk(from, n, rows int, between func(), f func(lo, m int) bool) {
	for lo := from; lo < n; lo += rows {
		if lo > from {
			between()
		}
		if !f(lo, min(rows, n-lo)) {
			return
		}
	}
}

// run computes the step's loss over a batch of n rows on tp, whose
// parameters are watched, and leaves its gradient in the parameters. whole
// computes the loss of the whole batch and runs backward (the unsplit
// step); part(lo, m) returns the contribution of rows lo..lo+m-1 to the
// loss (their terms summed and divided by the batch size) as a tracked
// scalar. The first call measures the tape's values per row with
// part(0, least) (see size).
func (s *splitter) run(tp *tensor.Tape, n int, whole func() float64, part func(lo, m int) *tensor.Tensor) float64 {
	rows := s.size(tp, n, func(m int) *tensor.Tensor { return part(0, m) })
	if rows >= n {
		return whole()
	}
	total := 0.0
	s.chunks(tp, n, rows, func(lo, m int) bool {
		l := part(lo, m)
		v := l.Item()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			total = v // train stops the fit
			return false
		}
		tp.Backward(l)
		total += v
		return true
	})
	return total
}

// restart empties the tape and watches the parameters again; their
// gradients, accumulated so far, are kept, and so are the step's scratch
// tensors (the batch drawn onto the tape: see stepScratch in fit.go).
func (s *splitter) restart(tp *tensor.Tape) {
	tp.ResetRecording()
	tp.Watch(s.params...)
}

// rows returns rows lo..lo+m-1 of the untracked [n, d] tensor y, sharing
// its data (a scratch tensor's rows are scratch tensors of its tape).
func rows(y *tensor.Tensor, lo, m int) *tensor.Tensor { return tensor.Rows(y, lo, m) }

// DrawProbe is the number of draws of a posterior fit's measuring pass
// and of the first chunk of EvalChunks, and the smallest chunk of draws:
// one draw of a posterior holds values for every row of its data, so the
// probe is small (probeRows draws of a 5,000-row regression hold 200 MB
// on the tape, DrawProbe draws 6 MB).
const DrawProbe = 8

// posteriorChunks is a posterior fit's step split into chunks of draws
// (see FitPosterior): the fit's guide as a NoisePusher, the posterior,
// and the fit's counters.
type posteriorChunks struct {
	q       NoisePusher
	p       Posterior
	sp      *splitter
	dropped *int
	drops   *dropSample
}

// probe is the splitter's measuring pass of a posterior step: the
// guide's and the posterior's log densities of the first m draws of
// noise, their difference summed over the finite ones (nil if the
// posterior fails: the step itself reports the error).
func (c *posteriorChunks) probe(noise *tensor.Tensor, m int) *tensor.Tensor {
	x, lq := c.q.Push(rows(noise, 0, m))
	lp, err := c.p.LogDensity(x)
	if err != nil || checkDensityShape(lp, m) != nil {
		return nil
	}
	good, _ := finiteRows(lp)
	return tensor.Sum(tensor.Where(good, tensor.Sub(lq, lp), tensor.Scalar(0)))
}

// step computes the loss of a posterior fit's step over the B draws
// pushed from noise ([B, D], drawn whole beforehand: the same random
// numbers as unsplit) in chunks of rows draws on tp, and leaves its
// gradient in the guide's parameters. Each chunk's draws with a finite
// log density add Σ(log q − log p)/B to the loss and their gradient to
// the parameters' (a chunk with dropped draws is recomputed without them
// when their NaN reached the gradient, as FitPosterior does for the whole
// step); at the end, loss and gradient are scaled by B/K for the K draws
// kept in all, so that the loss is the mean over the step's kept draws,
// as unsplit. It returns the step's draws ([B, D], a scratch tensor of
// tp) for the spread trace.
func (c *posteriorChunks) step(tp *tensor.Tape, step int, noise *tensor.Tensor, chunk int) (float64, *tensor.Tensor, error) {
	n, d := noise.Dim(0), noise.Dim(1)
	params := c.sp.params
	xs := tp.Zeros(n, d)
	kept, total, first := 0, 0.0, math.NaN()
	var err error
	var saved []float64
	scaled := func(good []bool, lq, lp *tensor.Tensor, all bool) *tensor.Tensor {
		t := tensor.Sub(lq, lp)
		if !all {
			t = tensor.Where(good, t, tensor.Scalar(0))
		}
		return tensor.Scale(tensor.Sum(t), 1/float64(n))
	}
	density := func(x *tensor.Tensor, m int) *tensor.Tensor {
		lp, e := c.p.LogDensity(x)
		if e == nil {
			e = checkDensityShape(lp, m)
		}
		err = e
		return lp
	}
	c.sp.chunks(tp, n, chunk, func(lo, m int) bool {
		x, lq := c.q.Push(rows(noise, lo, m))
		copy(xs.Data()[lo*d:(lo+m)*d], x.Data())
		lp := density(x, m)
		if err != nil {
			return false
		}
		if lo == 0 {
			first = lp.Data()[0]
		}
		good, idx := finiteRows(lp)
		if len(idx) < m {
			*c.dropped += m - len(idx)
			c.drops.add(x, droppedRows(good))
			if len(idx) == 0 {
				return true
			}
			saved = saveGrads(params, saved)
		}
		v := backward(tp, scaled(good, lq, lp, len(idx) == m))
		if math.IsNaN(v) || math.IsInf(v, 0) {
			total = v // train stops the fit
			return false
		}
		if len(idx) < m && !finiteGrads(params) {
			// A dropped draw's NaN reached the gradient through an
			// operation that mixes rows: undo the chunk's gradient and
			// recompute it from the finite draws only.
			restoreGrads(params, saved)
			c.sp.restart(tp)
			x, lq = c.q.Push(tensor.Take(rows(noise, lo, m), 0, idx))
			if lp = density(x, len(idx)); err != nil {
				return false
			}
			good, idx = finiteRows(lp)
			if len(idx) == 0 {
				return true
			}
			if v = backward(tp, scaled(good, lq, lp, false)); math.IsNaN(v) || math.IsInf(v, 0) {
				total = v
				return false
			}
		}
		total += v
		kept += len(idx)
		return true
	})
	switch {
	case err != nil:
		return 0, xs, err
	case math.IsNaN(total) || math.IsInf(total, 0):
		return total, xs, nil
	case kept == 0:
		return 0, xs, allDropped(c.p, xs, n, first, step)
	case kept < n:
		f := float64(n) / float64(kept)
		for _, p := range params {
			g := p.Grad()
			for i := range g {
				g[i] *= f
			}
		}
		total *= f
	}
	return total, xs, nil
}

// saveGrads copies the parameters' gradients into buf (grown as needed).
func saveGrads(params []*tensor.Tensor, buf []float64) []float64 {
	buf = buf[:0]
	for _, p := range params {
		buf = append(buf, p.Grad()...)
	}
	return buf
}

// restoreGrads copies buf, from saveGrads, back into the gradients.
func restoreGrads(params []*tensor.Tensor, buf []float64) {
	k := 0
	for _, p := range params {
		k += copy(p.Grad(), buf[k:])
	}
}

// EvalChunks evaluates n draws in chunks, without gradients and within
// the tape budget: f(tp, lo, m) computes draws lo..lo+m-1 from inputs made
// scratch tensors of tp (Scratch), so that every result of theirs is a
// scratch tensor too (see tensor.Tape: nothing recorded, no gradient,
// storage reused from chunk to chunk instead of garbage on the heap), and
// copies out what it keeps; tp is Reset after each chunk. The first chunk
// has DrawProbe draws and measures the scratch values per draw; the rest
// come in the fewest nearly equal chunks that each stay within tapeBudget
// (chunkRows), so that memory does not grow with n. tp may be nil (a new
// tape) or a tape to reuse, which must not hold anything still needed:
// EvalChunks Resets it. An error of f stops the evaluation and is
// returned.
func EvalChunks(tp *tensor.Tape, n int, f func(tp *tensor.Tape, lo, m int) error) error {
	if tp == nil {
		tp = tensor.NewTape()
	}
	tp.Reset()
	defer tp.Reset()
	m := min(n, DrawProbe)
	if err := f(tp, 0, m); err != nil {
		return err
	}
	perRow := max(float64(tp.ScratchFloats())/float64(m), 1)
	tp.Reset()
	var err error
	eachChunk(m, n, chunkRows(n-m, perRow, 0, DrawProbe), tp.Reset, func(lo, k int) bool {
		err = f(tp, lo, k)
		return err == nil
	})
	return err
}

// Scratch returns rows lo..lo+m-1 of the untracked [n, d] tensor x as a
// scratch tensor of tp (a copy; see EvalChunks).
func Scratch(tp *tensor.Tape, x *tensor.Tensor, lo, m int) *tensor.Tensor {
	d := x.Len() / max(x.Dim(0), 1)
	s := tp.Zeros(m, d)
	copy(s.Data(), x.Data()[lo*d:(lo+m)*d])
	return s
}
