package infer

import (
	"fmt"
	"math/rand/v2"

	"github.com/flowppl/flowppl/draws"
)

// GuideDraws returns n independent draws of the guide q on p's
// unconstrained space (Draws[i] draw i) with log q and log p of each, as
// a set of guide draws records them (lp_approx__ and lp__).
func GuideDraws(q Guide, p Posterior, n int, rng *rand.Rand) (x [][]float64, logGuide, logDensity []float64, err error) {
	if n < 1 {
		return nil, nil, nil, fmt.Errorf("guide draws: need at least one draw, got %d", n)
	}
	if p.Dim() != q.Dim() {
		return nil, nil, nil, fmt.Errorf("the guide has dimension %d but the posterior has %d unconstrained dimensions", q.Dim(), p.Dim())
	}
	flat, lq, lp, err := scoredDraws(q, p, n, rng)
	if err != nil {
		return nil, nil, nil, err
	}
	D := q.Dim()
	x = make([][]float64, n)
	for i := range x {
		x[i] = flat[i*D : (i+1)*D : (i+1)*D]
	}
	return x, lq, lp, nil
}

// DrawSet returns the chains' draws after warm-up as a draws.Set (Method
// draws.NUTS) for the summary table and the CmdStan CSV writer: constrain
// maps one chain's unconstrained draws (rows) to the values of params
// (each row-major, as the model declares them); nil keeps the
// unconstrained coordinates (params must then describe them). lp__ is the
// chain's LP (the log density of the unconstrained point, Jacobian
// included, as Stan's), the sampler columns are the transitions'
// statistics, and the settings and each chain's adapted step size,
// inverse metric and times are recorded for the CSV header.
func (r *NUTSResult) DrawSet(model string, params []draws.Param, seed uint64, constrain func(z [][]float64) ([][]float64, error)) (*draws.Set, error) {
	o := r.Options
	metric := map[string]string{"diag": "diag_e", "dense": "dense_e", "unit": "unit_e"}[o.Metric]
	s := &draws.Set{
		Model: model, Method: draws.NUTS, Params: params,
		Settings: draws.Settings{
			NumSamples: o.Samples, NumWarmup: o.Warmup, Seed: seed,
			AdaptEngaged: o.Warmup > 0,
			Delta:        o.Delta, Gamma: o.Gamma, Kappa: o.Kappa, T0: o.T0,
			InitBuffer: o.InitBuffer, TermBuffer: o.TermBuffer, Window: o.Window,
			MaxDepth: o.MaxDepth, Metric: metric, StepSize: o.StepSize,
		},
	}
	D := r.Dim
	for ci, c := range r.Chains {
		if c == nil {
			return nil, fmt.Errorf("nuts: chain %d did not run", ci+1)
		}
		var z [][]float64
		var lp []float64
		var st []draws.NUTSStat
		for i := c.Warmup; i < c.Len(); i++ {
			z = append(z, c.Draws[i*D:(i+1)*D:(i+1)*D])
			lp = append(lp, c.LP[i])
			st = append(st, draws.NUTSStat{
				AcceptStat: c.AcceptStat[i], StepSize: c.StepSize[i], TreeDepth: c.TreeDepth[i],
				Leapfrog: c.NLeapfrog[i], Divergent: c.Divergent[i], Energy: c.Energy[i],
			})
		}
		if constrain != nil {
			var err error
			if z, err = constrain(z); err != nil {
				return nil, err
			}
		}
		s.Draws = append(s.Draws, z)
		s.LogDensity = append(s.LogDensity, lp)
		s.Stats = append(s.Stats, st)
		info := draws.ChainInfo{StepSize: c.AdaptedStepSize, WarmupSeconds: c.WarmupTime.Seconds(), SamplingSeconds: c.SampleTime.Seconds()}
		switch o.Metric {
		case "diag":
			info.InvMetric = [][]float64{append([]float64(nil), c.InvMetric...)}
		case "dense":
			for i := 0; i+D <= len(c.InvMetric); i += D {
				info.InvMetric = append(info.InvMetric, append([]float64(nil), c.InvMetric[i:i+D]...))
			}
		}
		s.Chains = append(s.Chains, info)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}
