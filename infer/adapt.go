package infer

import (
	"errors"
	"math"

	"gonum.org/v1/gonum/mat"
)

// dualAveraging is Nesterov's dual averaging of log step size as Hoffman
// and Gelman (2014) apply it and Stan runs it: after each warm-up
// transition with acceptance statistic a (capped at 1),
//
//	s̄ ← (1 − η) s̄ + η (δ − a),  η = 1/(t + t0)
//	x  = μ − s̄ √t / γ,          ε = eˣ
//	x̄ ← (1 − t^−κ) x̄ + t^−κ x
//
// and the step size after warm-up is e^x̄.
type dualAveraging struct {
	mu, delta, gamma, kappa, t0 float64
	counter, sBar, xBar         float64
}

func (d *dualAveraging) restart() { d.counter, d.sBar, d.xBar = 0, 0, 0 }

// learn updates eps from the acceptance statistic of a transition.
func (d *dualAveraging) learn(eps *float64, stat float64) {
	d.counter++
	stat = min(stat, 1)
	eta := 1 / (d.counter + d.t0)
	d.sBar = (1-eta)*d.sBar + eta*(d.delta-stat)
	x := d.mu - d.sBar*math.Sqrt(d.counter)/d.gamma
	xEta := math.Pow(d.counter, -d.kappa)
	d.xBar = (1-xEta)*d.xBar + xEta*x
	*eps = math.Exp(x)
}

// windows is Stan's windowed warm-up schedule: an initial fast interval
// of initBuffer iterations (step size only), slow windows of base,
// 2·base, 4·base, ... iterations at whose ends the metric is re-estimated
// (the last stretched to the terminal buffer), and a terminal fast
// interval of termBuffer iterations. With fewer than 20 warm-up
// iterations there are no windows; when the three stages do not fit,
// they become 15% / 75% / 10% of the warm-up, as Stan does.
type windows struct {
	warmup, initBuffer, termBuffer, base int
	counter, next, size                  int
}

func newWindows(warmup, initBuffer, termBuffer, base int) *windows {
	w := &windows{}
	switch {
	case warmup < 20:
		// no metric adaptation: inWindow is never true
		w.next = -1
		return w
	case initBuffer+base+termBuffer > warmup:
		initBuffer = int(0.15 * float64(warmup))
		termBuffer = int(0.10 * float64(warmup))
		base = warmup - (initBuffer + termBuffer)
	}
	w.warmup, w.initBuffer, w.termBuffer, w.base = warmup, initBuffer, termBuffer, base
	w.size = base
	w.next = initBuffer + base - 1
	return w
}

// inWindow reports whether the current warm-up iteration's draw goes into
// the metric estimate.
func (w *windows) inWindow() bool {
	return w.counter >= w.initBuffer && w.counter < w.warmup-w.termBuffer && w.counter != w.warmup
}

// endWindow reports whether the current iteration closes a slow window.
func (w *windows) endWindow() bool { return w.counter == w.next && w.counter != w.warmup }

// advance computes the end of the next window (at the end of one).
func (w *windows) advance() {
	last := w.warmup - w.termBuffer - 1
	if w.next == last {
		return
	}
	w.size *= 2
	w.next = w.counter + w.size
	if w.next == last {
		return
	}
	// A window that would leave less than a full next window before the
	// terminal buffer is stretched to it.
	if w.next+2*w.size >= w.warmup-w.termBuffer {
		w.next = last
	}
}

// welford accumulates the mean and the sum of squared deviations (a
// vector for the diagonal metric, a matrix for the dense one).
type welford struct {
	n     int
	dense bool
	mean  []float64
	m2    []float64 // d (diagonal) or d×d (dense)
	delta []float64
}

func newWelford(d int, dense bool) *welford {
	w := &welford{dense: dense, mean: make([]float64, d), delta: make([]float64, d)}
	if dense {
		w.m2 = make([]float64, d*d)
	} else {
		w.m2 = make([]float64, d)
	}
	return w
}

func (w *welford) restart() {
	w.n = 0
	clear(w.mean)
	clear(w.m2)
}

func (w *welford) add(q []float64) {
	w.n++
	d := len(q)
	for i, v := range q {
		w.delta[i] = v - w.mean[i]
		w.mean[i] += w.delta[i] / float64(w.n)
	}
	if !w.dense {
		for i, v := range q {
			w.m2[i] += w.delta[i] * (v - w.mean[i])
		}
		return
	}
	for i := range d {
		for j := range d {
			w.m2[i*d+j] += w.delta[i] * (q[j] - w.mean[j])
		}
	}
}

// regularised writes Stan's regularised estimate into out:
// (n/(n+5))·S + 1e-3·(5/(n+5))·I, S the sample (co)variance.
func (w *welford) regularised(out []float64) error {
	n := float64(w.n)
	if w.n < 2 {
		return errors.New("a metric adaptation window held fewer than 2 draws")
	}
	shrink, eye := n/(n+5), 1e-3*(5/(n+5))
	d := len(w.mean)
	for i, v := range w.m2 {
		out[i] = shrink * v / (n - 1)
		if !w.dense || i/d == i%d {
			out[i] += eye
		}
	}
	for _, v := range out {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return errors.New("numerical overflow in metric adaptation: the sampler reached extreme values on the unconstrained space; the posterior may be improper or too wide")
		}
	}
	return nil
}

// metric is the inverse mass matrix M⁻¹ of the kinetic energy
// ½ pᵀ M⁻¹ p: diagonal (inv) or dense (inv d×d with its Cholesky factor
// L, M⁻¹ = L Lᵀ, so that p = L⁻ᵀ u with u ~ N(0, I) has covariance M).
type metric struct {
	d     int
	dense bool
	inv   []float64
	chol  []float64 // dense only: L, row-major lower triangular
	sqrt  []float64 // diagonal only: √inv, by which a momentum is divided
}

func newMetric(d int, dense bool) *metric {
	m := &metric{d: d, dense: dense}
	if !dense {
		m.inv, m.sqrt = make([]float64, d), make([]float64, d)
		for i := range m.inv {
			m.inv[i], m.sqrt[i] = 1, 1
		}
		return m
	}
	m.inv = make([]float64, d*d)
	m.chol = make([]float64, d*d)
	for i := range d {
		m.inv[i*d+i] = 1
		m.chol[i*d+i] = 1
	}
	return m
}

// set installs a new M⁻¹ (its Cholesky factor too when dense).
func (m *metric) set(inv []float64) error {
	if !m.dense {
		copy(m.inv, inv)
		for i, v := range inv {
			m.sqrt[i] = math.Sqrt(v)
		}
		return nil
	}
	var ch mat.Cholesky
	if !ch.Factorize(mat.NewSymDense(m.d, append([]float64(nil), inv...))) {
		return errors.New("the adapted dense metric is not positive definite")
	}
	var L mat.TriDense
	ch.LTo(&L)
	for i := range m.d {
		for j := range m.d {
			m.chol[i*m.d+j] = L.At(i, j)
		}
	}
	copy(m.inv, inv)
	return nil
}

// dtau writes ∂τ/∂p = M⁻¹ p (the velocity, Stan's "sharp" momentum).
func (m *metric) dtau(p, out []float64) {
	if !m.dense {
		for i, v := range p {
			out[i] = m.inv[i] * v
		}
		return
	}
	d := m.d
	p, out = p[:d], out[:d]
	for i := range out {
		s := 0.0
		row := m.inv[i*d : (i+1)*d]
		for j, v := range row[:d] {
			s += v * p[j]
		}
		out[i] = s
	}
}

// tau returns the kinetic energy ½ pᵀ M⁻¹ p (tmp: scratch of length d).
func (m *metric) tau(p, tmp []float64) float64 {
	m.dtau(p, tmp)
	s := 0.0
	for i, v := range p {
		s += v * tmp[i]
	}
	return s / 2
}

// sample draws a momentum p ~ N(0, M) into p, from u ~ N(0, I).
func (m *metric) sample(norm func() float64, p []float64) {
	if !m.dense {
		for i, s := range m.sqrt[:len(p)] {
			p[i] = norm() / s
		}
		return
	}
	for i := range p {
		p[i] = norm()
	}
	// Solve Lᵀ p = u by back substitution (Lᵀ upper triangular).
	d := m.d
	for i := d - 1; i >= 0; i-- {
		s := p[i]
		for j := i + 1; j < d; j++ {
			s -= m.chol[j*d+i] * p[j]
		}
		p[i] = s / m.chol[i*d+i]
	}
}
