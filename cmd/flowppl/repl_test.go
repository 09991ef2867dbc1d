package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// tmuxSession drives the real binary in a pseudo-terminal through tmux.
type tmuxSession struct {
	t      *testing.T
	socket string
}

func (s *tmuxSession) tmux(args ...string) string {
	s.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func (s *tmuxSession) send(keys ...string) {
	s.tmux(append([]string{"send-keys", "-t", "t"}, keys...)...)
}

func (s *tmuxSession) screen() string { return s.tmux("capture-pane", "-p", "-t", "t", "-S", "-200") }

// wait polls the screen until re matches, and returns the time it took.
func (s *tmuxSession) wait(re string, timeout time.Duration) time.Duration {
	s.t.Helper()
	rx := regexp.MustCompile(re)
	start := time.Now()
	for time.Since(start) < timeout {
		if rx.MatchString(s.screen()) {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("screen does not match %q after %v:\n%s", re, timeout, s.screen())
	return 0
}

// startTmux starts the binary in a new tmux server: as `flowppl repl`,
// or with plain set as `flowppl` (which is the REPL on a terminal).
func startTmux(t *testing.T, bin, home string, n int, plain bool) *tmuxSession {
	s := &tmuxSession{t: t, socket: fmt.Sprintf("flowppl-test-%d-%d", os.Getpid(), n)}
	cmd := bin + " repl"
	if plain {
		cmd = bin
	}
	s.tmux("new-session", "-d", "-s", "t", "-x", "120", "-y", "50",
		"-e", "HOME="+home, "-e", "XDG_CONFIG_HOME="+filepath.Join(home, "config"),
		cmd+"; sleep 30")
	t.Cleanup(func() { exec.Command("tmux", "-L", s.socket, "kill-server").Run() })
	s.wait(`(?m)^>>> ?$`, 10*time.Second)
	return s
}

// TestTerminalREPL runs the binary in a pseudo-terminal (tmux): multi-line
// input, completion of a bound name, an error with a caret followed by a
// working statement, Ctrl-C during a 100000-step fit, history across two
// sessions.
func TestTerminalREPL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Skip("tmux not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "flowppl")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	home := filepath.Join(dir, "home")

	s := startTmux(t, bin, home, 1, false)
	// multi-line entry: a continuation prompt, then the value
	s.send("xs = [1,", "Enter")
	s.wait(`(?m)^\.\.\. ?$`, 5*time.Second)
	s.send("  2, 3]", "Enter")
	s.send("print(len(xs))", "Enter")
	s.wait(`(?m)^3$`, 5*time.Second)
	// completion of a bound name
	s.send("bandwidth_value = 7", "Enter")
	s.send("print(bandw", "Tab")
	s.wait(`print\(bandwidth_value`, 5*time.Second)
	s.send(")", "Enter")
	s.wait(`(?m)^7$`, 5*time.Second)
	// an error with a caret, then a working statement
	s.send("y = xs + [1, 2]", "Enter")
	s.wait(`(?m)^ +\^$`, 5*time.Second)
	s.send("print(sum(xs) * 10)", "Enter")
	s.wait(`(?m)^60$`, 5*time.Second)
	// Ctrl-C stops a long fit, the session goes on
	s.send("q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])", "Enter")
	s.send("r = fit q to Normal([1, 2], [1, 1]) { steps = 100000, batch = 16, quiet = true }", "Enter")
	time.Sleep(300 * time.Millisecond)
	s.send("C-c")
	if d := s.wait(`fit stopped: .*stopped: cancelled`, 5*time.Second); d > time.Second {
		t.Errorf("Ctrl-C took %v to stop the fit", d)
	}
	s.send("print(r.steps < 100000, len(xs), type(q))", "Enter")
	s.wait(`(?m)^true 3 flow$`, 5*time.Second)
	// Ctrl-C at the prompt clears the line; Ctrl-D leaves
	s.send("garbage", "C-c")
	s.send(":quit", "Enter")

	// history from the first session
	s2 := startTmux(t, bin, home, 2, true)
	s2.send("Up")
	s2.wait(`>>> :quit`, 5*time.Second)
	s2.send("Up")
	s2.wait(`>>> print\(r.steps`, 5*time.Second)
	s2.send("C-c", "C-d")
	if b, err := os.ReadFile(filepath.Join(home, "config", "flowppl", "history")); err != nil || !strings.Contains(string(b), "bandwidth_value = 7") {
		t.Errorf("history file: %v\n%s", err, b)
	}
}
