package repl

import (
	"fmt"
	"strings"

	"github.com/flowppl/flowppl/lang"
	"github.com/flowppl/flowppl/tensor"
)

// Compact limits of the echo.
const (
	compactRows  = 5  // rows shown at each end of a long matrix
	compactElems = 12 // elements shown of a long vector
)

// Compact formats a value as the REPL echoes it: small values as print
// shows them; a long vector its length and first and last elements; a
// large matrix its shape and a few rows at each end; a flow its structure
// and parameter count; a fit report its key figures.
func Compact(v lang.Value) string {
	switch v := v.(type) {
	case *lang.Array:
		return compactArray(v)
	case *lang.Flow:
		n := 0
		for _, p := range v.F.Params() {
			n += p.Len()
		}
		return fmt.Sprintf("%s  (%d parameters)", v.String(), n)
	case *lang.Record:
		if isReport(v) {
			return "fit report: " + reportLine(v)
		}
		return v.String()
	}
	return v.String()
}

func compactArray(a *lang.Array) string {
	d := a.Data()
	if a.IsVector() {
		n := len(d)
		if n <= compactElems {
			return a.String()
		}
		h := compactElems / 2
		return fmt.Sprintf("vector of %d: [%s, ..., %s]", n, joinNums(d[:h]), joinNums(d[n-h:]))
	}
	r, c := a.T.Dim(0), a.T.Dim(1)
	if r <= 2*compactRows && c <= compactElems {
		return a.String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "matrix %d×%d:\n", r, c)
	row := func(i int) {
		x := d[i*c : (i+1)*c]
		if c > compactElems {
			fmt.Fprintf(&b, " [%s, ...]\n", joinNums(x[:compactElems]))
		} else {
			fmt.Fprintf(&b, " [%s]\n", joinNums(x))
		}
	}
	if r <= 2*compactRows {
		for i := range r {
			row(i)
		}
	} else {
		for i := range compactRows {
			row(i)
		}
		fmt.Fprintf(&b, " ... %d more rows\n", r-2*compactRows)
		for i := r - compactRows; i < r; i++ {
			row(i)
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func joinNums(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = tensor.FormatNumber(x)
	}
	return strings.Join(s, ", ")
}

// isReport reports whether a record is a fit report.
func isReport(r *lang.Record) bool {
	for _, f := range []string{"loss", "losses", "steps", "stopped"} {
		if _, ok := r.Fields[f]; !ok {
			return false
		}
	}
	return true
}

// reportLine gives the key figures of a fit report.
func reportLine(r *lang.Record) string {
	get := func(name string) string {
		if v, ok := r.Fields[name]; ok {
			if n, ok := v.(lang.Number); ok {
				return tensor.FormatNumber(float64(n))
			}
			return v.String()
		}
		return "?"
	}
	loss := get("loss")
	if n, ok := r.Fields["loss"].(lang.Number); ok {
		loss = fmt.Sprintf("%.4g", float64(n))
	}
	secs := get("seconds")
	if n, ok := r.Fields["seconds"].(lang.Number); ok {
		secs = fmt.Sprintf("%.2g", float64(n))
	}
	return fmt.Sprintf("loss %s after %s steps in %s s (stopped: %s, converged: %s)",
		loss, get("steps"), secs, get("stopped"), get("converged"))
}
