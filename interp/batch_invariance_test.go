package interp_test

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
	"github.com/flowppl/flowppl/tensor"
)

// The batch-invariance property: inside a model every value that depends
// on a latent is a *lang.Batch holding one value per guide draw, and every
// builtin, operator and distribution must give, for each draw, exactly
// what it gives on that draw's value alone (same kind, same shape, same
// numbers). A builtin that sums, reshapes or broadcasts differently on a
// batch is a silent wrong answer in every model that uses it.
//
// Each invCase is an expression over named variables. A variable has one
// value (the same for every draw: data) or invDraws values (one per draw:
// a value computed from latents). The test evaluates the expression
//
//   - once per draw, with every variable bound to that draw's plain value;
//   - once with every varying variable bound to a Batch of its draws;
//   - once per varying variable with only that one bound to a Batch (the
//     others at draw 0's value), which exercises the mixed batch/plain
//     paths;
//
// and requires draw i of each batched result to equal the plain result of
// draw i: same type, same shape, values within 1e-12 relative (1e-9 with
// tol set: iterative algorithms whose batched and unbatched loops round
// differently). Groups of builtins add their cases in their own files with
// init functions appending to invCases.

// invDraws is the number of draws of a varying variable.
const invDraws = 3

// invCase is one expression of the property test.
type invCase struct {
	expr string
	// vars binds the expression's names: a lang.Value is the same for
	// every draw; a []lang.Value of length invDraws varies per draw.
	vars map[string]any
	tol  float64 // relative tolerance; 0 means 1e-12
	// pre, if set, are statements run before `result = expr` (for x[i] = v
	// and other statements); names they call count as covered.
	pre string
}

// invCases lists the expressions; files append to it in init functions.
var invCases []invCase

// invExempt lists names of builtins the property does not apply to, each
// with the reason; TestBatchInvarianceCovers requires every builtin to be
// in a case or here.
var invExempt = map[string]string{}

// vary returns invDraws values of v's kind: v scaled by 1, 1.1 and 0.9
// (positive values stay positive, sorted stay sorted, a positive definite
// matrix stays positive definite).
func vary(v lang.Value) []lang.Value {
	out := make([]lang.Value, invDraws)
	for i, s := range []float64{1, 1.1, 0.9} {
		switch v := v.(type) {
		case lang.Number:
			out[i] = lang.Number(float64(v) * s)
		case *lang.Array:
			out[i] = lang.NewArray(tensor.Scale(v.T, s))
		default:
			panic(fmt.Sprintf("vary: %s", v.Type()))
		}
	}
	return out
}

// familyParams returns per-draw parameter values for the families' cases:
// positive numbers, a unit-interval number, a real number, a real and a
// positive vector, increasing cutpoints (scaled by 1, 1.1, 0.9: still
// increasing) and a simplex (a simplex in draw 0 only once scaled: cases
// that need one in every draw write p / sum(p)).
func familyParams() (pos, pos2, unit, real, rv, posv, cut, simplex []lang.Value) {
	return vary(num(1.7)), vary(num(0.6)), vary(num(0.3)), vary(num(-0.8)),
		vary(vec(0.5, -1.2, 2)), vary(vec(0.5, 1.2, 2)), vary(vec(-1, 0.5, 2)), vary(vec(0.2, 0.5, 0.3))
}

func num(x float64) lang.Value { return lang.Number(x) }

func vec(xs ...float64) lang.Value { return lang.NewVector(xs) }

func matrix(r, c int, xs ...float64) lang.Value {
	return lang.NewMatrix(r, c, append([]float64(nil), xs...))
}

// stack returns the Batch whose draw i is vs[i].
func stack(t *testing.T, vs []lang.Value) *lang.Batch {
	t.Helper()
	var data []float64
	var event []int
	for i, v := range vs {
		tt, n, ok := lang.EventTensor(v)
		if !ok || n != 0 {
			t.Fatalf("draw %d: %s is not a number or array", i, v.Type())
		}
		if i == 0 {
			event = tt.Shape()
		} else if !tensor.SameShape(event, tt.Shape()) {
			t.Fatalf("draws of shapes %v and %v", event, tt.Shape())
		}
		data = append(data, tt.Data()...)
	}
	return lang.NewBatch(tensor.New(data, append([]int{len(vs)}, event...)...))
}

// evalExpr runs `result = expr`, after the statements pre, with the given
// names predeclared.
func evalExpr(pre, expr string, vars lang.StringDict) (lang.Value, error) {
	th, _, _ := newThread()
	g, err := interp.ExecFile(th, "inv.flow", pre+"\nresult = "+expr, vars)
	if err != nil {
		return nil, err
	}
	return g["result"], nil
}

// sameValue reports how got (draw i of a batched result, or a plain
// result the batch left plain) differs from want, or "" if it does not.
func sameValue(got, want lang.Value, tol float64) string {
	if b, ok := got.(*lang.Batch); ok {
		return fmt.Sprintf("internal: batch %v", b)
	}
	if got.Type() != want.Type() {
		return fmt.Sprintf("a %s, want a %s (%v)", got.Type(), want.Type(), want)
	}
	gt, _, ok1 := lang.EventTensor(got)
	wt, _, ok2 := lang.EventTensor(want)
	if !ok1 || !ok2 {
		if lang.Equal(got, want) {
			return ""
		}
		return fmt.Sprintf("%v, want %v", got, want)
	}
	if !tensor.SameShape(gt.Shape(), wt.Shape()) {
		return fmt.Sprintf("shape %v, want %v (%v)", gt.Shape(), wt.Shape(), want)
	}
	for k, w := range wt.Data() {
		g := gt.Data()[k]
		if g == w || (math.IsNaN(g) && math.IsNaN(w)) {
			continue
		}
		if !(math.Abs(g-w) <= tol*max(1, math.Abs(w))) {
			return fmt.Sprintf("element %d is %v, want %v (%v)", k, g, w, want)
		}
	}
	return ""
}

func TestBatchInvariance(t *testing.T) {
	for _, c := range invCases {
		t.Run(c.expr, func(t *testing.T) {
			tol := c.tol
			if tol == 0 {
				tol = 1e-12
			}
			var varying []string
			for name, v := range c.vars {
				if _, ok := v.([]lang.Value); ok {
					varying = append(varying, name)
				}
			}
			sort.Strings(varying)
			if len(varying) == 0 {
				t.Fatalf("no variable varies")
			}
			// bind returns the names with draw i's values, and with the
			// names in batched bound to their batches.
			bind := func(i int, batched []string) lang.StringDict {
				d := lang.StringDict{}
				for name, v := range c.vars {
					switch v := v.(type) {
					case lang.Value:
						d[name] = v
					case []lang.Value:
						if len(v) != invDraws {
							t.Fatalf("%s has %d draws, want %d", name, len(v), invDraws)
						}
						d[name] = v[i]
					default:
						t.Fatalf("%s: %T", name, v)
					}
				}
				for _, name := range batched {
					d[name] = stack(t, c.vars[name].([]lang.Value))
				}
				return d
			}
			plain := make([]lang.Value, invDraws)
			for i := range plain {
				v, err := evalExpr(c.pre, c.expr, bind(i, nil))
				if err != nil {
					t.Fatalf("draw %d alone: %v", i, err)
				}
				plain[i] = v
			}
			sets := [][]string{varying}
			if len(varying) > 1 {
				for _, name := range varying {
					sets = append(sets, []string{name})
				}
			}
			for _, set := range sets {
				v, err := evalExpr(c.pre, c.expr, bind(0, set))
				if err != nil {
					t.Errorf("batched %s: %v", strings.Join(set, ", "), err)
					continue
				}
				for i := range invDraws {
					want := plain[i]
					if len(set) < len(varying) {
						// The others are fixed at draw 0.
						w, err := evalExpr(c.pre, c.expr, mixed(bind(0, nil), c.vars, set, i))
						if err != nil {
							t.Fatalf("draw %d of %s: %v", i, strings.Join(set, ", "), err)
						}
						want = w
					}
					got := v
					if b, ok := v.(*lang.Batch); ok {
						if b.N() != invDraws {
							t.Fatalf("batched %s: %d draws", strings.Join(set, ", "), b.N())
						}
						got = b.Draw(i)
					}
					if msg := sameValue(got, want, tol); msg != "" {
						t.Errorf("batched %s, draw %d: %s", strings.Join(set, ", "), i, msg)
					}
				}
			}
		})
	}
}

// mixed returns base with the names in set bound to draw i.
func mixed(base lang.StringDict, vars map[string]any, set []string, i int) lang.StringDict {
	for _, name := range set {
		base[name] = vars[name].([]lang.Value)[i]
	}
	return base
}

func init() {
	x := vec(0.5, -1.2, 2)
	invCases = append(invCases,
		invCase{expr: "x + y", vars: map[string]any{"x": vary(x), "y": vary(vec(1, 2, 3))}},
		invCase{expr: "exp(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "sum(x)", vars: map[string]any{"x": vary(x)}},
		invCase{expr: "log_prob(Normal(mu, s), y)", vars: map[string]any{
			"mu": vary(num(0.3)), "s": vary(num(1.5)), "y": vary(vec(1, 2, 3))}},
	)
}

// The operators and index forms the property covers, by the name
// calledNames gives them.
var invOperators = []string{
	"op +", "op -", "op *", "op /", "op ^", "op @", "unary -",
	"op ==", "op !=", "op <", "op <=", "op >", "op >=", "op and", "op or", "unary not",
	"x[i]", "m[i, j]", "m[:, j]", "m[i, :]", "x[a:b]", "x[i] = v", "m[i, j] = v",
}

// calledNames returns the names called in src (f(...) and x.f(...)), the
// operators it applies ("op +", "unary -") and the index forms it uses
// ("x[i]", "m[:, j]", "x[i] = v").
func calledNames(t *testing.T, src string) map[string]bool {
	t.Helper()
	f, err := parser.ParseFile("case.flow", src)
	if err != nil {
		t.Fatalf("%s: %v", src, err)
	}
	names := map[string]bool{}
	form := func(ix *ast.Index) string {
		var parts []string
		for _, e := range ix.Indices {
			if _, ok := e.(*ast.Slice); ok {
				parts = append(parts, ":")
			} else {
				parts = append(parts, "i")
			}
		}
		switch strings.Join(parts, ",") {
		case "i":
			return "x[i]"
		case ":":
			return "x[a:b]"
		case "i,i":
			return "m[i, j]"
		case ":,i":
			return "m[:, j]"
		case "i,:":
			return "m[i, :]"
		}
		return "m[" + strings.Join(parts, ", ") + "]"
	}
	for _, st := range f.Stmts {
		if a, ok := st.(*ast.Assign); ok {
			if ix, ok := a.Target.(*ast.Index); ok {
				names[strings.Replace(form(ix), "[a:b]", "[i]", 1)+" = v"] = true
			}
		}
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Call:
				switch fn := n.Fn.(type) {
				case *ast.Ident:
					names[fn.Name] = true
				case *ast.Field:
					names[fn.Name] = true
				}
			case *ast.Binary:
				names["op "+n.Op.String()] = true
			case *ast.Unary:
				names["unary "+n.Op.String()] = true
			case *ast.Index:
				names[form(n)] = true
			}
			return true
		})
	}
	return names
}

// TestBatchInvarianceCovers: every builtin (stdlib's, the model-only ones,
// the interpreter's), every distribution family and every operator and
// index form is called in some invCase, or exempt with a reason.
func TestBatchInvarianceCovers(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range invCases {
		for name := range calledNames(t, c.pre+"\nresult = "+c.expr) {
			covered[name] = true
		}
	}
	want := map[string]string{}
	for name := range stdlib.Universe {
		want[name] = "builtin"
	}
	for _, name := range interp.ModelBuiltinNames() {
		want[name] = "model builtin"
	}
	for _, b := range interp.Builtins() {
		want[b.Name()] = "interpreter builtin"
	}
	for _, f := range dist.Families {
		want[f.Name] = "distribution"
	}
	for _, op := range invOperators {
		want[op] = "operator"
	}
	var missing []string
	for name, kind := range want {
		reason, exempt := invExempt[name]
		switch {
		case exempt && reason == "":
			t.Errorf("%s %s is exempt without a reason", kind, name)
		case exempt && covered[name]:
			t.Errorf("%s %s is exempt but has cases: drop the exemption", kind, name)
		case !exempt && !covered[name]:
			missing = append(missing, kind+" "+name)
		}
	}
	for name := range invExempt {
		if _, ok := want[name]; !ok {
			t.Errorf("invExempt lists %s, which is not a builtin, distribution or operator", name)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s has no batch-invariance case (add one to invCases, or to invExempt with a reason)", m)
	}
}

// TestBatchArgumentErrors: the builtins exempt from the property because
// their arguments cannot meaningfully be values computed from latents
// (I/O, plotting, fit machinery, Monte Carlo estimates) give a clear error
// for a batch argument, naming the builtin and saying what it got, rather
// than a value; so do sizes and other constant parameters.
func TestBatchArgumentErrors(t *testing.T) {
	dir := t.TempDir()
	x := stack(t, vary(vec(0.5, 1, 2)))
	a := stack(t, vary(num(0.8)))
	cov := stack(t, vary(matrix(2, 2, 2, 0.5, 0.5, 1)))
	for _, tt := range []struct{ expr, want string }{
		{`write_csv(path, x)`, "write_csv: "},
		{`save(x, path)`, "save: "},
		{`load(x)`, "load: "},
		{`plot(x, path)`, "plot: "},
		{`summary(x)`, "summary: "},
		{`elbo(x, x)`, "elbo: "},
		{`kl(Normal(a, 1), Normal(0, 1))`, "kl: "},
		{`kl(Normal(0, 1), Normal(a, 1), 10)`, "kl: "},
		{`read_csv(x)`, "read_csv: "},
		{`read_json(x)`, "read_json: "},
		{`zeros(a)`, "zeros: "},
		{`ones(2, a)`, "ones: "},
		{`eye(a)`, "eye: "},
		{`range(a)`, "range: "},
		{`linspace(0, 1, a)`, "linspace: "},
		{`quantile(x, a)`, "quantile: "},
		{`sample(Normal(a, 1), 10)`, "sample: "},
		{`MultivariateNormal([0, 0], cov)`, "MultivariateNormal: "},
	} {
		_, err := evalExpr("", tt.expr, lang.StringDict{"x": x, "a": a, "cov": cov, "path": lang.String(dir + "/out.svg")})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "latent variables") {
			t.Errorf("%s: error %v, want one containing %q that says the value depends on latent variables", tt.expr, err, tt.want)
		}
	}
}
