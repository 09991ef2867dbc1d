package stdlib

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/draws"
	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// SummaryDraws is the number of draws summary and the Monte Carlo moments
// of mean(d) and sd(d) use.
const SummaryDraws = 10000

// Table is a value with named rows and numeric columns, such as the result
// of summary. It prints as an aligned table; its columns are read as
// vectors by name (t.mean), and len(t) is the number of rows.
type Table struct {
	// RowLabel heads the column of row names ("name").
	RowLabel string
	// Rows names the rows: "x[0]", "x[1]", ...
	Rows []string
	// Cols are the numeric columns, each with one value per row.
	Cols []Column
}

// Column is a column of a Table: Name is its field name (t.q5), Label its
// printed heading ("5%").
type Column struct {
	Name, Label string
	Data        []float64
}

var _ lang.HasAttrs = (*Table)(nil)

// Type returns "table".
func (*Table) Type() string { return "table" }

// Len returns the number of rows.
func (t *Table) Len() int { return len(t.Rows) }

// Attr returns a column as a vector.
func (t *Table) Attr(name string) (lang.Value, bool) {
	if c := t.column(name); c != nil {
		return lang.NewVector(c.Data), true
	}
	return nil, false
}

// Column returns the data of the column named name (as t.name reads it),
// nil when there is none.
func (t *Table) Column(name string) []float64 {
	if c := t.column(name); c != nil {
		return c.Data
	}
	return nil
}

func (t *Table) column(name string) *Column {
	for i := range t.Cols {
		if t.Cols[i].Name == name {
			return &t.Cols[i]
		}
	}
	return nil
}

// AttrNames returns the column names.
func (t *Table) AttrNames() []string {
	names := make([]string, len(t.Cols))
	for i, c := range t.Cols {
		names[i] = c.Name
	}
	return names
}

// String formats the table with a header line and one line per row: row
// names left-aligned, numbers right-aligned with 4 significant digits.
func (t *Table) String() string {
	cells := make([][]string, len(t.Rows)+1)
	cells[0] = append([]string{t.RowLabel}, make([]string, len(t.Cols))...)
	for j, c := range t.Cols {
		cells[0][j+1] = c.Label
	}
	for i, r := range t.Rows {
		row := make([]string, len(t.Cols)+1)
		row[0] = r
		for j, c := range t.Cols {
			row[j+1] = formatShort(c.Data[i])
		}
		cells[i+1] = row
	}
	width := make([]int, len(t.Cols)+1)
	for _, row := range cells {
		for j, s := range row {
			width[j] = max(width[j], len([]rune(s)))
		}
	}
	var b strings.Builder
	for i, row := range cells {
		if i > 0 {
			b.WriteByte('\n')
		}
		var line strings.Builder
		for j, s := range row {
			pad := strings.Repeat(" ", width[j]-len([]rune(s)))
			if j == 0 {
				line.WriteString(s + pad)
			} else {
				line.WriteString("  " + pad + s)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
	}
	return b.String()
}

// formatShort formats v with 4 significant digits.
func formatShort(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return tensor.FormatNumber(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// Summarize returns the summary table of draws x ([n, d], one draw per
// row): for each dimension its mean, sd (divisor n - 1) and 5%, 50% and 95%
// quantiles (R type 7). names labels the dimensions; nil means x[0], x[1],
// ... (or x when d = 1).
func Summarize(names []string, x *tensor.Tensor) *Table {
	t, _ := summarize(nil, names, x)
	return t
}

// summarize is Summarize on th: its sorts stop with the context's error
// at a time limit (see sortFloats).
func summarize(th *lang.Thread, names []string, x *tensor.Tensor) (*Table, error) {
	n, d := x.Dim(0), x.Dim(1)
	if names == nil {
		names = make([]string, d)
		for j := range names {
			names[j] = fmt.Sprintf("x[%d]", j)
		}
		if d == 1 {
			names[0] = "x"
		}
	}
	if len(names) != d {
		panic(fmt.Sprintf("stdlib.Summarize: %d names for %d dimensions", len(names), d))
	}
	t := &Table{RowLabel: "name", Rows: names}
	for _, c := range [][2]string{{"mean", "mean"}, {"sd", "sd"}, {"q5", "5%"}, {"q50", "50%"}, {"q95", "95%"}} {
		t.Cols = append(t.Cols, Column{Name: c[0], Label: c[1], Data: make([]float64, d)})
	}
	data := x.Data()
	col := make([]float64, n)
	for j := 0; j < d; j++ {
		for i := range col {
			col[i] = data[i*d+j]
		}
		t.Cols[0].Data[j] = mean(col)
		t.Cols[1].Data[j] = math.Sqrt(variance(col))
		hasNaN := slices.ContainsFunc(col, math.IsNaN)
		if err := sortFloats(th, col); err != nil {
			return nil, err
		}
		for k, p := range []float64{0.05, 0.5, 0.95} {
			q := math.NaN()
			if n > 0 && !hasNaN {
				q = draws.QuantileSorted(col, p)
			}
			t.Cols[2+k].Data[j] = q
		}
	}
	return t, nil
}

// PrintRecorder is an optional interface of a thread's Stdout: a builtin
// that both prints a value and returns it (summary of a guide prints its
// table, as scripts expect) reports the value, so that an interactive
// front end that echoes the value of an expression can skip the echo of a
// value the statement has already shown (the REPL does).
type PrintRecorder interface {
	Printed(v lang.Value)
}

func summaryBuiltins() []*lang.Builtin {
	return []*lang.Builtin{
		def("summary", "summary(q): mean, sd, 5%, 50%, 95% of each dimension from 10000 draws; summary(d) of draws: the table with MCSE, ESS and R-hat, and the sampler's warnings", builtinSummary),
	}
}

func builtinSummary(th *lang.Thread, b *lang.Builtin, args lang.Tuple, kwargs []lang.Kwarg) (lang.Value, error) {
	var q lang.Value
	n := SummaryDraws
	if err := lang.UnpackArgs("summary", args, kwargs, "q", &q, "n?", &n); err != nil {
		return nil, err
	}
	switch q := q.(type) {
	case *Draws:
		return summaryOfDraws(th, q)
	case lang.NamedSampler:
		if n < 1 {
			return nil, fmt.Errorf("summary: n must be positive, got %d", n)
		}
		r, err := q.SampleNamed(th, n)
		if err != nil {
			return nil, fmt.Errorf("summary: %w", err)
		}
		t := summarizeNamed(r, shapesOf(q))
		fmt.Fprintln(th.Stdout, t)
		if pr, ok := th.Stdout.(PrintRecorder); ok {
			pr.Printed(t)
		}
		return t, nil
	case lang.Distribution:
		if n < 1 {
			return nil, fmt.Errorf("summary: n must be positive, got %d", n)
		}
		d := q.Dist()
		x, err := lang.Draws(th, d, n)
		if err != nil {
			return nil, fmt.Errorf("summary: %w", err)
		}
		names := make([]string, d.Dim())
		e := eventOf(q)
		for j := range names {
			if len(e) == 2 {
				names[j] = fmt.Sprintf("x[%d, %d]", j/e[1], j%e[1])
			} else {
				names[j] = fmt.Sprintf("x[%d]", j)
			}
		}
		return summaryOf(th, names, x)
	case *lang.Array:
		if q.IsVector() {
			return summaryOf(th, nil, tensor.New(q.Data(), q.Len(), 1))
		}
		return summaryOf(th, nil, q.T)
	}
	return nil, fmt.Errorf("summary: got %s, want distribution, flow or array of draws", lang.Describe(q))
}

// summaryOf is summarize as the result of summary.
func summaryOf(th *lang.Thread, names []string, x *tensor.Tensor) (lang.Value, error) {
	t, err := summarize(th, names, x)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	return t, nil
}

// SummarizeRecord returns the summary table of named draws: each field of
// r is an n-vector (one row, named as the field) or an n×k matrix (rows
// name[0], ..., name[k-1]).
func SummarizeRecord(r *lang.Record) *Table { return summarizeNamed(r, nil) }

// EventShaper is a lang.NamedSampler that knows the shape of one draw of
// each of its quantities: [] for a number, [d] for a vector, [r, c] for a
// matrix. Its records hold a matrix quantity as an n×(r·c) matrix (each
// draw flattened by rows); summary names the elements m[i, j], and
// sample(q) and mean(q) give r×c matrices.
type EventShaper interface {
	EventShape(name string) []int
}

// shapesOf returns the event shapes of a named sampler's quantities (nil
// when it does not know them).
func shapesOf(g lang.Value) func(string) []int {
	if s, ok := g.(EventShaper); ok {
		return s.EventShape
	}
	return nil
}

// matrixEvent returns the shape of a matrix quantity, or false.
func matrixEvent(shape func(string) []int, name string, k int) ([]int, bool) {
	if shape == nil {
		return nil, false
	}
	e := shape(name)
	return e, len(e) == 2 && e[0]*e[1] == k
}

// summarizeNamed is SummarizeRecord with the elements of the matrix
// quantities (by shape; nil for none) named m[i, j].
func summarizeNamed(r *lang.Record, shape func(string) []int) *Table {
	var names []string
	var cols [][]float64
	n := 0
	for _, name := range r.Names {
		a, ok := r.Fields[name].(*lang.Array)
		if !ok {
			continue
		}
		n = a.Len()
		if a.IsVector() {
			names = append(names, name)
			cols = append(cols, a.Data())
			continue
		}
		k := a.Shape()[1]
		d := a.Data()
		for j := 0; j < k; j++ {
			col := make([]float64, n)
			for i := range col {
				col[i] = d[i*k+j]
			}
			if e, ok := matrixEvent(shape, name, k); ok {
				names = append(names, fmt.Sprintf("%s[%d, %d]", name, j/e[1], j%e[1]))
			} else {
				names = append(names, fmt.Sprintf("%s[%d]", name, j))
			}
			cols = append(cols, col)
		}
	}
	x := make([]float64, n*len(cols))
	for j, c := range cols {
		for i, v := range c {
			x[i*len(cols)+j] = v
		}
	}
	return Summarize(names, tensor.New(x, n, len(cols)))
}
