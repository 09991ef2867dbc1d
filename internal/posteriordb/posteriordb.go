// Package posteriordb reads the NUTS reference summaries that posteriordb
// ships (reference.json) and scores a flowppl summary table against one,
// for the examples test and bench/posteriordb: the bar of a fit that
// passes, and Stan's 1-based names mapped to flowppl's 0-based ones, are
// kept here once.
package posteriordb

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The bar of a passing fit: every posterior mean within MaxZ reference sds
// of the reference mean, every posterior sd within [MinRatio, MaxRatio]
// times the reference sd.
const (
	MaxZ     = 0.3
	MinRatio = 0.7
	MaxRatio = 1.4
)

// Param is a reference parameter's summary.
type Param struct {
	Mean, SD float64
}

// Reference maps Stan's parameter names (theta[1]) to their summaries.
type Reference struct {
	Params map[string]Param
}

// Read reads a reference.json.
func Read(path string) (*Reference, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Reference
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	return &r, nil
}

var oneBased = regexp.MustCompile(`\[([0-9,\s]+)\]`)

// FlowName turns Stan's 1-based theta[1] and L[2,3] into flowppl's
// theta[0] and L[1, 2].
func FlowName(stan string) string {
	return oneBased.ReplaceAllStringFunc(stan, func(s string) string {
		parts := strings.Split(s[1:len(s)-1], ",")
		for i, p := range parts {
			k, _ := strconv.Atoi(strings.TrimSpace(p))
			parts[i] = strconv.Itoa(k - 1)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	})
}

// Row is one parameter's comparison: Z = (mean − reference mean) /
// reference sd, Ratio = sd / reference sd.
type Row struct {
	Name     string // flowppl's name
	Mean, SD float64
	Ref      Param
	Z, Ratio float64
	Pass     bool
}

// Score compares a summary (the rows' names, posterior means and sds, as
// the columns of summary(q)) with the reference, in the order of
// flowppl's names; an error names a reference parameter the summary lacks.
func Score(names []string, means, sds []float64, ref *Reference) ([]Row, error) {
	row := map[string]int{}
	for i, r := range names {
		row[r] = i
	}
	var out []Row
	for stan, p := range ref.Params {
		name := FlowName(stan)
		i, ok := row[name]
		if !ok {
			return nil, fmt.Errorf("no row %s (reference %s) in the summary", name, stan)
		}
		z, r := (means[i]-p.Mean)/p.SD, sds[i]/p.SD
		out = append(out, Row{Name: name, Mean: means[i], SD: sds[i], Ref: p, Z: z, Ratio: r,
			Pass: math.Abs(z) <= MaxZ && r >= MinRatio && r <= MaxRatio})
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, nil
}
