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
// The chunk size comes from a memory budget: once per fit, the forward and
// backward pass of probeRows rows on the tape measures the tape's values
// per row (its gradient is discarded), and a batch that would hold more
// than tapeBudget values is cut into the fewest chunks that each stay
// within it, of nearly equal size (chunks of probeRows rows are allowed
// whatever the budget). A batch that fits is not split, so small fits run
// exactly as before. Guides whose rows interact (RowCoupler: a flow with
// BatchNorm, whose training statistics are the batch's) are never split.

// tapeBudget is the number of float64 values (32 MiB) one chunk of a batch
// may hold on the tape (a variable for tests).
var tapeBudget = 4 << 20

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
	perRow float64 // tape values per row, once measured (0: not yet)
}

func newSplitter(q Guide) *splitter {
	ok := true
	if c, isRC := q.(RowCoupler); isRC && c.CouplesRows() {
		ok = false
	}
	return &splitter{params: q.Params(), ok: ok}
}

// chunkRows returns the number of rows per chunk for a batch of n rows
// when each row holds perRow values on the tape: n when the batch fits
// the budget, else the size of the fewest nearly equal chunks that each
// fit (or that have at most probeRows rows, whatever the budget).
func chunkRows(n int, perRow float64) int {
	if float64(n)*perRow <= float64(tapeBudget) {
		return n
	}
	most := max(probeRows, int(float64(tapeBudget)/perRow))
	k := (n + most - 1) / most
	return (n + k - 1) / k
}

// run computes the step's loss over a batch of n rows on tp, whose
// parameters are watched, and leaves its gradient in the parameters. whole
// computes the loss of the
// whole batch and runs backward (the unsplit step); part(lo, m) returns
// the contribution of rows lo..lo+m-1 to the loss (their terms summed and
// divided by the batch size) as a tracked scalar. The first call measures
// the tape's values per row with part(0, probeRows), forward and backward,
// and discards that gradient.
func (s *splitter) run(tp *tensor.Tape, n int, whole func() float64, part func(lo, m int) *tensor.Tensor) float64 {
	if !s.ok || n <= probeRows {
		return whole()
	}
	if s.perRow == 0 {
		// Forward and backward: a backward pass may take scratch space
		// from the tape too. The probe's gradient is then discarded.
		if l := part(0, probeRows); !math.IsNaN(l.Item()) && !math.IsInf(l.Item(), 0) {
			tp.Backward(l)
		}
		s.perRow = max(float64(tp.Floats())/probeRows, 1)
		for _, p := range s.params {
			p.ZeroGrad()
		}
		s.restart(tp)
	}
	rows := chunkRows(n, s.perRow)
	if rows >= n {
		return whole()
	}
	total := 0.0
	for lo := 0; lo < n; lo += rows {
		if lo > 0 {
			s.restart(tp)
		}
		l := part(lo, min(rows, n-lo))
		v := l.Item()
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return v // train stops the fit
		}
		tp.Backward(l)
		total += v
	}
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
