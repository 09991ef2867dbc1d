package stdlib

import (
	"fmt"
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

// TestDataFiles reads the malformed CSV and JSON files of the reliability
// reproducers (testdata/datafiles: c01–c14, j01–j16): each gives its
// value or an error that names the file, the line (and column) and what
// was expected.
func TestDataFiles(t *testing.T) {
	for _, tt := range []struct {
		file string
		want string // the value read, printed
		err  string // or the error after "fn: path: "
	}{
		{file: "c01_ragged_short.csv", err: "line 3 has 1 field but the header has 2 (a, b)"},
		{file: "c02_ragged_long.csv", err: "line 3 has 3 fields but the header has 2 (a, b)"},
		{file: "c03_nonnumeric.csv", err: `column "a" is not numeric (line 3: "x"); read_csv reads numeric columns only`},
		{file: "c04_empty.csv", err: "the file is empty (a header line is required)"},
		{file: "c05_header_only.csv", want: "{a: [], b: []}"},
		{file: "c06_dup_header.csv", err: `column name "a" appears twice`},
		{file: "c07_unclosed_quote.csv", err: `parse error on line 2, column 6: extraneous or missing " in quoted-field`},
		// 1e400 used to read silently as +Inf.
		{file: "c08_specials.csv", err: `line 2, column "a": 1e400 is beyond the range of float64 numbers (magnitude at most about 1.8e308)`},
		{file: "c08b_range.csv", err: `line 3, column "b": -1e400 is beyond the range of float64 numbers`},
		{file: "c09_utf16.csv", err: "the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark); read_csv reads UTF-8: save it as UTF-8"},
		{file: "c10_semicolon.csv", err: `column "a;b" is not numeric (line 2: "1;2"); read_csv reads numeric columns only (the header has one column: is the file separated by semicolons or tabs?`},
		{file: "c11_crlf.csv", want: "{a: [1, 3], b: [2, 4]}"},
		{file: "c12_blank_line.csv", want: "{a: [1, 3], b: [2, 4]}"},
		{file: "c13_empty_name.csv", err: "column 2 has no name"},
		{file: "c14_no_header.csv", err: "the first line (1,2) holds numbers, not column names; read_csv needs a header line naming the columns"},

		{file: "j01_wrong_type.json", want: `{N: "three", y: [1, 2]}`},
		{file: "j02_ragged.json", err: `line 1, column 18: field "y": has rows of lengths 2 and 1; a matrix needs equal lengths`},
		{file: "j03_mixed.json", err: `line 1, column 11: field "y": holds non-numbers`},
		// A truncated file used to say only "EOF".
		{file: "j04_truncated.json", err: "line 2, column 1: unexpected end of file: the file is truncated or a bracket is not closed"},
		{file: "j05_empty.json", err: "the file is empty (a JSON object is expected)"},
		{file: "j06_toplevel_array.json", want: "[1, 2, 3]"},
		{file: "j07_trailing.json", err: "line 1, column 15: unexpected data after the top-level value"},
		{file: "j08_nan.json", err: "line 1, column 7: invalid character 'N' looking for beginning of value (JSON has no NaN or Infinity; write null for a missing value)"},
		{file: "j09_overflow.json", err: `line 1, column 7: field "y": number 1e999 is beyond the range of float64 numbers`},
		{file: "j10_null_bool.json", want: "{y: none, b: true}"},
		{file: "j11_nested.json", want: "{a: {b: {c: [1]}}}"},
		// Duplicate keys used to keep the last value silently.
		{file: "j12_dupkey.json", err: `line 1, column 10: key "y" appears twice in the same object`},
		{file: "j14_3d.json", err: `line 1, column 9: field "y": is nested more than two deep or holds non-numbers`},
		{file: "j15_empty_arr.json", want: "{y: []}"},
		{file: "j16_empty_row.json", want: "{y: [[]]}"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "datafiles", tt.file)
			fn := "read_csv"
			if strings.HasSuffix(tt.file, ".json") {
				fn = "read_json"
			}
			got, err := call(fn, lang.String(path))
			if tt.err != "" {
				prefix := fn + ": " + path + ": " + tt.err
				if err == nil || !strings.HasPrefix(err.Error(), prefix) {
					t.Errorf("error %v, want %q", err, prefix)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Errorf("= %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

// deepJSON returns objects nested depth deep: {"a":{"a":...1...}}.
func deepJSON(depth int) []byte {
	return []byte(strings.Repeat(`{"a":`, depth) + "1" + strings.Repeat("}", depth))
}

// TestReadJSONDeep: nesting up to maxJSONDepth reads (the reproducer j17,
// 40,000 deep, took 29 s and 1.7 GB: the field path was rebuilt at every
// level; BenchmarkReadJSONDeep shows the time linear in the depth now),
// deeper is a clear error, and an error deep inside names the whole path.
func TestReadJSONDeep(t *testing.T) {
	v, err := parseJSON(deepJSON(maxJSONDepth))
	if err != nil {
		t.Fatalf("depth %d: %v", maxJSONDepth, err)
	}
	for range maxJSONDepth {
		v = v.(*lang.Record).Fields["a"]
	}
	if v != lang.Number(1) {
		t.Errorf("innermost value %v, want 1", v)
	}
	_, err = parseJSON(deepJSON(maxJSONDepth + 1))
	want := fmt.Sprintf("line 1, column %d: objects and arrays are nested more than %d deep", 5*maxJSONDepth+1, maxJSONDepth)
	if err == nil || err.Error() != want {
		t.Errorf("depth %d: error %v, want %q", maxJSONDepth+1, err, want)
	}
	_, err = parseJSON([]byte(`{"a": {"b": {"c": [1, "x"]}}}`))
	if want := `line 1, column 23: field "a.b.c": holds non-numbers`; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want %q", err, want)
	}
}

func BenchmarkReadJSONDeep(b *testing.B) {
	for _, depth := range []int{2500, 5000, 10000} {
		b.Run(fmt.Sprintf("depth=%d", depth), func(b *testing.B) {
			data := deepJSON(depth)
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := parseJSON(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestReadCSVWritesBack: every number write_csv writes reads back exactly,
// infinities included (written Inf), while a cell beyond float64's range
// is an error rather than an infinity.
func TestReadCSVWritesBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	x := vec(math.Inf(1), -2.5, 123456789, 1e-300, 1.7976931348623157e308, 5e-324)
	if _, err := call("write_csv", lang.String(path), x); err != nil {
		t.Fatal(err)
	}
	got, err := call("read_csv", lang.String(path))
	if err != nil {
		t.Fatal(err)
	}
	if g := got.(*lang.Record).Fields["x"].String(); g != x.String() {
		t.Errorf("read back %s, want %s", g, x)
	}
	os.WriteFile(path, []byte("x\n1e309\n"), 0o666)
	if _, err := call("read_csv", lang.String(path)); err == nil || !strings.Contains(err.Error(), "1e309 is beyond the range") {
		t.Errorf("1e309: error %v", err)
	}
}
