package interp_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flowppl/flowppl/interp"
)

// secretMark is in every file outside the sandbox directory; output that
// holds it was read from outside.
const secretMark = "424242.125"

// hugeLiteral matches number literals of 1000 and more (four digits, or an
// exponent of 3 and up): sizes and step counts that large (eye(30000),
// zeros(1e9), steps = 1e12) are the resource findings of issue 14, which
// the interpreter's limits bound; this harness is about the sandbox and
// the errors, and skips them so that one input cannot take the fuzzing
// process's memory.
var hugeLiteral = regexp.MustCompile(`[0-9]{4,}|[0-9.][eE]\+?0*([3-9]|[1-9][0-9])`)

// FuzzSandboxExec runs whole scripts through the sandboxed embedding API,
// interp.New(Options{Dir, Timeout, MaxSteps}), in a directory with links
// that lead out of it (the layout of TestSandboxRepro). It fails when a
// panic escapes Exec, when an error is an internal error or does not read
// fuzz.flow:line:col: msg, when the directory outside changes or the
// script's output holds a secret from it, or when a message shows the
// host's directories. Its seed corpus (testdata/fuzz/FuzzSandboxExec) is
// the examples with their work cut down and the sandbox reproducers; go
// test runs it.
func FuzzSandboxExec(f *testing.F) {
	f.Add(`write_csv("w.csv", [1, 2]); x = read_csv("w.csv"); print(x.x)`)
	f.Add(`q = flow Affine(Normal(0, 1)); save(q, "q.json"); q2 = load("q.json"); plot(q2, "q.svg", n = 10)`)
	f.Add(`d = read_json("d.json"); print(d.N, d.m)`)
	allowed, outside := sandboxLayout(f)
	d := `{"N": 2, "y": [1, 2], "m": [[1, 2], [3, 4]]}`
	if err := os.WriteFile(filepath.Join(allowed, "d.json"), []byte(d), 0o644); err != nil {
		f.Fatal(err)
	}
	if err := os.CopyFS(filepath.Join(allowed, "data"), os.DirFS("../examples/data")); err != nil {
		f.Fatal(err)
	}
	inside, secrets := entries(f, allowed), snapshot(f, outside)
	f.Fuzz(func(t *testing.T, src string) {
		if hugeLiteral.MatchString(src) {
			return
		}
		if log := os.Getenv("FLOWPPL_FUZZ_INFLIGHT"); log != "" {
			// debugging a slow input: the file holds the input running now
			os.WriteFile(log, []byte(src), 0o644)
		}
		var out bytes.Buffer
		in := interp.New(interp.Options{Dir: allowed, Timeout: time.Second, MaxSteps: 20000, Stdout: &out, Quiet: true})
		err := in.Exec(context.Background(), "fuzz.flow", src)
		defer restore(t, allowed, inside)
		if now := snapshot(t, outside); !maps.Equal(now, secrets) {
			t.Fatalf("%q: the directory outside changed: %v", src, now)
		}
		if strings.Contains(out.String(), secretMark) {
			t.Fatalf("%q: printed a secret from outside: %q", src, out.String())
		}
		if err == nil {
			return
		}
		var ie *interp.InternalError
		if errors.As(err, &ie) {
			t.Fatalf("%q: %v\n%s", src, err, ie.Stack)
		}
		msg := interp.FormatError(err)
		if strings.Contains(msg, "internal error") {
			t.Fatalf("%q: %v", src, msg)
		}
		if strings.Contains(msg, allowed) || strings.Contains(msg, outside) || strings.Contains(msg, secretMark) {
			t.Fatalf("%q: the error shows the host's directory or a secret: %s", src, msg)
		}
		checkErrorForm(t, src, err)
	})
}

// entries returns the names in dir.
func entries(tb testing.TB, dir string) map[string]bool {
	es, err := os.ReadDir(dir)
	if err != nil {
		tb.Fatal(err)
	}
	m := map[string]bool{}
	for _, e := range es {
		m[e.Name()] = true
	}
	return m
}

// restore removes what a script created at the top of dir, so that each
// input starts from the same directory.
func restore(t testing.TB, dir string, keep map[string]bool) {
	for name := range entries(t, dir) {
		if !keep[name] {
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
}
