package stdlib

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

func TestSaveLoadBuiltins(t *testing.T) {
	base, err := dist.NewNormal(tensor.Vector([]float64{0, 1}), tensor.Vector([]float64{1, 2}))
	if err != nil {
		t.Fatal(err)
	}
	f, err := flows.Apply("Coupling", base, map[string]flows.OptionValue{"hidden": []float64{4}, "layers": 2.0}, rand.New(rand.NewPCG(1, 2)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Params() {
		for i := range p.Data() {
			p.Data()[i] += 0.1 * float64(i%7-3)
		}
	}
	path := filepath.Join(t.TempDir(), "q.json")
	th := &lang.Thread{}
	if _, err := builtinSave(th, Universe["save"].(*lang.Builtin), lang.Tuple{&lang.Flow{F: f}, lang.String(path)}, nil); err != nil {
		t.Fatal(err)
	}
	v, err := builtinLoad(th, Universe["load"].(*lang.Builtin), lang.Tuple{lang.String(path)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	g := v.(*lang.Flow).F
	x := f.Sample(rand.New(rand.NewPCG(3, 4)), 50)
	y := g.Sample(rand.New(rand.NewPCG(3, 4)), 50)
	lf, lg := f.LogProb(x), g.LogProb(x)
	for i := range x.Data() {
		if x.Data()[i] != y.Data()[i] {
			t.Fatalf("draw %d differs", i)
		}
	}
	for i := range lf.Data() {
		if lf.Data()[i] != lg.Data()[i] {
			t.Fatalf("log_prob %d differs", i)
		}
	}
	// Errors: not a flow, a missing file, a malformed file.
	if _, err := builtinSave(th, nil, lang.Tuple{lang.Number(1), lang.String(path)}, nil); err == nil || !strings.Contains(err.Error(), "save: got number, want a flow") {
		t.Errorf("save(1): %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"format": "flowppl.flow", "version": 7}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := builtinLoad(th, nil, lang.Tuple{lang.String(bad)}, nil); err == nil || !strings.Contains(err.Error(), "format version 7 is not supported") {
		t.Errorf("load(bad): %v", err)
	}
}
