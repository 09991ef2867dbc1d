package repl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/flowppl/flowppl/internal/spell"
	"github.com/flowppl/flowppl/parser"
)

// Commands lists the REPL's commands with a line of help each.
var Commands = []struct{ Name, Args, Doc string }{
	{":help", "[topic]", "list builtins, distributions, bijectors and options, or describe one"},
	{":load", "FILE", "run a script into the session"},
	{":vars", "", "list the names bound in the session with their values"},
	{":reset", "", "forget every name bound in the session"},
	{":quit", "", "leave (Ctrl-D does too)"},
}

func commandNames() []string {
	names := make([]string, len(Commands))
	for i, c := range Commands {
		names[i] = c.Name
	}
	return names
}

// command runs a line starting with ":".
func (r *REPL) command(ctx context.Context, line string) error {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	out := r.opts.Stdout
	switch name {
	case ":help", ":h":
		return Help(out, arg)
	case ":load", ":l":
		if arg == "" {
			err := fmt.Errorf(":load needs a file name")
			fmt.Fprintln(r.opts.Stderr, err)
			return err
		}
		src, err := os.ReadFile(arg)
		if err != nil {
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err // the path is in the message already
			}
			err = fmt.Errorf(":load %s: %w", arg, err)
			fmt.Fprintln(r.opts.Stderr, err)
			return err
		}
		if r.files == nil {
			r.files = map[string]string{}
		}
		r.files[arg] = string(src)
		file, err := parser.ParseFile(arg, string(src))
		if err != nil {
			r.report(err)
			return err
		}
		return r.exec(ctx, file)
	case ":vars", ":v":
		g := r.sess.Globals()
		for _, n := range r.Names() {
			s := Compact(g[n])
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[:i] + " ..."
			}
			fmt.Fprintf(out, "%s = %s\n", n, s)
		}
		return nil
	case ":reset":
		r.reset()
		fmt.Fprintln(out, "session reset")
		return nil
	case ":quit", ":q", ":exit":
		return ErrQuit
	}
	err := fmt.Errorf("unknown command %s%s (try :help)", name, spell.Hint(name, commandNames()))
	fmt.Fprintln(r.opts.Stderr, err)
	return err
}
