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
type batcher struct {
	p      Posterior
	d      int
	reqs   chan *gradReq
	tp     *tensor.Tape
	single *gradEval // evaluates a row alone when a batch has a bad row
}

// gradReq is one chain's request: its point q, answered with lp and g
// (q == nil: the chain has finished).
type gradReq struct {
	chain int
	q, g  []float64
	lp    float64
	err   error
	done  chan struct{}
}

func newBatcher(p Posterior) *batcher {
	return &batcher{p: p, d: p.Dim(), reqs: make(chan *gradReq), tp: tensor.NewTape(),
		single: &gradEval{p: p, tp: tensor.NewTape(), z: tensor.Zeros(1, p.Dim())}}
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
	b.tp.Reset()
	defer b.tp.Reset()
	z := tensor.Zeros(n, d)
	for i, r := range round {
		copy(z.Data()[i*d:], r.q)
	}
	b.tp.Watch(z)
	out, err := checkedDensity(b.p, z, n)
	if err != nil {
		for _, r := range round {
			r.err = err
		}
		return
	}
	ok := true
	vals := out.Data()
	for _, v := range vals {
		ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
	}
	if ok && out.Tracked() {
		b.tp.Backward(tensor.Sum(out))
		for _, v := range z.Grad() {
			ok = ok && !math.IsNaN(v) && !math.IsInf(v, 0)
		}
	}
	if !ok && n > 1 {
		// A bad row (out of support, or a gradient that overflows) may
		// reach the others' gradients through an operation that mixes
		// rows: evaluate each row alone.
		for _, r := range round {
			r.lp = b.single.eval(r.q, r.g)
			r.err = b.single.err
		}
		return
	}
	for i, r := range round {
		r.lp = vals[i]
		switch {
		case !ok:
			r.lp = math.Inf(-1)
		case out.Tracked():
			copy(r.g, z.Grad()[i*d:(i+1)*d])
		default:
			clear(r.g)
		}
	}
}
