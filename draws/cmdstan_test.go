package draws

import (
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenSet is a small NUTS run: 2 chains × 3 draws of a scalar mu, a
// vector theta[3] and a 2×2 matrix Sigma (row-major in the draws).
func goldenSet() *Set {
	s := &Set{
		Model:  "golden",
		Method: NUTS,
		Params: []Param{{"mu", nil}, {"theta", []int{3}}, {"Sigma", []int{2, 2}}},
	}
	st := StanDefaults()
	st.NumSamples, st.NumWarmup, st.Seed = 3, 5, 42
	s.Settings = st
	for c := range 2 {
		var d [][]float64
		var lp []float64
		var stats []NUTSStat
		for i := range 3 {
			k := float64(10*c + i)
			// Sigma = [[11, 12], [21, 22]] + k, row-major.
			d = append(d, []float64{k + 0.5, k + 1, k + 2, k + 3, k + 11, k + 12, k + 21, k + 22})
			lp = append(lp, -1.25-k)
			stats = append(stats, NUTSStat{AcceptStat: 0.9, StepSize: 0.4 + 0.1*float64(c), TreeDepth: 2 + i, Leapfrog: 3 + 4*i, Divergent: i == 2, Energy: 2.5 + k})
		}
		s.Draws = append(s.Draws, d)
		s.LogDensity = append(s.LogDensity, lp)
		s.Stats = append(s.Stats, stats)
	}
	s.Chains = []ChainInfo{
		{StepSize: 0.4, InvMetric: [][]float64{{1, 0.5, 2, 1e-7, 3, 4, 5, 6}}, WarmupSeconds: 0.012, SamplingSeconds: 0.034},
		{StepSize: 0.5, InvMetric: [][]float64{{1, 1, 1, 1, 1, 1, 1, 1}}},
	}
	return s
}

// psisSet is 4 PSIS draws of a 2-vector.
func psisSet() *Set {
	return &Set{
		Model: "golden", Method: PSIS,
		Params:     []Param{{"z", []int{2}}},
		Draws:      [][][]float64{{{0.1, -0.2}, {0.3, 0.4}, {1e-20, 5e20}, {-1, 2}}},
		LogDensity: [][]float64{{-1, -2, -3, -4}},
		LogApprox:  [][]float64{{-1.5, -2.5, -3.5, -4.5}},
		Settings:   Settings{Seed: 7, ParetoK: 0.42, WeightsESS: 812.5, GuideDraws: 4000, Replace: true},
	}
}

// memFS collects the files WriteCmdStanFiles creates.
type memFS map[string]*bytes.Buffer

type nopCloser struct{ *bytes.Buffer }

func (nopCloser) Close() error { return nil }

func (m memFS) create(name string) (io.WriteCloser, error) {
	b := new(bytes.Buffer)
	m[name] = b
	return nopCloser{b}, nil
}

// TestCmdStanGolden writes a NUTS set (two files) and a PSIS set and
// compares them byte for byte with testdata/*.csv.golden, which were
// checked by eye against CmdStan 2.37 output and read by
// rstan::read_stan_csv (bench/draws/compare.R).
func TestCmdStanGolden(t *testing.T) {
	fs := memFS{}
	names, err := WriteCmdStanFiles(fs.create, "golden.csv", goldenSet())
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(names) != "[golden_1.csv golden_2.csv]" {
		t.Fatalf("files %v", names)
	}
	if _, err := WriteCmdStanFiles(fs.create, "golden_psis.csv", psisSet()); err != nil {
		t.Fatal(err)
	}
	for name, b := range fs {
		path := filepath.Join("testdata", name+".golden")
		got := b.String()
		if _, same := testutil.Golden(t, path, got, *update); !same {
			t.Errorf("%s differs from %s:\n%s", name, path, got)
		}
	}
}

// TestCmdStanColumns checks the column names and CmdStan's column-major
// order: Sigma (row-major [[11, 12], [21, 22]] + k in the draws) must be
// written as Sigma.1.1 = 11, Sigma.2.1 = 21, Sigma.1.2 = 12, Sigma.2.2 = 22.
func TestCmdStanColumns(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCmdStan(&b, goldenSet(), 0); err != nil {
		t.Fatal(err)
	}
	var header, first string
	for _, l := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		if header == "" {
			header = l
		} else {
			first = l
			break
		}
	}
	wantHeader := "lp__,accept_stat__,stepsize__,treedepth__,n_leapfrog__,divergent__,energy__,mu,theta.1,theta.2,theta.3,Sigma.1.1,Sigma.2.1,Sigma.1.2,Sigma.2.2"
	if header != wantHeader {
		t.Errorf("header\n%s\nwant\n%s", header, wantHeader)
	}
	if want := "-1.25,0.9,0.4,2,3,0,2.5,0.5,1,2,3,11,21,12,22"; first != want {
		t.Errorf("first draw %s, want %s", first, want)
	}
	fs := memFS{}
	if names, _ := WriteCmdStanFiles(fs.create, "out/draws", psisSet()); fmt.Sprint(names) != "[out/draws]" {
		t.Errorf("one chain: files %v, want the path as given", names)
	}
	if got := ChainFiles("dir/fit.csv", 3); fmt.Sprint(got) != "[dir/fit_1.csv dir/fit_2.csv dir/fit_3.csv]" {
		t.Errorf("ChainFiles: %v", got)
	}
}

func TestSetValidate(t *testing.T) {
	bad := func(f func(s *Set)) error {
		s := goldenSet()
		f(s)
		return WriteCmdStan(io.Discard, s, 0)
	}
	for _, tt := range []struct {
		f    func(s *Set)
		want string
	}{
		{func(s *Set) { s.Draws[1] = s.Draws[1][:2] }, "draws: chain 2 has 2 draws, chain 1 has 3; chains must have equal length"},
		{func(s *Set) { s.Draws[0][1] = s.Draws[0][1][:3] }, "draws: chain 1 draw 2 has 3 values, the parameters need 8"},
		{func(s *Set) { s.Stats = nil }, "draws: NUTS draws need their sampler statistics (Stats)"},
		{func(s *Set) { s.Method = "hmc" }, `draws: unknown method "hmc" (want "nuts", "guide" or "psis")`},
		{func(s *Set) { s.Params[1].Shape = []int{0} }, "draws: parameter theta has shape [0]; dimensions must be positive"},
		{func(s *Set) { s.LogDensity[1] = nil }, "draws: LogDensity of chain 2 has 0 entries, the chain 3 draws"},
		{func(s *Set) { s.Draws = nil }, "draws: the set has no draws"},
	} {
		if err := bad(tt.f); err == nil || err.Error() != tt.want {
			t.Errorf("error %v, want %q", err, tt.want)
		}
	}
	if err := WriteCmdStan(io.Discard, goldenSet(), 2); err == nil || err.Error() != "draws: chain 3 out of range (the set has 2 chains)" {
		t.Errorf("chain out of range: %v", err)
	}
}

// TestCmdStanRoundTrip writes mixedSet with awkward values (tiny, huge,
// negative zero, infinities) and reads the rows back with encoding/csv
// (comments skipped, as every CSV reader of CmdStan files does): every
// value must come back bit for bit, in CmdStan's column order.
func TestCmdStanRoundTrip(t *testing.T) {
	s := mixedSet()
	s.Draws[0][0] = []float64{math.SmallestNonzeroFloat64, -math.MaxFloat64}
	s.Draws[0][1] = []float64{math.Inf(1), math.Inf(-1)}
	s.Draws[0][2] = []float64{1.0 / 3, -1e-300}
	var b bytes.Buffer
	if err := WriteCmdStan(&b, s, 0); err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(&b)
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 501 || len(rows[0]) != 9 {
		t.Fatalf("%d rows of %d columns, want 501 of 9", len(rows), len(rows[0]))
	}
	for i, row := range rows[1:] {
		for j, name := range []string{"a", "b"} {
			v, err := strconv.ParseFloat(row[7+j], 64)
			want := s.Draws[0][i][j]
			if err != nil || math.Float64bits(v) != math.Float64bits(want) {
				t.Fatalf("draw %d %s: read %q (%v), wrote %v", i, name, row[7+j], err, want)
			}
		}
	}
}

// BenchmarkSummaryRow is one quantity's summary line (R-hat, bulk and tail
// ESS, MCSE, quantiles) of 4 chains.
func BenchmarkSummaryRow(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("4x%d", n), func(b *testing.B) {
			x := ar1(randPCG(1), 4, n, 0.5)
			for b.Loop() {
				SummaryRow("x", x)
			}
		})
	}
}
