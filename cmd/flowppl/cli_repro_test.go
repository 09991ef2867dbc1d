package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"
)

// TestMain runs the command itself when FLOWPPL_TEST_MAIN is set, so that
// tests can start it as a process (to send it signals).
func TestMain(m *testing.M) {
	if os.Getenv("FLOWPPL_TEST_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// testdata/cli holds the CLI cases of the reliability report
// (repro/reliability/cli).
func cliCase(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "cli", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestCLIBadBytes: a binary file and a script with a NUL byte are one
// syntax error for run, check and fmt, with a snippet that shows control
// bytes and invalid UTF-8 as "?" (nothing that could drive a terminal).
func TestCLIBadBytes(t *testing.T) {
	files := map[string]string{}
	for _, f := range []string{"garbage.flow", "nul_in_script.flow"} {
		files[f] = cliCase(t, f)
	}
	inTemp(t, files)
	for _, tt := range []struct{ file, want string }{
		{"garbage.flow", "garbage.flow:1:1: unexpected character \"\\xbd\"\n    ??#??\\?D??????????])??B??+???k3\n    ^\n"},
		{"nul_in_script.flow", "nul_in_script.flow:1:6: unexpected character \"\\x00\"\n    x = 1???? y = 2\n         ^\n"},
	} {
		for _, cmd := range []string{"run", "check", "fmt"} {
			code, stdout, stderr := flowppl(t, "", cmd, tt.file)
			if code != exitError || stdout != "" || stderr != tt.want {
				t.Errorf("%s %s: exit %d, stdout %q, stderr\n%q\nwant\n%q", cmd, tt.file, code, stdout, stderr, tt.want)
			}
			if !utf8.ValidString(stderr) {
				t.Errorf("%s %s: stderr is not valid UTF-8", cmd, tt.file)
			}
		}
	}
}

// TestPipedREPL: piped input without a command runs the REPL: it prints
// what the lines print and stops at the first error.
func TestPipedREPL(t *testing.T) {
	for _, tt := range []struct {
		in, out, errw string
		code          int
	}{
		{"print(1+1)\n", "2\n", "", exitOK},
		{"x = [1,\n  2]\nx * 2\n", "[2, 4]\n", "", exitOK},
		{"1 +\n", "", "end of input", exitError},
		{"y = [1, 2, 3] + [1, 2]\nprint(3)\n", "", "<stdin>:1:15:", exitError},
	} {
		code, out, errw := flowppl(t, tt.in)
		if code != tt.code || out != tt.out || !strings.Contains(errw, tt.errw) {
			t.Errorf("%q: status %d, stdout %q, stderr %q; want %d, %q, %q", tt.in, code, out, errw, tt.code, tt.out, tt.errw)
		}
	}
}

// TestCLIPipedREPL: the REPL cases with piped input, which stops at the
// first error (exit status 1) and reports input left unclosed at the end.
func TestCLIPipedREPL(t *testing.T) {
	for _, tt := range []struct{ file, stdout, stderr string }{
		{"repl_commands.txt", "", ":load /nonexistent: no such file or directory\n"},
		{"repl_error_keeps_state.txt", "", "<stdin>:2:1: unknown name \"undefined_thing\"\n    undefined_thing + 1\n    ^\n"},
		{"repl_partial_fit.txt", "", "<stdin>:1:9: unexpected end of input, expected an expression\n    fit q to\n            ^\n"},
		{"repl_unclosed_block.txt", "", "<stdin>:1:9: \"{\" is never closed\n    fn f(a) {\n            ^\n"},
		{"repl_unclosed_paren.txt", "", "<stdin>:1:5: \"(\" is never closed\n    x = (1 +\n        ^\n"},
		{"repl_unclosed_string.txt", "2\n", "<stdin>:3:5: string literal not terminated\n    y = \"unterminated\n        ^\n"},
	} {
		code, stdout, stderr := flowppl(t, cliCase(t, tt.file), "repl", "--quiet")
		if code != exitError || stdout != tt.stdout || stderr != tt.stderr {
			t.Errorf("%s: exit %d\nstdout %q\nstderr %q\nwant   %q\n       %q", tt.file, code, stdout, stderr, tt.stdout, tt.stderr)
		}
	}
	code, _, stderr := flowppl(t, cliCase(t, "repl_garbage.txt"), "repl", "--quiet")
	first, _, _ := strings.Cut(stderr, "\n")
	if code != exitError || first != `<stdin>:1:2: unexpected character "\xbf"` || !utf8.ValidString(stderr) ||
		strings.ContainsFunc(stderr, func(r rune) bool { return r < ' ' && r != '\n' }) || strings.Count(stderr, "\n") != 3 {
		t.Errorf("repl_garbage.txt: exit %d, stderr %q", code, stderr)
	}
}

// TestCLIInterrupt sends SIGINT to `flowppl run` during a long fit, alone
// and in a loop: the run stops with "flowppl: interrupted" and exit status
// 130, and the statements after the fit do not run.
func TestCLIInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, tt := range []struct{ file, ready string }{
		{"sigint_fit.flow", "step"}, // the fit's first progress line
		{"sigint_fit_in_loop.flow", "start"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src := cliCase(t, tt.file)
			if tt.ready == "start" { // printed just before the loop's first fit
				src = strings.Replace(src, "{\n", "{\n  print(\"start\")\n", 1)
			}
			path := filepath.Join(t.TempDir(), tt.file)
			os.WriteFile(path, []byte(src), 0o644)
			cmd := exec.Command(os.Args[0], "run", "--seed", "1", path)
			cmd.Env = append(os.Environ(), "FLOWPPL_TEST_MAIN=1")
			var stdout, stderr bytes.Buffer
			pr, pw, _ := os.Pipe()
			if tt.ready == "start" {
				cmd.Stdout, cmd.Stderr = pw, &stderr
			} else {
				cmd.Stdout, cmd.Stderr = &stdout, pw
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pw.Close()
			// Wait for the run to reach the fit, keeping what it wrote.
			var seen bytes.Buffer
			sc := bufio.NewScanner(pr)
			for sc.Scan() {
				seen.WriteString(sc.Text() + "\n")
				if strings.Contains(sc.Text(), tt.ready) {
					break
				}
			}
			cmd.Process.Signal(syscall.SIGINT)
			rest := make(chan []byte)
			go func() {
				var b bytes.Buffer
				b.ReadFrom(pr)
				rest <- b.Bytes()
			}()
			done := make(chan error)
			go func() { done <- cmd.Wait() }()
			var err error
			select {
			case err = <-done:
			case <-time.After(60 * time.Second): // a safety net, not a measurement
				cmd.Process.Kill()
				t.Fatal("no exit within 60 s of SIGINT")
			}
			seen.Write(<-rest)
			out := stdout.String() + stderr.String() + seen.String()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupt {
				t.Errorf("exit: %v, want status %d; output:\n%s", err, exitInterrupt, out)
			}
			if !strings.Contains(out, "flowppl: interrupted") || strings.Contains(out, "after fit") || strings.Contains(out, "loop finished") {
				t.Errorf("output:\n%s", out)
			}
		})
	}
}
