package infer

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// normalTrace is the standard normal log density of D coordinates, by
// tensor operations only; branch makes it read z's first value (as a
// model with an if on a latent does), pure says what Traceable answers.
type normalTrace struct {
	d            int
	branch, pure bool
	calls        int
}

func (p *normalTrace) Dim() int { return p.d }

func (p *normalTrace) LogDensity(z *tensor.Tensor) (*tensor.Tensor, error) {
	p.calls++
	lp := tensor.Scale(tensor.SumAxis(tensor.Square(z), 1), -0.5)
	if p.branch && z.Data()[0] > 0 {
		lp = tensor.AddScalar(lp, -1)
	}
	return lp, nil
}

func (p *normalTrace) Traceable(int) bool { return p.pure }

// TestGradEvalTrace: a gradEval of a Traceable posterior answers with the
// values of LogDensity bit for bit, whether it replays or runs LogDensity:
// a pure log density is recorded once and replayed at every other point;
// one that reads a value of z is recorded at the 1st, 2nd, 4th, ...
// evaluations, traceTries times in all, then never again; one whose
// Traceable is false never. With NoTrace, or without Traceable, no tracer.
func TestGradEvalTrace(t *testing.T) {
	const d, n = 3, 1000
	for _, tc := range []struct {
		name            string
		p               *normalTrace
		records, replay int
	}{
		{"pure", &normalTrace{d: d, pure: true}, 1, n - 1},
		{"branch", &normalTrace{d: d, branch: true, pure: true}, traceTries, 0},
		{"impure", &normalTrace{d: d, pure: false}, 0, 0},
	} {
		ev := newGradEval(tc.p, nil, &NUTSOptions{})
		ref := &gradEval{p: &normalTrace{d: d, branch: tc.p.branch}, tp: tensor.NewTape(), z: tensor.Zeros(1, d)}
		q, g, gRef := make([]float64, d), make([]float64, d), make([]float64, d)
		for i := range n {
			for j := range q {
				q[j] = math.Sin(float64(3*i + j))
			}
			lp, lpRef := ev.eval(q, g), ref.eval(q, gRef)
			if math.Float64bits(lp) != math.Float64bits(lpRef) || !sameFloats(g, gRef) {
				t.Fatalf("%s: evaluation %d: %v %v, want %v %v", tc.name, i+1, lp, g, lpRef, gRef)
			}
		}
		tr := ev.tr
		if tr.records != tc.records || tr.replays != tc.replay || ev.replayed != tc.replay {
			t.Errorf("%s: %d recordings, %d replays (%d counted), want %d and %d", tc.name, tr.records, tr.replays, ev.replayed, tc.records, tc.replay)
		}
		if want := n - tc.replay; tc.p.calls != want {
			t.Errorf("%s: LogDensity ran %d times, want %d", tc.name, tc.p.calls, want)
		}
	}
	if newTracer(&normalTrace{d: d, pure: true}, 1, &NUTSOptions{NoTrace: true}) != nil {
		t.Error("a tracer with NoTrace")
	}
	if newTracer(stdNormal{d}, 1, &NUTSOptions{}) != nil {
		t.Error("a tracer of a Posterior that is not Traceable")
	}
}

func sameFloats(a, b []float64) bool {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return len(a) == len(b)
}

// TestNoTraceEnv: FLOWPPL_NOTRACE=1 sets NoTrace; 0 and "" do not.
func TestNoTraceEnv(t *testing.T) {
	for _, tc := range []struct {
		v    string
		want bool
	}{{"1", true}, {"0", false}, {"", false}} {
		t.Setenv(noTraceEnv, tc.v)
		o, err := NUTSOptions{}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if o.NoTrace != tc.want {
			t.Errorf("FLOWPPL_NOTRACE=%q: NoTrace %v", tc.v, o.NoTrace)
		}
	}
}
