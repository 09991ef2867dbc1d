// Command flowppl-scale runs many fits of one flowppl script on Apache
// Beam: one fit per row of a settings CSV, on the in-process Prism runner
// (the default, all cores) or on Flink, Spark or Dataflow through their
// Beam job services.
//
//	flowppl-scale run SCRIPT --over SETTINGS.csv --out RESULTS.csv [--seed N]
//	    [--shards N] [--timeout D] [--dir DIR]
//	    [--runner prism|flink|spark|dataflow] [--endpoint HOST:PORT]
//	    [--environment_type LOOPBACK|DOCKER|PROCESS] [other Beam pipeline options]
//
// SETTINGS.csv has a column "key" and one column per top-level name of the
// script; each row is one fit, with its cells bound as `flowppl run --set
// name=cell` binds them (an empty cell keeps the script's value) and the
// seed scale.SeedOf(--seed, key). RESULTS.csv has the rows of each fit's
// global `result` (a table such as summary(q), or a record: one row),
// with the columns key and seed first and warnings and error last; a fit
// that fails is one row with its error, and the others go on. The rows
// are in the order of SETTINGS.csv whatever the runner did, and
// `flowppl run --seed SEED --set ...` with a row's seed and bindings
// reproduces it.
//
// The ranks subcommand is the analysis of simulation-based calibration
// (scale/examples/sbc): for each column of ranks (0..L; by default the
// columns named rank_*) of a results file, the rank histogram in B bins
// (default 20; L+1 must be a multiple of B), Pearson's chi-square against
// uniform and its p-value, and with --plot the histogram as
// PREFIX_COLUMN.svg. It exits 1 when a p-value is below 0.01.
//
// Progress (elements done / total) goes to stderr when the workers run in
// this process (Prism, or a job service with --environment_type
// LOOPBACK). The exit status is 0 when the pipeline ran (even if some
// elements failed: see the error column), 1 when it failed, 2 on a usage
// error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/dataflow"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/flink"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/spark"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal"

	"github.com/flowppl/flowppl/scale"
)

const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

// The command's own flags, beside Beam's pipeline options (--runner,
// --endpoint, --environment_type, ...), all on flag.CommandLine where
// Beam's workers read them back.
var (
	over    = flag.String("over", "", "the settings `CSV`: a column key and one column per name the script assigns")
	out     = flag.String("out", "", "the results `CSV` to write")
	seed    = flag.Uint64("seed", 1, "global seed: each element runs with the seed scale.SeedOf(seed, key)")
	shards  = flag.Int("shards", 0, "sources the elements are split into, run at once (0: the cores, GOMAXPROCS, on prism; 1 elsewhere, where a reshuffle spreads them)")
	timeout = flag.Duration("timeout", 0, "time limit of one element (0: none); an element past it gives an error row")
	dir     = flag.String("dir", "", "the directory the script's file builtins may read (default: the script's own)")
)

const usage = `usage: flowppl-scale run SCRIPT --over SETTINGS.csv --out RESULTS.csv [--seed N]
           [--shards N] [--timeout D] [--dir DIR]
           [--runner prism|flink|spark|dataflow] [--endpoint HOST:PORT]
           [--environment_type LOOPBACK|DOCKER|PROCESS] [Beam pipeline options]
       flowppl-scale ranks RESULTS.csv --draws L [--bins B] [--columns a,b] [--plot PREFIX]
`

func main() {
	if len(os.Args) > 1 {
		switch os.Args[1] {
		case "run":
			os.Exit(runCmd(os.Args[2:], os.Stderr))
		case "ranks":
			os.Exit(ranksCmd(os.Args[2:], os.Stdout, os.Stderr))
		}
	}
	// A Beam worker started by a runner (--worker and the harness's
	// flags): beam.Init runs the harness and does not return.
	flag.Usage = func() { fmt.Fprint(os.Stderr, usage) }
	flag.Parse()
	beam.Init()
	fmt.Fprint(os.Stderr, usage)
	os.Exit(exitUsage)
}

// parseInterleaved parses flags that may come before and after the
// positional arguments (`run SCRIPT --over ...`) and returns the latter.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runCmd(args []string, stderr io.Writer) int {
	fs := flag.CommandLine
	fs.Init("flowppl-scale run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	switch {
	case len(pos) != 1:
		fmt.Fprintf(stderr, "flowppl-scale run: want one SCRIPT, got %d arguments\n%s", len(pos), usage)
		return exitUsage
	case *over == "" || *out == "":
		fmt.Fprintf(stderr, "flowppl-scale run: --over SETTINGS.csv and --out RESULTS.csv are required\n%s", usage)
		return exitUsage
	}
	beamlog.LogLevel = "warn" // Prism's job lines only when something goes wrong
	beam.Init()

	script := pos[0]
	src, err := os.ReadFile(script)
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: cannot read %s: %v\n", script, unwrapPath(err))
		return exitUsage
	}
	f, err := os.Open(*over)
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: cannot read %s: %v\n", *over, unwrapPath(err))
		return exitUsage
	}
	elems, names, err := scale.ReadSettings(*over, f)
	f.Close()
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: %v\n", err)
		return exitUsage
	}
	if len(elems) == 0 {
		fmt.Fprintf(stderr, "flowppl-scale: %s has no rows\n", *over)
		return exitUsage
	}
	d := *dir
	if d == "" {
		d = filepath.Dir(script)
	}
	if d, err = filepath.Abs(d); err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: --dir: %v\n", err)
		return exitUsage
	}
	outPath := *out
	if !strings.Contains(outPath, "://") {
		if outPath, err = filepath.Abs(outPath); err != nil {
			fmt.Fprintf(stderr, "flowppl-scale: --out: %v\n", err)
			return exitUsage
		}
	}
	cfg := scale.Config{Name: filepath.Base(script), Source: string(src), Dir: d, Seed: *seed, Timeout: *timeout}
	if err := scale.Validate(cfg, names); err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: %v\n", err)
		return exitError
	}

	runner := *runners.Runner
	if runner == "" {
		runner = "prism"
	}
	n := *shards
	if n <= 0 {
		n = 1
		if runner == "prism" {
			n = runtime.GOMAXPROCS(0)
		}
	}
	p, s := beam.NewPipelineWithRoot()
	scale.WriteCSV(s, outPath, scale.Sweep(s, cfg, elems, n))

	restore, err := scale.PrivateTempDir()
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: %v\n", err)
		return exitError
	}
	defer restore()
	stop := progress(stderr, len(elems))
	start := time.Now()
	_, err = beam.Run(context.Background(), runner, p)
	stop()
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: %s runner: %v\n", runner, err)
		return exitError
	}
	fmt.Fprintf(stderr, "flowppl-scale: %d elements in %.1fs on %s, results in %s%s\n", len(elems), time.Since(start).Seconds(), runner, *out, failures(outPath))
	return exitOK
}

// progress prints "elements done / total" to stderr while the pipeline
// runs, when its workers are in this process; stop ends it.
func progress(w io.Writer, total int) (stop func()) {
	base := scale.Done()
	quit, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		last := int64(-1)
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				if n := scale.Done() - base; n != last && n > 0 {
					fmt.Fprintf(w, "flowppl-scale: %d/%d elements done\n", n, total)
				}
				return
			case <-tick.C:
				if n := scale.Done() - base; n != last {
					fmt.Fprintf(w, "flowppl-scale: %d/%d elements done\n", n, total)
					last = n
				}
			}
		}
	}()
	return func() { close(quit); <-finished }
}

// failures returns ", N failed (see the error column)" from a local
// results file, or "".
func failures(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	n := scale.CountErrors(b)
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("; %d failed (see the error column)", n)
}

// unwrapPath returns the cause of a *fs.PathError (the message names the
// path already).
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func ranksCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("flowppl-scale ranks", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	draws := fs.Int("draws", 0, "`L`, the draws each rank counts: ranks are 0..L")
	bins := fs.Int("bins", 20, "bins of the histogram; L+1 must be a multiple")
	columns := fs.String("columns", "", "comma-separated rank columns (default: those named rank_*)")
	plotPrefix := fs.String("plot", "", "write each histogram to `PREFIX`_COLUMN.svg")
	pos, err := parseInterleaved(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitUsage
	}
	if len(pos) != 1 || *draws < 1 {
		fmt.Fprintf(stderr, "flowppl-scale ranks: want one RESULTS.csv and --draws L\n%s", usage)
		return exitUsage
	}
	file, err := os.ReadFile(pos[0])
	if err != nil {
		fmt.Fprintf(stderr, "flowppl-scale: cannot read %s: %v\n", pos[0], unwrapPath(err))
		return exitUsage
	}
	var cols []string
	if *columns != "" {
		cols = strings.Split(*columns, ",")
	} else {
		header, _, _ := strings.Cut(string(file), "\n")
		for _, c := range strings.Split(strings.TrimSpace(header), ",") {
			if strings.HasPrefix(c, "rank_") {
				cols = append(cols, c)
			}
		}
		if cols == nil {
			fmt.Fprintf(stderr, "flowppl-scale: %s has no columns rank_*; name them with --columns\n", pos[0])
			return exitUsage
		}
	}
	code := exitOK
	for _, c := range cols {
		ranks, failed, err := scale.Column(file, c)
		if err == nil && len(ranks) == 0 {
			err = fmt.Errorf("column %s: no ranks", c)
		}
		var counts []int
		if err == nil {
			counts, err = scale.RankHistogram(ranks, *draws, *bins)
		}
		if err != nil {
			fmt.Fprintf(stderr, "flowppl-scale: %s: %v\n", pos[0], err)
			return exitError
		}
		stat, p := scale.ChiSquareUniform(counts)
		verdict := "uniform"
		if p < 0.01 {
			verdict, code = "NOT uniform: miscalibrated", exitError
		}
		fmt.Fprintf(stdout, "%s: %d data sets (%d failed), chi-square %.1f on %d df, p = %.3g: %s\n", c, len(ranks), failed, stat, len(counts)-1, p, verdict)
		fmt.Fprintf(stdout, "  counts %v\n", counts)
		if *plotPrefix != "" {
			path := *plotPrefix + "_" + c + ".svg"
			f, err := os.Create(path)
			if err == nil {
				err = scale.PlotRanks(f, fmt.Sprintf("%s: p = %.3g", c, p), counts, *draws)
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				fmt.Fprintf(stderr, "flowppl-scale: --plot: %v\n", err)
				return exitError
			}
		}
	}
	return code
}
