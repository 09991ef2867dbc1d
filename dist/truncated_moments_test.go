package dist

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestTruncatedNormalMomentValues: the moment tensors of a truncated
// Normal have exactly the values of Mean and StdDev, which agree with
// references computed with mpmath at 60 digits from the closed forms, to
// 1e-9 relative (the quadrature's error is about 1e-10), also for
// intervals far in a tail and narrow ones, where the closed forms in
// float64 lose up to 6 digits.
func TestTruncatedNormalMomentValues(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct{ lo, hi, mean, sd float64 }{
		{-1, 2, 0.22963717909132896862, 0.72094558685904578877},
		{0, inf, 0.79788456080286535588, 0.60281027498908697428},
		{3, inf, 3.2830986549304365069, 0.26562979272903127585},
		{10, inf, 10.098093233962511963, 0.097187333668828785109},
		{30, inf, 30.033259667433677037, 0.033223056931746828663},
		{-inf, -8, -8.1213681122361126807, 0.11968660511243900336},
		{5, 6, 5.1831470904771735185, 0.17161710511625307458},
		{2, 2.001, 2.000499833291683288, 0.00028867510090158525399},
		{-0.001, 0.001, 0, 0.00057735023069960838041},
	} {
		d, err := NewTruncated(Normal{sc(0), sc(1)}, sc(tt.lo), sc(tt.hi))
		if err != nil {
			t.Fatal(err)
		}
		mt, st := d.MeanTensor(), d.StdDevTensor()
		if mt == nil || st == nil {
			t.Errorf("[%v, %v]: no moment tensors", tt.lo, tt.hi)
			continue
		}
		wm, _ := d.Mean()
		ws, _ := d.StdDev()
		if mt.Item() != wm[0] || st.Item() != ws[0] {
			t.Errorf("[%v, %v]: moment tensors %v, %v, Mean and StdDev %v, %v", tt.lo, tt.hi, mt.Item(), st.Item(), wm[0], ws[0])
		}
		if !near(mt.Item(), tt.mean, 1e-9) || math.Abs(st.Item()-tt.sd) > 1e-9*tt.sd {
			t.Errorf("[%v, %v]: mean %v, sd %v, want %v, %v", tt.lo, tt.hi, mt.Item(), st.Item(), tt.mean, tt.sd)
		}
	}
}

// TestTruncatedMomentTensors: for batched bounds and Normal parameters,
// each row of the moment tensors is Mean and StdDev of that row alone,
// and their gradients match central differences of Mean and StdDev (the
// quadrature, accurate to about 1e-10 relative: with step h the
// differences are accurate to about 1e-10/h plus O(h²); tolerance 1e-5
// relative to max(1, |derivative|)). A base other than Normal has none.
func TestTruncatedMomentTensors(t *testing.T) {
	col := func(v ...float64) *tensor.Tensor { return tensor.New(v, len(v), 1) }
	inf := math.Inf(1)
	for _, c := range []struct {
		ps []*tensor.Tensor
		h  float64
	}{
		{[]*tensor.Tensor{col(0.3, -1, 2), col(1.5, 0.7, 1), col(-1, 0, -inf), col(2, inf, 1.5)}, 1e-4},
		{[]*tensor.Tensor{col(0.3, -1, 2), col(1.5, 0.7, 1), col(-1, 0, 2.5), col(2, 0.5, 4)}, 1e-4},
		// Far in the tails, where the closed forms cancel.
		{[]*tensor.Tensor{col(0, 0.5, -3), col(1, 1, 0.2), col(30, -inf, 1), col(inf, -4, 1.5)}, 1e-4},
		// Narrow intervals: steps well below their widths.
		{[]*tensor.Tensor{col(0, 1, 2), col(1, 2, 0.5), col(2, -0.001, 1), col(2.001, 0.001, 1.01)}, 1e-7},
	} {
		truncMomentRows(t, c.ps, c.h)
	}
	st, err := NewTruncated(StudentT{sc(3), sc(0), sc(1)}, sc(0), sc(2))
	if err != nil {
		t.Fatal(err)
	}
	if st.MeanTensor() != nil || st.StdDevTensor() != nil {
		t.Errorf("a truncated StudentT has moment tensors")
	}
	if _, ok := st.EntropyTensor(); ok {
		t.Errorf("a truncated StudentT has an entropy tensor")
	}
}

// truncMomentRows checks the moment tensors of Truncated(Normal(ps[0],
// ps[1]), ps[2], ps[3]) ([3, 1] columns) row by row, and their gradients
// (central differences with step h) in the parameters without infinite
// elements (the others stay constants).
func truncMomentRows(t *testing.T, ps []*tensor.Tensor, h float64) {
	t.Helper()
	build := func(ps []*tensor.Tensor) Truncated {
		d, err := MakeTruncated(Normal{ps[0], ps[1]}, ps[2], ps[3], false)
		if err != nil {
			t.Fatal(err)
		}
		return *d
	}
	d := build(ps)
	mean, sd := d.MeanTensor(), d.StdDevTensor()
	if mean == nil || sd == nil {
		t.Fatal("no moment tensors")
	}
	for i := range 3 {
		row := make([]*tensor.Tensor, len(ps))
		for j, p := range ps {
			row[j] = sc(p.Data()[i])
		}
		di, err := NewTruncated(Normal{row[0], row[1]}, row[2], row[3])
		if err != nil {
			t.Fatal(err)
		}
		wm, _ := di.Mean()
		ws, _ := di.StdDev()
		if !near(mean.Data()[i], wm[0], 1e-12) || !near(sd.Data()[i], ws[0], 1e-12) {
			t.Errorf("row %d: %v, %v, alone %v, %v", i, mean.Data()[i], sd.Data()[i], wm[0], ws[0])
		}
	}
	total := func(d Truncated) float64 {
		m, _ := d.Mean()
		s, _ := d.StdDev()
		v := 0.0
		for i := range m {
			v += m[i] + 0.7*s[i]
		}
		return v
	}
	tp := tensor.NewTape()
	defer tp.Reset()
	tracked := make([]*tensor.Tensor, len(ps))
	for j, p := range ps {
		tracked[j] = p
		if tensor.AllFinite(p) {
			tracked[j] = tensor.Param(append([]float64(nil), p.Data()...), p.Shape()...)
			tp.Watch(tracked[j])
		}
	}
	dt := build(tracked)
	tp.Backward(tensor.Add(tensor.Sum(dt.MeanTensor()), tensor.Scale(tensor.Sum(dt.StdDevTensor()), 0.7)))
	for j, p := range ps {
		if tracked[j] == p {
			continue
		}
		for e := range p.Len() {
			g := tracked[j].Grad()[e]
			at := func(h float64) float64 {
				q := append([]*tensor.Tensor(nil), ps...)
				x := append([]float64(nil), p.Data()...)
				x[e] += h
				q[j] = tensor.New(x, p.Shape()...)
				return total(build(q))
			}
			num := (at(h) - at(-h)) / (2 * h)
			if !near(g, num, 1e-5) {
				t.Errorf("param %d[%d]: gradient %v, numerically %v", j, e, g, num)
			}
		}
	}
}
