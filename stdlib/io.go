package stdlib

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

func ioBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("read_csv", "read_csv(path): a record of the numeric columns of a CSV file with a header", builtinReadCSV),
		def("write_csv", "write_csv(path, x): write a record, table, matrix (x0, x1, ...) or vector (x) as CSV", builtinWriteCSV),
		def("read_json", "read_json(path): a record of the numbers, vectors and matrices of a JSON object", builtinReadJSON),
	}
}

// parseCSVNumber reads a CSV field; empty, NA and NaN read as nan.
func parseCSVNumber(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "NA", "na", "N/A", "NaN", "nan", "NAN":
		return math.NaN(), true
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return v, true // ±inf or 0 on overflow and underflow
		}
		return 0, false
	}
	return v, true
}

// formatCSVNumber writes v so that R, pandas and read_csv read it back
// exactly.
func formatCSVNumber(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return tensor.FormatNumber(v)
}

func builtinReadCSV(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	return readFile("read_csv", args, kwargs, func(data []byte) (lang.Value, error) { return parseCSV(th, data) })
}

// readFile implements the builtin fn(path) of a reader: it reads the file
// at path and converts its contents with parse.
func readFile(fn string, args lang.Tuple, kwargs []lang.Kwarg, parse func([]byte) (lang.Value, error)) (lang.Value, error) {
	var path string
	if err := lang.UnpackArgs(fn, args, kwargs, "path", &path); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", fn, err)
	}
	v, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", fn, path, err)
	}
	return v, nil
}

// parseCSV reads a CSV table with a header line into a record of vectors.
// Every csvCheckRows rows it checks the columns read so far against th's
// limits and its context (th may be nil), so that a memory or time limit
// stops a long file.
func parseCSV(th *lang.Thread, data []byte) (*lang.Record, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	r := csv.NewReader(bytes.NewReader(data))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("the file is empty (a header line is required)")
	}
	if err != nil {
		return nil, err
	}
	names := make([]string, len(header))
	seen := map[string]bool{}
	for j, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("column %d has no name", j+1)
		}
		if seen[h] {
			return nil, fmt.Errorf("column name %q appears twice", h)
		}
		seen[h] = true
		names[j] = h
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
		for j, f := range row {
			v, ok := parseCSVNumber(f)
			if !ok {
				return nil, fmt.Errorf("column %q is not numeric (line %d: %q); read_csv reads numeric columns only", names[j], line, f)
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
				return nil, fmt.Errorf("write_csv: field %q is a %s; only numbers, vectors and matrices can be written", n, v.Type())
			}
		}
	default:
		return nil, fmt.Errorf("write_csv: got %s, want record, table, matrix or vector", lang.Describe(x))
	}
	for _, c := range cols[1:] {
		if c.rows() != cols[0].rows() {
			return nil, fmt.Errorf("write_csv: column %q has %d rows but %q has %d", c.name, c.rows(), cols[0].name, cols[0].rows())
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rec := make([]string, len(cols))
	for j, c := range cols {
		rec[j] = c.name
	}
	w.Write(rec)
	nrows := 0
	if len(cols) > 0 {
		nrows = cols[0].rows()
	}
	for i := 0; i < nrows; i++ {
		for j, c := range cols {
			if c.text != nil {
				rec[j] = c.text[i]
			} else {
				rec[j] = formatCSVNumber(c.nums[i])
			}
		}
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("write_csv: %v", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o666); err != nil {
		return nil, fmt.Errorf("write_csv: %v", err)
	}
	return lang.None, nil
}

func builtinReadJSON(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	return readFile("read_json", args, kwargs, parseJSON)
}

// parseJSON converts a JSON document to a value: objects become records
// (keys in file order), arrays of numbers vectors, arrays of equal-length
// arrays of numbers matrices.
func parseJSON(data []byte) (lang.Value, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	v, err := jsonValue(dec, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("unexpected data after the top-level value")
	}
	return v, nil
}

// jsonValue reads one value; where names it for errors ("" at the top).
func jsonValue(dec *json.Decoder, where string) (lang.Value, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			return nil, fmt.Errorf("unexpected end of input")
		}
		return nil, err
	}
	return jsonFrom(dec, tok, where)
}

func jsonFrom(dec *json.Decoder, tok json.Token, where string) (lang.Value, error) {
	switch t := tok.(type) {
	case float64:
		return lang.Number(t), nil
	case string:
		return lang.String(t), nil
	case bool:
		return lang.Bool(t), nil
	case nil:
		return lang.None, nil
	case json.Delim:
		if t == '{' {
			rec := lang.NewRecord()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := k.(string)
				v, err := jsonValue(dec, jsonPath(where, key))
				if err != nil {
					return nil, err
				}
				rec.Set(key, v)
			}
			_, err := dec.Token() // '}'
			return rec, err
		}
		return jsonArray(dec, where)
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

func jsonPath(where, key string) string {
	if where == "" {
		return key
	}
	return where + "." + key
}

// jsonArray reads the rest of an array (after '[') as a vector or matrix.
func jsonArray(dec *json.Decoder, where string) (lang.Value, error) {
	bad := func(what string) error {
		if where == "" {
			return fmt.Errorf("the top-level array %s", what)
		}
		return fmt.Errorf("field %q: %s", where, what)
	}
	var flat []float64
	rows, cols := 0, -1
	nums := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case float64:
			flat = append(flat, t)
			nums++
		case json.Delim:
			if t != '[' {
				return nil, bad("holds an object; arrays must hold numbers or arrays of numbers")
			}
			n := 0
			for dec.More() {
				tok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				x, ok := tok.(float64)
				if !ok {
					return nil, bad("is nested more than two deep or holds non-numbers; arrays must be vectors or matrices of numbers")
				}
				flat = append(flat, x)
				n++
			}
			if _, err := dec.Token(); err != nil { // ']'
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
	if _, err := dec.Token(); err != nil { // ']'
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
