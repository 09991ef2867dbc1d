// Package tensor provides dense float64 arrays (contiguous, row-major, any rank)
// with NumPy broadcasting and reverse-mode automatic differentiation.
//
// A Tensor is a shape and a flat data slice. Operations are package functions
// (Add, Mul, MatMul, Exp, Sum, ...) that return new tensors. When one of their
// inputs is tracked by a Tape, the operation is recorded on that tape, its
// output is allocated from the tape's arena, and Tape.Backward later
// accumulates gradients into every tracked input. Without a tape nothing is
// recorded and outputs are ordinary heap slices.
//
// Parameters are tensors made with Param: they own a persistent gradient
// buffer. A training step is
//
//	tp.Reset()
//	tp.Watch(params...)
//	loss := f(params...)      // ops record onto tp
//	tp.Backward(loss)         // gradients accumulate into p.Grad()
//	opt.Step(params)          // reads Data and Grad, then ZeroGrad
//
// Only watched tensors receive gradients: a parameter that is not watched
// takes part in the computation as a constant, and its gradient buffer is
// left alone.
//
// Tape.Reset reuses the arena, so after the first step a training step
// allocates only a fixed number of small objects (closures, tensor headers),
// whatever the array sizes. Tensors produced on a tape are valid until the
// next Reset; copy (Clone) what must outlive it. Using such a tensor in an
// operation after the Reset panics.
//
// Reshape, Unsqueeze and Squeeze return views that share data and gradient
// with their base; a view is tracked exactly when its base is, so a view of
// a parameter may be made once, before any Watch. Writing to Data of a
// tensor changes its views too. Every other operation copies, except
// Assign, which writes a part of a tensor its caller owns in place (on the
// tape too), so that a loop filling an array element by element costs
// O(element) per assignment.
//
// In backward passes, elements whose upstream gradient is zero contribute
// nothing, so the NaN or Inf of a branch discarded by Where or Fill (a log
// density outside the support) does not reach the inputs' gradients.
//
// The hot loops have Go assembly kernels on amd64, picked at start-up from
// the CPU's features: float64 matrix products on AVX-512 (6×16 tiles,
// kern6x16) or AVX2/FMA (6×8 tiles, kern6x8) micro-kernels (gemm_simd.go,
// gemm_amd64.s), and on gonum's BLAS on other CPUs and architectures; the
// float32 products of LinearOptions.Float32 on AVX-512 only (gemm32.go;
// float64 elsewhere, see Float32Products); exp, log and log1p over slices,
// sums of squares and the Adam update in AVX-512 or AVX2; and the ReLU
// epilogue of products and its gradient in AVX; each with a scalar Go loop
// as the fallback. The environment variable FLOWPPL_NOSIMD (non-empty)
// selects the portable paths everywhere and FLOWPPL_NOAVX512 keeps the
// AVX2 kernels. Products are split into tasks shared between the caller
// and a fixed pool of worker goroutines (see gemm.go). LinearReLU fuses a
// layer with its activation. A Tape is not safe for concurrent use;
// separate tapes may be used from separate goroutines.
//
// Tracing: Record runs a function of a watched [B, D] input once on a
// private tape and keeps what it recorded as a Trace; Trace.Replay then
// reruns the recorded operations, forward and backward, at another input,
// into the same buffers, without the code that called them (an
// interpreter, say). Each operation is a step whose forward is the code
// the operation itself ran, so a replay is bit for bit the fresh run it
// stands for (value and gradient), or it refuses (false) and the caller
// evaluates without the trace. A recording is not replayable ("poisoned",
// Trace.Why says where) when its outcome might depend on the input in a
// way the steps do not capture: a read of a traced tensor's values (Data,
// Item, At, Clone, String, AllFinite, Rows), an operation without a
// replayable forward yet, an untracked result computed from a Detach of a
// traced tensor, a recorded result no step computes, an error. Code that
// must look at values to choose a path (masking invalid parameters) uses
// Clean, CleanNaN, CleanFinite or Guard (a condition on several tensors):
// each records a guard that re-checks the condition at replay, and only
// the clean outcome is traced. Cholesky of a traced matrix is recomputed
// at replay, where a failure refuses the replay. Untracked tensors the
// function uses are constants of the trace: they must not change while it
// replays. A replay allocates nothing for the common operations, and runs
// under recover: a panic refuses it. Every operation of the package
// replays; an operation recorded the old way, as a backward closure only
// (Tape.record), would poison a recording. FLOWPPL_TRACE_DEBUG (non-empty)
// prints the stack of the event that poisons a recording.
//
// Shape errors in these functions are programming errors and panic; code that
// handles user input checks shapes first (BroadcastShapes, SameShape). Cholesky
// is the exception: it returns an error, since whether a matrix is positive
// definite is known only by trying.
package tensor
