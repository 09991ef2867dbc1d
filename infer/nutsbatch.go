package infer

import (
	"math"
	"slices"

	"github.com/flowppl/flowppl/tensor"
)

// batcher evaluates the gradients the chains ask for in one batched
// LogDensity call per round: each chain runs its own NUTS code in its own
// goroutine and blocks on its gradient; once every running chain has
// asked, the batcher evaluates their points as the rows of one [n, D]
// tensor, in chain order, and answers them all. Trajectories differ, but
// every chain needs exactly one gradient at a time, so no chain waits
// for another's algorithm, only for the round. The cost of a model run
// in the interpreter is mostly per call, not per row (eight schools: 68
// µs of CPU for one row, 15 µs a row for four), so this is how chains
// share a posterior that cannot be forked.
//
// A round is deterministic: its rows are the running chains in chain
// order, and which chains run depends only on their own (deterministic)
// gradient counts. Rows are independent draws (Posterior), so row i's
// value is chain i's log density; it can differ from a one-row
// evaluation by rounding where a model's operations sum rows in blocks.
//
// For a Traceable posterior, a round of n rows replays a trace of n rows
// where it can (one trace per round size, recorded on its first round;
// nutstrace.go), which gives the same values.
type batcher struct {
	p      Posterior
	o      *NUTSOptions
	d      int
	reqs   chan *gradReq
	tp     *tensor.Tape
	single *gradEval       // evaluates a row alone when a batch has a bad row
	traces map[int]*tracer // by round size (nil: untraced)
}

// gradReq is one chain's request: its point q, answered with lp and g
// (q == nil: the chain has finished).
type gradReq struct {
	chain int
	q, g  []float64
	lp    float64
	err   error
	done  chan struct{}
	// replayed: the answer came from replaying a trace; single: from
	// evaluating the row alone.
	replayed, single bool
}

func newBatcher(p Posterior, o *NUTSOptions) *batcher {
	b := &batcher{p: p, o: o, d: p.Dim(), reqs: make(chan *gradReq), tp: tensor.NewTape(), single: newGradEval(p, nil, o)}
	if b.single.tr != nil {
		b.traces = map[int]*tracer{1: b.single.tr}
	}
	return b
}

// tracer returns the tracer of rounds of n rows (nil: untraced).
func (b *batcher) tracer(n int) *tracer {
	if b.traces == nil {
		return nil
	}
	t := b.traces[n]
	if t == nil {
		t = newTracer(b.p, n, b.o)
		b.traces[n] = t
	}
	return t
}

// loop serves rounds until all n chains have finished.
func (b *batcher) loop(n int) {
	active := n
	var round []*gradReq
	for active > 0 {
		r := <-b.reqs
		if r.q == nil {
			active--
		} else {
			round = append(round, r)
		}
		if len(round) == active && active > 0 {
			b.eval(round)
			for _, r := range round {
				r.done <- struct{}{}
			}
			round = round[:0]
		}
	}
}

// eval answers a round.
func (b *batcher) eval(round []*gradReq) {
	slices.SortFunc(round, func(x, y *gradReq) int { return x.chain - y.chain })
	n, d := len(round), b.d
	for _, r := range round {
		r.replayed, r.single = false, false
	}
	if t := b.tracer(n); t != nil {
		for i, r := range round {
			copy(t.z[i*d:], r.q)
		}
		if t.replay(t.z, t.lp, t.g) {
			b.answer(round, t.lp, true, func() []float64 { return t.g })
			for _, r := range round {
				r.replayed = r.replayed || !r.single
			}
			return
		}
		if t.wants() {
			tr := t.record(t.z)
			if err := tr.Err(); err != nil {
				b.fail(round, err)
				return
			}
			out := tr.Out()
			b.answer(round, out.Data(), out.Tracked(), func() []float64 {
				tr.Grad(t.g)
				return t.g
			})
			return
		}
	}
	b.tp.Reset()
	defer b.tp.Reset()
	z := tensor.Zeros(n, d)
	for i, r := range round {
		copy(z.Data()[i*d:], r.q)
	}
	b.tp.Watch(z)
	out, err := checkedDensity(b.p, z, n)
	if err != nil {
		b.fail(round, err)
		return
	}
	b.answer(round, out.Data(), out.Tracked(), func() []float64 {
		b.tp.Backward(tensor.Sum(out))
		return z.Grad()
	})
}

// fail answers every request of the round with err.
func (b *batcher) fail(round []*gradReq, err error) {
	for _, r := range round {
		r.err = err
	}
}

// answer answers the round from the rows' log densities vals; when they
// are finite and tracked, grad returns the gradient of their sum (n×D).
func (b *batcher) answer(round []*gradReq, vals []float64, tracked bool, grad func() []float64) {
	n, d := len(round), b.d
	ok := finite(vals)
	var g []float64
	if ok && tracked {
		g = grad()
		ok = finite(g)
	}
	if !ok && n > 1 {
		// A bad row (out of support, or a gradient that overflows) may
		// reach the others' gradients through an operation that mixes
		// rows: evaluate each row alone.
		for _, r := range round {
			n0 := b.single.replayed
			r.lp = b.single.eval(r.q, r.g)
			r.err = b.single.err
			r.replayed, r.single = b.single.replayed > n0, true
		}
		return
	}
	for i, r := range round {
		r.lp = vals[i]
		switch {
		case !ok:
			r.lp = math.Inf(-1)
		case tracked:
			copy(r.g, g[i*d:(i+1)*d])
		default:
			clear(r.g)
		}
	}
}
