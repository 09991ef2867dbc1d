// Command memory runs a flowppl script in parts and reports, for each
// part, its wall time, its CPU time and the process's peak resident set
// size while it ran: where a script's time and memory go.
//
//	go run ./bench/memory [-budget N] [-seed N] SCRIPT
//
// The parts are separated by lines "#---" (comments to flowppl run, so
// the script also runs whole). Between parts the peak RSS is reset
// (/proc/self/clear_refs, Linux) after a garbage collection, so a part's
// figure is the peak while it ran, counted from the memory the earlier
// parts still hold. -budget sets the tape budget (infer.SetTapeBudget,
// float64 values per chunk of draws; 0 keeps the default) to compare
// chunk sizes. Run it from the repository root, e.g.
//
//	go run ./bench/memory bench/memory/logistic20k.flow
//
// and under /usr/bin/time -v for the whole process's peak RSS.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/flowppl/flowppl/infer"
	"github.com/flowppl/flowppl/interp"
	"github.com/flowppl/flowppl/lang"
)

func main() {
	budget := flag.Int("budget", 0, "tape budget in float64 values (0: the default)")
	seed := flag.Uint64("seed", 1, "seed of the script's random source (as flowppl run --seed)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: memory [-budget N] [-seed N] SCRIPT")
		os.Exit(2)
	}
	if *budget > 0 {
		infer.SetTapeBudget(*budget)
	}
	path := flag.Arg(0)
	src, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// The script's own output (summary tables) is not shown: the table is.
	th := &lang.Thread{Name: "main", Rand: rand.New(rand.NewPCG(*seed, 2)), Stdout: io.Discard, Stderr: os.Stderr}
	globals := lang.StringDict{}
	fmt.Println("| part | wall s | CPU s | peak RSS MB |\n|---|---|---|---|")
	for i, part := range strings.Split(string(src), "\n#---\n") {
		runtime.GC()
		resetPeak()
		start, cpu0 := time.Now(), cpuSeconds()
		g, err := interp.ExecFile(th, path, part, globals)
		if err != nil {
			fmt.Fprintln(os.Stderr, interp.FormatError(err))
			os.Exit(1)
		}
		wall, cpu := time.Since(start).Seconds(), cpuSeconds()-cpu0
		for k, v := range g {
			globals[k] = v
		}
		fmt.Printf("| %d: `%s` | %.2f | %.2f | %.0f |\n", i+1, firstStatement(part), wall, cpu, peakMB())
	}
}

// firstStatement returns the first line of a part that is not a comment.
func firstStatement(part string) string {
	for _, l := range strings.Split(part, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return l
		}
	}
	return ""
}

// resetPeak resets the process's peak RSS to its current RSS.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakMB returns the process's peak RSS (VmHWM) in MB (0 if unknown).
func peakMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb float64
			fmt.Sscanf(strings.TrimSpace(rest), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

// cpuSeconds returns the process's user and system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
