package infer

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/tensor"
)

func TestChunkRows(t *testing.T) {
	defer SetTapeBudget(SetTapeBudget(4 << 20))
	for _, tt := range []struct {
		n             int
		perRow, fixed float64
		want          int
	}{
		{10000, 100, 0, 10000},             // 1e6 values: fits the budget (4 << 20)
		{10000, 1100, 0, 3334},             // 11e6 values: at most 3813 rows, so 3 chunks
		{4096, 1024, 0, 4096},              // exactly the budget
		{4097, 1024, 0, 2049},              // just over: two near halves
		{4096, 1000, 90000, 4096},          // 4,186,000 values: within 4,194,304 ...
		{4096, 1000, 100000, 2048},         // ... but 4,196,000 is not
		{10000, 1e9, 0, 250},               // at most probeRows rows: 40 chunks
		{600, 4 << 20, 0, 200},             // at most probeRows rows: 3 chunks
		{10000, 1, 5 << 20, probeRows - 6}, // the fixed part alone is over: 40 chunks
	} {
		if got := chunkRows(tt.n, tt.perRow, tt.fixed, probeRows); got != tt.want {
			t.Errorf("chunkRows(%d, %v, %v) = %d, want %d", tt.n, tt.perRow, tt.fixed, got, tt.want)
		}
	}
}

// countingFlow records the number of rows of every LogProb and Push.
type countingFlow struct {
	*flows.Flow
	rows []int
}

func (c *countingFlow) LogProb(y *tensor.Tensor) *tensor.Tensor {
	c.rows = append(c.rows, y.Dim(0))
	return c.Flow.LogProb(y)
}

func (c *countingFlow) Push(x0 *tensor.Tensor) (x, logq *tensor.Tensor) {
	c.rows = append(c.rows, x0.Dim(0))
	return c.Flow.Push(x0)
}

func testFlow(t *testing.T, bijectors ...string) *countingFlow {
	t.Helper()
	base, err := dist.NewNormal(tensor.Vector([]float64{0, 0}), tensor.Vector([]float64{1, 1}))
	if err != nil {
		t.Fatal(err)
	}
	var q dist.Distribution = base
	rng := rand.New(rand.NewPCG(1, 1))
	for _, b := range bijectors {
		var opts map[string]flows.OptionValue
		if b == "AffineAutoregressive" {
			opts = map[string]flows.OptionValue{"hidden": []float64{16, 16}}
		}
		if q, err = flows.Apply(b, q, opts, rng); err != nil {
			t.Fatal(err)
		}
	}
	return &countingFlow{Flow: q.(*flows.Flow)}
}

// withBudget runs f with tapeBudget set to b.
func withBudget(b int, f func()) {
	defer SetTapeBudget(SetTapeBudget(b))
	f()
}

// TestSplitBatchMatchesWhole fits the same flow with the same seed with
// whole batches and with batches split into 200-row chunks (budget 1
// value: chunks of probeRows rows at most): the losses agree to 1e-12 and
// the parameters after 5 steps to 1e-9, and the split run did split. The
// chunks sum the gradient in another order, so gradients differ by
// rounding (~1e-16 absolute); Adam divides by |g| + eps (eps 1e-8), so a
// component whose gradient is itself near rounding level can move its
// parameter by up to lr·1e-16/1e-8 = 1e-10 per step (measured: 8e-11).
func TestSplitBatchMatchesWhole(t *testing.T) {
	target := dist.Normal{Loc: tensor.Vector([]float64{5, 5}), Scale: tensor.Vector([]float64{0.5, 0.5})}
	for _, reverse := range []bool{false, true} {
		fit := func(budget int) (*Report, *countingFlow) {
			q := testFlow(t, "AffineAutoregressive", "AffineAutoregressive")
			opts := Options{Steps: 5, Batch: 600, LR: 0.01, Quiet: true, Seed: 7, HasSeed: true}
			var rep *Report
			var err error
			withBudget(budget, func() {
				if reverse {
					rep, err = FitReverse(q, target, opts, nil)
				} else {
					rep, err = FitForward(q, DistSource(target), opts, nil)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			return rep, q
		}
		whole, qw := fit(1 << 40)
		split, qs := fit(1)
		// The first step measures with passes of probeRows/2 and probeRows
		// rows.
		if len(qw.rows) != 2+5 || qw.rows[0] != probeRows/2 || qw.rows[1] != probeRows || qw.rows[2] != 600 {
			t.Fatalf("reverse=%v: unsplit fit saw batches of %v rows, want probes of %d and %d rows then 600-row batches", reverse, qw.rows, probeRows/2, probeRows)
		}
		// Each step: 3 chunks of 200 rows.
		if len(qs.rows) != 2+3*5 || qs.rows[1] != probeRows || qs.rows[2] != 200 {
			t.Fatalf("reverse=%v: split fit saw batches of %v rows, want probes then 200-row chunks", reverse, qs.rows)
		}
		for i := range whole.Losses {
			if d := math.Abs(whole.Losses[i] - split.Losses[i]); d > 1e-12*max(1, math.Abs(whole.Losses[i])) {
				t.Errorf("reverse=%v: step %d loss %v split vs %v whole", reverse, i+1, split.Losses[i], whole.Losses[i])
			}
		}
		pw, ps := qw.Params(), qs.Params()
		worst := 0.0
		for i := range pw {
			for j, v := range pw[i].Data() {
				worst = max(worst, math.Abs(v-ps[i].Data()[j]))
			}
		}
		if worst > 1e-9 {
			t.Errorf("reverse=%v: parameters differ by up to %g after 5 steps", reverse, worst)
		}
		if worst == 0 && whole.Losses[4] == split.Losses[4] {
			t.Logf("reverse=%v: split and whole agree bit for bit", reverse)
		}
	}
}

// TestBatchNormNotSplit: a flow with BatchNorm always sees whole batches.
func TestBatchNormNotSplit(t *testing.T) {
	q := testFlow(t, "AffineAutoregressive", "BatchNorm")
	if !q.CouplesRows() {
		t.Fatal("a flow with BatchNorm does not report CouplesRows")
	}
	target := dist.Normal{Loc: tensor.Vector([]float64{5, 5}), Scale: tensor.Vector([]float64{0.5, 0.5})}
	withBudget(1, func() {
		_, err := FitForward(q, DistSource(target), Options{Steps: 3, Batch: 600, LR: 0.01, Quiet: true, Seed: 1, HasSeed: true}, nil)
		if err != nil {
			t.Fatal(err)
		}
	})
	if len(q.rows) != 3 {
		t.Fatalf("LogProb calls of %v rows, want 3 of 600", q.rows)
	}
	for _, r := range q.rows {
		if r != 600 {
			t.Fatalf("LogProb calls of %v rows, want 3 of 600", q.rows)
		}
	}
}
