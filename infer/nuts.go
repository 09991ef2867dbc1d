package infer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/flowppl/flowppl/internal/mathx"
	"github.com/flowppl/flowppl/tensor"
)

// NUTSOptions configures NUTS. The zero value means the documented
// defaults, which are CmdStan's.
type NUTSOptions struct {
	// Chains is the number of chains (default 4).
	Chains int
	// Warmup and Samples are the iterations per chain of warm-up and of
	// sampling (defaults 1000 and 1000; Warmup may be set to none with
	// NoWarmup).
	Warmup, Samples int
	// NoWarmup runs no warm-up: the step size stays StepSize (after the
	// initial heuristic) and the metric the identity.
	NoWarmup bool
	// SaveWarmup keeps the warm-up iterations in the output, first
	// (Chain.Warmup says how many).
	SaveWarmup bool
	// Seed seeds chain c's random numbers with PCG(Seed, c): the draws do
	// not depend on how the chains are scheduled.
	Seed uint64
	// MaxDepth is the maximum tree depth (default 10: at most 1023
	// leapfrog steps a transition).
	MaxDepth int
	// Delta is the target acceptance statistic of step-size adaptation
	// (default 0.8); Gamma, Kappa and T0 are the dual-averaging
	// constants (defaults 0.05, 0.75 and 10).
	Delta, Gamma, Kappa, T0 float64
	// InitBuffer, TermBuffer and Window are the warm-up's initial fast
	// interval, terminal fast interval and first slow window (defaults 75,
	// 50 and 25 iterations; the slow windows double).
	InitBuffer, TermBuffer, Window int
	// Metric is "diag" (default: a diagonal inverse metric estimated in
	// the slow windows), "dense" (a full one) or "unit" (the identity,
	// not adapted).
	Metric string
	// StepSize is the initial step size (default 1), refined by Stan's
	// heuristic (doubling or halving until one leapfrog step's acceptance
	// crosses 0.8) before warm-up and after each metric update.
	StepSize float64
	// MaxDeltaH is the energy error above which a transition is divergent
	// (default 1000).
	MaxDeltaH float64
	// InitRadius: chains start at points drawn uniformly from
	// (−InitRadius, InitRadius)^D on the unconstrained space with a finite
	// log density and gradient (default 2, up to 100 tries), unless Init
	// gives chain c's start as Init[c].
	InitRadius float64
	Init       [][]float64
	// Parallel is the number of chains run at once (default GOMAXPROCS).
	// A Posterior that is not a Forker is evaluated by one chain at a time.
	// A BatchForker's chains are batched on one fork unless Parallel is
	// set: then on Parallel forks (see NUTS); a BatchForker whose
	// gradients are replayed traces runs each chain on a fork of its own
	// unless Parallel is set.
	Parallel int
	// Context cancels sampling between iterations; the draws so far are
	// kept and NUTSResult.Stopped is "cancelled".
	Context context.Context
	// Unbatched evaluates one chain's point at a time (behind a lock) for
	// a Posterior that is not a Forker, instead of the running chains'
	// points as the rows of one batch (see NUTS).
	Unbatched bool
	// OnIteration, when set, is called after every iteration of every
	// chain with the chain's index and the number of its iterations done
	// (warm-up included; out of Warmup+Samples), from the chain's
	// goroutine: calls for different chains can be concurrent.
	OnIteration func(chain, iter int)
	// NoTrace evaluates every gradient by the Posterior's LogDensity. By
	// default, a Traceable posterior's log density is recorded once on a
	// trace (tensor.Record) and the trace replayed at the following
	// points, with the same values bit for bit and LogDensity run only
	// where a replay refuses (a guard on a value, such as a scale that is
	// not positive, comes out differently). The environment variable
	// FLOWPPL_NOTRACE=1 sets NoTrace too. For A/B runs and bisecting.
	// It also gives the untraced default layout (the chains' points
	// evaluated together as the rows of one batch, unless Parallel or
	// Unbatched is set): a row of a batch can differ from the same point
	// alone in the last bits where an operation sums rows in blocks, so
	// compare traced and untraced draws at the same Parallel or Unbatched.
	NoTrace bool
}

// Defaults of NUTSOptions (CmdStan's).
const (
	DefaultChains     = 4
	DefaultNUTSWarmup = 1000
	DefaultNUTSDraws  = 1000
	DefaultMaxDepth   = 10
)

func (o NUTSOptions) withDefaults() (NUTSOptions, error) {
	def := func(v *int, d int, name string) error {
		if *v < 0 {
			return fmt.Errorf("nuts: %s must be at least 0, got %d", name, *v)
		}
		if *v == 0 {
			*v = d
		}
		return nil
	}
	deff := func(v *float64, d float64, name string) error {
		if *v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
			return fmt.Errorf("nuts: %s must be a positive number, got %v", name, *v)
		}
		if *v == 0 {
			*v = d
		}
		return nil
	}
	for _, e := range []error{
		def(&o.Chains, DefaultChains, "chains"),
		def(&o.Samples, DefaultNUTSDraws, "samples"),
		def(&o.MaxDepth, DefaultMaxDepth, "max_depth"),
		def(&o.InitBuffer, 75, "init_buffer"),
		def(&o.TermBuffer, 50, "term_buffer"),
		def(&o.Window, 25, "window"),
		def(&o.Parallel, runtime.GOMAXPROCS(0), "parallel"),
		deff(&o.Delta, 0.8, "delta"),
		deff(&o.Gamma, 0.05, "gamma"),
		deff(&o.Kappa, 0.75, "kappa"),
		deff(&o.T0, 10, "t0"),
		deff(&o.StepSize, 1, "stepsize"),
		deff(&o.MaxDeltaH, 1000, "max_delta_h"),
		deff(&o.InitRadius, 2, "init_radius"),
	} {
		if e != nil {
			return o, e
		}
	}
	if o.NoWarmup {
		o.Warmup = 0
	} else if err := def(&o.Warmup, DefaultNUTSWarmup, "warmup"); err != nil {
		return o, err
	}
	if o.Delta >= 1 {
		return o, fmt.Errorf("nuts: delta (the target acceptance) must be in (0, 1), got %v", o.Delta)
	}
	switch o.Metric {
	case "":
		o.Metric = "diag"
	case "diag", "dense", "unit":
	default:
		return o, fmt.Errorf(`nuts: unknown metric %q (want "diag", "dense" or "unit")`, o.Metric)
	}
	if o.Init != nil && len(o.Init) != o.Chains {
		return o, fmt.Errorf("nuts: %d initial points for %d chains", len(o.Init), o.Chains)
	}
	if o.Context == nil {
		o.Context = context.Background()
	}
	o.NoTrace = o.NoTrace || notraceEnv()
	return o, nil
}

// Forker is a Posterior whose LogDensity is not safe for concurrent use
// but that can make copies that are: NUTS gives each chain its own Fork
// and runs them in parallel. A Posterior that is not a Forker is
// evaluated by one chain at a time (the draws are the same either way).
type Forker interface {
	Fork() Posterior
}

// A BatchForker is a Posterior whose LogDensity is not safe for
// concurrent use and costs mostly per call, not per row (an interpreted
// model): NUTS batches its chains (see NUTS) on a fork, or on Parallel
// forks when NUTSOptions.Parallel is set, each evaluated by its own
// goroutine, instead of one fork a chain.
// BatchFork returns a copy that is safe to use concurrently with p and
// its other forks, giving the same values.
type BatchForker interface {
	BatchFork() Posterior
}

// Chain is the output of one NUTS chain: per iteration the draw, its log
// density and CmdStan's sampler columns. Rows are iterations; the first
// Warmup rows are warm-up (kept with SaveWarmup).
type Chain struct {
	// Draws holds the draws on the unconstrained space, row-major
	// (iterations × D). For NeuTra they are the flow's images T(ε).
	Draws []float64
	// Base holds, for NeuTra, the chain's states ε in the flow's base
	// space (nil otherwise).
	Base []float64
	// LP is lp__: the Posterior's log density at each draw.
	LP []float64
	// AcceptStat, StepSize, TreeDepth, NLeapfrog, Divergent and Energy
	// are accept_stat__, stepsize__, treedepth__, n_leapfrog__,
	// divergent__ and energy__.
	AcceptStat []float64
	StepSize   []float64
	TreeDepth  []int
	NLeapfrog  []int
	Divergent  []bool
	Energy     []float64
	// Warmup is the number of leading rows that are warm-up.
	Warmup int
	// AdaptedStepSize and InvMetric are the step size and the inverse
	// metric after warm-up (InvMetric: D values, or D×D row-major for
	// the dense metric).
	AdaptedStepSize float64
	InvMetric       []float64
	// Gradients counts the gradient evaluations of the chain (warm-up,
	// heuristic and initialisation included).
	Gradients int
	// Replayed counts those of them answered by replaying a recorded
	// trace instead of running LogDensity (see NUTSOptions.NoTrace).
	Replayed int
	// WarmupTime and SampleTime are the wall times of the two phases.
	WarmupTime, SampleTime time.Duration
}

// Len returns the number of iterations recorded.
func (c *Chain) Len() int { return len(c.LP) }

// Draw returns row i of Draws.
func (c *Chain) Draw(i int) []float64 {
	d := len(c.Draws) / max(len(c.LP), 1)
	return c.Draws[i*d : (i+1)*d]
}

// Divergences counts the divergent transitions after warm-up.
func (c *Chain) Divergences() int {
	n := 0
	for _, v := range c.Divergent[c.Warmup:] {
		if v {
			n++
		}
	}
	return n
}

// NUTSResult holds the chains of a NUTS run.
type NUTSResult struct {
	Chains []*Chain
	// Dim is D, the dimension of a draw.
	Dim int
	// Options are the options used, defaults filled in.
	Options NUTSOptions
	// Stopped is "done" or "cancelled".
	Stopped string
}

// NUTS runs the No-U-Turn sampler on p as Stan runs it (Hoffman and
// Gelman 2014; Betancourt 2017): multinomial sampling of the trajectory's
// states (biased progressive sampling between subtrees at the top level,
// uniform within them), the generalised no-U-turn criterion on the
// sharp momenta, checked across every merged subtree and, as Stan added,
// between the neighbouring ends of the two halves; a maximum tree depth;
// a transition is divergent when a state's energy exceeds the initial
// energy by MaxDeltaH. Warm-up adapts the step size by dual averaging
// and the metric in Stan's windows (NUTSOptions). Chain c uses its own
// PCG(Seed, c) stream, so results do not depend on scheduling.
//
// Gradients come from the tape (tensor.Tape) through p.LogDensity. A
// Posterior that is a Forker gets a fork per chain and the chains run
// Parallel at a time, one row a call; any other is shared: every chain
// runs in its own goroutine and blocks on its gradient, and each round
// evaluates the running chains' points as the rows of one batch, in
// chain order (nutsbatch.go; Unbatched evaluates one row at a time behind
// a lock instead). A BatchForker (an interpreted model) is batched too,
// on a fork; when Parallel is set, on min(Parallel, Chains) forks at once,
// chain c's points going to batcher c mod Parallel (with Unbatched it is a
// Forker, if it is one). One batcher is the default because a model call
// costs mostly per call: two batches of 2 rows take about as long as one
// of 4 on free cores and twice the CPU, and longer on a busy machine.
//
// A Traceable posterior's gradients are replayed traces wherever they are
// evaluated, one row or a batch (nutstrace.go; NoTrace turns that off),
// with LogDensity's values bit for bit. A replay costs about as much per
// row alone as in a batch, and a round's hand-offs between goroutines
// cost more than they save: so when a BatchForker is also Traceable and a
// fork of it records a replayable trace at one row, each chain runs on a
// fork of its own (a BatchFork), Parallel at a time, as with Unbatched
// (unless NoTrace, Unbatched or Parallel is set).
//
// Either way chain c's draws depend only on Seed and c (batched rows
// equal single rows where the model's operations are row-wise, as the
// tests check). An error from LogDensity stops every
// chain and is returned with the draws so far; a non-finite log density
// or gradient is an infinite energy (a divergence during a trajectory, a
// rejected start at initialisation).
func NUTS(p Posterior, opts NUTSOptions) (*NUTSResult, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	d := p.Dim()
	if d < 1 {
		return nil, fmt.Errorf("nuts: the posterior has dimension %d; NUTS needs at least one unconstrained latent", d)
	}
	for c, z := range o.Init {
		if len(z) != d {
			return nil, fmt.Errorf("nuts: the initial point of chain %d has %d values, want %d", c+1, len(z), d)
		}
	}
	res := &NUTSResult{Chains: make([]*Chain, o.Chains), Dim: d, Options: o, Stopped: "done"}
	ctx, cancel := context.WithCancel(o.Context)
	defer cancel()
	var (
		firstErr   error
		firstChain int
		errOnce    sync.Once
	)
	fail := func(c int, err error) {
		errOnce.Do(func() {
			firstErr, firstChain = err, c
			cancel()
		})
	}
	fk, isForker := p.(Forker)
	bf, isBatchForker := p.(BatchForker)
	var fork func() Posterior // a chain's own copy of p (nil: p, shared)
	if isForker {
		fork = fk.Fork
	}
	var wg sync.WaitGroup
	batched := (isBatchForker || !isForker) && !o.Unbatched
	if batched && isBatchForker && opts.Parallel == 0 && replaysOneRow(bf.BatchFork, &o) {
		// A replayed gradient costs about as much per row at one row as
		// in a batch, and the rounds' hand-offs cost more than they
		// save: each chain on a fork of its own, in parallel.
		batched, fork = false, bf.BatchFork
	}
	if batched {
		// Every chain in its own goroutine, their gradients evaluated
		// together by a batcher: one for a posterior that cannot be
		// forked, else one on a fork, or, when Parallel is set,
		// Parallel batchers on forks, chain c on batcher c mod
		// Parallel.
		nb := 1
		if isBatchForker && opts.Parallel > 0 {
			nb = min(o.Parallel, o.Chains)
		}
		batchers := make([]*batcher, nb)
		var bwg sync.WaitGroup
		for k := range batchers {
			q := p
			if isBatchForker {
				q = bf.BatchFork()
			}
			b := newBatcher(q, &o)
			batchers[k] = b
			n := (o.Chains - k + nb - 1) / nb // the chains c ≡ k (mod nb)
			bwg.Add(1)
			go func() {
				defer bwg.Done()
				b.loop(n)
			}()
		}
		for c := range o.Chains {
			b := batchers[c%nb]
			wg.Add(1)
			go func() {
				defer wg.Done()
				ch := newNUTSChain(b.p, nil, &o, c, ctx)
				ch.ev.batch = b
				ch.ev.req = &gradReq{chain: c, done: make(chan struct{})}
				out, err := ch.run()
				b.reqs <- &gradReq{chain: c} // leave the rounds
				res.Chains[c] = out
				if err != nil {
					fail(c, err)
				}
			}()
		}
		wg.Wait()
		bwg.Wait()
	} else {
		var lock *sync.Mutex
		if fork == nil {
			lock = &sync.Mutex{}
		}
		jobs := make(chan int)
		for range min(o.Parallel, o.Chains) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range jobs {
					cp := p
					if fork != nil {
						cp = fork()
					}
					out, err := newNUTSChain(cp, lock, &o, c, ctx).run()
					res.Chains[c] = out
					if err != nil {
						fail(c, err)
					}
				}
			}()
		}
		for c := range o.Chains {
			jobs <- c
		}
		close(jobs)
		wg.Wait()
	}
	if firstErr != nil {
		// The explanation of a failed start runs p's model once no chain
		// is evaluating (forks and batchers read p while chains run).
		err := firstErr
		var ie *initError
		if errors.As(err, &ie) {
			err = fmt.Errorf("%s%s", ie.msg, explain(p, ie.z))
		}
		return res, fmt.Errorf("nuts: chain %d: %w", firstChain+1, err)
	}
	if o.Context.Err() != nil {
		res.Stopped = "cancelled"
	}
	return res, nil
}

// psPoint is a point of phase space: position q, momentum p, and the log
// density and its gradient at q.
type psPoint struct {
	q, p, g []float64
	lp      float64
}

func newPSPoint(d int) psPoint {
	return psPoint{q: make([]float64, d), p: make([]float64, d), g: make([]float64, d)}
}

func (z *psPoint) copyFrom(o *psPoint) {
	copy(z.q, o.q)
	copy(z.p, o.p)
	copy(z.g, o.g)
	z.lp = o.lp
}

// gradEval evaluates log p and its gradient at one point on a tape of its
// own: the point is a persistent [1, D] tensor watched afresh each time;
// for a Traceable posterior, by replaying a trace of one evaluation where
// it can (tr; nutstrace.go).
type gradEval struct {
	p    Posterior
	lock *sync.Mutex // nil: p is this chain's own
	tp   *tensor.Tape
	z    *tensor.Tensor
	n    int
	err  error   // the first error of LogDensity
	tr   *tracer // nil: untraced
	// replayed counts the evaluations answered by a replay.
	replayed int
	// batch, when set, evaluates the point with the other chains' (req is
	// this chain's reusable request).
	batch *batcher
	req   *gradReq
}

func newGradEval(p Posterior, lock *sync.Mutex, o *NUTSOptions) *gradEval {
	return &gradEval{p: p, lock: lock, tp: tensor.NewTape(), z: tensor.Zeros(1, p.Dim()), tr: newTracer(p, 1, o)}
}

// eval returns log p(q) and writes its gradient into g; a non-finite
// value or gradient gives −Inf (and g is then meaningless).
func (e *gradEval) eval(q, g []float64) float64 {
	if e.err != nil {
		return math.Inf(-1)
	}
	if e.batch != nil {
		e.n++
		r := e.req
		r.q, r.g = q, g
		e.batch.reqs <- r
		<-r.done
		if r.err != nil {
			e.err = r.err
			return math.Inf(-1)
		}
		if r.replayed {
			e.replayed++
		}
		return r.lp
	}
	e.n++
	if e.tr != nil && e.tr.replay(q, e.tr.lp, g) {
		// A replay needs no lock: it touches the trace and constants.
		e.replayed++
		lp := e.tr.lp[0]
		if math.IsNaN(lp) || math.IsInf(lp, 0) || !finite(g) {
			return math.Inf(-1)
		}
		return lp
	}
	if e.lock != nil {
		e.lock.Lock()
		defer e.lock.Unlock()
	}
	if e.tr != nil && e.tr.wants() {
		tr := e.tr.record(q)
		return e.answer(tr.Out(), tr.Err(), g, tr.Grad)
	}
	e.tp.Reset()
	defer e.tp.Reset()
	copy(e.z.Data(), q)
	e.tp.Watch(e.z)
	out, err := checkedDensity(e.p, e.z, 1)
	return e.answer(out, err, g, func(g []float64) {
		e.tp.Backward(out)
		copy(g, e.z.Grad())
	})
}

// answer is eval's result from LogDensity's out and err, grad writing
// the gradient of out into g.
func (e *gradEval) answer(out *tensor.Tensor, err error, g []float64, grad func(g []float64)) float64 {
	if err != nil {
		e.err = err
		return math.Inf(-1)
	}
	lp := out.Data()[0]
	if math.IsNaN(lp) || math.IsInf(lp, 0) {
		return math.Inf(-1)
	}
	if !out.Tracked() {
		clear(g)
		return lp
	}
	grad(g)
	if !finite(g) {
		return math.Inf(-1)
	}
	return lp
}

// treeWS holds the temporaries of build_tree at one depth (a call at
// depth k uses ws[k]; its two subtrees, built one after the other, use
// ws[k−1]).
type treeWS struct {
	pInitEnd, pshInitEnd, rhoInit    []float64
	pFinalBeg, pshFinalBeg, rhoFinal []float64
	proposeFinal                     psPoint
}

// nutsChain is the state of one chain.
type nutsChain struct {
	o     *NUTSOptions
	index int
	ctx   context.Context
	d     int
	rng   *rand.Rand
	ev    *gradEval
	m     *metric
	eps   float64

	// grad evaluates log p and its gradient: ev.eval, or in the
	// sampler's own benchmarks a Go function.
	grad func(q, g []float64) float64

	z                psPoint // the integrator's state (Stan's z_)
	depth, nLeapfrog int
	divergent        bool
	sumMetro         float64
	ws               []*treeWS
	tmp              []float64

	// the top level's states and vectors; end is zFwd or zBck, the end a
	// subtree extends
	zFwd, zBck, zSample, zPropose psPoint
	end                           *psPoint
	pFF, pshFF, pFB, pshFB        []float64
	pBF, pshBF, pBB, pshBB        []float64
	rho, rhoFwd, rhoBck           []float64
}

func newNUTSChain(p Posterior, lock *sync.Mutex, o *NUTSOptions, c int, ctx context.Context) *nutsChain {
	d := p.Dim()
	vec := func() []float64 { return make([]float64, d) }
	ch := &nutsChain{
		o: o, index: c, ctx: ctx, d: d,
		rng: rand.New(rand.NewPCG(o.Seed, uint64(c))),
		ev:  newGradEval(p, lock, o),
		m:   newMetric(d, o.Metric == "dense"),
		eps: o.StepSize,
		z:   newPSPoint(d), tmp: vec(),
		zFwd: newPSPoint(d), zBck: newPSPoint(d), zSample: newPSPoint(d), zPropose: newPSPoint(d),
		pFF: vec(), pshFF: vec(), pFB: vec(), pshFB: vec(),
		pBF: vec(), pshBF: vec(), pBB: vec(), pshBB: vec(),
		rho: vec(), rhoFwd: vec(), rhoBck: vec(),
	}
	ch.grad = ch.ev.eval
	return ch
}

func (c *nutsChain) workspace(depth int) *treeWS {
	for len(c.ws) <= depth {
		d := c.d
		vec := func() []float64 { return make([]float64, d) }
		c.ws = append(c.ws, &treeWS{
			pInitEnd: vec(), pshInitEnd: vec(), rhoInit: vec(),
			pFinalBeg: vec(), pshFinalBeg: vec(), rhoFinal: vec(),
			proposeFinal: newPSPoint(d),
		})
	}
	return c.ws[depth]
}

// hamiltonian returns H = −log p(q) + ½ pᵀM⁻¹p (+Inf for NaN).
func (c *nutsChain) hamiltonian(z *psPoint) float64 {
	h := -z.lp + c.m.tau(z.p, c.tmp)
	if math.IsNaN(h) {
		return math.Inf(1)
	}
	return h
}

// leapfrog takes one leapfrog step of size eps (negative: backwards).
func (c *nutsChain) leapfrog(z *psPoint, eps float64) {
	c.kickDrift(z, eps)
	half := eps / 2
	g := z.g[:len(z.p)]
	for i := range z.p {
		z.p[i] += half * g[i]
	}
}

// kickDrift is a leapfrog step but its last half kick: p += ε/2 ∇log p,
// q += ε M⁻¹p, and the log density and gradient at the new q. The
// diagonal metric's kick and drift are one pass (the same operations,
// element by element, as the dense metric's two).
func (c *nutsChain) kickDrift(z *psPoint, eps float64) {
	half := eps / 2
	p, q, g := z.p, z.q[:len(z.p)], z.g[:len(z.p)]
	if !c.m.dense {
		inv := c.m.inv[:len(p)]
		for i := range p {
			v := p[i] + half*g[i]
			p[i] = v
			q[i] += eps * (inv[i] * v)
		}
	} else {
		for i := range p {
			p[i] += half * g[i]
		}
		c.m.dtau(p, c.tmp)
		for i, v := range c.tmp[:len(p)] {
			q[i] += eps * v
		}
	}
	z.lp = c.grad(z.q, z.g)
}

func (c *nutsChain) sampleMomentum(z *psPoint) { c.m.sample(c.rng.NormFloat64, z.p) }

// merge joins two adjacent sub-trajectories in the order they were
// built, L then R (the tree's two subtrees; at the top, the backward
// part then the forward part): L with momentum sum rL, the sharp
// momentum pshL0 at its outer end and pL1, pshL1 at the end it shares
// with R, and R with rR, pR0 and pshR0 at the shared end and pshR1 at
// its outer end.
// It writes their momentum sum into rho (rho = (rho + rL) + rR when acc,
// the tree's accumulation onto a zeroed rho, else rho = rL + rR) and
// returns Stan's three no-U-turn checks in one pass: the generalised
// criterion (both ends' sharp momenta project positively on the momentum
// sum ρ) across the join, ρ = rL + rR with the outer ends, and between
// the neighbouring ends of the parts, ρ = rL + pR0 with pshL0 and pshR0,
// ρ = rR + pL1 with pshL1 and pshR1. (Stan computes them one after the
// other; the sums here are the same, term by term in the same order:
// TestMergeMatchesCriterion.)
func merge(rho, rL, rR, pshL0, pshL1, pL1, pshR0, pR0, pshR1 []float64, acc bool) bool {
	n := len(rho)
	rL, rR = rL[:n], rR[:n]
	pshL0, pshL1, pL1 = pshL0[:n], pshL1[:n], pL1[:n]
	pshR0, pR0, pshR1 = pshR0[:n], pR0[:n], pshR1[:n]
	var a1, b1, a2, b2, a3, b3 float64
	for i := range rho {
		l, r := rL[i], rR[i]
		var s float64
		if acc {
			rho[i] = rho[i] + l + r
			s = l + r
		} else {
			s = l + r
			rho[i] = s
		}
		a1 += pshL0[i] * s
		b1 += pshR1[i] * s
		s2 := l + pR0[i]
		a2 += pshL0[i] * s2
		b2 += pshR0[i] * s2
		s3 := r + pL1[i]
		a3 += pshL1[i] * s3
		b3 += pshR1[i] * s3
	}
	return a1 > 0 && b1 > 0 && a2 > 0 && b2 > 0 && a3 > 0 && b3 > 0
}

// buildTree builds a subtree of 2^depth leapfrog steps in direction sign
// from *c.end, the end of the trajectory it extends, which it moves to
// the subtree's far end, as Stan's base_nuts::build_tree (Stan copies the
// end in and out of its integrator's state z_): it returns whether the
// subtree is valid (no divergence, no U-turn inside) and the log of the
// sum of its states' weights e^(H0−H), and sets propose (a state sampled
// from the subtree in proportion to its weight), the sharp momenta and
// momenta at its two ends (beg nearest the trajectory it extends), and
// adds its momenta to rho, which the caller has zeroed. (Stan adds the
// weights onto the caller's log-sum, which always starts at −∞: the sum
// of one term is the term, so it is returned instead; +0 stands for a
// −0, as log-sum-exp onto −∞ gives.)
func (c *nutsChain) buildTree(depth int, propose *psPoint, pshBeg, pshEnd, rho, pBeg, pEnd []float64, h0, sign float64) (bool, float64) {
	if depth == 0 {
		c.kickDrift(c.end, sign*c.eps)
		c.nLeapfrog++
		h := c.leaf(propose, pshBeg, pshEnd, rho, pBeg, pEnd, sign*c.eps/2)
		if h-h0 > c.o.MaxDeltaH {
			c.divergent = true
		}
		lsw := h0 - h
		if lsw == 0 {
			lsw = 0
		}
		if h0-h > 0 {
			c.sumMetro++
		} else {
			c.sumMetro += math.Exp(h0 - h)
		}
		return !c.divergent, lsw
	}
	w := c.workspace(depth)
	clear(w.rhoInit)
	valid, lswInit := c.buildTree(depth-1, propose, pshBeg, w.pshInitEnd, w.rhoInit, pBeg, w.pInitEnd, h0, sign)
	if !valid {
		return false, 0
	}
	clear(w.rhoFinal)
	valid, lswFinal := c.buildTree(depth-1, &w.proposeFinal, w.pshFinalBeg, pshEnd, w.rhoFinal, w.pFinalBeg, pEnd, h0, sign)
	if !valid {
		return false, 0
	}
	// Uniform (multinomial) sampling between the two halves.
	lswSub := mathx.LogAddExp(lswInit, lswFinal)
	if lswFinal > lswSub || c.rng.Float64() < math.Exp(lswFinal-lswSub) {
		// The buffers trade places: the second half's proposal is
		// rewritten before it is read again.
		*propose, w.proposeFinal = w.proposeFinal, *propose
	}
	// Across the merged subtree, and between the neighbouring ends of its
	// halves (Stan's extra checks).
	return merge(rho, w.rhoInit, w.rhoFinal, pshBeg, w.pshInitEnd, w.pInitEnd, w.pshFinalBeg, w.pFinalBeg, pshEnd, true), lswSub
}

// leaf finishes a tree's leaf at *c.end after kickDrift: the last half
// kick of size half, then the leaf's state into propose, its sharp momentum into
// pshBeg and pshEnd, its momentum into pBeg and pEnd and onto rho; it
// returns the leaf's H (+Inf for NaN), as hamiltonian does. The diagonal
// metric does it all in one pass.
func (c *nutsChain) leaf(propose *psPoint, pshBeg, pshEnd, rho, pBeg, pEnd []float64, half float64) float64 {
	z := c.end
	p := z.p
	n := len(p)
	q, g := z.q[:n], z.g[:n]
	pq, pp, pg := propose.q[:n], propose.p[:n], propose.g[:n]
	pshBeg, pshEnd, rho, pBeg, pEnd = pshBeg[:n], pshEnd[:n], rho[:n], pBeg[:n], pEnd[:n]
	s := 0.0
	if !c.m.dense {
		inv := c.m.inv[:n]
		for i := range p {
			v := p[i] + half*g[i]
			p[i] = v
			psh := inv[i] * v
			s += v * psh
			pshBeg[i], pshEnd[i] = psh, psh
			rho[i] += v
			pBeg[i], pEnd[i] = v, v
			pq[i], pp[i], pg[i] = q[i], v, g[i]
		}
	} else {
		for i := range p {
			p[i] += half * g[i]
		}
		c.m.dtau(p, pshBeg)
		for i, v := range p {
			psh := pshBeg[i]
			s += v * psh
			pshEnd[i] = psh
			rho[i] += v
			pBeg[i], pEnd[i] = v, v
			pq[i], pp[i], pg[i] = q[i], v, g[i]
		}
	}
	propose.lp = z.lp
	h := -z.lp + s/2
	if math.IsNaN(h) {
		return math.Inf(1)
	}
	return h
}

// transitionStats are a transition's sampler columns.
type transitionStats struct {
	accept, energy   float64
	depth, leapfrogs int
	divergent        bool
}

// transition is one NUTS transition from c.z (q, lp, g set): Stan's
// base_nuts::transition.
func (c *nutsChain) transition() transitionStats {
	c.sampleMomentum(&c.z)
	h0 := c.hamiltonian(&c.z)
	c.zFwd.copyFrom(&c.z)
	c.zBck.copyFrom(&c.z)
	c.zSample.copyFrom(&c.z)
	c.m.dtau(c.z.p, c.pshFF)
	for _, v := range [][]float64{c.pFF, c.pFB, c.pBF, c.pBB, c.rho} {
		copy(v, c.z.p)
	}
	for _, v := range [][]float64{c.pshFB, c.pshBF, c.pshBB} {
		copy(v, c.pshFF)
	}
	// lsw is the log of the trajectory's weight before the last subtree,
	// whose log weight lswLast is added (as Stan adds it at once) only
	// when a next subtree needs the sum.
	lsw, lswLast := 0.0, math.NaN()
	c.nLeapfrog, c.sumMetro, c.depth, c.divergent = 0, 0, 0, false
	for c.depth < c.o.MaxDepth {
		clear(c.rhoFwd)
		clear(c.rhoBck)
		var (
			valid  bool
			lswSub float64
		)
		if c.rng.Float64() > 0.5 {
			// Extend forwards: the trajectory so far is the backward part.
			c.end = &c.zFwd
			copy(c.rhoBck, c.rho)
			copy(c.pBF, c.pFF)
			copy(c.pshBF, c.pshFF)
			valid, lswSub = c.buildTree(c.depth, &c.zPropose, c.pshFB, c.pshFF, c.rhoFwd, c.pFB, c.pFF, h0, 1)
		} else {
			c.end = &c.zBck
			copy(c.rhoFwd, c.rho)
			copy(c.pFB, c.pBB)
			copy(c.pshFB, c.pshBB)
			valid, lswSub = c.buildTree(c.depth, &c.zPropose, c.pshBF, c.pshBB, c.rhoBck, c.pBF, c.pBB, h0, -1)
		}
		if !valid {
			break
		}
		c.depth++
		if c.depth > 1 {
			lsw = mathx.LogAddExp(lsw, lswLast)
		}
		// Biased progressive sampling: move to the new subtree with
		// probability min(1, w_new / w_old).
		if lswSub > lsw || c.rng.Float64() < math.Exp(lswSub-lsw) {
			c.zSample, c.zPropose = c.zPropose, c.zSample // zPropose is rewritten before it is read
		}
		lswLast = lswSub
		// ρ = ρ_bck + ρ_fwd, and the checks across the whole trajectory
		// and between the neighbouring ends of its two parts.
		if !merge(c.rho, c.rhoBck, c.rhoFwd, c.pshBB, c.pshBF, c.pBF, c.pshFB, c.pFB, c.pshFF, false) {
			break
		}
	}
	c.z, c.zSample = c.zSample, c.z // the sample is the new state; zSample is rewritten first thing next time
	return transitionStats{
		accept:    c.sumMetro / float64(c.nLeapfrog),
		energy:    c.hamiltonian(&c.z),
		depth:     c.depth,
		leapfrogs: c.nLeapfrog,
		divergent: c.divergent,
	}
}

// initStepSize is Stan's heuristic: from c.z, double (or halve) the step
// size until the acceptance of one leapfrog step from a fresh momentum
// crosses 0.8.
func (c *nutsChain) initStepSize() error {
	if c.eps == 0 || c.eps > 1e7 || math.IsNaN(c.eps) {
		return nil
	}
	init := newPSPoint(c.d)
	init.copyFrom(&c.z)
	defer c.z.copyFrom(&init)
	step := func() float64 {
		c.z.copyFrom(&init)
		c.sampleMomentum(&c.z)
		h0 := c.hamiltonian(&c.z)
		c.leapfrog(&c.z, c.eps)
		return h0 - c.hamiltonian(&c.z)
	}
	dir := -1.0
	if step() > math.Log(0.8) {
		dir = 1
	}
	for {
		dh := step()
		if c.ev.err != nil {
			return c.ev.err
		}
		if (dir == 1 && !(dh > math.Log(0.8))) || (dir == -1 && !(dh < math.Log(0.8))) {
			return nil
		}
		if dir == 1 {
			c.eps *= 2
		} else {
			c.eps /= 2
		}
		if c.eps > 1e7 {
			return errors.New("the step size grew past 1e7 in the step-size heuristic: the posterior looks improper")
		}
		if c.eps == 0 {
			return errors.New("no acceptably small step size could be found: is the log density continuous?")
		}
	}
}

// initialise sets c.z to the chain's starting point.
func (c *nutsChain) initialise() error {
	if c.o.Init != nil {
		copy(c.z.q, c.o.Init[c.index])
		c.z.lp = c.grad(c.z.q, c.z.g)
		if c.ev.err != nil {
			return c.ev.err
		}
		if math.IsInf(c.z.lp, -1) {
			return &initError{fmt.Sprintf("the log density or its gradient is not finite at the initial point %v", c.z.q), slices.Clone(c.z.q)}
		}
		return nil
	}
	const tries = 100
	r := c.o.InitRadius
	for range tries {
		for i := range c.z.q {
			c.z.q[i] = r * (2*c.rng.Float64() - 1)
		}
		c.z.lp = c.grad(c.z.q, c.z.g)
		if c.ev.err != nil {
			return c.ev.err
		}
		if !math.IsInf(c.z.lp, -1) {
			return nil
		}
	}
	return &initError{fmt.Sprintf("no initial point with a finite log density and gradient in %d draws from uniform(-%g, %g)", tries, r, r), slices.Clone(c.z.q)}
}

// initError is a chain's failure to start at z; NUTS adds the
// posterior's explanation of z once no chain is evaluating (after the
// chains and batchers have stopped: they read p while they run).
type initError struct {
	msg string
	z   []float64
}

func (e *initError) Error() string { return e.msg }

// explain returns ": " and p's explanation of a bad point, if it has one.
func explain(p Posterior, z []float64) string {
	if e, ok := p.(Explainer); ok {
		if why := e.Explain(append([]float64(nil), z...)); why != "" {
			return ": " + why
		}
	}
	return ""
}

// run runs the chain: initialisation, warm-up, sampling.
func (c *nutsChain) run() (*Chain, error) {
	o := c.o
	total := o.Warmup + o.Samples
	keep := o.Samples
	if o.SaveWarmup {
		keep = total
	}
	out := &Chain{
		Draws: make([]float64, 0, keep*c.d), LP: make([]float64, 0, keep),
		AcceptStat: make([]float64, 0, keep), StepSize: make([]float64, 0, keep),
		TreeDepth: make([]int, 0, keep), NLeapfrog: make([]int, 0, keep),
		Divergent: make([]bool, 0, keep), Energy: make([]float64, 0, keep),
	}
	defer func() { out.Gradients, out.Replayed = c.ev.n, c.ev.replayed }()
	if c.ctx.Err() != nil {
		// Stopped before this chain started (a chain queued behind
		// others when a limit or an error stopped the run): no draws,
		// and no model run to find a start.
		out.AdaptedStepSize = c.eps
		out.InvMetric = append([]float64(nil), c.m.inv...)
		return out, nil
	}
	if err := c.initialise(); err != nil {
		return out, err
	}
	if err := c.initStepSize(); err != nil {
		return out, err
	}
	da := &dualAveraging{mu: math.Log(10 * o.StepSize), delta: o.Delta, gamma: o.Gamma, kappa: o.Kappa, t0: o.T0}
	adaptMetric := o.Metric != "unit"
	win := newWindows(o.Warmup, o.InitBuffer, o.TermBuffer, o.Window)
	est := newWelford(c.d, o.Metric == "dense")
	newInv := make([]float64, len(c.m.inv))
	start, sampling := time.Now(), o.Warmup == 0
	for it := range total {
		if it == o.Warmup && !sampling {
			if da.counter > 0 {
				c.eps = math.Exp(da.xBar)
			}
			out.WarmupTime, start, sampling = time.Since(start), time.Now(), true
		}
		if c.ctx.Err() != nil {
			break
		}
		eps := c.eps
		s := c.transition()
		if c.ev.err != nil {
			return out, c.ev.err
		}
		if it < o.Warmup {
			da.learn(&c.eps, s.accept)
			if adaptMetric {
				if win.inWindow() {
					est.add(c.z.q)
				}
				if win.endWindow() {
					win.advance()
					if err := est.regularised(newInv); err != nil {
						return out, err
					}
					if err := c.m.set(newInv); err != nil {
						return out, err
					}
					est.restart()
					if err := c.initStepSize(); err != nil {
						return out, err
					}
					da.mu = math.Log(10 * c.eps)
					da.restart()
				}
				win.counter++
			}
		}
		if it >= o.Warmup || o.SaveWarmup {
			out.Draws = append(out.Draws, c.z.q...)
			out.LP = append(out.LP, c.z.lp)
			out.AcceptStat = append(out.AcceptStat, s.accept)
			out.StepSize = append(out.StepSize, eps)
			out.TreeDepth = append(out.TreeDepth, s.depth)
			out.NLeapfrog = append(out.NLeapfrog, s.leapfrogs)
			out.Divergent = append(out.Divergent, s.divergent)
			out.Energy = append(out.Energy, s.energy)
			if it < o.Warmup {
				out.Warmup++
			}
		}
		if o.OnIteration != nil {
			o.OnIteration(c.index, it+1)
		}
	}
	if sampling {
		out.SampleTime = time.Since(start)
	} else {
		out.WarmupTime = time.Since(start)
	}
	out.AdaptedStepSize = c.eps
	out.InvMetric = append([]float64(nil), c.m.inv...)
	return out, nil
}
