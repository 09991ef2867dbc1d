package interp_test

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

func init() {
	invExempt["simulate"] = "runs a model outside the model body: a batch argument is an error (TestBatchArgumentErrorsSimulate)"
	invExempt["rank"] = "simulation-based calibration on draws outside a model: a batch argument is an error (TestBatchArgumentErrorsSimulate)"
	invExempt["chisq_uniform"] = "simulation-based calibration on ranks outside a model: a batch argument is an error (TestBatchArgumentErrorsSimulate)"
}

// TestBatchArgumentErrorsSimulate: simulate, rank and chisq_uniform given
// values that depend on latent variables say so.
func TestBatchArgumentErrorsSimulate(t *testing.T) {
	x := stack(t, vary(vec(0.5, 1, 2)))
	for _, tt := range []struct{ expr, want string }{
		{`simulate(x, 10)`, "simulate: "},
		{`rank(x, [1, 2])`, "rank: "},
		{`rank(1, x)`, "rank: "},
		{`chisq_uniform(x, 9)`, "chisq_uniform: "},
	} {
		_, err := evalExpr("", tt.expr, lang.StringDict{"x": x})
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "latent variables") {
			t.Errorf("%s: error %v, want one containing %q that says the value depends on latent variables", tt.expr, err, tt.want)
		}
	}
}
