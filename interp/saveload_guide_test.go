package interp_test

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestSaveLoadGuide: a guide fitted to a posterior (a mean-field one, whose
// Gaussian start layer is diagonal, and a full-rank autoregressive one) is
// saved with save(q, path); load(path) gives the flow with the latent
// layout in its Meta, and load(path, m(data)) gives a guide again whose
// sample(q, n) is the same record of named latents as the saved guide's
// under the same seed.
func TestSaveLoadGuide(t *testing.T) {
	for _, guide := range []string{"flow Affine", "flow AffineAutoregressive(hidden = [8])"} {
		path := tempPath(t, "q.json")
		src := `
model m(y) {
    mu ~ Normal(0, 5)
    sigma ~ HalfNormal(2)
    w ~ Beta(2, 2)
    y ~ Normal(mu, sigma)
    shifted = mu + w
}
post = m([1.2, 0.4, 2.2, 1.9, 0.8])
q = ` + guide + `
r = fit q to post by elbo { steps = 30, seed = 1, quiet = true }
save(q, ` + strconv.Quote(path) + `)
f = load(` + strconv.Quote(path) + `)
q2 = load(` + strconv.Quote(path) + `, post)
post2 = m([1.0])
q3 = load(` + strconv.Quote(path) + `, post2)
`
		th, _, _ := newThread()
		g, err := interp.ExecFile(th, "saveload.flow", src, nil)
		if err != nil {
			t.Fatalf("%s: %s", guide, interp.FormatError(err))
		}
		f, ok := g["f"].(*lang.Flow)
		if !ok {
			t.Fatalf("%s: load(path) gave %s, want a flow", guide, g["f"].Type())
		}
		var meta struct {
			Latents []struct{ Name string }
		}
		if err := json.Unmarshal(f.F.Meta, &meta); err != nil || len(meta.Latents) != 3 || meta.Latents[0].Name != "mu" || meta.Latents[2].Name != "w" {
			t.Errorf("%s: Meta %s (%v)", guide, f.F.Meta, err)
		}
		q, q2 := g["q"].(*interp.Guide), g["q2"].(*interp.Guide)
		draws := func(s lang.NamedSampler) *lang.Record {
			th := &lang.Thread{Rand: rand.New(rand.NewPCG(5, 6))}
			th.Init()
			r, err := s.SampleNamed(th, 200)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		a, b := draws(q), draws(q2)
		if strings.Join(a.Names, ",") != "mu,sigma,w,shifted" || strings.Join(b.Names, ",") != strings.Join(a.Names, ",") {
			t.Fatalf("%s: fields %v and %v", guide, a.Names, b.Names)
		}
		for _, name := range a.Names {
			x, y := a.Fields[name].(*lang.Array).Data(), b.Fields[name].(*lang.Array).Data()
			for i := range x {
				if x[i] != y[i] {
					t.Fatalf("%s: %s draw %d: %v saved, %v loaded", guide, name, i, x[i], y[i])
				}
			}
		}
		// The same latents with other data: a guide too (a warm start).
		if _, ok := g["q3"].(*interp.Guide); !ok {
			t.Errorf("%s: load(path, m(other data)) gave %s", guide, g["q3"].Type())
		}
	}
	// A posterior with other latents is refused.
	path := tempPath(t, "q.json")
	th, _, _ := newThread()
	_, err := interp.ExecFile(th, "bad.flow", `
model a(y) {
    mu ~ Normal(0, 1)
    y ~ Normal(mu, 1)
}
model b(y) {
    nu ~ Normal(0, 1)
    y ~ Normal(nu, 1)
}
q = flow Affine
r = fit q to a([1.0]) by elbo { steps = 5, seed = 1, quiet = true }
save(q, `+strconv.Quote(path)+`)
q2 = load(`+strconv.Quote(path)+`, b([1.0]))
`, nil)
	if err == nil || !strings.Contains(interp.FormatError(err), "latent 1 is mu") {
		t.Errorf("loading a guide for other latents: %v", err)
	}
}
