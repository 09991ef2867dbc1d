// Package scale runs many fits of one flowppl script on Apache Beam: a
// sweep over settings, one model per group or customer, or the refits of
// simulation-based calibration. It is a Go module of its own
// (github.com/flowppl/flowppl/scale) so that the core module does not
// carry the Beam SDK.
//
// An Element is a key and --set-style bindings (one row of a settings
// CSV). Fit runs the script for one element in a sandboxed embedded
// interpreter (package interp: the files of Config.Dir only, the element's
// seed, no output) with the bindings applied as `flowppl run --set
// name=value` applies them (interp.ApplySets), and returns the rows of the
// script's global `result` (a table such as summary(q), or a record: one
// row), each with the element's key and seed; or one error row. A failing
// element never fails the pipeline. Sweep is the Beam transform of Fit
// over a PCollection of elements; WriteCSV gathers the rows into one CSV
// file, in the order of the elements, whatever order they ran in.
//
// # Determinism
//
// The seed of an element is SeedOf(global seed, key), a hash of the two
// (FNV-1a), recorded in its rows: `flowppl run --seed SEED --set ...`
// reproduces the element bit for bit, and the output does not depend on
// the runner, the number of workers or the order of the elements.
//
// # Runners
//
// Prism (the default) runs the pipeline in process; Sweep splits the
// elements into shards (one per core by default) that run at once. The
// same pipeline runs on Flink, Spark or Dataflow through their Beam job
// services (see the README's "Many fits" section and cmd/flowppl-scale).
package scale
