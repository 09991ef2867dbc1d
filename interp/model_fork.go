package interp

import (
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
)

var (
	_ infer.Forker      = (*Posterior)(nil)
	_ infer.BatchForker = (*Posterior)(nil)
)

// Fork returns a copy of p whose LogDensity may run concurrently with
// p's and other forks': it runs the model body on a thread of its own
// (same limits, output and file access; its own call stack and random
// source) and keeps its own per-run state (the cache of constant
// subexpressions, the subsampling's control variate). The model, its
// defining scope and the data are shared and only read by a run.
func (p *Posterior) Fork() infer.Posterior { return p.fork() }

// BatchFork is Fork: NUTS batches the chains of an interpreted posterior
// on forks, since a model run costs mostly per call, not per row.
func (p *Posterior) BatchFork() infer.Posterior { return p.fork() }

func (p *Posterior) fork() *Posterior {
	q := &Posterior{Model: p.Model, Args: p.Args, lay: p.lay, th: forkThread(p.th), callPos: p.callPos, impure: p.impure}
	if p.rows != nil {
		rows := *p.rows // the maps are only read; the anchor's caches are per fork
		q.rows = &rows
	}
	return q
}

// forkThread returns a thread with th's settings and an empty call stack.
// Its random source is its own (a model's log density does not draw).
func forkThread(th *lang.Thread) *lang.Thread {
	if th == nil {
		return &lang.Thread{}
	}
	return &lang.Thread{
		Name:        th.Name,
		Context:     th.Context,
		Rand:        lang.NewRand(lang.DefaultSeed),
		Stdout:      th.Stdout,
		Stderr:      th.Stderr,
		Quiet:       th.Quiet,
		Progress:    th.Progress,
		OnFit:       th.OnFit,
		Warn:        th.Warn,
		MaxDepth:    th.MaxDepth,
		FS:          th.FS,
		MaxElements: th.MaxElements,
		Memory:      th.Memory,
	}
}
