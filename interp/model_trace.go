package interp

import (
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
)

// NUTS replays recorded traces of the log density instead of running the
// model body at every gradient (infer.Traceable, tensor.Record): a trace
// replays the tensor operations of one run, so it is only valid when the
// run is a pure function of the latents' values. Two things the tensor
// package cannot see make a run impure, and Traceable says so:
//   - a subsample of the data rows in use (UseRows, with its control
//     variate), or all rows evaluated in chunks (logDensityChunked): the
//     rows a run sees are state outside z;
//   - a call of a builtin that is not pure (sample draws from the thread's
//     random source, print writes, file access reads): a replay would not
//     repeat it. Every run of the model body notes such calls (modelRun's
//     impure, from evaluator.call), the prototype run that finds the
//     latents included, so that Traceable is false before NUTS records
//     anything; pure are the distribution families, the numeric builtins
//     of pureBuiltins and the model-only builtins.
// Control flow on the latents' values (an if on a latent at one row) and
// out-of-support values are the tensor package's to catch: they make a
// recording not replayable, or a replay refuse.

var _ infer.Traceable = (*Posterior)(nil)

// Traceable reports whether LogDensity on b rows is a pure function of z
// in the runs so far: no subsampled or chunked rows at b, and no call of
// an impure builtin in any run of the model body (the prototype's
// included).
func (p *Posterior) Traceable(b int) bool {
	if p.impure {
		return false
	}
	return p.rows == nil || p.rows.use == nil && !p.rows.chunked(b)
}

// noteCall records, in a run of the model body, whether the callable c
// about to be called is a pure builtin (see Traceable): each builtin is
// looked up once per posterior; any other callable is impure.
func (ev *evaluator) noteCall(c lang.Callable) {
	r := ev.run
	if r.impure || r.purity == nil {
		return
	}
	b, ok := c.(*lang.Builtin)
	if !ok {
		r.impure = true
		return
	}
	pure, ok := r.purity[b]
	if !ok {
		pure = ev.pureBuiltin(b)
		r.purity[b] = pure
	}
	r.impure = !pure
}

// pureBuiltin reports whether b is a pure builtin, by the name it was made
// with (an alias calls the same builtin): a family or pure builtin of
// package stdlib, or a model-only builtin of the running posterior (factor
// adds a term, which a replay repeats).
func (ev *evaluator) pureBuiltin(b *lang.Builtin) bool {
	name := b.Name()
	if ev.run.menv != nil && ev.run.menv.vars[name] == lang.Value(b) {
		return true
	}
	return ev.pureCallee(name, b)
}
