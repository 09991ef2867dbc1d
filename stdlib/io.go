package stdlib

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/lang"
)

func ioBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("read_csv", "read_csv(path): a record of the numeric columns of a CSV file with a header", builtinReadCSV),
		def("write_csv", "write_csv(path, x): write a record, table, matrix (x0, x1, ...) or vector (x) as CSV", builtinWriteCSV),
		def("read_json", "read_json(path): a record of the numbers, vectors and matrices of a JSON object", builtinReadJSON),
	}
}

// parseCSVNumber reads a CSV field; empty, NA and NaN read as nan, inf and
// Inf (signed) as infinities. A number beyond float64's range (1e400) is an
// error (errRange), not an infinity; one below the smallest subnormal reads
// as 0, as it rounds.
func parseCSVNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "NA", "na", "N/A", "NaN", "nan", "NAN":
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return 0, errRange
		}
		return 0, errNotNumber
	}
	return v, nil
}

var (
	errRange     = errors.New("is beyond the range of float64 numbers (magnitude at most about 1.8e308)")
	errNotNumber = errors.New("is not a number")
)

func builtinReadCSV(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	return readFile(th, "read_csv", args, kwargs, func(data []byte) (lang.Value, error) { return parseCSV(th, data) })
}

// readFile implements the builtin fn(path) of a reader: it reads the file
// at path through the thread's file access and converts its contents with
// parse.
func readFile(th *lang.Thread, fn string, args lang.Tuple, kwargs []lang.Kwarg, parse func([]byte) (lang.Value, error)) (lang.Value, error) {
	var path string
	if err := lang.UnpackArgs(fn, args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	data, err := th.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fn, err)
	}
	v, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", fn, path, err)
	}
	return v, nil
}

// parseCSV reads a CSV table with a header line into a record of vectors.
// Errors name the line (and the column) at fault.
// Every csvCheckRows rows it checks the columns read so far against th's
// limits and its context (th may be nil), so that a memory or time limit
// stops a long file.
func parseCSV(th *lang.Thread, data []byte) (*lang.Record, error) {
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, fmt.Errorf("the file is UTF-16 encoded (it starts with a UTF-16 byte-order mark); read_csv reads UTF-8: save it as UTF-8")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	r.FieldsPerRecord = -1 // checked below, with a clearer message
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("the file is empty (a header line is required)")
	}
	if err != nil {
		return nil, err
	}
	names, err := csvHeader(header)
	if err != nil {
		return nil, err
	}
	cols := make([][]float64, len(names))
	for rows := 1; ; rows++ {
		if rows%csvCheckRows == 0 {
			if err := th.Alloc(rows, len(names)); err != nil {
				return nil, err
			}
			if err := th.Cancelled(); err != nil {
				return nil, err
			}
		}
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		line, _ := r.FieldPos(0)
		if len(row) != len(names) {
			return nil, fmt.Errorf("line %d has %d %s but the header has %d (%s)", line, len(row), plural(len(row), "field", "fields"), len(names), strings.Join(names, ", "))
		}
		for j, f := range row {
			v, err := parseCSVNumber(f)
			switch {
			case err == errRange:
				return nil, fmt.Errorf("line %d, column %q: %s %v", line, names[j], f, err)
			case err != nil:
				hint := ""
				if len(names) == 1 && strings.ContainsAny(names[0], ";\t") {
					hint = " (the header has one column: is the file separated by semicolons or tabs? read_csv reads comma-separated files)"
				}
				return nil, fmt.Errorf("column %q is not numeric (line %d: %q); read_csv reads numeric columns only%s", names[j], line, f, hint)
			}
			cols[j] = append(cols[j], v)
		}
	}
	rec := lang.NewRecord()
	for j, n := range names {
		if cols[j] == nil {
			cols[j] = []float64{}
		}
		rec.Set(n, arrayOf(cols[j], len(cols[j])))
	}
	return rec, nil
}

// csvHeader checks the header line of a CSV file and returns its column
// names.
func csvHeader(header []string) ([]string, error) {
	names := make([]string, len(header))
	seen := map[string]bool{}
	numeric := true
	for j, h := range header {
		h = strings.TrimSpace(h)
		switch {
		case h == "":
			return nil, fmt.Errorf("column %d has no name", j+1)
		case !utf8.ValidString(h) || strings.ContainsRune(h, 0):
			return nil, fmt.Errorf("the name of column %d is not UTF-8 text (%q); read_csv reads UTF-8 files", j+1, h)
		case seen[h]:
			return nil, fmt.Errorf("column name %q appears twice", h)
		}
		if _, err := strconv.ParseFloat(h, 64); err != nil {
			numeric = false
		}
		seen[h] = true
		names[j] = h
	}
	if numeric {
		return nil, fmt.Errorf("the first line (%s) holds numbers, not column names; read_csv needs a header line naming the columns", strings.Join(names, ","))
	}
	return names, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// csvCheckRows is how often parseCSV checks its thread's limits.
const csvCheckRows = 4096

// csvColumn is one column to write: numbers, or text (a table's names).
type csvColumn struct {
	name string
	nums []float64
	text []string
}

func (c csvColumn) rows() int {
	if c.text != nil {
		return len(c.text)
	}
	return len(c.nums)
}

// matrixColumns splits an r×c matrix into columns named name(j).
func matrixColumns(a *lang.Array, name func(j int) string) []csvColumn {
	r, c := a.Shape()[0], a.Shape()[1]
	d := a.Data()
	cols := make([]csvColumn, c)
	for j := range cols {
		col := make([]float64, r)
		for i := range col {
			col[i] = d[i*c+j]
		}
		cols[j] = csvColumn{name: name(j), nums: col}
	}
	return cols
}

func builtinWriteCSV(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var path string
	var x lang.Value
	if err := lang.UnpackArgs("write_csv", args, kwargs, "path", &path, "x", &x); err != nil {
		return nil, err
	}
	header, rows, err := CSVRows(x)
	if err != nil {
		return nil, fmt.Errorf("write_csv: %v", err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(header)
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write_csv: %v", err)
	}
	if err := th.WriteFile(path, buf.Bytes()); err != nil {
		return nil, fmt.Errorf("write_csv: %w", err)
	}
	return lang.None, nil
}

// CSVRows returns the rows write_csv writes for x, a header and the
// records below it: a table (its row names, then its columns), a record
// (a column per number or vector field, name[j] per column of a matrix
// field; a record of numbers is one row), a matrix (x0, x1, ...) or a
// vector (x). Numbers are spelled by draws.FormatCSVNumber.
func CSVRows(x lang.Value) (header []string, rows [][]string, err error) {
	var cols []csvColumn
	switch x := x.(type) {
	case *lang.Array:
		if x.IsVector() {
			cols = []csvColumn{{name: "x", nums: x.Data()}}
		} else {
			cols = matrixColumns(x, func(j int) string { return "x" + strconv.Itoa(j) })
		}
	case *Table:
		cols = append(cols, csvColumn{name: x.RowLabel, text: x.Rows})
		for _, c := range x.Cols {
			cols = append(cols, csvColumn{name: c.Name, nums: c.Data})
		}
	case *lang.Record:
		for _, n := range x.Names {
			switch v := x.Fields[n].(type) {
			case lang.Number:
				cols = append(cols, csvColumn{name: n, nums: []float64{float64(v)}})
			case *lang.Array:
				if v.IsVector() {
					cols = append(cols, csvColumn{name: n, nums: v.Data()})
				} else {
					cols = append(cols, matrixColumns(v, func(j int) string { return fmt.Sprintf("%s[%d]", n, j) })...)
				}
			default:
				return nil, nil, fmt.Errorf("field %q is a %s; only numbers, vectors and matrices can be written", n, v.Type())
			}
		}
	default:
		return nil, nil, fmt.Errorf("got %s, want record, table, matrix or vector", lang.Describe(x))
	}
	if len(cols) == 0 {
		return nil, nil, nil
	}
	for _, c := range cols[1:] {
		if c.rows() != cols[0].rows() {
			return nil, nil, fmt.Errorf("column %q has %d rows but %q has %d", c.name, c.rows(), cols[0].name, cols[0].rows())
		}
	}
	header = make([]string, len(cols))
	for j, c := range cols {
		header[j] = c.name
	}
	rows = make([][]string, cols[0].rows())
	for i := range rows {
		rec := make([]string, len(cols))
		for j, c := range cols {
			if c.text != nil {
				rec[j] = c.text[i]
			} else {
				rec[j] = draws.FormatCSVNumber(c.nums[i])
			}
		}
		rows[i] = rec
	}
	return header, rows, nil
}

func builtinReadJSON(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	return readFile(th, "read_json", args, kwargs, parseJSON)
}

// parseJSON converts a JSON document to a value: objects become records
// (keys in file order), arrays of numbers vectors, arrays of equal-length
// arrays of numbers matrices. Errors name the line and column (and the
// field) at fault. The time and memory are linear in the size of the
// file, whatever its nesting; nesting is limited to maxJSONDepth.
func parseJSON(data []byte) (lang.Value, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("the file is empty (a JSON object is expected)")
	}
	r := &jsonReader{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	r.dec.UseNumber()
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	if _, err := r.token(); err == nil || !strings.Contains(err.Error(), "unexpected end of file") {
		return nil, r.errorf("unexpected data after the top-level value")
	}
	return v, nil
}

// maxJSONDepth bounds the nesting of objects and arrays read_json accepts
// (encoding/json's own limit).
const maxJSONDepth = 10000

// jsonReader reads a JSON document token by token.
type jsonReader struct {
	dec  *json.Decoder
	data []byte
	// keys is the path of the field being read, outermost first; it is
	// joined only for an error message, so reading stays linear in the
	// nesting depth.
	keys  []string
	depth int
	prev  int64 // the offset before the last token read
}

// where names the field being read ("" at the top level).
func (r *jsonReader) where() string { return strings.Join(r.keys, ".") }

// errorf returns an error at the start of the last token read.
func (r *jsonReader) errorf(format string, args ...any) error {
	off := r.prev
	for off < int64(len(r.data)) && strings.IndexByte(" \t\r\n:,", r.data[off]) >= 0 {
		off++
	}
	return r.errorAt(off, format, args...)
}

// errorAt returns an error at byte offset off: "line L, column C: msg".
func (r *jsonReader) errorAt(off int64, format string, args ...any) error {
	off = min(max(off, 0), int64(len(r.data)))
	before := r.data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return fmt.Errorf("line %d, column %d: %s", line, col, fmt.Sprintf(format, args...))
}

// token reads the next token, turning the decoder's errors into errors
// with a position: a truncated file reads "unexpected end of file".
func (r *jsonReader) token() (json.Token, error) {
	r.prev = r.dec.InputOffset()
	tok, err := r.dec.Token()
	if err == nil {
		return tok, nil
	}
	var se *json.SyntaxError
	switch {
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil, r.errorAt(int64(len(r.data)), "unexpected end of file: the file is truncated or a bracket is not closed")
	case errors.As(err, &se):
		// The decoder's offsets are not always at the bad byte; a whole
		// scan of the file (only on this error path) gives the position
		// just after it.
		off := se.Offset
		var raw json.RawMessage
		if err := json.Unmarshal(r.data, &raw); errors.As(err, &se) {
			off = se.Offset - 1
		}
		hint := ""
		if off >= 0 && off < int64(len(r.data)) && bytes.IndexByte([]byte("NI"), r.data[off]) >= 0 {
			hint = " (JSON has no NaN or Infinity; write null for a missing value)"
		}
		return nil, r.errorAt(off, "%v%s", se, hint)
	}
	return nil, r.errorf("%v", err)
}

// value reads one value.
func (r *jsonReader) value() (lang.Value, error) {
	tok, err := r.token()
	if err != nil {
		return nil, err
	}
	return r.from(tok)
}

// number converts a number token, which must fit a float64.
func (r *jsonReader) number(n json.Number) (float64, error) {
	v, err := strconv.ParseFloat(string(n), 64)
	if err != nil {
		what := "number"
		if w := r.where(); w != "" {
			what = fmt.Sprintf("field %q: number", w)
		}
		return 0, r.errorf("%s %s is beyond the range of float64 numbers (magnitude at most about 1.8e308)", what, n)
	}
	return v, nil
}

func (r *jsonReader) from(tok json.Token) (lang.Value, error) {
	switch t := tok.(type) {
	case json.Number:
		v, err := r.number(t)
		return lang.Number(v), err
	case string:
		return lang.String(t), nil
	case bool:
		return lang.Bool(t), nil
	case nil:
		return lang.None, nil
	case json.Delim:
		if r.depth++; r.depth > maxJSONDepth {
			return nil, r.errorf("objects and arrays are nested more than %d deep", maxJSONDepth)
		}
		defer func() { r.depth-- }()
		if t == '{' {
			return r.object()
		}
		return r.array()
	}
	return nil, r.errorf("unexpected JSON token %v", tok)
}

// object reads the rest of an object (after '{') as a record.
func (r *jsonReader) object() (lang.Value, error) {
	rec := lang.NewRecord()
	for r.dec.More() {
		k, err := r.token()
		if err != nil {
			return nil, err
		}
		key := k.(string) // the decoder checks that keys are strings
		if _, dup := rec.Fields[key]; dup {
			return nil, r.errorf("key %q appears twice in the same object", key)
		}
		r.keys = append(r.keys, key)
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		r.keys = r.keys[:len(r.keys)-1]
		rec.Set(key, v)
	}
	if _, err := r.token(); err != nil { // '}'
		return nil, err
	}
	return rec, nil
}

// array reads the rest of an array (after '[') as a vector or matrix.
func (r *jsonReader) array() (lang.Value, error) {
	bad := func(what string) error {
		if w := r.where(); w != "" {
			return r.errorf("field %q: %s", w, what)
		}
		return r.errorf("the top-level array %s", what)
	}
	var flat []float64
	rows, cols := 0, -1
	nums := 0
	for r.dec.More() {
		tok, err := r.token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case json.Number:
			x, err := r.number(t)
			if err != nil {
				return nil, err
			}
			flat = append(flat, x)
			nums++
		case json.Delim:
			if t != '[' {
				return nil, bad("holds an object; arrays must hold numbers or arrays of numbers")
			}
			n := 0
			for r.dec.More() {
				tok, err := r.token()
				if err != nil {
					return nil, err
				}
				t, ok := tok.(json.Number)
				if !ok {
					return nil, bad("is nested more than two deep or holds non-numbers; arrays must be vectors or matrices of numbers")
				}
				x, err := r.number(t)
				if err != nil {
					return nil, err
				}
				flat = append(flat, x)
				n++
			}
			if _, err := r.token(); err != nil { // ']'
				return nil, err
			}
			if cols >= 0 && n != cols {
				return nil, bad(fmt.Sprintf("has rows of lengths %d and %d; a matrix needs equal lengths", cols, n))
			}
			cols = n
			rows++
		default:
			return nil, bad("holds non-numbers; arrays must hold numbers or arrays of numbers")
		}
		if nums > 0 && rows > 0 {
			return nil, bad("mixes numbers and arrays")
		}
		if err := lang.CheckSize(len(flat)); err != nil {
			return nil, bad(err.Error())
		}
	}
	if _, err := r.token(); err != nil { // ']'
		return nil, err
	}
	if rows > 0 {
		return lang.NewMatrix(rows, cols, flat), nil
	}
	if flat == nil {
		flat = []float64{}
	}
	return arrayOf(flat, len(flat)), nil
}
