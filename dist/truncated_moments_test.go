package dist

import (
	"math"
	"testing"

	"github.com/flowppl/flowppl/tensor"
)

// TestTruncatedNormalClosedForm: the closed forms whose derivatives are
// the gradients of the truncated Normal's moment tensors agree with
// references computed with mpmath at 60 digits (the same formulas in
// exact arithmetic), to 1e-13 relative for the mean (the error of log Z;
// plus the variance's estimate, which also bounds the cancellation of
// r_α − r_β in narrow intervals) and, for the sd, to the estimated relative error of the
// variance plus 1e-14: the estimate bounds the actual error (the sd's is
// about half the variance's).
func TestTruncatedNormalClosedForm(t *testing.T) {
	inf := math.Inf(1)
	for _, tt := range []struct{ lo, hi, mean, sd float64 }{
		{-1, 2, 0.22963717909132896862, 0.72094558685904578877},
		{0, inf, 0.79788456080286535588, 0.60281027498908697428},
		{3, inf, 3.2830986549304365069, 0.26562979272903127585},
		{10, inf, 10.098093233962511963, 0.097187333668828785109},
		{20, inf, 20.049753068527850542, 0.049631256432334690591},
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
		m, s, est, _ := d.normalMomentsErr()
		if !near(m.Item(), tt.mean, 1e-13+est) {
			t.Errorf("[%v, %v]: closed-form mean %v, want %v", tt.lo, tt.hi, m.Item(), tt.mean)
		}
		if got := math.Abs(s.Item()-tt.sd) / tt.sd; got > est+1e-14 {
			t.Errorf("[%v, %v]: closed-form sd %v, want %v: error %.2g above the estimate %.2g", tt.lo, tt.hi, s.Item(), tt.sd, got, est)
		}
		// The moment tensors exist where the estimate is within
		// truncGradTol, with the values of Mean and StdDev.
		mt, st := d.MeanTensor(), d.StdDevTensor()
		if (mt != nil) != (est <= truncGradTol) || (st != nil) != (est <= truncGradTol) {
			t.Errorf("[%v, %v]: moment tensors %v, %v with error estimate %.2g", tt.lo, tt.hi, mt, st, est)
			continue
		}
		if mt == nil {
			continue
		}
		wm, _ := d.Mean()
		ws, _ := d.StdDev()
		if mt.Item() != wm[0] || st.Item() != ws[0] {
			t.Errorf("[%v, %v]: moment tensors %v, %v, Mean and StdDev %v, %v", tt.lo, tt.hi, mt.Item(), st.Item(), wm[0], ws[0])
		}
	}
}

// TestTruncatedMomentTensors: for batched bounds and Normal parameters,
// each row of the moment tensors is Mean and StdDev of that row alone,
// and their gradients match central differences of Mean and StdDev (the
// quadrature, accurate to about 1e-10 relative, so with step 1e-4 the
// differences are accurate to about 1e-6; tolerance 1e-5). A base other
// than Normal has none.
func TestTruncatedMomentTensors(t *testing.T) {
	col := func(v ...float64) *tensor.Tensor { return tensor.New(v, len(v), 1) }
	inf := math.Inf(1)
	for _, ps := range [][]*tensor.Tensor{
		{col(0.3, -1, 2), col(1.5, 0.7, 1), col(-1, 0, -inf), col(2, inf, 1.5)},
		{col(0.3, -1, 2), col(1.5, 0.7, 1), col(-1, 0, 2.5), col(2, 0.5, 4)},
	} {
		truncMomentRows(t, ps)
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
// in the parameters without infinite elements (the others stay
// constants).
func truncMomentRows(t *testing.T, ps []*tensor.Tensor) {
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
			const h = 1e-4
			num := (at(h) - at(-h)) / (2 * h)
			if !near(g, num, 1e-5) {
				t.Errorf("param %d[%d]: gradient %v, numerically %v", j, e, g, num)
			}
		}
	}
}
