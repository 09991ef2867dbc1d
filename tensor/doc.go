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
//	opt.Step(params)
//
// Tape.Reset reuses the arena, so after the first step a training step does not
// allocate buffers in proportion to the network size. Tensors produced on a tape
// are valid until the next Reset; copy (Clone) what must outlive it.
//
// Shape errors in these functions are programming errors and panic; code that
// handles user input checks shapes first (BroadcastShapes, SameShape).
package tensor
