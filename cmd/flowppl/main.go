// Command flowppl runs and checks flowppl scripts, and is its REPL.
//
//	flowppl                                      the REPL (statements from stdin when it is not a terminal)
//	flowppl repl [--seed N] [--quiet]            the REPL
//	flowppl run FILE.flow [flags]                run a script
//	flowppl check FILE.flow...                   parse and resolve names without running (warnings too)
//	flowppl fmt [-w] [--drop-comments] FILE...   print scripts in canonical layout
//	flowppl help [TOPIC]                         this help, or a builtin's or distribution's
//	flowppl version                              print the version
//
// Flags of run: --seed N, --quiet, --plots DIR (the loss plot of every fit,
// also inside functions and loops, DIR/NAME.svg), --set name=value (repeatable: replaces
// the right-hand side of the script's first top-level assignment to name;
// an error if there is none).
//
// FILE may be "-" for the standard input. Flags may come before or after
// the file. The exit status is 0 on success, 1 on a script error (the
// message on stderr as file:line:col: message, followed by the calls that
// led to it for an error inside a function), 2 on a usage error or a
// script file that cannot be read, and 130 when the run was interrupted
// (Ctrl-C stops a running fit, and the script then stops).
//
// Runs are reproducible: the random source is PCG seeded with (N, 2),
// with N = 1 by default, the same stream as an embedder's zero
// lang.Thread.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/repl"
)

// Version is the version of flowppl (set with -ldflags "-X main.Version=...").
var Version = "0.1.0-dev"

// LanguageVersion is the version of LANGUAGE.md this build implements.
const LanguageVersion = "0"

const usage = `flowppl runs probabilistic programs whose guides are normalizing flows.

Usage:
  flowppl                                      the REPL (reads stdin when it is not a terminal)
  flowppl repl [--seed N] [--quiet]            the REPL (:help inside)
  flowppl run FILE.flow [flags]                run a script (FILE "-" reads stdin)
  flowppl check FILE.flow...                   parse and resolve names without running (warnings too)
  flowppl fmt [-w] [--drop-comments] FILE...   print scripts in canonical layout
  flowppl help [TOPIC]                         this help, or a builtin or distribution
  flowppl version                              print the version

Flags of run:
  --seed N          seed of the random source (default 1: runs are reproducible)
  --quiet           no progress lines from fit
  --plots DIR       write the loss plot of every fit to DIR/NAME.svg
  --set name=value  replace the right-hand side of the script's first top-level
                    assignment to name (repeatable; for sweeps)

Exit status: 0 success, 1 script error, 2 usage error or unreadable file,
130 interrupted.

The language reference is docs/language.md in flowppl's repository.
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// exit statuses
const (
	exitOK        = 0
	exitError     = 1
	exitUsage     = 2
	exitInterrupt = 130
)

var commands = []string{"run", "repl", "check", "fmt", "version", "help"}

// run is the command line without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return replCmd(nil, stdin, stdout, stderr)
	}
	switch cmd := args[0]; cmd {
	case "repl":
		return replCmd(args[1:], stdin, stdout, stderr)
	case "run":
		return runCmd(args[1:], stdin, stdout, stderr)
	case "check":
		return checkCmd(args[1:], stdin, stdout, stderr)
	case "fmt":
		return fmtCmd(args[1:], stdin, stdout, stderr)
	case "version", "--version", "-version":
		fmt.Fprintf(stdout, "flowppl %s (language %s, %s %s/%s)\n", version(), LanguageVersion, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			if err := repl.Help(stdout, strings.Join(args[1:], " ")); err != nil {
				fmt.Fprintf(stderr, "flowppl help: %v\n", err)
				return exitUsage
			}
			return exitOK
		}
		fmt.Fprint(stdout, usage)
		return exitOK
	default:
		fmt.Fprintf(stderr, "flowppl: unknown command %q%s\nrun 'flowppl help' for usage\n", cmd, spell.Hint(cmd, commands))
		return exitUsage
	}
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return Version
}

// parseArgs parses flags that may come before or after the file
// arguments; it wants exactly one file unless many is set. For -h it
// prints the usage and returns no files and ok.
func parseArgs(fs *flag.FlagSet, args []string, many bool, stderr io.Writer) ([]string, bool) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, true // usage printed; nothing to run
			}
			return nil, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
	switch {
	case len(files) == 0:
		fmt.Fprintf(stderr, "flowppl %s: missing FILE\nusage: %s\n", fs.Name(), fsUsage(fs.Name()))
		return nil, false
	case len(files) > 1 && !many:
		fmt.Fprintf(stderr, "flowppl %s: too many arguments: %s\nusage: %s\n", fs.Name(), strings.Join(files[1:], " "), fsUsage(fs.Name()))
		return nil, false
	}
	return files, true
}

func fsUsage(cmd string) string {
	switch cmd {
	case "run":
		return "flowppl run FILE.flow [--seed N] [--quiet] [--plots DIR] [--set name=value]..."
	case "fmt":
		return "flowppl fmt [-w] [--drop-comments] FILE.flow..."
	}
	return "flowppl " + cmd + " FILE.flow..."
}

func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n", fsUsage(name))
		fs.PrintDefaults()
	}
	return fs
}

// readScript reads the script (stdin for "-") and returns it with the name
// its errors are reported under ("<stdin>" for "-").
func readScript(name string, stdin io.Reader, stderr io.Writer) (filename string, src []byte, ok bool) {
	var err error
	filename = name
	if name == "-" {
		filename = "<stdin>"
		src, err = io.ReadAll(stdin)
	} else {
		src, err = os.ReadFile(name)
	}
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		fmt.Fprintf(stderr, "flowppl: cannot read %s: %v\n", name, err)
		return "", nil, false
	}
	return filename, src, true
}

// progressFor is the progress of fits writing to stderr: a progress bar
// when stderr is a terminal, plain lines otherwise (a variable for tests).
var progressFor = repl.ProgressFor

func runCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run", stderr)
	seed := fs.Uint64("seed", lang.DefaultSeed, "seed of the random source")
	quiet := fs.Bool("quiet", false, "no progress lines from fit")
	plots := fs.String("plots", "", "write the loss plot of every fit to `DIR`/NAME.svg")
	var sets setFlags
	fs.Var(&sets, "set", "replace the right-hand side of the first top-level assignment to `name=value`")
	files, ok := parseArgs(fs, args, false, stderr)
	if !ok {
		return exitUsage
	}
	if files == nil { // -h
		return exitOK
	}
	filename, src, ok := readScript(files[0], stdin, stderr)
	if !ok {
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // a second Ctrl-C kills the process
	}()

	th := &lang.Thread{
		Name:    "main",
		Context: ctx,
		Rand:    lang.NewRand(*seed),
		Stdout:  stdout,
		Stderr:  stderr,
		Quiet:   *quiet,
	}
	if !*quiet {
		th.Progress = progressFor(stderr)
	}
	var err error
	file, err := parser.ParseFileContext(ctx, filename, string(src))
	if err == nil {
		err = interp.ApplySets(file, sets)
	}
	if err == nil && *plots != "" {
		err = plotFits(th, *plots)
	}
	if err == nil {
		_, err = interp.NewSession(nil).Exec(th, file)
	}
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "flowppl: interrupted")
		return exitInterrupt
	}
	fmt.Fprintln(stderr, interp.FormatErrorSource(err, sourceOf(filename, src)))
	return exitError
}

// sourceOf returns an interp.Source that knows one script, for the caret
// under an error.
func sourceOf(filename string, src []byte) interp.Source {
	return func(file string) (string, bool) {
		return string(src), file == filename
	}
}

func checkCmd(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", stderr)
	files, ok := parseArgs(fs, args, true, stderr)
	if !ok {
		return exitUsage
	}
	code := exitOK // also for -h, with no files
	for _, file := range files {
		filename, src, ok := readScript(file, stdin, stderr)
		if !ok {
			return exitUsage
		}
		if err := interp.Check(filename, src, nil); err != nil {
			fmt.Fprintln(stderr, interp.FormatErrorSource(err, sourceOf(filename, src)))
			code = exitError
			continue
		}
		if file, err := parser.ParseFile(filename, string(src)); err == nil {
			for _, w := range interp.Warnings(file) {
				fmt.Fprintln(stderr, w)
			}
		}
	}
	return code
}
