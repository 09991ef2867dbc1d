// Package cmdstanout writes draws the way the R scripts of bench read them
// (bench/draws/compare.R): the chains in CmdStan's CSV layout and
// flowppl's summary of the same draws under R's variable names, for the
// bench commands (bench/draws, bench/nuts) to share.
package cmdstanout

import (
	"encoding/csv"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/flowppl/flowppl/draws"
)

// Write writes the chains of set as CmdStan's CSV files (csvPath names
// them as draws.WriteCmdStanFiles does) and the summary sum of the same
// draws to summaryPath, one row a variable with R's names (theta[1],
// 1-based) and the columns of the R package posterior's summary. It
// returns the CmdStan files' names.
func Write(csvPath, summaryPath string, set *draws.Set, sum *draws.Summary) ([]string, error) {
	create := func(name string) (io.WriteCloser, error) { return os.Create(name) }
	names, err := draws.WriteCmdStanFiles(create, csvPath, set)
	if err != nil {
		return nil, err
	}
	f, err := os.Create(summaryPath)
	if err != nil {
		return nil, err
	}
	if err := writeSummary(f, set, sum); err != nil {
		f.Close()
		return nil, err
	}
	return names, f.Close()
}

// writeSummary writes the summary's CSV to w.
func writeSummary(w io.Writer, set *draws.Set, sum *draws.Summary) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"variable", "mean", "sd", "q5", "q50", "q95", "mcse_mean", "ess_bulk", "ess_tail", "rhat"})
	rname := map[string]string{"lp__": "lp__"}
	for _, c := range set.Columns() {
		rname[c.Name] = RName(c.CmdStan)
	}
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 17, 64) }
	for _, r := range sum.Rows {
		cw.Write([]string{rname[r.Name], g(r.Mean), g(r.SD), g(r.Q5), g(r.Q50), g(r.Q95), g(r.MCSE), g(r.ESSBulk), g(r.ESSTail), g(r.Rhat)})
	}
	cw.Flush()
	return cw.Error()
}

// RName turns CmdStan's column name into R's: "theta.2" into "theta[2]",
// "Sigma.2.1" into "Sigma[2,1]"; a scalar's name is kept.
func RName(col string) string {
	parts := strings.Split(col, ".")
	if len(parts) == 1 {
		return col
	}
	return parts[0] + "[" + strings.Join(parts[1:], ",") + "]"
}
