package scale

import (
	"fmt"
	"io"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// RankHistogram counts the ranks of simulation-based calibration (Talts
// et al. 2018: the number of a fit's L draws below the true value, an
// integer in 0..L) into bins of equal width: L+1 must be a multiple of
// bins. For a calibrated fit the ranks are uniform on 0..L and so are the
// bins.
func RankHistogram(ranks []float64, L, bins int) ([]int, error) {
	if bins < 2 || L < 1 || (L+1)%bins != 0 {
		return nil, fmt.Errorf("scale: %d bins do not split the %d ranks 0..%d evenly (L+1 must be a multiple of bins)", bins, L+1, L)
	}
	width := (L + 1) / bins
	counts := make([]int, bins)
	for i, r := range ranks {
		if r != math.Trunc(r) || r < 0 || r > float64(L) {
			return nil, fmt.Errorf("scale: rank %d is %v, want an integer in 0..%d", i, r, L)
		}
		counts[int(r)/width]++
	}
	return counts, nil
}

// ChiSquareUniform returns Pearson's chi-square statistic of counts
// against equal expected counts and its p-value (chi-square with
// len(counts)-1 degrees of freedom, gonum's distuv.ChiSquared): a small p
// (below 0.01, say) says the ranks are not uniform, the fit is
// miscalibrated.
func ChiSquareUniform(counts []int) (stat, p float64) {
	n := 0
	for _, c := range counts {
		n += c
	}
	e := float64(n) / float64(len(counts))
	for _, c := range counts {
		d := float64(c) - e
		stat += d * d / e
	}
	return stat, distuv.ChiSquared{K: float64(len(counts) - 1)}.Survival(stat)
}

// PlotRanks writes the rank histogram as an SVG bar chart with the
// expected count and its 99% band (binomial, normal approximation), the
// way SBC papers draw it.
func PlotRanks(w io.Writer, title string, counts []int, L int) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = fmt.Sprintf("rank bin (ranks 0..%d, %d per bin)", L, (L+1)/len(counts))
	p.Y.Label.Text = "data sets"
	vals := make(plotter.Values, len(counts))
	n := 0
	for i, c := range counts {
		vals[i] = float64(c)
		n += c
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(8))
	if err != nil {
		return err
	}
	bars.LineStyle.Width = vg.Length(0)
	p.Add(bars)
	e := float64(n) / float64(len(counts))
	sd := math.Sqrt(e * (1 - 1/float64(len(counts))))
	for _, y := range []float64{e - 2.576*sd, e, e + 2.576*sd} {
		l, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: y}, {X: float64(len(counts)) - 0.5, Y: y}})
		if err != nil {
			return err
		}
		if y != e {
			l.LineStyle.Dashes = []vg.Length{vg.Points(3), vg.Points(3)}
		}
		p.Add(l)
	}
	p.Y.Min = 0
	wt, err := p.WriterTo(6*vg.Inch, 3*vg.Inch, "svg")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}
