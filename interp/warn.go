package interp

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/tensor"
)

// Warnings are problems that do not stop a script but make its answers
// suspect. Two kinds exist:
//
//   - static, found before the script runs (Warnings): a model parameter
//     that the model's body never uses (`model m(x, y)` whose body never
//     mentions x: usually a likelihood line that was forgotten or names
//     the wrong variable);
//   - of a posterior fit (infer.PosteriorReport.Warnings): a posterior
//     that looks improper, more than 1% of the draws dropped (explained
//     by ExplainDropped), a Pareto k̂ above 0.7.
//
// Both are reported through lang.Thread.Warning (the thread's Warn hook,
// or a line "file:line:col: warning: msg" on Stderr unless quiet), and a
// posterior fit's report carries all those that concern it, the static
// ones of its model included, in its field warnings.

// Warning is a warning with its position.
type Warning struct {
	Pos ast.Pos
	Msg string
}

// String returns "file:line:col: warning: msg".
func (w Warning) String() string { return lang.WarningLine(w.Pos, w.Msg) }

// Warnings returns the static warnings of a parsed script, sorted by
// position: a parameter of a model (anywhere in the file) that the
// model's body never uses. A parameter whose name starts with _ is
// exempt (unused on purpose: `model m(_N, y)`).
func Warnings(file *ast.File) []Warning {
	var out []Warning
	ast.Inspect(file, func(n ast.Node) bool {
		if m, ok := n.(*ast.ModelDef); ok {
			out = append(out, unusedParams(m.Name.Name, m.Params, m.Body)...)
		}
		return true
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos.Before(out[j].Pos) })
	return out
}

// unusedParams returns a warning for each parameter of model name that
// body never uses: never read in an expression, observed by ~ or passed
// on before the body's top level binds the name anew (`x = ...`); a loop
// `for x in ...` hides it in the loop's body.
func unusedParams(name string, params []*ast.Ident, body *ast.Block) []Warning {
	var out []Warning
	for _, p := range params {
		if strings.HasPrefix(p.Name, "_") || reads(p.Name, body.Stmts) {
			continue
		}
		out = append(out, Warning{p.NamePos, fmt.Sprintf("parameter %s of model %s is never used in its body (is a ~ line missing or naming another variable? start the name with _ if it is unused on purpose)", p.Name, name)})
	}
	return out
}

// reads reports whether stmts read name before binding it anew at their
// own level (conservatively: a read anywhere in an if, a nested function
// or a later iteration counts).
func reads(name string, stmts []ast.Stmt) bool {
	for _, s := range stmts {
		switch s := s.(type) {
		case *ast.Assign:
			if id, ok := s.Target.(*ast.Ident); ok {
				if mentions(name, s.Value) {
					return true
				}
				if id.Name == name {
					return false // later reads read the new value
				}
				continue
			}
		case *ast.For:
			if mentions(name, s.Iter) {
				return true
			}
			if s.Var.Name != name && reads(name, s.Body.Stmts) {
				return true
			}
			continue
		}
		if mentions(name, s) {
			return true
		}
	}
	return false
}

// mentions reports whether name occurs in n as a name (or as the f of
// x.f(...), which may be f(x, ...)).
func mentions(name string, n ast.Node) bool {
	found := false
	ast.Inspect(n, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			found = found || n.Name == name
		case *ast.Field:
			found = found || n.Name == name
		}
		return !found
	})
	return found
}

// fitWarnings returns the lines of the warnings field of a posterior
// fit's report: the static warnings of the model, then the fit's own at
// the fit keyword.
func fitWarnings(m *Model, pos ast.Pos, msgs []string) string {
	var lines []string
	for _, w := range unusedParams(m.name, m.params, m.body) {
		lines = append(lines, w.String())
	}
	for _, msg := range msgs {
		lines = append(lines, lang.WarningLine(pos, msg))
	}
	return strings.Join(lines, "\n")
}

// CoordName names coordinate i of the unconstrained space of the latents:
// the latent's name, with its index when it has several coordinates
// ("theta[2]"), for messages.
func (p *Posterior) CoordName(i int) string {
	for _, l := range p.lay.latents {
		if i < l.off || i >= l.off+l.k {
			continue
		}
		if l.k == 1 && len(l.event) == 0 {
			return l.name
		}
		if l.k == l.d {
			return flatName(l.name, l.event, i-l.off)
		}
		return fmt.Sprintf("%s (unconstrained coordinate %d)", l.name, i-l.off)
	}
	return ""
}

// dropCause is why one draw had a non-finite log density: the term (a ~
// or factor) that was not finite, its value, and when it can tell, which
// parameter of the term's distribution was invalid.
type dropCause struct {
	where  string // "y ~ Bernoulli(p) at m.flow:4:5"
	lp     float64
	reason string // "p must be in [0, 1], got 1.7" (without the family)
	arg    string // the argument's expression, "p"
	hint   string
	latent string // "a = 0.3, b = 2"
}

// key groups causes that differ only in the values.
func (c dropCause) key() string {
	r := c.reason
	if i := strings.Index(r, ", got "); i >= 0 {
		r = r[:i]
	}
	return c.where + "|" + r
}

// ExplainDropped says why the draws z (unconstrained points) had a
// non-finite log density, for the warning of a fit that dropped many: the
// most common term that was not finite among them, which of its
// distribution's parameters was out of its domain (with an example value
// and the latents' values that led there) and a hint.
func (p *Posterior) ExplainDropped(z [][]float64) string {
	var causes []dropCause
	for _, row := range z {
		if c, ok := p.dropCause(row); ok {
			causes = append(causes, c)
		}
	}
	if len(causes) == 0 {
		if len(z) > 0 {
			return p.Explain(z[0])
		}
		return ""
	}
	count := map[string]int{}
	for _, c := range causes {
		count[c.key()]++
	}
	best := causes[0]
	for _, c := range causes {
		if count[c.key()] > count[best.key()] {
			best = c
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "in %d of %d of them examined, %s was %s", count[best.key()], len(z), best.where, tensor.FormatNumber(best.lp))
	if best.reason != "" {
		fmt.Fprintf(&b, ": %s", best.reason)
		if best.arg != "" {
			fmt.Fprintf(&b, " (the argument %s)", best.arg)
		}
	}
	if best.latent != "" {
		if best.reason != "" {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " with %s", best.latent)
	}
	if best.hint != "" {
		fmt.Fprintf(&b, " — %s", best.hint)
	}
	return b.String()
}

// dropCause runs the model on one unconstrained point z and finds the
// first term that is not finite.
func (p *Posterior) dropCause(z []float64) (dropCause, bool) {
	r := newRun(modeDensity, 1)
	r.z, r.lay, r.explain = tensor.New(append([]float64(nil), z...), 1, len(z)), p.lay, true
	if _, err := p.run(p.th, r); err != nil {
		return dropCause{}, false
	}
	var vals []string
	for _, l := range p.lay.latents {
		if x := r.values[l.name]; x != nil {
			vals = append(vals, l.name+" = "+fmtShort(x.Data()))
		}
	}
	for _, t := range r.terms {
		v := t.lp.Data()[0]
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			continue
		}
		c := dropCause{where: t.what, lp: v, latent: strings.Join(vals, ", ")}
		if t.tilde != nil {
			c.where = ast.FormatExpr(t.tilde.LHS) + " ~ " + ast.FormatExpr(t.tilde.Dist)
		}
		if t.pos.IsValid() {
			c.where += " at " + t.pos.String()
		}
		c.reason, c.arg, c.hint = invalidParam(t)
		if _, latent := r.values[t.what]; c.reason == "" && t.tilde != nil && !latent && t.dist != nil {
			if ld, ok := t.dist.(*lang.Dist); ok && ld.Family != nil {
				c.reason = "its parameters are valid there, so an observed value is outside its support"
			}
		}
		return c, true
	}
	return dropCause{}, false
}

// invalidParam checks the parameters of the distribution of a term (one
// draw) against their domains, as the family's constructor does for
// constants, and returns the complaint without the family's name ("p must
// be in [0, 1], got 1.7"), the argument's expression in the ~ line and a
// hint at the usual mistake.
func invalidParam(t term) (reason, arg, hint string) {
	ld, ok := t.dist.(*lang.Dist)
	if !ok || ld.Family == nil || len(ld.Params) != len(ld.Family.Params) {
		return "", "", ""
	}
	params := make([]*tensor.Tensor, len(ld.Params))
	for j, q := range ld.Params {
		data := append([]float64(nil), q.Detach().Data()...)
		switch {
		case len(data) == 1:
			params[j] = tensor.Scalar(data[0])
		case q.Rank() == 2 && q.Dim(0) == 1:
			params[j] = tensor.New(data, len(data))
		default:
			params[j] = tensor.New(data, q.Shape()...)
		}
	}
	_, err := ld.Family.Build(params, true)
	if err == nil {
		return "", "", ""
	}
	reason = strings.TrimPrefix(err.Error(), ld.Family.Name+": ")
	if i := strings.LastIndex(reason, ", got "); i >= 0 {
		if v, err := strconv.ParseFloat(reason[i+6:], 64); err == nil {
			reason = reason[:i+6] + fmtShort([]float64{v})
		}
	}
	j := -1
	for k, name := range ld.Family.Params {
		if strings.HasPrefix(reason, name+" ") {
			j = k
			break
		}
	}
	if j < 0 {
		return reason, "", ""
	}
	if t.tilde == nil {
		return reason, "", paramHint(reason)
	}
	if call, ok := t.tilde.Dist.(*ast.Call); ok && j < len(call.Args) && len(call.Kwargs) == 0 {
		if a := ast.FormatExpr(call.Args[j]); a != ld.Family.Params[j] {
			arg = a
		}
	}
	return reason, arg, paramHint(reason)
}

// paramHint is the usual cause of a parameter outside its domain.
func paramHint(reason string) string {
	switch {
	case strings.Contains(reason, "must be finite"):
		return "an overflow (exp of a large value) or a division by zero?"
	case strings.Contains(reason, "must be in [0, 1]"):
		return "a probability computed without sigmoid?"
	case strings.Contains(reason, "must be positive"), strings.Contains(reason, "must be non-negative"):
		return "a scale or rate computed without exp or softplus, or a latent without a positive prior?"
	case strings.Contains(reason, "sum to 1"):
		return "probabilities computed without softmax?"
	}
	return ""
}

// fmtShort formats values for a message with four significant digits: a
// number, or a vector in brackets (at most 6 elements shown).
func fmtShort(v []float64) string {
	one := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return tensor.FormatNumber(x)
		}
		return strconv.FormatFloat(x, 'g', 4, 64)
	}
	if len(v) == 1 {
		return one(v[0])
	}
	parts := make([]string, 0, min(len(v), 7))
	for i, x := range v {
		if i == 6 {
			parts = append(parts, "...")
			break
		}
		parts = append(parts, one(x))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
