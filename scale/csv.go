package scale

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// ReadSettings reads a settings CSV: a header with a column "key" and one
// column per name the script assigns at its top level, then one element
// per row. A cell is an expression bound as `--set name=cell` binds it (a
// number, [1, 2], "a string" with its quotes); an empty cell leaves the
// script's own value. Keys must be non-empty and unique. It returns the
// elements in the order of the file and the names of the bound columns.
func ReadSettings(name string, r io.Reader) ([]Element, []string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 0
	header, err := cr.Read()
	if err == io.EOF {
		return nil, nil, fmt.Errorf("%s: empty file, want a header with a column \"key\"", name)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", name, err)
	}
	keyCol := -1
	var names []string
	seenName := map[string]bool{}
	for j, h := range header {
		h = strings.TrimSpace(h)
		if j == 0 {
			h = strings.TrimPrefix(h, "\ufeff")
		}
		header[j] = h
		switch {
		case h == "key":
			if keyCol >= 0 {
				return nil, nil, fmt.Errorf("%s:1: two columns \"key\"", name)
			}
			keyCol = j
		case h == "":
			return nil, nil, fmt.Errorf("%s:1: column %d has no name", name, j+1)
		case seenName[h]:
			return nil, nil, fmt.Errorf("%s:1: two columns %q", name, h)
		default:
			seenName[h] = true
			names = append(names, h)
		}
	}
	if keyCol < 0 {
		return nil, nil, fmt.Errorf("%s:1: no column \"key\" (the header is %s)", name, strings.Join(header, ","))
	}
	var elems []Element
	firstLine := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %v", name, err)
		}
		line, _ := cr.FieldPos(0)
		key := strings.TrimSpace(rec[keyCol])
		if key == "" {
			return nil, nil, fmt.Errorf("%s:%d: empty key", name, line)
		}
		if l, ok := firstLine[key]; ok {
			return nil, nil, fmt.Errorf("%s:%d: key %q again (first on line %d): keys name elements and seed them, so they must be unique", name, line, key, l)
		}
		firstLine[key] = line
		e := Element{Key: key, Pos: len(elems)}
		for j, cell := range rec {
			if j == keyCol || strings.TrimSpace(cell) == "" {
				continue
			}
			e.Sets = append(e.Sets, Binding{Name: header[j], Value: strings.TrimSpace(cell)})
		}
		elems = append(elems, e)
	}
	return elems, names, nil
}

// FormatCSV returns the CSV of the rows of a sweep: the columns key and
// seed, the columns of the results (in the order of their first appearance,
// element by element), warnings and error; one line per row, ordered by
// element (Pos, then key) and by row within an element, so that the file
// does not depend on the order in which the rows arrived. A cell a row
// does not have is empty.
func FormatCSV(rows []Row) []byte {
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Pos, b.Pos), cmp.Compare(a.Key, b.Key), cmp.Compare(a.Index, b.Index))
	})
	col := map[string]int{}
	var names []string
	for _, r := range rows {
		for _, n := range r.Names {
			if _, ok := col[n]; !ok {
				col[n] = len(names)
				names = append(names, n)
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	rec := append(append([]string{"key", "seed"}, names...), "warnings", "error")
	w.Write(rec)
	for _, r := range rows {
		clear(rec)
		rec[0] = r.Key
		rec[1] = strconv.FormatUint(r.Seed, 10)
		for i, n := range r.Names {
			if i < len(r.Cells) {
				rec[2+col[n]] = r.Cells[i]
			}
		}
		rec[len(rec)-2] = r.Warnings
		rec[len(rec)-1] = r.Err
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// CountErrors returns the number of elements with an error row in a file
// FormatCSV wrote.
func CountErrors(file []byte) int {
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil || len(recs) == 0 {
		return 0
	}
	n := 0
	for _, r := range recs[1:] {
		if r[len(r)-1] != "" {
			n++
		}
	}
	return n
}

// Column returns the numbers of one column of a file FormatCSV wrote,
// skipping error rows (counted in failed).
func Column(file []byte, name string) (vals []float64, failed int, err error) {
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil {
		return nil, 0, err
	}
	if len(recs) == 0 {
		return nil, 0, fmt.Errorf("empty file")
	}
	j := slices.Index(recs[0], name)
	if j < 0 {
		return nil, 0, fmt.Errorf("no column %q (the columns are %s)", name, strings.Join(recs[0], ","))
	}
	for i, r := range recs[1:] {
		if r[len(r)-1] != "" {
			failed++
			continue
		}
		x, err := strconv.ParseFloat(r[j], 64)
		if err != nil {
			return nil, 0, fmt.Errorf("line %d: column %s: %q is not a number", i+2, name, r[j])
		}
		vals = append(vals, x)
	}
	return vals, failed, nil
}
