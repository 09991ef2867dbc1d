package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/flowppl/flowppl/repl"
)

// replCmd runs the interactive loop: with a line editor when stdin is a
// terminal, otherwise reading statements from stdin without prompts (and
// stopping at the first error, exit status 1).
func replCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("repl", stderr)
	seed := fs.Uint64("seed", 1, "seed of the random source")
	quiet := fs.Bool("quiet", false, "no progress lines from fit")
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "flowppl repl: unexpected argument %q (use :load FILE inside, or flowppl run FILE)\n", fs.Arg(0))
		return exitUsage
	}
	r := repl.New(repl.Options{Stdout: stdout, Stderr: stderr, Seed: *seed, Quiet: *quiet})
	if f, ok := stdin.(*os.File); ok && repl.IsTerminal(f) {
		banner := fmt.Sprintf("flowppl %s — :help for help, Ctrl-D to leave", version())
		if err := r.Terminal(banner); err != nil {
			fmt.Fprintln(stderr, "flowppl:", err)
			return exitError
		}
		return exitOK
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err := r.Run(ctx, stdin)
	switch {
	case ctx.Err() != nil:
		return exitInterrupt
	case err != nil:
		return exitError
	}
	return exitOK
}
