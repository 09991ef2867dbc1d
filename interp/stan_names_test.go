package interp

import (
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/stdlib"
)

// TestStanNames: every flowppl name the table points to exists (a builtin
// or a distribution family), so no hint sends a user to a name that fails
// in turn; and an unknown Stan name gets the hint at its position.
func TestStanNames(t *testing.T) {
	for stan, ours := range stanNames {
		name := ours
		if i := strings.IndexAny(name, "(^ ["); i >= 0 {
			name = name[:i]
		}
		name = strings.TrimPrefix(name, "-")
		if _, ok := stdlib.Universe[name]; ok {
			continue
		}
		if _, err := dist.LookupFamily(name); err == nil {
			continue
		}
		if name == "m" || name == "x" || name == "L" {
			continue // an expression such as m @ diag(v) or x^2
		}
		t.Errorf("stanNames[%q] = %q: %q is neither a builtin nor a distribution", stan, ours, name)
	}
	for _, tt := range []struct{ src, want string }{
		{"L = cholesky_decompose(eye(2))", `s.flow:1:5: unknown name "cholesky_decompose" (Stan's cholesky_decompose is cholesky here)`},
		{"x = normal_lpdf(1, 0, 1)", `s.flow:1:5: unknown name "normal_lpdf" (Stan's normal_lpdf(y | ...) is log_prob(Normal(...), y) here)`},
		{"x = poisson_log_rng(2)", `s.flow:1:5: unknown name "poisson_log_rng" (Stan's poisson_log_rng(...) is sample(PoissonLog(...)) here)`},
		{"x = neg_binomial_2_lpmf(3, 2, 1)", `s.flow:1:5: unknown name "neg_binomial_2_lpmf" (Stan's neg_binomial_2_lpmf(y | ...) is log_prob(NegativeBinomial(...), y) here)`},
		{"x = sample(student_t(3, 0, 1))", `s.flow:1:12: unknown name "student_t" (Stan's student_t is StudentT here)`},
	} {
		err := Check("s.flow", tt.src, nil)
		if err == nil || err.Error() != tt.want {
			t.Errorf("%s:\n got %v\nwant %s", tt.src, err, tt.want)
		}
	}
}
