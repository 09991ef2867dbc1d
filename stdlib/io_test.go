package stdlib

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/flowppl/flowppl/lang"
)

func docText(t *testing.T) string {
	b, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCSVRoundTrip(t *testing.T) {
	dir := t.TempDir()
	rec := lang.NewRecord()
	rec.Set("y", vec(1, -2.5, 1e-300, math.Inf(1), math.NaN()))
	rec.Set("x", mat(5, 2, 1, 2, 3, 4, 5, 6, 7, 8, 0.1, 1.0/3))
	path := filepath.Join(dir, "t.csv")
	if _, err := call("write_csv", lang.String(path), rec); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	wantFile := "y,x[0],x[1]\n1,1,2\n-2.5,3,4\n1e-300,5,6\nInf,7,8\nNaN,0.1,0.3333333333333333\n"
	if string(b) != wantFile {
		t.Errorf("write_csv wrote\n%s\nwant\n%s", b, wantFile)
	}
	got, err := call("read_csv", lang.String(path))
	if err != nil {
		t.Fatal(err)
	}
	r := got.(*lang.Record)
	if strings.Join(r.Names, " ") != "y x[0] x[1]" {
		t.Errorf("read_csv columns %v", r.Names)
	}
	if !close(values(r.Fields["y"]), []float64{1, -2.5, 1e-300, math.Inf(1), math.NaN()}, 0) ||
		!close(values(r.Fields["x[1]"]), []float64{2, 4, 6, 8, 1.0 / 3}, 0) {
		t.Errorf("read_csv = %v", r)
	}

	// A matrix and a vector.
	for _, tt := range []struct {
		x    lang.Value
		want string
	}{
		{mat(2, 2, 1, 2, 3, 4), "x0,x1\n1,2\n3,4\n"},
		{vec(1, 2), "x\n1\n2\n"},
	} {
		if _, err := call("write_csv", lang.String(path), tt.x); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(path); string(b) != tt.want {
			t.Errorf("write_csv(%v) wrote %q, want %q", tt.x, b, tt.want)
		}
	}
}

// checkRead writes file at path and checks that the builtin fn (read_csv,
// read_json) reads it as want, or fails with "fn: path: " + err when err
// is set.
func checkRead(t *testing.T, fn, path, file, want, wantErr string) {
	t.Helper()
	os.WriteFile(path, []byte(file), 0o666)
	got, err := call(fn, lang.String(path))
	if wantErr != "" {
		if want := fn + ": " + path + ": " + wantErr; err == nil || err.Error() != want {
			t.Errorf("%s(%q): error %v, want %q", fn, file, err, want)
		}
		return
	}
	if err != nil || got.String() != want {
		t.Errorf("%s(%q) = %v, %v; want %v", fn, file, got, err, want)
	}
}

func TestReadCSV(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		file, want, err string
	}{
		{file: "\uFEFFa, b\n1, 2\n3,NA\n\n", want: "{a: [1, 3], b: [2, nan]}"},
		{file: "a\n", want: "{a: []}"},
		{file: "a,b\n1,x\n", err: `column "b" is not numeric (line 2: "x"); read_csv reads numeric columns only`},
		{file: "a,a\n1,2\n", err: `column name "a" appears twice`},
		{file: "", err: "the file is empty (a header line is required)"},
		{file: "a,b\n1\n", err: "line 2 has 1 field but the header has 2 (a, b)"},
	} {
		checkRead(t, "read_csv", filepath.Join(dir, "t.csv"), tt.file, tt.want, tt.err)
	}
	if _, err := call("read_csv", lang.String(filepath.Join(dir, "none.csv"))); err == nil || err.Error() != `read_csv: cannot read "`+filepath.Join(dir, "none.csv")+`": no such file or directory` {
		t.Errorf("read_csv of a missing file: error %v", err)
	}
}

func TestWriteCSVErrors(t *testing.T) {
	path := lang.String(filepath.Join(t.TempDir(), "t.csv"))
	r := lang.NewRecord()
	r.Set("a", vec(1, 2))
	r.Set("b", vec(1))
	s := lang.NewRecord()
	s.Set("name", lang.String("x"))
	for _, tt := range []struct {
		x    lang.Value
		want string
	}{
		{r, `write_csv: column "b" has 1 rows but "a" has 2`},
		{s, `write_csv: field "name" is a string; only numbers, vectors and matrices can be written`},
		{num(1), "write_csv: got number, want record, table, matrix or vector"},
	} {
		if _, err := call("write_csv", path, tt.x); err == nil || err.Error() != tt.want {
			t.Errorf("write_csv(%v): error %v, want %q", tt.x, err, tt.want)
		}
	}
}

func TestReadJSON(t *testing.T) {
	got, err := call("read_json", lang.String(filepath.Join("testdata", "eight_schools.json")))
	if err != nil {
		t.Fatal(err)
	}
	want := "{J: 8, y: [28, 8, -3, 7, -1, 1, 18, 12], sigma: [15, 10, 16, 11, 9, 11, 10, 18]}"
	if got.String() != want {
		t.Errorf("read_json = %v, want %v", got, want)
	}
	dir := t.TempDir()
	for _, tt := range []struct {
		file, want, err string
	}{
		{file: `{"X": [[1, 2], [3, 4], [5, 6]], "e": [], "s": "a", "b": true, "n": null, "r": {"k": 1}}`,
			want: `{X: [[1, 2],
 [3, 4],
 [5, 6]], e: [], s: "a", b: true, n: none, r: {k: 1}}`},
		{file: `[1, 2]`, want: "[1, 2]"},
		{file: `{"X": [[1, 2], [3]]}`, err: `line 1, column 18: field "X": has rows of lengths 2 and 1; a matrix needs equal lengths`},
		{file: `{"X": [1, [3]]}`, err: `line 1, column 13: field "X": mixes numbers and arrays`},
		{file: `{"r": {"X": [[[1]]]}}`, err: `line 1, column 15: field "r.X": is nested more than two deep or holds non-numbers; arrays must be vectors or matrices of numbers`},
		{file: `{"X": ["a"]}`, err: `line 1, column 8: field "X": holds non-numbers; arrays must hold numbers or arrays of numbers`},
		{file: `{"X": 1} 2`, err: "line 1, column 10: unexpected data after the top-level value"},
	} {
		checkRead(t, "read_json", filepath.Join(dir, "t.json"), tt.file, tt.want, tt.err)
	}
}
