package scale_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/parser"
	"github.com/flowppl/flowppl/scale"
	"github.com/flowppl/flowppl/stdlib"
)

// conjugate is a small sweep script: the posterior of a normal mean with
// known sd, fitted by a mean-field guide (exact here), summarised.
const conjugate = `n = 20
mu0 = 0
y = sample(Normal(1.5, 1), n)
model m(y) {
    mu ~ Normal(mu0, 2)
    y ~ Normal(mu, 1)
}
q = flow Affine
r = fit q to m(y) by elbo { steps = 200, quiet = true }
result = summary(q, n = 500)
`

// TestSeedOf checks SeedOf against the documented hash, written out here
// (FNV-1a: offset basis 14695981039346656037, prime 1099511628211), and
// that keys and global seeds give different seeds.
func TestSeedOf(t *testing.T) {
	fnv := func(global uint64, key string) uint64 {
		h := uint64(14695981039346656037)
		for i := range 8 {
			h ^= (global >> (8 * i)) & 0xff
			h *= 1099511628211
		}
		for _, c := range []byte(key) {
			h ^= uint64(c)
			h *= 1099511628211
		}
		return h
	}
	seen := map[uint64]string{}
	for _, g := range []uint64{1, 2, 1 << 40} {
		for _, k := range []string{"", "a", "b", "school-7", "é"} {
			s := scale.SeedOf(g, k)
			if want := fnv(g, k); s != want {
				t.Errorf("SeedOf(%d, %q) = %d, want %d", g, k, s, want)
			}
			if prev, dup := seen[s]; dup {
				t.Errorf("SeedOf(%d, %q) = SeedOf of %s", g, k, prev)
			}
			seen[s] = k
		}
	}
}

// TestFitIsFlowpplRun checks that an element's rows are, bit for bit,
// those of the script run as `flowppl run --seed SEED --set ...` runs it
// (a thread seeded with lang.NewRand(seed), the bindings applied by
// interp.ApplySets) followed by write_csv of result.
func TestFitIsFlowpplRun(t *testing.T) {
	cfg := scale.Config{Name: "c.flow", Source: conjugate, Seed: 7}
	e := scale.Element{Key: "k1", Sets: []scale.Binding{{Name: "n", Value: "5"}, {Name: "mu0", Value: "-1"}}}
	rows := scale.Fit(context.Background(), cfg, e)
	if len(rows) != 1 || rows[0].Err != "" {
		t.Fatalf("rows %+v, want one row of result", rows)
	}
	seed := scale.SeedOf(7, "k1")
	file, err := parser.ParseFile("c.flow", conjugate)
	if err != nil {
		t.Fatal(err)
	}
	var sets []interp.Set
	for _, b := range e.Sets {
		s, err := interp.NewSet(b.Name, b.Value)
		if err != nil {
			t.Fatal(err)
		}
		sets = append(sets, s)
	}
	if err := interp.ApplySets(file, sets); err != nil {
		t.Fatal(err)
	}
	th := &lang.Thread{Rand: lang.NewRand(seed), Quiet: true, Stdout: io.Discard}
	globals, err := interp.ExecFile(th, "c.flow", file, nil)
	if err != nil {
		t.Fatal(err)
	}
	header, want, err := stdlib.CSVRows(globals["result"])
	if err != nil {
		t.Fatal(err)
	}
	r := rows[0]
	if r.Key != "k1" || r.Seed != seed || strings.Join(r.Names, ",") != strings.Join(header, ",") {
		t.Fatalf("row %+v, want key k1, seed %d, columns %q", r, seed, header)
	}
	if got := strings.Join(r.Cells, ","); got != strings.Join(want[0], ",") {
		t.Errorf("cells %s, want %s", got, strings.Join(want[0], ","))
	}
	// n = 5 was bound: mean of mu near the posterior mean of 5 draws
	// (the sd of the posterior is about 0.44; 500 draws).
	if r.Names[0] != "name" || r.Cells[0] != "mu" {
		t.Errorf("first row %q %q, want the row of mu", r.Names, r.Cells)
	}
}

// TestFitErrorRows checks that a failing element gives one row naming the
// element and the message (with the script's position), never a panic.
func TestFitErrorRows(t *testing.T) {
	cfg := scale.Config{Name: "c.flow", Source: conjugate, Seed: 1}
	for _, tt := range []struct {
		sets []scale.Binding
		src  string
		want string
	}{
		{[]scale.Binding{{Name: "n", Value: "-3"}}, "", "c.flow:3:5: "},
		{[]scale.Binding{{Name: "n", Value: "(1"}}, "", `--set n: --set n:1:1: "(" is never closed`},
		{[]scale.Binding{{Name: "nn", Value: "1"}}, "", `--set nn: the script has no top-level assignment nn = ... to override (did you mean "n"?)`},
		{nil, "x = 1\n", "the script sets no global result"},
		{nil, "result = record(key = 1)\n", `result has a column "key"`},
		{nil, "result = [1, \"a\"]\n", "c.flow:1:"},
		{nil, "result = print\n", "result: got <builtin print>, a function, want record"},
	} {
		c := cfg
		if tt.src != "" {
			c.Source = tt.src
		}
		rows := scale.Fit(context.Background(), c, scale.Element{Key: "bad", Sets: tt.sets})
		if len(rows) != 1 || rows[0].Key != "bad" || !strings.HasPrefix(rows[0].Err, tt.want) || len(rows[0].Cells) != 0 {
			t.Errorf("%v %q: rows %+v, want one error row starting %q", tt.sets, tt.src, rows, tt.want)
		}
	}
}

// TestReadSettings reads a settings file and checks its errors.
func TestReadSettings(t *testing.T) {
	elems, names, err := scale.ReadSettings("s.csv", strings.NewReader("n,key,lr\n3,a,0.1\n,b,\"[1, 2]\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(names, ",") != "n,lr" || len(elems) != 2 {
		t.Fatalf("names %q, elements %+v", names, elems)
	}
	if e := elems[0]; e.Key != "a" || e.Pos != 0 || len(e.Sets) != 2 || e.Sets[0] != (scale.Binding{Name: "n", Value: "3"}) || e.Sets[1] != (scale.Binding{Name: "lr", Value: "0.1"}) {
		t.Errorf("element 0 = %+v", e)
	}
	if e := elems[1]; e.Key != "b" || e.Pos != 1 || len(e.Sets) != 1 || e.Sets[0] != (scale.Binding{Name: "lr", Value: "[1, 2]"}) {
		t.Errorf("element 1 = %+v (an empty cell binds nothing)", e)
	}
	for _, tt := range []struct{ src, want string }{
		{"", `s.csv: empty file, want a header with a column "key"`},
		{"n,lr\n1,2\n", `s.csv:1: no column "key" (the header is n,lr)`},
		{"key,n\na,1\nb,2\na,3\n", `s.csv:4: key "a" again (first on line 2)`},
		{"key,n\n ,1\n", `s.csv:2: empty key`},
		{"key,n,n\n", `s.csv:1: two columns "n"`},
		{"key,n\na,1,2\n", `s.csv: record on line 2: wrong number of fields`},
	} {
		_, _, err := scale.ReadSettings("s.csv", strings.NewReader(tt.src))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.src, err, tt.want)
		}
	}
}

// TestValidate checks that a misspelt settings column is one error before
// the sweep.
func TestValidate(t *testing.T) {
	cfg := scale.Config{Name: "c.flow", Source: conjugate}
	if err := scale.Validate(cfg, []string{"n", "mu0"}); err != nil {
		t.Errorf("Validate(n, mu0): %v", err)
	}
	err := scale.Validate(cfg, []string{"mu1"})
	if want := `--set mu1: the script has no top-level assignment mu1 = ... to override (did you mean "mu0"?)`; err == nil || err.Error() != want {
		t.Errorf("Validate(mu1): %v, want %s", err, want)
	}
}

// TestFormatCSV checks that the output file does not depend on the order
// of the rows: sorted by element and row, the union of the columns.
func TestFormatCSV(t *testing.T) {
	rows := []scale.Row{
		{Key: "b", Pos: 1, Seed: 9, Index: 1, Names: []string{"name", "mean"}, Cells: []string{"y", "2"}},
		{Key: "c", Pos: 2, Seed: 3, Err: "c.flow:1:1: boom, \"quoted\""},
		{Key: "a", Pos: 0, Seed: 5, Names: []string{"mean", "extra"}, Cells: []string{"0.5", "1"}, Warnings: "w"},
		{Key: "b", Pos: 1, Seed: 9, Index: 0, Names: []string{"name", "mean"}, Cells: []string{"x", "1"}},
	}
	want := "key,seed,mean,extra,name,warnings,error\n" +
		"a,5,0.5,1,,w,\n" +
		"b,9,1,,x,,\n" +
		"b,9,2,,y,,\n" +
		"c,3,,,,,\"c.flow:1:1: boom, \"\"quoted\"\"\"\n"
	for i := range rows {
		rot := append(append([]scale.Row{}, rows[i:]...), rows[:i]...)
		if got := string(scale.FormatCSV(rot)); got != want {
			t.Errorf("rotation %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}
