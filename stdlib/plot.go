package stdlib

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// The plot builtin is registered here rather than in universe() so that
// the plotting code (and its gonum.org/v1/plot dependency) stays in one
// file.
func init() {
	b := def("plot", "plot(x, path): write a plot of a fit report (loss trace), samples (histogram, scatter or pair plot) or a distribution (density) to an .svg or .png file; options reference, n, bins, title, width, height", builtinPlot)
	if _, dup := Universe[b.Name()]; dup {
		panic("stdlib: builtin plot defined twice")
	}
	Universe[b.Name()] = b
}

// Colours of the plotted value and of the reference draws.
var (
	mainColor = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	refColor  = color.RGBA{R: 255, G: 127, B: 14, A: 255}
)

// maxPairDims is the largest dimension drawn as a pair plot.
const maxPairDims = 8

// builtinPlot implements
//
//	plot(x, path, reference = none, n = 5000, bins = 40, title = "", width = 640, height = 480)
//
// x is one of:
//   - a fit report: the loss at every step (a line);
//   - a vector, or an n×1 matrix: a histogram of the values;
//   - an n×2 matrix: a scatter plot; n×d with 2 < d <= 8: a pair plot
//     (histograms on the diagonal, scatter plots of each pair below and
//     above it);
//   - a record of vector columns (a table, posterior draws): as the matrix
//     of its columns, with the column names as axis labels;
//   - a distribution or flow: for d = 1 a histogram of n draws with the
//     density curve, for d = 2 density contours over a scatter of n draws,
//     for larger d a pair plot of n draws.
//
// reference (draws as a vector, matrix or record, or a distribution to
// draw n from) is overlaid in a second colour: `plot(q, "q.png",
// reference = sample(target, 2000))` shows a guide against the target's
// draws. The format follows the extension of path (.svg or .png); width
// and height are in pixels at 96 dpi (an SVG's size is given in points,
// 3/4 of the pixels). It returns none.
func builtinPlot(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var (
		x, ref        lang.Value = nil, lang.None
		path, title   string
		n, bins       = 5000, 40
		width, height = 640, 480
	)
	if err := lang.UnpackArgs("plot", args, kwargs, "x", &x, "path", &path, "reference?", &ref,
		"n?", &n, "bins?", &bins, "title?", &title, "width?", &width, "height?", &height); err != nil {
		return nil, err
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".svg" && ext != ".png" {
		return nil, fmt.Errorf("plot: %q: the file name must end in .svg or .png", path)
	}
	if n < 1 || n > 1_000_000 {
		return nil, fmt.Errorf("plot: n must be between 1 and 1000000, got %d", n)
	}
	if bins < 1 || bins > 10000 {
		return nil, fmt.Errorf("plot: bins must be between 1 and 10000, got %d", bins)
	}
	if width < 50 || height < 50 || width > 10000 || height > 10000 {
		return nil, fmt.Errorf("plot: width and height must be between 50 and 10000 pixels, got %d×%d", width, height)
	}
	pl := &plotter_{rng: th, n: n, bins: bins, title: title}
	var refData *samples
	if ref != lang.None {
		var err error
		if refData, err = pl.draws(ref, "reference"); err != nil {
			return nil, err
		}
	}
	grid, err := pl.plots(x, refData)
	if err != nil {
		return nil, err
	}
	if err := render(th, grid, path, ext, width, height); err != nil {
		return nil, fmt.Errorf("plot: %w", err)
	}
	return lang.None, nil
}

// plotter_ builds plots for one call.
type plotter_ struct {
	rng   *lang.Thread
	n     int
	bins  int
	title string
	// noLegend leaves out the legend (all but one panel of a pair plot)
	noLegend bool
}

// namedSampler is a value whose draws are a record of named columns: a
// guide fitted to a model's posterior (package interp), whose latents
// give the axis labels.
type namedSampler interface {
	lang.Value
	SampleNamed(th *lang.Thread, n int) (*lang.Record, error)
}

// samples are draws to plot: rows of d values, with column labels; d is
// the distribution they come from, if any.
type samples struct {
	rows   int
	cols   [][]float64 // column j
	labels []string
	d      dist.Distribution
}

func (s *samples) dim() int { return len(s.cols) }

// draws converts a value to samples: arrays and records as they are,
// distributions by drawing n.
func (pl *plotter_) draws(v lang.Value, what string) (*samples, error) {
	switch v := v.(type) {
	case namedSampler: // a posterior guide: draws of the latents, named
		rec, err := v.SampleNamed(pl.rng, pl.n)
		if err != nil {
			return nil, fmt.Errorf("plot: %v", err)
		}
		return pl.draws(rec, what)
	case *lang.Array:
		if v.IsVector() {
			return &samples{rows: v.Len(), cols: [][]float64{v.Data()}, labels: []string{"x"}}, nil
		}
		r, c := v.T.Dim(0), v.T.Dim(1)
		s := &samples{rows: r}
		d := v.Data()
		for j := range c {
			col := make([]float64, r)
			for i := range r {
				col[i] = d[i*c+j]
			}
			s.cols = append(s.cols, col)
			s.labels = append(s.labels, fmt.Sprintf("x%d", j))
		}
		return s, nil
	case lang.Distribution:
		dd := v.Dist()
		if err := alloc(pl.rng, "plot", pl.n, dd.Dim()); err != nil {
			return nil, err
		}
		// The language's sample: a posterior guide gives a record of the
		// latents in their constrained space, named.
		sv, err := v.Sample(pl.rng, pl.n)
		if err != nil {
			return nil, fmt.Errorf("plot: %v", err)
		}
		if _, ok := sv.(*lang.Array); !ok {
			return pl.draws(sv, what)
		}
		x := sv.(*lang.Array).Data()
		s, err := pl.draws(lang.NewArray(tensor.New(x, pl.n, dd.Dim())), what)
		if err != nil {
			return nil, err
		}
		s.d = dd
		if dd.Dim() == 1 {
			s.labels = []string{"x"}
		}
		return s, nil
	case lang.HasAttrs:
		s := &samples{rows: -1}
		for _, name := range v.AttrNames() {
			f, _ := v.Attr(name)
			a, ok := f.(*lang.Array)
			if !ok {
				continue
			}
			if !a.IsVector() { // a vector-valued latent: one column each
				sub, _ := pl.draws(a, what)
				if s.rows >= 0 && sub.rows != s.rows {
					return nil, fmt.Errorf("plot: the fields of the %s have different lengths", what)
				}
				s.rows = sub.rows
				for j, c := range sub.cols {
					s.cols = append(s.cols, c)
					s.labels = append(s.labels, fmt.Sprintf("%s[%d]", name, j))
				}
				continue
			}
			if s.rows >= 0 && a.Len() != s.rows {
				return nil, fmt.Errorf("plot: the fields of the %s have different lengths: %d and %d (%s)", what, s.rows, a.Len(), name)
			}
			s.rows = a.Len()
			s.cols = append(s.cols, a.Data())
			s.labels = append(s.labels, name)
		}
		if len(s.cols) == 0 {
			return nil, fmt.Errorf("plot: the %s has no numeric columns", what)
		}
		return s, nil
	}
	return nil, fmt.Errorf("plot: cannot plot a %s as %s (want a vector, matrix, record or distribution)", lang.Describe(v), what)
}

// plots returns the grid of plots for x (one plot, or a pair plot).
func (pl *plotter_) plots(x lang.Value, ref *samples) ([][]*plot.Plot, error) {
	if rec, ok := x.(*lang.Record); ok {
		if losses, ok := rec.Fields["losses"].(*lang.Array); ok && losses.IsVector() {
			p, err := pl.lossPlot(losses.Data())
			return [][]*plot.Plot{{p}}, err
		}
	}
	s, err := pl.draws(x, "value")
	if err != nil {
		return nil, err
	}
	if s.rows < 1 {
		return nil, fmt.Errorf("plot: nothing to plot (no rows)")
	}
	if ref != nil && ref.dim() != s.dim() {
		return nil, fmt.Errorf("plot: the reference has dimension %d, the value %d", ref.dim(), s.dim())
	}
	switch d := s.dim(); {
	case d == 1:
		p, err := pl.histogram(s, ref, 0)
		return [][]*plot.Plot{{p}}, err
	case d == 2:
		p, err := pl.scatter(s, ref, 0, 1, true)
		return [][]*plot.Plot{{p}}, err
	case d <= maxPairDims:
		return pl.pairs(s, ref)
	default:
		return nil, fmt.Errorf("plot: %d dimensions are too many for a pair plot (at most %d); plot a few columns, e.g. x[:, 0:%d]", d, maxPairDims, maxPairDims)
	}
}

func (pl *plotter_) newPlot(xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = pl.title
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.X.Tick.Marker = exactTicks{}
	p.Y.Tick.Marker = exactTicks{}
	return p
}

// exactTicks places ticks as gonum's default does but labels each major
// tick with its value in the shortest form that tells it apart (the default
// labels can round 1.45 and 1.55 both to "1.5").
type exactTicks struct{}

// Ticks returns the default tick positions, labelled exactly.
func (exactTicks) Ticks(lo, hi float64) []plot.Tick {
	ts := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ts {
		if ts[i].Label != "" {
			// Round away binary noise (0.30000000000000004) before printing.
			ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', 12, 64)
		}
	}
	return ts
}

func (pl *plotter_) lossPlot(losses []float64) (*plot.Plot, error) {
	p := pl.newPlot("step", "loss")
	pts := make(plotter.XYs, 0, len(losses))
	for i, l := range losses {
		if !math.IsNaN(l) && !math.IsInf(l, 0) {
			pts = append(pts, plotter.XY{X: float64(i + 1), Y: l})
		}
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("plot: the report has no finite losses")
	}
	line, err := plotter.NewLine(pts)
	if err != nil {
		return nil, fmt.Errorf("plot: %v", err)
	}
	line.Color = mainColor
	p.Add(line, plotter.NewGrid())
	return p, nil
}

// finite returns the finite values of xs.
func finite(xs []float64) plotter.Values {
	out := make(plotter.Values, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// histogram plots column j of s (and of ref), normalised to densities,
// with the density curve of a 1-D distribution.
func (pl *plotter_) histogram(s, ref *samples, j int) (*plot.Plot, error) {
	p := pl.newPlot(s.labels[j], "density")
	add := func(xs []float64, c color.Color, name string) error {
		v := finite(xs)
		if len(v) == 0 {
			return fmt.Errorf("plot: no finite values to plot")
		}
		h, err := plotter.NewHist(v, pl.bins)
		if err != nil {
			return fmt.Errorf("plot: %v", err)
		}
		h.Normalize(1)
		h.FillColor = withAlpha(c, 110)
		h.LineStyle.Color = c
		p.Add(h)
		if ref != nil && !pl.noLegend {
			p.Legend.Add(name, h)
		}
		return nil
	}
	if ref != nil {
		if err := add(ref.cols[j], refColor, "reference"); err != nil {
			return nil, err
		}
	}
	if err := add(s.cols[j], mainColor, "value"); err != nil {
		return nil, err
	}
	if s.d != nil && s.d.Dim() == 1 {
		lo, hi := span(s.cols[0], ref, 0)
		f := plotter.NewFunction(func(x float64) float64 {
			lp := s.d.LogProb(tensor.New([]float64{x}, 1, 1)).Data()[0]
			return math.Exp(lp)
		})
		f.XMin, f.XMax, f.Samples = lo, hi, 200
		f.Color = color.Black
		p.Add(f)
		if ref != nil && !pl.noLegend {
			p.Legend.Add("density", f)
		}
	}
	return p, nil
}

// span returns the range of xs and of column j of ref.
func span(xs []float64, ref *samples, j int) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	upd := func(v []float64) {
		for _, x := range v {
			if !math.IsNaN(x) && !math.IsInf(x, 0) {
				lo, hi = min(lo, x), max(hi, x)
			}
		}
	}
	upd(xs)
	if ref != nil {
		upd(ref.cols[j])
	}
	if lo > hi {
		return 0, 1
	}
	return lo, hi
}

// scatter plots column j against column i; with contours, a 2-D
// distribution's density contours are drawn over the points.
func (pl *plotter_) scatter(s, ref *samples, i, j int, contours bool) (*plot.Plot, error) {
	p := pl.newPlot(s.labels[i], s.labels[j])
	radius := vg.Points(1.2)
	if s.rows > 2000 {
		radius = vg.Points(0.8)
	}
	add := func(t *samples, c color.Color, name string) error {
		pts := make(plotter.XYs, 0, t.rows)
		for k := range t.rows {
			x, y := t.cols[i][k], t.cols[j][k]
			if !math.IsNaN(x+y) && !math.IsInf(x+y, 0) {
				pts = append(pts, plotter.XY{X: x, Y: y})
			}
		}
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return fmt.Errorf("plot: %v", err)
		}
		sc.GlyphStyle.Color = withAlpha(c, 140)
		sc.GlyphStyle.Radius = radius
		sc.GlyphStyle.Shape = draw.CircleGlyph{}
		p.Add(sc)
		if ref != nil && !pl.noLegend {
			p.Legend.Add(name, sc)
		}
		return nil
	}
	if ref != nil {
		if err := add(ref, refColor, "reference"); err != nil {
			return nil, err
		}
	}
	if err := add(s, mainColor, "value"); err != nil {
		return nil, err
	}
	if contours && s.d != nil && s.d.Dim() == 2 {
		if g := densityGrid(s, ref); g != nil {
			c := plotter.NewContour(g, nil, moreland.ExtendedBlackBody().Palette(7))
			p.Add(c)
		}
	}
	return p, nil
}

// densityGrid evaluates a 2-D distribution's density on a 60×60 grid over
// the range of the draws.
func densityGrid(s, ref *samples) *grid {
	const k = 60
	x0, x1 := span(s.cols[0], ref, 0)
	y0, y1 := span(s.cols[1], ref, 1)
	if x0 == x1 || y0 == y1 {
		return nil
	}
	g := &grid{xs: make([]float64, k), ys: make([]float64, k), z: make([]float64, k*k)}
	pts := make([]float64, 0, 2*k*k)
	for a := range k {
		g.xs[a] = x0 + (x1-x0)*float64(a)/(k-1)
		g.ys[a] = y0 + (y1-y0)*float64(a)/(k-1)
	}
	for r := range k {
		for c := range k {
			pts = append(pts, g.xs[c], g.ys[r])
		}
	}
	lp := s.d.LogProb(tensor.New(pts, k*k, 2)).Data()
	g.min, g.max = math.Inf(1), math.Inf(-1)
	for i, l := range lp {
		z := math.Exp(l)
		if math.IsNaN(z) || math.IsInf(z, 0) {
			z = 0
		}
		g.z[i] = z
		g.min, g.max = min(g.min, z), max(g.max, z)
	}
	if !(g.max > g.min) {
		return nil
	}
	return g
}

// grid is a plotter.GridXYZ of density values; z[r*len(xs)+c] is at
// (xs[c], ys[r]).
type grid struct {
	xs, ys   []float64
	z        []float64
	min, max float64
}

func (g *grid) Dims() (c, r int)   { return len(g.xs), len(g.ys) }
func (g *grid) Z(c, r int) float64 { return g.z[r*len(g.xs)+c] }
func (g *grid) X(c int) float64    { return g.xs[c] }
func (g *grid) Y(r int) float64    { return g.ys[r] }
func (g *grid) Min() float64       { return g.min }
func (g *grid) Max() float64       { return g.max }

// pairs returns a d×d pair plot: histograms on the diagonal, scatter
// plots elsewhere (row i, column j plots column j against column i).
func (pl *plotter_) pairs(s, ref *samples) ([][]*plot.Plot, error) {
	d := s.dim()
	out := make([][]*plot.Plot, d)
	title := pl.title
	pl.title = ""
	defer func() { pl.title, pl.noLegend = title, false }()
	for i := range d {
		out[i] = make([]*plot.Plot, d)
		for j := range d {
			var p *plot.Plot
			var err error
			pl.noLegend = i != 0 || j != 0
			if i == j {
				p, err = pl.histogram(s, ref, i)
			} else {
				p, err = pl.scatter(s, ref, j, i, false)
			}
			if err != nil {
				return nil, err
			}
			p.Legend.Top = true
			if i != d-1 {
				p.X.Label.Text = ""
			}
			if j != 0 {
				p.Y.Label.Text = ""
			}
			if i == j && j != 0 {
				p.Y.Label.Text = ""
			}
			out[i][j] = p
		}
	}
	if title != "" {
		out[0][0].Title.Text = title
	}
	return out, nil
}

func withAlpha(c color.Color, a uint8) color.Color {
	r, g, b, _ := c.RGBA()
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}

// render draws the grid of plots on a canvas of width×height pixels and
// writes it to path, through the thread's file access, in the format of
// ext.
func render(th *lang.Thread, plots [][]*plot.Plot, path, ext string, width, height int) error {
	w := vg.Length(width) * vg.Inch / vgimg.DefaultDPI
	h := vg.Length(height) * vg.Inch / vgimg.DefaultDPI
	var (
		canvas vg.CanvasSizer
		out    io.WriterTo
	)
	switch ext {
	case ".svg":
		c := vgsvg.New(w, h)
		canvas, out = c, c
	default:
		c := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(vgimg.DefaultDPI))
		canvas, out = c, vgimg.PngCanvas{Canvas: c}
	}
	dc := draw.New(canvas)
	if len(plots) == 1 && len(plots[0]) == 1 {
		plots[0][0].Draw(dc)
	} else {
		tiles := draw.Tiles{Rows: len(plots), Cols: len(plots[0]),
			PadX: vg.Millimeter, PadY: vg.Millimeter,
			PadTop: vg.Points(2), PadBottom: vg.Points(2), PadLeft: vg.Points(2), PadRight: vg.Points(2)}
		cs := plot.Align(plots, tiles, dc)
		for i := range plots {
			for j, p := range plots[i] {
				p.Draw(cs[i][j])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := out.WriteTo(&buf); err != nil {
		return err
	}
	return th.WriteFile(path, buf.Bytes())
}
