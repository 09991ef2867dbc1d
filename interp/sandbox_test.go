package interp_test

import (
	"bytes"
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

// sandboxLayout builds, in a temporary directory, the layout of
// repro/reliability/sandbox/setup_symlinks.sh: sbx/allowed is the
// interpreter's directory, sbx/outside holds the secrets, and links in
// allowed lead out (link.csv, link.json to the secrets; wlink.csv,
// plink.svg, slink.json to files that do not exist yet; linkdir, an
// absolute link, to outside itself). inside.csv is a link that stays
// inside, and sub/ a subdirectory. It returns allowed and outside.
func sandboxLayout(t testing.TB) (allowed, outside string) {
	t.Helper()
	root := t.TempDir()
	allowed = filepath.Join(root, "sbx", "allowed")
	outside = filepath.Join(root, "sbx", "outside")
	for _, d := range []string{filepath.Join(allowed, "sub"), outside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, text := range map[string]string{
		filepath.Join(outside, "secret.csv"):     "a,b\n" + secretMark + ",2\n",
		filepath.Join(outside, "secret.json"):    `{"s": ` + secretMark + "}\n",
		filepath.Join(outside, "secret.svg"):     "<svg>" + secretMark + "</svg>\n",
		filepath.Join(allowed, "data.csv"):       "x,y\n1,2\n3,4\n",
		filepath.Join(allowed, "regression.csv"): "x\n1\n",
	} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{
		"link.csv":   "../outside/secret.csv",
		"link.json":  "../outside/secret.json",
		"link.svg":   "../outside/secret.svg",
		"linkdir":    outside, // absolute, as setup_symlinks.sh makes it
		"reldir":     "../outside",
		"wlink.csv":  "../outside/written.csv",
		"plink.svg":  "../outside/written.svg",
		"slink.json": "../outside/written.json",
		"inside.csv": "data.csv",
	} {
		if err := os.Symlink(target, filepath.Join(allowed, link)); err != nil {
			t.Skipf("symlinks: %v", err)
		}
	}
	return allowed, outside
}

// snapshot returns the names and contents of the files in dir.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = string(b)
	}
	return m
}

// TestSandboxRepro runs each script of repro/reliability/sandbox
// (testdata/sandbox) through interp.New(Options{Dir: allowed}) and checks
// its error against a golden message: every path that leaves the
// directory (.., absolute, a link to a file or a directory outside, in
// positional, keyword, method and rebound calls) is refused, the outside
// directory is neither read (nothing of the secrets printed) nor written
// (its files unchanged, no file created), and no message shows the host's
// directory.
func TestSandboxRepro(t *testing.T) {
	allowed, outside := sandboxLayout(t)
	const escapes = "the path leads outside the interpreter's directory"
	for _, tt := range []struct{ file, want string }{
		{"s01_dotdot.flow", `untrusted.flow:1:5: read_csv: cannot read "../outside/secret.csv": ` + escapes},
		// s02, s14 and s15 meant absolute paths but wrote ./sbx/...: a
		// local path that does not exist in the directory.
		{"s02_abs.flow", `untrusted.flow:1:5: read_csv: cannot read "./sbx/outside/secret.csv": no such file or directory`},
		{"s03_symlink_read.flow", `untrusted.flow:1:5: read_csv: cannot read "link.csv": ` + escapes},
		{"s04_symlink_dir_read.flow", `untrusted.flow:1:5: read_json: cannot read "linkdir/secret.json": ` + escapes},
		{"s05_symlink_write_csv.flow", `untrusted.flow:1:1: write_csv: cannot write "wlink.csv": ` + escapes},
		{"s06_symlink_plot.flow", `untrusted.flow:1:1: plot: cannot write "plink.svg": ` + escapes},
		{"s07_symlink_save.flow", `untrusted.flow:1:32: save: cannot write "slink.json": ` + escapes},
		{"s08_symlink_dir_write.flow", `untrusted.flow:1:1: write_csv: cannot write "linkdir/viadir.csv": ` + escapes},
		{"s09_kwarg_path.flow", `untrusted.flow:1:5: read_csv: cannot read "../outside/secret.csv": ` + escapes},
		{"s10_method_form.flow", `untrusted.flow:1:29: read_csv: cannot read "../outside/secret.csv": ` + escapes},
		{"s11_nul.flow", `untrusted.flow:1:5: read_csv: cannot read "regression.csv\x00../../etc/passwd": invalid argument`},
		{"s12_longpath.flow", `untrusted.flow:1:48: read_csv: cannot read "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"..."aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.csv" (65540 bytes): file name too long`},
		{"s13_plot_kw.flow", `untrusted.flow:1:1: plot: cannot write "../outside/kw.svg": ` + escapes},
		{"s14_save_kw.flow", `untrusted.flow:1:32: save: cannot write "./sbx/outside/kw.json": no such file or directory`},
		{"s15_load_abs.flow", `untrusted.flow:1:5: load: cannot read "./sbx/outside/secret.json": no such file or directory`},
		{"s16_dot_clean.flow", `untrusted.flow:1:5: read_csv: cannot read "sub/../../outside/secret.csv": ` + escapes},
		{"s17_rebind.flow", `untrusted.flow:1:19: read_csv: cannot read "../outside/secret.csv": ` + escapes},
		{"s18_dir_itself.flow", `untrusted.flow:1:5: read_csv: cannot read ".": is a directory`},
		{"s19_backslash.flow", `untrusted.flow:1:5: read_csv: cannot read "..\\outside\\secret.csv": no such file or directory`},
		{"s20_plot_dup_path.flow", `untrusted.flow:1:1: plot: got multiple values for parameter "path"`},
		// s21, s22: a limit that stops a fit is reported at the fit's
		// statement, last or not.
		{"s21_limit_error_no_position.flow", `untrusted.flow:2:1: step limit of 50 reached`},
		{"s22_limit_fit_not_last.flow", `untrusted.flow:2:1: step limit of 50 reached`},
	} {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "sandbox", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, outside)
			var out bytes.Buffer
			in := interp.New(interp.Options{Dir: allowed, MaxSteps: 50, Stdout: &out, Quiet: true})
			err = in.Exec(context.Background(), "untrusted.flow", src)
			if err == nil {
				t.Fatalf("no error; output %q", out.String())
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error\n%s\nwant\n%s", got, tt.want)
			}
			if msg := interp.FormatError(err); strings.Contains(msg, allowed) || strings.Contains(msg, outside) {
				t.Errorf("the message shows the host's directory: %s", msg)
			}
			if strings.Contains(out.String(), secretMark) || strings.Contains(err.Error(), secretMark) {
				t.Errorf("a secret from outside was read: %q, %v", out.String(), err)
			}
			if out.Len() > 0 && !strings.Contains(tt.file, "limit") {
				t.Errorf("the script went on after the refusal: %q", out.String())
			}
			if after := snapshot(t, outside); !maps.Equal(before, after) {
				t.Errorf("the outside directory changed: %v, was %v", after, before)
			}
		})
	}
}

// fileCalls are the calls of every file builtin with path P (a template
// for paths ending .csv, .json or .svg as the builtin needs).
var fileCalls = []struct{ call, ext string }{
	{`read_csv("P")`, ".csv"},
	{`read_csv(path = "P")`, ".csv"},
	{`"P".read_csv()`, ".csv"},
	{`read_json("P")`, ".json"},
	{`write_csv("P", [1, 2])`, ".csv"},
	{`write_csv(x = [1, 2], path = "P")`, ".csv"},
	{`plot(Normal(0, 1), "P", n = 10)`, ".svg"},
	{`save(flow Affine(Normal(0, 1)), "P")`, ".json"},
	{`save(path = "P", q = flow Affine(Normal(0, 1)))`, ".json"},
	{`load("P")`, ".json"},
}

// TestSandboxAllBuiltins tries every file builtin, in positional,
// keyword and method form, on every kind of path that leaves the
// directory; each is refused with ErrOutside (errors.Is through the
// EvalError), the outside directory is unchanged, and the same calls on
// paths inside the directory (a plain file, a file in a subdirectory, a
// link that stays inside) succeed.
func TestSandboxAllBuiltins(t *testing.T) {
	allowed, outside := sandboxLayout(t)
	escaping := func(ext string) []string {
		return []string{
			"../outside/secret" + ext,
			filepath.Join(outside, "secret"+ext), // absolute
			"/etc/passwd" + ext,
			"link" + ext,
			"linkdir/secret" + ext,
			"reldir/secret" + ext,
			"sub/../../outside/secret" + ext,
			"linkdir/new" + ext,
			"../outside/new" + ext,
		}
	}
	before := snapshot(t, outside)
	in := interp.New(interp.Options{Dir: allowed, Quiet: true})
	ctx := context.Background()
	for _, fc := range fileCalls {
		for _, p := range escaping(fc.ext) {
			src := strings.Replace(fc.call, "P", p, 1)
			err := in.Exec(ctx, "f.flow", src)
			if !errors.Is(err, lang.ErrOutside) {
				t.Errorf("%s: %v, want %v", src, err, lang.ErrOutside)
			}
		}
	}
	if after := snapshot(t, outside); !maps.Equal(before, after) {
		t.Errorf("the outside directory changed: %v, was %v", after, before)
	}
	// Inside the directory all of them work: write first, then read.
	for _, p := range []string{"ok", "sub/ok", "sub/../ok2"} {
		for _, src := range []string{
			`write_csv("P.csv", [1, 2])`, `x = read_csv("P.csv")`, `x = "P.csv".read_csv()`,
			`plot(Normal(0, 1), "P.svg", n = 10)`,
			`save(flow Affine(Normal(0, 1)), "P.json")`, `q = load("P.json")`,
		} {
			src = strings.ReplaceAll(src, "P", p)
			if err := in.Exec(ctx, "f.flow", src); err != nil {
				t.Errorf("%s: %v", src, err)
			}
		}
	}
	must(t, in.Exec(ctx, "f.flow", `d = read_csv("inside.csv")`))
	if d, _ := in.Get("d"); d.(map[string]any)["y"].([]float64)[1] != 4 {
		t.Errorf("read through a link inside the directory: %v", d)
	}
	// The script file itself is read through the same file access.
	if err := in.Exec(ctx, "link.csv", nil); !errors.Is(err, lang.ErrOutside) {
		t.Errorf("Exec of a linked script: %v", err)
	}
}

// TestSandboxNoDir checks that an interpreter without Options.Dir refuses
// every file builtin, and reading its script by name, with
// ErrNoFileAccess.
func TestSandboxNoDir(t *testing.T) {
	in := interp.New(interp.Options{Quiet: true})
	ctx := context.Background()
	for _, fc := range fileCalls {
		src := strings.Replace(fc.call, "P", "x"+fc.ext, 1)
		err := in.Exec(ctx, "f.flow", src)
		if !errors.Is(err, lang.ErrNoFileAccess) || !strings.Contains(err.Error(), `cannot `) {
			t.Errorf("%s: %v", src, err)
		}
	}
	if err := in.Exec(ctx, "f.flow", nil); !errors.Is(err, lang.ErrNoFileAccess) {
		t.Errorf("Exec(nil): %v", err)
	}
}

// TestSandboxHostFS checks Options.FS: lang.HostFS{} gives a script the
// process's files, as `flowppl run` has them (paths relative to the
// working directory, absolute paths allowed).
func TestSandboxHostFS(t *testing.T) {
	allowed, outside := sandboxLayout(t)
	in := interp.New(interp.Options{Dir: allowed, FS: lang.HostFS{}, Quiet: true})
	src := `x = read_csv("` + filepath.Join(outside, "secret.csv") + `")`
	must(t, in.Exec(context.Background(), "f.flow", src))
	if x, _ := in.Get("x"); x.(map[string]any)["b"].([]float64)[0] != 2 {
		t.Errorf("x = %v", x)
	}
}

// TestNoDirectFileAccess keeps every file access of the builtins and the
// interpreter on the Thread's FS: no non-test source of packages stdlib
// and interp calls a function of package os that opens, creates,
// removes or lists files. A builtin added later that reads a file with
// os.ReadFile fails here.
func TestNoDirectFileAccess(t *testing.T) {
	banned := map[string]bool{
		"Open": true, "OpenFile": true, "Create": true, "ReadFile": true, "WriteFile": true,
		"ReadDir": true, "Stat": true, "Lstat": true, "Remove": true, "RemoveAll": true,
		"Mkdir": true, "MkdirAll": true, "MkdirTemp": true, "CreateTemp": true, "Rename": true,
		"Symlink": true, "Link": true, "Readlink": true, "Truncate": true, "Chmod": true,
		"Chdir": true, "DirFS": true, "OpenRoot": true, "OpenInRoot": true, "CopyFS": true,
	}
	for _, dir := range []string{".", "../stdlib"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range files {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			osName := ""
			for _, imp := range f.Imports {
				switch imp.Path.Value {
				case `"os"`:
					osName = "os"
					if imp.Name != nil {
						osName = imp.Name.Name
					}
				case `"io/ioutil"`, `"syscall"`, `"golang.org/x/sys/unix"`:
					t.Errorf("%s imports %s", name, imp.Path.Value)
				}
			}
			if osName == "" {
				continue
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == osName && banned[sel.Sel.Name] {
						t.Errorf("%s: os.%s: file access must go through the Thread's FS (lang.Thread.ReadFile, WriteFile)", fset.Position(sel.Pos()), sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}
