package flows

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// roundTrip saves f and loads it back.
func roundTrip(t *testing.T, f *Flow) *Flow {
	t.Helper()
	var buf bytes.Buffer
	if err := Save(&buf, f); err != nil {
		t.Fatal(err)
	}
	g, err := Load(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// sameFlow checks that g samples and scores bit for bit as f.
func sameFlow(t *testing.T, name string, f, g *Flow) {
	t.Helper()
	x := f.Sample(newRNG(21), 1000)
	y := g.Sample(newRNG(21), 1000)
	for i := range x.Data() {
		if math.Float64bits(x.Data()[i]) != math.Float64bits(y.Data()[i]) {
			t.Fatalf("%s: draw %d differs after loading: %v vs %v", name, i, x.Data()[i], y.Data()[i])
		}
	}
	lf, lg := f.LogProb(x), g.LogProb(x)
	for i := range lf.Data() {
		if math.Float64bits(lf.Data()[i]) != math.Float64bits(lg.Data()[i]) {
			t.Fatalf("%s: log_prob %d differs after loading: %v vs %v", name, i, lf.Data()[i], lg.Data()[i])
		}
	}
	if f.String() != g.String() {
		t.Errorf("%s: String %q after loading, want %q", name, g.String(), f.String())
	}
}

func TestSaveLoadEveryBijector(t *testing.T) {
	rng := newRNG(4)
	for _, name := range Names() {
		for _, dir := range []Direction{BaseSide, DataSide} {
			var inner dist.Distribution = newNormal([]float64{0.5, -1, 2}, []float64{1, 2, 0.5})
			if needsPositive(name) {
				inner = mustApply(t, "Exp", inner, nil, 1)
			}
			opts := map[string]OptionValue{}
			switch name {
			case "AffineAutoregressive", "SplineAutoregressive", "Coupling":
				opts["hidden"], opts["layers"] = []float64{5, 4}, 2.0
			case "Power":
				opts["exponent"] = 1.5
			case "AffineFixed":
				opts["scale"] = -2.0
			}
			f, err := Apply(name, inner, opts, rng)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, l := range f.Layers {
				perturb(rng, l.Params(), 0.3)
				if b, ok := l.(*BatchNorm); ok {
					b.RunMean[1], b.RunVar[2] = 0.7, 2.5
				}
			}
			f.SetDirection(dir)
			if dir == DataSide {
				f.InitFromMoments([]float64{1, 2, 3}, []float64{0.5, 1, 2})
				f.PrepareFit(false)
				f.Meta = json.RawMessage(`{"latents":["mu"]}`)
			}
			g := roundTrip(t, f)
			sameFlow(t, name+"/"+dir.String(), f, g)
			if string(g.Meta) != string(f.Meta) || g.Direction() != f.Direction() || g.Fitted() != f.Fitted() {
				t.Errorf("%s: meta %s, direction %v, fitted %v after loading", name, g.Meta, g.Direction(), g.Fitted())
			}
		}
	}
}

func TestSaveLoadGaussianGuide(t *testing.T) {
	f := mustApply(t, "Coupling", stdNormal(2), map[string]OptionValue{"hidden": []float64{4}, "layers": 2.0}, 3)
	perturb(newRNG(2), f.Params(), 0.2)
	if !f.InitFromGaussian([]float64{1, -1}, [][]float64{{2, 0}, {0.5, 1}}) {
		t.Fatal("InitFromGaussian failed")
	}
	perturb(newRNG(3), f.Layers[len(f.Layers)-1].Params(), 0.1)
	sameFlow(t, "gaussian guide", f, roundTrip(t, f))

	// A mean-field guide keeps a Diagonal layer (Shift and LogDiag only).
	mf := mustApply(t, "Affine", stdNormal(3), nil, 4)
	perturb(newRNG(5), mf.Params(), 0.2)
	if !mf.InitFromGaussian([]float64{1, -1, 0.5}, [][]float64{{2, 0, 0}, {0.5, 1, 0}, {-0.3, 0.2, 0.7}}) {
		t.Fatal("InitFromGaussian (mean-field) failed")
	}
	g := mf.Layers[len(mf.Layers)-1].(*GaussianAffine)
	if !g.Diagonal {
		t.Fatal("mean-field guide: GaussianAffine is not Diagonal")
	}
	perturb(newRNG(6), g.Params(), 0.1)
	mf.PrepareFit(false)
	back := roundTrip(t, mf)
	sameFlow(t, "mean-field gaussian guide", mf, back)
	if gb := back.Layers[len(back.Layers)-1].(*GaussianAffine); !gb.Diagonal || len(gb.Params()) != 2 {
		t.Errorf("loaded mean-field GaussianAffine: Diagonal %v, %d parameters", gb.Diagonal, len(gb.Params()))
	}
	// Both modes also with a fitted flow's Meta and direction.
	for _, q := range []*Flow{f, mf} {
		q.Meta = json.RawMessage(`{"latents":[{"name":"theta"}]}`)
		q.SetDirection(DataSide)
		b := roundTrip(t, q)
		sameFlow(t, "gaussian guide, data side", q, b)
		if string(b.Meta) != string(q.Meta) || b.Fitted() != q.Fitted() {
			t.Errorf("meta %s, fitted %v after loading", b.Meta, b.Fitted())
		}
	}
}

func TestLoadErrors(t *testing.T) {
	var buf bytes.Buffer
	f := mustApply(t, "Spline", stdNormal(2), nil, 1)
	if err := Save(&buf, f); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	for _, tt := range []struct{ file, want string }{
		{"{", "not a flow file (invalid JSON"},
		{`{"format": "other", "version": 1}`, `not a flow file (format "other"`},
		{strings.Replace(good, `"version": 1`, `"version": 99`, 1), "format version 99 is not supported (this flowppl reads versions 1 to 1)"},
		{strings.Replace(good, `"type": "Spline"`, `"type": "Rm"`, 1), `unknown bijector type "Rm"`},
		{strings.Replace(good, `"bins": 8`, `"bins": 7`, 1), "its configuration needs 40 parameter values, the file has 46"},
		{strings.Replace(good, `"family": "Normal"`, `"family": "Normall"`, 1), `unknown distribution "Normall"`},
		{strings.Replace(good, `"format"`, `"exec": "rm -rf /", "format"`, 1), `unknown field "exec"`},
		{strings.Replace(good, `"dim": 2`, `"dim": 3`, 1), "has dimension 3 but the base has dimension 2"},
	} {
		_, err := Load(strings.NewReader(tt.file))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Load: error %v, want %q", err, tt.want)
		}
	}
	// A flow over a non-family base cannot be saved.
	g := mustApply(t, "Exp", f, nil, 1)
	h := mustApply(t, "Affine", stdNormal(2), nil, 1)
	h.Base = g
	if err := Save(&buf, h); err == nil || !strings.Contains(err.Error(), "cannot save a flow over") {
		t.Errorf("Save over a flow base: %v", err)
	}
}

// testdataFlow builds the flow stored in testdata/flow_v1.json.
func testdataFlow(t *testing.T) *Flow {
	rng := newRNG(8)
	f := mustApply(t, "SplineAutoregressive", stdNormal(2), map[string]OptionValue{"hidden": []float64{4}, "bins": 4.0}, 8)
	for _, s := range []struct {
		name string
		opts map[string]OptionValue
	}{{"Coupling", map[string]OptionValue{"hidden": []float64{3}}}, {"Permute", nil}, {"Planar", nil}, {"Radial", nil},
		{"BatchNorm", nil}, {"Spline", map[string]OptionValue{"bins": 3.0}}, {"Softplus", nil}, {"Power", map[string]OptionValue{"exponent": 0.5}}} {
		var err error
		if f, err = Apply(s.name, f, s.opts, rng); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range f.Layers {
		for _, p := range l.Params() {
			for i := range p.Data() {
				p.Data()[i] = math.Round(p.Data()[i]*1000)/1000 + 0.1*math.Sin(float64(i))
			}
		}
	}
	f.PrepareFit(false)
	return f
}

// TestLoadCommittedFile loads a file written by this version of Save
// (regenerate with FLOWS_UPDATE_TESTDATA=1 after an intended format
// change, and bump FileVersion): its log densities at fixed points must
// not change, and saving it again must give the same bytes.
func TestLoadCommittedFile(t *testing.T) {
	path := filepath.Join("testdata", "flow_v1.json")
	pts := tensor.New([]float64{0.5, 1.2, 1, 0.1, 2.5, 3, 0.01, 0.7}, 4, 2)
	if os.Getenv("FLOWS_UPDATE_TESTDATA") != "" {
		f := testdataFlow(t)
		var buf bytes.Buffer
		if err := Save(&buf, f); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("log_prob: %#v", f.LogProb(pts).Data())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := Load(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := committedLogProb
	got := f.LogProb(pts).Data()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*max(1, math.Abs(want[i])) {
			t.Errorf("log_prob[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	var buf bytes.Buffer
	if err := Save(&buf, f); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), data) {
		t.Errorf("saving the loaded file does not reproduce it")
	}
	if !strings.HasPrefix(f.String(), "flow Power(exponent=0.5) ∘ Softplus ∘ Spline(bins=3) ∘ BatchNorm ∘ Radial ∘ Planar ∘ Permute ∘ Coupling(hidden=[3]) ∘ SplineAutoregressive(hidden=[4], bins=4) over Normal") {
		t.Errorf("String = %q", f.String())
	}
}

// committedLogProb are the log densities of testdata/flow_v1.json at the
// points of TestLoadCommittedFile.
var committedLogProb = []float64{-2.578195429534608, -15.58389621464683, -72.39522956664688, -38.02603069018321}

// TestSaveLoadOneDimConditionalCoupling: a conditional Coupling over one
// dimension has a first weight of shape [h, 0] (no conditioned inputs,
// only the context); it saves and loads, and the loaded flow scores bit
// for bit as the saved one. Load used to refuse the empty weight ("shape
// [8, 0] does not match 0 values").
func TestSaveLoadOneDimConditionalCoupling(t *testing.T) {
	c, err := NewCoupling(1, 0, Options{Hidden: []int{8}, Context: 2}, newRNG(1))
	if err != nil {
		t.Fatal(err)
	}
	f, err := New(stdNormal(1), c)
	if err != nil {
		t.Fatal(err)
	}
	g := roundTrip(t, f)
	y := tensor.New([]float64{0.3, -1.2}, 2, 1)
	x := tensor.New([]float64{1, 2, -0.5, 0.25}, 2, 2)
	a, b := f.LogProbGiven(y, x).Data(), g.LogProbGiven(y, x).Data()
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("row %d: log q %v before saving, %v after loading", i, a[i], b[i])
		}
	}
}
