package scale

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local" // local paths for WriteCSV
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

func init() {
	register.DoFn3x0[context.Context, Element, func(Row)](&fitFn{})
	register.Emitter1[Row]()
	register.DoFn3x1[context.Context, int, func(*Row) bool, error](&writeFn{})
	register.Iter1[Row]()
}

// fitFn is the DoFn of Sweep: Fit of each element.
type fitFn struct {
	Config Config
}

// elementsDone is the Beam metric of the elements fitted, for the runners'
// consoles.
var elementsDone = beam.NewCounter("flowppl", "elements_done")

// ProcessElement emits the rows of one element.
func (f *fitFn) ProcessElement(ctx context.Context, e Element, emit func(Row)) {
	for _, r := range Fit(ctx, f.Config, e) {
		emit(r)
	}
	elementsDone.Inc(ctx, 1)
}

// Sweep returns the rows (a PCollection of Row) of the fits of the
// elements, each Fit of cfg's script with its bindings. The elements are
// split into shards (element i into shard i mod shards; shards < 1 means
// 1), each a source of its own followed by a reshuffle, so that the runner
// may fit the shards at once (Prism runs each shard as a bundle of its
// own) and spread a shard over its workers. The rows do not depend on the
// shards: WriteCSV orders them by element.
func Sweep(s beam.Scope, cfg Config, elems []Element, shards int) beam.PCollection {
	s = s.Scope("flowppl.Sweep")
	if shards < 1 {
		shards = 1
	}
	if shards > len(elems) {
		shards = max(len(elems), 1)
	}
	parts := make([][]Element, shards)
	for i, e := range elems {
		parts[i%shards] = append(parts[i%shards], e)
	}
	outs := make([]beam.PCollection, shards)
	for i, part := range parts {
		if part == nil {
			part = []Element{}
		}
		col := beam.CreateList(s, part)
		col = beam.Reshuffle(s, col)
		outs[i] = beam.ParDo(s, &fitFn{Config: cfg}, col)
	}
	if len(outs) == 1 {
		return outs[0]
	}
	return beam.Flatten(s, outs...)
}

// WriteCSV writes the rows of a sweep to one CSV file at path (a local
// path, or gs://... with the gcs file system registered): see FormatCSV.
// The file is written by one worker, once all rows are in; a sweep without
// elements writes nothing.
func WriteCSV(s beam.Scope, path string, rows beam.PCollection) {
	s = s.Scope("flowppl.WriteCSV")
	grouped := beam.GroupByKey(s, beam.AddFixedKey(s, rows))
	beam.ParDo0(s, &writeFn{Path: path}, grouped)
}

// writeFn is the DoFn of WriteCSV.
type writeFn struct {
	Path string
}

// ProcessElement writes all rows to the file.
func (f *writeFn) ProcessElement(ctx context.Context, _ int, iter func(*Row) bool) error {
	var rows []Row
	var r Row
	for iter(&r) {
		rows = append(rows, r)
		r = Row{}
	}
	fs, err := filesystem.New(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fs.Close()
	w, err := fs.OpenWrite(ctx, f.Path)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(w, string(FormatCSV(rows))); err != nil {
		w.Close()
		return fmt.Errorf("writing %s: %v", f.Path, err)
	}
	return w.Close()
}
