package scale

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang/ast"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/stdlib"
)

// Element is one fit: a key (unique in a sweep; it names the element's
// rows and, with the global seed, gives its seed) and the bindings of the
// script's top-level names.
type Element struct {
	Key string
	// Pos orders the output: the element's row in the settings file.
	Pos int
	// Sets are the bindings, applied in order as `--set Name=Value`.
	Sets []Binding
}

// Binding is one `--set Name=Value`: Value is an expression (a number,
// "a string", [1, 2], read_csv("x.csv")).
type Binding struct {
	Name, Value string
}

// Row is one output row of an element: Names and Cells are the columns of
// one row of its `result` (numbers spelled as write_csv spells them), or
// Err says why the element failed (then Names and Cells are empty).
type Row struct {
	Key   string
	Pos   int
	Seed  uint64
	Index int // the row's number in the element's result, from 0
	Names []string
	Cells []string
	// Warnings are the warnings of the run (a fit that did not converge,
	// a Pareto k over 0.7), "; "-separated, each with its position.
	Warnings string
	Err      string
}

// Config is the script every element runs and how.
type Config struct {
	// Name is the script's file name, as errors show it.
	Name string
	// Source is the script's text (shipped to the workers with the
	// transform, so that they need no access to the file).
	Source string
	// Dir is the directory the script's file builtins may use (its data
	// files): interp.Options.Dir. Empty means no file access. On a cluster
	// it must exist on every worker.
	Dir string
	// Seed is the global seed; each element runs with SeedOf(Seed, key).
	Seed uint64
	// Timeout limits the running time of one element (0: none); an
	// element that passes it gives an error row.
	Timeout time.Duration
}

// ResultName is the global whose value an element's rows are.
const ResultName = "result"

// reserved are the output columns of every row; a result column may not
// have these names.
var reserved = []string{"key", "seed", "warnings", "error"}

// SeedOf returns the seed of the element with the given key in a sweep
// with the given global seed: the 64-bit FNV-1a hash of the global seed's
// 8 bytes (little-endian) followed by the key's bytes, or 1 if that hash
// is 0. `flowppl run --seed SeedOf(g, key)` draws the same numbers as the
// element.
func SeedOf(global uint64, key string) uint64 {
	h := fnv.New64a()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], global)
	h.Write(b[:])
	h.Write([]byte(key))
	if s := h.Sum64(); s != 0 {
		return s
	}
	return 1
}

// done counts the elements this process has fitted (see Done).
var done atomic.Int64

// Done returns the number of elements Fit has finished in this process:
// with the in-process Prism runner, the progress of a sweep.
func Done() int64 { return done.Load() }

// Fit runs the script for one element and returns its rows: one per row
// of the script's global `result`, or one error row. It never panics and
// the error of an element is its error row, never an error of Fit.
func Fit(ctx context.Context, cfg Config, e Element) []Row {
	defer done.Add(1)
	seed := SeedOf(cfg.Seed, e.Key)
	var warnings []string
	header, rows, err := run(ctx, cfg, e, seed, func(pos ast.Pos, msg string) {
		warnings = append(warnings, fmt.Sprintf("%v: %s", pos, msg))
	})
	w := strings.Join(warnings, "; ")
	if err != nil {
		return []Row{{Key: e.Key, Pos: e.Pos, Seed: seed, Warnings: w, Err: oneLine(err.Error())}}
	}
	out := make([]Row, len(rows))
	for i, cells := range rows {
		out[i] = Row{Key: e.Key, Pos: e.Pos, Seed: seed, Index: i, Names: header, Cells: cells, Warnings: w}
	}
	return out
}

// run parses the script, applies the element's bindings, runs it and
// returns the rows of its result.
func run(ctx context.Context, cfg Config, e Element, seed uint64, warn func(ast.Pos, string)) (header []string, rows [][]string, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	file, err := parser.ParseFileContext(ctx, cfg.Name, cfg.Source)
	if err != nil {
		return nil, nil, err
	}
	sets := make([]interp.Set, 0, len(e.Sets))
	for _, b := range e.Sets {
		s, err := interp.NewSet(b.Name, b.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("--set %v", err)
		}
		sets = append(sets, s)
	}
	if err := interp.ApplySets(file, sets); err != nil {
		return nil, nil, err
	}
	in := interp.New(interp.Options{Dir: cfg.Dir, Seed: seed, Timeout: cfg.Timeout, Quiet: true, Warn: warn})
	if err := in.Exec(ctx, cfg.Name, file); err != nil {
		return nil, nil, err
	}
	v, err := in.Value(ResultName)
	if err != nil {
		return nil, nil, fmt.Errorf("the script sets no global %s (the value whose rows are the element's output: a table such as summary(q), or a record)", ResultName)
	}
	header, rows, err = stdlib.CSVRows(v)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", ResultName, err)
	}
	for _, n := range header {
		for _, r := range reserved {
			if n == r {
				return nil, nil, fmt.Errorf("%s has a column %q, a name the output gives its own column (rename it)", ResultName, n)
			}
		}
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s has no rows", ResultName)
	}
	return header, rows, nil
}

// oneLine joins the lines of a message (one error per line of an
// ast.ErrorList) with "; ", for a CSV cell.
func oneLine(s string) string {
	return strings.Join(strings.Split(strings.TrimSpace(s), "\n"), "; ")
}

// Validate checks, before a sweep, that the script parses and that it
// assigns every name of the settings at its top level: a misspelt column
// is one error, not an error row per element.
func Validate(cfg Config, names []string) error {
	file, err := parser.ParseFile(cfg.Name, cfg.Source)
	if err != nil {
		return err
	}
	sets := make([]interp.Set, len(names))
	for i, n := range names {
		s, err := interp.NewSet(n, "0")
		if err != nil {
			return fmt.Errorf("settings column %q: %v", n, err)
		}
		sets[i] = s
	}
	if err := interp.ApplySets(file, sets); err != nil {
		return err
	}
	return interp.Check(cfg.Name, file, nil)
}
