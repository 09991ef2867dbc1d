// Package lang defines the values of the flowppl language and the
// machinery shared by the interpreter and the standard library: Value and
// its optional interfaces (Callable, HasAttrs, Indexable), the Thread that
// carries a run's context, random source, output streams and file access
// (FS: HostFS, NoFiles, DirFS on an os.Root), builtins with
// UnpackArgs, and EvalError, the runtime error with a position and call
// stack.
//
// Values:
//
//	Number        float64
//	*Array        vector (rank 1) or matrix (rank 2) of float64, over a tensor
//	String, Bool  text and truth values
//	None          nothing
//	*Dist         a probability distribution (Distribution interface)
//	*Flow         a normalizing flow: a distribution with learnable parameters
//	*FlowPlan     a flow without a base yet
//	*Record       named fields (a fit report, a CSV table, samples)
//	*Builtin      a function of the standard library (Callable)
//	*Batch        inside a model: a value per guide draw, over a tensor with a
//	              leading draw axis; Binary, Unary, Index and SetIndex accept any
//	              mix of batches and plain values
//
// A Thread carries the limits of a run (MaxDepth, MaxElements, Memory) and
// checks them with Alloc (before a builtin or operator allocates),
// Track (counting what a script holds) and Cancelled (the context, between
// chunks of long work); see Memory for what the memory limit counts.
//
// Index and SetIndex take numbers, slices and index vectors (a vector of
// integers, such as group labels: alpha[g], m[rows, :], x[idx] = v) as
// subscripts; see Index. SetIndexInPlace and Share let an interpreter fill
// a batch element by element in place while arrays stay values.
//
// The interpreter adds user functions, models and posteriors, which also
// implement Value.
package lang
