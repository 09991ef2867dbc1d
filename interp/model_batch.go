package interp

import (
	"fmt"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// A ~ in a loop, `for i in range(n) { y[i] ~ Normal(mu[i], sigma) }`,
// observes one number per iteration under a distribution whose parameters
// depend on the latents. Scored one at a time, each iteration puts a
// dozen operations on [B] tensors on the tape. Instead, observe defers such
// observations: each ~ statement collects its observed values and the
// distribution's parameter tensors, and the end of the run scores them at
// once under one distribution of the same family whose parameters are
// the collected ones side by side, as the vectorised model
// `y ~ Normal(mu, sigma)` is scored. The log density is the same sum of
// the same terms (in another order); errors that a ~ can cause (support,
// shapes) are still reported when it runs.

// obsKey identifies a group of deferred observations.
type obsKey struct {
	s   *ast.Tilde
	fam *dist.Family
}

// obsGroup is the deferred observations of one ~ statement under one
// family.
type obsGroup struct {
	s      *ast.Tilde
	fam    *dist.Family
	what   string
	xs     []float64           // the observed values, in order
	lens   []int               // how many values each observation has
	params [][]*tensor.Tensor  // params[j][k]: parameter j of observation k
	ds     []dist.Distribution // the distribution of each observation
}

// deferrable reports whether observing the plain data t under dv (of
// dimension dim) can be deferred: dv is a one-dimensional distribution of
// a family with scalar parameters, built by the family's builtin, whose
// parameters are constants (rank 0) or one number per draw ([B, 1]), or
// for a whole-vector parameter (OrderedLogistic's cutpoints) a vector
// ([K] or [B, K]); score groups observations only when that vector is the
// same for all of them.
func (r *modelRun) deferrable(dv lang.Value, t *tensor.Tensor, dim int) (*lang.Dist, bool) {
	ld, ok := dv.(*lang.Dist)
	if !ok || r.explain || ld.Family == nil || ld.Batch != r.b || ld.Vector || dim != 1 || t.Len() == 0 || t.Tracked() {
		return nil, false
	}
	switch ld.Family.Name {
	case "Categorical", "Dirichlet", "MultivariateNormal":
		return nil, false
	}
	if len(ld.Params) != len(ld.Family.Params) {
		return nil, false
	}
	for j, p := range ld.Params {
		switch {
		case ld.Family.IsWhole(ld.Family.Params[j]):
			if p.Rank() != 1 && (p.Rank() != 2 || p.Dim(0) != r.b) {
				return nil, false
			}
		case p.Rank() == 0:
		case p.Rank() == 2 && p.Dim(0) == r.b && p.Dim(1) == 1:
		default:
			return nil, false
		}
	}
	return ld, true
}

// deferObs adds an observation of the values of t (named what()) under ld
// to the group of the ~ statement s.
func (r *modelRun) deferObs(s *ast.Tilde, what func() string, t *tensor.Tensor, ld *lang.Dist) {
	k := obsKey{s, ld.Family}
	g, ok := r.groups[k]
	if !ok {
		g = &obsGroup{s: s, fam: ld.Family, what: what(), params: make([][]*tensor.Tensor, len(ld.Params))}
		if r.groups == nil {
			r.groups = map[obsKey]*obsGroup{}
		}
		r.groups[k] = g
		r.order = append(r.order, g)
	}
	g.xs = append(g.xs, t.Data()...)
	g.lens = append(g.lens, t.Len())
	g.ds = append(g.ds, ld.D)
	for j, p := range ld.Params {
		g.params[j] = append(g.params[j], p)
	}
}

// flush scores the deferred observations and adds their log densities.
func (ev *evaluator) flush() error {
	r := ev.run
	for _, g := range r.order {
		lp, ok := g.score(r.b)
		if !ok {
			// Something the joint distribution could not score: score the
			// observations one at a time, as observe would have, so that
			// an error names the ~ and says what went wrong.
			if err := ev.scoreEach(g); err != nil {
				return err
			}
			continue
		}
		r.add(g.what, g.s.Pos(), lp)
	}
	r.order, r.groups = nil, nil
	return nil
}

// score returns the log density of the group's observations for each of
// the b draws, or false when the family cannot score them jointly.
func (g *obsGroup) score(b int) (lp *tensor.Tensor, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			lp, ok = nil, false
		}
	}()
	m := len(g.xs)
	if len(g.ds) == 1 {
		// One observation: score it as observe would have.
		lp = g.ds[0].LogProb(tensor.New(g.xs, 1, m))
		return lp, lp.Rank() == 1 && lp.Dim(0) == b
	}
	params := make([]*tensor.Tensor, len(g.params))
	for j, parts := range g.params {
		if g.fam.IsWhole(g.fam.Params[j]) {
			if params[j] = sameWhole(parts); params[j] == nil {
				return nil, false
			}
			continue
		}
		params[j] = g.joint(parts, b)
	}
	d, err := g.fam.Build(params, false)
	if err != nil {
		return nil, false
	}
	lp = d.LogProb(tensor.New(g.xs, 1, m))
	if lp.Rank() != 1 || lp.Dim(0) != b {
		return nil, false
	}
	return lp, true
}

// sameWhole returns the whole-vector parameter shared by all the
// observations of a group (the same tensor, or equal constants), or nil
// when they differ: observations under different cutpoints cannot be
// scored as one distribution.
func sameWhole(parts []*tensor.Tensor) *tensor.Tensor {
	p0 := parts[0]
	for _, p := range parts[1:] {
		if p == p0 {
			continue
		}
		if p.Tracked() || p0.Tracked() || !tensor.SameShape(p.Shape(), p0.Shape()) {
			return nil
		}
		for i, v := range p.Data() {
			if v != p0.Data()[i] {
				return nil
			}
		}
	}
	return p0
}

// joint puts the parts of one parameter side by side as a [b, m] tensor,
// each repeated for the values of its observation; a parameter that is the
// same constant for all observations stays a constant.
func (g *obsGroup) joint(parts []*tensor.Tensor, b int) *tensor.Tensor {
	same := true
	for _, p := range parts {
		if p.Rank() != 0 || p.Item() != parts[0].Item() {
			same = false
			break
		}
	}
	if same {
		return parts[0]
	}
	if len(parts) > 1 && parts[0].Rank() == 2 {
		one := true
		for _, p := range parts[1:] {
			one = one && p == parts[0]
		}
		if one {
			// The same [b, 1] parameter for all (sigma in Normal(mu[i],
			// sigma)): the joint distribution broadcasts it.
			return parts[0]
		}
	}
	cols := make([]*tensor.Tensor, len(parts))
	for k, p := range parts {
		n := g.lens[k]
		switch {
		case p.Rank() == 0:
			cols[k] = tensor.Full(p.Item(), b, n)
		case n == 1:
			cols[k] = p
		default:
			cols[k] = tensor.BroadcastTo(p, b, n)
		}
	}
	if len(cols) == 1 {
		return cols[0]
	}
	return tensor.Concat(1, cols...)
}

// scoreEach scores the group's observations one at a time.
func (ev *evaluator) scoreEach(g *obsGroup) error {
	off := 0
	for k, d := range g.ds {
		n := g.lens[k]
		x := tensor.New(g.xs[off:off+n], 1, n)
		off += n
		var lp *tensor.Tensor
		err := func() (err error) {
			defer func() {
				if p := recover(); p != nil {
					err = fmt.Errorf("%s cannot be scored under %s: %v", g.what, familyName(d), p)
				}
			}()
			lp = d.LogProb(x)
			return nil
		}()
		if err != nil {
			return ev.errorf(g.s.Pos(), "%v", err)
		}
		ev.run.add(g.what, g.s.Pos(), lp)
	}
	return nil
}
