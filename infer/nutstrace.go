package infer

import (
	"math"
	"math/rand/v2"
	"os"

	"github.com/flowppl/flowppl/tensor"
)

// Traceable is a Posterior that can say when its LogDensity on b rows is
// a pure function of z: no state outside z (a subsample of data rows in
// use, say) and no side effect (a random draw, output) that a replay of
// its tensor operations would miss. NUTS records the log density of such a
// posterior once on a trace (tensor.Record) and replays the trace at the
// following points, running LogDensity only where a replay refuses (see
// NUTSOptions.NoTrace). Traceable is asked after a recording run, so it
// can answer from what that run did. A Posterior without it is never
// traced.
type Traceable interface {
	Traceable(b int) bool
}

// traceTries is the number of recordings a tracer makes that cannot be
// replayed (a model with an if on a latent's value, a point out of
// support) before it stops recording. After a failed recording at its
// n-th evaluation that needed LogDensity, a tracer records again at the
// 2n-th: a model that cannot be traced costs a few recordings, and one
// that can is traced even when its first points are out of support.
const traceTries = 8

// noTraceEnv is the environment variable that turns tracing off, like
// NUTSOptions.NoTrace.
const noTraceEnv = "FLOWPPL_NOTRACE"

// tracer evaluates the log density of b rows and its gradient by
// replaying a recorded trace: it records on first use, replays afterwards
// and says when the caller must run LogDensity instead (no trace, or a
// replay that refused). Replays are bit-identical to LogDensity (the
// tensor package's guarantee), so the sampler's draws do not depend on
// tracing. A tracer is used by one goroutine at a time.
type tracer struct {
	p     Posterior
	t     Traceable
	b, d  int
	tr    *tensor.Trace // nil: none (yet)
	tries int           // recordings that cannot be replayed
	evals int           // evaluations without a replay (wants' calls)
	next  int           // the evaluation to record at

	z, lp, g []float64 // b×D, b and b×D buffers (the batcher's)

	// replays counts the replays that answered, records the recordings.
	replays, records int
}

// newTracer returns a tracer of p at b rows, or nil when p is not
// Traceable or tracing is off.
func newTracer(p Posterior, b int, o *NUTSOptions) *tracer {
	t, ok := p.(Traceable)
	if !ok || o.NoTrace {
		return nil
	}
	d := p.Dim()
	return &tracer{p: p, t: t, b: b, d: d, z: make([]float64, b*d), lp: make([]float64, b), g: make([]float64, b*d)}
}

// replay replays the trace at z (b×D) into lp and grad; false: there is
// no trace, or the replay refused (nothing written is valid).
func (t *tracer) replay(z, lp, grad []float64) bool {
	if t.tr == nil {
		return false
	}
	if t.tr.Replay(z, lp, grad) {
		t.replays++
		return true
	}
	return false
}

// wants reports whether an evaluation that the trace did not answer
// should record.
func (t *tracer) wants() bool {
	if t.tr != nil || t.tries >= traceTries {
		return false
	}
	if !t.t.Traceable(t.b) {
		t.tries = traceTries // not a pure function of z: never
		return false
	}
	t.evals++
	return t.evals >= t.next
}

// record evaluates the log density of z (b×D) on a recording and keeps
// the trace when it can be replayed; the returned trace's Err, Out and
// Grad answer the call as LogDensity and a backward pass would.
func (t *tracer) record(z []float64) *tensor.Trace {
	t.records++
	tr := tensor.Record(z, t.b, t.d, func(x *tensor.Tensor) (*tensor.Tensor, error) {
		return checkedDensity(t.p, x, t.b)
	})
	t.next = 2 * t.evals
	switch {
	case tr.Err() != nil || !tr.Replayable():
		t.tries++
	case !t.t.Traceable(t.b):
		t.tries = traceTries // not a pure function of z: no retry
	default:
		t.tr = tr
	}
	return tr
}

// notraceEnv reports whether FLOWPPL_NOTRACE is set to something other
// than "" or "0".
func notraceEnv() bool {
	v := os.Getenv(noTraceEnv)
	return v != "" && v != "0"
}

// finite reports whether every value is finite.
func finite(v []float64) bool {
	for _, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return false
		}
	}
	return true
}

// replaysOneRow reports whether a fork of a posterior records a
// replayable trace of its log density at one row, trying the first
// chain's initial point (or 0) and then points drawn as initial points are
// (from a stream of its own: the chains' draws do not change).
func replaysOneRow(fork func() Posterior, o *NUTSOptions) bool {
	q := fork()
	t := newTracer(q, 1, o)
	if t == nil {
		return false
	}
	if !t.wants() {
		return false // Traceable says no: no run of the model
	}
	z := make([]float64, q.Dim())
	if o.Init != nil {
		copy(z, o.Init[0])
	}
	rng := rand.New(rand.NewPCG(o.Seed, probeStream))
	for range 3 {
		if t.record(z); t.tr != nil {
			return true
		}
		if t.tries >= traceTries {
			return false // not a pure function of the point
		}
		for i := range z {
			z[i] = o.InitRadius * (2*rng.Float64() - 1)
		}
	}
	return false
}

// probeStream is the PCG stream of replaysOneRow's points (chain c uses
// stream c).
const probeStream = 1<<64 - 1

// Traceable reports whether P is Traceable at b rows: the guide's
// parameters are constants while NUTS runs (they are only read), so the
// pullback is a pure function of ε when P's log density is one of x.
func (n *NeuTra) Traceable(b int) bool {
	t, ok := n.P.(Traceable)
	return ok && t.Traceable(b)
}
