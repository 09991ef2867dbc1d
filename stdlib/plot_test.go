package stdlib_test

import (
	"bytes"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// TestPlot writes each kind of plot and checks that the files are valid
// PNG (decoded, of the requested size in pixels) or SVG (well-formed XML
// whose size is the pixels at 96 dpi in points).
func TestPlot(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	const setup = `
q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])
target = Normal([1, 2], [1, 0.5])
r = fit q to target { steps = 30, batch = 32, quiet = true }
x4 = sample(Normal([0, 1, 2, 3], [1, 1, 1, 1]), 300)
`
	for _, tt := range []struct {
		name, call string
		w, h       int
	}{
		{"loss.svg", `plot(r, "loss.svg")`, 640, 480},
		{"loss.png", `plot(r, "loss.png", title = "loss", width = 300, height = 200)`, 300, 200},
		{"scatter.png", `plot(sample(q, 500), "scatter.png")`, 640, 480},
		{"pairs.png", `plot(x4, "pairs.png", width = 800, height = 800)`, 800, 800},
		{"pairs.svg", `plot(x4, "pairs.svg", reference = sample(Normal([0, 0, 0, 0], [2, 2, 2, 2]), 200))`, 640, 480},
		{"hist.png", `plot(sample(Normal(0, 1), 1000), "hist.png", bins = 20)`, 640, 480},
		{"dens1.svg", `plot(Normal(0, 1), "dens1.svg", n = 500)`, 640, 480},
		{"dens2.png", `plot(target, "dens2.png", n = 500)`, 640, 480},
		{"overlay.png", `plot(q, "overlay.png", reference = sample(target, 1000), n = 1000)`, 640, 480},
		{"flow.svg", `plot(q, "flow.svg", reference = target, n = 300)`, 640, 480},
		{"table.png", `plot(tab, "table.png")`, 640, 480},
	} {
		src := setup
		if strings.Contains(tt.call, "tab") {
			src = "tab = read_csv(\"tab.csv\")\n"
			os.WriteFile("tab.csv", []byte("a,b\n1,2\n2,1\n3,4\n4,3\n"), 0o644)
		}
		if _, err := interp.ExecFile(nil, "plot.flow", src+tt.call+"\n", nil); err != nil {
			t.Errorf("%s: %s", tt.call, interp.FormatError(err))
			continue
		}
		checkImage(t, filepath.Join(dir, tt.name), tt.w, tt.h)
	}
}

func checkImage(t *testing.T, path string, w, h int) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Error(err)
		return
	}
	if strings.HasSuffix(path, ".png") {
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if s := img.Bounds().Size(); s.X != w || s.Y != h {
			t.Errorf("%s: size %v, want %dx%d", path, s, w, h)
		}
		return
	}
	var svg struct {
		XMLName xml.Name `xml:"svg"`
		Width   string   `xml:"width,attr"`
		Height  string   `xml:"height,attr"`
	}
	if err := xml.Unmarshal(b, &svg); err != nil {
		t.Errorf("%s: not SVG: %v", path, err)
		return
	}
	wantW, wantH := pt(w), pt(h)
	if svg.Width != wantW || svg.Height != wantH {
		t.Errorf("%s: size %s×%s, want %s×%s", path, svg.Width, svg.Height, wantW, wantH)
	}
}

// pt is the SVG size of px pixels at 96 dpi.
func pt(px int) string {
	return lang.Number(float64(px)*0.75).String() + "pt"
}

func TestPlotErrors(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, tt := range []struct{ src, want string }{
		{`plot([1, 2], "x.jpg")`, "must end in .svg or .png"},
		{`plot("a", "x.png")`, "cannot plot a string"},
		{`plot(sample(Normal(zeros(9), ones(9)), 10), "x.png")`, "too many for a pair plot"},
		{`plot([1, 2], "x.png", reference = eye(2))`, "reference has dimension"},
		{`plot([1, 2], "no/such/dir/x.png")`, "no such file"},
		{`plot([1, 2], "x.png", width = 1)`, "between 50 and 10000"},
	} {
		_, err := interp.ExecFile(nil, "e.flow", tt.src, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.src, err, tt.want)
		}
	}
}

// TestPlotPosterior plots draws of a guide fitted to a model: the axes
// are named after the latents.
func TestPlotPosterior(t *testing.T) {
	t.Chdir(t.TempDir())
	const model = "model coin(flips) {\n    p ~ Beta(2, 2)\n    mu ~ Normal(0, 1)\n    flips ~ Bernoulli(p)\n}\n" +
		"g = flow AffineAutoregressive\nr = fit g to coin([1, 0, 1, 1]) { steps = 20, quiet = true }\n"
	if _, err := interp.ExecFile(nil, "m.flow", model, nil); err != nil {
		t.Skipf("fitting a posterior: %v", err)
	}
	for _, call := range []string{`plot(g, "g.svg", n = 200)`, `plot(sample(g, 200), "s.svg")`} {
		if _, err := interp.ExecFile(nil, "m.flow", model+call, nil); err != nil {
			t.Fatalf("%s: %s", call, interp.FormatError(err))
		}
	}
	for _, f := range []string{"g.svg", "s.svg"} {
		b, _ := os.ReadFile(f)
		checkImage(t, f, 640, 480)
		for _, label := range []string{">p<", ">mu<"} {
			if !strings.Contains(string(b), label) {
				t.Errorf("%s has no axis label %s", f, label)
			}
		}
	}
}
