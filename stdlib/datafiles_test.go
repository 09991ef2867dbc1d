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
