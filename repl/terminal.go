package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/chzyer/readline"

	"github.com/flowppl/flowppl/dist"
	"github.com/flowppl/flowppl/flows"
	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/stdlib"
)

// HistoryFile returns the path of the REPL's history:
// os.UserConfigDir()/flowppl/history (XDG_CONFIG_HOME or ~/.config on
// Linux), or "" if there is no config directory.
func HistoryFile() string {
	dir, err := os.UserConfigDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "flowppl", "history")
}

// IsTerminal reports whether f is a terminal.
func IsTerminal(f *os.File) bool { return readline.IsTerminal(int(f.Fd())) }

// Terminal runs the REPL on a terminal with a line editor: history kept
// in HistoryFile, tab completion (Completer), Ctrl-C at the prompt clears
// the line, Ctrl-C while a statement runs cancels that statement only (a
// fit stops and keeps its parameters), Ctrl-D or :quit leaves. banner is
// printed first.
func (r *REPL) Terminal(banner string) error {
	hist := HistoryFile()
	if hist != "" {
		if err := os.MkdirAll(filepath.Dir(hist), 0o755); err != nil {
			hist = ""
		}
	}
	rl, err := readline.NewEx(&readline.Config{
		Prompt:            Prompt,
		HistoryFile:       hist,
		HistoryLimit:      5000,
		AutoComplete:      &Completer{REPL: r},
		InterruptPrompt:   "^C",
		EOFPrompt:         "",
		HistorySearchFold: true,
		Stdout:            r.opts.Stdout,
		Stderr:            r.opts.Stderr,
	})
	if err != nil {
		return err
	}
	defer rl.Close()
	if banner != "" {
		fmt.Fprintln(r.opts.Stdout, banner)
	}

	// Ctrl-C while a statement runs arrives as SIGINT (the terminal is
	// not in raw mode then): it cancels that statement's context.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)

	for {
		rl.SetPrompt(r.Prompt())
		line, err := rl.Readline()
		switch {
		case errors.Is(err, readline.ErrInterrupt):
			r.ClearPending()
			continue
		case errors.Is(err, io.EOF):
			if r.Pending() {
				r.ClearPending()
				continue
			}
			fmt.Fprintln(r.opts.Stdout)
			return nil
		case err != nil:
			return err
		}
		// drop a Ctrl-C that arrived while nothing ran
		select {
		case <-sig:
		default:
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			select {
			case <-sig:
				cancel()
			case <-done:
			}
		}()
		err = r.Feed(ctx, line)
		close(done)
		cancel()
		if err == ErrQuit {
			return nil
		}
	}
}

// Completer completes the word before the cursor: a command after ":" at
// the start of the line; otherwise names bound in the session, builtins,
// distributions, bijectors and keywords.
type Completer struct {
	REPL *REPL
}

var _ readline.AutoCompleter = (*Completer)(nil)

// Do returns the suffixes that complete the word ending at pos, and the
// length of that word.
func (c *Completer) Do(line []rune, pos int) ([][]rune, int) {
	start := pos
	for start > 0 && isWordRune(line[start-1]) {
		start--
	}
	word := string(line[start:pos])
	var cands []string
	if start == 1 && line[0] == ':' {
		word = ":" + word
		start = 0
		cands = commandNames()
	} else if start == 0 && strings.HasPrefix(string(line[:pos]), ":") {
		cands = commandNames()
		word = string(line[:pos])
	} else if start > 1 && line[start-1] == '.' {
		cands = c.fields(line[:start-1])
	} else {
		cands = c.Candidates()
	}
	if word == "" {
		return nil, 0
	}
	var out [][]rune
	seen := map[string]bool{}
	for _, n := range cands {
		if strings.HasPrefix(n, word) && n != word && !seen[n] {
			seen[n] = true
			out = append(out, []rune(n[len(word):]))
		}
	}
	return out, len([]rune(word))
}

// fields returns the completions after "x.": the fields of x when it is
// a record bound in the session, and the builtins (x.f(a) calls f(x, a)).
func (c *Completer) fields(before []rune) []string {
	end := len(before)
	start := end
	for start > 0 && isWordRune(before[start-1]) {
		start--
	}
	var names []string
	if c.REPL != nil && start < end {
		if v, ok := c.REPL.Session().Globals()[string(before[start:end])].(lang.HasAttrs); ok {
			names = append(names, v.AttrNames()...)
		}
	}
	return append(names, stdlib.Names()...)
}

// Candidates returns every name that completion offers, sorted.
func (c *Completer) Candidates() []string {
	var names []string
	if c.REPL != nil {
		names = append(names, c.REPL.Names()...)
	}
	names = append(names, stdlib.Names()...)
	names = append(names, dist.FamilyNames()...)
	names = append(names, flows.Names()...)
	names = append(names, infer.FitOptions.Names()...)
	names = append(names, stdlib.SampleOptionTable.Names()...)
	names = append(names, flows.FlowOptions.Names()...)
	names = append(names, Keywords...)
	sort.Strings(names)
	return slices.Compact(names)
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }
