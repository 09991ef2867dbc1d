package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// flowppl runs the command line in-process in dir and returns its exit
// status, stdout and stderr.
func flowppl(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	if s := stderr.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine") {
		t.Errorf("flowppl %v: stderr mentions a panic:\n%s", args, s)
	}
	return code, stdout.String(), stderr.String()
}

// inTemp makes a fresh temporary directory the working directory and
// writes the files into it.
func inTemp(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	t.Chdir(dir)
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A tiny flow and target for fits that must be quick.
const tiny = "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [4])\n" +
	"t = Normal([1, 2], [1, 1])\n"

// TestBadPrograms checks the exact message (file:line:col: msg) and exit
// status of scripts that fail, by parse, resolve or run.
func TestBadPrograms(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		want      string // the whole of stderr, without the final newline
	}{
		{"unclosed bracket", "x = [1, 2\ny = 3\n",
			`bad.flow:1:5: "[" is never closed`},
		{"unclosed paren", "print(sum([1, 2])\n",
			`bad.flow:1:6: "(" is never closed`},
		{"missing to", "r = fit q target\n",
			`bad.flow:1:11: unexpected name "target", expected "to"`},
		{"bad number", "x = 1.2.3\n",
			`bad.flow:1:5: malformed number "1.2.3"`},
		{"keyword as name", "x = 1\nfor = 2\n",
			`bad.flow:2:1: "for" is a keyword and cannot be used as a name`},
		{"unknown name", "x = [1, 2]\ny = smaple(x)\n",
			`bad.flow:2:5: unknown name "smaple" (did you mean "sample"?)`},
		{"unknown distribution", "d = Normall(0, 1)\n",
			`bad.flow:1:5: unknown distribution "Normall" (did you mean "Normal"?)`},
		{"several unknown names", "a = foo\nb = [1].smu()\n",
			"bad.flow:1:5: unknown name \"foo\"\nbad.flow:2:9: unknown function \"smu\" (did you mean \"sum\"?)"},
		{"too few arguments", "d = Normal(0)\n",
			`bad.flow:1:5: Normal takes 2 arguments (loc, scale), got 1`},
		{"wrong argument type", "d = Normal(\"zero\", 1)\n",
			`bad.flow:1:5: Normal: parameter loc must be a number or a vector, got string`},
		{"user function arguments", "fn f(a, b) = a + b\nf(1, 2, 3)\n",
			`bad.flow:2:1: f takes 2 arguments (a, b), got 3`},
		{"shape mismatch", "x = [1, 2] + [1, 2, 3]\n",
			`bad.flow:1:12: shapes [2] and [3] do not match for +`},
		{"bad distribution parameter", "d = Normal(0, -1)\n",
			`bad.flow:1:5: Normal: scale must be positive, got -1`},
		{"bijector outside flow", "q = AffineAutoregressive(Normal(0, 1))\n",
			`bad.flow:1:5: AffineAutoregressive is a bijector, not a value: write flow AffineAutoregressive(base)`},
		{"unknown bijector", "q = flow AffineAutoregresive(Normal([0, 0], [1, 1]))\n",
			`bad.flow:1:10: unknown bijector "AffineAutoregresive" (did you mean "AffineAutoregressive"?)`},
		{"unknown bijector option", "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), bins = 8)\n",
			`bad.flow:1:55: AffineAutoregressive has no option "bins" (options: hidden, layers, activation, permutation, clip_log_scale, precision, context)`},
		{"bad bijector option", "q = flow AffineAutoregressive(Normal([0, 0], [1, 1]), hidden = [0])\n",
			`bad.flow:1:55: hidden must be a list of positive integers, got [0]`},
		{"flow base not a distribution", "q = flow Affine(3)\n",
			`bad.flow:1:17: the base of a flow must be a distribution, got number`},
		{"bad fit option", tiny + "r = fit q to t { steps = 0 }\n",
			`bad.flow:3:18: steps must be a positive integer, got 0`},
		{"unknown fit option", tiny + "r = fit q to t { stpes = 10 }\n",
			`bad.flow:3:18: unknown fit option "stpes" (did you mean "steps"?) (options: steps, batch, lr, optimizer, seed, clip, every, tol, init, quiet, subsample, simulations)`},
		{"fit a distribution", "d = Normal(0, 1)\nr = fit d to Normal(1, 1)\n",
			`bad.flow:2:9: fit trains a flow or a flow plan, got distribution (write q = flow AffineAutoregressive(base) and fit q)`},
		{"fit to a number", tiny + "r = fit q to 3\n",
			`bad.flow:3:14: cannot fit to a number: the target must be a distribution, data (a vector, matrix or table) or a posterior m(data)`},
		{"fit dimensions", tiny + "r = fit q to Normal(0, 1) { steps = 1 }\n",
			`bad.flow:3:5: the guide has dimension 2 but the target has dimension 1`},
		{"reverse KL to data", tiny + "r = fit q to [[1, 2], [3, 4]] by elbo\n",
			`bad.flow:3:34: by elbo needs a target density, and data has none: fit data with by kl (forward KL, maximum likelihood)`},
		{"tilde outside model", "x ~ Normal(0, 1)\n",
			`bad.flow:1:3: ~ is only allowed inside a model`},
		{"return outside function", "return 1\n",
			`bad.flow:1:1: return is only allowed inside a function`},
		{"if 1", "if 1 { print(1) }\n",
			`bad.flow:1:4: if condition must be a bool, got number`},
		{"not 1", "x = not 1\n",
			`bad.flow:1:5: operand of not must be a bool, got number`},
		{"index out of range", "x = [1, 2, 3]\nprint(x[3])\n",
			`bad.flow:2:8: index 3 out of range for vector of length 3`},
		{"non-integer size", "x = zeros(2.5)\n",
			`bad.flow:1:5: zeros: n must be an integer, got 2.5`},
		{"string plus number", "s = \"n = \" + 3\n",
			`bad.flow:1:12: unsupported operand types for +: string and number`},
		{"unknown field", tiny + "r = fit q to t { steps = 2, batch = 8 }\nprint(r.los)\n",
			`bad.flow:4:9: record has no field "los" (did you mean "loss"?)`},
		{"not a function", "x = 3\ny = x(1)\n",
			`bad.flow:2:5: x is a number, not a function`},
		{"used before assigned", "print(y)\ny = 1\n",
			`bad.flow:1:7: y is used before it is assigned`},
		{"error in a function", "fn f(x) {\n    return x + [1, 2, 3]\n}\nfn g(x) = f(x)\ny = g([1, 2])\n",
			"bad.flow:2:14: shapes [2] and [3] do not match for +\n  in f called at bad.flow:4:11\n  in g called at bad.flow:5:5"},
		{"recursion limit", "fn down(n) = down(n + 1)\ndown(0)\n",
			"bad.flow:1:14: call depth limit 1000 reached in down\n  in down called at bad.flow:1:14\n  ... the same call 998 more times\n  in down called at bad.flow:2:1"},
		{"diverging fit", tiny + "r = fit q to t { steps = 50, batch = 16, lr = 1e8 }\n",
			`bad.flow:3:5: fit diverged at step \d+: \w+ is [-+]?\w+ \(last finite loss [-\d.e+]+ at step \d+\); try a smaller lr \(now 1e\+08\) or a gradient clip such as clip = 10`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			inTemp(t, map[string]string{"bad.flow": tt.src})
			code, stdout, stderr := flowppl(t, "", "run", "--quiet", "bad.flow")
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			got := checkSnippets(t, tt.src, strings.TrimSuffix(stderr, "\n"))
			if tt.name == "diverging fit" {
				if !regexp.MustCompile("^" + tt.want + "$").MatchString(got) {
					t.Errorf("stderr:\n%s\nwant (regexp):\n%s", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("stderr:\n%s\nwant:\n%s", got, tt.want)
			}
			if stdout != "" && tt.name != "unknown field" {
				t.Errorf("stdout: %q", stdout)
			}
		})
	}
}

var errorLine = regexp.MustCompile(`^[^ :]+:(\d+):(\d+): `)

// checkSnippets checks that every error message in stderr (a line
// "file:line:col: ...") is followed by the source line it names and a
// caret under its column, and returns stderr without these two lines.
func checkSnippets(t *testing.T, src, stderr string) string {
	t.Helper()
	lines := strings.Split(stderr, "\n")
	var out []string
	for i := 0; i < len(lines); i++ {
		out = append(out, lines[i])
		m := errorLine.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		var n, col int
		fmt.Sscan(m[1], &n)
		fmt.Sscan(m[2], &col)
		srcLine := strings.Split(src, "\n")[n-1]
		want := "    " + srcLine + "\n    " + strings.Repeat(" ", col-1) + "^"
		if i+2 >= len(lines) || lines[i+1]+"\n"+lines[i+2] != want {
			t.Errorf("after %q want the snippet\n%s\ngot\n%s", lines[i], want, strings.Join(lines[i+1:min(i+3, len(lines))], "\n"))
			continue
		}
		i += 2
	}
	return strings.Join(out, "\n")
}

func TestUsage(t *testing.T) {
	inTemp(t, map[string]string{"good.flow": "print(1 + 1)\n", "bad.flow": "print(smaple)\n"})
	for _, tt := range []struct {
		args []string
		code int
		// the start of stdout and stderr
		stdout, stderr string
	}{
		{nil, 0, "", ""}, // the REPL on an empty stdin
		{[]string{"help", "Normal"}, 0, "Normal(loc, scale)\n", ""},
		{[]string{"help", "log_prob"}, 0, "log_prob(d, x)\n", ""},
		{[]string{"help", "Normall"}, 2, "", "flowppl help: no help for \"Normall\" (did you mean \"Normal\"?)\n"},
		{[]string{"run", "good.flow", "--set", "x"}, 2, "", "invalid value \"x\" for flag -set: want name=value"},
		{[]string{"run", "good.flow", "--set", "y=1"}, 1, "", "--set y: the script has no top-level assignment y = ... to override\n"},
		{[]string{"rn", "good.flow"}, 2, "", "flowppl: unknown command \"rn\" (did you mean \"run\"?)"},
		{[]string{"run"}, 2, "", "flowppl run: missing FILE"},
		{[]string{"run", "good.flow", "bad.flow"}, 2, "", "flowppl run: too many arguments: bad.flow"},
		{[]string{"run", "--bogus", "good.flow"}, 2, "", "flag provided but not defined: -bogus"},
		{[]string{"run", "--seed", "x", "good.flow"}, 2, "", "invalid value \"x\" for flag -seed"},
		{[]string{"run", "missing.flow"}, 2, "", "flowppl: cannot read missing.flow: no such file or directory\n"},
		{[]string{"check", "missing.flow"}, 2, "", "flowppl: cannot read missing.flow: no such file or directory\n"},
		{[]string{"check"}, 2, "", "flowppl check: missing FILE"},
		{[]string{"run", "good.flow"}, 0, "2\n", ""},
		{[]string{"run", "good.flow", "--seed", "7", "--quiet"}, 0, "2\n", ""},
		{[]string{"run", "--quiet", "good.flow", "--seed=3"}, 0, "2\n", ""},
		{[]string{"check", "good.flow"}, 0, "", ""},
		{[]string{"check", "bad.flow"}, 1, "", "bad.flow:1:7: unknown name \"smaple\" (did you mean \"sample\"?)\n"},
		{[]string{"check", "good.flow", "bad.flow"}, 1, "", "bad.flow:1:7: unknown name \"smaple\" (did you mean \"sample\"?)\n"},
		{[]string{"check", "good.flow", "good.flow"}, 0, "", ""},
		{[]string{"version"}, 0, "flowppl ", ""},
		{[]string{"help"}, 0, "flowppl runs", ""},
		{[]string{"-h"}, 0, "flowppl runs", ""},
		{[]string{"--help"}, 0, "flowppl runs", ""},
		{[]string{"run", "-h"}, 0, "", "usage: flowppl run FILE.flow [--seed N] [--quiet]"},
		{[]string{"check", "-h"}, 0, "", "usage: flowppl check FILE.flow..."},
	} {
		code, stdout, stderr := flowppl(t, "", tt.args...)
		if code != tt.code || !strings.HasPrefix(stdout, tt.stdout) || !strings.HasPrefix(stderr, tt.stderr) ||
			(tt.stdout == "" && stdout != "") || (tt.stderr == "" && stderr != "") {
			t.Errorf("flowppl %v: exit %d, stdout %q, stderr %q; want exit %d, stdout %q..., stderr %q...",
				tt.args, code, stdout, stderr, tt.code, tt.stdout, tt.stderr)
		}
	}
}

func TestStdin(t *testing.T) {
	code, stdout, stderr := flowppl(t, "print(\"from stdin\")\nx = y\n", "run", "-")
	if code != 1 || stdout != "" || stderr != "<stdin>:2:5: unknown name \"y\"\n    x = y\n        ^\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	code, stdout, _ = flowppl(t, "print(\"from stdin\")\n", "run", "-")
	if code != 0 || stdout != "from stdin\n" {
		t.Errorf("exit %d, stdout %q", code, stdout)
	}
}

// TestSeed checks that runs are reproducible by default and that --seed
// changes the random stream.
func TestSeed(t *testing.T) {
	inTemp(t, map[string]string{"s.flow": "print(sample(Normal(0, 1), 3))\n"})
	_, a, _ := flowppl(t, "", "run", "s.flow")
	_, b, _ := flowppl(t, "", "run", "s.flow", "--seed", "1")
	_, c, _ := flowppl(t, "", "run", "s.flow", "--seed", "2")
	if a == "" || a != b || a == c {
		t.Errorf("default %q, seed 1 %q, seed 2 %q: want default = seed 1 ≠ seed 2", a, b, c)
	}
}

// TestProgress checks that fit progress goes to stderr unless --quiet.
func TestProgress(t *testing.T) {
	inTemp(t, map[string]string{"f.flow": tiny + "r = fit q to t { steps = 4, batch = 8, every = 2 }\nprint(r.steps)\n"})
	code, stdout, stderr := flowppl(t, "", "run", "f.flow")
	if code != 0 || stdout != "4\n" || stderr == "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want progress on stderr", code, stdout, stderr)
	}
	code, stdout, stderr = flowppl(t, "", "run", "--quiet", "f.flow")
	if code != 0 || stdout != "4\n" || stderr != "" {
		t.Errorf("--quiet: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
