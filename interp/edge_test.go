package interp_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
)

// TestEdgeCases runs the builtins-at-extreme-arguments reproducers
// (testdata/edge, from repro/reliability/edge: e001–e093 but the Binomial
// with a huge n and the NegativeBinomial with extreme parameters, which
// belong to the limits tests). Each must print what it prints here
// (exactly, or matching a "re:" regular expression for random draws) or
// fail with an error containing err, at a position, and never with an
// internal error.
func TestEdgeCases(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "edge"))
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir()) // e090, e093 may write files
	for _, tt := range []struct {
		file, out, err string
	}{
		{"e001", "", "zeros: n must be non-negative, got -1"},
		{"e002", "", "unknown name \"nan\""},
		{"e003", "", "zeros: n must be an integer, got inf"},
		{"e004", "", "range: n must be an integer, got 1e+300"},
		{"e005", "", "index 1e+300 is too large"},
		{"e006", "", "index -1e+300 is too large"},
		{"e007", "", "unknown name \"nan\""},
		{"e008", "", "sample: n must be non-negative, got -5"},
		{"e009", "[]", ""},
		{"e010", "", "linspace: n must be non-negative, got -1"},
		{"e011", "[]", ""},
		{"e012", "", "eye: n must be non-negative, got -3"},
		{"e013", "[]", ""},
		{"e014", "", "hidden must be a list of positive integers, got [-1]"},
		{"e015", "", "hidden must be a list of positive integers, got []"},
		{"e016", "", "layers must be a positive integer, got 0"},
		{"e017", "", "layers must be a positive integer, got -1"},
		{"e018", "", "quantile: p must be in [0, 1], got 2"},
		{"e019", "", "quantile: empty sequence has no quantiles"},
		{"e020", "", "Categorical: probs is empty"},
		{"e021", "", "Dirichlet: alpha is empty"},
		{"e022", "", "Normal: loc is empty"},
		{"e023", "", "MultivariateNormal: cov must be a square matrix, got a matrix of shape [1, 0]"},
		{"e024", "", "MultivariateNormal: cov is not positive definite"},
		{"e025", "", "mean: empty sequence has no mean"}, // was nan; an empty mean is no number (as min and max of empty)
		{"e026", "", "min: empty sequence has no minimum"},
		{"e027", "", "max: empty sequence has no maximum"},
		{"e028", "-inf", ""}, // log of an empty sum: log 0
		{"e029", "nan", ""},  // the sample sd (divisor n - 1) of one value: nan, as in R and for a batch
		{"e030", "[]", ""},
		{"e031", "", ""},
		{"e032", "[]", ""},
		{"e033", "[[]]", ""},
		{"e034", "[1, 1, 1]", ""}, // a one-category Dirichlet is the point 1
		{"e035", "", "too many subscripts for matrix: got 3, want at most 2"},
		{"e036", "", "cannot assign shape [3] to a selection of shape []"},
		{"e037", "", "cannot assign shape [3] to a selection of shape [2]"},
		{"e038", "", "shapes [3] and [4] do not match for @"},
		{"e039", "", "shapes [1, 2] and [1, 2] do not match for @"},
		{"e040", "", "log_prob: x has 3 columns but the distribution has dimension 2"},
		{"e041", "", "log_prob: x has 2 columns but the distribution has dimension 1"},
		{"e042", "", "kl: n must be positive, got 0"},
		{"e043", "", "kl: p has dimension 1 but q has dimension 2"},
		{"e044", "", "entropy: flow Affine over Normal(loc=0, scale=1) — 2 params has no closed-form entropy (estimate it as -mean(log_prob(d, sample(d, 10000))))"},
		{"e045", `re:^name +mean +sd +5% +50% +95%\nx\[0\] .*$`, ""},
		{"e046", "", "summary: got flow Affine, a flow plan, want distribution, flow or array of draws"},
		{"e047", "", "elbo: n must be positive, got 0"},
		{"e048", "", "sample: for parameter d: got flow Affine, a flow plan, want distribution"},
		{"e049", "", "Permute: permutation must be a permutation of 0..2 (a vector of 3 distinct integers), got [0, 0, 1]"},
		{"e050", "", "permutation must be a vector of distinct integers 0..d-1, got [0.5, 1, 2]"},
		{"e051", "", "exponent must be a nonzero number, got 0"},
		{"e052", "flow Power(exponent=-1e+308) ∘ Exp over Normal(loc=0, scale=1) — 0 params", ""}, // a valid bijector; its draws underflow or overflow, honestly
		{"e053", "", "bound must be a positive number, got 0"},
		{"e054", "", "bound must be a positive number, got -3"},
		{"e055", "", "bound must be a positive number, got +Inf"},
		{"e056", "flow BatchNorm over Normal(loc=0, scale=1) — 2 params", ""},
		{"e057", "", "Normal: loc is empty"},
		{"e058", "", "unknown name \"nan\""},
		{"e059", "", "AffineFixed: scale must be nonzero"},
		{"e061", "[1e+300, 1e+300, 1e+300]", ""}, // the sd, 1e150, is below the spacing of floats at 1e300
		{"e062", `re:^\[1\.0000000\d+e\+18, 1\.0000000\d+e\+18\]$`, ""},
		{"e064", "[0, 0, 0]", ""},                    // draws below the smallest float
		{"e065", `re:^\[[01], [01], [01]\]$`, ""},    // the mass sits at the ends
		{"e066", `re:^\[-?inf, -?inf, -?inf\]$`, ""}, // draws beyond the largest float
		{"e067", "-inf", ""},
		{"e068", "-inf", ""},
		{"e069", "", "unsupported operand types for *: string and number"},
		{"e070", "", "index 5 out of range for string of length 3"},
		{"e071", "bc", ""},
		{"e072", "", "unsupported operand types for +: none and number"},
		{"e073", "", "function has no field \"g\" (to call g on it, write f.g(...))"},
		{"e074", "", "unexpected \")\", expected an expression"},
		{"e075", "", "cannot assign to x.loc: expected a name or an indexed name"},
		{"e076", "", ""}, // sample of a posterior runs NUTS (issue 15); it was an error
		{"e077", "", "log_prob: for parameter d: got <posterior of m()>, a posterior, want distribution"},
		{"e078", "", ""},
		{"e079", "", "Normal: loc is empty"},
		{"e080", "", "<posterior of m()> has nothing to fit: its latent a ~ Dirichlet takes a single value (no free coordinates), so the posterior is a point"}, // was "has no latent variables to fit"
		{"e081", "", "a ~ Categorical: discrete latent variables cannot be fitted by a flow guide; marginalise them (sum them out of the model)"},
		{"e082", "", "the data has a single row: a density fitted to one point collapses onto it (the likelihood has no maximum); fit at least two distinct rows"}, // single-row data: the likelihood has no maximum
		{"e083", "", "data must be a non-empty n×d matrix, got shape [0 1]"},
		{"e084", "", "data must be a non-empty n×d matrix, got shape [0 1]"},
		{"e085", "", "data must be a non-empty n×d matrix, got shape [1 0]"}, // was "Normal: loc is empty"
		{"e086", "", "every must be a positive integer, got 1e+15"},
		{"e087", "", "optimizer must be \"adam\", \"adamw\", \"sgd\" or \"rmsprop\", got \"evil\""},
		{"e088", "", "cannot fit a flow to itself: its target would move with every step; fit it to another distribution, to data or to a posterior"}, // was accepted: the target moved with the guide
		{"e089", "", "cannot fit to a number: the target must be a distribution, data (a vector, matrix or table) or a posterior m(data)"},
		{"e090", "", "save: for parameter path: got number, want string"},
		{"e091", "", "load: for parameter path: got number, want string"},
		{"e092", "", "read_csv: for parameter path: got none, want string"},
		{"e093", "", "write_csv: got Normal(loc=0, scale=1), a distribution, want record, table, matrix or vector"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, tt.file+".flow"))
			if err != nil {
				t.Fatal(err)
			}
			th, out, _ := newThread()
			th.Stderr, th.Quiet = out, true
			_, err = interp.ExecFile(th, tt.file+".flow", src, nil)
			if err != nil && (tt.err == "" || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "internal error")) {
				t.Fatalf("error %v, want %q", err, tt.err)
			}
			if err == nil && tt.err != "" {
				t.Fatalf("no error, want %q (printed %q)", tt.err, out.String())
			}
			if err != nil && !strings.HasPrefix(err.Error(), tt.file+".flow:1:") {
				t.Errorf("error %q has no position", err)
			}
			got := strings.TrimSuffix(out.String(), "\n")
			if re, ok := strings.CutPrefix(tt.out, "re:"); ok {
				if !regexp.MustCompile(re).MatchString(got) {
					t.Errorf("printed %q, want a match of %s", got, re)
				}
			} else if tt.err == "" && got != tt.out {
				t.Errorf("printed %q, want %q", got, tt.out)
			}
		})
	}
}
