package interp

import (
	"fmt"
	"strings"
)

// stanNames maps names a Stan user reaches for to what flowppl calls them,
// for the message of an unknown name: `unknown name "cholesky_decompose"
// (Stan's cholesky_decompose is cholesky here)`. Stan's density functions
// (normal_lpdf, poisson_log_lpmf, normal_lcdf, ...) are derived from the
// distribution names by stanHint.
var stanNames = map[string]string{
	"cholesky_decompose":                "cholesky",
	"log_sum_exp":                       "logsumexp",
	"cumulative_sum":                    "cumsum",
	"dot_product":                       "dot",
	"diag_matrix":                       "diag",
	"diag_pre_multiply":                 "diag(v) @ m",
	"diag_post_multiply":                "m @ diag(v)",
	"multiply_lower_tri_self_transpose": "L @ transpose(L)",
	"log_determinant":                   "log_det",
	"mdivide_left":                      "solve(A, b)",
	"mdivide_left_tri_low":              "solve(L, b)",
	"inverse_spd":                       "inverse",
	"inv_logit":                         "sigmoid",
	"log_inv_logit":                     "-softplus(-x)",
	"log1m":                             "log1p(-x)",
	"log1m_exp":                         "log(-expm1(x))",
	"log_diff_exp":                      "log(exp(a) - exp(b))",
	"square":                            "x^2",
	"rep_vector":                        "x * ones(n)",
	"rep_array":                         "x * ones(n)",
	"rep_matrix":                        "x * ones(r, c)",
	"num_elements":                      "len",
	"rows":                              "shape(m)[0]",
	"cols":                              "shape(m)[1]",
	"positive_infinity":                 "inf",
	"negative_infinity":                 "-inf",
	"segment":                           "x[i:i + n]",
	"append_row":                        "concat",
	"sort_asc":                          "sort",
	"gamma_p":                           "cdf(Gamma(a, 1), x)",
	// distributions
	"normal":                "Normal",
	"std_normal":            "Normal(0, 1)",
	"student_t":             "StudentT",
	"cauchy":                "Cauchy",
	"double_exponential":    "Laplace",
	"lognormal":             "LogNormal",
	"exponential":           "Exponential",
	"gamma":                 "Gamma",
	"inv_gamma":             "InverseGamma",
	"beta":                  "Beta",
	"uniform":               "Uniform",
	"weibull":               "Weibull",
	"logistic":              "Logistic",
	"gumbel":                "Gumbel",
	"skew_normal":           "SkewNormal",
	"dirichlet":             "Dirichlet",
	"multi_normal":          "MultivariateNormal",
	"multi_normal_cholesky": "MultivariateNormalCholesky",
	"lkj_corr_cholesky":     "LKJCholesky",
	"bernoulli":             "Bernoulli",
	"bernoulli_logit":       "BernoulliLogit",
	"binomial":              "Binomial",
	"binomial_logit":        "BinomialLogit",
	"beta_binomial":         "BetaBinomial",
	"poisson":               "Poisson",
	"poisson_log":           "PoissonLog",
	"neg_binomial_2":        "NegativeBinomial",
	"categorical":           "Categorical",
	"multinomial":           "Multinomial",
	"ordered_logistic":      "OrderedLogistic",
}

// stanHint returns the message tail for a Stan name, or "" for other
// names: " (Stan's normal_lpdf(y | mu, sigma) is log_prob(Normal(mu, sigma), y) here)".
func stanHint(name string) string {
	if s, ok := stanNames[name]; ok {
		return " (Stan's " + name + " is " + s + " here)"
	}
	for suffix, form := range map[string]string{
		"_lpdf": "(y | ...) is log_prob(%s(...), y)", "_lpmf": "(y | ...) is log_prob(%s(...), y)",
		"_lcdf": "(y | ...) is lcdf(%s(...), y)", "_lccdf": "(y | ...) is lccdf(%s(...), y)",
		"_cdf": "(y | ...) is cdf(%s(...), y)", "_rng": "(...) is sample(%s(...))",
	} {
		base, ok := strings.CutSuffix(name, suffix)
		if d, known := stanNames[base]; ok && known && !strings.ContainsAny(d, "( ") {
			return " (Stan's " + base + suffix + fmt.Sprintf(form, d) + " here)"
		}
	}
	return ""
}
