package flows

import (
	"math"
	"math/rand/v2"

	"github.com/flowppl/flowppl/tensor"
)

// BatchNorm is the batch-normalisation bijector of Dinh et al. 2017 and
// Papamakarios et al. 2017 (MAF), as in Pyro: in the density direction
//
//	x = (y − μ) / √(v + ε) ⊙ exp(LogGamma) + Beta,
//
// and Forward is its inverse. μ and v are per-dimension statistics of the
// data side: in evaluation the running averages RunMean and RunVar; in
// training the mean and (biased) variance of the batch of y being scored,
// which also update the running averages with momentum 0.1.
//
// Training is signalled by the tape: BatchNorm is training exactly when
// its parameters are watched by an active tape (inside a fit's step;
// tensor.Tensor.Tracked). Outside a fit, and in Sample, LogProb and
// SampleAndLogProb calls that are not being differentiated, it uses the
// running statistics, so it is then a fixed elementwise affine map and
// forward and inverse agree exactly. Forward (sampling) always uses the
// running statistics (as Pyro), so under a reverse-KL fit, which only
// samples, BatchNorm is a learnable elementwise affine map whose
// statistics stay at their start (mean 0, variance 1).
type BatchNorm struct {
	LogGamma, Beta  *tensor.Tensor // [d] parameters
	RunMean, RunVar []float64      // running statistics
	Momentum, Eps   float64
	d               int
}

// NewBatchNorm returns a BatchNorm over R^d at its start: LogGamma = Beta
// = 0, running mean 0 and variance 1.
func NewBatchNorm(d int) *BatchNorm {
	b := &BatchNorm{LogGamma: tensor.Param(make([]float64, d), d), Beta: tensor.Param(make([]float64, d), d),
		Momentum: 0.1, Eps: 1e-5, d: d}
	b.Initialize(nil)
	return b
}

// CouplesRows reports true: in training, the log density of a row depends
// on the statistics of the whole batch, so a fit must not split a batch
// into pieces.
func (b *BatchNorm) CouplesRows() bool { return true }

// Name returns "BatchNorm".
func (b *BatchNorm) Name() string { return "BatchNorm" }

// Dim returns d.
func (b *BatchNorm) Dim() int { return b.d }

// Params returns LogGamma and Beta.
func (b *BatchNorm) Params() []*tensor.Tensor { return []*tensor.Tensor{b.LogGamma, b.Beta} }

// Initialize resets the parameters and the running statistics (rng is
// unused).
func (b *BatchNorm) Initialize(*rand.Rand) {
	clear(b.LogGamma.Data())
	clear(b.Beta.Data())
	b.RunMean = make([]float64, b.d)
	b.RunVar = make([]float64, b.d)
	for j := range b.RunVar {
		b.RunVar[j] = 1
	}
}

// Training reports whether the parameters are watched by an active tape.
func (b *BatchNorm) Training() bool { return b.LogGamma.Tracked() || b.Beta.Tracked() }

// running returns the running statistics as tensors.
func (b *BatchNorm) running() (mean, logSD *tensor.Tensor) {
	ls := make([]float64, b.d)
	for j, v := range b.RunVar {
		ls[j] = 0.5 * math.Log(v+b.Eps)
	}
	return tensor.Vector(append([]float64(nil), b.RunMean...)), tensor.Vector(ls)
}

// Forward returns y = (x − Beta)·exp(−LogGamma)·√(v + ε) + μ with the
// running statistics, and its log|det|.
func (b *BatchNorm) Forward(x *tensor.Tensor) (y, logDet *tensor.Tensor) {
	mean, logSD := b.running()
	ls := tensor.Sub(logSD, b.LogGamma)
	y = tensor.Add(tensor.Mul(tensor.Sub(x, b.Beta), tensor.Exp(ls)), mean)
	return y, tensor.BroadcastTo(tensor.Sum(ls), x.Dim(0))
}

// Inverse returns x = (y − μ)/√(v + ε)·exp(LogGamma) + Beta and its
// log|det|, with batch statistics in training (see BatchNorm).
func (b *BatchNorm) Inverse(y *tensor.Tensor) (x, logDet *tensor.Tensor) {
	var mean, logSD *tensor.Tensor
	if b.Training() && y.Dim(0) > 1 {
		mean = tensor.MeanAxis(y, 0)
		v := tensor.MeanAxis(tensor.Square(tensor.Sub(y, mean)), 0)
		logSD = tensor.Scale(tensor.Log(tensor.AddScalar(v, b.Eps)), 0.5)
		for j := range b.d {
			b.RunMean[j] = (1-b.Momentum)*b.RunMean[j] + b.Momentum*mean.Data()[j]
			b.RunVar[j] = (1-b.Momentum)*b.RunVar[j] + b.Momentum*v.Data()[j]
		}
	} else {
		mean, logSD = b.running()
	}
	ls := tensor.Sub(b.LogGamma, logSD)
	x = tensor.Add(tensor.Mul(tensor.Sub(y, mean), tensor.Exp(ls)), b.Beta)
	return x, tensor.BroadcastTo(tensor.Sum(ls), y.Dim(0))
}

func (b *BatchNorm) mapMoments(mean, sd []float64) bool {
	for j := range mean {
		s := math.Sqrt(b.RunVar[j]+b.Eps) * math.Exp(-b.LogGamma.Data()[j])
		mean[j] = (mean[j]-b.Beta.Data()[j])*s + b.RunMean[j]
		sd[j] *= s
	}
	return true
}
