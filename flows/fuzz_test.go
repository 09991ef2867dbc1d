package flows

import (
	"bytes"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/tensor"
)

// FuzzLoadFlow: Load rejects or accepts any file without panicking, and a
// flow it accepts samples and scores without panicking. The seeds are the
// saved flows of testdata (valid ones and the malformed reproducers) and
// testdata/fuzz/FuzzLoadFlow (afc9402e51cee51f: keys in another case and
// no layers, which panicked with index −1).
func FuzzLoadFlow(f *testing.F) {
	for _, g := range []string{"testdata/*.json", "testdata/malformed/*.json"} {
		files, _ := filepath.Glob(g)
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) < 200000 {
				f.Add(b)
			}
		}
	}
	var buf bytes.Buffer
	for _, name := range Names() { // one small saved flow per bijector
		opts := map[string]OptionValue{}
		if _, takes, _ := Doc(name); len(takes) > 0 && takes[0] == "hidden" {
			opts["hidden"] = []float64{3}
		}
		var inner dist.Distribution = stdNormal(2)
		if needsPositive(name) {
			inner = mustApply(f, "Exp", stdNormal(2), nil, 1)
		}
		buf.Reset()
		if q, err := Apply(name, inner, opts, newRNG(1)); err == nil && Save(&buf, q) == nil {
			f.Add(bytes.Clone(buf.Bytes()))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fl, err := Load(bytes.NewReader(data))
		if err != nil {
			return
		}
		d := fl.Base.Dim()
		if d > 64 {
			return
		}
		rng := rand.New(rand.NewPCG(1, 2))
		x := fl.Sample(rng, 3)
		_ = fl.LogProb(x)
		_ = fl.LogProb(tensor.New(make([]float64, 3*d), 3, d))
	})
}
