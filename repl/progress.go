package repl

import (
	"io"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/internal/progress"
)

// ProgressFor returns the lang.Thread.Progress for fits writing their
// progress to w: a progress bar for each fit when w is a terminal, nil
// (plain progress lines every `every` steps) otherwise.
func ProgressFor(w io.Writer) func() infer.ProgressReporter {
	if !progress.IsTerminal(w) {
		return nil
	}
	return func() infer.ProgressReporter { return infer.DisplayReporter(progress.NewBar(w)) }
}
