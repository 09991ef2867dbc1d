// Package interp runs flowppl scripts: a resolve pass that checks names
// and statement placement before anything runs, and a tree-walking
// evaluator of the statements and expressions of LANGUAGE.md, including
// `flow` expressions and `fit`.
//
// Entry points: ExecFile (parse, resolve, run; returns the globals), Check
// (parse and resolve only), Session (successive scripts over the same
// globals, for a REPL), New (an embedded, sandboxed Interpreter) and
// FormatError (an error as a terminal shows it). ApplySets overrides
// top-level assignments of a parsed script as `flowppl run --set` does;
// every entry point also runs a parsed *ast.File.
//
// # Threads and files
//
// All entry points run a script through Session.Exec on a lang.Thread,
// whose defaults are set in one place, lang.Thread.Init (context, random
// source, output, call depth, file access). ExecFile and Session run on the
// caller's Thread: a zero Thread is a trusted program's, with os.Stdout and
// the process's files (lang.HostFS), as `flowppl run` and the REPL have
// them. New turns its Options into the Thread of each call in one place
// (Interpreter.thread); its zero Options are sandboxed: output discarded,
// no file access (lang.NoFiles), or with Options.Dir the files beneath Dir
// only (lang.DirFS, an os.Root: no absolute path, ".." or link leads out of
// it; only regular files). Every builtin that reads or writes a file, the
// script read by name included, goes through the Thread's FS
// (lang.Thread.ReadFile, WriteFile), never package os, so a builtin added
// later is sandboxed too (TestNoDirectFileAccess checks the sources). File
// errors name the path as the script wrote it, never the host's directory:
// `read_csv: cannot read "../x.csv": the path leads outside the
// interpreter's directory`.
//
// # Scopes
//
// Names resolve lexically. The outermost scope holds the builtins of
// package stdlib and the predeclared names given to ExecFile (which shadow
// builtins); then come the globals of the file (every top-level
// assignment, fn and model anywhere in the file, and for variables at the
// top level); each call of a function or model opens a scope of its
// parameters and locals (names it assigns anywhere in its body), enclosed
// by the scope where the function was defined (closures). Blocks of for
// and if do not open scopes. Assigning to a name binds it in the current
// scope, so a builtin or global can be shadowed by a local. The resolve
// pass reports a name defined in no enclosing scope; reading a name that
// is defined but not yet assigned when it runs is a runtime error.
//
// # Calls
//
// x.f(a) calls f(x, a), unless x has a field f (records: r.loss). Since
// only running can tell whether x has a field f, the resolve pass reports
// a method name that is not in scope only when it is a near miss of a
// function in scope (q.smaple(10)); other unknown ones fail when the call
// runs. User
// functions take positional and keyword arguments; each call counts
// towards the thread's call depth limit (1000 by default): deeper
// recursion is the error `call depth limit 1000 reached in f`.
//
// # Limits
//
// A Thread carries its limits (see lang.Thread): call depth (MaxDepth,
// clamped to lang.MaxDepthLimit), elements per array (MaxElements) and
// the bytes of arrays held (Memory, shared by the threads of one
// Interpreter); its Context carries the time and step limits of an
// Interpreter (Options.Timeout, Options.MaxSteps). Operators and builtins
// call Thread.Alloc before they allocate a result, and the evaluator
// counts each result with Thread.Track; flow checks the parameters its
// options ask for, and fit the memory of one step (batch × the flow's
// widths), before anything is built. Long builtins check the context
// between chunks (Thread.Cancelled), so a time limit stops them. ExecFile
// and Session use what the Thread holds (a zero Thread: depth 1000, 1e9
// elements, no memory limit); New sets a memory limit of 1 GiB unless
// Options.MaxMemory says otherwise.
//
// # Error positions
//
// Every runtime error is a *lang.EvalError whose CallStack holds the user
// calls that led to it. Its position is the token that failed: the
// operator of a binary or unary expression (`a + b` reports a shape
// mismatch at the +), the name of the called function for an error of a
// call (after the dot in x.f(a)), the "[" of an index expression, the
// field name of x.name, the offending element of a list literal, the
// condition of an if, the option name for a bad fit or flow option, and
// the fit or flow keyword for errors of the fit or of building the flow.
//
// # Flows and fits
//
// `flow B(base, opts)` applies bijectors from package flows with fresh
// parameters drawn from the thread's random source; without a base it is a
// plan (*lang.FlowPlan). Inside the first argument of a flow, a call of a
// bijector name is another application, even if the name is also bound
// to a value. `fit Q to T` trains a flow with package infer;
// when Q is a name bound to a plan, fit instantiates the plan over a
// standard normal base of the target's dimension and rebinds the name to
// the new flow in the scope that holds it, so that after `fit g to data`,
// g is the trained flow. The plan value itself is not changed. The result
// of fit is a record: loss, losses, steps, seconds, converged, stopped,
// reason, init (see infer.Report). Progress lines go to the thread's Stderr unless quiet. A fit
// checks the thread's Context every step; a cancelled context stops the
// fit (its report says stopped "cancelled") and the next statement fails
// with "interrupted". In an Interpreter, a limit (Options.Timeout,
// MaxSteps) or a cancelled context that stops a fit fails the top-level
// statement that ran it, at its position, also when it is the last.
// Parsing a long script looks at the same context (parser.ParseFileContext): a limit
// reached while a long script is parsed gives "file:line:col: parsing
// stopped: time limit of 1s reached", wrapping context.DeadlineExceeded.
//
// # Models
//
// Calling a model, m(data), binds the data and runs the body once (the
// prototype, as Pyro's prototype trace): each `name ~ D` on a name that is
// not bound to data declares a latent variable of D's shape and support,
// in declaration order; the result is a *Posterior. Later runs evaluate
// its log density for a whole batch of guide draws at once: every value
// that depends on a latent is a *lang.Batch whose tensor has a leading
// draw axis, the body runs once per batch, and the log density is
// differentiable in the unconstrained draws through the tape
// (Posterior.LogDensity). Latents are mapped from the unconstrained space
// by the transforms of package dist, with the log-Jacobian added; the
// bounds of a Uniform may be batches computed from other latents. A
// latent may be a matrix (L ~ LKJCholesky(3, 2): a [B, K, K] batch,
// flattened by rows in samples and named L[i, j] in summaries). The
// model-only builtins factor, Ordered, Flat and HalfFlat are bound in a
// scope between the model's definition scope and its locals; Ordered
// wraps Flat(n), HalfFlat(n) or any continuous family over vectors with
// real, positive or interval support (dist.OrderedTransformFor).
//
// A ~ that observes data one element at a time in a loop,
// `for i in range(n) { y[i] ~ Normal(a + b * x[i], sigma) }`, is scored
// as the vectorised `y ~ Normal(a + b * x, sigma)` is: each run collects
// the observations of each such ~ (data, and distribution parameters that
// are one number per draw) and scores them at its end under one
// distribution of the family (model_batch.go), so the tape holds one
// log density instead of one per element. Support and shape errors are
// still reported when the ~ runs.
//
// The values of a body's constant expressions, those that read no latent
// or local and call only pure builtins (priors such as
// Normal(zeros(J), 1), a loop's range(N)), are kept by the posterior and
// reused by later runs while the names they read keep their values
// (model_const.go). A posterior's Fork (infer.Forker, infer.BatchForker)
// runs the body on a thread of its own, so that NUTS evaluates batches
// of chains on several cores (model_fork.go).
//
// Errors of a model run point at the ~ (or the statement) in the body,
// with the call or fit that ran it in the backtrace: a second ~ on a
// latent (pointing at the first), observed data outside the likelihood's
// support (naming the element), data of the wrong shape (naming both
// shapes), a discrete latent, a latent set that changes between runs
// (naming the latent), and a condition that is true for some draws and
// false for others.
//
// With `subsample = m` (subsample.go), a posterior fit first checks that
// the model's log density is a sum over the rows of its data arguments
// (each statement's term, on a random split of the rows, either adds up or
// does not depend on the rows; anything else is an error at the fit naming
// the statement), then runs each step on m rows with the row terms scaled
// by N/m and a control variate anchored at the guide's mean; on all rows
// the log density of many draws is evaluated in chunks of rows.
//
// `fit q to m(data) by elbo` (or kl, reverse_kl) fits with
// infer.FitPosterior; a plan is instantiated over a standard normal base
// of the unconstrained dimension with its first AffineAutoregressive
// layer in declaration order (later layers keep random orders) and, for
// AffineAutoregressive layers that do not give `hidden`, conditioner
// widths sized to the posterior (PosteriorHidden: [128, 128] up to 16
// coordinates, 8 per coordinate beyond, at most 256), and the name q is
// rebound to a *Guide: the flow with the posterior's layout.
// sample, summary, mean and sd of a guide report the latents in the
// constrained space and the derived quantities (top-level assignments of
// the body whose value depends on latents, except names starting with _),
// with the model's names. The report adds elbo, pareto_k, dropped and
// warnings. The builtin elbo(q, target, n) is defined here (Builtins).
//
// # Exact draws
//
// A *Posterior and a *Guide are stdlib.MethodSamplers (draws.go):
// sample(m(data), n, method = "nuts", ...) runs infer.NUTS on the
// unconstrained space, or infer.NeuTraNUTS in a fitted guide's base space
// with guide = q; sample(q, n, method = "psis") runs infer.PSISResample
// against the guide's own posterior, and method = "guide" returns the
// guide's draws. Each returns a *stdlib.Draws: the draws mapped through
// the model (constrained latents and derived quantities, by one collect
// run per chain), with lp__, NUTS's sampler statistics and settings, for
// summary(d) and write_draws. The sampler's seed is the option's or the
// next number of the thread's random source; the thread's context cancels
// NUTS; its progress goes to the thread's Progress display or to Stderr;
// its warnings (divergences, tree depth, PSIS's rule) are reported at the
// call (lang.Thread.CallPos).
//
// # Simulation
//
// The builtin simulate (simulate.go) runs a model body generatively:
// simulate(m(data), n) draws each latent from its prior and each value a ~
// observes from the likelihood, binding the draws in the model's scope in
// place of the data (a y[i] ~ in a loop writes element i); simulate(q,
// m(data), n) takes the latents from a fitted guide's draws (a posterior
// predictive). The run is vectorised over a batch of draws, in chunks as
// collect's, and returns a record of the latents, the derived quantities
// and the simulated data. Posterior.Simulate is the same for Go programs:
// a *Simulation whose Z ([n, D], the guide's unconstrained coordinates)
// and Matrix(Data) pair up row by row. When m(data) is written in
// simulate's call, it is not prepared (evaluator.evalArg) and simulate's
// own prototype draws from the priors, so discrete latents are drawn too.
// A latent with an improper prior (Flat, HalfFlat) or a factor statement
// is an error at its line.
//
// # Warnings
//
// Some mistakes give answers without an error. Warnings (warn.go) name
// them: before a script runs, each model parameter that the body never
// uses (`model m(x, y)` whose body never mentions x; names starting with
// _ are exempt), printed once; after a posterior fit, a posterior that
// looks improper (the guide's scale or location kept growing by orders of
// magnitude while the ELBO kept rising: a flat prior the likelihood does
// not inform), more than 1% of the draws dropped for a non-finite log
// density (Posterior.ExplainDropped names the ~ line and the parameter out
// of its domain, e.g. a probability computed without sigmoid), and a
// Pareto k̂ above 0.7. They go through lang.Thread.Warning: to the
// thread's Warn hook, or as "file:line:col: warning: msg" on Stderr unless
// the thread or the fit is quiet. A posterior fit's report has them all,
// its model's static ones included, in the string field warnings, one a
// line ("" when there are none), whether or not they were printed.
package interp
